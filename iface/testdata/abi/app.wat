;; The parent of zip.wat (or hostile.wat): it imports acme:zip/unpack@1.4.0
;; lowered by the canonical ABI, each import re-exported under its short
;; name for the tests to call, plus total, which sums the sizes extract
;; returns. Its cabi_realloc is a bump allocator from 0x8000 that, after
;; set_realloc_mode, misbehaves: 1 returns an out-of-bounds pointer, 2 a
;; misaligned one, 3 traps, 4 calls extract (which it may not: it runs
;; while the adapter copies extract's results).
(module
  (import "acme:zip/unpack@1.4.0" "extract" (func $extract (param i32 i32 i32 i32 i32)))
  (import "acme:zip/unpack@1.4.0" "count" (func $count (param i32 i32) (result i32)))
  (import "acme:zip/unpack@1.4.0" "big" (func $big (param i32 i32)))
  (import "acme:zip/unpack@1.4.0" "pick" (func $pick (param i32 i64 i32) (result i64)))
  (import "acme:zip/unpack@1.4.0" "probe" (func $probe (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 0x8000))
  (global $mode (mut i32) (i32.const 0))

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (if (i32.eq (global.get $mode) (i32.const 1)) (then (return (i32.const 0xfffffff0))))
    (if (i32.eq (global.get $mode) (i32.const 2))
      (then (return (i32.or (global.get $heap) (i32.const 1)))))
    (if (i32.eq (global.get $mode) (i32.const 3)) (then unreachable))
    (if (i32.eq (global.get $mode) (i32.const 4))
      (then
        (global.set $mode (i32.const 0))
        (call $extract (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0x180))))
    (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                 (i32.le_u (local.get $size) (local.get $old_size)))
      (then (return (local.get $old))))
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
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func (export "extract") (param i32 i32 i32 i32 i32)
    (call $extract (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "count") (param i32 i32) (result i32)
    (call $count (local.get 0) (local.get 1)))
  (func (export "big") (param i32 i32)
    (call $big (local.get 0) (local.get 1)))
  (func (export "pick") (param i32 i64 i32) (result i64)
    (call $pick (local.get 0) (local.get 1) (local.get 2)))
  (func (export "probe") (param i32) (result i32)
    (call $probe (local.get 0)))

  ;; total extracts into a return area at 0x100 and sums the entries'
  ;; sizes, or returns -1 for an error.
  (func (export "total") (param $a i32) (param $n i32) (param $d i32) (param $dn i32) (result i64)
    (local $e i32) (local $end i32) (local $sum i64)
    (call $extract (local.get $a) (local.get $n) (local.get $d) (local.get $dn) (i32.const 0x100))
    (if (i32.load8_u (i32.const 0x100)) (then (return (i64.const -1))))
    (local.set $e (i32.load (i32.const 0x104)))
    (local.set $end (i32.add (local.get $e) (i32.shl (i32.load (i32.const 0x108)) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
        (local.set $sum (i64.add (local.get $sum) (i64.load offset=8 (local.get $e))))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (br $next)))
    (local.get $sum))

  (func (export "heap") (result i32) (global.get $heap))
  (func (export "set_realloc_mode") (param i32) (global.set $mode (local.get 0))))
