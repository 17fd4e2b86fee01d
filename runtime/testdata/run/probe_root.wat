;; A root that runs its child acme:probe's _start (a WASI command).
(module
  (import "acme:probe" "_start" (func $probe))
  (func (export "_start") (call $probe)))
