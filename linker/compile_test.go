package linker

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
)

// twoCalls imports boom from acme:a and from acme:b and exports a function
// calling each: boom_a and boom_b.
var twoCalls = wasmOf(
	[]byte{1, 1, 0x60, 0, 0},
	append(wasmName(append(wasmName(wasmName([]byte{2, 2}, "acme:a"), "boom"), 0, 0), "acme:b"), append(wasmName(nil, "boom"), 0, 0)...),
	[]byte{3, 2, 0, 0},
	append(append(wasmName([]byte{7, 2}, "boom_a"), 0, 2), append(wasmName(nil, "boom_b"), 0, 3)...),
	[]byte{10, 2, 4, 0, 0x10, 0, 0x0b, 4, 0, 0x10, 1, 0x0b},
)

// TestCompileOncePerContent runs one module under two package names: it
// is compiled once, and a trap in it names the nanoprocess it happened in
// when the stack tells them apart, or both, under their nearest common
// ancestor, when it cannot.
func TestCompileOncePerContent(t *testing.T) {
	bad, err := os.ReadFile("testdata/run/bad.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		b          []byte // acme:b's module; acme:a's is bad.wasm
		compiled   int
		errA, errB string // the errors of boom_a and of boom_b
	}{
		{"the same module", bad, 2,
			"acme:app: wasm error: unreachable (in one of acme:app > acme:a, acme:app > acme:b, which run the same module)",
			"acme:app: wasm error: unreachable (in one of acme:app > acme:a, acme:app > acme:b, which run the same module)"},
		{"another module", append(append([]byte{}, bad...), 0, 2, 1, 'x'), 3,
			"acme:app > acme:a: wasm error: unreachable", "acme:app > acme:b: wasm error: unreachable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bundleOf(
				instSpec{path: "acme:app > acme:a", wasm: bad},
				instSpec{path: "acme:app > acme:b", wasm: tt.b},
				instSpec{path: "acme:app", wasm: twoCalls, imports: map[string]int{"acme:a": 0, "acme:b": 1}},
			)
			for _, inst := range b.Instances {
				inst.Package = inst.Path[strings.LastIndex(inst.Path, " ")+1:]
			}
			p, err := Start(ctx, b, &Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			if len(p.compiled) != tt.compiled {
				t.Errorf("compiled %d modules, want %d: one per content", len(p.compiled), tt.compiled)
			}
			for fn, want := range map[string]string{"boom_a": tt.errA, "boom_b": tt.errB} {
				_, err := p.Invoke(ctx, fn, nil)
				var re *RunError
				if !errors.As(err, &re) || err.Error() != want {
					t.Errorf("Invoke(%s) = %v, want %q", fn, err, want)
				}
			}
		})
	}
}

// TestCompileCacheByContent runs one module under one package name, then
// under another: the second run finds it in the compilation cache.
func TestCompileCacheByContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	small := readWasm(t, "small")
	var counts []int
	for _, name := range []string{"acme:one", "acme:other"} {
		b := bundleOf(instSpec{path: name, wasm: small})
		p, err := Start(ctx, b, &Config{Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		p.Close(ctx)
		n := 0
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		counts = append(counts, n)
	}
	if counts[0] == 0 || counts[1] != counts[0] {
		t.Errorf("cache files after each run: %v, want the same number, not 0: one compilation per content", counts)
	}
}

// TestMemoryPoolShared runs a bundle twice: the second run reuses the
// memory the first one freed, and finds it zeroed. acme:counter keeps its
// count at address 0 of its memory.
func TestMemoryPoolShared(t *testing.T) {
	counter, err := os.ReadFile("testdata/run/counter.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := bundleOf(instSpec{path: "acme:counter", wasm: counter})
	for run := range 3 {
		p, err := Start(ctx, b, &Config{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 2; i++ {
			if got, err := p.Invoke(ctx, "inc", nil); err != nil || len(got) != 1 || got[0] != strconv.Itoa(i) {
				t.Errorf("run %d: inc #%d = %v, %v, want [%d]: a memory from the pool was not zeroed", run, i, got, err, i)
			}
		}
		p.Close(ctx)
		memory.mu.Lock()
		pooled := memory.bytes
		memory.mu.Unlock()
		if pooled == 0 {
			t.Errorf("run %d: the pool holds nothing after Close, want the nanoprocess's memory for the next run", run)
		}
	}
}

// TestTrapDeepStack traps 100 calls deep in a grandchild: wazero lists
// only the innermost frames, so the walk from the root cannot see the
// child in between; the trap is still blamed on the grandchild.
func TestTrapDeepStack(t *testing.T) {
	root, err := os.ReadFile("testdata/run/bad_root.wasm") // calls acme:bad's boom
	if err != nil {
		t.Fatal(err)
	}
	// acme:bad calls acme:deep's boom.
	mid := wasmOf(
		[]byte{1, 1, 0x60, 0, 0},
		append(wasmName(wasmName([]byte{2, 1}, "acme:deep"), "boom"), 0, 0),
		[]byte{3, 1, 0},
		append(wasmName([]byte{7, 1}, "boom"), 0, 1),
		[]byte{10, 1, 4, 0, 0x10, 0, 0x0b},
	)
	// acme:deep's boom recurses 100 times, then traps.
	deep := wasmOf(
		[]byte{1, 2, 0x60, 1, 0x7f, 0, 0x60, 0, 0},
		[]byte{3, 2, 0, 1},
		append(wasmName([]byte{7, 1}, "boom"), 0, 1),
		[]byte{10, 2,
			16, 0, 0x20, 0, 0x04, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x05, 0x00, 0x0b, 0x0b,
			7, 0, 0x41, 0xe4, 0x00, 0x10, 0, 0x0b},
	)
	b := bundleOf(
		instSpec{path: "acme:app > acme:bad > acme:deep", wasm: deep},
		instSpec{path: "acme:app > acme:bad", wasm: mid, imports: map[string]int{"acme:deep": 0}},
		instSpec{path: "acme:app", wasm: root, imports: map[string]int{"acme:bad": 1}},
	)
	for _, inst := range b.Instances {
		inst.Package = inst.Path[strings.LastIndex(inst.Path, " ")+1:]
	}
	ctx := context.Background()
	p, err := Start(ctx, b, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	_, err = p.Invoke(ctx, "boom", nil)
	if want := "acme:app > acme:bad > acme:deep: wasm error: unreachable"; err == nil || err.Error() != want {
		t.Errorf("Invoke(boom) = %v, want %q", err, want)
	}
}

// abiSource serves the canonical ABI pair of iface/testdata/abi: acme:app,
// whose imports of acme:zip are typed, and acme:zip with its WIT, in the
// directory wit.
type abiSource struct {
	mods map[string][]byte
	wit  string
}

func (s abiSource) Module(p *lockfile.Package) ([]byte, error) { return s.mods[p.Name], nil }

func (s abiSource) Interface(p *lockfile.Package) (*iface.Package, error) {
	if p.Name != "acme:zip" {
		return nil, nil
	}
	return iface.Load(s.wit, p.Name)
}

func (s abiSource) Mounts(*lockfile.Package) (map[string]string, error) { return nil, nil }

// abiZipWIT is acme:zip's WIT, as in cmd/nano/testdata/script/wit.txtar.
const abiZipWIT = `package acme:zip@1.4.0;

interface unpack {
  record entry { name: string, size: u64 }
  variant choice { a(u32), b(f32), c(u64), d(string) }
  extract: func(archive: list<u8>, dest: string) -> result<list<entry>, string>;
  count: func(a: u32, b: u32) -> u32;
  big: func(s: string, t: tuple<u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64>) -> string;
  pick: func(v: choice) -> u64;
  probe: func(c: char) -> bool;
}

world zip {
  export unpack;
}
`

// TestBuildWarmsRun builds the ABI pair with a caching analyzer, which
// interprets modules this small and caches nothing; then with one that
// compiles every module, and runs the bundle with a new cache in the same
// directory: Build compiled each module exactly as Start compiles it,
// typed imports renamed, so Start adds nothing to the cache.
func TestBuildWarmsRun(t *testing.T) {
	ctx := context.Background()
	src := abiSource{mods: map[string][]byte{}, wit: t.TempDir()}
	if err := os.WriteFile(filepath.Join(src.wit, "zip.wit"), []byte(abiZipWIT), 0o644); err != nil {
		t.Fatal(err)
	}
	l := new(lockfile.Lock)
	for _, name := range []string{"app", "zip"} {
		data, err := os.ReadFile("../iface/testdata/abi/" + name + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		src.mods["acme:"+name] = data
		l.Packages = append(l.Packages, &lockfile.Package{Name: "acme:" + name, Version: semver.MustParse("1.4.0"), Module: lockfile.Digest(data)})
	}
	l.Packages[0].Dependencies = []string{"acme:zip 1.4.0"}
	l.Edges = []*lockfile.Edge{{Parent: "acme:app 1.4.0", Child: "acme:zip 1.4.0"}}
	dir := t.TempDir()
	files := func() int {
		n := 0
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := NewCachingAnalyzer(ctx, cache)
	if _, err := a.Build(ctx, l, "acme:app 1.4.0", src); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 0 {
		t.Errorf("Build left %d files in the cache, want none: modules under InterpretBelow are interpreted", n)
	}
	a.interpretBelow = 0 // compile these small modules as if they were big
	b, err := a.Build(ctx, l, "acme:app 1.4.0", src)
	a.Close(ctx)
	cache.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Root().Typed) == 0 {
		t.Fatal("acme:app has no typed imports: the test checks nothing of their renames")
	}
	built := files()
	if built != 2 {
		t.Errorf("Build left %d files in the cache, want 2: one per module", built)
	}
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	if b, err = ReadBundle(file); err != nil {
		t.Fatal(err)
	}
	cache, err = wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	p, err := Start(ctx, b, &Config{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	if got, err := p.Invoke(ctx, "count", []string{"40", "2"}); err != nil || len(got) != 1 || got[0] != "42" {
		t.Errorf("Invoke(count 40 2) = %v, %v, want [42]", got, err)
	}
	if n := files(); n != built {
		t.Errorf("Start added %d files to the cache Build filled, want none: it compiled what Build had", n-built)
	}
}

// TestBuildCacheUnwritable builds with a cache whose directory is gone, so
// that the compiler cannot write what it compiles: the modules are valid
// all the same, and Build says so; an invalid one is still refused.
func TestBuildCacheUnwritable(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	a := NewCachingAnalyzer(ctx, cache)
	a.interpretBelow = 0
	defer a.Close(ctx)
	small := readWasm(t, "small")
	invalid := []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b")
	for _, tt := range []struct {
		name string
		wasm []byte
		want string
	}{{"valid", small, ""}, {"invalid", invalid, "acme:app 1.0.0: invalid module: "}} {
		l := &lockfile.Lock{Packages: []*lockfile.Package{{Name: "acme:app", Version: semver.MustParse("1.0.0"), Module: lockfile.Digest(tt.wasm)}}}
		_, err := a.Build(ctx, l, "acme:app 1.0.0", testSource{"acme:app 1.0.0": tt.wasm})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Build(%s) = %v, want it built: the cache's failure is not the module's", tt.name, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("Build(%s) = %v, want %q", tt.name, err, tt.want)
		}
	}
}
