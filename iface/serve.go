package iface

import (
	"context"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/api"
)

// A HostImpl implements a WIT function in Go for the guest that calls it:
// args are the lifted arguments, as Lift returns them except that a
// list<u8> is a []byte, and it returns the results to lower, as Lower
// takes them. An error traps the caller: it is for bugs and broken
// callers, never for refusals, which a WIT function reports in its results
// (result<_, string>).
type HostImpl func(ctx context.Context, caller api.Module, args []Value) ([]Value, error)

// Serve returns a host function that serves f to core modules importing it
// with the canonical ABI (f.CoreImport): it lifts the arguments from the
// caller's flat values or memory, calls impl, and lowers the results into
// the caller's flat results or, through the return pointer, its memory,
// allocating strings and lists with the caller's cabi_realloc. It is the
// adapter's direction reversed, with the host on the other side; every
// value is checked as the adapter checks it, and a malformed one traps the
// caller with a *CallError naming the argument.
//
// callers, if not nil, keeps what a call needs of each caller module (its
// memory and cabi_realloc) from its first call on: share one among the
// functions of a host API, and Forget each module when it closes.
func Serve(f *Func, name string, impl HostImpl, callers *Callers) (api.GoModuleFunc, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	params, results := compile(paramTuple(f)), compile(resultTuple(f))
	coreParams, _ := f.CoreImport()
	inMem, outMem := f.paramsInMemory(), f.resultsInMemory()
	needMem := inMem || outMem || params.hasMemory() || results.hasMemory()
	needRealloc := results.hasMemory()
	return func(ctx context.Context, caller api.Module, stack []uint64) {
		if err := serve(ctx, caller, stack, f, name, impl, callers, params, results, len(coreParams), inMem, outMem, needMem, needRealloc); err != nil {
			panic(err)
		}
	}, nil
}

// serve is one call of a function that Serve serves.
func serve(ctx context.Context, caller api.Module, stack []uint64, f *Func, name string, impl HostImpl, callers *Callers,
	params, results *layout, nparams int, inMem, outMem, needMem, needRealloc bool) (err error) {
	defer recoverBug(name, &err)
	s, err := callers.side(caller, needMem, needRealloc)
	if err != nil {
		return callError(name, err)
	}
	s.refresh()
	h := host{ctx: ctx, s: s, bytes: true}
	args := make([]Value, len(f.Params))
	if inMem {
		p := uint32(stack[0])
		if bad := s.span(p, params.align, uint64(params.size)); bad != "" {
			return callError(name, errorf("arguments at 0x%x %s", p, bad))
		}
		for i := range params.fields {
			pf := &params.fields[i]
			if args[i], err = h.load(pf.l, p+pf.off); err != nil {
				return callError(name, within(err, "argument "+pf.name))
			}
		}
	} else {
		for i := range params.fields {
			pf := &params.fields[i]
			if args[i], err = h.lift(pf.l, stack[pf.flat:]); err != nil {
				return callError(name, within(err, "argument "+pf.name))
			}
		}
	}
	res, err := impl(ctx, caller, args)
	if err != nil {
		return err
	}
	if len(res) != len(f.Results) {
		return fmt.Errorf("%s: the host returned %d results, want %d", name, len(res), len(f.Results))
	}
	if !outMem {
		for i := range results.fields {
			rf := &results.fields[i]
			if err := h.lower(rf.l, res[i], stack[rf.flat:]); err != nil {
				return callError(name, within(err, "result"))
			}
		}
		return nil
	}
	// Memory only grows, so a return pointer in bounds now stays in
	// bounds while strings and lists are allocated; store reads the
	// caller's memory afresh after each allocation.
	ret := uint32(stack[nparams-1])
	if bad := s.span(ret, results.align, uint64(results.size)); bad != "" {
		return callError(name, errorf("return pointer 0x%x %s", ret, bad))
	}
	for i := range results.fields {
		rf := &results.fields[i]
		if err := h.store(rf.l, res[i], ret+rf.off); err != nil {
			return callError(name, within(err, "result"))
		}
	}
	return nil
}

// Callers caches, for Serve, what calls need of each caller module. A
// module calls one host function at a time, so its cached side is never
// used by two calls at once.
type Callers struct{ sides sync.Map }

// Forget drops what the cache holds of m, which has closed.
func (c *Callers) Forget(m api.Module) {
	if c != nil {
		c.sides.Delete(m)
	}
}

// side returns caller's end of a call, cached when c is not nil.
func (c *Callers) side(caller api.Module, needMem, needRealloc bool) (*memSide, error) {
	if c != nil {
		if v, ok := c.sides.Load(caller); ok {
			s := v.(*memSide)
			return s, s.check(needMem, needRealloc)
		}
	}
	s, err := newSide(moduleName(caller), caller, false, false)
	if err != nil {
		return nil, err // a cabi_realloc of the wrong type
	}
	if c != nil {
		c.sides.Store(caller, &s)
	}
	return &s, s.check(needMem, needRealloc)
}

// Ok returns the results of a host function whose one result is a
// result<T, string>: ok(v).
func Ok(v Value) []Value { return []Value{ResultValue{Value: v}} }

// Refuse returns the results of a host function whose one result is a
// result<T, string>: err with err's text, the way host APIs refuse.
func Refuse(err error) []Value { return []Value{ResultValue{Err: true, Value: err.Error()}} }
