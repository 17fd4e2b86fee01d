;; A callee sharing its caller's memory (bench_caller.wat's, imported), for
;; the adapter's echo: its cabi_realloc allocates from 0x400000 up, never
;; frees, and grows the one memory when it must; echo returns the string
;; it was given through a return area at 0x3f0000.
(module
  (import "caller" "memory" (memory 1))
  (global $heap (mut i32) (i32.const 0x400000))

  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
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

  (func (export "bench:b/api#echo") (param $p i32) (param $len i32) (result i32)
    (i32.store (i32.const 0x3f0000) (local.get $p))
    (i32.store (i32.const 0x3f0004) (local.get $len))
    (i32.const 0x3f0000)))
