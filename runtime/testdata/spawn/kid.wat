;; A child for the nano:process attack tests (spawn_test.go). Its first
;; argument picks what it does:
;;   r  returns from _start: exit 0
;;   x  exits with status 7
;;   t  traps (unreachable)
;;   s  spins forever in a tight loop
;;   g  grows its memory a page at a time until memory.grow returns -1,
;;      then exits with the number of pages it holds
;;   c  cat: copies stdin to stdout until the end of stdin, then exits 0
;;   w  writes "out\n" to stdout and "err\n" to stderr, exits 0
;;   p  writes "." to stdout forever
;;   e  exits with status 0xefffffff, and E with 0xffffffff: wazero's own
;;      codes for a module closed by its context
;;   f  creates the file "hello" in its first preopened directory and
;;      writes "hello\n" to it; exits with path_open's errno, 0 when it
;;      wrote
;;   a  writes each further argument and then each environment variable,
;;      one a line, to stdout
;; Without an argument it returns, as r.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: counts; 16: iovec; 32: a scratch word; 64: "out\n"; 72: "err\n";
  ;; 80: "."; 84: "\n"; 1024: pointers (256); 2048: strings (2048 bytes);
  ;; 8192: the cat buffer (32 KiB).
  (data (i32.const 64) "out\n")
  (data (i32.const 72) "err\n")
  (data (i32.const 80) ".")
  (data (i32.const 84) "\n")
  (data (i32.const 88) "hello")
  (data (i32.const 96) "hello\n")

  ;; write writes len bytes at ptr to fd, all of them; false on an error.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (if (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 32))
          (then (return (i32.const 0))))
        (if (i32.eqz (i32.load (i32.const 32)))
          (then (return (i32.const 0))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 32))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 32))))
        (br $more)))
    (i32.const 1))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $more)))
    (local.get $n))

  ;; lines writes the count strings pointed to from 1024, from index from,
  ;; one a line.
  (func $lines (param $from i32) (param $count i32)
    (local $s i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $from) (local.get $count)))
        (local.set $s (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $from) (i32.const 2)))))
        (drop (call $write (i32.const 1) (local.get $s) (call $strlen (local.get $s))))
        (drop (call $write (i32.const 1) (i32.const 84) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $more))))

  (func (export "_start")
    (local $mode i32) (local $n i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (if (i32.or (i32.gt_u (i32.load (i32.const 0)) (i32.const 256))
                (i32.gt_u (i32.load (i32.const 4)) (i32.const 2048)))
      (then (unreachable)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (if (i32.lt_u (i32.load (i32.const 0)) (i32.const 2))
      (then (return)))
    (local.set $mode (i32.load8_u (i32.load (i32.const 1028))))

    (if (i32.eq (local.get $mode) (i32.const 0x72)) ;; r
      (then (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x78)) ;; x
      (then (call $proc_exit (i32.const 7))))
    (if (i32.eq (local.get $mode) (i32.const 0x65)) ;; e
      (then (call $proc_exit (i32.const 0xefffffff))))
    (if (i32.eq (local.get $mode) (i32.const 0x45)) ;; E
      (then (call $proc_exit (i32.const 0xffffffff))))
    (if (i32.eq (local.get $mode) (i32.const 0x66)) ;; f
      (then
        ;; path_open(3, 0, "hello", O_CREAT|O_TRUNC, all rights, 0, &fd)
        (local.set $n (call $path_open (i32.const 3) (i32.const 0) (i32.const 88) (i32.const 5)
          (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 36)))
        (if (local.get $n) (then (call $proc_exit (local.get $n))))
        (if (i32.eqz (call $write (i32.load (i32.const 36)) (i32.const 96) (i32.const 6)))
          (then (call $proc_exit (i32.const 200))))
        (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x74)) ;; t
      (then (unreachable)))
    (if (i32.eq (local.get $mode) (i32.const 0x73)) ;; s
      (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $mode) (i32.const 0x67)) ;; g
      (then
        (loop $grow
          (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (call $proc_exit (memory.size))))
    (if (i32.eq (local.get $mode) (i32.const 0x63)) ;; c
      (then
        (loop $copy
          (i32.store (i32.const 16) (i32.const 8192))
          (i32.store (i32.const 20) (i32.const 32768))
          (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 32))
            (then (call $proc_exit (i32.const 1))))
          (local.set $n (i32.load (i32.const 32)))
          (if (i32.eqz (local.get $n))
            (then (return)))
          (if (i32.eqz (call $write (i32.const 1) (i32.const 8192) (local.get $n)))
            (then (call $proc_exit (i32.const 2))))
          (br $copy))))
    (if (i32.eq (local.get $mode) (i32.const 0x77)) ;; w
      (then
        (drop (call $write (i32.const 1) (i32.const 64) (i32.const 4)))
        (drop (call $write (i32.const 2) (i32.const 72) (i32.const 4)))
        (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x70)) ;; p
      (then
        (loop $dots
          (drop (call $write (i32.const 1) (i32.const 80) (i32.const 1)))
          (br $dots))))
    (if (i32.eq (local.get $mode) (i32.const 0x61)) ;; a
      (then
        (call $lines (i32.const 2) (i32.load (i32.const 0)))
        (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
        (if (i32.or (i32.gt_u (i32.load (i32.const 0)) (i32.const 256))
                    (i32.gt_u (i32.load (i32.const 4)) (i32.const 2048)))
          (then (unreachable)))
        (drop (call $environ_get (i32.const 1024) (i32.const 2048)))
        (call $lines (i32.const 0) (i32.load (i32.const 0)))
        (return)))
    (call $proc_exit (i32.const 99))))
