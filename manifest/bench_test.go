package manifest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nanoproc/nano/internal/heap"
)

// hostileShapes write a manifest of about n bytes in one shape that costs
// the TOML decoder time that grows faster than the text when unbounded:
// nesting, dotted keys, long keys, and many keys, tables or elements of an
// array of tables, all unknown keys that Parse reports. Each stays inside
// tomlfile.DefaultLimits, at their edge: 16 levels (the [package] table
// is the first), keys of 1 KiB.
var hostileShapes = []struct {
	name string
	line func(i int) string
}{
	{"inline-tables-16-deep", func(i int) string {
		return fmt.Sprintf("x%d = %s1%s\n", i, strings.Repeat("{a = ", 14), strings.Repeat("}", 14))
	}},
	{"arrays-16-deep", func(i int) string {
		return fmt.Sprintf("x%d = %s%s\n", i, strings.Repeat("[", 14), strings.Repeat("]", 14))
	}},
	{"dotted-keys-16-parts", func(i int) string { return fmt.Sprintf("x%d.%sb = 1\n", i, strings.Repeat("a.", 13)) }},
	{"long-keys-1000-bytes", func(i int) string { return fmt.Sprintf("%s%d = 1\n", strings.Repeat("k", 990), i) }},
	{"keys-under-a-long-header", func(i int) string {
		if i%1000 == 0 {
			return fmt.Sprintf("[%s%d]\n", strings.Repeat("h", 1000), i)
		}
		return fmt.Sprintf("k%d = 1\n", i)
	}},
	{"tables", func(i int) string { return fmt.Sprintf("[t%d]\nx = 1\n", i) }},
	{"keys", func(i int) string { return fmt.Sprintf("k%d = 1\n", i) }},
	{"array-of-tables", func(i int) string { return "[[t]]\nx = 1\n" }},
}

const benchHead = "[package]\nname = \"acme:x\"\nversion = \"1.0.0\"\nmodule = \"x.wasm\"\n"

func hostileManifest(line func(int) string, n int) []byte {
	var b strings.Builder
	b.WriteString(benchHead)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(line(i))
	}
	return []byte(b.String())
}

// BenchmarkParseHostile parses hostile manifests at four sizes up to the
// limit of 512 KiB, reporting the time and peak heap per byte: both stay
// flat as the size grows. Every one is refused (its keys are unknown),
// after decoding: the time is the decoder's and the report's. The
// "refused" cases are the inputs of issue 7 beyond the limits, refused
// before decoding, in constant time.
//
//	go test ./manifest/ -run '^$' -bench ParseHostile -benchtime 3x -count 5
func BenchmarkParseHostile(b *testing.B) {
	for _, sh := range hostileShapes {
		for _, n := range []int{64 << 10, 128 << 10, 256 << 10, 512<<10 - 2048} {
			data := hostileManifest(sh.line, n)
			b.Run(fmt.Sprintf("%s/KiB=%d", sh.name, n>>10), func(b *testing.B) {
				benchParse(b, data, false)
			})
		}
	}
	refused := map[string]func(int) string{
		"inline-tables": func(n int) string {
			return "[package]\nx = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n"
		},
		"dotted-key": func(n int) string { return "[package]\n" + strings.Repeat("a.", n) + "b = 1\n" },
	}
	for _, name := range []string{"inline-tables", "dotted-key"} {
		for _, n := range []int{1000, 2000, 4000, 10000} {
			data := []byte(refused[name](n))
			b.Run(fmt.Sprintf("refused-%s/depth=%d", name, n), func(b *testing.B) {
				benchParse(b, data, true)
			})
		}
	}
}

func benchParse(b *testing.B, data []byte, beyond bool) {
	var peak float64
	for b.Loop() {
		peak = max(peak, float64(heap.Peak(func() {
			_, err := Parse("x.toml", data)
			if err == nil {
				b.Fatal("Parse accepted a hostile manifest")
			}
			if limit := strings.Contains(err.Error(), "levels deep"); limit != beyond {
				b.Fatalf("Parse: %.200v", err)
			}
		})))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(data)), "ns/byte")
	b.ReportMetric(peak/float64(len(data)), "peak-heap-B/byte")
	b.ReportMetric(float64(len(data)), "bytes")
}
