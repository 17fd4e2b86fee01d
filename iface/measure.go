package iface

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// A typeInfo is what nano knows of a type once it has walked it: its
// canonical ABI layout, how deeply it nests and how many types it holds
// when written out in full. It is computed from the typeInfos of the types
// it holds, never by walking them again, so that a type shared by many
// others (an alias) is walked once, however often it is used.
type typeInfo struct {
	size   uint64 // bytes in linear memory (elem_size), saturated at sat
	align  uint32
	payOff uint32 // a variant's payload offset
	nflat  uint64 // core values it flattens to, saturated at sat
	// flat holds the core values when nflat <= MaxFlatParams, the most
	// a function's signature ever needs of one type; nil otherwise.
	flat  []api.ValueType
	nodes uint64 // types held, itself included, every alias expanded; saturated
	depth int    // 0 for a type that holds none
}

// sat is where sizes and counts stop growing: far past every cap, and far
// from overflowing a uint64 when two are added.
const sat = 1 << 40

func satAdd(a, b uint64) uint64 { return min(a+b, sat) }

func alignTo64(n uint64, align uint32) uint64 {
	return min((n+uint64(align)-1)&^(uint64(align)-1), sat)
}

// primInfos holds the typeInfo of each primitive kind.
var primInfos = func() [String + 1]*typeInfo {
	var infos [String + 1]*typeInfo
	for k := Bool; k <= String; k++ {
		i := &typeInfo{nodes: 1, nflat: 1}
		switch k {
		case Bool, S8, U8:
			i.size, i.align, i.flat = 1, 1, []api.ValueType{i32}
		case S16, U16:
			i.size, i.align, i.flat = 2, 2, []api.ValueType{i32}
		case S32, U32, Char:
			i.size, i.align, i.flat = 4, 4, []api.ValueType{i32}
		case F32:
			i.size, i.align, i.flat = 4, 4, []api.ValueType{f32}
		case S64, U64:
			i.size, i.align, i.flat = 8, 8, []api.ValueType{i64}
		case F64:
			i.size, i.align, i.flat = 8, 8, []api.ValueType{f64}
		case String:
			i.size, i.align, i.nflat, i.flat = 8, 4, 2, []api.ValueType{i32, i32}
		}
		infos[k] = i
	}
	return infos
}()

func primInfo(k Kind) *typeInfo {
	if k >= Bool && k <= String {
		return primInfos[k]
	}
	return nil
}

// newInfo computes t's typeInfo from the typeInfos of the types it holds,
// which get returns, and, if strict, checks that t has what its kind
// needs.
func newInfo(t *Type, get func(*Type) (*typeInfo, error), strict bool) (*typeInfo, error) {
	if p := primInfo(t.Kind); p != nil {
		return p, nil
	}
	i := &typeInfo{nodes: 1}
	child := func(u *Type) (*typeInfo, error) {
		if u == nil {
			return nil, nil
		}
		c, err := get(u)
		if err != nil {
			return nil, err
		}
		i.nodes = satAdd(i.nodes, c.nodes)
		i.depth = max(i.depth, c.depth+1)
		return c, nil
	}
	switch t.Kind {
	case List, Option:
		if t.Elem == nil && strict {
			return nil, fmt.Errorf("%s without an element type", kindNames[t.Kind])
		}
		e, err := child(t.Elem)
		if err != nil {
			return nil, err
		}
		if t.Kind == List {
			i.size, i.align, i.nflat, i.flat = 8, 4, 2, []api.ValueType{i32, i32}
			return i, nil
		}
		i.variant(2, []*typeInfo{nil, e})
		return i, nil
	case Record, Tuple:
		if len(t.Fields) == 0 && strict {
			return nil, fmt.Errorf("%s without fields", kindNames[t.Kind])
		}
		i.align = 1
		for _, f := range t.Fields {
			c, err := child(f.Type)
			if err != nil {
				return nil, err
			}
			if c == nil {
				return nil, errors.New("a type is missing")
			}
			i.align = max(i.align, c.align)
			i.size = satAdd(alignTo64(i.size, c.align), c.size)
			i.nflat = satAdd(i.nflat, c.nflat)
			if i.nflat <= MaxFlatParams {
				i.flat = append(i.flat, c.flat...)
			}
		}
		i.size = alignTo64(i.size, i.align)
		if i.nflat > MaxFlatParams {
			i.flat = nil
		}
		return i, nil
	case Variant, Enum, Flags:
		if len(t.Cases) == 0 && strict {
			return nil, fmt.Errorf("%s without cases", kindNames[t.Kind])
		}
		var ps []*typeInfo
		if t.Kind == Variant {
			ps = make([]*typeInfo, len(t.Cases))
		}
		for n, c := range t.Cases {
			if c.Type != nil && t.Kind != Variant && strict {
				return nil, fmt.Errorf("%s case %s with a payload", kindNames[t.Kind], c.Name)
			}
			if t.Kind == Variant {
				var err error
				if ps[n], err = child(c.Type); err != nil {
					return nil, err
				}
			}
		}
		if t.Kind == Flags {
			i.flags(len(t.Cases))
		} else {
			i.variant(len(t.Cases), ps)
		}
		return i, nil
	case Result:
		ok, err := child(t.Ok)
		if err != nil {
			return nil, err
		}
		e, err := child(t.Err)
		if err != nil {
			return nil, err
		}
		i.variant(2, []*typeInfo{ok, e})
		return i, nil
	}
	return nil, fmt.Errorf("unknown type kind %d", t.Kind)
}

// variant lays out a variant of n cases with payloads ps (nil for a case
// without one; ps may be nil when no case has one), as the canonical ABI
// does for variant, enum, option and result.
func (i *typeInfo) variant(n int, ps []*typeInfo) {
	disc := discSize(n)
	caseAlign, caseSize, caseFlat := uint32(1), uint64(0), uint64(0)
	for _, p := range ps {
		if p != nil {
			caseAlign = max(caseAlign, p.align)
			caseSize = max(caseSize, p.size)
			caseFlat = max(caseFlat, p.nflat)
		}
	}
	i.align = max(disc, caseAlign)
	i.payOff = alignTo(disc, caseAlign)
	i.size = alignTo64(satAdd(uint64(i.payOff), caseSize), i.align)
	i.nflat = 1 + caseFlat
	if i.nflat > MaxFlatParams {
		return
	}
	// The payloads' flat values, joined slot by slot.
	joined := make([]api.ValueType, caseFlat)
	filled := 0
	for _, p := range ps {
		if p == nil {
			continue
		}
		for k, ft := range p.flat {
			if k < filled {
				joined[k] = join(joined[k], ft)
			} else {
				joined[k] = ft
			}
		}
		filled = max(filled, len(p.flat))
	}
	i.flat = append([]api.ValueType{i32}, joined...)
}

// flags lays out a flags type of n names.
func (i *typeInfo) flags(n int) {
	switch {
	case n == 0:
		i.size, i.align = 0, 1
	case n <= 8:
		i.size, i.align = 1, 1
	case n <= 16:
		i.size, i.align = 2, 2
	default:
		i.size, i.align = 4*uint64(flagWords(n)), 4
	}
	i.nflat = uint64(flagWords(n))
	if i.nflat <= MaxFlatParams {
		for range i.nflat {
			i.flat = append(i.flat, i32)
		}
	}
}

// A measurer computes the typeInfos of types that were not sealed (built
// by hand rather than by Load or DecodeTypes), each once: the typeInfo of
// a type it meets again is remembered.
type measurer struct {
	memo map[*Type]*typeInfo
	// lenient measures malformed types too, as far as they have a
	// layout (a tuple without fields has size 0), for Size and Align.
	lenient bool
}

func newMeasurer() *measurer { return &measurer{} }

// info returns t's typeInfo. depth is how deep t is in the walk: a cyclic
// type, which a Go program can build, is reported as too deep.
func (m *measurer) info(t *Type, depth int) (*typeInfo, error) {
	switch {
	case t == nil:
		return nil, errors.New("a type is missing")
	case t.info != nil:
		return t.info, nil
	}
	if p := primInfo(t.Kind); p != nil {
		return p, nil
	}
	if i, ok := m.memo[t]; ok {
		return i, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("types nest deeper than %d", maxDepth)
	}
	i, err := newInfo(t, func(u *Type) (*typeInfo, error) { return m.info(u, depth+1) }, !m.lenient)
	if err != nil {
		return nil, err
	}
	if m.memo == nil {
		m.memo = map[*Type]*typeInfo{}
	}
	m.memo[t] = i
	return i, nil
}

// checked returns t's typeInfo, or an error if t is malformed or past a
// cap: a *capError for the caps.
func (m *measurer) checked(t *Type) (*typeInfo, error) {
	i, err := m.info(t, 0)
	if err != nil {
		return nil, err
	}
	return i, i.caps()
}

// A capError is a type past one of the caps. Its text has no subject, "is
// larger than 65536 bytes", for the caller to give: "type t6 is larger
// than 65536 bytes", "parameter a is larger than 65536 bytes".
type capError struct{ msg string }

func (e *capError) Error() string { return e.msg }

// caps reports whether the type is past one of the caps.
func (i *typeInfo) caps() error {
	switch {
	case i.depth > maxDepth:
		return &capError{fmt.Sprintf("nests deeper than %d", maxDepth)}
	case i.size > MaxTypeSize:
		return &capError{fmt.Sprintf("is larger than %d bytes", MaxTypeSize)}
	case i.nodes > MaxTypeNodes:
		return &capError{fmt.Sprintf("holds more than %d types, aliases expanded", MaxTypeNodes)}
	}
	return nil
}

// about phrases err about what ("type t6", "parameter a"): a capError
// follows it, any other error after a colon.
func about(what string, err error) error {
	var ce *capError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s %s", what, ce.msg)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// funcCaps checks the caps on f's parameters and results taken together:
// their size as they are stored in memory, and the types they hold.
func (m *measurer) funcCaps(f *Func) error {
	var nodes uint64
	var params, results []*typeInfo
	for _, p := range f.Params {
		i, err := m.info(p.Type, 0)
		if err != nil {
			return err
		}
		params = append(params, i)
		nodes = satAdd(nodes, i.nodes)
	}
	for _, r := range f.Results {
		i, err := m.info(r, 0)
		if err != nil {
			return err
		}
		results = append(results, i)
		nodes = satAdd(nodes, i.nodes)
	}
	switch {
	case tupleSize(params) > MaxTypeSize:
		return fmt.Errorf("its parameters are larger than %d bytes together", MaxTypeSize)
	case tupleSize(results) > MaxTypeSize:
		return fmt.Errorf("its results are larger than %d bytes together", MaxTypeSize)
	case nodes > MaxTypeNodes:
		return fmt.Errorf("its parameters and results hold more than %d types together, aliases expanded", MaxTypeNodes)
	}
	return nil
}

// tupleSize is the size of a tuple of types of the given typeInfos.
func tupleSize(is []*typeInfo) uint64 {
	size, align := uint64(0), uint32(1)
	for _, i := range is {
		align = max(align, i.align)
		size = satAdd(alignTo64(size, i.align), i.size)
	}
	return alignTo64(size, align)
}

// seal computes t's typeInfo and keeps it in t, from the typeInfos of the
// types t holds, which Load and DecodeTypes seal first: each type is
// walked once. It returns the typeInfo, unchecked against the caps.
func seal(t *Type) (*typeInfo, error) {
	if t.info != nil {
		return t.info, nil
	}
	m := newMeasurer()
	i, err := newInfo(t, func(u *Type) (*typeInfo, error) { return m.info(u, 1) }, true)
	if err != nil {
		return nil, err
	}
	t.info = i
	return i, nil
}

// layoutInfo returns t's typeInfo, computing it if t was not sealed. A
// malformed type (which Check reports) has the typeInfo of an empty one.
func (t *Type) layoutInfo() *typeInfo {
	if t.info != nil {
		return t.info
	}
	if p := primInfo(t.Kind); p != nil {
		return p
	}
	m := measurer{lenient: true}
	i, err := m.info(t, 0)
	if err != nil {
		return &typeInfo{align: 1}
	}
	return i
}

// Seal computes the layout of each of types once, in order, as Load does
// for the types it makes: build types by hand (nano's host APIs do) from
// the inside out, and seal each after its parts. A sealed type must not be
// modified.
func Seal(types ...*Type) error {
	for _, t := range types {
		if _, err := seal(t); err != nil {
			return err
		}
	}
	return nil
}
