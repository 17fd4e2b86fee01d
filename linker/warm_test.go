package linker_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/runtime"
)

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
	a := linker.NewCachingAnalyzer(ctx, cache)
	if _, err := a.Build(ctx, l, "acme:app 1.4.0", src); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 0 {
		t.Errorf("Build left %d files in the cache, want none: modules under linker.InterpretBelow are interpreted", n)
	}
	linker.SetInterpretBelow(a, 0) // compile these small modules as if they were big
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
	if b, err = linker.ReadBundle(file); err != nil {
		t.Fatal(err)
	}
	cache, err = wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	p, err := runtime.Start(ctx, b, &runtime.Config{Cache: cache})
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
