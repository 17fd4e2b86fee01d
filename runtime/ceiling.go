package runtime

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// pageSize is the size of a WebAssembly page.
const pageSize = 65536

// MemoryCeiling returns an allocator that backs each linear memory with
// inner (Go slices if inner is nil) and never lets it grow past limit bytes,
// rounded down to whole pages. Past the ceiling, Reallocate returns nil and
// wazero makes memory.grow return -1 to the guest; the inner allocator is
// not asked.
//
// wazero takes the allocator from the context of each instantiation
// (experimental.WithMemoryAllocator), so two nanoprocesses of one runtime
// can have different ceilings. A memory whose declared minimum is above the
// ceiling cannot be refused through the allocator: wazero v1.12.0 would
// panic. Instantiate it with InstantiateWithCeiling, which refuses it.
func MemoryCeiling(inner experimental.MemoryAllocator, limit uint64) experimental.MemoryAllocator {
	return &ceiling{inner: inner, limit: limit &^ (pageSize - 1)}
}

type ceiling struct {
	inner experimental.MemoryAllocator
	limit uint64
}

// Allocate implements experimental.MemoryAllocator. The inner allocator is
// told the smaller of the module's maximum and the ceiling.
func (c *ceiling) Allocate(capacity, max uint64) experimental.LinearMemory {
	max = min(max, c.limit)
	capacity = min(capacity, max)
	m := &ceilingMemory{limit: c.limit}
	if c.inner != nil {
		m.inner = c.inner.Allocate(capacity, max)
	} else {
		m.inner = &sliceMemory{capacity: capacity}
	}
	return m
}

// A ceilingMemory is a linear memory under a ceiling.
type ceilingMemory struct {
	inner   experimental.LinearMemory
	limit   uint64
	started bool // the first Reallocate, of the minimum, has happened
}

// Reallocate implements experimental.LinearMemory.
func (m *ceilingMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		if !m.started {
			// wazero asks for the declared minimum first and does not check
			// for nil: it would index the nil slice. Unwind to
			// InstantiateWithCeiling instead, which makes it an error.
			panic(&MinimumError{Min: size, Ceiling: m.limit})
		}
		return nil
	}
	m.started = true
	return m.inner.Reallocate(size)
}

// Free implements experimental.LinearMemory.
func (m *ceilingMemory) Free() { m.inner.Free() }

// A sliceMemory is a memory in a Go slice, as wazero's own without an
// allocator.
type sliceMemory struct {
	buf      []byte
	capacity uint64
}

func (m *sliceMemory) Reallocate(size uint64) []byte {
	switch {
	case m.buf == nil:
		m.buf = make([]byte, size, max(size, m.capacity))
	case size <= uint64(cap(m.buf)):
		m.buf = m.buf[:size]
	default:
		m.buf = append(m.buf, make([]byte, size-uint64(len(m.buf)))...)
	}
	return m.buf
}

func (m *sliceMemory) Free() { m.buf = nil }

// A MinimumError reports a module whose declared minimum memory is above
// its nanoprocess's ceiling: it does not start.
type MinimumError struct {
	Min, Ceiling uint64 // bytes
}

// Error returns the message of the MinimumError.
func (e *MinimumError) Error() string {
	return fmt.Sprintf("memory minimum of %d pages (%s) exceeds the ceiling of %d pages (%s)",
		e.Min/pageSize, size(e.Min), e.Ceiling/pageSize, size(e.Ceiling))
}

// size formats bytes as nano's flags write them.
func size(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	default:
		return fmt.Sprintf("%dKiB", n>>10)
	}
}

// InstantiateWithCeiling instantiates compiled in r with its memory drawn
// from inner under a ceiling of limit bytes (see MemoryCeiling). A module
// whose declared minimum is above the ceiling does not start: the error is
// a *MinimumError, and nothing of the module is left in r.
func InstantiateWithCeiling(ctx context.Context, r wazero.Runtime, compiled wazero.CompiledModule, cfg wazero.ModuleConfig, inner experimental.MemoryAllocator, limit uint64) (mod api.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(*MinimumError)
			if !ok {
				panic(p)
			}
			// wazero v1.12.0 builds the memory before it registers the
			// module or runs any of its code, holding no lock: there is
			// nothing to undo.
			mod, err = nil, fmt.Errorf("instantiate: %w", e)
		}
	}()
	ctx = experimental.WithMemoryAllocator(ctx, MemoryCeiling(inner, limit))
	return r.InstantiateModule(ctx, compiled, cfg)
}
