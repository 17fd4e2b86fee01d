// goadd is a Go reactor (built with -buildmode=c-shared): nano calls its
// _initialize, then its parent calls add. crash traps in Go code.
package main

import "unsafe"

func main() {}

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

//go:wasmexport crash
func crash() int32 {
	// An address far beyond linear memory: not nil, so Go does not check it,
	// and the load traps.
	return *(*int32)(unsafe.Pointer(uintptr(0xfffffff0)))
}
