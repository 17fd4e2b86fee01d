;; A root that writes each of its arguments after its name to stdout, one a
;; line, between brackets: "[-V]\n[--]\n".
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: argc; 4: size of the argument bytes; 8: iovec; 16: bytes written;
  ;; 24: "[", 25: "]\n"; 1024: argv; 8192: the argument bytes.
  (data (i32.const 24) "[]\n")
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16))))
  (func (export "_start")
    (local $i i32) (local $p i32) (local $n i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 8192)))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (local.set $p (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $n (i32.const 0))
        (block $end
          (loop $scan
            (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $scan)))
        (call $out (i32.const 24) (i32.const 1))
        (call $out (local.get $p) (local.get $n))
        (call $out (i32.const 25) (i32.const 2))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
