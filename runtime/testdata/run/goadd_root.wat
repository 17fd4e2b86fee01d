;; A root over the Go reactor acme:goadd.
(module
  (import "acme:goadd" "add" (func $add (param i32 i32) (result i32)))
  (import "acme:goadd" "crash" (func $crash (result i32)))
  (func (export "sum") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "crash") (result i32) (call $crash)))
