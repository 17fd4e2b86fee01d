;; acme:bad: boom traps.
(module
  (func (export "boom") unreachable))
