;; A child of the nano:net attack tests (net_test.go), spawned by the
;; nano:process proxy beside netkid: without opening a connection of its
;; own, it sends on handle 1, its sibling's, then reads from it, and
;; prints each outcome to stdout: the err, or "SENT" and "RECEIVED".
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "nano:net/tcp@0.1.0" "send" (func $send (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "recv" (func $recv (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "steal")
  (data (i32.const 130) "SENT\nRECEIVED\n")
  (global $heap (mut i32) (i32.const 1024))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get 3)))
    (local.get $p))

  ;; print writes n bytes at p to stdout.
  (func $print (param $p i32) (param $n i32)
    (i32.store (i32.const 300) (local.get $p))
    (i32.store (i32.const 304) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 308))))

  ;; outcome prints the err of the result at 200 and a newline, or the
  ;; n bytes at p.
  (func $outcome (param $p i32) (param $n i32)
    (if (i32.load8_u (i32.const 200))
      (then
        (call $print (i32.load (i32.const 204)) (i32.load (i32.const 208)))
        (call $print (i32.const 134) (i32.const 1)))
      (else (call $print (local.get $p) (local.get $n)))))

  (func (export "_start")
    (call $send (i32.const 1) (i32.const 100) (i32.const 5) (i32.const 200))
    (call $outcome (i32.const 130) (i32.const 5))
    (call $recv (i32.const 1) (i32.const 16) (i32.const 200))
    (call $outcome (i32.const 135) (i32.const 9))))
