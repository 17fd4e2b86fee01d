;; The root of the nano:process attack tests (spawn_test.go): it exports
;; the six functions of nano:process/spawn as acme:proxy/spawn (the WIT in
;; proxy/proxy.wit has the same types), and forwards each call, its
;; flattened arguments unchanged, to its import of nano:process. So a test
;; drives a real guest with Invoke and WAVE values: nano lifts every call
;; from this module's memory and lowers every result into it, through its
;; cabi_realloc, as it does for any guest.
;;
;; Memory: 16..32 the result area of every call; from 1024 a bump heap for
;; cabi_realloc, reset by each cabi_post_ function once nano has read a
;; result.
(module
  (import "nano:process/spawn@0.1.0" "start"
    (func $start (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "wait" (func $wait (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "kill" (func $kill (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "write" (func $write (param i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "close-stdin" (func $close_stdin (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "read" (func $read (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $p)) (then (unreachable)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff)) (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $heap (local.get $end))
    (local.get $p))

  (func $reset (param i32) (global.set $heap (i32.const 1024)))
  (export "cabi_post_acme:proxy/spawn#start" (func $reset))
  (export "cabi_post_acme:proxy/spawn#wait" (func $reset))
  (export "cabi_post_acme:proxy/spawn#kill" (func $reset))
  (export "cabi_post_acme:proxy/spawn#write" (func $reset))
  (export "cabi_post_acme:proxy/spawn#close-stdin" (func $reset))
  (export "cabi_post_acme:proxy/spawn#read" (func $reset))

  (func (export "acme:proxy/spawn#start")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (call $start (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
      (local.get 5) (local.get 6) (local.get 7) (local.get 8) (local.get 9)
      (local.get 10) (local.get 11) (local.get 12) (i32.const 16))
    (i32.const 16))
  (func (export "acme:proxy/spawn#wait") (param i32) (result i32)
    (call $wait (local.get 0) (i32.const 16))
    (i32.const 16))
  (func (export "acme:proxy/spawn#kill") (param i32) (result i32)
    (call $kill (local.get 0) (i32.const 16))
    (i32.const 16))
  (func (export "acme:proxy/spawn#write") (param i32 i32 i32) (result i32)
    (call $write (local.get 0) (local.get 1) (local.get 2) (i32.const 16))
    (i32.const 16))
  (func (export "acme:proxy/spawn#close-stdin") (param i32) (result i32)
    (call $close_stdin (local.get 0) (i32.const 16))
    (i32.const 16))
  (func (export "acme:proxy/spawn#read") (param i32 i32 i32) (result i32)
    (call $read (local.get 0) (local.get 1) (local.get 2) (i32.const 16))
    (i32.const 16)))
