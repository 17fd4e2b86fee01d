package iface

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestParseWAVE(t *testing.T) {
	entry := "record { name: string, size: u64 }"
	for _, c := range []struct {
		typ, text string
		want      Value
		format    string // FormatWAVE's text, if not text
	}{
		{"bool", "true", true, ""},
		{"bool", " false ", false, "false"},
		{"s8", "-128", int64(-128), ""},
		{"u8", "255", uint64(255), ""},
		{"s64", "-9223372036854775808", int64(math.MinInt64), ""},
		{"u64", "18446744073709551615", uint64(math.MaxUint64), ""},
		{"f32", "3.5", 3.5, ""},
		{"f32", "0.1", float64(float32(0.1)), ""},
		{"f64", "-1e-9", -1e-09, "-1e-09"},
		{"f64", "7", 7.0, ""},
		{"f64", "-0", math.Copysign(0, -1), ""},
		{"f64", "inf", math.Inf(1), ""},
		{"f64", "-inf", math.Inf(-1), ""},
		{"char", "'x'", 'x', ""},
		{"char", `'\''`, '\'', ""},
		{"char", `'"'`, '"', ""},
		{"char", `'\u{1F980}'`, '🦀', "'🦀'"},
		{"char", `'\u{0}'`, rune(0), ""},
		{"string", `"hello\n"`, "hello\n", ""},
		{"string", `"tab\t quote\" back\\ 'single'"`, "tab\t quote\" back\\ 'single'", ""},
		{"string", `"\u{e9}\r"`, "é\r", `"é\r"`},
		{"string", `""`, "", ""},
		{"list<u8>", "[1, 2, 3]", []Value{uint64(1), uint64(2), uint64(3)}, ""},
		{"list<u8>", "[ 1 ,2, ]", []Value{uint64(1), uint64(2)}, "[1, 2]"},
		{"list<u8>", "[]", []Value{}, ""},
		{"list<list<string>>", `[["a"], []]`, []Value{[]Value{"a"}, []Value{}}, ""},
		{"tuple<u8, string>", `(1, "a")`, []Value{uint64(1), "a"}, ""},
		{"tuple<u8>", `(1,)`, []Value{uint64(1)}, "(1)"},
		{entry, `{name: "x", size: 3}`, []Value{"x", uint64(3)}, ""},
		{entry, `{ size: 3, name: "x", }`, []Value{"x", uint64(3)}, `{name: "x", size: 3}`},
		{"record { a: u8, b: option<u8> }", `{a: 1}`, []Value{uint64(1), OptionValue{}}, `{a: 1, b: none}`},
		{"record { true: bool }", `{%true: true}`, []Value{true}, ""},
		{"variant { a, b(string) }", `b("x")`, VariantValue{Case: "b", Value: "x"}, ""},
		{"variant { a, b(string) }", `a`, VariantValue{Case: "a"}, ""},
		{"variant { none, some(u8) }", `%some(1)`, VariantValue{Case: "some", Value: uint64(1)}, ""},
		{"enum { read-only, read-write }", "read-write", "read-write", ""},
		{"enum { ok, err }", "%err", "err", ""},
		{"enum { ok, err }", "err", "err", "%err"},
		{"option<u8>", "some(1)", OptionValue{Some: true, Value: uint64(1)}, ""},
		{"option<u8>", "none", OptionValue{}, ""},
		{"option<option<u8>>", "some(none)", OptionValue{Some: true, Value: OptionValue{}}, ""},
		{"result", "ok", ResultValue{}, ""},
		{"result", "err", ResultValue{Err: true}, ""},
		{"result<u8>", "ok(1)", ResultValue{Value: uint64(1)}, ""},
		{"result<u8>", "err", ResultValue{Err: true}, ""},
		{"result<_, string>", `err("x")`, ResultValue{Err: true, Value: "x"}, ""},
		{"result<list<" + entry + ">, string>", `ok([{name: "a", size: 1}])`, ResultValue{Value: []Value{[]Value{"a", uint64(1)}}}, ""},
		{"flags { read, write, exec }", "{write, read}", []string{"read", "write"}, "{read, write}"},
		{"flags { read, write, exec }", "{}", []string(nil), ""},
	} {
		typ := abiType(c.typ)
		got, err := ParseWAVE(typ, c.text)
		if err != nil {
			t.Errorf("ParseWAVE(%s, %s): %v", c.typ, c.text, err)
			continue
		}
		if !equalValues(typ, got, c.want) || !reflect.DeepEqual(got, c.want) && typ.Kind != F32 && typ.Kind != F64 {
			t.Errorf("ParseWAVE(%s, %s) = %#v, want %#v", c.typ, c.text, got, c.want)
		}
		want := c.format
		if want == "" {
			want = c.text
		}
		if s := FormatWAVE(typ, got); s != want {
			t.Errorf("FormatWAVE(%s, %#v) = %s, want %s", c.typ, got, s, want)
		}
	}
}

func TestParseWAVEErrors(t *testing.T) {
	for _, c := range []struct{ typ, text, want string }{
		{"bool", "yes", "WAVE at offset 0: want true or false, found \"yes\""},
		{"bool", "true false", "WAVE at offset 5: unexpected \"false\" after the value"},
		{"u8", "256", "want u8, found \"256\""},
		{"u8", "-1", "want u8, found \"-1\""},
		{"u32", "1.5", "want u32, found \"1.5\""},
		{"s8", "x", "want s8, found \"x\""},
		{"f64", "1.5x", "want f64, found \"1.5x\""},
		{"f64", "infinity", "want f64, found \"infinity\""},
		{"char", "'ab'", "a char is one character"},
		{"char", "''", "a char is one character"},
		{"char", `'\u{D800}'`, `invalid escape \u{D800}`},
		{"string", `"abc`, "unterminated \""},
		{"string", `"a\qb"`, `invalid escape \q`},
		{"string", "\"a\nb\"", "newline in a literal"},
		{"list<u8>", "[1 2]", "want ',' or ']', found \"2]\""},
		{"tuple<u8, u8>", "(1)", "tuple<u8, u8> has 2 elements, found 1"},
		{"tuple<u8>", "(1, 2)", "tuple<u8> has 1 elements, found more"},
		{"record { a: u8 }", "{b: 1}", "record { a: u8 } has no field b"},
		{"record { a: u8 }", "{a: 1, a: 2}", "field a is given twice"},
		{"record { a: u8, b: u8 }", "{a: 1}", "field b is missing"},
		{"variant { a, b(u8) }", "b", "want '(', found end of text"},
		{"variant { a, b(u8) }", "a(1)", "case a has no payload"},
		{"variant { a, b(u8) }", "c", "variant { a, b(u8) } has no case c"},
		{"option<u8>", "1", "option<u8> has no case 1"},
		{"option<u8>", "%some(1)", "option<u8> has no case some"},
		{"result", "ok(1)", "case ok has no payload"},
		{"flags { a, b }", "{a, c}", "flags { a, b } has no flag c"},
		{"flags { a, b }", "{a, a}", "flag a is set twice"},
	} {
		_, err := ParseWAVE(abiType(c.typ), c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseWAVE(%s, %s): error %v, want %q", c.typ, c.text, err, c.want)
		}
	}
}

// TestWAVERoundTrip formats random values and parses them back.
func TestWAVERoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		typ := genType(r, 3)
		v := genValue(r, typ)
		text := FormatWAVE(typ, v)
		got, err := ParseWAVE(typ, text)
		if err != nil || !equalValues(typ, v, got) {
			t.Fatalf("%s: ParseWAVE(FormatWAVE(%#v) = %s) = %#v, %v", typ, v, text, got, err)
		}
	}
}

func TestFormatWAVEMismatch(t *testing.T) {
	if got := FormatWAVE(abiType("u8"), "x"); got != `<u8: "x">` {
		t.Errorf("FormatWAVE(u8, \"x\") = %s", got)
	}
	if got := FormatWAVE(abiType("list<u8>"), []byte{1, 2}); got != "[1, 2]" {
		t.Errorf("FormatWAVE(list<u8>, []byte) = %s", got)
	}
}
