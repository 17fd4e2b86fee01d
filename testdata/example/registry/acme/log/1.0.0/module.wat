;; acme:log 1.0.0: appends a line to /logs/app.log and echoes it to stderr.
;; Keys: fs logs rw, stdio stderr.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: opened fd, 12..15: bytes written, 64..: strings
  (data (i32.const 64) "app.log")
  (data (i32.const 96) "log: event recorded\n")

  ;; log(level) -> errno
  (func (export "log") (param $level i32) (result i32)
    (local $errno i32)
    (i32.store (i32.const 0) (i32.const 96))
    (i32.store (i32.const 4) (i32.const 20))
    ;; fd 3: the preopen of /logs. oflags O_CREAT, rights fd_write,
    ;; fdflags APPEND
    (local.set $errno
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
                       (i32.const 1) (i64.const 64) (i64.const 0)
                       (i32.const 1) (i32.const 8)))
    (if (i32.eqz (local.get $errno))
      (then
        (drop (call $fd_write (i32.load (i32.const 8)) (i32.const 0) (i32.const 1) (i32.const 12)))
        (drop (call $fd_close (i32.load (i32.const 8))))))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 12)))
    (local.get $errno)))
