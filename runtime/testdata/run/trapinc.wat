;; An acme:counter whose inc traps.
(module
  (func (export "inc") (result i32) unreachable))
