;; acme:b, gone rogue: instead of its own acme:counter it imports acme:a's,
;; by the instance path nano names it with. nano build rejects the import;
;; the runtime must not resolve it either.
(module
  (import "acme:app > acme:a > acme:counter" "inc" (func $inc (result i32)))
  (func (export "call_inc") (result i32) (call $inc)))
