package iface

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// aliasWIT is the hostile WIT of issue 7: type t0 = leaf, and each t_k a
// tuple of fanout t_(k-1), so that t_k written out in full holds fanout^k
// leaves while the WIT grows by one line a level. funcs declares the
// functions of interface unpack, "" for extract: func(a: t_levels) -> u32.
func aliasWIT(version string, levels, fanout int, leaf, funcs string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package acme:zip@%s;\n\ninterface unpack {\n  type t0 = %s;\n", version, leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  type t%d = tuple<", i)
		for j := range fanout {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "t%d", i-1)
		}
		b.WriteString(">;\n")
	}
	if funcs == "" {
		funcs = fmt.Sprintf("  extract: func(a: t%d) -> u32;\n", levels)
	}
	fmt.Fprintf(&b, "%s}\n\nworld zip {\n  export unpack;\n}\n", funcs)
	return b.String()
}

func writeWIT(t testing.TB, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "zip.wit")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAliasAttack loads the WIT of issue 7 at growing depths. Up to the
// caps it loads, every t_k one *Type shared eight times; past them Load
// refuses it, naming the function and the innermost type past a cap, in
// time linear in the WIT (without memoized walks, 64 levels would take
// longer than the universe's age).
func TestAliasAttack(t *testing.T) {
	for _, tt := range []struct {
		levels int
		leaf   string
		funcs  string
		want   string // the error, or "" for none
	}{
		{levels: 4, leaf: "u8"},
		{levels: 5, leaf: "u8", want: "acme:zip/unpack@1.0.0#extract: type t5 holds more than 10000 types, aliases expanded"},
		{levels: 7, leaf: "u8", want: "acme:zip/unpack@1.0.0#extract: type t5 holds more than 10000 types, aliases expanded"},
		{levels: 64, leaf: "u8", want: "acme:zip/unpack@1.0.0#extract: type t5 holds more than 10000 types, aliases expanded"},
		{levels: 6, leaf: "u64", want: "acme:zip/unpack@1.0.0#extract: type t5 is larger than 65536 bytes"},
		// An inline type past a cap is named by its parameter.
		{levels: 4, leaf: "u64", funcs: "  extract: func(a: tuple<t4, t4, t4>);\n",
			want: "acme:zip/unpack@1.0.0#extract: parameter a is larger than 65536 bytes"},
		{levels: 4, leaf: "u8", funcs: "  extract: func() -> tuple<t4, t4, t4>;\n",
			want: "acme:zip/unpack@1.0.0#extract: the result holds more than 10000 types, aliases expanded"},
		// Parameters each within the caps, past them together.
		{levels: 4, leaf: "u64", funcs: "  extract: func(a: t4, b: t4, c: t4);\n",
			want: "acme:zip/unpack@1.0.0#extract: its parameters are larger than 65536 bytes together"},
		{levels: 4, leaf: "u8", funcs: "  extract: func(a: t4, b: t4, c: t4);\n",
			want: "acme:zip/unpack@1.0.0#extract: its parameters and results hold more than 10000 types together, aliases expanded"},
		// A type no function uses is held to the caps too.
		{levels: 6, leaf: "u8", funcs: "  extract: func(a: t4);\n",
			want: "acme:zip/unpack@1.0.0#t5: type t5 holds more than 10000 types, aliases expanded"},
	} {
		t.Run(fmt.Sprintf("%d-%s-%s", tt.levels, tt.leaf, tt.funcs), func(t *testing.T) {
			p, err := Load(writeWIT(t, aliasWIT("1.0.0", tt.levels, 8, tt.leaf, tt.funcs)), "acme:zip")
			if tt.want != "" {
				var e *Error
				if err == nil || !strings.HasSuffix(err.Error(), ": "+tt.want) || !errorsAs(err, &e) {
					t.Fatalf("Load = %v, want an *Error ending %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := p.Funcs[0].Params[0].Type
			if a.Size() != 4096 || len(a.Fields) != 8 {
				t.Fatalf("t4: size %d, %d fields", a.Size(), len(a.Fields))
			}
			for _, f := range a.Fields {
				if f.Type != a.Fields[0].Type {
					t.Fatal("t4's elements are not one shared *Type")
				}
			}
		})
	}
}

func errorsAs(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// TestDepthCaps: types nesting deeper than MaxTypeDepth, and aliases
// chained deeper than maxAliasDepth, are refused with the type's name.
func TestDepthCaps(t *testing.T) {
	nested := func(n int, format string) string {
		var b strings.Builder
		b.WriteString("package acme:zip@1.0.0;\n\ninterface unpack {\n  type d0 = u8;\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "  type d%d = "+format+";\n", i, i-1)
		}
		fmt.Fprintf(&b, "  f: func(a: d%d);\n}\n\nworld zip {\n  export unpack;\n}\n", n)
		return b.String()
	}
	for _, tt := range []struct {
		text, want string
	}{
		{nested(100, "list<d%d>"), ""},
		{nested(101, "list<d%d>"), "acme:zip/unpack@1.0.0#f: type d101 nests deeper than 100"},
		{nested(1000, "d%d"), ""},
		{nested(1003, "d%d"), "acme:zip/unpack@1.0.0#f: type definitions and aliases nest deeper than 1000"},
	} {
		_, err := Load(writeWIT(t, tt.text), "acme:zip")
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Load = %v", err)
		case tt.want != "" && (err == nil || !strings.HasSuffix(err.Error(), ": "+tt.want)):
			t.Errorf("Load = %v, want an error ending %q", err, tt.want)
		}
	}
}

// TestImportedAliasChain: a long chain of aliases in an imported
// interface, which Load follows to find resources, is followed once.
func TestImportedAliasChain(t *testing.T) {
	const n = 5000
	var b strings.Builder
	b.WriteString("package acme:zip@1.0.0;\n\ninterface host {\n  type a0 = u8;\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  type a%d = a%d;\n", i, i-1)
	}
	b.WriteString("}\n\ninterface unpack {\n  f: func() -> u32;\n}\n\nworld zip {\n  import host;\n  export unpack;\n}\n")
	p, err := Load(writeWIT(t, b.String()), "acme:zip")
	if err != nil || len(p.Funcs) != 1 {
		t.Fatalf("Load = %v, %v", p, err)
	}
}

// dag returns tuple<t, t> nested levels deep over u8: 2^levels leaves in
// a graph of levels+1 *Types.
func dag(levels int) *Type {
	t := &Type{Kind: U8}
	for range levels {
		t = &Type{Kind: Tuple, Fields: []Field{{Type: t}, {Type: t}}}
	}
	return t
}

// variantDAG returns variant { a(t), b(t) } nested levels deep over u8.
func variantDAG(levels int) *Type {
	t := &Type{Kind: U8}
	for range levels {
		t = &Type{Kind: Variant, Cases: []Case{{Name: "a", Type: t}, {Name: "b", Type: t}}}
	}
	return t
}

// TestHandBuiltDAG: a type built by hand, as a bundle's or a Go program's,
// is measured, checked, compared and written in time linear in its
// *Types, and refused by Check past the caps.
func TestHandBuiltDAG(t *testing.T) {
	big := dag(60)
	if got := big.Size(); got != 1<<32-1 {
		t.Errorf("Size() = %d, want 2^32-1 (saturated)", got)
	}
	if n := big.flatCount(); n < 1<<40 {
		t.Errorf("flatCount() = %d, want saturated", n)
	}
	if big.Flat() != nil {
		t.Error("Flat() of a type past the caps is not nil")
	}
	f := &Func{Name: "f", Params: []Field{{Name: "a", Type: big}}}
	if err := f.Check(); err == nil || err.Error() != "f: parameter a is larger than 65536 bytes" {
		t.Errorf("Check() = %v", err)
	}
	f = &Func{Name: "f", Params: []Field{{Name: "a", Type: variantDAG(40)}}}
	if err := f.Check(); err == nil || err.Error() != "f: parameter a holds more than 10000 types, aliases expanded" {
		t.Errorf("Check() = %v", err)
	}
	// Values of it are refused before anything walks the type.
	if _, err := Lower(context.Background(), big, nil, nil); err == nil || err.Error() != "type is larger than 65536 bytes" {
		t.Errorf("Lower = %v", err)
	}
	if _, err := Lift(big, nil, nil); err == nil || err.Error() != "type is larger than 65536 bytes" {
		t.Errorf("Lift = %v", err)
	}
	if _, err := Invoke(context.Background(), nil, f, "f", nil); err == nil || !strings.HasSuffix(err.Error(), "holds more than 10000 types, aliases expanded") {
		t.Errorf("Invoke = %v", err)
	}
	if !sameType(dag(60), dag(60)) || sameType(dag(60), dag(59)) {
		t.Error("sameType does not tell dag(60) from dag(59)")
	}
	if !sameType(variantDAG(60), variantDAG(60)) {
		t.Error("sameType(variantDAG(60), variantDAG(60)) = false")
	}
	for _, s := range []string{big.String(), variantDAG(60).String(), f.Signature()} {
		if len(s) > maxTypeText+len("…") || !strings.HasSuffix(s, "…") {
			t.Errorf("String() is %d bytes, ending %q", len(s), s[len(s)-10:])
		}
	}
	if s := dag(2).String(); s != "tuple<tuple<u8, u8>, tuple<u8, u8>>" {
		t.Errorf("String() = %s", s)
	}
	// A cyclic type, which only Go code can build.
	cyc := &Type{Kind: List}
	cyc.Elem = &Type{Kind: Option, Elem: cyc}
	f = &Func{Name: "f", Params: []Field{{Name: "a", Type: cyc}}}
	if err := f.Check(); err == nil || err.Error() != "f: parameter a: types nest deeper than 100" {
		t.Errorf("Check(cyclic) = %v", err)
	}
	if sameType(cyc, &Type{Kind: List, Elem: cyc}) {
		t.Error("sameType of cyclic types = true")
	}
	if !sameType(cyc, cyc) {
		t.Error("a cyclic type is not the same as itself")
	}
	var tt TypeTable
	if _, err := tt.Func(f); err == nil {
		t.Error("TypeTable.Func took a cyclic type")
	}
}

// TestWAVEHostileType: reading and writing a value walks the value, not
// the type: a variant whose type written out is 2^60 cases deep is read
// and written by its one case a level.
func TestWAVEHostileType(t *testing.T) {
	ty := variantDAG(60)
	text := strings.Repeat("a(", 60) + "7" + strings.Repeat(")", 60)
	v, err := ParseWAVE(ty, text)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatWAVE(ty, v); got != text {
		t.Errorf("FormatWAVE = %s", got)
	}
	_, err = ParseWAVE(ty, "c")
	if err == nil || !strings.Contains(err.Error(), "has no case c") || len(err.Error()) > maxTypeText+100 {
		t.Errorf("ParseWAVE error = %.200v (%d bytes)", err, len(err.Error()))
	}
}

// Reference implementations: the canonical ABI's definitions as tree
// walks, as iface had them before its walks were memoized.
func refAlign(t *Type) uint32 {
	switch t.Kind {
	case Bool, S8, U8:
		return 1
	case S16, U16:
		return 2
	case S32, U32, F32, Char, String, List:
		return 4
	case S64, U64, F64:
		return 8
	case Record, Tuple:
		a := uint32(1)
		for _, f := range t.Fields {
			a = max(a, refAlign(f.Type))
		}
		return a
	case Variant, Enum, Option, Result:
		a := discSize(t.numCases())
		for _, p := range t.payloads() {
			if p != nil {
				a = max(a, refAlign(p))
			}
		}
		return a
	case Flags:
		switch n := len(t.Cases); {
		case n <= 8:
			return 1
		case n <= 16:
			return 2
		}
		return 4
	}
	return 1
}

func refSize(t *Type) uint32 {
	switch t.Kind {
	case Bool, S8, U8:
		return 1
	case S16, U16:
		return 2
	case S32, U32, F32, Char:
		return 4
	case S64, U64, F64, String, List:
		return 8
	case Record, Tuple:
		s := uint32(0)
		for _, f := range t.Fields {
			s = alignTo(s, refAlign(f.Type)) + refSize(f.Type)
		}
		return alignTo(s, refAlign(t))
	case Variant, Enum, Option, Result:
		ps := t.payloads()
		ca := uint32(1)
		cs := uint32(0)
		for _, p := range ps {
			if p != nil {
				ca = max(ca, refAlign(p))
				cs = max(cs, refSize(p))
			}
		}
		return alignTo(alignTo(discSize(len(ps)), ca)+cs, refAlign(t))
	case Flags:
		switch n := len(t.Cases); {
		case n == 0:
			return 0
		case n <= 8:
			return 1
		case n <= 16:
			return 2
		default:
			return 4 * uint32(flagWords(n))
		}
	}
	return 0
}

func refFlat(t *Type) []api.ValueType {
	switch t.Kind {
	case Bool, S8, U8, S16, U16, S32, U32, Char:
		return []api.ValueType{i32}
	case S64, U64:
		return []api.ValueType{i64}
	case F32:
		return []api.ValueType{f32}
	case F64:
		return []api.ValueType{f64}
	case String, List:
		return []api.ValueType{i32, i32}
	case Record, Tuple:
		var flat []api.ValueType
		for _, f := range t.Fields {
			flat = append(flat, refFlat(f.Type)...)
		}
		return flat
	case Variant, Enum, Option, Result:
		var joined []api.ValueType
		for _, p := range t.payloads() {
			if p == nil {
				continue
			}
			for i, ft := range refFlat(p) {
				if i < len(joined) {
					joined[i] = join(joined[i], ft)
				} else {
					joined = append(joined, ft)
				}
			}
		}
		return append([]api.ValueType{i32}, joined...)
	case Flags:
		flat := make([]api.ValueType, flagWords(len(t.Cases)))
		for i := range flat {
			flat[i] = i32
		}
		return flat
	}
	return nil
}

// TestLayoutMatchesTreeWalk checks the memoized layouts, of types built by
// hand and of the same types sealed (as Load and DecodeTypes make them),
// against the canonical ABI's definitions walked as trees.
func TestLayoutMatchesTreeWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		ty := genType(r, 4)
		var tt TypeTable
		tf, err := tt.Func(&Func{Name: "f", Params: []Field{{Name: "a", Type: ty}}})
		if err != nil {
			t.Fatalf("%s: %v", ty, err)
		}
		types, err := DecodeTypes(tt.Types)
		if err != nil {
			t.Fatalf("%s: %v", ty, err)
		}
		sealed := types[tf.Params[0].Type]
		want := refFlat(ty)
		for _, x := range []*Type{ty, sealed} {
			if x.Size() != refSize(ty) || x.Align() != refAlign(ty) {
				t.Fatalf("%s: size %d align %d, want %d %d", ty, x.Size(), x.Align(), refSize(ty), refAlign(ty))
			}
			if got := x.Flat(); !slices.Equal(got, want) || x.flatCount() != len(want) {
				t.Fatalf("%s: Flat() = %v (%d), want %v", ty, got, x.flatCount(), want)
			}
		}
		if !sameType(ty, sealed) || ty.String() != sealed.String() {
			t.Fatalf("%s: decoded as %s", ty, sealed)
		}
	}
}

// TestTypeTable encodes the functions of a WIT as a type table, through
// JSON, and decodes them: the same signatures, each type stored once.
func TestTypeTable(t *testing.T) {
	p, err := cachedLoad("testdata/types/types.wit", "acme:types")
	if err != nil {
		t.Fatal(err)
	}
	attack, err := Load(writeWIT(t, aliasWIT("1.0.0", 4, 8, "u8", "")), "acme:zip")
	if err != nil {
		t.Fatal(err)
	}
	funcs := append(slices.Clone(p.Funcs), attack.Funcs...)
	var tt TypeTable
	var tfs []*TableFunc
	for _, f := range funcs {
		tf, err := tt.Func(f)
		if err != nil {
			t.Fatal(err)
		}
		tfs = append(tfs, tf)
	}
	data, err := json.Marshal(struct {
		Types []TableType
		Funcs []*TableFunc
	}{tt.Types, tfs})
	if err != nil {
		t.Fatal(err)
	}
	// t4 holds 4681 types written out; the table holds t0 (u8, also
	// used by types.wit) to t4 and u32 once each.
	if len(data) > 8000 {
		t.Errorf("the table is %d bytes", len(data))
	}
	var back struct {
		Types []TableType
		Funcs []*TableFunc
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	types, err := DecodeTypes(back.Types)
	if err != nil {
		t.Fatal(err)
	}
	for i, tf := range back.Funcs {
		f, err := tf.Decode(types)
		if err != nil {
			t.Fatal(err)
		}
		if f.Signature() != funcs[i].Signature() || f.Interface != funcs[i].Interface || f.Name != funcs[i].Name ||
			!sameFunc(new(interner), f, funcs[i]) {
			t.Errorf("decoded %s#%s: %s, want %s", f.Interface, f.Name, f.Signature(), funcs[i].Signature())
		}
	}
	// Decoded, the attack's t4 is one *Type shared by its parents.
	last, _ := back.Funcs[len(back.Funcs)-1].Decode(types)
	t4 := last.Params[0].Type
	if t4.Fields[0].Type != t4.Fields[7].Type || t4.info == nil {
		t.Error("decoded types are not shared and sealed")
	}
}

// TestDecodeTypesHostile: a table is hostile input; whatever it holds,
// DecodeTypes refuses it, or returns types within the caps, in time
// linear in the table.
func TestDecodeTypesHostile(t *testing.T) {
	ref := func(n int) *int { return &n }
	u8 := TableType{Kind: "u8"}
	tuple := func(n, of int) TableType {
		e := TableType{Kind: "tuple"}
		for range n {
			e.Fields = append(e.Fields, TableField{Type: of})
		}
		return e
	}
	attack := []TableType{u8}
	for i := range 64 {
		attack = append(attack, tuple(8, i))
	}
	deep := []TableType{u8}
	for i := range 101 {
		deep = append(deep, TableType{Kind: "list", Elem: ref(i)})
	}
	for _, tt := range []struct {
		name  string
		table []TableType
		want  string
	}{
		{"the alias attack", attack, "types[5] holds more than 10000 types, aliases expanded"},
		{"too deep", deep, "types[101] nests deeper than 100"},
		{"a self reference", []TableType{{Kind: "list", Elem: ref(0)}}, "types[0]: refers to types[0], not an earlier entry"},
		{"a forward reference", []TableType{{Kind: "option", Elem: ref(1)}, u8}, "types[0]: refers to types[1], not an earlier entry"},
		{"a cycle", []TableType{u8, {Kind: "tuple", Fields: []TableField{{Type: 2}}}, {Kind: "list", Elem: ref(1)}},
			"types[1]: refers to types[2], not an earlier entry"},
		{"a negative reference", []TableType{u8, {Kind: "result", Ok: ref(-1)}}, "types[1]: refers to types[-1], not an earlier entry"},
		{"an unknown kind", []TableType{{Kind: "resource"}}, `types[0]: unknown kind "resource"`},
		{"a list without element", []TableType{{Kind: "list"}}, "types[0]: list without an element type"},
		{"a record without fields", []TableType{{Kind: "record"}}, "types[0]: record without fields"},
		{"an enum case with a payload", []TableType{u8, {Kind: "enum", Cases: []TableCase{{Name: "a", Type: ref(0)}}}},
			"types[1]: enum case a with a payload"},
		{"a u8 with fields", []TableType{u8, {Kind: "u8", Fields: []TableField{{Type: 0}}}}, "types[1]: u8 with parts it cannot have"},
		{"a list with fields", []TableType{u8, {Kind: "list", Elem: ref(0), Fields: []TableField{{Type: 0}}}}, "types[1]: list with parts it cannot have"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTypes(tt.table)
			if err == nil || err.Error() != tt.want {
				t.Errorf("DecodeTypes = %v, want %s", err, tt.want)
			}
		})
	}
	types, err := DecodeTypes([]TableType{u8})
	if err != nil {
		t.Fatal(err)
	}
	for _, tf := range []*TableFunc{
		{Name: "f", Params: []TableField{{Name: "a", Type: 1}}},
		{Name: "f", Results: []int{-1}},
	} {
		if _, err := tf.Decode(types); err == nil || !strings.Contains(err.Error(), "past the 1 types") {
			t.Errorf("Decode = %v", err)
		}
	}
	// Within the caps each, past them together.
	four := attack[:5]
	types, err = DecodeTypes(four)
	if err != nil {
		t.Fatal(err)
	}
	tf := &TableFunc{Name: "f", Params: []TableField{{Name: "a", Type: 4}, {Name: "b", Type: 4}, {Name: "c", Type: 4}}}
	if _, err := tf.Decode(types); err == nil || err.Error() != "f: its parameters and results hold more than 10000 types together, aliases expanded" {
		t.Errorf("Decode = %v", err)
	}
}

// TestDiffShared compares two loads of the alias WIT: the same structure
// in other *Types is no change; a changed leaf changes every function
// using it, each reported with its signature cut short.
func TestDiffShared(t *testing.T) {
	funcs := ""
	for i := range 20 {
		funcs += fmt.Sprintf("  f%d: func(a: t4) -> t4;\n", i)
	}
	load := func(version, leaf string) *Package {
		p, err := Load(writeWIT(t, aliasWIT(version, 4, 8, leaf, funcs)), "acme:zip")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	old, same, changed := load("1.0.0", "u8"), load("1.1.0", "u8"), load("1.2.0", "u16")
	if cs := Diff(old, same); len(cs) != 0 {
		t.Errorf("Diff(old, same) = %v", cs)
	}
	cs := Diff(old, changed)
	if len(cs) != 20 {
		t.Fatalf("Diff(old, changed) = %d changes", len(cs))
	}
	for _, c := range cs {
		if c.Kind != Changed || !strings.HasPrefix(c.Old, "func(a: tuple<tuple<tuple<tuple<u8, u8,") ||
			!strings.HasSuffix(c.Old, "…") || len(c.Old) > maxTypeText+len("…") {
			t.Errorf("change %s: old %.80s… (%d bytes)", c.What, c.Old, len(c.Old))
		}
	}
}

// TestNewAdapterCaps: an adapter for a function past the caps, which a
// tampered bundle could name, is refused before its types are compiled.
func TestNewAdapterCaps(t *testing.T) {
	rt := newRuntime(t)
	child := instantiate(t, rt, "zip.wasm", "child")
	mem := instantiate(t, rt, "mem.wasm", "mem")
	f := &Func{Name: "extract", Params: []Field{{Name: "a", Type: variantDAG(50)}}}
	if _, err := NewAdapter(f, mem, child, zipIface+"#extract"); err == nil || err.Error() != "extract: parameter a holds more than 10000 types, aliases expanded" {
		t.Errorf("NewAdapter = %v", err)
	}
}
