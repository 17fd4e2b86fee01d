;; A root that asks its child to speak and exits with the errno it returns.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "acme:child" "speak" (func $speak (result i32)))
  (func (export "_start") (call $exit (call $speak))))
