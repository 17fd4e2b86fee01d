package linker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// testLock is a lock of packages whose modules are linker/testdata/link
// files: each package "NS:NAME VERSION FILE KEY..." and edges
// "PARENT -> CHILD KEY...".
func testLock(t *testing.T, pkgs []string, edges []string) (*lockfile.Lock, map[string][]byte) {
	t.Helper()
	l := new(lockfile.Lock)
	files := map[string][]byte{}
	for _, p := range pkgs {
		f := strings.Fields(p)
		wasm, err := os.ReadFile(filepath.Join("testdata/link", f[2]+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		keys, err := policy.ParseSet(f[3:])
		if err != nil {
			t.Fatal(err)
		}
		pkg := &lockfile.Package{Name: f[0], Version: semver.MustParse(f[1]), Source: "registry", Module: lockfile.Digest(wasm), Keys: keys}
		files[pkg.ID()] = wasm
		l.Packages = append(l.Packages, pkg)
	}
	for _, e := range edges {
		arrow := strings.Split(e, " -> ")
		child := strings.Fields(arrow[1])
		grant, err := policy.ParseSet(child[2:])
		if err != nil {
			t.Fatal(err)
		}
		edge := &lockfile.Edge{Parent: arrow[0], Child: child[0] + " " + child[1], Grant: grant}
		l.Edges = append(l.Edges, edge)
		for _, p := range l.Packages {
			if p.ID() == edge.Parent {
				p.Dependencies = append(p.Dependencies, edge.Child)
			}
		}
	}
	return l, files
}

// testSource serves modules from a map by package ID, and no interfaces.
type testSource map[string][]byte

func (s testSource) Module(p *lockfile.Package) ([]byte, error) { return s[p.ID()], nil }

func (s testSource) Interface(*lockfile.Package) (*iface.Package, error) { return nil, nil }

func (s testSource) Mounts(*lockfile.Package) (map[string]string, error) { return nil, nil }

// mountSource is a testSource whose packages have [mounts], by package ID.
type mountSource struct {
	testSource
	mounts map[string]map[string]string
}

func (s mountSource) Mounts(p *lockfile.Package) (map[string]string, error) {
	return s.mounts[p.ID()], nil
}

// TestBuildMounts checks that each instance carries its package's mounts,
// whatever the path that reaches it, and that the keys do not change.
func TestBuildMounts(t *testing.T) {
	l, files := testLock(t,
		[]string{
			"acme:app 0.3.0 app fs:data:rw fs:cache:ro stdio:stdout",
			"acme:zip 1.4.0 zip fs:out:rw",
			"acme:log 1.0.0 zip fs:logs:rw",
		},
		[]string{
			"acme:app 0.3.0 -> acme:zip 1.4.0 fs:out=data/uploads:rw",
			"acme:app 0.3.0 -> acme:log 1.0.0 fs:logs=data/logs:rw",
			"acme:log 1.0.0 -> acme:zip 1.4.0 fs:out=logs/zips:rw",
		})
	src := mountSource{testSource(files), map[string]map[string]string{
		"acme:app 0.3.0": {"data": "/"},
		"acme:zip 1.4.0": {"out": "/srv/out"},
	}}
	b, err := Build(context.Background(), l, "acme:app 0.3.0", src)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Build(context.Background(), l, "acme:app 0.3.0", testSource(files))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"acme:app > acme:log > acme:zip": "out=/srv/out",
		"acme:app > acme:log":            "logs=/logs",
		"acme:app > acme:zip":            "out=/srv/out",
		"acme:app":                       "cache=/cache data=/",
	}
	for i, inst := range b.Instances {
		var got []string
		for _, k := range inst.Keys {
			if slot, ok := strings.CutPrefix(k, "fs:"); ok {
				slot, _, _ = strings.Cut(slot, "=")
				slot, _, _ = strings.Cut(slot, ":")
				got = append(got, slot+"="+inst.Mount(slot))
			}
		}
		if g := strings.Join(got, " "); g != want[inst.Path] {
			t.Errorf("%s mounts %q, want %q", inst.Path, g, want[inst.Path])
		}
		if !slices.Equal(inst.Keys, plain.Instances[i].Keys) {
			t.Errorf("%s keys = %q with mounts, %q without: mounts are layout only", inst.Path, inst.Keys, plain.Instances[i].Keys)
		}
	}
	if m := b.Root().Mounts; len(m) != 1 || m["data"] != "/" {
		t.Errorf("root Mounts = %q, want only the [mounts] entry data=/", m)
	}
	// They survive the bundle file.
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBundle(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Root().Mount("data"); got != "/" {
		t.Errorf("ReadBundle: root mounts data at %q, want /", got)
	}
}

// TestBundleMountsChecked checks that a bundle's mounts are checked as
// the hostile input they are.
func TestBundleMountsChecked(t *testing.T) {
	for _, tt := range []struct {
		mounts map[string]string
		want   string
	}{
		{map[string]string{"data": "/", "cache": "/srv/cache"}, ""},
		{map[string]string{"data": "relative"}, `fs slot "data": mount "relative" is not an absolute path`},
		{map[string]string{"data": "/a/../etc"}, `fs slot "data": mount "/a/../etc" is not clean`},
		{map[string]string{"data": "/x/"}, "is not clean"},
		{map[string]string{"data": ""}, "is not an absolute path"},
		{map[string]string{"other": "/other"}, `mounts slot "other", which it does not hold`},
		{map[string]string{"data": "/cache"}, `fs slots "cache" and "data" are both mounted at /cache`},
		{map[string]string{"data": "/x", "cache": "/x"}, "are both mounted at /x"},
	} {
		b := &Bundle{Modules: map[string][]byte{"sha256:x": nil}, Instances: []*Instance{{
			Path: "acme:app", Package: "acme:app", Module: "sha256:x",
			Keys: []string{"fs:cache=cache:ro", "fs:data=data:rw"}, Mounts: tt.mounts,
		}}}
		err := b.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("check(mounts %q) = %v, want nil", tt.mounts, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("check(mounts %q) = %v, want %q", tt.mounts, err, tt.want)
		}
	}
}

func TestBuild(t *testing.T) {
	l, files := testLock(t,
		[]string{
			"acme:app 0.3.0 app fs:data:rw stdio:stdout",
			"acme:zip 1.4.0 zip fs:out:rw",
			"acme:log 1.0.0 zip fs:logs:rw",
		},
		[]string{
			"acme:app 0.3.0 -> acme:zip 1.4.0 fs:out=data/uploads:rw",
			"acme:app 0.3.0 -> acme:log 1.0.0 fs:logs=data/logs:rw",
			"acme:log 1.0.0 -> acme:zip 1.4.0 fs:out=logs/zips:ro",
		})
	b, err := Build(context.Background(), l, "acme:app 0.3.0", testSource(files))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, inst := range b.Instances {
		var imports []string
		for name, j := range inst.Imports {
			imports = append(imports, name+"="+b.Instances[j].Path)
			if j >= i {
				t.Errorf("%s imports %s from instance %d, not instantiated before it", inst.Path, name, j)
			}
		}
		slices.Sort(imports)
		got = append(got, inst.Path+" ["+strings.Join(inst.Keys, " ")+"] "+strings.Join(imports, " "))
	}
	want := []string{
		// Two instances of acme:zip, one per edge, each with its own
		// directory relative to the root's slots.
		"acme:app > acme:log > acme:zip [fs:out=data/logs/zips:ro] ",
		"acme:app > acme:log [fs:logs=data/logs:rw] acme:zip=acme:app > acme:log > acme:zip",
		"acme:app > acme:zip [fs:out=data/uploads:rw] ",
		"acme:app [fs:data=data:rw stdio:stdout] acme:log=acme:app > acme:log acme:zip=acme:app > acme:zip",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Build instances =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(b.Modules) != 2 {
		t.Errorf("Build modules = %d, want 2 (each module once, by digest)", len(b.Modules))
	}

	// The bundle round-trips through a file, and a tampered module is caught.
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBundle(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Instances) != len(b.Instances) || back.Root().Path != "acme:app" {
		t.Errorf("ReadBundle(WriteFile(b)) has %d instances, root %q", len(back.Instances), back.Root().Path)
	}
	// Bytes flipped in the file: the archive's checksum catches it.
	data, _ := os.ReadFile(file)
	zip := files["acme:zip 1.4.0"]
	i := bytes.Index(data, zip)
	tampered := bytes.Clone(data)
	tampered[i+len(zip)-1] ^= 0xff
	if err := os.WriteFile(file, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBundle(file); err == nil {
		t.Errorf("ReadBundle(flipped bytes) succeeded, want an error")
	}
	// A module swapped for another under the same digest: the digest check
	// catches it.
	d := lockfile.Digest(zip)
	b.Modules[d] = files["acme:app 0.3.0"]
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBundle(file); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Errorf("ReadBundle(swapped module) = %v, want an integrity error", err)
	}
}

func TestBuildLinkErrors(t *testing.T) {
	l, files := testLock(t,
		[]string{"acme:app 0.3.0 bad", "acme:zip 1.4.0 zip"},
		[]string{"acme:app 0.3.0 -> acme:zip 1.4.0"})
	_, err := Build(context.Background(), l, "acme:app 0.3.0", testSource(files))
	if err == nil {
		t.Fatal("Build succeeded, want link errors")
	}
	want := []string{
		`acme:app 0.3.0: import["acme:zip"."memory"] memory: nanoprocesses share no memory, table or global`,
		`acme:app 0.3.0: import["acme:zip"."table"] table: nanoprocesses share no memory, table or global`,
		`acme:app 0.3.0: import["acme:zip"."counter"] global: nanoprocesses share no memory, table or global`,
		`acme:app 0.3.0: import["acme:zip"."extract"]: signature mismatch: imported as (i32) -> (i32), acme:zip 1.4.0 exports (i32,i32) -> (i32)`,
		`acme:app 0.3.0: import["acme:zip"."compress"]: acme:zip 1.4.0 exports no function "compress"`,
		`acme:app 0.3.0: import["acme:tar"."pack"]: acme:tar is not a dependency of acme:app`,
		`acme:app 0.3.0: import["env"."abort"]: env is neither a declared dependency, WASI, nor a nano host API`,
		`acme:app 0.3.0: import["wasi_snapshot_preview1"."teleport"]: not a WASI preview1 function`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("Build errors =\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestLinkFixtures(t *testing.T) { wasmtest.CheckFixtures(t, "testdata/link/*.wat", nil) }

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
	small, err := os.ReadFile("testdata/link/zip.wasm")
	if err != nil {
		t.Fatal(err)
	}
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
