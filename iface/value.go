package iface

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// A Value is a WIT value in Go, for calls from the host (nano run
// --invoke). The type gives the meaning; a value of each kind is:
//
//	bool                         bool
//	s8, s16, s32, s64            int64
//	u8, u16, u32, u64            uint64
//	f32, f64                     float64
//	char                         rune
//	string                       string
//	list<T>, tuple<...>, record  []Value (a record's fields in order)
//	variant                      VariantValue{Case: name, Value: payload}
//	enum                         string, the case's name
//	option<T>                    OptionValue{Some: true, Value: v}; OptionValue{} is none
//	result<O, E>                 ResultValue{Value: v} is ok(v); ResultValue{Err: true, Value: v} is err(v)
//	flags                        []string, the names set, in declaration order
//
// A payload is nil for a case without one. Lift returns exactly these;
// Lower also takes any Go integer type for an integer, float32 for a
// float, []byte for a list<u8> and nil for none.
type Value = any

// A VariantValue is a value of a variant type: the case's name and its
// payload, nil when the case has none.
type VariantValue struct {
	Case  string
	Value Value
}

// An OptionValue is a value of an option type; the zero OptionValue is
// none.
type OptionValue struct {
	Some  bool
	Value Value
}

// A ResultValue is a value of a result type: ok(Value), or err(Value) when
// Err. Value is nil for a case without payload.
type ResultValue struct {
	Err   bool
	Value Value
}

// Lower lowers v, a value of type t, into m: strings and lists into memory
// m's cabi_realloc allocates. It returns the flat values (t.Flat()).
func Lower(ctx context.Context, t *Type, v Value, m api.Module) (_ []uint64, err error) {
	defer recoverBug("lower "+t.String(), &err)
	if err := checkType(t); err != nil {
		return nil, err
	}
	l := compile(t)
	s, err := newSide(moduleName(m), m, l.hasMemory(), l.hasMemory())
	if err != nil {
		return nil, err
	}
	s.refresh()
	out := make([]uint64, l.nflat)
	h := host{ctx: ctx, s: &s}
	if err := h.lower(l, v, out); err != nil {
		return nil, plain(err)
	}
	return out, nil
}

// Lift lifts a value of type t from its flat values (t.Flat()) in m:
// strings and lists from m's memory. Everything is checked as the adapter
// checks it.
func Lift(t *Type, flat []uint64, m api.Module) (_ Value, err error) {
	defer recoverBug("lift "+t.String(), &err)
	if err := checkType(t); err != nil {
		return nil, err
	}
	l := compile(t)
	if len(flat) < l.nflat {
		return nil, fmt.Errorf("%s flattens to %d values, got %d", t, l.nflat, len(flat))
	}
	s := memSide{who: moduleName(m), mem: m.Memory()}
	s.refresh()
	h := host{s: &s}
	v, err := h.lift(l, flat)
	return v, plain(err)
}

// checkType reports whether t is well formed and within the caps, which
// bound the work of compiling and copying it.
func checkType(t *Type) error {
	if _, err := newMeasurer().checked(t); err != nil {
		return about("type", err)
	}
	return nil
}

func moduleName(m api.Module) string {
	if n := m.Name(); n != "" {
		return "module " + n
	}
	return "module"
}

// plain turns an *abiError into an error whose text is its path and
// message.
func plain(err error) error {
	if e, ok := err.(*abiError); ok {
		if e.err != nil {
			return fmt.Errorf("%s: %w", e.text(), e.err)
		}
		return fmt.Errorf("%s", e.text())
	}
	return err
}

// Invoke calls m's export exportName, the WIT function f, with args, and
// returns its results: it lowers the arguments into m (flat, or into
// memory m's cabi_realloc allocates when they flatten to more than
// MaxFlatParams), calls the export, lifts the results (flat, or through
// the pointer it returns) and calls cabi_post_<exportName> if m exports it.
// Errors in the values are *CallErrors.
func Invoke(ctx context.Context, m api.Module, f *Func, exportName string, args []Value) (_ []Value, err error) {
	defer recoverBug(exportName, &err)
	if err := f.Check(); err != nil {
		return nil, err
	}
	if len(args) != len(f.Params) {
		return nil, fmt.Errorf("%s takes %d arguments, got %d", exportName, len(f.Params), len(args))
	}
	fn := m.ExportedFunction(exportName)
	if fn == nil {
		return nil, fmt.Errorf("no exported function %q", exportName)
	}
	ep, er := f.CoreExport()
	if err := checkSig(exportName, fn, ep, er); err != nil {
		return nil, err
	}
	var post api.Function
	if post = m.ExportedFunction("cabi_post_" + exportName); post != nil {
		if err := checkSig("cabi_post_"+exportName, post, er, nil); err != nil {
			return nil, err
		}
	}
	params, results := compile(paramTuple(f)), compile(resultTuple(f))
	inMem := f.paramsInMemory()
	s, err := newSide(moduleName(m), m, params.hasMemory() || inMem || f.resultsInMemory(), params.hasMemory() || inMem)
	if err != nil {
		return nil, err
	}
	s.refresh()
	h := host{ctx: ctx, s: &s}
	stack := make([]uint64, max(len(ep), len(er), 1))
	if !inMem {
		for i := range params.fields {
			pf := &params.fields[i]
			if err := h.lower(pf.l, args[i], stack[pf.flat:]); err != nil {
				return nil, callError(exportName, within(err, "argument "+pf.name))
			}
		}
	} else {
		p, err := s.alloc(ctx, params.align, params.size)
		if err != nil {
			return nil, callError(exportName, within(err, "arguments"))
		}
		for i := range params.fields {
			pf := &params.fields[i]
			if err := h.store(pf.l, args[i], p+pf.off); err != nil {
				return nil, callError(exportName, within(err, "argument "+pf.name))
			}
		}
		stack[0] = uint64(p)
	}
	if err := fn.CallWithStack(ctx, stack); err != nil {
		return nil, err
	}
	s.refresh()
	out := make([]Value, len(f.Results))
	if f.resultsInMemory() {
		p := uint32(stack[0])
		if bad := s.span(p, results.align, uint64(results.size)); bad != "" {
			return nil, callError(exportName, errorf("results at 0x%x %s", p, bad))
		}
		for i := range results.fields {
			rf := &results.fields[i]
			if out[i], err = h.load(rf.l, p+rf.off); err != nil {
				return nil, callError(exportName, within(err, rf.name))
			}
		}
	} else {
		for i := range results.fields {
			rf := &results.fields[i]
			if out[i], err = h.lift(rf.l, stack[rf.flat:]); err != nil {
				return nil, callError(exportName, within(err, rf.name))
			}
		}
	}
	if post != nil {
		if err := post.CallWithStack(ctx, stack[:max(len(er), 1)]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// host lowers Go values into one module and lifts them from it.
type host struct {
	ctx context.Context
	s   *memSide
	// bytes lifts a list<u8> as a []byte, copied at once, for Serve.
	bytes bool
}

func mismatch(l *layout, v Value) error {
	return errorf("%T is not a value of %s", v, l.t)
}

func asInt(v Value) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

func asUint(v Value) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, true
	case uint:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint8:
		return uint64(x), true
	}
	if i, ok := asInt(v); ok && i >= 0 {
		return uint64(i), true
	}
	return 0, false
}

// scalar returns the bits of a numeric, bool or char value: what it
// flattens to, zero-extended.
func scalar(l *layout, v Value) (uint64, error) {
	switch l.kind {
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return 0, mismatch(l, v)
		}
		if b {
			return 1, nil
		}
		return 0, nil
	case S8, S16, S32, S64:
		i, ok := asInt(v)
		if !ok {
			return 0, mismatch(l, v)
		}
		bits := 8 * uint(l.size)
		if bits < 64 && (i < -1<<(bits-1) || i >= 1<<(bits-1)) {
			return 0, errorf("%d is out of range for %s", i, l.t)
		}
		if bits == 64 {
			return uint64(i), nil
		}
		return uint64(uint32(int32(i))), nil
	case U8, U16, U32, U64:
		u, ok := asUint(v)
		if !ok {
			if i, isInt := asInt(v); isInt {
				return 0, errorf("%d is out of range for %s", i, l.t)
			}
			return 0, mismatch(l, v)
		}
		bits := 8 * uint(l.size)
		if bits < 64 && u >= 1<<bits {
			return 0, errorf("%d is out of range for %s", u, l.t)
		}
		return u, nil
	case F32, F64:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			return 0, mismatch(l, v)
		}
		if l.kind == F32 {
			return uint64(math.Float32bits(float32(f))), nil
		}
		return math.Float64bits(f), nil
	case Char:
		r, ok := v.(rune)
		if !ok {
			return 0, mismatch(l, v)
		}
		if r < 0 || !validChar(uint32(r)) {
			return 0, errorf("invalid char 0x%x", r)
		}
		return uint64(r), nil
	}
	return 0, mismatch(l, v)
}

// caseOf returns the case index and payload of a variant, enum, option or
// result value.
func caseOf(l *layout, v Value) (int, Value, error) {
	find := func(name string) (int, error) {
		for i, n := range l.names {
			if n == name {
				return i, nil
			}
		}
		return 0, errorf("%s has no case %q", l.t, name)
	}
	switch l.kind {
	case Variant:
		x, ok := v.(VariantValue)
		if !ok {
			return 0, nil, mismatch(l, v)
		}
		i, err := find(x.Case)
		return i, x.Value, err
	case Enum:
		x, ok := v.(string)
		if !ok {
			return 0, nil, mismatch(l, v)
		}
		i, err := find(x)
		return i, nil, err
	case Option:
		switch x := v.(type) {
		case nil:
			return 0, nil, nil
		case OptionValue:
			if x.Some {
				return 1, x.Value, nil
			}
			return 0, nil, nil
		}
		return 0, nil, mismatch(l, v)
	case Result:
		x, ok := v.(ResultValue)
		if !ok {
			return 0, nil, mismatch(l, v)
		}
		if x.Err {
			return 1, x.Value, nil
		}
		return 0, x.Value, nil
	}
	return 0, nil, mismatch(l, v)
}

// flagBits returns the bits of a flags value, one uint32 per word.
func flagBits(l *layout, v Value) ([]uint32, error) {
	names, ok := v.([]string)
	if !ok {
		return nil, mismatch(l, v)
	}
	words := make([]uint32, len(l.mask))
	for _, n := range names {
		i := -1
		for j, c := range l.t.Cases {
			if c.Name == n {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, errorf("%s has no flag %q", l.t, n)
		}
		words[i/32] |= 1 << (i % 32)
	}
	return words, nil
}

func elems(l *layout, v Value) ([]Value, error) {
	if b, ok := v.([]byte); ok && l.kind == List && l.elem.kind == U8 {
		vs := make([]Value, len(b))
		for i, x := range b {
			vs[i] = uint64(x)
		}
		return vs, nil
	}
	vs, ok := v.([]Value)
	if !ok {
		return nil, mismatch(l, v)
	}
	if l.kind != List && len(vs) != len(l.fields) {
		return nil, errorf("%s has %d fields, got %d values", l.t, len(l.fields), len(vs))
	}
	return vs, nil
}

// lower lowers v into out, its flat values.
func (h *host) lower(l *layout, v Value, out []uint64) error {
	switch l.kind {
	case String:
		str, ok := v.(string)
		if !ok {
			return mismatch(l, v)
		}
		p, err := h.str(str)
		if err != nil {
			return err
		}
		out[0], out[1] = uint64(p), uint64(len(str))
	case List:
		if b, ok := v.([]byte); ok && l.elem.kind == U8 {
			p, err := h.byteList(b)
			if err != nil {
				return err
			}
			out[0], out[1] = uint64(p), uint64(len(b))
			return nil
		}
		vs, err := elems(l, v)
		if err != nil {
			return err
		}
		p, err := h.list(l.elem, vs)
		if err != nil {
			return err
		}
		out[0], out[1] = uint64(p), uint64(len(vs))
	case Record, Tuple:
		vs, err := elems(l, v)
		if err != nil {
			return err
		}
		for i := range l.fields {
			f := &l.fields[i]
			if err := h.lower(f.l, vs[i], out[f.flat:]); err != nil {
				return within(err, f.name)
			}
		}
	case Variant, Enum, Option, Result:
		i, payload, err := caseOf(l, v)
		if err != nil {
			return err
		}
		out[0] = uint64(i)
		used := 1
		if p := l.cases[i]; p != nil {
			if err := h.lower(p, payload, out[1:]); err != nil {
				return within(err, l.names[i])
			}
			used += p.nflat
		}
		clear(out[used:l.nflat])
	case Flags:
		words, err := flagBits(l, v)
		if err != nil {
			return err
		}
		for i, w := range words {
			out[i] = uint64(w)
		}
	default:
		x, err := scalar(l, v)
		if err != nil {
			return err
		}
		out[0] = x
	}
	return nil
}

// store stores v at p, aligned and in bounds.
func (h *host) store(l *layout, v Value, p uint32) error {
	switch l.kind {
	case String, List:
		var flat [2]uint64
		if err := h.lower(l, v, flat[:]); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(h.s.buf[p:], uint32(flat[0]))
		binary.LittleEndian.PutUint32(h.s.buf[p+4:], uint32(flat[1]))
	case Record, Tuple:
		vs, err := elems(l, v)
		if err != nil {
			return err
		}
		for i := range l.fields {
			f := &l.fields[i]
			if err := h.store(f.l, vs[i], p+f.off); err != nil {
				return within(err, f.name)
			}
		}
	case Variant, Enum, Option, Result:
		i, payload, err := caseOf(l, v)
		if err != nil {
			return err
		}
		if c := l.cases[i]; c != nil {
			if err := h.store(c, payload, p+l.payOff); err != nil {
				return within(err, l.names[i])
			}
		}
		putN(h.s.buf[p:], l.disc, uint64(i))
	case Flags:
		words, err := flagBits(l, v)
		if err != nil {
			return err
		}
		if l.size <= 2 {
			putN(h.s.buf[p:], l.size, uint64(words[0]))
		} else {
			for i, w := range words {
				binary.LittleEndian.PutUint32(h.s.buf[p+4*uint32(i):], w)
			}
		}
	default:
		x, err := scalar(l, v)
		if err != nil {
			return err
		}
		putN(h.s.buf[p:], l.size, x)
	}
	return nil
}

func putN(b []byte, n uint32, x uint64) {
	switch n {
	case 1:
		b[0] = byte(x)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(x))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(x))
	case 8:
		binary.LittleEndian.PutUint64(b, x)
	}
}

func getN(b []byte, n uint32) uint64 {
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (h *host) str(s string) (uint32, error) {
	if !utf8.ValidString(s) {
		return 0, errorf("string is not valid UTF-8")
	}
	if len(s) > maxStringBytes {
		return 0, errorf("string of %d bytes is too long", len(s))
	}
	p, err := h.s.alloc(h.ctx, 1, uint32(len(s)))
	if err != nil {
		return 0, err
	}
	copy(h.s.buf[p:], s)
	return p, nil
}

// byteList lowers a list<u8> from b in one copy.
func (h *host) byteList(b []byte) (uint32, error) {
	if uint64(len(b)) >= 1<<32 {
		return 0, errorf("list of %d u8 is too long", len(b))
	}
	p, err := h.s.alloc(h.ctx, 1, uint32(len(b)))
	if err != nil {
		return 0, err
	}
	copy(h.s.buf[p:], b)
	return p, nil
}

func (h *host) list(elem *layout, vs []Value) (uint32, error) {
	size := uint64(len(vs)) * uint64(elem.size)
	if size >= 1<<32 {
		return 0, errorf("list of %d %s is too long", len(vs), elem.t)
	}
	p, err := h.s.alloc(h.ctx, elem.align, uint32(size))
	if err != nil {
		return 0, err
	}
	for i, v := range vs {
		if err := h.store(elem, v, p+uint32(i)*elem.size); err != nil {
			return 0, within(err, fmt.Sprintf("element %d", i))
		}
	}
	return p, nil
}

// lift lifts a value from in, its flat values.
func (h *host) lift(l *layout, in []uint64) (Value, error) {
	switch l.kind {
	case String, List:
		return h.loadRange(l, uint32(in[0]), uint32(in[1]))
	case Record, Tuple:
		vs := make([]Value, len(l.fields))
		for i := range l.fields {
			f := &l.fields[i]
			v, err := h.lift(f.l, in[f.flat:])
			if err != nil {
				return nil, within(err, f.name)
			}
			vs[i] = v
		}
		return vs, nil
	case Variant, Enum, Option, Result:
		d := uint32(in[0])
		if d >= uint32(len(l.cases)) {
			return nil, errorf("invalid discriminant %d for %s", d, l.t)
		}
		var payload Value
		if p := l.cases[d]; p != nil {
			v, err := h.lift(p, in[1:])
			if err != nil {
				return nil, within(err, l.names[d])
			}
			payload = v
		}
		return variantValue(l, int(d), payload), nil
	case Flags:
		return flagNames(l, func(i int) uint32 { return uint32(in[i]) }), nil
	}
	x := in[0]
	if l.kind != S64 && l.kind != U64 && l.kind != F64 {
		x = uint64(uint32(x))
	}
	return scalarValue(l, x)
}

func variantValue(l *layout, d int, payload Value) Value {
	switch l.kind {
	case Variant:
		return VariantValue{Case: l.names[d], Value: payload}
	case Enum:
		return l.names[d]
	case Option:
		if d == 0 {
			return OptionValue{}
		}
		return OptionValue{Some: true, Value: payload}
	}
	return ResultValue{Err: d == 1, Value: payload}
}

func flagNames(l *layout, word func(int) uint32) []string {
	var names []string
	for i, c := range l.t.Cases {
		if word(i/32)&(1<<(i%32)) != 0 {
			names = append(names, c.Name)
		}
	}
	return names
}

// scalarValue returns the value of a numeric, bool or char of bits x (as
// loaded: narrow integers in their low bits, the rest ignored).
func scalarValue(l *layout, x uint64) (Value, error) {
	switch l.kind {
	case Bool:
		if uint32(x) > 1 {
			return nil, errorf("invalid bool %d", uint32(x))
		}
		return x == 1, nil
	case S8:
		return int64(int8(x)), nil
	case S16:
		return int64(int16(x)), nil
	case S32:
		return int64(int32(x)), nil
	case S64:
		return int64(x), nil
	case U8:
		return uint64(uint8(x)), nil
	case U16:
		return uint64(uint16(x)), nil
	case U32:
		return uint64(uint32(x)), nil
	case U64:
		return x, nil
	case F32:
		return float64(math.Float32frombits(uint32(x))), nil
	case F64:
		return math.Float64frombits(x), nil
	case Char:
		if !validChar(uint32(x)) {
			return nil, errorf("invalid char 0x%x", uint32(x))
		}
		return rune(x), nil
	}
	return nil, errorf("cannot lift %s", l.t)
}

// loadRange loads the string or list at p of n bytes or elements.
func (h *host) loadRange(l *layout, p, n uint32) (Value, error) {
	buf := h.s.buf
	if l.kind == String {
		if uint64(p)+uint64(n) > uint64(len(buf)) {
			return nil, errorf("string of %d bytes at 0x%x is out of bounds of the %s's memory (%d bytes)", n, p, h.s.who, len(buf))
		}
		b := buf[p : p+n]
		if !validUTF8(b) {
			return nil, errorf("string of %d bytes at 0x%x is not valid UTF-8 (at byte %d)", n, p, invalidAt(b))
		}
		return string(b), nil
	}
	elem := l.elem
	if p&(elem.align-1) != 0 {
		return nil, errorf("list of %d %s at 0x%x is not aligned to %d", n, elem.t, p, elem.align)
	}
	if uint64(p)+uint64(n)*uint64(elem.size) > uint64(len(buf)) {
		return nil, errorf("list of %d %s at 0x%x is out of bounds of the %s's memory (%d bytes)", n, elem.t, p, h.s.who, len(buf))
	}
	if h.bytes && elem.kind == U8 {
		return append([]byte(nil), buf[p:p+n]...), nil
	}
	if elem.size == 0 && n > 1<<20 {
		return nil, errorf("list of %d %s is too long to lift", n, elem.t)
	}
	vs := make([]Value, n)
	for i := range n {
		v, err := h.load(elem, p+i*elem.size)
		if err != nil {
			return nil, within(err, fmt.Sprintf("element %d", i))
		}
		vs[i] = v
	}
	return vs, nil
}

// load loads a value at p, aligned and in bounds.
func (h *host) load(l *layout, p uint32) (Value, error) {
	buf := h.s.buf
	switch l.kind {
	case String, List:
		return h.loadRange(l, le32(buf, p), le32(buf, p+4))
	case Record, Tuple:
		vs := make([]Value, len(l.fields))
		for i := range l.fields {
			f := &l.fields[i]
			v, err := h.load(f.l, p+f.off)
			if err != nil {
				return nil, within(err, f.name)
			}
			vs[i] = v
		}
		return vs, nil
	case Variant, Enum, Option, Result:
		d := getN(buf[p:], l.disc)
		if d >= uint64(len(l.cases)) {
			return nil, errorf("invalid discriminant %d for %s at 0x%x", d, l.t, p)
		}
		var payload Value
		if c := l.cases[d]; c != nil {
			v, err := h.load(c, p+l.payOff)
			if err != nil {
				return nil, within(err, l.names[d])
			}
			payload = v
		}
		return variantValue(l, int(d), payload), nil
	case Flags:
		return flagNames(l, func(i int) uint32 {
			if l.size <= 2 {
				return uint32(getN(buf[p:], l.size))
			}
			return le32(buf, p+4*uint32(i))
		}), nil
	}
	v, err := scalarValue(l, getN(buf[p:], l.size))
	if e, ok := err.(*abiError); ok {
		e.msg += fmt.Sprintf(" at 0x%x", p)
	}
	return v, err
}
