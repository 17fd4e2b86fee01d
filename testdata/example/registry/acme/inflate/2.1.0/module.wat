;; acme:inflate 2.1.0: pure computation, no keys, no imports.
(module
  (memory (export "memory") 1)

  ;; inflate(compressed_len, ratio) -> inflated length
  (func (export "inflate") (param $len i32) (param $ratio i32) (result i32)
    (i32.mul (local.get $len)
      (select (local.get $ratio) (i32.const 1)
        (i32.gt_s (local.get $ratio) (i32.const 0))))))
