;; A root that calls acme:bad's boom from _start and from its export boom.
(module
  (import "acme:bad" "boom" (func $boom))
  (func (export "_start") (call $boom))
  (func (export "boom") (call $boom)))
