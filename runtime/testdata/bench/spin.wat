;; A child that spins until it is killed.
(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $spin (br $spin))))
