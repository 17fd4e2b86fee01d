;; acme:a and acme:b: both forward call_inc to their acme:counter.
(module
  (import "acme:counter" "inc" (func $inc (result i32)))
  (func (export "call_inc") (result i32) (call $inc)))
