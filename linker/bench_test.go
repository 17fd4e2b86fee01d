package linker

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/nanoproc/nano/internal/heap"
	"github.com/nanoproc/nano/lockfile"
)

func readWasm(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/bench/" + name + ".wasm")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

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

// BenchmarkCall compares, side by side, a call from one nanoprocess into
// another's exported function with a call to a function in the same
// module: the loop runs in wasm, calling add a million times.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	bundle := bundleOf(
		instSpec{path: "acme:callee", wasm: readWasm(b, "callee")},
		instSpec{path: "acme:caller", wasm: readWasm(b, "caller"), imports: map[string]int{"acme:callee": 0}},
	)
	p, err := Start(ctx, bundle, &Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	const calls = 1_000_000
	per := map[string]float64{}
	for _, fn := range []string{"local", "cross"} {
		b.Run(fn, func(b *testing.B) {
			f := p.mods[1].ExportedFunction(fn)
			for b.Loop() {
				if _, err := f.Call(ctx, calls); err != nil {
					b.Fatal(err)
				}
			}
			per[fn] = float64(b.Elapsed().Nanoseconds()) / float64(b.N) / calls
			b.ReportMetric(per[fn], "ns/call")
			if fn == "cross" && per["local"] > 0 {
				b.ReportMetric(per["cross"]/per["local"], "x-local")
			}
		})
	}
}

// BenchmarkInstantiate measures instantiating one small nanoprocess with a
// page of memory and its own keys, and closing it, as nano does for every
// dependency edge; side by side with wazero's default instantiation of the
// same module.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	small := readWasm(b, "small")
	bundle := bundleOf(instSpec{path: "acme:small", wasm: small, keys: []string{"clock", "random", "stdio:stdout"}})
	p, err := Start(ctx, bundle, &Config{Stdout: &bytes.Buffer{}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	b.Run("wazero", func(b *testing.B) {
		cm, err := p.rt.CompileModule(ctx, small)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			m, err := p.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				b.Fatal(err)
			}
			m.Close(ctx)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/instance")
	})
	b.Run("nano", func(b *testing.B) {
		inst := *bundle.Instances[0]
		b.ReportAllocs()
		for b.Loop() {
			m, err := p.newInstance(ctx, &inst, false)
			if err != nil {
				b.Fatal(err)
			}
			m.Close(ctx)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/instance")
	})
}

// BenchmarkRun compares nano running a bundle of 20 nanoprocesses with
// plain wazero running the root module alone, both with a warm compilation
// cache, and reports nano's time per run as a multiple of wazero's.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	small := readWasm(b, "small")
	specs := make([]instSpec, 0, 20)
	imports := map[string]int{}
	for i := range 19 {
		name := fmt.Sprintf("acme:dep%d", i)
		specs = append(specs, instSpec{path: "acme:root > " + name, wasm: small})
		imports[name] = i
	}
	specs = append(specs, instSpec{path: "acme:root", wasm: small, keys: []string{"stdio:stdout"}, imports: imports})
	bundle := bundleOf(specs...)
	var out bytes.Buffer
	wazeroRun := func() {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		if _, err := rt.InstantiateWithConfig(ctx, small, wazero.NewModuleConfig().WithStdout(&out)); err != nil {
			b.Fatal(err)
		}
		rt.Close(ctx)
	}
	nanoRun := func() {
		p, err := Start(ctx, bundle, &Config{Stdout: &out, Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Main(ctx); err != nil || code != 0 {
			b.Fatal(code, err)
		}
		p.Close(ctx)
	}
	wazeroRun() // warm the cache
	nanoRun()
	// The two alternate, so that the machine's noise falls on both alike.
	var wazeroTime, nanoTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		wazeroRun()
		t1 := time.Now()
		nanoRun()
		wazeroTime += t1.Sub(t0)
		nanoTime += time.Since(t1)
	}
	b.ReportMetric(float64(wazeroTime.Microseconds())/float64(b.N), "wazero-µs/run")
	b.ReportMetric(float64(nanoTime.Microseconds())/float64(b.N), "nano-µs/run")
	b.ReportMetric(float64(nanoTime)/float64(wazeroTime), "x-wazero")
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
	funcs := appendULEB([]byte{3}, 0)
	funcs = funcs[:1]
	fsec := appendULEB(nil, n)
	for range n {
		fsec = append(fsec, 0)
	}
	code := appendULEB(nil, n)
	for range n {
		code = appendULEB(code, len(body))
		code = append(code, body...)
	}
	return wasmOf([]byte{1, 1, 0x60, 0, 0}, append(funcs, fsec...), append([]byte{10}, code...))
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

// BenchmarkLive holds b.N small nanoprocesses live at once and reports the
// memory each takes. Run it with -benchtime=100000x to see how many one
// process can hold.
func BenchmarkLive(b *testing.B) {
	ctx := context.Background()
	bundle := bundleOf(instSpec{path: "acme:small", wasm: readWasm(b, "small"), keys: []string{"stdio:stdout"}})
	p, err := Start(ctx, bundle, &Config{Stdout: &bytes.Buffer{}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	inst := *bundle.Instances[0]
	n := 0
	for b.Loop() {
		inst.Path = fmt.Sprintf("acme:small#%d", n)
		if _, err := p.newInstance(ctx, &inst, false); err != nil {
			b.Fatalf("after %d live nanoprocesses: %v", n, err)
		}
		n++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Sys-before.Sys)/float64(n)/1024, "KiB/nanoprocess")
	b.ReportMetric(float64(n), "live")
}
