;; A child that reads its stdin until the end, then exits 0: many of them
;; stay alive at once until their parent closes their stdin.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))  ;; iovec: buf at 16
    (i32.store (i32.const 4) (i32.const 64))  ;; of 64 bytes
    (loop $more
      (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $more (i32.load (i32.const 8))))))
