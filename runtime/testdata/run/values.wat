;; Results of every type, for --invoke's printing.
(module
  (func (export "neg_i32") (result i32) (i32.const -1))
  (func (export "neg_i64") (result i64) (i64.const -1))
  (func (export "min_i64") (result i64) (i64.const -9223372036854775808))
  (func (export "tenth") (result f64) (f64.const 0.1))
  (func (export "tenth32") (result f32) (f32.const 0.1))
  (func (export "pair") (result i32 f64) (i32.const -7) (f64.const 1e21))
  (func (export "echo_i32") (param i32) (result i32) (local.get 0))
  (func (export "echo_i64") (param i64) (result i64) (local.get 0))
  (func (export "echo_f64") (param f64) (result f64) (local.get 0)))
