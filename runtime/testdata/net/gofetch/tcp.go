package main

// Bindings for nano:net/tcp@0.1.0 (nano wit nano:net), written by hand
// for the standard Go toolchain, as testdata/jobs/orch binds
// nano:process: each function is imported with the core signature its WIT
// lowers to by the canonical ABI, a result through a return area, and the
// strings and lists nano returns are allocated in this module's memory
// through its cabi_realloc, called back from inside the import call.

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"structs"
	"time"
	"unsafe"
)

// ret12 is the return area of result<u32, string> and
// result<list<u8>, string>: the case in a byte (0 ok, 1 err), then at
// offset 4 the u32, or the address and length of the list or string.
type ret12 struct {
	_   structs.HostLayout
	tag uint8
	_   [3]uint8
	a   uint32
	b   uint32
}

// connect: func(host: string, port: u16) -> result<u32, string>
//
//go:wasmimport nano:net/tcp@0.1.0 connect
func importConnect(host string, port uint32, ret *ret12)

// send: func(conn: u32, data: list<u8>) -> result<u32, string>
//
//go:wasmimport nano:net/tcp@0.1.0 send
func importSend(conn uint32, data unsafe.Pointer, n uint32, ret *ret12)

// recv: func(conn: u32, max: u32) -> result<list<u8>, string>
//
//go:wasmimport nano:net/tcp@0.1.0 recv
func importRecv(conn, max uint32, ret *ret12)

// close: func(conn: u32)
//
//go:wasmimport nano:net/tcp@0.1.0 close
func importClose(conn uint32)

// A conn is a connection of nano:net/tcp as a net.Conn. Deadlines are
// not supported: nano ends a blocked call when the nanoprocess's time is
// up.
type conn struct {
	h     uint32
	addr  string
	wrote chan struct{} // closed at the first Write
}

// dial connects to addr, "HOST:PORT", through nano:net/tcp: the
// DialContext of an http.Transport.
func dial(_ context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, err
	}
	ret := new(ret12)
	importConnect(host, uint32(p), ret)
	runtime.KeepAlive(host)
	defer release()
	if ret.tag != 0 {
		return nil, errors.New(liftString(ret.a, ret.b))
	}
	return &conn{h: ret.a, addr: addr, wrote: make(chan struct{})}, nil
}

// Read reads what the peer sent, blocking the whole module until there is
// some: a wasip1 module has one thread. So that an HTTP client's reader
// does not block its own writer, it waits for the first Write.
func (c *conn) Read(p []byte) (int, error) {
	<-c.wrote
	if len(p) == 0 {
		return 0, nil
	}
	ret := new(ret12)
	importRecv(c.h, uint32(len(p)), ret)
	defer release()
	if ret.tag != 0 {
		return 0, errors.New(liftString(ret.a, ret.b))
	}
	if ret.b == 0 {
		return 0, io.EOF
	}
	return copy(p, block(ret.a, ret.b)), nil
}

// Write sends all of p.
func (c *conn) Write(p []byte) (int, error) {
	select {
	case <-c.wrote:
	default:
		close(c.wrote)
	}
	n := 0
	for n < len(p) {
		ret := new(ret12)
		importSend(c.h, unsafe.Pointer(unsafe.SliceData(p[n:])), uint32(len(p)-n), ret)
		runtime.KeepAlive(p)
		if ret.tag != 0 {
			err := errors.New(liftString(ret.a, ret.b))
			release()
			return n, err
		}
		n += int(ret.a)
	}
	return n, nil
}

func (c *conn) Close() error                       { importClose(c.h); return nil }
func (c *conn) LocalAddr() net.Addr                { return addr("nano") }
func (c *conn) RemoteAddr() net.Addr               { return addr(c.addr) }
func (c *conn) SetDeadline(t time.Time) error      { return nil }
func (c *conn) SetReadDeadline(t time.Time) error  { return nil }
func (c *conn) SetWriteDeadline(t time.Time) error { return nil }

// An addr is a connection's end, as its text.
type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }

// blocks are the blocks cabi_realloc handed the host during the current
// call, by address, referenced from here until the call's result is
// lifted (release).
var blocks = map[uint32][]uint64{}

// cabiRealloc is cabi_realloc, how nano allocates in this memory the
// strings and lists it returns.
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
		panic("nano:net: the host returned memory cabi_realloc did not allocate")
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// liftString copies the string of n bytes at addr.
func liftString(addr, n uint32) string { return string(block(addr, n)) }

// release lets the collector have the blocks of the call just lifted.
func release() { clear(blocks) }
