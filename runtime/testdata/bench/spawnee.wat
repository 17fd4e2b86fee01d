;; The child of the spawn benchmarks: a command that returns at once.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
