;; A parent that starts acme:child with nano:process (no keys handed: the
;; edge's grant) and waits for it. run returns the child's exit status when
;; it exited, 1000 + the case of exit otherwise, and -1 when start or wait
;; returned err (whose text is at 0x200, its length at 0x204).
(module
  (import "nano:process/spawn@0.1.0" "start"
    (func $start (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "wait" (func $wait (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "acme:child")
  (global $heap (mut i32) (i32.const 0x8000))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "run") (result i32)
    ;; start("acme:child", {args: [], env: [], keys: [], null, null, null, 0, 0})
    (call $start (i32.const 0x100) (i32.const 10)
      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 0x300))
    (if (i32.load8_u (i32.const 0x300))
      (then (i64.store (i32.const 0x200) (i64.load (i32.const 0x304))) (return (i32.const -1))))
    (call $wait (i32.load (i32.const 0x304)) (i32.const 0x400))
    (if (i32.load8_u (i32.const 0x400))
      (then (i64.store (i32.const 0x200) (i64.load (i32.const 0x404))) (return (i32.const -1))))
    (if (i32.eqz (i32.load8_u (i32.const 0x404)))
      (then (return (i32.load (i32.const 0x408)))))
    (i32.add (i32.const 1000) (i32.load8_u (i32.const 0x404)))))
