// Package cabi is the part of the Component Model's canonical ABI that a Go
// guest built with the standard toolchain (GOOS=wasip1 GOARCH=wasm) has to
// bring itself: the cabi_realloc export, through which the host (nano's
// adapter) allocates the strings and lists it copies into this module's
// memory, and the bookkeeping that keeps that memory, and the values the
// guest hands the host by address, alive until the host is done with them.
//
// The garbage collector traces Go pointers, not the i32 addresses the host
// holds: memory the host knows only by its address must be referenced from
// Go until the canonical ABI says it is free. cabi_realloc's blocks and
// Pin's values are kept in package variables until Release. Go's collector
// does not move heap objects, so an address stays valid while its object
// is alive. (Goroutine stacks do move: what the host writes to must be on
// the heap, never a local variable whose address is passed as a
// wasmimport argument under //go:noescape.)
//
// Addresses are uint32: a wasm memory is 32-bit, but GOARCH=wasm is a
// 64-bit architecture to Go (8-byte pointers, int and uintptr), so Go's
// own strings, slices and structs with pointers are not laid out as the
// canonical ABI lays them out, and the bindings lower them field by field.
package cabi

import (
	"runtime"
	"unsafe"
)

var (
	// blocks are the blocks cabi_realloc handed out, by address.
	blocks = map[uintptr][]uint64{}
	// pins are the values Pin keeps.
	pins []any
	// calls counts cabi_realloc's calls, for GCEvery.
	calls int
)

// GCEvery, if positive, makes every GCEvery-th call of cabi_realloc run
// the garbage collector first: a test that the blocks it handed out before
// stay alive while the host still fills them.
var GCEvery int

// realloc is cabi_realloc (canonical ABI): it returns a block of newSize
// bytes aligned to align, holding the first oldSize bytes at old if old is
// not 0 (a block it returned before, which it frees).
//
//go:wasmexport cabi_realloc
func realloc(old unsafe.Pointer, oldSize, align, newSize uint32) unsafe.Pointer {
	if calls++; GCEvery > 0 && calls%GCEvery == 0 {
		runtime.GC()
	}
	if align == 0 || align&(align-1) != 0 || align > 8 {
		panic("cabi_realloc: bad alignment")
	}
	// A []uint64 is aligned to 8, the canonical ABI's largest alignment.
	// A block is never empty, so that each has its own address.
	b := make([]uint64, max(1, (uint64(newSize)+7)/8))
	p := unsafe.Pointer(unsafe.SliceData(b))
	if old != nil {
		copy(unsafe.Slice((*byte)(p), newSize), unsafe.Slice((*byte)(old), min(oldSize, newSize)))
		delete(blocks, uintptr(old))
	}
	blocks[uintptr(p)] = b
	return p
}

// Bytes returns the n bytes at addr, which must be the address of a block
// cabi_realloc handed out (as the canonical ABI allocates every string
// and list it lowers), of at least n bytes. The slice keeps the block
// alive after Release.
func Bytes(addr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, ok := blocks[uintptr(addr)]
	if !ok || uint64(n) > 8*uint64(len(b)) {
		panic("cabi: the host passed memory cabi_realloc did not allocate")
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// String returns the string of n bytes at addr, a block cabi_realloc
// handed out, without copying it: the host never writes it again.
func String(addr, n uint32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(Bytes(addr, n)), n)
}

// Pin keeps v alive until Release: a value whose address the guest hands
// the host.
func Pin(v any) { pins = append(pins, v) }

// Release lets the garbage collector have every block cabi_realloc handed
// out and every pinned value: the host is done with them.
func Release() {
	clear(blocks)
	clear(pins)
	pins = pins[:0]
}

// Addr returns p's address in linear memory.
func Addr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

// LowerString pins s and returns its address and length.
func LowerString(s string) (addr, n uint32) {
	if s == "" {
		return 0, 0
	}
	Pin(s)
	return Addr(unsafe.Pointer(unsafe.StringData(s))), uint32(len(s))
}
