;; A guest of TestMemoryCeiling whose declared minimum is 20 pages
;; (1.25 MiB): it must not start under a smaller ceiling.
(module
  (memory (export "memory") 20)
  (func (export "size") (result i32)
    (memory.size))
)
