;; The guest of the nano:net benchmarks (net_bench_test.go): it exports
;; fetch-n and echo-n (bench/bench.wit), which loop over nano:net/http's
;; fetch and nano:net/tcp's send and recv inside the guest. A failed call
;; traps. Memory: 100 "GET"; 200.. the results of calls; 4096.. the bytes
;; echo-n sends; from 65536 a bump heap for cabi_realloc, reset after each
;; call to where it stood when the loop began.
(module
  (import "nano:net/tcp@0.1.0" "connect" (func $connect (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "send" (func $send (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "recv" (func $recv (param i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "close" (func $close (param i32)))
  (import "nano:net/http@0.1.0" "fetch" (func $fetch (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "GET")
  (global $heap (mut i32) (i32.const 65536))

  (func $alloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
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

  (func (export "acme:netbench/bench#fetch-n") (param $url i32) (param $len i32) (param $n i32) (result i32)
    (local $base i32) (local $i i32) (local $total i32)
    (local.set $base (global.get $heap))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $fetch (i32.const 100) (i32.const 3) (local.get $url) (local.get $len)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 200))
        (if (i32.load8_u (i32.const 200)) (then (unreachable)))
        (local.set $total (i32.add (local.get $total) (i32.load (i32.const 220))))
        (global.set $heap (local.get $base))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $heap (i32.const 65536))
    (local.get $total))

  (func (export "acme:netbench/bench#echo-n") (param $host i32) (param $len i32) (param $port i32) (param $n i32) (param $size i32) (result i32)
    (local $base i32) (local $i i32) (local $h i32) (local $got i32) (local $k i32)
    (call $connect (local.get $host) (local.get $len) (local.get $port) (i32.const 200))
    (if (i32.load8_u (i32.const 200)) (then (unreachable)))
    (local.set $h (i32.load (i32.const 204)))
    (local.set $base (global.get $heap))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $send (local.get $h) (i32.const 4096) (local.get $size) (i32.const 200))
        (if (i32.load8_u (i32.const 200)) (then (unreachable)))
        (if (i32.ne (i32.load (i32.const 204)) (local.get $size)) (then (unreachable)))
        (local.set $got (i32.const 0))
        (block $all
          (loop $more
            (br_if $all (i32.ge_u (local.get $got) (local.get $size)))
            (call $recv (local.get $h) (i32.sub (local.get $size) (local.get $got)) (i32.const 200))
            (if (i32.load8_u (i32.const 200)) (then (unreachable)))
            (local.set $k (i32.load (i32.const 208)))
            (if (i32.eqz (local.get $k)) (then (unreachable)))
            (local.set $got (i32.add (local.get $got) (local.get $k)))
            (global.set $heap (local.get $base))
            (br $more)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $close (local.get $h))
    (global.set $heap (i32.const 65536))
    (local.get $n)))
