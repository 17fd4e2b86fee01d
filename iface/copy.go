package iface

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// An Adapter calls one WIT function of a callee nanoprocess on behalf of a
// caller nanoprocess. The two never share memory: the adapter lifts each
// argument out of the caller's memory and lowers it into the callee's in
// one fused copy, memory to memory, with no Go values in between (strings
// and lists of plain numbers in one memmove each), calls the callee's
// export, and copies the results back the same way, as the canonical ABI
// prescribes for a canon lower bound to a canon lift.
//
// Everything the adapter reads from a guest is checked: pointers and
// lengths against the memory's bounds and the type's alignment, strings as
// UTF-8, chars as Unicode scalar values, bools as 0 or 1 (stricter than the
// canonical ABI, which reads any other value as true), discriminants
// against the number of cases, the pointers each cabi_realloc returns. A
// violation is a *CallError naming the function and what was wrong; the
// adapter never writes outside the memory it was given to write: the
// allocations it asked for, and the caller's return area. It normalizes
// what the receiver must not see: the high bits of narrow integers and of
// variant slots, unused variant slots, bits past a flags type's names, and
// the padding inside records, which it zeroes rather than copy. Floats are
// copied bit for bit, NaN payloads included, as the canonical ABI allows.
// A string is checked as it is copied, in one pass over its bytes, into
// the room the receiver allocated for it; an invalid string fails the call
// before the receiver runs again.
//
// NewAdapter compiles the copy once, into code specialized to the
// function's types; a call then runs only that code, between the four
// calls into the guests that the canonical ABI requires for a string
// argument and a string result (the callee's cabi_realloc, the export,
// the caller's cabi_realloc, cabi_post_*). After each of them the adapter
// fetches again the memory of the module it called, if it grew, the only
// way wazero tells; a call into one module cannot grow the other's (see
// memSide.refresh).
//
// An Adapter is not safe for concurrent use, as the modules it links are
// not.
type Adapter struct {
	// Name prefixes every error: the callee's export name
	// ("acme:zip/unpack@1.4.0#extract") unless set.
	Name string

	params       *layout // the parameters, as a tuple
	results      *layout // the results, as a tuple
	paramsInMem  bool
	resultsInMem bool
	argMem       bool     // copying the arguments touches memory
	resMem       bool     // copying the results touches memory
	argOps       []flatOp // copy the flat arguments
	resOps       []flatOp // copy the flat results
	nimport      int      // core parameters of the import

	caller, callee memSide
	down, up       copier // the caller to the callee, and back
	export, post   api.Function
	cstack         []uint64 // the export's, then cabi_post's, stack
	busy           bool
	argString      bool // the arguments are one string, flat
	resString      bool // the results are one string, in memory
}

// A CallError is a call between nanoprocesses that broke the canonical
// ABI: "acme:zip/unpack@1.4.0#extract: argument archive: list of
// 4294967295 u8 at 0x10 is out of bounds of the caller's memory (65536
// bytes)".
type CallError struct {
	// Func is the function, as the adapter's Name or the export's name.
	Func string
	// Msg says where in which value and what was wrong.
	Msg string
	// Err is the error of a guest call that failed on the way (a
	// cabi_realloc that trapped), or nil.
	Err error
}

// Error returns the message of the CallError.
func (e *CallError) Error() string {
	if e.Err != nil {
		return e.Func + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Func + ": " + e.Msg
}

// Unwrap returns the error underneath.
func (e *CallError) Unwrap() error { return e.Err }

// NewAdapter prepares the adapter for f, calling callee's export named
// exportName (e.g. "acme:zip/unpack@1.4.0#extract"), its cabi_realloc and,
// if exported, cabi_post_<exportName>. The caller must export cabi_realloc
// if any result needs memory in the caller (strings and lists in results),
// and memory if any value passes through it; the callee likewise. Every
// signature is checked against the canonical ABI's.
func NewAdapter(f *Func, caller, callee api.Module, exportName string) (*Adapter, error) {
	if caller == nil || callee == nil {
		return nil, errors.New("adapter needs both a caller and a callee module")
	}
	if caller == callee {
		return nil, errors.New("a module cannot be its own callee through an adapter")
	}
	if err := f.Check(); err != nil { // malformed, or past the caps
		return nil, err
	}
	a := &Adapter{
		Name:         exportName,
		params:       compile(paramTuple(f)),
		results:      compile(resultTuple(f)),
		paramsInMem:  f.paramsInMemory(),
		resultsInMem: f.resultsInMemory(),
	}
	a.resString = a.resultsInMem && len(a.results.fields) == 1 && a.results.fields[0].l.kind == String
	ip, _ := f.CoreImport()
	a.nimport = len(ip)
	ep, er := f.CoreExport()
	a.export = callee.ExportedFunction(exportName)
	if a.export == nil {
		return nil, fmt.Errorf("callee exports no function %q", exportName)
	}
	if err := checkSig("callee's "+exportName, a.export, ep, er); err != nil {
		return nil, err
	}
	a.cstack = make([]uint64, max(len(ep), len(er), 1))
	if post := callee.ExportedFunction("cabi_post_" + exportName); post != nil {
		if err := checkSig("callee's cabi_post_"+exportName, post, er, nil); err != nil {
			return nil, err
		}
		a.post = post
	}
	argMem := a.params.hasMemory()
	resMem := a.results.hasMemory()
	a.argMem = argMem || a.paramsInMem
	a.resMem = resMem || a.resultsInMem
	if !a.paramsInMem {
		a.argOps = flatProgram(a.params, "argument ")
		a.argString = len(a.argOps) == 1 && a.argOps[0].op == opString && len(a.argOps[0].path) == 1
	}
	if !a.resultsInMem {
		a.resOps = flatProgram(a.results, "")
	}
	var err error
	a.caller, err = newSide("caller", caller, argMem || a.paramsInMem || a.resultsInMem, resMem)
	if err != nil {
		return nil, err
	}
	a.callee, err = newSide("callee", callee, argMem || a.paramsInMem || a.resultsInMem, argMem || a.paramsInMem)
	if err != nil {
		return nil, err
	}
	if a.caller.mem != nil && a.caller.mem == a.callee.mem {
		a.caller.twin, a.callee.twin = &a.callee, &a.caller
	}
	a.down = copier{src: &a.caller, dst: &a.callee}
	a.up = copier{src: &a.callee, dst: &a.caller}
	return a, nil
}

func paramTuple(f *Func) *Type {
	return &Type{Kind: Tuple, Fields: f.Params}
}

// resultTuple returns the results as a tuple whose elements are named
// "result", or "result 0", "result 1"... for errors.
func resultTuple(f *Func) *Type {
	t := &Type{Kind: Tuple}
	for i, r := range f.Results {
		name := "result"
		if len(f.Results) > 1 {
			name += " " + strconv.Itoa(i)
		}
		t.Fields = append(t.Fields, Field{Name: name, Type: r})
	}
	return t
}

// checkSig checks that fn has the core signature params -> results.
func checkSig(what string, fn api.Function, params, results []api.ValueType) error {
	d := fn.Definition()
	if !sameTypes(d.ParamTypes(), params) || !sameTypes(d.ResultTypes(), results) {
		return fmt.Errorf("%s has core type %s, want %s", what, coreSig(d.ParamTypes(), d.ResultTypes()), coreSig(params, results))
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func coreSig(params, results []api.ValueType) string {
	var b strings.Builder
	b.WriteString("(func")
	for i, list := range [][]api.ValueType{params, results} {
		if len(list) == 0 {
			continue
		}
		b.WriteString([]string{" (param", " (result"}[i])
		for _, t := range list {
			b.WriteString(" " + api.ValueTypeName(t))
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// Call runs the adapter: stack holds the caller's flattened arguments
// (f.CoreImport's parameters) and receives its results, as for a wazero
// api.GoModuleFunction. A violation of the canonical ABI is a *CallError;
// a trap in the callee is returned as wazero reports it.
func (a *Adapter) Call(ctx context.Context, stack []uint64) (err error) {
	if a.busy {
		return &CallError{Func: a.Name, Msg: "re-entered while copying values (a cabi_realloc may not call imports)"}
	}
	a.busy = true
	defer a.finish(&err)
	err = a.call(ctx, stack)
	// Returned: finish need not recover, which costs as much as a copy
	// of a few hundred bytes even when nothing panicked.
	a.busy = false
	a.down.ctx, a.up.ctx = nil, nil
	return err
}

// call is Call, once the adapter is marked busy.
func (a *Adapter) call(ctx context.Context, stack []uint64) error {
	if a.argMem || a.resMem {
		// The caller's memory may have grown since the last call. The
		// callee's is fetched again when the adapter allocates in it,
		// before anything is written there.
		a.caller.refresh()
	}
	c := &a.down
	c.ctx = ctx
	if a.argString {
		// The one argument is a string: what its flatOp does, inline.
		n := uint32(stack[1])
		p, err := c.str(uint32(stack[0]), n)
		if err != nil {
			return a.fail(within(err, a.argOps[0].path[0]))
		}
		a.cstack[0], a.cstack[1] = uint64(p), uint64(n)
	} else if !a.paramsInMem {
		if err := c.run(a.argOps, stack, a.cstack); err != nil {
			return a.fail(err)
		}
	} else {
		p := uint32(stack[0])
		if align, size := a.params.align, uint64(a.params.size); !a.caller.in(p, align, size) {
			return a.fail(errorf("arguments at 0x%x %s", p, a.caller.span(p, align, size)))
		}
		d, err := a.callee.alloc(ctx, a.params.align, a.params.size)
		if err != nil {
			return a.fail(within(err, "arguments"))
		}
		for i := range a.params.fields {
			f := &a.params.fields[i]
			if err := f.l.copyMem(c, p+f.off, d+f.off); err != nil {
				return a.fail(within(err, "argument "+f.name))
			}
		}
		a.cstack[0] = uint64(d)
	}

	if err := a.export.CallWithStack(ctx, a.cstack); err != nil {
		return err
	}

	if a.resMem {
		// Only the callee ran: only its memory can have grown, and the
		// caller's if it is the same memory.
		a.callee.refresh()
	}
	c = &a.up
	c.ctx = ctx
	if a.resultsInMem {
		p := uint32(a.cstack[0])
		align, size := a.results.align, uint64(a.results.size)
		if !a.callee.in(p, align, size) {
			return a.fail(errorf("results at 0x%x returned by the callee %s", p, a.callee.span(p, align, size)))
		}
		ret := uint32(stack[a.nimport-1])
		if !a.caller.in(ret, align, size) {
			return a.fail(errorf("return area at 0x%x given by the caller %s", ret, a.caller.span(ret, align, size)))
		}
		if a.resString {
			// The one result is a string: what its copyMem does, inline.
			b := a.callee.buf
			n := le32(b, p+4)
			q, err := c.str(le32(b, p), n)
			if err != nil {
				return a.fail(within(err, a.results.fields[0].name))
			}
			binary.LittleEndian.PutUint32(a.caller.buf[ret:], q)
			binary.LittleEndian.PutUint32(a.caller.buf[ret+4:], n)
		} else {
			for i := range a.results.fields {
				f := &a.results.fields[i]
				if err := f.l.copyMem(c, p+f.off, ret+f.off); err != nil {
					return a.fail(within(err, f.name))
				}
			}
		}
	} else if err := c.run(a.resOps, a.cstack, stack); err != nil {
		return a.fail(err)
	}

	if a.post != nil {
		// cabi_post takes the export's results, left on its stack.
		if err := a.post.CallWithStack(ctx, a.cstack); err != nil {
			return err
		}
	}
	return nil
}

func (a *Adapter) fail(err error) error { return callError(a.Name, err) }

// finish, deferred by Call, marks the adapter free again if Call did not
// return (a panic, or runtime.Goexit), and turns a runtime panic (a bug: every access to guest memory is checked first)
// into a *CallError rather than crash the host. It calls recover itself:
// recover stops a panic only when a deferred function calls it directly.
func (a *Adapter) finish(err *error) {
	if !a.busy {
		return // Call returned
	}
	a.busy = false
	a.down.ctx, a.up.ctx = nil, nil
	if r := recover(); r != nil {
		*err = bugError(a.Name, r)
	}
}

// recoverBug, deferred, turns a runtime panic into a *CallError, as
// finish does.
func recoverBug(name string, err *error) {
	if r := recover(); r != nil {
		*err = bugError(name, r)
	}
}

// bugError returns the *CallError of a runtime panic r, and panics again
// with anything else.
func bugError(name string, r any) error {
	re, ok := r.(runtime.Error)
	if !ok {
		panic(r)
	}
	return &CallError{Func: name, Msg: "internal error: " + re.Error()}
}

func callError(name string, err error) error {
	if e, ok := err.(*abiError); ok {
		return &CallError{Func: name, Msg: e.text(), Err: e.err}
	}
	return err
}

// abiError is an error found while copying, with the path to the value it
// is in, innermost first, built on the way out.
type abiError struct {
	path []string
	msg  string
	err  error
}

// Error returns the message of the abiError.
func (e *abiError) Error() string { return e.text() }

func (e *abiError) text() string {
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		b.WriteString(e.path[i])
		b.WriteString(": ")
	}
	b.WriteString(e.msg)
	return b.String()
}

func errorf(format string, args ...any) error {
	return &abiError{msg: fmt.Sprintf(format, args...)}
}

// within adds seg to the path of an *abiError.
func within(err error, seg string) error {
	if e, ok := err.(*abiError); ok {
		e.path = append(e.path, seg)
	}
	return err
}

// A memSide is one module's end of a copy: its memory, as a byte slice
// fetched again after every guest call, which may grow it, and its
// cabi_realloc.
type memSide struct {
	who     string
	mem     api.Memory
	buf     []byte
	realloc api.Function
	rstack  []uint64
	// twin is the other side if the two modules share one memory, which
	// a guest call into either may grow; nil otherwise.
	twin *memSide
}

// newSide prepares m's end of a copy; it needs m's memory if needMem, and
// its cabi_realloc if needRealloc.
func newSide(who string, m api.Module, needMem, needRealloc bool) (memSide, error) {
	s := memSide{who: who, mem: m.Memory(), rstack: make([]uint64, 4)}
	if s.mem == nil && (needMem || needRealloc) {
		return s, fmt.Errorf("%s exports no memory", who)
	}
	s.realloc = m.ExportedFunction("cabi_realloc")
	if s.realloc == nil {
		if needRealloc {
			return s, fmt.Errorf("%s exports no cabi_realloc", who)
		}
	} else if err := checkSig(who+"'s cabi_realloc", s.realloc, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}); err != nil {
		return s, err
	}
	return s, nil
}

// check reports what s lacks, of its memory if needMem and its
// cabi_realloc if needRealloc.
func (s *memSide) check(needMem, needRealloc bool) error {
	if s.mem == nil && (needMem || needRealloc) {
		return fmt.Errorf("%s exports no memory", s.who)
	}
	if s.realloc == nil && needRealloc {
		return fmt.Errorf("%s exports no cabi_realloc", s.who)
	}
	return nil
}

// refresh fetches the memory again if it grew (and the other side's, if
// they share it): wazero replaces a memory's buffer only when it grows. (A
// memory of 4 GiB, whose size wazero reports as 0, is seen as empty: every
// access to it is out of bounds.)
//
// The adapter refreshes a side only after a call into that side's module:
// the callee's cabi_realloc, export and cabi_post can grow only the
// callee's memory, the caller's cabi_realloc only the caller's, as the
// linker links nanoprocesses in a tree, where no module calls back into
// one that called it, and gives each its own memory. A view kept across a
// grow would write into a buffer that the linker's memory pool may have
// handed to another nanoprocess.
func (s *memSide) refresh() {
	if s.mem != nil {
		if n := s.mem.Size(); n != uint32(len(s.buf)) || s.buf == nil {
			s.buf, _ = s.mem.Read(0, n)
		}
	}
	if s.twin != nil {
		s.twin.fetch()
	}
}

func (s *memSide) fetch() {
	if s.mem != nil {
		if n := s.mem.Size(); n != uint32(len(s.buf)) || s.buf == nil {
			s.buf, _ = s.mem.Read(0, n)
		}
	}
}

// in reports whether size bytes at p, aligned to align, are in s's memory.
func (s *memSide) in(p, align uint32, size uint64) bool {
	return p&(align-1) == 0 && uint64(p)+size <= uint64(len(s.buf))
}

// span checks that size bytes at p, aligned to align, are in s's memory;
// it returns what is wrong, or "".
func (s *memSide) span(p, align uint32, size uint64) string {
	if p&(align-1) != 0 {
		return "is not aligned to " + strconv.Itoa(int(align))
	}
	if uint64(p)+size > uint64(len(s.buf)) {
		return "is out of bounds of the " + s.who + "'s memory (" + strconv.Itoa(len(s.buf)) + " bytes)"
	}
	return ""
}

// alloc allocates size bytes aligned to align with s's cabi_realloc and
// checks what it returns.
func (s *memSide) alloc(ctx context.Context, align, size uint32) (uint32, error) {
	if s.realloc == nil {
		return 0, errorf("the %s exports no cabi_realloc", s.who)
	}
	st := s.rstack
	st[0], st[1], st[2], st[3] = 0, 0, uint64(align), uint64(size)
	if err := s.realloc.CallWithStack(ctx, st); err != nil {
		return 0, &abiError{msg: "the " + s.who + "'s cabi_realloc failed", err: err}
	}
	p := uint32(st[0])
	s.refresh()
	if p&(align-1) != 0 {
		return 0, errorf("the %s's cabi_realloc(0, 0, %d, %d) returned 0x%x, not aligned to %d", s.who, align, size, p, align)
	}
	if uint64(p)+uint64(size) > uint64(len(s.buf)) {
		return 0, errorf("the %s's cabi_realloc(0, 0, %d, %d) returned 0x%x, out of bounds of its memory (%d bytes)", s.who, align, size, p, len(s.buf))
	}
	return p, nil
}

// A copier copies values of one type from one module to another: lifts
// them from src and lowers them into dst at once.
type copier struct {
	ctx      context.Context
	src, dst *memSide
}

// layout is a Type compiled for copying: sizes, offsets and positions
// among flat values computed once, and the code that copies its values,
// specialized to the type.
type layout struct {
	t      *Type
	kind   Kind
	size   uint32
	align  uint32
	nflat  int
	blit   bool   // plain numbers: its bytes are its value, but for holes
	holes  []hole // padding in a blit record, zeroed when copied
	elem   *layout
	fields []fieldLayout
	cases  []*layout // payloads, nil for none
	names  []string  // case names
	disc   uint32    // discriminant size
	payOff uint32    // payload offset
	mask   []uint32  // flags: the valid bits of each i32

	// copyFlat copies a value from the flat values in to those of out (both
	// starting at its first): the two modules flatten it alike, but each
	// value is checked, narrow integers are normalized and the unused
	// slots of a variant are zeroed, as lift_flat then lower_flat do.
	copyFlat func(c *copier, in, out []uint64) error
	// copyMem copies a value from s in the source memory to d in the
	// destination memory; both are aligned and in bounds.
	copyMem func(c *copier, s, d uint32) error
}

// A hole is padding in a record: the adapter never copies padding from one
// nanoprocess to another, where it could leak what the sender left there.
type hole struct{ off, len uint32 }

type fieldLayout struct {
	name string
	off  uint32 // offset in memory
	flat int    // index among the flat values
	l    *layout
}

// compile compiles t and the types in it, each once.
func compile(t *Type) *layout { return compiler{}.compile(t) }

// A compiler keeps the layout of each type it compiled, so that a type
// named in many places (an alias used in every field) is compiled once.
type compiler map[*Type]*layout

func (cm compiler) compile(t *Type) *layout {
	if l, ok := cm[t]; ok {
		return l
	}
	l := &layout{t: t, kind: t.Kind, size: t.Size(), align: t.Align(), nflat: t.flatCount()}
	switch t.Kind {
	case S8, U8, S16, U16, S32, U32, S64, U64, F32, F64:
		l.blit = true
	case List:
		l.elem = cm.compile(t.Elem)
	case Record, Tuple:
		off, flat := uint32(0), 0
		l.blit = true
		for i, f := range t.Fields {
			fl := cm.compile(f.Type)
			if a := alignTo(off, fl.align); a > off {
				l.holes = append(l.holes, hole{off, a - off})
				off = a
			}
			name := "field " + f.Name
			if t.Kind == Tuple {
				name = "element " + strconv.Itoa(i)
				if f.Name != "" {
					name = f.Name // parameters and results
				}
			}
			l.fields = append(l.fields, fieldLayout{name: name, off: off, flat: flat, l: fl})
			for _, h := range fl.holes {
				l.holes = append(l.holes, hole{off + h.off, h.len})
			}
			off += fl.size
			flat += fl.nflat
			l.blit = l.blit && fl.blit
		}
		if off < l.size {
			l.holes = append(l.holes, hole{off, l.size - off})
		}
	case Variant, Enum, Option, Result:
		ps := t.payloads()
		l.disc = discSize(len(ps))
		l.payOff = t.payloadOffset()
		for i, p := range ps {
			var pl *layout
			if p != nil {
				pl = cm.compile(p)
			}
			l.cases = append(l.cases, pl)
			switch t.Kind {
			case Option:
				l.names = append(l.names, []string{"none", "some"}[i])
			case Result:
				l.names = append(l.names, []string{"ok", "err"}[i])
			default:
				l.names = append(l.names, t.Cases[i].Name)
			}
		}
	case Flags:
		n := len(t.Cases)
		for w := range flagWords(n) {
			m := ^uint32(0)
			if rest := n - 32*w; rest < 32 {
				m = 1<<rest - 1
			}
			l.mask = append(l.mask, m)
		}
	}
	l.copyFlat = l.flatCopy()
	l.copyMem = l.memCopy()
	cm[t] = l
	return l
}

// hasMemory reports whether values of the type hold strings or lists,
// which live in memory and need cabi_realloc to lower.
func (l *layout) hasMemory() bool {
	switch l.kind {
	case String, List:
		return true
	case Record, Tuple:
		for _, f := range l.fields {
			if f.l.hasMemory() {
				return true
			}
		}
	case Variant, Option, Result:
		for _, c := range l.cases {
			if c != nil && c.hasMemory() {
				return true
			}
		}
	}
	return false
}

func validChar(c uint32) bool { return c < 0xD800 || (c > 0xDFFF && c < 0x110000) }

func le16(b []byte, p uint32) uint16 { return binary.LittleEndian.Uint16(b[p:]) }
func le32(b []byte, p uint32) uint32 { return binary.LittleEndian.Uint32(b[p:]) }

// A flatOp is a step of a flat program: it copies the flat value at index
// at (two for a string or list) from one module's flat values to the
// other's.
type flatOp struct {
	op   uint8
	at   int
	mask uint64
	l    *layout  // opList: the list; opTree: the value
	path []string // the value's path, outermost first, for errors
}

const (
	opCopy   = iota // i64, f64: as is
	opMask          // u8, u16, u32, s32, f32, a flags word: the valid bits
	opS8            // s8: sign-extended to 32 bits
	opS16           // s16
	opString        // copied into memory the destination allocates
	opTree          // anything else (bool, char, list, variant): l.copyFlat
)

// flatProgram compiles the flat copy of the fields of a tuple into a
// straight list of steps, down to every number in its records; only
// variants, whose flat values depend on their case, are left to l.copyFlat.
// prefix starts each field's path ("argument ").
func flatProgram(t *layout, prefix string) []flatOp {
	var ops []flatOp
	var walk func(l *layout, at int, path []string)
	walk = func(l *layout, at int, path []string) {
		op := flatOp{at: at, l: l, path: path}
		switch l.kind {
		case S64, U64, F64:
			op.op = opCopy
		case U8:
			op.op, op.mask = opMask, 0xff
		case U16:
			op.op, op.mask = opMask, 0xffff
		case U32, S32, F32:
			op.op, op.mask = opMask, 0xffffffff
		case S8:
			op.op = opS8
		case S16:
			op.op = opS16
		case String:
			op.op = opString
		case Flags:
			for i, m := range l.mask {
				ops = append(ops, flatOp{op: opMask, at: at + i, mask: uint64(m), path: path})
			}
			return
		case Record, Tuple:
			for _, f := range l.fields {
				walk(f.l, at+f.flat, append(path[:len(path):len(path)], f.name))
			}
			return
		default:
			op.op = opTree
		}
		ops = append(ops, op)
	}
	for _, f := range t.fields {
		walk(f.l, f.flat, []string{prefix + f.name})
	}
	return ops
}

// run runs a flat program from in to out.
func (c *copier) run(ops []flatOp, in, out []uint64) error {
	for i := range ops {
		o := &ops[i]
		x := in[o.at]
		var err error
		switch o.op {
		case opCopy:
			out[o.at] = x
		case opMask:
			out[o.at] = x & o.mask
		case opS8:
			out[o.at] = uint64(uint32(int32(int8(x))))
		case opS16:
			out[o.at] = uint64(uint32(int32(int16(x))))
		case opString:
			n := uint32(in[o.at+1])
			var p uint32
			if p, err = c.str(uint32(x), n); err == nil {
				out[o.at], out[o.at+1] = uint64(p), uint64(n)
			}
		default:
			err = o.l.copyFlat(c, in[o.at:], out[o.at:])
		}
		if err != nil {
			for j := len(o.path) - 1; j >= 0; j-- {
				within(err, o.path[j])
			}
			return err
		}
	}
	return nil
}

// flatCopy returns l.copyFlat.
func (l *layout) flatCopy() func(c *copier, in, out []uint64) error {
	switch l.kind {
	case Bool:
		return func(_ *copier, in, out []uint64) error {
			v := uint32(in[0])
			if v > 1 {
				return errorf("invalid bool %d", v)
			}
			out[0] = uint64(v)
			return nil
		}
	case U8:
		return func(_ *copier, in, out []uint64) error { out[0] = uint64(uint8(in[0])); return nil }
	case S8:
		return func(_ *copier, in, out []uint64) error { out[0] = uint64(uint32(int32(int8(in[0])))); return nil }
	case U16:
		return func(_ *copier, in, out []uint64) error { out[0] = uint64(uint16(in[0])); return nil }
	case S16:
		return func(_ *copier, in, out []uint64) error { out[0] = uint64(uint32(int32(int16(in[0])))); return nil }
	case U32, S32, F32:
		return func(_ *copier, in, out []uint64) error { out[0] = uint64(uint32(in[0])); return nil }
	case U64, S64, F64:
		return func(_ *copier, in, out []uint64) error { out[0] = in[0]; return nil }
	case Char:
		return func(_ *copier, in, out []uint64) error {
			v := uint32(in[0])
			if !validChar(v) {
				return errorf("invalid char 0x%x", v)
			}
			out[0] = uint64(v)
			return nil
		}
	case String:
		return func(c *copier, in, out []uint64) error {
			n := uint32(in[1])
			p, err := c.str(uint32(in[0]), n)
			if err != nil {
				return err
			}
			out[0], out[1] = uint64(p), uint64(n)
			return nil
		}
	case List:
		elem := l.elem
		return func(c *copier, in, out []uint64) error {
			n := uint32(in[1])
			p, err := c.list(elem, uint32(in[0]), n)
			if err != nil {
				return err
			}
			out[0], out[1] = uint64(p), uint64(n)
			return nil
		}
	case Record, Tuple:
		fields := l.fields
		return func(c *copier, in, out []uint64) error {
			for i := range fields {
				f := &fields[i]
				if err := f.l.copyFlat(c, in[f.flat:], out[f.flat:]); err != nil {
					return within(err, f.name)
				}
			}
			return nil
		}
	case Variant, Enum, Option, Result:
		return func(c *copier, in, out []uint64) error {
			d := uint32(in[0])
			if d >= uint32(len(l.cases)) {
				return errorf("invalid discriminant %d for %s", d, l.t)
			}
			out[0] = uint64(d)
			used := 1
			if p := l.cases[d]; p != nil {
				if err := p.copyFlat(c, in[1:], out[1:]); err != nil {
					return within(err, l.names[d])
				}
				used += p.nflat
			}
			clear(out[used:l.nflat])
			return nil
		}
	case Flags:
		mask := l.mask
		return func(_ *copier, in, out []uint64) error {
			for i, m := range mask {
				out[i] = uint64(uint32(in[i]) & m)
			}
			return nil
		}
	}
	return func(*copier, []uint64, []uint64) error { return nil }
}

// memCopy returns l.copyMem.
func (l *layout) memCopy() func(c *copier, s, d uint32) error {
	if l.blit {
		size, holes := l.size, l.holes
		if len(holes) == 0 {
			return func(c *copier, s, d uint32) error {
				copy(c.dst.buf[d:d+size], c.src.buf[s:s+size])
				return nil
			}
		}
		return func(c *copier, s, d uint32) error {
			dst := c.dst.buf[d : d+size]
			copy(dst, c.src.buf[s:s+size])
			for _, h := range holes {
				clear(dst[h.off : h.off+h.len])
			}
			return nil
		}
	}
	switch l.kind {
	case Bool:
		return func(c *copier, s, d uint32) error {
			v := c.src.buf[s]
			if v > 1 {
				return errorf("invalid bool %d at 0x%x", v, s)
			}
			c.dst.buf[d] = v
			return nil
		}
	case Char:
		return func(c *copier, s, d uint32) error {
			v := le32(c.src.buf, s)
			if !validChar(v) {
				return errorf("invalid char 0x%x at 0x%x", v, s)
			}
			binary.LittleEndian.PutUint32(c.dst.buf[d:], v)
			return nil
		}
	case String:
		return func(c *copier, s, d uint32) error {
			n := le32(c.src.buf, s+4)
			p, err := c.str(le32(c.src.buf, s), n)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(c.dst.buf[d:], p)
			binary.LittleEndian.PutUint32(c.dst.buf[d+4:], n)
			return nil
		}
	case List:
		elem := l.elem
		return func(c *copier, s, d uint32) error {
			n := le32(c.src.buf, s+4)
			p, err := c.list(elem, le32(c.src.buf, s), n)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(c.dst.buf[d:], p)
			binary.LittleEndian.PutUint32(c.dst.buf[d+4:], n)
			return nil
		}
	case Record, Tuple:
		fields := l.fields
		return func(c *copier, s, d uint32) error {
			for i := range fields {
				f := &fields[i]
				if err := f.l.copyMem(c, s+f.off, d+f.off); err != nil {
					return within(err, f.name)
				}
			}
			return nil
		}
	case Variant, Enum, Option, Result:
		return func(c *copier, s, d uint32) error {
			var v uint32
			switch l.disc {
			case 1:
				v = uint32(c.src.buf[s])
			case 2:
				v = uint32(le16(c.src.buf, s))
			default:
				v = le32(c.src.buf, s)
			}
			if v >= uint32(len(l.cases)) {
				return errorf("invalid discriminant %d for %s at 0x%x", v, l.t, s)
			}
			switch l.disc {
			case 1:
				c.dst.buf[d] = byte(v)
			case 2:
				binary.LittleEndian.PutUint16(c.dst.buf[d:], uint16(v))
			default:
				binary.LittleEndian.PutUint32(c.dst.buf[d:], v)
			}
			if p := l.cases[v]; p != nil {
				if err := p.copyMem(c, s+l.payOff, d+l.payOff); err != nil {
					return within(err, l.names[v])
				}
			}
			return nil
		}
	case Flags:
		size, mask := l.size, l.mask
		return func(c *copier, s, d uint32) error {
			switch size {
			case 0:
			case 1:
				c.dst.buf[d] = c.src.buf[s] & byte(mask[0])
			case 2:
				binary.LittleEndian.PutUint16(c.dst.buf[d:], le16(c.src.buf, s)&uint16(mask[0]))
			default:
				for i, m := range mask {
					o := 4 * uint32(i)
					binary.LittleEndian.PutUint32(c.dst.buf[d+o:], le32(c.src.buf, s+o)&m)
				}
			}
			return nil
		}
	}
	return func(*copier, uint32, uint32) error { return nil }
}

// flat copies a value of l's type from the flat values in to those of out
// (both starting at its first).
func (c *copier) flat(l *layout, in, out []uint64) error { return l.copyFlat(c, in, out) }

// mem copies a value of l's type from s in the source memory to d in the
// destination memory; both are aligned and in bounds.
func (c *copier) mem(l *layout, s, d uint32) error { return l.copyMem(c, s, d) }

// str copies the string of n bytes at p into memory the destination
// allocates, and returns where.
func (c *copier) str(p, n uint32) (uint32, error) {
	if uint64(p)+uint64(n) > uint64(len(c.src.buf)) {
		return 0, errorf("string of %d bytes at 0x%x is out of bounds of the %s's memory (%d bytes)", n, p, c.src.who, len(c.src.buf))
	}
	if n > maxStringBytes {
		return 0, errorf("string of %d bytes at 0x%x is too long", n, p)
	}
	d, err := c.dst.alloc(c.ctx, 1, n)
	if err != nil {
		return 0, err
	}
	// Checked as copied, in one pass: the receiver has not run since it
	// allocated, and fails the call with this error.
	if src := c.src.buf[p : p+n]; !copyValidUTF8(c.dst.buf[d:d+n], src) {
		return 0, errorf("string of %d bytes at 0x%x is not valid UTF-8 (at byte %d)", n, p, invalidAt(src))
	}
	return d, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// list copies the list of n elements at p into memory the destination
// allocates, and returns where.
func (c *copier) list(elem *layout, p, n uint32) (uint32, error) {
	if p&(elem.align-1) != 0 {
		return 0, errorf("list of %d %s at 0x%x is not aligned to %d", n, elem.t, p, elem.align)
	}
	size := uint64(n) * uint64(elem.size)
	if uint64(p)+size > uint64(len(c.src.buf)) {
		return 0, errorf("list of %d %s at 0x%x is out of bounds of the %s's memory (%d bytes)", n, elem.t, p, c.src.who, len(c.src.buf))
	}
	if size >= 1<<32 {
		return 0, errorf("list of %d %s at 0x%x is too long", n, elem.t, p)
	}
	d, err := c.dst.alloc(c.ctx, elem.align, uint32(size))
	if err != nil {
		return 0, err
	}
	switch {
	case elem.blit:
		dst := c.dst.buf[d : uint64(d)+size]
		copy(dst, c.src.buf[p:uint64(p)+size])
		if len(elem.holes) > 0 {
			for o := uint32(0); o < uint32(size); o += elem.size {
				for _, h := range elem.holes {
					clear(dst[o+h.off : o+h.off+h.len])
				}
			}
		}
	case elem.size > 0:
		for i := range n {
			o := i * elem.size
			if err := elem.copyMem(c, p+o, d+o); err != nil {
				return 0, within(err, "element "+strconv.Itoa(int(i)))
			}
		}
	}
	return d, nil
}
