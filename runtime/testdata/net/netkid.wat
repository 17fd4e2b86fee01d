;; A child of the nano:net attack tests (net_test.go), spawned by the
;; nano:process proxy: it connects to peer.test:7 (pinned by the test to
;; its server), sends "hello", prints "connected" and waits for a reply
;; that never comes, holding its connection, handle 1, open until it is
;; killed. A connect refused prints the err instead.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "nano:net/tcp@0.1.0" "connect" (func $connect (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "send" (func $send (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "recv" (func $recv (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 110) "peer.test")
  (data (i32.const 120) "hello")
  (data (i32.const 130) "connected\n")
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

  (func (export "_start") (local $h i32)
    (call $connect (i32.const 110) (i32.const 9) (i32.const 7) (i32.const 200))
    (if (i32.load8_u (i32.const 200))
      (then (call $print (i32.load (i32.const 204)) (i32.load (i32.const 208))) (return)))
    (local.set $h (i32.load (i32.const 204)))
    (call $send (local.get $h) (i32.const 120) (i32.const 5) (i32.const 200))
    (call $print (i32.const 130) (i32.const 10))
    (call $recv (local.get $h) (i32.const 16) (i32.const 200))))
