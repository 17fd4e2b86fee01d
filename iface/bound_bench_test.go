package iface

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanoproc/nano/internal/heap"
)

// witCase is a benchmark input: the alias WIT of issue 7 at a depth, with
// one function of its deepest type, or n functions of t4 (the deepest
// within the caps).
type witCase struct {
	name          string
	levels, funcs int
}

func witCases() []witCase {
	var cs []witCase
	for _, d := range []int{4, 8, 16, 32, 64} {
		cs = append(cs, witCase{fmt.Sprintf("depth=%d", d), d, 0})
	}
	for _, n := range []int{16, 64, 256, 1024} {
		cs = append(cs, witCase{fmt.Sprintf("funcs=%d", n), 4, n})
	}
	return cs
}

func (c witCase) text(version, leaf string) string {
	funcs := ""
	for i := range c.funcs {
		funcs += fmt.Sprintf("  fn%d: func(a: t4) -> t4;\n", i)
	}
	return aliasWIT(version, c.levels, 8, leaf, funcs)
}

// BenchmarkAliasLoadDiff loads two versions of the alias WIT, the second
// with t0 = u16 for u8, and compares them, as update, audit and diff do:
// the time and the peak heap grow with the WIT's text, not with its types
// written out (8^depth). Past 4 levels Load refuses the WIT at t5.
func BenchmarkAliasLoadDiff(b *testing.B) {
	if _, err := cachedLoad("testdata/types/types.wit", "acme:types"); err != nil {
		b.Fatal(err) // wasm-tools compiled before timing
	}
	for _, c := range witCases() {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			oldText, newText := c.text("1.0.0", "u8"), c.text("1.1.0", "u16")
			oldFile, newFile := filepath.Join(dir, "old.wit"), filepath.Join(dir, "new.wit")
			if err := os.WriteFile(oldFile, []byte(oldText), 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(newFile, []byte(newText), 0o644); err != nil {
				b.Fatal(err)
			}
			changes := 0
			op := func() {
				old, err1 := Load(oldFile, "acme:zip")
				new, err2 := Load(newFile, "acme:zip")
				if (err1 == nil) != (c.levels <= 4) || (err2 == nil) != (c.levels <= 4) {
					b.Fatalf("Load: %v, %v", err1, err2)
				}
				if err1 == nil && err2 == nil {
					changes = len(Diff(old, new))
				}
			}
			peak := heap.Peak(op)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				op()
			}
			b.ReportMetric(float64(peak), "peak-B")
			b.ReportMetric(float64(len(oldText)+len(newText)), "wit-B")
			b.ReportMetric(float64(changes), "changes")
		})
	}
}

// BenchmarkTypeWalks walks types built by hand, as a Go program or a
// decoded bundle could build them, past every cap: tuple<t, t, ..., t>
// (eight) nested depth levels deep over u8, 8^depth leaves in depth+1
// *Types. Check refuses them, and sameType, String, Size and Flat take time
// linear in the depth.
func BenchmarkTypeWalks(b *testing.B) {
	eight := func(levels int) *Type {
		t := &Type{Kind: U8}
		for range levels {
			fs := make([]Field, 8)
			for i := range fs {
				fs[i].Type = t
			}
			t = &Type{Kind: Tuple, Fields: fs}
		}
		return t
	}
	for _, d := range []int{4, 8, 16, 32, 64} {
		b.Run(fmt.Sprintf("depth=%d", d), func(b *testing.B) {
			op := func() {
				x, y := eight(d), eight(d)
				f := &Func{Name: "f", Params: []Field{{Name: "a", Type: x}}}
				if err := f.Check(); (err == nil) != (d <= 4) {
					b.Fatalf("Check = %v", err)
				}
				if !sameType(x, y) {
					b.Fatal("sameType = false")
				}
				_ = x.String()
				_ = x.Size()
				_ = x.Flat()
				var tt TypeTable
				if _, err := tt.Func(f); (err == nil) != (d <= 4) {
					b.Fatalf("TypeTable.Func = %v", err)
				}
			}
			peak := heap.Peak(op)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				op()
			}
			b.ReportMetric(float64(peak), "peak-B")
		})
	}
}

// BenchmarkAliasDiff compares the two versions of the alias WIT that
// BenchmarkAliasLoadDiff loads, without loading them: nano's own share of
// the work, linear in the functions (each changed one is reported with
// its signatures, cut short at 4 KiB), where writing them out in full
// would take 4,681 types a use.
func BenchmarkAliasDiff(b *testing.B) {
	for _, c := range witCases()[5:] {
		b.Run(c.name, func(b *testing.B) {
			old, err := Load(writeWIT(b, c.text("1.0.0", "u8")), "acme:zip")
			if err != nil {
				b.Fatal(err)
			}
			new, err := Load(writeWIT(b, c.text("1.1.0", "u16")), "acme:zip")
			if err != nil {
				b.Fatal(err)
			}
			same, err := Load(writeWIT(b, c.text("1.2.0", "u8")), "acme:zip")
			if err != nil {
				b.Fatal(err)
			}
			op := func() {
				if len(Diff(old, new)) != c.funcs || len(Diff(old, same)) != 0 {
					b.Fatal("wrong changes")
				}
			}
			peak := heap.Peak(op)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				op()
			}
			b.ReportMetric(float64(peak), "peak-B")
		})
	}
}
