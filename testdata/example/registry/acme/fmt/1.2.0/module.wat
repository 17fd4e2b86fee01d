;; acme:fmt 1.2.0: adds timestamp(), which reads the real clock. Keys: clock.
(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: the time

  ;; format(n) -> number of decimal digits of n
  (func $format (export "format") (param $n i64) (result i32)
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
    (local.get $digits))

  ;; timestamp() -> wall clock in nanoseconds, 0 on error
  (func (export "timestamp") (result i64)
    ;; clock id 0: realtime
    (if (call $clock_time_get (i32.const 0) (i64.const 1000) (i32.const 0))
      (then (return (i64.const 0))))
    (i64.load (i32.const 0))))
