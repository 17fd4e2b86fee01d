// Package handles keeps the handles host APIs give guests: numbers per
// calling module, from 1, never reused by that module, so that a number is
// valid only in the module it was given to.
package handles

import (
	"sync"

	"github.com/tetratelabs/wazero/api"
)

// A Table maps each caller's handles to their values. It is safe for
// concurrent use.
type Table[T any] struct {
	mu      sync.Mutex
	callers map[api.Module]*entries[T]
}

type entries[T any] struct {
	next   uint32
	values map[uint32]T
}

// entriesOf returns caller's entries, made if it has none. t.mu is held.
func (t *Table[T]) entriesOf(caller api.Module) *entries[T] {
	if t.callers == nil {
		t.callers = map[api.Module]*entries[T]{}
	}
	e := t.callers[caller]
	if e == nil {
		e = &entries[T]{values: map[uint32]T{}}
		t.callers[caller] = e
	}
	return e
}

// Add gives v to caller under a new handle, unless caller holds max or
// more values already (max 0: no limit); ok is false then.
func (t *Table[T]) Add(caller api.Module, v T, max int) (n uint32, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entriesOf(caller)
	if max > 0 && len(e.values) >= max {
		return 0, false
	}
	e.next++
	e.values[e.next] = v
	return e.next, true
}

// Get returns caller's value under handle n.
func (t *Table[T]) Get(caller api.Module, n uint32) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var v T
	e := t.callers[caller]
	if e == nil {
		return v, false
	}
	v, ok := e.values[n]
	return v, ok
}

// Remove drops caller's value under handle n and returns it; the handle is
// not given again.
func (t *Table[T]) Remove(caller api.Module, n uint32) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var v T
	e := t.callers[caller]
	if e == nil {
		return v, false
	}
	v, ok := e.values[n]
	delete(e.values, n)
	return v, ok
}

// All returns caller's values; with remove, it drops them too (their
// handles are not given again).
func (t *Table[T]) All(caller api.Module, remove bool) []T {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.callers[caller]
	if e == nil {
		return nil
	}
	out := make([]T, 0, len(e.values))
	for n, v := range e.values {
		out = append(out, v)
		if remove {
			delete(e.values, n)
		}
	}
	return out
}

// Forget drops everything of caller, its count of handles included: for
// a module that has closed.
func (t *Table[T]) Forget(caller api.Module) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.callers, caller)
}

// Len returns how many values caller holds.
func (t *Table[T]) Len(caller api.Module) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.callers[caller]; e != nil {
		return len(e.values)
	}
	return 0
}
