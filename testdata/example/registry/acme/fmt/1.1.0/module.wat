;; acme:fmt 1.1.0: number formatting, pure computation, no keys, no imports.
(module
  (memory (export "memory") 1)

  ;; format(n) -> number of decimal digits of n
  (func (export "format") (param $n i64) (result i32)
    (local $digits i32)
    (if (i64.lt_s (local.get $n) (i64.const 0))
      (then (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (local.set $digits (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.lt_u (local.get $n) (i64.const 10)))
        (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (br $next)))
    (local.get $digits)))
