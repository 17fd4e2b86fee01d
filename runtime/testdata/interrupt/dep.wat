;; The dependency of root.wat in TestInterruptSubtree: its loop runs in
;; another module instance than the call's entry.
(module
  (import "env" "started" (func $started))
  (func (export "forever")
    (call $started)
    (loop $l (br $l)))
)
