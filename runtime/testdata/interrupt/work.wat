;; The workloads of BenchmarkInterrupt: wazero compiles a check into every
;; loop back-edge when WithCloseOnContextDone is on, and these measure what
;; it costs in code that loops, calls and touches memory.
(module
  (import "env" "started" (func $started))
  (import "env" "done" (func $done))
  ;; 17 pages: a 1 MiB buffer at 0 and 64 KiB to spare.
  (memory (export "memory") 17)

  ;; loop: n iterations of an i32 add and compare.
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; spin: tells the host it started, runs n iterations of the loop of
  ;; "loop", then tells the host it finished.
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (call $started)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (call $done)
    (local.get $i))

  ;; forever: tells the host it started and loops forever.
  (func (export "forever")
    (call $started)
    (loop $l (br $l)))

  ;; fib: the n-th Fibonacci number, recursively: calls and no loop.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

;; fibs: tells the host it started, then fib.
  (func (export "fibs") (param $n i32) (result i32)
    (call $started)
    (call $fib (local.get $n)))

  (func $inc (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1)))

  ;; calls: a loop of n calls of a small function.
  (func (export "calls") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (call $inc (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; nop: the smallest export, for calls from Go.
  (func (export "nop") (param $x i32) (result i32)
    (local.get $x))

  ;; mem: n passes over the 1 MiB buffer, each a load and store of every
  ;; word, a memory.fill of the whole buffer and a memory.copy of half.
  (func (export "mem") (param $n i32) (result i32)
    (local $pass i32) (local $p i32) (local $acc i32)
    (loop $passes
      (local.set $p (i32.const 0))
      (loop $words
        (i32.store (local.get $p)
          (i32.add (i32.load (local.get $p)) (local.get $p)))
        (local.set $acc (i32.xor (local.get $acc) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $words (i32.lt_u (local.get $p) (i32.const 1048576))))
      (memory.fill (i32.const 0) (local.get $pass) (i32.const 1048576))
      (memory.copy (i32.const 524288) (i32.const 0) (i32.const 524288))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (local.get $n))))
    (local.get $acc))
)
