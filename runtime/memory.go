package runtime

import (
	"math/bits"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// A memoryPool backs linear memories with buffers it reuses once a
// nanoprocess closes, so that instantiating many small nanoprocesses does
// not churn the garbage collector. A buffer is zeroed before reuse: nothing
// passes from one nanoprocess to the next.
type memoryPool struct {
	mu    sync.Mutex
	free  [48][][]byte // by capacity class: 1<<class bytes
	bytes int          // held in free
}

// memory is the one pool of the OS process: every Process draws from it,
// so that a run reuses the memories of the runs before it. It holds at
// most maxPooled bytes.
var memory memoryPool

// maxPooled bounds the bytes a pool holds for reuse.
const maxPooled = 64 << 20

// Allocate implements experimental.MemoryAllocator.
func (p *memoryPool) Allocate(_, max uint64) experimental.LinearMemory {
	return &linearMemory{pool: p, max: max}
}

func class(size uint64) int {
	if size <= 1 {
		return 0
	}
	return bits.Len64(size - 1)
}

// get returns a zeroed buffer of length size.
func (p *memoryPool) get(size uint64) []byte {
	c := class(size)
	p.mu.Lock()
	if n := len(p.free[c]); n > 0 {
		buf := p.free[c][n-1]
		p.free[c] = p.free[c][:n-1]
		p.bytes -= cap(buf)
		p.mu.Unlock()
		return buf[:size]
	}
	p.mu.Unlock()
	return make([]byte, size, 1<<c)
}

// put zeroes a buffer and keeps it for reuse, if there is room.
func (p *memoryPool) put(buf []byte) {
	c := class(uint64(cap(buf)))
	if buf == nil || cap(buf) != 1<<c {
		return // not one of ours
	}
	p.mu.Lock()
	full := p.bytes+cap(buf) > maxPooled
	p.mu.Unlock()
	if full {
		return // the garbage collector has it
	}
	clear(buf[:cap(buf)])
	p.mu.Lock()
	if p.bytes+cap(buf) <= maxPooled {
		p.free[c] = append(p.free[c], buf[:0])
		p.bytes += cap(buf)
	}
	p.mu.Unlock()
}

// A linearMemory is one nanoprocess's memory.
type linearMemory struct {
	pool *memoryPool
	buf  []byte
	max  uint64
}

// Reallocate implements experimental.LinearMemory: it grows the memory to
// size bytes, keeping its contents; new bytes are zero.
func (m *linearMemory) Reallocate(size uint64) []byte {
	switch {
	case size > m.max:
		return nil
	case m.buf == nil:
		m.buf = m.pool.get(size)
	case size <= uint64(cap(m.buf)):
		m.buf = m.buf[:size] // bytes past the old length are still zero
	default:
		grown := m.pool.get(size)
		copy(grown, m.buf)
		m.pool.put(m.buf)
		m.buf = grown
	}
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *linearMemory) Free() {
	m.pool.put(m.buf)
	m.buf = nil
}
