package linker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap calls f once and returns the most heap its objects took while
// it ran, above what they took before, sampled every 50µs.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if h := read(); h > peak.Load() {
				peak.Store(h)
			}
		}
	}()
	f()
	if h := read(); h > peak.Load() {
		peak.Store(h)
	}
	close(done)
	<-stopped
	return max(peak.Load(), base) - base
}

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
			peak := peakHeap(op)
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
