package iface

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestInvoke(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	child := instantiate(t, rt, "zip.wasm", "child")
	u64s := make([]Value, 15)
	for i := range u64s {
		u64s[i] = uint64(i + 1)
	}
	entry := func(name string, size uint64) Value { return []Value{name, size} }
	for _, c := range []struct {
		fn   string
		args []Value
		want Value
	}{
		{"extract", []Value{[]Value{uint64(1), uint64(2), uint64(3)}, "ab"},
			ResultValue{Value: []Value{entry("a", 1<<32), entry("ab", 2<<32|1), entry("a", 3<<32|2)}}},
		{"extract", []Value{[]byte{9}, "ab"}, ResultValue{Value: []Value{entry("a", 9<<32)}}},
		{"extract", []Value{[]Value{}, ""}, ResultValue{Err: true, Value: "dest is empty"}},
		{"count", []Value{uint64(40), 2}, uint64(42)},
		{"big", []Value{"hello", u64s}, "ello"},
		{"pick", []Value{VariantValue{Case: "a", Value: uint64(5)}}, uint64(5)},
		{"pick", []Value{VariantValue{Case: "b", Value: 1.5}}, uint64(1<<56 | uint64(math.Float32bits(1.5)))},
		{"pick", []Value{VariantValue{Case: "d", Value: "xyz"}}, uint64(3*1000 + 'x')},
		{"probe", []Value{'x'}, true},
		{"probe", []Value{'é'}, false},
	} {
		got, err := Invoke(ctx, child, zipFuncs[c.fn], zipIface+"#"+c.fn, c.args)
		if err != nil {
			t.Errorf("%s%v: %v", c.fn, c.args, err)
			continue
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], c.want) {
			t.Errorf("%s%v = %#v, want %#v", c.fn, c.args, got, c.want)
		}
	}
	if got := mustCall(t, child, "posts")[0]; got != 3 {
		t.Errorf("cabi_post called %d times, want 3", got)
	}
}

func TestInvokeErrors(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	child := instantiate(t, rt, "zip.wasm", "child")
	hostile := instantiate(t, rt, "hostile.wasm", "hostile")
	mustCall(t, hostile, "set_mode", 3)
	for _, c := range []struct {
		m    string
		fn   string
		args []Value
		want string
	}{
		{"child", "count", []Value{"x", uint64(1)}, zipIface + "#count: argument a: string is not a value of u32"},
		{"child", "count", []Value{int64(-1), uint64(1)}, zipIface + "#count: argument a: -1 is out of range for u32"},
		{"child", "count", []Value{uint64(1 << 32), uint64(1)}, zipIface + "#count: argument a: 4294967296 is out of range for u32"},
		{"child", "count", []Value{uint64(1)}, zipIface + "#count takes 2 arguments, got 1"},
		{"child", "probe", []Value{rune(0xD800)}, zipIface + "#probe: argument c: invalid char 0xd800"},
		{"child", "pick", []Value{VariantValue{Case: "e"}}, zipIface + "#pick: argument v: variant { a(u32), b(f32), c(u64), d(string) } has no case \"e\""},
		{"child", "extract", []Value{[]Value{uint64(256)}, "x"}, zipIface + "#extract: argument archive: element 0: 256 is out of range for u8"},
		{"child", "extract", []Value{[]Value{}, "\xff"}, zipIface + "#extract: argument dest: string is not valid UTF-8"},
		{"child", "big", []Value{"x", []Value{uint64(1)}}, zipIface + "#big: argument t: tuple<u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64> has 15 fields, got 1 values"},
		{"hostile", "extract", []Value{[]Value{}, "x"}, zipIface + "#extract: result: err: string of 2 bytes at 0x400 is not valid UTF-8 (at byte 0)"},
	} {
		m := child
		if c.m == "hostile" {
			m = hostile
		}
		_, err := Invoke(ctx, m, zipFuncs[c.fn], zipIface+"#"+c.fn, c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s%v: error %v, want %s", c.fn, c.args, err, c.want)
		}
	}
}

// TestLowerLift lowers values into one module and lifts them back.
func TestLowerLift(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	m := instantiate(t, rt, "mem.wasm", "mem")
	for _, c := range []struct {
		typ string
		v   Value
	}{
		{"bool", true},
		{"s8", int64(-128)},
		{"u16", uint64(65535)},
		{"s64", int64(math.MinInt64)},
		{"f32", 1.5},
		{"f64", math.Inf(-1)},
		{"char", '🦀'},
		{"string", "héllo"},
		{"list<string>", []Value{"a", "", "ccc"}},
		{"tuple<u8, string>", []Value{uint64(1), "x"}},
		{"record { a: u8, b: list<u64> }", []Value{uint64(1), []Value{uint64(2), uint64(3)}}},
		{"variant { a, b(string) }", VariantValue{Case: "b", Value: "x"}},
		{"variant { a, b(string) }", VariantValue{Case: "a"}},
		{"enum { x, y }", "y"},
		{"option<option<u8>>", OptionValue{Some: true, Value: OptionValue{}}},
		{"result<_, string>", ResultValue{Err: true, Value: "bad"}},
		{"result", ResultValue{}},
		{"flags { a, b, c }", []string{"a", "c"}},
	} {
		typ := abiType(c.typ)
		flat, err := Lower(ctx, typ, c.v, m)
		if err != nil {
			t.Errorf("Lower(%s, %#v): %v", c.typ, c.v, err)
			continue
		}
		got, err := Lift(typ, flat, m)
		if err != nil || !reflect.DeepEqual(got, c.v) {
			t.Errorf("Lift(%s, Lower(%#v)) = %#v, %v", c.typ, c.v, got, err)
		}
	}
	if _, err := Lift(abiType("string"), []uint64{0xfffffff0, 100}, m); err == nil ||
		!strings.Contains(err.Error(), "string of 100 bytes at 0xfffffff0 is out of bounds of the module mem's memory") {
		t.Errorf("Lift of an out-of-bounds string: %v", err)
	}
}
