;; A child that writes "leak\n" to fd 1 and returns fd_write's errno.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "leak\n")
  (data (i32.const 0) "\10\00\00\00\05\00\00\00") ;; iovec {16, 5}
  (func (export "speak") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
