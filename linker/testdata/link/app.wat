;; acme:app: imports acme:zip's extract with the right signature.
(module
  (import "acme:zip" "extract" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
