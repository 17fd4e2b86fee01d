;; The root of the nano:net attack tests (net_test.go). It exports run
;; (proxy/proxy.wit), which takes a script of nano:net calls and makes
;; each in turn through its imports of nano:net/tcp and nano:net/http,
;; reading the arguments from the script in its own memory and leaving
;; each result where nano lowers it: so a test drives a real guest with
;; Invoke and WAVE values, and nano lifts every call from this module's
;; memory and lowers every result into it, through its cabi_realloc, as
;; it does for any guest. Its connections close when run returns.
;;
;; Layouts (canonical ABI): an op is 36 bytes, its case at 0 and its
;; payload at 4: connect's host (ptr, len) at 4 and port at 12; send's
;; handle at 4 and data at 8; recv's handle at 4 and max at 8; close's
;; handle at 4; fetch's method, url, headers and body (ptr, len each) at
;; 4, 12, 20 and 28. An outcome is 28 bytes, its case at 0 and the result
;; of the call at 4.
;;
;; Memory: 16..24 the returned list; from 1024 a bump heap for
;; cabi_realloc, reset by cabi_post once nano has read the outcomes.
(module
  (import "nano:net/tcp@0.1.0" "connect" (func $connect (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "send" (func $send (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "recv" (func $recv (param i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "close" (func $close (param i32)))
  (import "nano:net/http@0.1.0" "fetch" (func $fetch (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
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

  (func (export "cabi_post_acme:netproxy/script#run") (param i32)
    (global.set $heap (i32.const 1024)))

  (func (export "acme:netproxy/script#run") (param $ops i32) (param $n i32) (result i32)
    (local $out i32) (local $i i32) (local $op i32) (local $o i32) (local $case i32)
    (local.set $out (call $alloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.mul (local.get $n) (i32.const 28))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $op (i32.add (local.get $ops) (i32.mul (local.get $i) (i32.const 36))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 28))))
        (local.set $case (i32.load8_u (local.get $op)))
        (block $called
          (if (i32.eqz (local.get $case)) ;; connect
            (then
              (i32.store8 (local.get $o) (i32.const 0))
              (call $connect
                (i32.load offset=4 (local.get $op)) (i32.load offset=8 (local.get $op))
                (i32.load16_u offset=12 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 1)) ;; send
            (then
              (i32.store8 (local.get $o) (i32.const 0))
              (call $send (i32.load offset=4 (local.get $op))
                (i32.load offset=8 (local.get $op)) (i32.load offset=12 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 2)) ;; recv
            (then
              (i32.store8 (local.get $o) (i32.const 1))
              (call $recv (i32.load offset=4 (local.get $op)) (i32.load offset=8 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 3)) ;; close
            (then
              (i32.store8 (local.get $o) (i32.const 2))
              (call $close (i32.load offset=4 (local.get $op)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 4)) ;; fetch
            (then
              (i32.store8 (local.get $o) (i32.const 3))
              (call $fetch
                (i32.load offset=4 (local.get $op)) (i32.load offset=8 (local.get $op))
                (i32.load offset=12 (local.get $op)) (i32.load offset=16 (local.get $op))
                (i32.load offset=20 (local.get $op)) (i32.load offset=24 (local.get $op))
                (i32.load offset=28 (local.get $op)) (i32.load offset=32 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (unreachable))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 16) (local.get $out))
    (i32.store (i32.const 20) (local.get $n))
    (i32.const 16)))
