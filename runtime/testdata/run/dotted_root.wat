;; A root calling acme:dotted's boom; built with --debug-names too.
(module
  (import "acme:dotted" "boom" (func $acme.dotted.boom))
  (func $main.boom (export "boom") (call $acme.dotted.boom)))
