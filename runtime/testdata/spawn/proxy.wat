;; The root of the nano:process attack tests (spawn_test.go). It exports
;; run (proxy/proxy.wit), which takes a script of nano:process/spawn calls
;; and makes each in turn through its import of nano:process, reading the
;; arguments from the script in its own memory and leaving each result
;; where nano lowers it: so a test drives a real guest with Invoke and WAVE
;; values, and nano lifts every call from this module's memory and lowers
;; every result into it, through its cabi_realloc, as it does for any
;; guest. Children live until run returns (nano ends them then).
;;
;; Layouts (canonical ABI): an op is 48 bytes, its case at 0 and its
;; payload at 4; start's payload is the name (ptr, len) at 4, then the
;; options: args at 12, env at 20, keys at 28 (ptr, len each), stdin,
;; stdout and stderr at 36, 37 and 38, max-memory-pages at 40 and
;; timeout-ms at 44. An outcome is 20 bytes, its case at 0 and the result
;; of the call at 4.
;;
;; Memory: 16..24 the returned list; from 1024 a bump heap for
;; cabi_realloc, reset by cabi_post once nano has read the outcomes.
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

  (func (export "cabi_post_acme:proxy/script#run") (param i32)
    (global.set $heap (i32.const 1024)))

  (func (export "acme:proxy/script#run") (param $ops i32) (param $n i32) (result i32)
    (local $out i32) (local $i i32) (local $op i32) (local $o i32) (local $case i32)
    (local.set $out (call $alloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.mul (local.get $n) (i32.const 20))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $op (i32.add (local.get $ops) (i32.mul (local.get $i) (i32.const 48))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 20))))
        (local.set $case (i32.load8_u (local.get $op)))
        (block $called
          (if (i32.eqz (local.get $case)) ;; start
            (then
              (i32.store8 (local.get $o) (i32.const 0))
              (call $start
                (i32.load offset=4 (local.get $op)) (i32.load offset=8 (local.get $op))
                (i32.load offset=12 (local.get $op)) (i32.load offset=16 (local.get $op))
                (i32.load offset=20 (local.get $op)) (i32.load offset=24 (local.get $op))
                (i32.load offset=28 (local.get $op)) (i32.load offset=32 (local.get $op))
                (i32.load8_u offset=36 (local.get $op)) (i32.load8_u offset=37 (local.get $op))
                (i32.load8_u offset=38 (local.get $op))
                (i32.load offset=40 (local.get $op)) (i32.load offset=44 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 1)) ;; wait
            (then
              (i32.store8 (local.get $o) (i32.const 1))
              (call $wait (i32.load offset=4 (local.get $op)) (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 2)) ;; kill
            (then
              (i32.store8 (local.get $o) (i32.const 2))
              (call $kill (i32.load offset=4 (local.get $op)) (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 3)) ;; write
            (then
              (i32.store8 (local.get $o) (i32.const 2))
              (call $write (i32.load offset=4 (local.get $op))
                (i32.load offset=8 (local.get $op)) (i32.load offset=12 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 4)) ;; close-stdin
            (then
              (i32.store8 (local.get $o) (i32.const 2))
              (call $close_stdin (i32.load offset=4 (local.get $op)) (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (if (i32.eq (local.get $case) (i32.const 5)) ;; read
            (then
              (i32.store8 (local.get $o) (i32.const 3))
              (call $read (i32.load offset=4 (local.get $op))
                (i32.load8_u offset=8 (local.get $op)) (i32.load offset=12 (local.get $op))
                (i32.add (local.get $o) (i32.const 4)))
              (br $called)))
          (unreachable))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 16) (local.get $out))
    (i32.store (i32.const 20) (local.get $n))
    (i32.const 16)))
