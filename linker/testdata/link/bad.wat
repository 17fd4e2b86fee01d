;; acme:app, badly linked: every kind of link error at once.
(module
  (import "acme:zip" "extract" (func (param i32) (result i32)))      ;; wrong signature
  (import "acme:zip" "compress" (func (param i32 i32) (result i32))) ;; not exported
  (import "acme:tar" "pack" (func))                                  ;; not a dependency
  (import "env" "abort" (func))                                      ;; unknown module
  (import "wasi_snapshot_preview1" "teleport" (func))                ;; not WASI
  (import "acme:zip" "memory" (memory 1))                            ;; shared memory
  (import "acme:zip" "table" (table 1 funcref))                      ;; shared table
  (import "acme:zip" "counter" (global i32))                         ;; shared global
  (func (export "_start")))
