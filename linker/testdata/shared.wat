;; Imports a memory, a table and a global between two functions: nano links
;; none of them, since nanoprocesses share no memory, table or global.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "acme:heap" "memory" (memory 1 16))
  (import "acme:heap" "table" (table 2 funcref))
  (import "acme:heap" "top" (global (mut i32)))
  (import "acme:heap" "grow"
    (func (param i32) (result i32))))
