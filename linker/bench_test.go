package linker

import (
	"archive/zip"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/internal/heap"
	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/lockfile"
)

// bundleOf builds a bundle from (path, module, keys, imports) specs, in
// order: children first.
func bundleOf(specs ...instSpec) *Bundle {
	b := &Bundle{Modules: map[string][]byte{}}
	for _, s := range specs {
		d := lockfile.Digest(s.wasm)
		b.Modules[d] = s.wasm
		b.Instances = append(b.Instances, &Instance{Path: s.path, Package: s.path, Version: "1.0.0", Module: d, Keys: s.keys, Imports: s.imports})
	}
	return b
}

type instSpec struct {
	path    string
	wasm    []byte
	keys    []string
	imports map[string]int
}

// bigModule returns a valid module of about size bytes of code: functions
// of i32.const 1; drop, repeated.
func bigModule(size int) []byte {
	const perFunc = 3 * 10_000
	n := max(1, size/perFunc)
	body := []byte{0} // no locals
	for range perFunc / 3 {
		body = append(body, 0x41, 1, 0x1a)
	}
	body = append(body, 0x0b)
	funcs := wasmtest.AppendULEB([]byte{3}, 0)
	funcs = funcs[:1]
	fsec := wasmtest.AppendULEB(nil, n)
	for range n {
		fsec = append(fsec, 0)
	}
	code := wasmtest.AppendULEB(nil, n)
	for range n {
		code = wasmtest.AppendULEB(code, len(body))
		code = append(code, body...)
	}
	return wasmtest.Module([]byte{1, 1, 0x60, 0, 0}, append(funcs, fsec...), append([]byte{10}, code...))
}

// BenchmarkBuild links a tree of two packages with modules of a given
// size into a bundle and writes it, and reports the heap it peaks at: the
// bytes of at most one module held at a time, and what validating one
// takes. It validates with the interpreter (Build, without a cache), and
// with the compiler into a compilation cache, cold (a new cache directory
// each time) and warm (one that a build filled), as nano build does.
func BenchmarkBuild(b *testing.B) {
	for _, mb := range []int{8, 16, 30} {
		b.Run(fmt.Sprintf("module=%dMB", mb), func(b *testing.B) {
			l, files := bigLock(b, mb<<20)
			warm := b.TempDir()
			for _, validate := range []string{"interpreter", "cold", "warm"} {
				b.Run("validate="+validate, func(b *testing.B) {
					if validate == "warm" {
						buildOnce(b, l, files, warm, true) // before b.Loop, untimed
					}
					var peak uint64
					for b.Loop() {
						dir := warm
						if validate == "cold" {
							b.StopTimer()
							dir = b.TempDir()
							b.StartTimer()
						}
						peak = max(peak, heap.Peak(func() { buildOnce(b, l, files, dir, validate != "interpreter") }))
					}
					b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
				})
			}
		})
	}
}

// buildOnce builds the bundle of bigLock and writes it to nowhere. With
// cached, it validates into a compilation cache in dir.
func buildOnce(b *testing.B, l *lockfile.Lock, files map[string][]byte, dir string, cached bool) {
	ctx := context.Background()
	var cache wazero.CompilationCache
	if cached {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(dir); err != nil {
			b.Fatal(err)
		}
		defer cache.Close(ctx)
	}
	a := NewCachingAnalyzer(ctx, cache)
	defer a.Close(ctx)
	bundle, err := a.Build(ctx, l, "acme:app 1.0.0", testSource(files))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bundle.WriteTo(io.Discard); err != nil {
		b.Fatal(err)
	}
}

// bigLock returns a lock of acme:app and its dependency acme:big, each
// with a module of size bytes (not the same), and their modules.
func bigLock(tb testing.TB, size int) (*lockfile.Lock, map[string][]byte) {
	app, big := bigModule(size), append(bigModule(size), 0, 4, 1, 'x', 'y', 'z')
	files := map[string][]byte{"acme:app 1.0.0": app, "acme:big 1.0.0": big}
	l := &lockfile.Lock{
		Packages: []*lockfile.Package{
			{Name: "acme:app", Version: semver.MustParse("1.0.0"), Module: lockfile.Digest(app), Dependencies: []string{"acme:big 1.0.0"}},
			{Name: "acme:big", Version: semver.MustParse("1.0.0"), Module: lockfile.Digest(big)},
		},
		Edges: []*lockfile.Edge{{Parent: "acme:app 1.0.0", Child: "acme:big 1.0.0"}},
	}
	return l, files
}

// BenchmarkReadBundle reads bundles of growing size, honest and hostile,
// and reports the time and the heap peak of each against its size.
func BenchmarkReadBundle(b *testing.B) {
	for _, mb := range []int{8, 16, 32, 64} {
		b.Run(fmt.Sprintf("stored=%dMiB", mb), func(b *testing.B) {
			data := make([]byte, mb<<20)
			copy(data, "\x00asm\x01\x00\x00\x00")
			d := lockfile.Digest(data)
			file := zipFile(b, entry{name: "bundle.json", data: metaOf(b, d)},
				entry{name: modName(d), data: data, raw: &zip.FileHeader{Method: zip.Store, CRC32: crc32.ChecksumIEEE(data),
					CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))}})
			benchRead(b, file, len(data), false)
		})
	}
	// bundle.json of a root with n children, deflated.
	for _, n := range []int{1000, 4000, 16000} {
		b.Run(fmt.Sprintf("json-instances=%d", n), func(b *testing.B) {
			small := []byte("\x00asm\x01\x00\x00\x00")
			d := lockfile.Digest(small)
			meta := metaOf(b, slices.Repeat([]string{d}, n)...)
			file := zipFile(b, entry{name: "bundle.json", data: meta}, entry{name: modName(d), data: small})
			benchRead(b, file, len(meta), false)
		})
	}
	// Hostile: n modules of zeros, deflated, that declare 1000 MiB each
	// (over the limit of one module) or 400 MiB each (over the limit of
	// all of them from the third on): refused before they are inflated.
	for _, size := range []uint64{1000 << 20, 400 << 20} {
		for _, n := range []int{1, 6, 24} {
			b.Run(fmt.Sprintf("hostile-zeros=%dx%dMiB", n, size>>20), func(b *testing.B) {
				zeros := deflate(b, make([]byte, 1<<20))
				var entries []entry
				var digests []string
				for i := range n {
					d := fmt.Sprintf("sha256:%064x", i)
					digests = append(digests, d)
					entries = append(entries, entry{name: modName(d), data: zeros,
						raw: &zip.FileHeader{Method: zip.Deflate, CompressedSize64: uint64(len(zeros)), UncompressedSize64: size - uint64(i)}})
				}
				file := zipFile(b, append([]entry{{name: "bundle.json", data: metaOf(b, digests...)}}, entries...)...)
				benchRead(b, file, int(size)*n, true)
			})
		}
	}
}

// benchRead reads file, of inflated size in bytes as its zip declares it,
// and reports the time and heap peak of each read.
func benchRead(b *testing.B, file string, in int, refused bool) {
	info, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	var peak uint64
	for b.Loop() {
		peak = max(peak, heap.Peak(func() {
			if _, err := readBundle(file, defaultLimits); (err != nil) != refused {
				b.Fatalf("readBundle = %v, refused %v", err, refused)
			}
		}))
	}
	b.ReportMetric(float64(info.Size())/(1<<20), "file-MiB")
	b.ReportMetric(float64(in)/(1<<20), "inflated-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/read")
}
