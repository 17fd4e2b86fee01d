package runtime_test

// These tests run guests built with real toolchains (testdata/run/cfs, C
// with wasi-libc; testdata/run/goroot, Go) the way nano runs them, from a
// lock through Build, and side by side with plain wazero on the same
// directories: the filesystem patterns of real programs must work in nano
// at least as well as in wazero.

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
	"github.com/nanoproc/nano/runtime/wasi"
)

// lockSource serves one package's module and mounts to linker.Build.
type lockSource struct {
	wasm   []byte
	mounts map[string]string
}

func (s lockSource) Module(*lockfile.Package) ([]byte, error)            { return s.wasm, nil }
func (s lockSource) Interface(*lockfile.Package) (*iface.Package, error) { return nil, nil }
func (s lockSource) Mounts(*lockfile.Package) (map[string]string, error) { return s.mounts, nil }

// buildRoot links a lock of one package, acme:app, whose module is
// testdata/run/FILE, holding keys and mounting its slots as mounts says.
func buildRoot(t *testing.T, file string, keys []string, mounts map[string]string) *linker.Bundle {
	t.Helper()
	wasm := guest(t, file)
	set, err := policy.ParseSet(keys)
	if err != nil {
		t.Fatal(err)
	}
	l := &lockfile.Lock{Packages: []*lockfile.Package{{
		Name: "acme:app", Version: semver.MustParse("1.0.0"), Source: "registry", Module: lockfile.Digest(wasm), Keys: set,
	}}}
	b, err := linker.Build(context.Background(), l, "acme:app 1.0.0", lockSource{wasm, mounts})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runNano runs testdata/run/FILE as the root of a bundle built from a
// lock, with dirs handed to its fs slots, and returns its stdout lines.
func runNano(t *testing.T, file string, keys []string, mounts map[string]string, dirs map[string]runtime.Dir, args ...string) []string {
	t.Helper()
	o := run(t, buildRoot(t, file, keys, mounts), runtime.Config{Dirs: dirs, Args: args})
	if o.err != nil || o.code != 0 {
		t.Fatalf("nano: %s %q: exit %d, %v\nstdout:\n%s\nstderr:\n%s", file, args, o.code, o.err, o.stdout, o.stderr)
	}
	return lines(o.stdout)
}

// runWazero runs testdata/run/FILE on plain wazero, with each host
// directory of mounts mounted at its guest path, and returns its stdout
// lines.
func runWazero(t *testing.T, file string, mounts map[string]string, args ...string) []string {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(runCache))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	fsc := wazero.NewFSConfig()
	for _, guestPath := range slices.Sorted(mapKeys(mounts)) {
		fsc = fsc.WithDirMount(mounts[guestPath], guestPath)
	}
	var stdout, stderr bytes.Buffer
	mc := wazero.NewModuleConfig().WithArgs(append([]string{file}, args...)...).WithFSConfig(fsc).WithStdout(&stdout).WithStderr(&stderr)
	if _, err := rt.InstantiateWithConfig(ctx, guest(t, file), mc); err != nil {
		t.Fatalf("wazero: %s %q: %v\nstdout:\n%s\nstderr:\n%s", file, args, err, stdout.String(), stderr.String())
	}
	return lines(stdout.String())
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

// same fails t unless got is want, line for line.
func same(t *testing.T, who string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s printed\n\t%s\nwant\n\t%s", who, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// dataDir makes a directory to hand over as a slot:
//
//	input.txt       "hello"
//	sub/a.txt       "aaa"
//	sub/deeper/b.txt "bb"
//	link -> sub
//
// and, beside it, outside.txt. It returns the directory.
func dataDir(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "data")
	writeFile(t, filepath.Join(dir, "input.txt"), "hello")
	writeFile(t, filepath.Join(dir, "sub", "a.txt"), "aaa")
	writeFile(t, filepath.Join(dir, "sub", "deeper", "b.txt"), "bb")
	writeFile(t, filepath.Join(top, "outside.txt"), "secret")
	symlink(t, "sub", filepath.Join(dir, "link"))
	return dir
}

// TestRealCAt runs C's directory and *at calls on a directory opened by
// name: opendir, then openat, fstatat, mkdirat, renameat and unlinkat on
// dirfd. nano once refused every one of them with EPERM where wazero
// accepted them.
func TestRealCAt(t *testing.T) {
	t.Parallel()
	want := []string{
		"opendir: ok",
		"openat input.txt: ok hello",
		"fstatat input.txt: ok file 5",
		"fstatat .: ok dir",
		"mkdirat made: ok",
		"openat made/new.txt: ok",
		"fstatat made/new.txt: ok file 7",
		"renameat: ok",
		"unlinkat file: ok",
		"unlinkat dir: ok",
		"openat ../escape.txt: err Operation not permitted",
		"mkdirat ../escape: err Operation not permitted",
	}
	for _, tt := range []struct {
		name   string
		mounts map[string]string // [mounts]
		dir    string            // cfs at DIR
	}{
		{"default mount", nil, "/data"},
		{"mount at /", map[string]string{"data": "/"}, "/"},
		{"mount at /, relative", map[string]string{"data": "/"}, "."},
		{"deep mount", map[string]string{"data": "/srv/in"}, "/srv/in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sideBySide(t, "cfs.wasm", tt.mounts, want, "at", tt.dir)
		})
	}
}

// TestRealCWalk walks a tree as nftw, fts and scandir do, with opendir,
// readdir and fstatat on the directory's fd, and with libc's nftw.
func TestRealCWalk(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	keys, dirs := []string{"fs:data:ro", "stdio:stdout"}, map[string]runtime.Dir{"data": {Path: dir}}
	want := []string{
		"/data/input.txt: ok file 5",
		"/data/link: ok link",
		"/data/sub: ok dir",
		"/data/sub/a.txt: ok file 3",
		"/data/sub/deeper: ok dir",
		"/data/sub/deeper/b.txt: ok file 2",
	}
	same(t, "nano walk", runNano(t, "cfs.wasm", keys, nil, dirs, "walk", "/data"), want)
	same(t, "wazero walk", runWazero(t, "cfs.wasm", map[string]string{"/data": dir}, "walk", "/data"), want)

	// nftw visits in directory order: compare sorted.
	sorted := func(s []string) []string { return slices.Sorted(slices.Values(s)) }
	wantNftw := sorted([]string{
		"/data: ok dir",
		"/data/input.txt: ok file",
		"/data/link: ok link",
		"/data/sub: ok dir",
		"/data/sub/a.txt: ok file",
		"/data/sub/deeper: ok dir",
		"/data/sub/deeper/b.txt: ok file",
	})
	same(t, "nano nftw", sorted(runNano(t, "cfs.wasm", keys, nil, dirs, "nftw", "/data")), wantNftw)
	same(t, "wazero nftw", sorted(runWazero(t, "cfs.wasm", map[string]string{"/data": dir}, "nftw", "/data")), wantNftw)

	// From /, with the slot mounted there: relative to the working directory.
	wantRel := sorted([]string{
		".: ok dir",
		"./input.txt: ok file",
		"./link: ok link",
		"./sub: ok dir",
		"./sub/a.txt: ok file",
		"./sub/deeper: ok dir",
		"./sub/deeper/b.txt: ok file",
	})
	same(t, "nano nftw .", sorted(runNano(t, "cfs.wasm", keys, map[string]string{"data": "/"}, dirs, "nftw", ".")), wantRel)
	same(t, "wazero nftw .", sorted(runWazero(t, "cfs.wasm", map[string]string{"/": dir}, "nftw", ".")), wantRel)
}

// TestRealRelative opens relative paths, as command-line tools given file
// names do: they resolve against the working directory, /, so they find
// the slot mounted there, and only there.
func TestRealRelative(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	cache := t.TempDir()
	writeFile(t, filepath.Join(cache, "c.txt"), "cached")
	keys := []string{"fs:cache:ro", "fs:data:ro", "stdio:stdout"}
	dirs := map[string]runtime.Dir{"data": {Path: dir}, "cache": {Path: cache}}
	mounts := map[string]string{"data": "/"}
	files := []string{"input.txt", "./input.txt", "/input.txt", "sub/a.txt", "/cache/c.txt", "cache/c.txt", "../outside.txt", "/../outside.txt"}

	for _, g := range []struct {
		file string
		want []string
	}{
		{"cfs.wasm", []string{
			"input.txt: ok hello",
			"./input.txt: ok hello",
			"/input.txt: ok hello",
			"sub/a.txt: ok aaa",
			"/cache/c.txt: ok cached",
			"cache/c.txt: ok cached",
			"../outside.txt: err Operation not permitted",
			"/../outside.txt: err Operation not permitted",
		}},
		{"goroot.wasm", []string{
			"input.txt: ok hello",
			"./input.txt: ok hello",
			"/input.txt: ok hello",
			"sub/a.txt: ok aaa",
			"/cache/c.txt: ok cached",
			"cache/c.txt: ok cached",
			// Go cleans a path lexically: this is /outside.txt.
			"../outside.txt: err open ../outside.txt: No such file or directory",
			"/../outside.txt: err open /../outside.txt: No such file or directory",
		}},
	} {
		t.Run(g.file, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"cat"}, files...)
			same(t, "nano", runNano(t, g.file, keys, mounts, dirs, args...), g.want)
			same(t, "wazero", runWazero(t, g.file, map[string]string{"/": dir, "/cache": cache}, args...), g.want)

			// At the default /data, input.txt is not found.
			got := runNano(t, g.file, keys, nil, dirs, "cat", "input.txt", "/data/input.txt")
			if len(got) != 2 || !strings.HasPrefix(got[0], "input.txt: err ") || got[1] != "/data/input.txt: ok hello" {
				t.Errorf("nano with data at /data printed %q, want input.txt not found and /data/input.txt read", got)
			}
		})
	}
}

// TestRealCUp stats ".." from a directory inside a mount, as a synthesis
// tool that asserts on it does: plain wazero refuses it with EPERM, nano
// gives the parent, and neither goes above the mount.
func TestRealCUp(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	keys, dirs := []string{"fs:data:ro", "stdio:stdout"}, map[string]runtime.Dir{"data": {Path: dir}}
	wazeroMounts := map[string]string{"/data": dir}

	same(t, "nano up /data/sub", runNano(t, "cfs.wasm", keys, nil, dirs, "up", "/data/sub"), []string{
		"fstatat ..: ok dir, same inode",
		"fstatat ../input.txt: ok file 5",
	})
	same(t, "wazero up /data/sub", runWazero(t, "cfs.wasm", wazeroMounts, "up", "/data/sub"), []string{
		"fstatat ..: err Operation not permitted",
		"fstatat ../input.txt: err Operation not permitted",
	})
	same(t, "nano up /data/sub/deeper", runNano(t, "cfs.wasm", keys, nil, dirs, "up", "/data/sub/deeper")[:1], []string{
		"fstatat ..: ok dir, same inode",
	})
	same(t, "nano up /data/link", runNano(t, "cfs.wasm", keys, nil, dirs, "up", "/data/link"), []string{
		"fstatat ..: ok dir, same inode",
		"fstatat ../input.txt: ok file 5",
	})
	// Above the mount: refused by both.
	wantTop := []string{
		"fstatat ..: err Operation not permitted",
		"fstatat ../input.txt: err Operation not permitted",
	}
	same(t, "nano up /data", runNano(t, "cfs.wasm", keys, nil, dirs, "up", "/data"), wantTop)
	same(t, "wazero up /data", runWazero(t, "cfs.wasm", wazeroMounts, "up", "/data"), wantTop)
	same(t, "nano up / (mounted at /)", runNano(t, "cfs.wasm", keys, map[string]string{"data": "/"}, dirs, "up", "/"), wantTop)
}

// TestRealGoRoot runs Go's os.Root on a slot: every step a Go program
// takes inside it works, as in wazero, and leaving it does not.
func TestRealGoRoot(t *testing.T) {
	t.Parallel()
	want := []string{
		"OpenRoot: ok",
		"Open input.txt: ok hello",
		"Stat input.txt: ok 5 bytes",
		"Mkdir made: ok",
		"Create made/new.txt: ok",
		"Stat made/new.txt: ok 7 bytes",
		"Stat made: ok dir true",
		"Rename: ok",
		"Remove file: ok",
		"Remove dir: ok",
		"Stat ../escape.txt: err statat ../escape.txt: path escapes from parent",
		"Create ../escape.txt: err openat ../escape.txt: path escapes from parent",
	}
	for _, tt := range []struct {
		name   string
		mounts map[string]string
		dir    string
	}{
		{"default mount", nil, "/data"},
		{"mount at /", map[string]string{"data": "/"}, "/"},
		{"mount at /, relative", map[string]string{"data": "/"}, "."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sideBySide(t, "goroot.wasm", tt.mounts, want, "root", tt.dir)
		})
	}
}

// TestReadOnlyChainCreatesNothing is the read-only tree that wrote to the
// host: a root holding data read-only hands a child data/new-dir. Keys,
// not the operator's flags, decide: the run stops before anything runs,
// names the missing directory, and the host tree is unchanged. A child
// whose chain is rw gets its directory made.
func TestReadOnlyChainCreatesNothing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                string
		rootKeys, childKeys []string
		operatorRO          bool
		created             bool
	}{
		{"root ro, child ro", []string{"fs:data=data:ro"}, []string{"fs:out=data/new-dir:ro"}, false, false},
		{"root rw, child ro", []string{"fs:data=data:rw"}, []string{"fs:out=data/new-dir:ro"}, false, false},
		{"root rw, child rw, operator ro", []string{"fs:data=data:rw"}, []string{"fs:out=data/new-dir:rw"}, true, false},
		{"root rw, child rw", []string{"fs:data=data:rw"}, []string{"fs:out=data/new-dir:rw"}, false, true},
		{"deeper, root ro", []string{"fs:data=data:ro"}, []string{"fs:out=data/a/b/c:ro"}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			writeFile(t, filepath.Join(top, "keep.txt"), "kept")
			before := tree(t, top, "")
			b := bundle(t,
				node{path: "acme:app > acme:probe", wasm: "fsprobe.wasm", keys: tt.childKeys},
				node{path: "acme:app", wasm: "probe_root.wasm", keys: tt.rootKeys, imports: map[string]int{"acme:probe": 0}})
			o := run(t, b, runtime.Config{Dirs: map[string]runtime.Dir{"data": {Path: top, ReadOnly: tt.operatorRO}}})
			after := tree(t, top, "")
			if tt.created {
				if o.err != nil || !slices.Contains(after, "new-dir/") {
					t.Errorf("run = %v, tree %q: want new-dir made for an rw chain", o.err, after)
				}
				return
			}
			sub := strings.TrimSuffix(strings.TrimPrefix(tt.childKeys[0], "fs:out=data/"), ":ro")
			sub = strings.TrimSuffix(sub, ":rw")
			why := "a read-only key does not make it"
			if tt.operatorRO {
				why = "the operator's directory is read-only"
			}
			var missing *wasi.MissingSubError
			if o.err == nil || !strings.Contains(o.err.Error(), "acme:app > acme:probe: ") ||
				!strings.Contains(o.err.Error(), sub+" does not exist in the directory of fs slot data, and "+why) ||
				!errors.As(o.err, &missing) || missing.Sub != sub || missing.Slot != "data" || missing.ReadOnlyDir != tt.operatorRO {
				t.Errorf("run = %v, want a refusal naming %s", o.err, sub)
			}
			if !slices.Equal(after, before) {
				t.Errorf("the host tree changed:\n\t%s\nwas\n\t%s", strings.Join(after, "\n\t"), strings.Join(before, "\n\t"))
			}
		})
	}
}

// TestRunMountsChecked runs a bundle whose mounts were edited: they are
// checked before anything runs.
func TestRunMountsChecked(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	for _, m := range []map[string]string{{"data": "../etc"}, {"data": "/a/../b"}, {"nope": "/x"}} {
		b := buildRoot(t, "cfs.wasm", []string{"fs:data:rw", "stdio:stdout"}, nil)
		b.Root().Mounts = m
		o := run(t, b, runtime.Config{Dirs: map[string]runtime.Dir{"data": {Path: dir}}, Args: []string{"at", "/data"}})
		if o.err == nil || o.stdout != "" {
			t.Errorf("run with mounts %q = %v, printed %q: want a refusal before anything runs", m, o.err, o.stdout)
		}
	}
}

// TestMissingKeyShowsMount checks that the error for a missing directory
// names the keys, in their canonical form, and says where the guest sees
// each slot; and that it is a *RootKeysError with the same.
func TestMissingKeyShowsMount(t *testing.T) {
	b := buildRoot(t, "cfs.wasm", []string{"fs:cache:ro", "fs:data:rw", "stdio:stdout"}, map[string]string{"data": "/"})
	o := run(t, b, runtime.Config{Dirs: map[string]runtime.Dir{"logs": {Path: t.TempDir(), ReadOnly: true}},
		Env: map[string]string{"HOME": "/"}, Deny: map[string]bool{"disk": true, "clock": true}})
	want := "acme:app needs keys the configuration does not give: fs:cache=cache:ro, fs:data=data:rw\n" +
		"acme:app sees fs slot cache at /cache\nacme:app sees fs slot data at /\n" +
		"acme:app does not declare keys the configuration gives: fs:logs:ro, env:HOME\n" +
		"acme:app: no key to deny is called disk"
	if o.err == nil || o.err.Error() != want {
		t.Errorf("run without --dir = %v, want\n%s", o.err, want)
	}
	var e *runtime.RootKeysError
	if !errors.As(o.err, &e) {
		t.Fatalf("run without --dir = %v (%T), want a *RootKeysError", o.err, o.err)
	}
	if e.Root != "acme:app" || len(e.Missing) != 2 || e.Missing[0].Name != "cache" || e.Missing[0].Access != policy.RO ||
		e.Mounts["data"] != "/" || len(e.Extra) != 2 || e.Extra[1].Kind != policy.Env || !slices.Equal(e.UnknownDeny, []string{"disk"}) {
		t.Errorf("RootKeysError = %+v", e)
	}
}

// TestRunChildMount runs a child whose package mounts its slot at /: it
// sees its own directory there, and only that.
func TestRunChildMount(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	b := bundle(t,
		node{path: "acme:app > acme:probe", wasm: "fsprobe.wasm", keys: []string{"fs:out=data/sub:ro", "stdio:stdin", "stdio:stdout"}},
		node{path: "acme:app", wasm: "probe_root.wasm", keys: []string{"fs:data=data:rw", "stdio:stdin", "stdio:stdout"}, imports: map[string]int{"acme:probe": 0}})
	b.Instances[0].Mounts = map[string]string{"out": "/"}
	o := run(t, b, runtime.Config{
		Dirs:  map[string]runtime.Dir{"data": {Path: dir}},
		Stdin: strings.NewReader("read /a.txt\nread /deeper/b.txt\nread /out/a.txt\nread /input.txt\nread /../input.txt"),
	})
	if o.err != nil || o.code != 0 {
		t.Fatalf("run: exit %d, %v\n%s", o.code, o.err, o.stderr)
	}
	got := lines(o.stdout)
	want := []string{"ok aaa", "ok bb", "err", "err", "err"}
	if len(got) != len(want) {
		t.Fatalf("fsprobe printed %q, want %d lines", got, len(want))
	}
	for i, w := range want {
		if w == "err" && !strings.HasPrefix(got[i], "err: ") || w != "err" && got[i] != w {
			t.Errorf("line %d = %q, want %q", i+1, got[i], w)
		}
	}
}

// sideBySide runs guest with args on nano, holding fs:data:rw of a fresh
// data directory mounted as mounts says, and on plain wazero with the
// directory at the same guest path; both must print want, and the host
// tree outside the directory must not change.
func sideBySide(t *testing.T, guest string, mounts map[string]string, want []string, args ...string) {
	t.Helper()
	dir := dataDir(t)
	before := tree(t, filepath.Dir(dir), "")
	same(t, "nano", runNano(t, guest, []string{"fs:data:rw", "stdio:stdout"}, mounts, map[string]runtime.Dir{"data": {Path: dir}}, args...), want)
	guestPath := "/data"
	if p, ok := mounts["data"]; ok {
		guestPath = p
	}
	same(t, "wazero", runWazero(t, guest, map[string]string{guestPath: dir}, args...), want)
	if after := tree(t, filepath.Dir(dir), ""); !slices.Equal(after, before) {
		t.Errorf("the host tree changed:\n\t%s\nwas\n\t%s", strings.Join(after, "\n\t"), strings.Join(before, "\n\t"))
	}
}
