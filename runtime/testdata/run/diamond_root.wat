;; The root of a diamond: acme:a and acme:b both depend on acme:counter.
(module
  (import "acme:a" "call_inc" (func $a (result i32)))
  (import "acme:b" "call_inc" (func $b (result i32)))
  (func (export "a_inc") (result i32) (call $a))
  (func (export "b_inc") (result i32) (call $b)))
