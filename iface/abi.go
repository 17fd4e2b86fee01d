package iface

import "github.com/tetratelabs/wazero/api"

// The Component Model's canonical ABI (design/mvp/CanonicalABI.md in
// WebAssembly/component-model) lays WIT values out in a core module's
// linear memory and flattens them into core parameters and results. nano
// implements it for the utf8 string encoding only, with these limits:
const (
	// MaxFlatParams is the most core parameters a function's parameters
	// flatten to; past it they are passed in memory, through one i32.
	MaxFlatParams = 16
	// MaxFlatResults is the most core results a function's results flatten
	// to; past it they are passed in memory (see Func.CoreImport and
	// Func.CoreExport).
	MaxFlatResults = 1
	// maxStringBytes is the longest string the canonical ABI stores
	// (MAX_STRING_BYTE_LENGTH): the high bit of a length is reserved.
	maxStringBytes = 1<<31 - 1
)

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f32 = api.ValueTypeF32
	f64 = api.ValueTypeF64
)

// payloads returns the case payloads of a variant, enum, option or result
// (nil for a case without one), as the canonical ABI despecializes them:
// option<T> is variant { none, some(T) }, result<O, E> is
// variant { ok(O), error(E) }, an enum is a variant without payloads.
func (t *Type) payloads() []*Type {
	switch t.Kind {
	case Option:
		return []*Type{nil, t.Elem}
	case Result:
		return []*Type{t.Ok, t.Err}
	}
	ps := make([]*Type, len(t.Cases))
	if t.Kind == Variant {
		for i, c := range t.Cases {
			ps[i] = c.Type
		}
	}
	return ps
}

// numCases is the number of cases of a variant, enum, option or result.
func (t *Type) numCases() int {
	switch t.Kind {
	case Option, Result:
		return 2
	}
	return len(t.Cases)
}

// discSize is the size of the discriminant of a variant of n cases: the
// smallest of u8, u16 and u32 that numbers them (discriminant_type).
func discSize(n int) uint32 {
	switch {
	case n <= 1<<8:
		return 1
	case n <= 1<<16:
		return 2
	}
	return 4
}

// flagWords is the number of i32s a flags type of n names flattens to.
func flagWords(n int) int { return (n + 31) / 32 }

func alignTo(n, align uint32) uint32 { return (n + align - 1) &^ (align - 1) }

// Align returns the type's alignment in linear memory, in bytes.
func (t *Type) Align() uint32 { return t.layoutInfo().align }

// Size returns the type's size in linear memory, in bytes: its elem_size,
// the distance between two elements of a list of it. A size past 4 GiB,
// far past MaxTypeSize, is returned as 4 GiB - 1.
func (t *Type) Size() uint32 { return uint32(min(t.layoutInfo().size, 1<<32-1)) }

// payloadOffset is the offset of a variant's payload from its start.
func (t *Type) payloadOffset() uint32 { return t.layoutInfo().payOff }

// Flat returns the core value types the type flattens to (flatten_type): a
// record's fields in order; a variant's i32 discriminant followed by its
// cases' payloads joined slot by slot (equal types stay, i32 and f32 join
// to i32, anything else to i64); one i32 per 32 flags; a string or list
// as an i32 pointer and an i32 length. It returns nil for a type past
// MaxTypeSize or MaxTypeNodes, or malformed.
func (t *Type) Flat() []api.ValueType {
	i := t.layoutInfo()
	if i.flat != nil || i.nflat == 0 {
		return append([]api.ValueType(nil), i.flat...)
	}
	if i.caps() != nil {
		return nil
	}
	// Past MaxFlatParams values, which no signature needs: walk the type,
	// at most MaxTypeNodes types.
	return t.appendFlat(&measurer{lenient: true}, nil)
}

func (t *Type) appendFlat(m *measurer, flat []api.ValueType) []api.ValueType {
	if i, err := m.info(t, 0); err == nil && i.flat != nil {
		return append(flat, i.flat...)
	}
	switch t.Kind {
	case Record, Tuple:
		for _, f := range t.Fields {
			flat = f.Type.appendFlat(m, flat)
		}
		return flat
	case Variant, Enum, Option, Result:
		var joined []api.ValueType
		for _, p := range t.payloads() {
			if p == nil {
				continue
			}
			for i, ft := range p.appendFlat(m, nil) {
				if i < len(joined) {
					joined[i] = join(joined[i], ft)
				} else {
					joined = append(joined, ft)
				}
			}
		}
		return append(append(flat, i32), joined...)
	case Flags:
		for range flagWords(len(t.Cases)) {
			flat = append(flat, i32)
		}
		return flat
	}
	return flat
}

func join(a, b api.ValueType) api.ValueType {
	switch {
	case a == b:
		return a
	case (a == i32 && b == f32) || (a == f32 && b == i32):
		return i32
	}
	return i64
}

// flatCount is len(t.Flat()) without building it (saturated far past
// MaxTypeSize).
func (t *Type) flatCount() int { return int(t.layoutInfo().nflat) }

// flatCounts returns how many core values the types flatten to together,
// and those values when they are at most limit (else nil).
func flatCounts(ts []*Type, limit int) (uint64, []api.ValueType) {
	n := uint64(0)
	for _, t := range ts {
		n = satAdd(n, t.layoutInfo().nflat)
	}
	if n > uint64(limit) {
		return n, nil
	}
	flat := make([]api.ValueType, 0, n)
	for _, t := range ts {
		flat = append(flat, t.layoutInfo().flat...)
	}
	return n, flat
}

func (f *Func) paramTypes() []*Type {
	ts := make([]*Type, len(f.Params))
	for i, p := range f.Params {
		ts[i] = p.Type
	}
	return ts
}

// paramsInMemory reports whether the parameters are passed in memory,
// through one i32 pointer: they flatten to more than MaxFlatParams.
func (f *Func) paramsInMemory() bool {
	n, _ := flatCounts(f.paramTypes(), MaxFlatParams)
	return n > MaxFlatParams
}

// resultsInMemory reports whether the results are passed in memory: they
// flatten to more than MaxFlatResults.
func (f *Func) resultsInMemory() bool {
	n, _ := flatCounts(f.Results, MaxFlatResults)
	return n > MaxFlatResults
}

// CoreImport returns the core signature of the function as a caller
// imports it (flatten_functype(ft, 'lower')): its parameters flattened, or
// one i32 pointer to them in the caller's memory when they flatten to more
// than MaxFlatParams; its results flattened when they flatten to at most
// MaxFlatResults, or else no results and an extra, last i32 parameter: the
// return pointer, where the caller wants them stored in its memory.
func (f *Func) CoreImport() (params, results []api.ValueType) {
	np, params := flatCounts(f.paramTypes(), MaxFlatParams)
	nr, results := flatCounts(f.Results, MaxFlatResults)
	if np > MaxFlatParams {
		params = []api.ValueType{i32}
	}
	if nr > MaxFlatResults {
		params = append(params, i32)
		results = nil
	}
	return params, results
}

// CoreExport returns the core signature of the function as the callee
// exports it (flatten_functype(ft, 'lift')): its parameters as in
// CoreImport; its results flattened when they flatten to at most
// MaxFlatResults, or else one i32 result, a pointer to them in the
// callee's memory. The callee may export cabi_post_NAME, taking the core
// results, to free that memory once they are copied.
func (f *Func) CoreExport() (params, results []api.ValueType) {
	np, params := flatCounts(f.paramTypes(), MaxFlatParams)
	nr, results := flatCounts(f.Results, MaxFlatResults)
	if np > MaxFlatParams {
		params = []api.ValueType{i32}
	}
	if nr > MaxFlatResults {
		results = []api.ValueType{i32}
	}
	return params, results
}

// Numeric reports whether the function can be linked directly, the
// caller's import bound to the callee's export with no adapter: every
// parameter and result is an integer or a float, and the parameters fit in
// MaxFlatParams core values. Such a value means the same in both modules
// and never points into memory.
//
// bool and char are not numeric: the adapter checks them on the way
// (a bool other than 0 or 1, a char that is a surrogate or past U+10FFFF,
// is an error). On a direct link, integers narrower than 32 bits reach the
// callee with whatever high bits the caller left (the canonical ABI
// ignores them, so a callee's bindings truncate), and a NaN keeps its
// payload bits (which the canonical ABI allows).
func (f *Func) Numeric() bool {
	numeric := func(t *Type) bool { return t != nil && t.Kind >= S8 && t.Kind <= F64 }
	for _, p := range f.Params {
		if !numeric(p.Type) {
			return false
		}
	}
	for _, r := range f.Results {
		if !numeric(r) {
			return false
		}
	}
	return !f.paramsInMemory() && !f.resultsInMemory()
}
