;; acme:app 0.3.0: the root. Notifies, extracts an upload, writes a report,
;; logs, and prints "app: done" to stdout. It holds fs data, and (in the pull
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
  (data (i32.const 64) "app: done\n")

  (func (export "_start")
    (drop (call $notify (i32.const 1)))
    (drop (call $report (i64.extend_i32_u (call $extract (i32.const 1)))))
    (drop (call $log (i32.const 0)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
