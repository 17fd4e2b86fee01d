;; acme:counter: inc adds one to a counter in its own memory and returns it.
(module
  (memory 1)
  (func (export "inc") (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (i32.load (i32.const 0))))
