;; acme:app 0.3.0: the root. Notifies, extracts an upload, writes a report,
;; logs, and prints how many of the upload's entries unzip wrote to stdout. It holds fs data, and (in the pull
;; request) net, env and clock only to hand them down.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "acme:notify" "notify"
    (func $notify (param i32) (result i32)))
  (import "acme:unzip" "extract"
    (func $extract (param i32) (result i32)))
  (import "acme:report" "report"
    (func $report (param i64) (result i32)))
  (import "acme:log" "log"
    (func $log (param i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: bytes written, 64..: strings
  ;; the digit is at 64+17
  (data (i32.const 64) "app: unzip wrote 0 of 2 entries\n")

  (func (export "_start")
    (local $n i32)
    (drop (call $notify (i32.const 1)))
    (local.set $n (call $extract (i32.const 1)))
    (drop (call $report (i64.extend_i32_u (local.get $n))))
    (drop (call $log (i32.const 0)))
    (i32.store8 (i32.const 81) (i32.add (i32.const 48) (local.get $n)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 32))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
