;; The callee of the adapter benchmarks, exporting bench:b/api:
;;
;;   record rec8 { a: u32, b: u64, c: f64, d: s32, e: u8, f: u16, g: f32, h: s64 }
;;   add: func(a: u32, b: u32) -> u32         (also linked directly)
;;   len: func(s: string) -> u32
;;   echo: func(s: string) -> string
;;   sum: func(b: list<u8>) -> u32            (returns the length)
;;   rec: func(r: rec8) -> rec8
;;
;; Every cabi_post_ frees everything: a bump allocator reset.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

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

  (func $free (global.set $heap (i32.const 1024)))

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "bench:b/api#add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  (func (export "bench:b/api#len") (param i32 i32) (result i32) (local.get 1))
  (func (export "cabi_post_bench:b/api#len") (param i32) (call $free))

  (func (export "bench:b/api#echo") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "cabi_post_bench:b/api#echo") (param i32) (call $free))

  (func (export "bench:b/api#sum") (param i32 i32) (result i32) (local.get 1))
  (func (export "cabi_post_bench:b/api#sum") (param i32) (call $free))

  ;; rec8 in memory: a@0 b@8 c@16 d@24 e@28 f@30 g@32 h@40, size 48.
  (func (export "bench:b/api#rec")
    (param $a i32) (param $b i64) (param $c f64) (param $d i32)
    (param $e i32) (param $f i32) (param $g f32) (param $h i64) (result i32)
    (i32.store (i32.const 64) (local.get $a))
    (i64.store (i32.const 72) (local.get $b))
    (f64.store (i32.const 80) (local.get $c))
    (i32.store (i32.const 88) (local.get $d))
    (i32.store8 (i32.const 92) (local.get $e))
    (i32.store16 (i32.const 94) (local.get $f))
    (f32.store (i32.const 96) (local.get $g))
    (i64.store (i32.const 104) (local.get $h))
    (i32.const 64)))
