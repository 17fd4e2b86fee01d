;; Like bad.wat, but built with --debug-names: its functions have names with
;; dots in them, as Go's ("main.boom") and many other compilers' do.
(module
  (func $main.boom (export "boom") unreachable))
