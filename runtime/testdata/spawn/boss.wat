;; A parent for the nano:process attack tests (spawn_test.go), started as
;; a child of the proxy root. Its first argument picks what it does:
;;   f  forger: starts acme:spinner (args "s", stdin piped) as its child 1,
;;      then calls wait, kill, write, close-stdin and read with handles that
;;      are not its own (0, 2, 3, 7, 0xffffffff: numbers its parent's
;;      children have, or nobody's), then kills its child, waits for it
;;      twice, kills it and closes its stdin again, and writes to it. It
;;      prints one line per call to stdout: "OP H: ok[ VALUE]" or
;;      "OP H: err MESSAGE".
;;   o  orphaner: starts acme:spinner three times (args "p": it prints dots
;;      forever to the stdout it inherits), then exits with status 3 while
;;      they run. A failed start prints "start: err MESSAGE" and exits 1.
;;   P  piper: starts acme:cat (args "c") with stdin and stdout piped,
;;      writes 1 MiB of a pattern through it in chunks of varying size,
;;      reading back after each chunk and comparing every byte, then closes
;;      stdin, reads the end and waits for exit 0. It prints "ok N FNV"
;;      (bytes read back, their FNV-1a 32 checksum in hex) and exits 0, or
;;      prints what went wrong and exits 10 to 15.
;;   n  nests: starts acme:filer (args "f": it writes a file in its slot),
;;      handing it the edge's grant, waits, and exits with its exit status,
;;      or 100 + the case of exit when it did not exit, 99 when start or
;;      wait returned err (printed to stderr).
;;   i  no stdout of its own: asks to start acme:speaker with its stdout
;;      inherited, handing it stdio:stdout, then handing the edge's grant;
;;      prints each "start: ..." line to stderr.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "nano:process/spawn@0.1.0" "start"
    (func $start (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "wait" (func $wait (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "kill" (func $kill (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "write" (func $write (param i32 i32 i32 i32)))
  (import "nano:process/spawn@0.1.0" "close-stdin" (func $close_stdin (param i32 i32)))
  (import "nano:process/spawn@0.1.0" "read" (func $read (param i32 i32 i32 i32)))

  ;; 0: WASI counts; 16: iovec; 32: a written count; 48..64: the result
  ;; area R of every call; 64..1024: constants; 256..288: digits;
  ;; 1024..2048: argument pointers; 2048..4096: argument strings;
  ;; 65536..131072: a chunk to write; from 262144: the cabi_realloc heap,
  ;; reset before each call whose result is read.
  (memory (export "memory") 5)
  (global $heap (mut i32) (i32.const 262144))
  (global $fd (mut i32) (i32.const 1))

  (data (i32.const 100) "acme:spinner")
  (data (i32.const 120) "spcw")
  (data (i32.const 128) "\78\00\00\00\01\00\00\00") ;; ["s"]
  (data (i32.const 136) "\79\00\00\00\01\00\00\00") ;; ["p"]
  (data (i32.const 144) "\7a\00\00\00\01\00\00\00") ;; ["c"]
  (data (i32.const 152) "\7b\00\00\00\01\00\00\00") ;; ["w"]
  (data (i32.const 160) "acme:cat")
  (data (i32.const 176) "acme:speaker")
  (data (i32.const 192) "stdio:stdout")
  (data (i32.const 208) "\c0\00\00\00\0c\00\00\00") ;; ["stdio:stdout"]
  (data (i32.const 300) "ok")
  (data (i32.const 304) "err ")
  (data (i32.const 312) "exited ")
  (data (i32.const 320) "trapped ")
  (data (i32.const 330) "killed ")
  (data (i32.const 340) ": ")
  (data (i32.const 344) "\n")
  (data (i32.const 346) " ")
  (data (i32.const 348) "-")
  (data (i32.const 400) "start")
  (data (i32.const 408) "wait")
  (data (i32.const 416) "kill")
  (data (i32.const 424) "write")
  (data (i32.const 432) "close-stdin")
  (data (i32.const 448) "read")
  (data (i32.const 456) "short read")
  (data (i32.const 472) "mismatch")
  (data (i32.const 488) "no end")
  (data (i32.const 496) "bad exit")
  (data (i32.const 512) "0123456789abcdef")
  (data (i32.const 528) "acme:filer")
  (data (i32.const 540) "f")
  (data (i32.const 544) "\1c\02\00\00\01\00\00\00") ;; ["f"]

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $p)) (then (unreachable)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff)) (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $heap (local.get $end))
    (local.get $p))

  (func $reset (global.set $heap (i32.const 262144)))

  ;; print writes len bytes at ptr to $fd.
  (func $print (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (br_if $done (call $fd_write (global.get $fd) (i32.const 16) (i32.const 1) (i32.const 32)))
        (br_if $done (i32.eqz (i32.load (i32.const 32))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 32))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 32))))
        (br $more))))

  ;; printn writes n in base (10 or 16).
  (func $printn (param $n i32) (param $base i32)
    (local $p i32)
    (local.set $p (i32.const 288))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.load8_u (i32.add (i32.const 512) (i32.rem_u (local.get $n) (local.get $base)))))
      (local.set $n (i32.div_u (local.get $n) (local.get $base)))
      (br_if $digit (local.get $n)))
    (call $print (local.get $p) (i32.sub (i32.const 288) (local.get $p))))

  (func $prints (param $n i32)
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then
        (call $print (i32.const 348) (i32.const 1))
        (local.set $n (i32.sub (i32.const 0) (local.get $n)))))
    (call $printn (local.get $n) (i32.const 10)))

  (func $nl (call $print (i32.const 344) (i32.const 1)))

  ;; show prints "ok" or "err MESSAGE" for the result<_, string> at R,
  ;; and returns whether it is ok.
  (func $show_unit (result i32)
    (if (i32.load8_u (i32.const 48))
      (then
        (call $print (i32.const 304) (i32.const 4))
        (call $print (i32.load (i32.const 52)) (i32.load (i32.const 56)))
        (return (i32.const 0))))
    (call $print (i32.const 300) (i32.const 2))
    (i32.const 1))

  ;; show_u32 prints "ok N" or "err MESSAGE" for the result<u32, string>
  ;; (or, with len, result<list<u8>, string>: "ok LEN") at R.
  (func $show_value (param $len i32) (result i32)
    (if (i32.eqz (call $show_unit)) (then (return (i32.const 0))))
    (call $print (i32.const 346) (i32.const 1))
    (call $printn (i32.load (i32.add (i32.const 52) (i32.shl (local.get $len) (i32.const 2)))) (i32.const 10))
    (i32.const 1))

  ;; show_wait prints "ok exited N", "ok trapped MESSAGE", "ok killed WHY"
  ;; or "err MESSAGE" for the result<exit, string> at R.
  (func $show_wait
    (local $case i32)
    (if (i32.eqz (call $show_unit)) (then (return)))
    (call $print (i32.const 346) (i32.const 1))
    (local.set $case (i32.load8_u (i32.const 52)))
    (if (i32.eqz (local.get $case))
      (then
        (call $print (i32.const 312) (i32.const 7))
        (call $prints (i32.load (i32.const 56)))
        (return)))
    (if (i32.eq (local.get $case) (i32.const 1))
      (then (call $print (i32.const 320) (i32.const 8)))
      (else (call $print (i32.const 330) (i32.const 7))))
    (call $print (i32.load (i32.const 56)) (i32.load (i32.const 60))))

  ;; op calls one function of nano:process with handle h and prints
  ;; "NAME H: RESULT": 0 wait, 1 kill, 2 write "s", 3 close-stdin, 4 read
  ;; stdout (16 bytes at most).
  (func $op (param $kind i32) (param $h i32)
    (call $reset)
    (if (i32.eqz (local.get $kind)) (then (call $print (i32.const 408) (i32.const 4))))
    (if (i32.eq (local.get $kind) (i32.const 1)) (then (call $print (i32.const 416) (i32.const 4))))
    (if (i32.eq (local.get $kind) (i32.const 2)) (then (call $print (i32.const 424) (i32.const 5))))
    (if (i32.eq (local.get $kind) (i32.const 3)) (then (call $print (i32.const 432) (i32.const 11))))
    (if (i32.eq (local.get $kind) (i32.const 4)) (then (call $print (i32.const 448) (i32.const 4))))
    (call $print (i32.const 346) (i32.const 1))
    (call $printn (local.get $h) (i32.const 10))
    (call $print (i32.const 340) (i32.const 2))
    (if (i32.eqz (local.get $kind))
      (then (call $wait (local.get $h) (i32.const 48)) (call $show_wait)))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then (call $kill (local.get $h) (i32.const 48)) (drop (call $show_unit))))
    (if (i32.eq (local.get $kind) (i32.const 2))
      (then (call $write (local.get $h) (i32.const 120) (i32.const 1) (i32.const 48)) (drop (call $show_unit))))
    (if (i32.eq (local.get $kind) (i32.const 3))
      (then (call $close_stdin (local.get $h) (i32.const 48)) (drop (call $show_unit))))
    (if (i32.eq (local.get $kind) (i32.const 4))
      (then (call $read (local.get $h) (i32.const 0) (i32.const 16) (i32.const 48)) (drop (call $show_value (i32.const 1)))))
    (call $nl))

  ;; every_op calls each function with handle h.
  (func $every_op (param $h i32)
    (local $k i32)
    (loop $next
      (call $op (local.get $k) (local.get $h))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $k) (i32.const 5)))))

  ;; start_child starts name (len bytes) with the args list at args (one
  ;; string), the keys list at keys (keys_len strings) and the given
  ;; stdio; prints "start: RESULT" and returns the handle, or 0.
  (func $start_child (param $name i32) (param $len i32) (param $args i32) (param $keys i32) (param $keys_len i32)
                     (param $stdin i32) (param $stdout i32) (param $stderr i32) (result i32)
    (call $reset)
    (call $start (local.get $name) (local.get $len) (local.get $args) (i32.const 1)
      (i32.const 0) (i32.const 0) (local.get $keys) (local.get $keys_len)
      (local.get $stdin) (local.get $stdout) (local.get $stderr)
      (i32.const 0) (i32.const 0) (i32.const 48))
    (call $print (i32.const 400) (i32.const 5))
    (call $print (i32.const 340) (i32.const 2))
    (if (call $show_value (i32.const 0))
      (then (call $nl) (return (i32.load (i32.const 52)))))
    (call $nl)
    (i32.const 0))

  (func $forger
    (local $h i32)
    (local.set $h (call $start_child (i32.const 100) (i32.const 12) (i32.const 128) (i32.const 0) (i32.const 0)
      (i32.const 2) (i32.const 0) (i32.const 0)))
    (call $every_op (i32.const 0))
    (call $every_op (i32.const 2))
    (call $every_op (i32.const 3))
    (call $every_op (i32.const 7))
    (call $every_op (i32.const -1))
    (call $op (i32.const 1) (local.get $h)) ;; kill
    (call $op (i32.const 0) (local.get $h)) ;; wait
    (call $op (i32.const 0) (local.get $h)) ;; wait again
    (call $op (i32.const 1) (local.get $h)) ;; kill after the end
    (call $op (i32.const 3) (local.get $h)) ;; close-stdin after the end
    (call $op (i32.const 2) (local.get $h))) ;; write after the end

  (func $orphaner
    (local $n i32)
    (loop $next
      (global.set $fd (i32.const 2))
      (if (i32.eqz (call $start_child (i32.const 100) (i32.const 12) (i32.const 136) (i32.const 0) (i32.const 0)
                       (i32.const 0) (i32.const 1) (i32.const 0)))
        (then (call $proc_exit (i32.const 1))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $n) (i32.const 3))))
    (call $proc_exit (i32.const 3)))

  ;; pattern is the byte at offset i of what the piper sends.
  (func $pattern (param $i i32) (result i32)
    (i32.and
      (i32.add (i32.add (local.get $i)
                        (i32.mul (i32.shr_u (local.get $i) (i32.const 8)) (i32.const 31)))
               (i32.mul (i32.shr_u (local.get $i) (i32.const 16)) (i32.const 7)))
      (i32.const 0xff)))

  (func $fail (param $msg i32) (param $len i32) (param $code i32)
    (call $print (local.get $msg) (local.get $len))
    (call $nl)
    (call $proc_exit (local.get $code)))

  (func $piper
    (local $h i32) (local $wpos i32) (local $rpos i32) (local $size i32) (local $k i32)
    (local $j i32) (local $p i32) (local $n i32) (local $sum i32)
    (local.set $sum (i32.const 0x811c9dc5))
    (local.set $h (call $start_child (i32.const 160) (i32.const 8) (i32.const 144) (i32.const 0) (i32.const 0)
      (i32.const 2) (i32.const 2) (i32.const 0)))
    (if (i32.eqz (local.get $h)) (then (call $proc_exit (i32.const 10))))
    (block $sent
      (loop $chunk
        (br_if $sent (i32.ge_u (local.get $wpos) (i32.const 0x100000)))
        ;; sizes from 1 to 65536 bytes, the last one what is left
        (local.set $size (i32.add (i32.and (i32.mul (local.get $k) (i32.const 7919)) (i32.const 0xffff)) (i32.const 1)))
        (if (i32.gt_u (local.get $size) (i32.sub (i32.const 0x100000) (local.get $wpos)))
          (then (local.set $size (i32.sub (i32.const 0x100000) (local.get $wpos)))))
        (local.set $j (i32.const 0))
        (loop $fill
          (i32.store8 (i32.add (i32.const 65536) (local.get $j)) (call $pattern (i32.add (local.get $wpos) (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $j) (local.get $size))))
        (call $reset)
        (call $write (local.get $h) (i32.const 65536) (local.get $size) (i32.const 48))
        (if (i32.load8_u (i32.const 48))
          (then
            (call $print (i32.const 424) (i32.const 5))
            (call $print (i32.const 340) (i32.const 2))
            (drop (call $show_unit))
            (call $nl)
            (call $proc_exit (i32.const 11))))
        (local.set $wpos (i32.add (local.get $wpos) (local.get $size)))
        (block $caught_up
          (loop $drain
            (br_if $caught_up (i32.ge_u (local.get $rpos) (local.get $wpos)))
            (call $reset)
            (call $read (local.get $h) (i32.const 0) (i32.const 65536) (i32.const 48))
            (if (i32.load8_u (i32.const 48))
              (then
                (call $print (i32.const 448) (i32.const 4))
                (call $print (i32.const 340) (i32.const 2))
                (drop (call $show_unit))
                (call $nl)
                (call $proc_exit (i32.const 12))))
            (local.set $p (i32.load (i32.const 52)))
            (local.set $n (i32.load (i32.const 56)))
            (if (i32.eqz (local.get $n)) (then (call $fail (i32.const 456) (i32.const 10) (i32.const 14))))
            (if (i32.gt_u (i32.add (local.get $rpos) (local.get $n)) (local.get $wpos))
              (then (call $fail (i32.const 472) (i32.const 8) (i32.const 13))))
            (local.set $j (i32.const 0))
            (loop $compare
              (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $j)))
                          (call $pattern (i32.add (local.get $rpos) (local.get $j))))
                (then (call $fail (i32.const 472) (i32.const 8) (i32.const 13))))
              (local.set $sum (i32.mul (i32.xor (local.get $sum) (i32.load8_u (i32.add (local.get $p) (local.get $j))))
                                       (i32.const 0x01000193)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $compare (i32.lt_u (local.get $j) (local.get $n))))
            (local.set $rpos (i32.add (local.get $rpos) (local.get $n)))
            (br $drain)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $chunk)))
    (call $reset)
    (call $close_stdin (local.get $h) (i32.const 48))
    (if (i32.load8_u (i32.const 48)) (then (call $proc_exit (i32.const 11))))
    (call $reset)
    (call $read (local.get $h) (i32.const 0) (i32.const 65536) (i32.const 48))
    (if (i32.or (i32.load8_u (i32.const 48)) (i32.load (i32.const 56)))
      (then (call $fail (i32.const 488) (i32.const 6) (i32.const 14))))
    (call $reset)
    (call $wait (local.get $h) (i32.const 48))
    (if (i32.or (i32.or (i32.load8_u (i32.const 48)) (i32.load8_u (i32.const 52))) (i32.load (i32.const 56)))
      (then
        (call $print (i32.const 408) (i32.const 4))
        (call $print (i32.const 340) (i32.const 2))
        (call $show_wait)
        (call $nl)
        (call $proc_exit (i32.const 15))))
    (call $print (i32.const 300) (i32.const 2))
    (call $print (i32.const 346) (i32.const 1))
    (call $printn (local.get $rpos) (i32.const 10))
    (call $print (i32.const 346) (i32.const 1))
    (call $printn (local.get $sum) (i32.const 16))
    (call $nl))

  (func $mute
    (global.set $fd (i32.const 2))
    (drop (call $start_child (i32.const 176) (i32.const 12) (i32.const 152) (i32.const 208) (i32.const 1)
      (i32.const 0) (i32.const 1) (i32.const 0)))
    (drop (call $start_child (i32.const 176) (i32.const 12) (i32.const 152) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 1) (i32.const 0))))

  (func $nest
    (local $h i32)
    (global.set $fd (i32.const 2))
    (local.set $h (call $start_child (i32.const 528) (i32.const 10) (i32.const 544) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i32.const 0)))
    (if (i32.eqz (local.get $h)) (then (call $proc_exit (i32.const 99))))
    (call $op (i32.const 0) (local.get $h))
    (if (i32.load8_u (i32.const 48)) (then (call $proc_exit (i32.const 99))))
    (if (i32.load8_u (i32.const 52))
      (then (call $proc_exit (i32.add (i32.const 100) (i32.load8_u (i32.const 52))))))
    (call $proc_exit (i32.load (i32.const 56))))

  (func (export "_start")
    (local $mode i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (if (i32.or (i32.gt_u (i32.load (i32.const 0)) (i32.const 256))
                (i32.gt_u (i32.load (i32.const 4)) (i32.const 2048)))
      (then (unreachable)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (if (i32.lt_u (i32.load (i32.const 0)) (i32.const 2))
      (then (call $proc_exit (i32.const 99))))
    (local.set $mode (i32.load8_u (i32.load (i32.const 1028))))
    (if (i32.eq (local.get $mode) (i32.const 0x66)) (then (call $forger) (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x6f)) (then (call $orphaner) (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x50)) (then (call $piper) (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x69)) (then (call $mute) (return)))
    (if (i32.eq (local.get $mode) (i32.const 0x6e)) (then (call $nest) (return)))
    (call $proc_exit (i32.const 99))))
