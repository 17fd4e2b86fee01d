;; A hostile child exporting acme:zip/unpack@1.4.0 (see zip.wat) that
;; breaks the canonical ABI as set_mode says:
;;
;;   0  extract returns ok([{name: "ok", size: 7}])
;;   1  extract returns a list at an out-of-bounds pointer
;;   2  extract returns a list whose length runs past memory
;;   3  extract returns err with invalid UTF-8
;;   4  extract returns a list at a misaligned pointer
;;   5  extract returns an invalid discriminant
;;   6  extract returns an out-of-bounds results pointer
;;   7  extract returns a misaligned results pointer
;;   8  cabi_realloc returns an out-of-bounds pointer
;;   9  cabi_realloc returns a misaligned pointer
;;   10 extract returns three entries, the third named in invalid UTF-8
;;   11 cabi_realloc traps
;;   12 extract returns err with a string whose length runs past memory
;;   13 probe returns the bool 2
;;   14 extract traps
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 0x1000))
  (global $mode (mut i32) (i32.const 0))
  ;; entries at 0x200: {0x300, 2, 7}, {0x300, 1, 8}, {0x400, 2, 9}
  (data (i32.const 0x200) "\00\03\00\00\02\00\00\00\07\00\00\00\00\00\00\00")
  (data (i32.const 0x210) "\00\03\00\00\01\00\00\00\08\00\00\00\00\00\00\00")
  (data (i32.const 0x220) "\00\04\00\00\02\00\00\00\09\00\00\00\00\00\00\00")
  (data (i32.const 0x300) "ok")
  (data (i32.const 0x400) "\ff\fe")

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (if (i32.eq (global.get $mode) (i32.const 8)) (then (return (i32.const 0xfffffff0))))
    (if (i32.eq (global.get $mode) (i32.const 9)) (then (return (i32.const 0x1001))))
    (if (i32.eq (global.get $mode) (i32.const 11)) (then unreachable))
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))) (then unreachable))
    (local.get $p))

  (func $ok (param $list i32) (param $n i32) (result i32)
    (i32.store8 (i32.const 0x100) (i32.const 0))
    (i32.store (i32.const 0x104) (local.get $list))
    (i32.store (i32.const 0x108) (local.get $n))
    (i32.const 0x100))

  (func (export "acme:zip/unpack@1.4.0#extract")
    (param i32 i32 i32 i32) (result i32)
    (local $m i32)
    (local.set $m (global.get $mode))
    (if (i32.eq (local.get $m) (i32.const 1)) (then (return (call $ok (i32.const 0xfffffff0) (i32.const 4)))))
    (if (i32.eq (local.get $m) (i32.const 2)) (then (return (call $ok (i32.const 0x200) (i32.const 0x7fffffff)))))
    (if (i32.or (i32.eq (local.get $m) (i32.const 3)) (i32.eq (local.get $m) (i32.const 12)))
      (then
        (i32.store8 (i32.const 0x100) (i32.const 1))
        (i32.store (i32.const 0x104) (select (i32.const 0x400) (i32.const 0x10) (i32.eq (local.get $m) (i32.const 3))))
        (i32.store (i32.const 0x108) (select (i32.const 2) (i32.const 0xfffffff0) (i32.eq (local.get $m) (i32.const 3))))
        (return (i32.const 0x100))))
    (if (i32.eq (local.get $m) (i32.const 4)) (then (return (call $ok (i32.const 0x204) (i32.const 1)))))
    (if (i32.eq (local.get $m) (i32.const 5))
      (then (drop (call $ok (i32.const 0x200) (i32.const 1)))
            (i32.store8 (i32.const 0x100) (i32.const 2))
            (return (i32.const 0x100))))
    (if (i32.eq (local.get $m) (i32.const 6)) (then (return (i32.const 0xfffffffc))))
    (if (i32.eq (local.get $m) (i32.const 7)) (then (return (i32.const 0x102))))
    (if (i32.eq (local.get $m) (i32.const 10)) (then (return (call $ok (i32.const 0x200) (i32.const 3)))))
    (if (i32.eq (local.get $m) (i32.const 14)) (then unreachable))
    (call $ok (i32.const 0x200) (i32.const 1)))

  (func (export "acme:zip/unpack@1.4.0#count") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; big's one string result: "ok", or in mode 15 invalid UTF-8, in mode
  ;; 16 a string out of bounds, in mode 17 results out of bounds.
  (func (export "acme:zip/unpack@1.4.0#big") (param i32) (result i32)
    (if (i32.eq (global.get $mode) (i32.const 17)) (then (return (i32.const 0xfffffffc))))
    (i32.store (i32.const 0x110)
      (select (i32.const 0x400)
        (select (i32.const 0xfffffff0) (i32.const 0x300) (i32.eq (global.get $mode) (i32.const 16)))
        (i32.eq (global.get $mode) (i32.const 15))))
    (i32.store (i32.const 0x114) (select (i32.const 0x20) (i32.const 2) (i32.eq (global.get $mode) (i32.const 16))))
    (i32.const 0x110))

  (func (export "acme:zip/unpack@1.4.0#pick") (param i32 i64 i32) (result i64)
    (local.get 1))

  (func (export "acme:zip/unpack@1.4.0#probe") (param i32) (result i32)
    (if (i32.eq (global.get $mode) (i32.const 13)) (then (return (i32.const 2))))
    (i32.const 1))

  (func (export "set_mode") (param i32) (global.set $mode (local.get 0))))
