;; A WASI guest for rootfs_test.go. Each export but readdir opens the path
;; of len bytes at ptr in its memory, relative to the first pre-opened
;; directory (fd 3), and returns the WASI errno of the first step that
;; fails, or 0.
;;
;; stat_at stats a path relative to any fd instead.
;;
;; Memory: 0 the opened fd, 4 the count read or used, 8 an iovec, 16 the
;; payload written, 512 the filestat of stat_at, 1024 where the host puts
;; the path, 2048 what open_read read, 4096 what readdir read.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "pwned\n")

  ;; open calls path_open on fd 3, following symbolic links.
  (func $open (param $ptr i32) (param $len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open
      (i32.const 3)        ;; dirfd: the first pre-open
      (i32.const 1)        ;; dirflags: LOOKUP_SYMLINK_FOLLOW
      (local.get $ptr) (local.get $len)
      (local.get $oflags)
      (local.get $rights)  ;; fs_rights_base
      (i64.const 0)        ;; fs_rights_inheriting
      (i32.const 0)        ;; fdflags
      (i32.const 0)))      ;; where the fd goes

  ;; io runs fd_read or fd_write of the iovec at 8 on the opened fd, then
  ;; closes it.
  (func $io (param $write i32) (result i32)
    (local $errno i32)
    (if (local.get $write)
      (then
        (i32.store (i32.const 8) (i32.const 16))
        (i32.store (i32.const 12) (i32.const 6))
        (local.set $errno (call $fd_write (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 4))))
      (else
        (i32.store (i32.const 8) (i32.const 2048))
        (i32.store (i32.const 12) (i32.const 1024))
        (local.set $errno (call $fd_read (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 4)))))
    (drop (call $fd_close (i32.load (i32.const 0))))
    (local.get $errno))

  ;; open_read opens the path for reading (rights: FD_READ) and reads it.
  (func (export "open_read") (param $ptr i32) (param $len i32) (result i32)
    (local $errno i32)
    (local.set $errno (call $open (local.get $ptr) (local.get $len) (i32.const 0) (i64.const 2)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $io (i32.const 0)))

  ;; create_write creates or truncates the path (oflags: CREAT|TRUNC; rights:
  ;; FD_WRITE) and writes "pwned\n" to it.
  (func (export "create_write") (param $ptr i32) (param $len i32) (result i32)
    (local $errno i32)
    (local.set $errno (call $open (local.get $ptr) (local.get $len) (i32.const 9) (i64.const 64)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $io (i32.const 1)))

  ;; create_rdonly creates or truncates the path with only the right to read
  ;; (oflags: CREAT|TRUNC; rights: FD_READ), which wazero turns into
  ;; O_RDONLY|O_CREAT|O_TRUNC, and closes it.
  (func (export "create_rdonly") (param $ptr i32) (param $len i32) (result i32)
    (local $errno i32)
    (local.set $errno (call $open (local.get $ptr) (local.get $len) (i32.const 9) (i64.const 2)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $fd_close (i32.load (i32.const 0))))

  ;; opendir opens the directory at the path (oflags: DIRECTORY; rights:
  ;; FD_READDIR) and keeps it open for readdir.
  (func (export "opendir") (param $ptr i32) (param $len i32) (result i32)
    (call $open (local.get $ptr) (local.get $len) (i32.const 2) (i64.const 0x4000)))

  ;; readdir reads the entries of the directory opendir opened, from cookie,
  ;; into len bytes at 4096, and the count of bytes used at 4.
  (func (export "readdir") (param $cookie i64) (param $len i32) (result i32)
    (call $fd_readdir (i32.load (i32.const 0)) (i32.const 4096) (local.get $len) (local.get $cookie) (i32.const 4)))

  ;; stat_at stats the path under fd (3, or the fd at 0) with lookupflags
  ;; flags (1: follow symbolic links) into the filestat at 512.
  (func (export "stat_at") (param $fd i32) (param $flags i32) (param $ptr i32) (param $len i32) (result i32)
    (call $path_filestat_get (local.get $fd) (local.get $flags) (local.get $ptr) (local.get $len) (i32.const 512))))
