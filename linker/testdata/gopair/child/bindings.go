package main

// The exports of acme:zip/unpack@1.4.0 (wit/zip.wit), lifted and lowered
// by hand by the canonical ABI, since wit-bindgen-go's bindings do not
// build with the standard Go toolchain (see ../build.sh):
//
//	extract: func(archive: list<u8>, dest: string) -> result<list<entry>, string>
//	  core: (param i32 i32 i32 i32) (result i32), the result in memory
//	count: func(a: u32, b: u32) -> u32
//	  core: (param i32 i32) (result i32)
//
// The host copies the arguments into blocks of cabi_realloc (package
// cabi); the results stay pinned until cabi_post_...#extract.

import (
	"structs"
	"unsafe"

	"github.com/nanoproc/nano/linker/testdata/gopair/cabi"
)

func init() {
	// Collect garbage in every cabi_realloc: the archive's block must
	// survive while the host allocates dest's.
	cabi.GCEvery = 1
}

// An Entry is the WIT record entry.
type Entry struct {
	Name string
	Size uint64
}

// entryABI is an entry as the canonical ABI lays it out: the name's
// address and length, then the size at offset 8; 16 bytes, aligned to 8.
type entryABI struct {
	_       structs.HostLayout
	namePtr uint32
	nameLen uint32
	size    uint64
}

// resultABI is a result<list<entry>, string> in memory: its case (0 ok,
// 1 err) in a byte, then at offset 4 the address and length of the list
// or the string; 12 bytes, aligned to 4.
type resultABI struct {
	_   structs.HostLayout
	tag uint8
	_   [3]uint8
	ptr uint32
	len uint32
}

// A string parameter of a wasmexport function is (address, length): Go
// lifts it as the canonical ABI does. It points into a block the host got
// from cabi_realloc, which the parameter itself keeps alive.
//
//go:wasmexport acme:zip/unpack@1.4.0#extract
func exportExtract(archive unsafe.Pointer, archiveLen uint32, dest string) *resultABI {
	entries, err := extract(unsafe.Slice((*byte)(archive), archiveLen), dest)
	r := new(resultABI)
	cabi.Pin(r)
	if err != nil {
		r.tag = 1
		r.ptr, r.len = cabi.LowerString(err.Error())
		return r
	}
	list := make([]entryABI, len(entries))
	cabi.Pin(list)
	for i, e := range entries {
		list[i].namePtr, list[i].nameLen = cabi.LowerString(e.Name)
		list[i].size = e.Size
	}
	r.ptr, r.len = cabi.Addr(unsafe.Pointer(unsafe.SliceData(list))), uint32(len(list))
	return r
}

// postExtract runs once the host has copied extract's results: it frees
// them, and the arguments' blocks.
//
//go:wasmexport cabi_post_acme:zip/unpack@1.4.0#extract
func postExtract(*resultABI) { cabi.Release() }

//go:wasmexport acme:zip/unpack@1.4.0#count
func exportCount(a, b uint32) uint32 { return count(a, b) }
