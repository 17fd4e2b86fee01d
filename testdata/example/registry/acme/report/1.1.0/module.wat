;; acme:report 1.1.0: like 1.0.0, and stamps the report with acme:fmt's new
;; timestamp() (acme:fmt 1.2.0, which needs clock). report declares clock and
;; grants it to acme:fmt: it must hold the key to hand it down.
;; Keys: fs logs rw, stdio stderr, clock.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "acme:fmt" "format"
    (func $format (param i64) (result i32)))
  (import "acme:fmt" "timestamp"
    (func $timestamp (result i64)))
  (import "acme:log" "log"
    (func $log (param i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: bytes written, 16..23: the timestamp, 64..: strings
  (data (i32.const 64) "report: ready\n")

  ;; report(total) -> digits of total
  (func (export "report") (param $total i64) (result i32)
    (local $digits i32)
    (i64.store (i32.const 16) (call $timestamp))
    (local.set $digits (call $format (local.get $total)))
    (drop (call $log (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 14))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.get $digits)))
