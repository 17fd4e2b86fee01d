;; Imports from WASI preview1 of every kind: keys of each kind, functions
;; that need no key, and a name preview1 does not have.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send"
    (func (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit"
    (func (param i32)))
  (import "wasi_snapshot_preview1" "path_open_at_once"
    (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
