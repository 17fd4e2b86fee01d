;; A guest of TestMemoryCeiling: it grows its memory one page at a time
;; until memory.grow returns -1, and reports how far it got.
(module
  (memory (export "memory") 1)

  ;; grow: memory.grow by delta pages; the old size, or -1.
  (func (export "grow") (param $delta i32) (result i32)
    (memory.grow (local.get $delta)))

  ;; size: memory.size in pages.
  (func (export "size") (result i32)
    (memory.size))

  ;; fill: grows one page at a time until refused, writing the last byte
  ;; of each new page; returns the pages it ended with. memory.grow must
  ;; say -1, not trap, for this to return.
  (func (export "fill") (result i32)
    (block $refused
      (loop $l
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (i32.store8
          (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
          (i32.const 1))
        (br $l)))
    (memory.size))
)
