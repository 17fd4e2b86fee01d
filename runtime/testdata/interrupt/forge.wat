;; A guest that exits with wazero's own exit codes for a cancelled call
;; (0xffffffff) or one past its deadline (0xefffffff): TestForgedExitCode.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "exit") (param $code i32)
    (call $proc_exit (local.get $code)))
)
