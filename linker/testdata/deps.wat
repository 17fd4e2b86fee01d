;; Imports from a dependency and from modules nano cannot link, and exports
;; with every numeric type in their signatures.
(module
  (import "acme:zip" "extract"
    (func (param i32 i64) (result i32)))
  (import "env" "abort"
    (func (param i32 i32 i32 i32)))
  (import "ACME:Zip" "extract"
    (func))
  (memory (export "memory") 1)
  (global (export "depth") i32 (i32.const 0))
  (func (export "zero"))
  (func (export "mix") (param i32 i64 f32 f64) (result f64 i32)
    (f64.const 0) (i32.const 0))
  (func (export "add") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1))))
