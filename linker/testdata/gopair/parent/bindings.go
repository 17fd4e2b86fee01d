package main

// The imports of acme:zip/unpack@1.4.0 (../child/wit/zip.wit), lowered and
// lifted by hand by the canonical ABI, since wit-bindgen-go's bindings do
// not build with the standard Go toolchain (see ../build.sh):
//
//	extract: func(archive: list<u8>, dest: string) -> result<list<entry>, string>
//	  core: (param i32 i32 i32 i32 i32), the last the return area
//	count: func(a: u32, b: u32) -> u32
//	  core: (param i32 i32) (result i32)
//
// The host copies extract's results into blocks of this module's
// cabi_realloc (package cabi) while the call is in progress: cabi_realloc
// is called back from inside the wasmimport call.

import (
	"encoding/binary"
	"errors"
	"structs"
	"unsafe"

	"github.com/nanoproc/nano/linker/testdata/gopair/cabi"
)

// An Entry is the WIT record entry.
type Entry struct {
	Name string
	Size uint64
}

// entrySize is the size of an entry in memory: the name's address and
// length, then the size at offset 8.
const entrySize = 16

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

// A string parameter is passed as (address, length), as the canonical ABI
// lowers it. Without //go:noescape, the compiler lets every pointer passed
// escape to the heap, where it does not move while the host writes to it.
//
//go:wasmimport acme:zip/unpack@1.4.0 extract
func importExtract(archive unsafe.Pointer, archiveLen uint32, dest string, ret *resultABI)

//go:wasmimport acme:zip/unpack@1.4.0 count
func importCount(a, b uint32) uint32

// Extract calls acme:zip/unpack@1.4.0#extract.
func Extract(archive []byte, dest string) ([]Entry, error) {
	ret := new(resultABI)
	importExtract(unsafe.Pointer(unsafe.SliceData(archive)), uint32(len(archive)), dest, ret)
	defer cabi.Release()
	switch ret.tag {
	case 0:
		mem := cabi.Bytes(ret.ptr, ret.len*entrySize)
		entries := make([]Entry, ret.len)
		for i := range entries {
			e := mem[i*entrySize:]
			name := cabi.String(binary.LittleEndian.Uint32(e), binary.LittleEndian.Uint32(e[4:]))
			entries[i] = Entry{Name: name, Size: binary.LittleEndian.Uint64(e[8:])}
		}
		return entries, nil
	case 1:
		return nil, errors.New(cabi.String(ret.ptr, ret.len))
	}
	panic("extract: invalid result case")
}

// Count calls acme:zip/unpack@1.4.0#count.
func Count(a, b uint32) uint32 { return importCount(a, b) }
