;; acme:zip: exports extract (i32,i32) -> i32 and its own memory.
(module
  (memory (export "memory") 1)
  (func (export "extract") (param i32 i32) (result i32) (local.get 0)))
