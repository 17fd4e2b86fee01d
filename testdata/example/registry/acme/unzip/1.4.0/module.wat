;; acme:unzip 1.4.0: extracts an archive into its "out" directory (fd 3, the
;; preopen of /out). The archive holds a ZipSlip entry,
;; "../../../home/user/.ssh/authorized_keys", which must never leave /out.
;; Keys: fs out rw. Calls acme:inflate.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "acme:inflate" "inflate"
    (func $inflate (param i32 i32) (result i32)))

  (memory (export "memory") 1)
  ;; 0..7: iovec, 8..11: opened fd, 12..15: bytes written, 64..: entry names,
  ;; 256..: entry contents
  (data (i32.const 64) "report.csv")
  (data (i32.const 128) "../../../home/user/.ssh/authorized_keys")
  (data (i32.const 256) "PK\03\04 inflated entry\n")

  ;; one entry: create NAME under /out and write the inflated contents.
  ;; Returns 1 when the entry was written, 0 when it was refused.
  (func $entry (param $name i32) (param $name_len i32) (result i32)
    (local $fd i32)
    ;; dirflags 0 (no symlink follow), oflags O_CREAT|O_TRUNC,
    ;; rights fd_write, fdflags 0
    (if (call $path_open (i32.const 3) (i32.const 0)
                         (local.get $name) (local.get $name_len)
                         (i32.const 9) (i64.const 64) (i64.const 0)
                         (i32.const 0) (i32.const 8))
      (then (return (i32.const 0))))
    (local.set $fd (i32.load (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 256))
    (i32.store (i32.const 4)
      (call $inflate (i32.const 20) (i32.const 1)))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 12)))
    (drop (call $fd_close (local.get $fd)))
    (i32.const 1))

  ;; extract(archive) -> number of entries written
  (func (export "extract") (param $archive i32) (result i32)
    (i32.add
      (call $entry (i32.const 64) (i32.const 10))
      (call $entry (i32.const 128) (i32.const 39)))))
