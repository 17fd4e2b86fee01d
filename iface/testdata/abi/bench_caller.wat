;; The caller of the adapter benchmarks: each loop calls an import of
;; bench:b/api (see bench_callee.wat) n times; direct calls add linked
;; straight to the callee's export. Results go to a return area at 0x100;
;; the loops free what the adapter allocates here (a bump allocator reset).
(module
  (import "bench:callee" "add" (func $direct (param i32 i32) (result i32)))
  (import "bench:b/api" "add" (func $add (param i32 i32) (result i32)))
  (import "bench:b/api" "len" (func $len (param i32 i32) (result i32)))
  (import "bench:b/api" "echo" (func $echo (param i32 i32 i32)))
  (import "bench:b/api" "sum" (func $sum (param i32 i32) (result i32)))
  (import "bench:b/api" "rec" (func $rec (param i32 i64 f64 i32 i32 i32 f32 i64 i32)))
  (memory (export "memory") 3)
  (global $heap (mut i32) (i32.const 0x20000))

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16)))
                                                    (i32.const 65535))
                                           (i32.const 16)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))

  (func (export "direct") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call $direct (local.get $acc) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $acc) (local.get $n))))
    (local.get $acc))

  (func (export "add") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call $add (local.get $acc) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $acc) (local.get $n))))
    (local.get $acc))

  (func (export "len") (param $p i32) (param $len i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $len (local.get $p) (local.get $len))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  (func (export "echo") (param $p i32) (param $len i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (call $echo (local.get $p) (local.get $len) (i32.const 0x100))
      (local.set $acc (i32.add (local.get $acc) (i32.load (i32.const 0x104))))
      (global.set $heap (i32.const 0x20000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  (func (export "sum") (param $p i32) (param $len i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $sum (local.get $p) (local.get $len))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  (func (export "rec") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (call $rec (local.get $i) (i64.const 2) (f64.const 3.5) (i32.const -4)
                 (i32.const 5) (i32.const 6) (f32.const 7.25) (i64.const -8) (i32.const 0x100))
      (local.set $acc (i32.add (local.get $acc) (i32.load (i32.const 0x100))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
