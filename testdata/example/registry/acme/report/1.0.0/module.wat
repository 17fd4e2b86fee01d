;; acme:report 1.0.0: formats a summary, logs it through acme:log, prints a
;; line to stderr. Keys: fs logs rw and stdio stderr (its own, and handed to
;; acme:log). Calls acme:fmt and acme:log.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "acme:fmt" "format"
    (func $format (param i64) (result i32)))
  (import "acme:log" "log"
    (func $log (param i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: bytes written, 64..: strings
  (data (i32.const 64) "report: ready\n")

  ;; report(total) -> digits of total
  (func (export "report") (param $total i64) (result i32)
    (local $digits i32)
    (local.set $digits (call $format (local.get $total)))
    (drop (call $log (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 14))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.get $digits)))
