;; A parent for the spawn benchmarks: run(n) starts acme:child n times,
;; handing it three keys, and waits for each; it returns how many starts
;; or waits failed or ended otherwise than exited(0).
(module
  (import "nano:process/spawn@0.1.0" "start"
    (func $start (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "wait" (func $wait (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "acme:child")
  (data (i32.const 0x110) "fs:tmp=data/jobs:rw")
  (data (i32.const 0x130) "env:LANG")
  (data (i32.const 0x140) "clock")
  ;; keys: list<string> of three (ptr, len) pairs
  (data (i32.const 0x180) "\10\01\00\00\13\00\00\00\30\01\00\00\08\00\00\00\40\01\00\00\05\00\00\00")
  (global $heap (mut i32) (i32.const 0x8000))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "run") (param $n i32) (result i32)
    (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (global.set $heap (i32.const 0x8000)) ;; nothing outlives one round
        (call $start (i32.const 0x100) (i32.const 10)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0x180) (i32.const 3)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
          (i32.const 0x300))
        (if (i32.load8_u (i32.const 0x300))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1))) (br $next)))
        (call $wait (i32.load (i32.const 0x304)) (i32.const 0x400))
        (if (i32.or (i32.load8_u (i32.const 0x400))
                    (i32.or (i32.load8_u (i32.const 0x404)) (i32.load (i32.const 0x408))))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (br $next)))
    (local.get $bad)))
