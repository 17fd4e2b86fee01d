;; A child nanoprocess exporting acme:zip/unpack@1.4.0 by the canonical ABI:
;;
;;   record entry { name: string, size: u64 }
;;   extract: func(archive: list<u8>, dest: string) -> result<list<entry>, string>
;;   count: func(a: u32, b: u32) -> u32
;;   big: func(s: string, t: tuple<u64 x 15>) -> string   (17 flat params: in memory)
;;   pick: func(v: variant { a(u32), b(f32), c(u64), d(string) }) -> u64
;;   probe: func(c: char) -> bool
;;
;; extract returns one entry per byte of the archive: entry i is named
;; dest[0 .. i % len(dest) + 1] and its size is archive[i] << 32 | i; an
;; empty dest is err("dest is empty"). cabi_post_...#extract frees
;; everything (a bump allocator reset) and counts its calls in $posts.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $posts (mut i32) (i32.const 0))
  (data (i32.const 16) "dest is empty")
  (data (i32.const 32) "bad sum")

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                 (i32.le_u (local.get $size) (local.get $old_size)))
      (then (return (local.get $old))))
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16)))
                                                    (i32.const 65535))
                                           (i32.const 16)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func (export "acme:zip/unpack@1.4.0#extract")
    (param $a i32) (param $n i32) (param $d i32) (param $dn i32) (result i32)
    (local $ret i32) (local $list i32) (local $i i32) (local $e i32)
    (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 12)))
    (if (i32.eqz (local.get $dn))
      (then
        (i32.store8 (local.get $ret) (i32.const 1))
        (i32.store offset=4 (local.get $ret) (i32.const 16))
        (i32.store offset=8 (local.get $ret) (i32.const 13))
        (return (local.get $ret))))
    (local.set $list (call $realloc (i32.const 0) (i32.const 0) (i32.const 8)
                                    (i32.shl (local.get $n) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $e (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store (local.get $e) (local.get $d))
        (i32.store offset=4 (local.get $e)
          (i32.add (i32.rem_u (local.get $i) (local.get $dn)) (i32.const 1)))
        (i64.store offset=8 (local.get $e)
          (i64.or (i64.shl (i64.load8_u (i32.add (local.get $a) (local.get $i))) (i64.const 32))
                  (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store8 (local.get $ret) (i32.const 0))
    (i32.store offset=4 (local.get $ret) (local.get $list))
    (i32.store offset=8 (local.get $ret) (local.get $n))
    (local.get $ret))

  (func (export "cabi_post_acme:zip/unpack@1.4.0#extract") (param i32)
    (global.set $posts (i32.add (global.get $posts) (i32.const 1)))
    (global.set $heap (i32.const 1024)))

  (func (export "acme:zip/unpack@1.4.0#count") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; big: the parameters are a tuple<string, tuple<u64 x 15>> at $p: the
  ;; string at 0, the u64s from 8. It returns s without its first byte if
  ;; the u64s sum to 120, else "bad sum".
  (func (export "acme:zip/unpack@1.4.0#big") (param $p i32) (result i32)
    (local $ret i32) (local $sum i64) (local $i i32)
    (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 15)))
        (local.set $sum (i64.add (local.get $sum)
          (i64.load offset=8 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i64.eq (local.get $sum) (i64.const 120))
      (then
        (i32.store (local.get $ret) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (i32.store offset=4 (local.get $ret) (i32.sub (i32.load offset=4 (local.get $p)) (i32.const 1))))
      (else
        (i32.store (local.get $ret) (i32.const 32))
        (i32.store offset=4 (local.get $ret) (i32.const 7))))
    (local.get $ret))

  ;; pick: the variant flattens to (i32 i64 i32). It returns the case
  ;; << 56 | the payload's bits, or for d(s) len(s) * 1000 + s[0].
  (func (export "acme:zip/unpack@1.4.0#pick") (param $d i32) (param $x i64) (param $n i32) (result i64)
    (if (i32.eq (local.get $d) (i32.const 3))
      (then
        (return (i64.add (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 1000))
                         (i64.load8_u (i32.wrap_i64 (local.get $x)))))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $d)) (i64.const 56)) (local.get $x)))

  (func (export "acme:zip/unpack@1.4.0#probe") (param $c i32) (result i32)
    (i32.eq (local.get $c) (i32.const 0x78)))

  (func (export "posts") (result i32) (global.get $posts))
  (func (export "heap") (result i32) (global.get $heap)))
