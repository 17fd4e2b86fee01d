;; A nanoprocess whose dependency (dep.wat, linked as "dep") spins: a kill
;; of the call into root must stop the loop in dep.
(module
  (import "dep" "forever" (func $forever))
  (func (export "run")
    (call $forever))
)
