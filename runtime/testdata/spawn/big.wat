;; A command whose memory starts at 8 pages (512 KiB): it cannot start
;; under a smaller ceiling.
(module
  (memory (export "memory") 8)
  (func (export "_start")))
