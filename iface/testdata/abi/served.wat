;; A guest of a host function that iface.Serve serves: it imports
;; echo(name: string, data: list<u8>) -> result<list<u8>, string>, whose
;; results come back through a return pointer, and calls it with whatever
;; pointers the test gives. mem.wat's bump cabi_realloc serves the host's
;; allocations.
(module
  (import "test:host/api" "echo" (func $echo (param i32 i32 i32 i32 i32)))
  (func (export "call") (param i32 i32 i32 i32 i32)
    (call $echo (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 16))

  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
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

  (func (export "reset") (global.set $heap (i32.const 16))))
