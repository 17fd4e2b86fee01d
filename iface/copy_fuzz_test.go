package iface

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// genType returns a random type, at most depth compound types deep.
func genType(r *rand.Rand, depth int) *Type {
	k := Kind(1 + r.IntN(int(String)))
	if depth > 0 && r.IntN(3) > 0 {
		k = Kind(int(List) + r.IntN(int(Flags)-int(List)+1))
	}
	t := &Type{Kind: k}
	names := func(n int) []Case {
		cs := make([]Case, n)
		for i := range cs {
			cs[i].Name = "c" + strconv.Itoa(i)
		}
		return cs
	}
	switch k {
	case List, Option:
		t.Elem = genType(r, depth-1)
	case Record, Tuple:
		for i := range 1 + r.IntN(4) {
			t.Fields = append(t.Fields, Field{Name: "f" + strconv.Itoa(i), Type: genType(r, depth-1)})
		}
		if k == Tuple {
			for i := range t.Fields {
				t.Fields[i].Name = ""
			}
		}
	case Variant:
		t.Cases = names(1 + r.IntN(4))
		for i := range t.Cases {
			if r.IntN(3) > 0 {
				t.Cases[i].Type = genType(r, depth-1)
			}
		}
	case Enum:
		n := 1 + r.IntN(5)
		if r.IntN(8) == 0 {
			n = 300 // a u16 discriminant
		}
		t.Cases = names(n)
	case Result:
		if r.IntN(3) > 0 {
			t.Ok = genType(r, depth-1)
		}
		if r.IntN(3) > 0 {
			t.Err = genType(r, depth-1)
		}
	case Flags:
		n := 1 + r.IntN(20)
		if r.IntN(4) == 0 {
			n = 20 + r.IntN(60)
		}
		t.Cases = names(n)
	}
	return t
}

var runes = []rune{'a', 'z', '0', ' ', '\n', 0, 'é', 'ß', '€', '中', '🦀', 0x10FFFF, 0xD7FF, 0xE000}

// genValue returns a random value of t.
func genValue(r *rand.Rand, t *Type) Value {
	switch t.Kind {
	case Bool:
		return r.IntN(2) == 1
	case S8, S16, S32, S64:
		bits := 8 * t.Size()
		return r.Int64() << (64 - bits) >> (64 - bits)
	case U8, U16, U32, U64:
		bits := 8 * t.Size()
		return r.Uint64() >> (64 - bits)
	case F32:
		switch r.IntN(8) {
		case 0:
			return math.NaN()
		case 1:
			return math.Inf(-1)
		}
		return float64(math.Float32frombits(r.Uint32()&^(0xff<<23) | uint32(r.IntN(254)+1)<<23))
	case F64:
		if r.IntN(8) == 0 {
			return math.NaN()
		}
		return r.NormFloat64() * 1e10
	case Char:
		return runes[r.IntN(len(runes))]
	case String:
		rs := make([]rune, r.IntN(6))
		for i := range rs {
			rs[i] = runes[r.IntN(len(runes))]
		}
		return string(rs)
	case List:
		vs := make([]Value, r.IntN(4))
		for i := range vs {
			vs[i] = genValue(r, t.Elem)
		}
		return vs
	case Record, Tuple:
		vs := make([]Value, len(t.Fields))
		for i, f := range t.Fields {
			vs[i] = genValue(r, f.Type)
		}
		return vs
	case Variant:
		c := t.Cases[r.IntN(len(t.Cases))]
		var v Value
		if c.Type != nil {
			v = genValue(r, c.Type)
		}
		return VariantValue{Case: c.Name, Value: v}
	case Enum:
		return t.Cases[r.IntN(len(t.Cases))].Name
	case Option:
		if r.IntN(2) == 0 {
			return OptionValue{}
		}
		return OptionValue{Some: true, Value: genValue(r, t.Elem)}
	case Result:
		res := ResultValue{Err: r.IntN(2) == 1}
		if p := t.payloads()[map[bool]int{false: 0, true: 1}[res.Err]]; p != nil {
			res.Value = genValue(r, p)
		}
		return res
	case Flags:
		var set []string
		for _, c := range t.Cases {
			if r.IntN(2) == 1 {
				set = append(set, c.Name)
			}
		}
		return set
	}
	panic("genValue: kind " + strconv.Itoa(int(t.Kind)))
}

// equalValues compares two values of t, a NaN equal to a NaN.
func equalValues(t *Type, a, b Value) bool {
	switch t.Kind {
	case F32, F64:
		x, y := a.(float64), b.(float64)
		return x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y)
	case List, Record, Tuple:
		x, y := a.([]Value), b.([]Value)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			et := t.Elem
			if t.Kind != List {
				et = t.Fields[i].Type
			}
			if !equalValues(et, x[i], y[i]) {
				return false
			}
		}
		return true
	case Variant:
		x, y := a.(VariantValue), b.(VariantValue)
		if x.Case != y.Case {
			return false
		}
		for _, c := range t.Cases {
			if c.Name == x.Case && c.Type != nil {
				return equalValues(c.Type, x.Value, y.Value)
			}
		}
		return x.Value == nil && y.Value == nil
	case Option:
		x, y := a.(OptionValue), b.(OptionValue)
		return x.Some == y.Some && (!x.Some || equalValues(t.Elem, x.Value, y.Value))
	case Result:
		x, y := a.(ResultValue), b.(ResultValue)
		if x.Err != y.Err {
			return false
		}
		if p := t.payloads()[map[bool]int{false: 0, true: 1}[x.Err]]; p != nil {
			return equalValues(p, x.Value, y.Value)
		}
		return x.Value == nil && y.Value == nil
	case Flags:
		x, y := a.([]string), b.([]string)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

// roundTrip holds the two instances of mem.wasm a value is copied between.
type roundTrip struct {
	a, b api.Module
}

func newRoundTrip(tb testing.TB) *roundTrip {
	rt := newRuntime(tb)
	return &roundTrip{a: instantiate(tb, rt, "mem.wasm", "a"), b: instantiate(tb, rt, "mem.wasm", "b")}
}

func (rtp *roundTrip) sides(tb testing.TB) (*memSide, *memSide) {
	sa, err := newSide("caller", rtp.a, true, true)
	if err != nil {
		tb.Fatal(err)
	}
	sb, err := newSide("callee", rtp.b, true, true)
	if err != nil {
		tb.Fatal(err)
	}
	sa.refresh()
	sb.refresh()
	return &sa, &sb
}

// check lowers v into a, copies it to b, flat and in memory, lifts it
// from b and compares. Then it corrupts the copy in a's memory: copying
// must fail exactly when lifting from a fails, and otherwise lift the
// same value from b as from a.
func (rtp *roundTrip) check(t *testing.T, typ *Type, v Value, r *rand.Rand) {
	ctx := context.Background()
	mustCall(t, rtp.a, "reset")
	mustCall(t, rtp.b, "reset")
	l := compile(typ)

	// flat
	flat, err := Lower(ctx, typ, v, rtp.a)
	if err != nil {
		t.Fatalf("%s: Lower(%#v): %v", typ, v, err)
	}
	sa, sb := rtp.sides(t)
	c := copier{ctx: ctx, src: sa, dst: sb}
	out := make([]uint64, l.nflat)
	if err := c.flat(l, flat, out); err != nil {
		t.Fatalf("%s: flat copy of %#v: %v", typ, v, err)
	}
	got, err := Lift(typ, out, rtp.b)
	if err != nil || !equalValues(typ, v, got) {
		t.Fatalf("%s: flat copy of %#v lifts to %#v, %v", typ, v, got, err)
	}
	// the same through a flat program, as the adapter copies arguments,
	// from flat values with a flipped bit
	prog := flatProgram(compile(&Type{Kind: Tuple, Fields: []Field{{Name: "x", Type: typ}}}), "argument ")
	bad := append([]uint64(nil), flat...)
	if len(bad) > 0 && r.IntN(2) == 0 {
		bad[r.IntN(len(bad))] ^= 1 << r.IntN(64)
	}
	wantFlat, liftFlatErr := Lift(typ, bad, rtp.a)
	out2 := make([]uint64, l.nflat)
	flatErr := c.flat(l, bad, out)
	runErr := c.run(prog, bad, out2)
	if (liftFlatErr == nil) != (flatErr == nil) || (flatErr == nil) != (runErr == nil) {
		t.Fatalf("%s: flat %#v: lift error %v, flat copy error %v, program error %v", typ, bad, liftFlatErr, flatErr, runErr)
	}
	if flatErr != nil {
		if strings.ReplaceAll(liftFlatErr.Error(), "module a's", "caller's") != flatErr.Error() || runErr.Error() != "argument x: "+flatErr.Error() {
			t.Fatalf("%s: flat %#v: lift error %q, flat copy error %q, program error %q", typ, bad, liftFlatErr, flatErr, runErr)
		}
	} else {
		for _, o := range [][]uint64{out, out2} {
			if got, err := Lift(typ, o, rtp.b); err != nil || !equalValues(typ, wantFlat, got) {
				t.Fatalf("%s: flat %#v lifts as %#v from a, %#v, %v from b", typ, bad, wantFlat, got, err)
			}
		}
	}

	// in memory
	ha := host{ctx: ctx, s: sa}
	p, err := sa.alloc(ctx, l.align, l.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := ha.store(l, v, p); err != nil {
		t.Fatalf("%s: store(%#v): %v", typ, v, err)
	}
	sb.refresh()
	q, err := sb.alloc(ctx, l.align, l.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.mem(l, p, q); err != nil {
		t.Fatalf("%s: copy of %#v: %v", typ, v, err)
	}
	hb := host{ctx: ctx, s: sb}
	got, err = hb.load(l, q)
	if err != nil || !equalValues(typ, v, got) {
		t.Fatalf("%s: copy of %#v loads as %#v, %v", typ, v, got, err)
	}

	// corrupted: flip bits of the value in a's memory, from p to the
	// top of its heap
	top, err := sa.alloc(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 1 + r.IntN(3) {
		i := p + uint32(r.IntN(int(top-p)))
		sa.buf[i] ^= byte(1 << r.IntN(8))
	}
	want, liftErr := ha.load(l, p)
	sb.refresh()
	q, err = sb.alloc(ctx, l.align, l.size)
	if err != nil {
		t.Fatal(err)
	}
	copyErr := c.mem(l, p, q)
	if (liftErr == nil) != (copyErr == nil) {
		t.Fatalf("%s: corrupted %#v: lift error %v, copy error %v", typ, v, liftErr, copyErr)
	}
	if copyErr != nil {
		if liftErr.Error() != copyErr.Error() {
			t.Fatalf("%s: corrupted %#v: lift error %q, copy error %q", typ, v, liftErr, copyErr)
		}
		return
	}
	got, err = hb.load(l, q)
	if err != nil || !equalValues(typ, want, got) {
		t.Fatalf("%s: corrupted %#v: lifts as %#v from a, %#v, %v from b", typ, v, want, got, err)
	}
}

// FuzzRoundTrip copies random values of random types from one instance
// of mem.wasm to another with the adapter's copy machinery and checks
// that they lift back equal; then it corrupts them (see roundTrip.check).
func FuzzRoundTrip(f *testing.F) {
	for _, seed := range []string{"", "a", "list", "record", "variant", "flags", "nested", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		f.Add([]byte(seed))
	}
	rtp := newRoundTrip(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := fnv.New128a()
		h.Write(data)
		sum := h.Sum(nil)
		r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum), binary.LittleEndian.Uint64(sum[8:])))
		for range 8 {
			typ := genType(r, 3)
			rtp.check(t, typ, genValue(r, typ), r)
		}
	})
}

// TestRoundTripKinds runs the round trip over many random types, beyond
// FuzzRoundTrip's seeds.
func TestRoundTripKinds(t *testing.T) {
	rtp := newRoundTrip(t)
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		typ := genType(r, 3)
		rtp.check(t, typ, genValue(r, typ), r)
	}
}
