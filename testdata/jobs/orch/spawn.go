package main

// Bindings for nano:process/spawn@0.1.0 (nano wit nano:process), written
// by hand for the standard Go toolchain; ../README.md says what each
// flattened parameter is and why they are not generated. Each function is
// imported with the core signature its WIT lowers to by the Component
// Model's canonical ABI (flatten_functype(ft, 'lower')): its parameters
// flattened (at most 16 core values), and since every result here
// flattens to more than one value, a last parameter that is the address
// of a return area the host writes the result to. Strings and lists that
// nano returns are allocated in this module's memory through its
// cabi_realloc, called back from inside the import call.

import (
	"errors"
	"runtime"
	"strconv"
	"structs"
	"unsafe"
)

// A Stdio says where a child's standard stream goes: the WIT enum stdio,
// lowered to its case number.
type Stdio uint32

// The cases of the enum stdio.
const (
	Null    Stdio = 0
	Inherit Stdio = 1
	Pipe    Stdio = 2
)

// Options are the record options of start.
type Options struct {
	Args []string    // after the child's name
	Env  [][2]string // values of env keys handed to the child
	// Keys are the keys to hand the child, in grant form
	// ("fs:tmp=data/jobs/7:rw", "stdio:stdout"); none hands it the grant
	// of its edge in nano.lock.
	Keys                  []string
	Stdin, Stdout, Stderr Stdio
	MaxMemoryPages        uint32 // 0: the edge's ceiling
	TimeoutMS             uint32 // 0: the edge's time
}

// An ExitKind is the case of the variant exit.
type ExitKind uint8

// The cases of the variant exit.
const (
	Exited  ExitKind = 0
	Trapped ExitKind = 1
	Killed  ExitKind = 2
)

// An Exit is how a child ended: the variant exit.
type Exit struct {
	Kind    ExitKind
	Code    int32  // for Exited
	Message string // for Trapped (it starts with the child's path) and Killed ("killed" or "timeout")
}

// String formats e as WAVE does: exited(0), killed("timeout").
func (e Exit) String() string {
	switch e.Kind {
	case Exited:
		return "exited(" + strconv.Itoa(int(e.Code)) + ")"
	case Trapped:
		return "trapped(" + strconv.Quote(e.Message) + ")"
	}
	return "killed(" + strconv.Quote(e.Message) + ")"
}

// abiString is a string, or any list, in memory: its address and length.
type abiString struct {
	_   structs.HostLayout
	ptr uint32
	len uint32
}

// ret12 is the return area of a result whose cases fit in 8 bytes:
// result<u32, string>, result<_, string> and result<list<u8>, string>.
// The case in a byte (0 ok, 1 err), then at offset 4 the u32, or the
// string's or list's address and length.
type ret12 struct {
	_   structs.HostLayout
	tag uint8
	_   [3]uint8
	a   uint32
	b   uint32
}

// ret16 is the return area of wait's result<exit, string>: the case in a
// byte; for ok, at offset 4 the exit's case in a byte and at offset 8 its
// s32 or its string's address and length; for err, at offset 4 the
// string's address and length.
type ret16 struct {
	_   structs.HostLayout
	tag uint8
	_   [3]uint8
	a   uint32
	b   uint32
	c   uint32
}

// start: func(name: string, opts: options) -> result<u32, string>
//
// name is (address, length); opts flattens field by field: args, env and
// keys as (address, length) of their lists, stdin, stdout and stderr as
// case numbers, max-memory-pages, timeout-ms; then the return area.
//
//go:wasmimport nano:process/spawn@0.1.0 start
func importStart(name string, args unsafe.Pointer, nargs uint32, env unsafe.Pointer, nenv uint32,
	keys unsafe.Pointer, nkeys uint32, stdin, stdout, stderr Stdio, maxMemoryPages, timeoutMS uint32, ret *ret12)

// wait: func(child: u32) -> result<exit, string>
//
//go:wasmimport nano:process/spawn@0.1.0 wait
func importWait(child uint32, ret *ret16)

// kill: func(child: u32) -> result<_, string>
//
//go:wasmimport nano:process/spawn@0.1.0 kill
func importKill(child uint32, ret *ret12)

// write: func(child: u32, data: list<u8>) -> result<_, string>
//
//go:wasmimport nano:process/spawn@0.1.0 write
func importWrite(child uint32, data unsafe.Pointer, n uint32, ret *ret12)

// close-stdin: func(child: u32) -> result<_, string>
//
//go:wasmimport nano:process/spawn@0.1.0 close-stdin
func importCloseStdin(child uint32, ret *ret12)

// read: func(child: u32, stderr: bool, max: u32) -> result<list<u8>, string>
//
// A bool is an i32, 0 or 1, as Go passes it.
//
//go:wasmimport nano:process/spawn@0.1.0 read
func importRead(child uint32, stderr bool, max uint32, ret *ret12)

// Start starts the package name, a spawn key of this package, as a child
// nanoprocess, and returns its handle.
func Start(name string, o Options) (uint32, error) {
	args := lowerStrings(o.Args)
	env := make([]abiString, 0, 2*len(o.Env))
	for _, kv := range o.Env {
		env = append(env, lowerString(kv[0]), lowerString(kv[1]))
	}
	keys := lowerStrings(o.Keys)
	ret := new(ret12)
	importStart(name, sliceAddr(args), uint32(len(args)), sliceAddr(env), uint32(len(o.Env)),
		sliceAddr(keys), uint32(len(keys)), o.Stdin, o.Stdout, o.Stderr, o.MaxMemoryPages, o.TimeoutMS, ret)
	// The strings are read by the host only during the call.
	runtime.KeepAlive(o)
	runtime.KeepAlive(args)
	runtime.KeepAlive(env)
	runtime.KeepAlive(keys)
	defer release()
	if ret.tag != 0 {
		return 0, errors.New(liftString(ret.a, ret.b))
	}
	return ret.a, nil
}

// Wait blocks until the child ends, and says how.
func Wait(child uint32) (Exit, error) {
	ret := new(ret16)
	importWait(child, ret)
	defer release()
	if ret.tag != 0 {
		return Exit{}, errors.New(liftString(ret.a, ret.b))
	}
	e := Exit{Kind: ExitKind(ret.a)}
	switch e.Kind {
	case Exited:
		e.Code = int32(ret.b)
	case Trapped, Killed:
		e.Message = liftString(ret.b, ret.c)
	default:
		panic("wait: invalid exit case")
	}
	return e, nil
}

// Kill stops the child if it still runs.
func Kill(child uint32) error {
	ret := new(ret12)
	importKill(child, ret)
	return unitResult(ret)
}

// Write writes data to the child's piped stdin, blocking until every
// byte is taken.
func Write(child uint32, data []byte) error {
	ret := new(ret12)
	importWrite(child, unsafe.Pointer(unsafe.SliceData(data)), uint32(len(data)), ret)
	runtime.KeepAlive(data)
	return unitResult(ret)
}

// CloseStdin closes the child's piped stdin: it reads end of file.
func CloseStdin(child uint32) error {
	ret := new(ret12)
	importCloseStdin(child, ret)
	return unitResult(ret)
}

// Read reads up to max bytes of the child's piped stdout, or stderr,
// blocking until there is at least one; an empty slice is the end of the
// stream.
func Read(child uint32, stderr bool, max uint32) ([]byte, error) {
	ret := new(ret12)
	importRead(child, stderr, max, ret)
	defer release()
	if ret.tag != 0 {
		return nil, errors.New(liftString(ret.a, ret.b))
	}
	return append([]byte(nil), block(ret.a, ret.b)...), nil
}

// ReadAll reads the child's piped stdout, or stderr, to its end.
func ReadAll(child uint32, stderr bool) ([]byte, error) {
	var out []byte
	for {
		b, err := Read(child, stderr, 4096)
		if err != nil || len(b) == 0 {
			return out, err
		}
		out = append(out, b...)
	}
}

func unitResult(ret *ret12) error {
	defer release()
	if ret.tag != 0 {
		return errors.New(liftString(ret.a, ret.b))
	}
	return nil
}

// lowerString returns s as the canonical ABI's string. Go's string
// data are UTF-8 already; the caller keeps s alive during the call.
func lowerString(s string) abiString {
	return abiString{ptr: uint32(uintptr(unsafe.Pointer(unsafe.StringData(s)))), len: uint32(len(s))}
}

// lowerStrings returns ss as the elements of the canonical ABI's
// list<string>: 8 bytes each, the string's address and length.
func lowerStrings(ss []string) []abiString {
	out := make([]abiString, len(ss))
	for i, s := range ss {
		out[i] = lowerString(s)
	}
	return out
}

// sliceAddr returns the address of a slice's first element, or nil.
func sliceAddr(s []abiString) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// blocks are the blocks cabi_realloc handed the host during the current
// call, by address: the garbage collector does not know the host holds
// them, so they are referenced from here until the call's result is
// lifted (release).
var blocks = map[uint32][]uint64{}

// cabiRealloc is cabi_realloc, how nano allocates in this memory the
// strings and lists it returns. A []uint64 is aligned to 8, the canonical
// ABI's largest alignment; Go's collector does not move heap objects.
//
//go:wasmexport cabi_realloc
func cabiRealloc(old unsafe.Pointer, oldSize, align, newSize uint32) unsafe.Pointer {
	b := make([]uint64, max(1, (uint64(newSize)+7)/8))
	p := unsafe.Pointer(unsafe.SliceData(b))
	if old != nil {
		copy(unsafe.Slice((*byte)(p), newSize), unsafe.Slice((*byte)(old), min(oldSize, newSize)))
		delete(blocks, uint32(uintptr(old)))
	}
	blocks[uint32(uintptr(p))] = b
	return p
}

// block returns the n bytes at addr, a block cabi_realloc handed out.
func block(addr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, ok := blocks[addr]
	if !ok || uint64(n) > 8*uint64(len(b)) {
		panic("nano:process: the host returned memory cabi_realloc did not allocate")
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// liftString copies the string of n bytes at addr.
func liftString(addr, n uint32) string { return string(block(addr, n)) }

// release lets the collector have the blocks of the call just lifted.
func release() { clear(blocks) }
