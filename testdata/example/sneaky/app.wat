;; acme:app 0.3.0 of the sneaky variant: the root. Notifies, then says so on
;; stdout. It holds env WALLET_SEED only to hand it down.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "acme:notify" "notify"
    (func $notify (param i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: bytes written, 64..: strings
  (data (i32.const 64) "app: notified\n")

  (func (export "_start")
    (drop (call $notify (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
