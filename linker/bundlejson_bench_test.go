package linker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nanoproc/nano/internal/heap"
)

// BenchmarkBundleTypes writes a bundle's bundle.json and reads it back, as
// build and run do, for the types of issue 7's alias WIT: one function of
// t_depth (refused past 4 levels, when the bundle is written), or n
// functions of t4 exported and imported. Time, peak heap and bundle.json
// grow with the functions, not with their types written out. The
// "tree" cases write bundle.json as version 1 did, each type as a tree.
func BenchmarkBundleTypes(b *testing.B) {
	type bcase struct {
		name          string
		levels, funcs int
		tree          bool
	}
	var cases []bcase
	for _, d := range []int{4, 8, 16, 32, 64} {
		cases = append(cases, bcase{fmt.Sprintf("depth=%d", d), d, 1, false})
	}
	for _, n := range []int{16, 64, 256, 1024} {
		cases = append(cases, bcase{fmt.Sprintf("funcs=%d", n), 4, n, false})
	}
	cases = append(cases, bcase{"tree/depth=4", 4, 1, true}, bcase{"tree/depth=5", 5, 1, true}, bcase{"tree/funcs=16", 4, 16, true})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bundle := typedBundle(c.funcs, aliasType(c.levels))
			size := 0
			op := func() {
				if c.tree {
					meta, err := json.MarshalIndent(bundleJSON{Version: 1, Instances: bundle.Instances, Exports: bundle.Exports}, "", "  ")
					if err != nil {
						b.Fatal(err)
					}
					size = len(meta)
					return
				}
				var buf bytes.Buffer
				meta, err := encodeMeta(bundle)
				if (err == nil) != (c.levels <= 4) {
					b.Fatalf("encodeMeta: %v", err)
				}
				if err != nil {
					return
				}
				buf.Write(meta)
				size = buf.Len()
				back, err := decodeMeta(buf.Bytes())
				if err != nil || len(back.Exports) != c.funcs {
					b.Fatalf("decodeMeta: %v", err)
				}
			}
			peak := heap.Peak(op)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				op()
			}
			b.ReportMetric(float64(peak), "peak-B")
			b.ReportMetric(float64(size), "json-B")
		})
	}
}
