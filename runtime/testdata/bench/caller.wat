;; The caller of the call benchmarks: the same loop calls add in another
;; nanoprocess ("cross") or a copy of it in this module ("local").
(module
  (import "acme:callee" "add" (func $remote (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $add (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "cross") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call $remote (local.get $acc) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $acc) (local.get $n))))
    (local.get $acc))
  (func (export "local") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call $add (local.get $acc) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $acc) (local.get $n))))
    (local.get $acc)))
