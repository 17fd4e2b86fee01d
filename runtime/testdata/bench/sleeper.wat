;; A child that sleeps for a minute with the real clock (poll_oneoff with
;; one relative clock subscription), then exits 0.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 1))             ;; userdata
    (i32.store8 (i32.const 8) (i32.const 0))            ;; tag: clock
    (i32.store (i32.const 16) (i32.const 1))            ;; id: monotonic
    (i64.store (i32.const 24) (i64.const 60000000000))  ;; timeout: 60 s
    (i64.store (i32.const 32) (i64.const 0))            ;; precision
    (i32.store16 (i32.const 40) (i32.const 0))          ;; flags: relative
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))
