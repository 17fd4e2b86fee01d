package runtime_test

// These tests attack nano's enforcement from inside real guests: the
// modules in testdata/run (WAT, and two Go guests built from source beside
// them by testdata/run/build.sh). Each test builds a Bundle by hand, runs
// it with runtime.Start, Main or Invoke, and checks what reached the host:
// files, exit codes, the stdout and stderr buffers, errors.

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/runtime"
)

// runCache compiles each guest once for the whole test binary.
var runCache = wazero.NewCompilationCache()

var guests sync.Map // file name -> []byte

// guest returns the bytes of testdata/run/FILE.
func guest(t testing.TB, file string) []byte {
	t.Helper()
	if b, ok := guests.Load(file); ok {
		return b.([]byte)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "run", file))
	if err != nil {
		t.Fatalf("%v (rebuild with testdata/run/build.sh)", err)
	}
	guests.Store(file, b)
	return b
}

// A node is one instance of a hand-made bundle.
type node struct {
	path    string // "acme:app > acme:zip"; the package is its last element
	wasm    string // the module, a file in testdata/run
	bin     []byte // or the module's bytes
	keys    []string
	imports map[string]int
}

// bundle makes a bundle of nodes, children before parents, the root last.
func bundle(t testing.TB, nodes ...node) *linker.Bundle {
	t.Helper()
	b := &linker.Bundle{Modules: map[string][]byte{}}
	for _, n := range nodes {
		bin := n.bin
		if bin == nil {
			bin = guest(t, n.wasm)
		}
		d := lockfile.Digest(bin)
		b.Modules[d] = bin
		pkg := n.path
		if i := strings.LastIndex(pkg, " > "); i >= 0 {
			pkg = pkg[i+len(" > "):]
		}
		b.Instances = append(b.Instances, &linker.Instance{
			Path: n.path, Package: pkg, Version: "1.0.0", Module: d,
			Keys: n.keys, Imports: n.imports,
		})
	}
	return b
}

// An outcome is what a run of a bundle's _start left.
type outcome struct {
	code           int
	stdout, stderr string
	err            error // from Start or Main
}

// run starts the bundle and runs its _start, with c's streams replaced by
// buffers.
func run(t testing.TB, b *linker.Bundle, c runtime.Config) outcome {
	t.Helper()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr, c.Cache = &stdout, &stderr, runCache
	p, err := runtime.Start(ctx, b, &c)
	if err != nil {
		return outcome{err: err}
	}
	defer p.Close(ctx)
	code, err := p.Main(ctx)
	return outcome{code, stdout.String(), stderr.String(), err}
}

// start starts the bundle for Invoke.
func start(t testing.TB, b *linker.Bundle, c runtime.Config) *runtime.Process {
	t.Helper()
	ctx := context.Background()
	c.Cache = runCache
	p, err := runtime.Start(ctx, b, &c)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p
}

func invoke(t testing.TB, p *runtime.Process, name string, args ...string) []string {
	t.Helper()
	res, err := p.Invoke(context.Background(), name, args)
	if err != nil {
		t.Fatalf("Invoke(%s %v): %v", name, args, err)
	}
	return res
}

// A step is one fsprobe operation and what its line must be: "err" for any
// error, "*" for anything, else the exact line ("ok", "ok CONTENT").
type step struct{ op, want string }

// probe runs fsprobe with steps and checks each line. As the root ("root"),
// fsprobe holds rootKeys and gets the steps as arguments; as a child
// ("child"), probe_root holds rootKeys, fsprobe holds childKeys, and the
// steps go through stdin, so both need stdio:stdin and stdio:stdout.
func probe(t *testing.T, layout string, rootKeys, childKeys []string, c runtime.Config, steps []step) []string {
	t.Helper()
	var ops []string
	for _, s := range steps {
		ops = append(ops, s.op)
	}
	var b *linker.Bundle
	switch layout {
	case "root":
		b = bundle(t, node{path: "acme:app", wasm: "fsprobe.wasm", keys: rootKeys})
		c.Args = strings.Fields(strings.Join(ops, " "))
	case "child":
		b = bundle(t,
			node{path: "acme:app > acme:probe", wasm: "fsprobe.wasm", keys: childKeys},
			node{path: "acme:app", wasm: "probe_root.wasm", keys: rootKeys, imports: map[string]int{"acme:probe": 0}})
		c.Stdin = strings.NewReader(strings.Join(ops, "\n"))
	default:
		t.Fatalf("layout %q", layout)
	}
	o := run(t, b, c)
	if o.err != nil || o.code != 0 {
		t.Fatalf("fsprobe: exit %d, %v\nstdout:\n%s\nstderr:\n%s", o.code, o.err, o.stdout, o.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	if len(lines) != len(steps) {
		t.Fatalf("fsprobe printed %d lines for %d operations:\n%s\nstderr:\n%s", len(lines), len(steps), o.stdout, o.stderr)
	}
	for i, s := range steps {
		got := lines[i]
		switch {
		case s.want == "*":
			t.Logf("%s: %s", s.op, got)
		case s.want == "err" && !strings.HasPrefix(got, "err: "):
			t.Errorf("%s: %s, want an error", s.op, got)
		case s.want != "err" && got != s.want:
			t.Errorf("%s: %s, want %s", s.op, got, s.want)
		}
	}
	return lines
}

func writeFile(t testing.TB, file, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// tree lists everything under dir but not under skip (which is listed
// itself): "name/" for a directory, "name -> target" for a link,
// "name=content" for a file.
func tree(t testing.TB, dir, skip string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			out = append(out, rel+" -> "+target)
		case d.IsDir():
			out = append(out, rel+"/")
			if path == skip {
				return filepath.SkipDir
			}
		default:
			b, _ := os.ReadFile(path)
			out = append(out, rel+"="+string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestRunFixtures checks that every .wasm in testdata/run is what wat2wasm
// makes of its .wat (the Go guests depend on the Go version and are not
// checked: testdata/run/build.sh rebuilds them).
func TestRunFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/run/*.wat", func(wat string) []string {
		if strings.HasPrefix(filepath.Base(wat), "dotted") {
			return []string{"--debug-names"}
		}
		return nil
	})
}

// zipSlip is the attack of an unzip library on the directory it was given:
// it must do what it likes inside /out and nothing outside it, whatever
// the path, the links it finds or the links it makes.
var zipSlip = []step{
	// Inside: allowed.
	{"write /out/ok.txt hello", "ok"},
	{"read /out/ok.txt", "ok hello"},
	{"rwrite /out/ok2.txt hi", "ok"},
	{"rread /out/ok2.txt", "ok hi"},
	{"mkdir /out/sub", "ok"},
	{"rwrite /out/sub/deep.txt deep", "ok"},
	{"read /out/inner.txt", "ok inner"},
	{"read /out/good", "*"}, // a link that stays inside: may be followed
	{"rread /out/sub/../ok2.txt", "*"},

	// "..", through os (cleaned) and raw.
	{"write /out/../escape.txt x", "err"},
	{"write /out/../../escape.txt x", "err"},
	{"rwrite /out/../escape.txt x", "err"},
	{"rwrite /out/../../escape.txt x", "err"},
	{"rwrite /out/sub/../../escape.txt x", "err"},
	{"rwrite /out/./../escape.txt x", "err"},
	{"rread /out/../secret.txt", "err"},
	{"rread /out/../../outside.txt", "err"},
	{"rmkdir /out/../newdir", "err"},
	{"rremove /out/../secret.txt", "err"},
	{"rremove /out/../../outside.txt", "err"},

	// Absolute paths.
	{"write /etc/x x", "err"},
	{"write /tmp/x x", "err"},
	{"rwrite /etc/x x", "err"},
	{"rwrite /tmp/x x", "err"},
	{"rwrite /out//tmp/x x", "err"},
	{"rread /etc/passwd", "err"},
	{"rread /out//etc/passwd", "err"},

	// Links that were there before: evil -> ../secret.txt, abs -> the
	// absolute path of outside.txt, up -> "..".
	{"read /out/evil", "err"},
	{"rread /out/evil", "err"},
	{"write /out/evil pwned", "err"},
	{"rwrite /out/evil pwned", "err"},
	{"read /out/abs", "err"},
	{"rwrite /out/abs pwned", "err"},
	{"write /out/up/x x", "err"},
	{"rwrite /out/up/x x", "err"},
	{"rread /out/up/secret.txt", "err"},
	{"ls /out/up", "err"},
	{"rmkdir /out/up/newdir", "err"},
	{"rremove /out/up/secret.txt", "err"},

	// Links the guest makes itself (making them may or may not succeed;
	// going through them must fail).
	{"symlink ../secret.txt /out/mine", "*"},
	{"read /out/mine", "err"},
	{"write /out/mine pwned", "err"},
	{"rread /out/mine", "err"},
	{"rwrite /out/mine pwned", "err"},
	{"rsymlink ../../outside.txt /out/mine2", "*"},
	{"rread /out/mine2", "err"},
	{"rwrite /out/mine2 pwned", "err"},
	{"rsymlink / /out/rootlink", "*"},
	{"rread /out/rootlink/etc/passwd", "err"},
	{"rwrite /out/rootlink/tmp/x x", "err"},
	{"rsymlink .. /out/mydir", "*"},
	{"rwrite /out/mydir/x x", "err"},
	{"rread /out/mydir/secret.txt", "err"},
	{"rmkdir /out/mydir/newdir", "err"},
	{"rsymlink ../secret.txt /out/sub/deeplink", "*"},
	{"rread /out/sub/deeplink", "err"},

	// Dangling links: creating their target would create a file outside.
	{"rsymlink ../dangling.txt /out/dangling", "*"},
	{"rwrite /out/dangling x", "err"},
	{"write /out/dangling x", "err"},
	{"rsymlink ../../dangling2.txt /out/sub/dangling2", "*"},
	{"rwrite /out/sub/dangling2 x", "err"},
	{"rmkdir /out/dangling", "err"},

	// Metadata outside.
	{"rstat /out/ok2.txt", "ok 2"},
	{"rstat /out/../secret.txt", "err"},
	{"rstat /out/evil", "err"},
	{"rstat /out/up/secret.txt", "err"},

	// Hard links out, or through a link.
	{"rlink /out/../secret.txt /out/hard", "err"},
	{"rread /out/hard", "err"},
	{"rlink /out/evil /out/hard2", "*"},
	{"rread /out/hard2", "err"},
	{"rwrite /out/hard2 pwned", "err"},
	{"rlink /out/up/secret.txt /out/hard3", "err"},
	{"rlink /out/ok2.txt /out/../linked.txt", "err"},
	{"rlink /out/ok2.txt /out/up/linked.txt", "err"},

	// Renames out, and in.
	{"rename /out/ok.txt /out/../moved.txt", "err"},
	{"rrename /out/ok.txt /out/../moved.txt", "err"},
	{"rrename /out/ok.txt /out/../../moved.txt", "err"},
	{"rrename /out/ok.txt /out/up/moved.txt", "err"},
	{"rrename /out/ok.txt /out/mydir/moved.txt", "err"},
	{"rrename /out/ok.txt /tmp/moved.txt", "err"},
	{"rrename /out/../secret.txt /out/stolen.txt", "err"},
	{"rrename /out/up/secret.txt /out/stolen2.txt", "err"},
	{"rrename /out/sub /out/../submoved", "err"},
	{"rrename /out/sub /out/mydir/submoved", "err"},

	// Nothing above broke what is inside.
	{"read /out/ok.txt", "ok hello"},
}

// TestRunZipSlip runs the attack with /out mounted from data/uploads, with
// data/secret.txt next to it and outside.txt further out, fsprobe being
// the root (its slot handed straight to data/uploads) or a child holding
// fs:out=data/uploads:rw of a root holding data.
func TestRunZipSlip(t *testing.T) {
	t.Parallel()
	// Files outside every test directory that the attack names.
	var before []string
	for _, f := range []string{"/etc/x", "/tmp/x", "/tmp/moved.txt"} {
		if exists(f) {
			before = append(before, f)
		}
	}
	for _, layout := range []string{"root", "child"} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			data := filepath.Join(top, "data")
			uploads := filepath.Join(data, "uploads")
			writeFile(t, filepath.Join(top, "outside.txt"), "outside")
			writeFile(t, filepath.Join(data, "secret.txt"), "secret")
			writeFile(t, filepath.Join(uploads, "inner.txt"), "inner")
			symlink(t, "../secret.txt", filepath.Join(uploads, "evil"))
			symlink(t, filepath.Join(top, "outside.txt"), filepath.Join(uploads, "abs"))
			symlink(t, "..", filepath.Join(uploads, "up"))
			symlink(t, "inner.txt", filepath.Join(uploads, "good"))

			if layout == "root" {
				probe(t, layout, []string{"fs:out=out:rw", "stdio:stdout"}, nil,
					runtime.Config{Dirs: map[string]runtime.Dir{"out": {Path: uploads}}}, zipSlip)
			} else {
				probe(t, layout,
					[]string{"fs:data=data:rw", "stdio:stdin", "stdio:stdout"},
					[]string{"fs:out=data/uploads:rw", "stdio:stdin", "stdio:stdout"},
					runtime.Config{Dirs: map[string]runtime.Dir{"data": {Path: data}}}, zipSlip)
			}

			// Outside uploads, nothing changed.
			want := []string{"data/", "data/secret.txt=secret", "data/uploads/", "outside.txt=outside"}
			if got := tree(t, top, uploads); !slices.Equal(got, want) {
				t.Errorf("outside data/uploads:\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
			for _, f := range []string{"escape.txt", "moved.txt", "x"} {
				if p := filepath.Join(filepath.Dir(top), f); exists(p) {
					t.Errorf("%s exists", p)
				}
			}
			for _, f := range []string{"/etc/x", "/tmp/x", "/tmp/moved.txt"} {
				if exists(f) && !slices.Contains(before, f) {
					t.Errorf("%s exists", f)
				}
			}
			// Inside, what the guest wrote is there, and nothing is a
			// hard link to a file outside.
			for f, content := range map[string]string{"ok.txt": "hello", "ok2.txt": "hi", "sub/deep.txt": "deep", "inner.txt": "inner"} {
				if b, err := os.ReadFile(filepath.Join(uploads, f)); err != nil || string(b) != content {
					t.Errorf("uploads/%s: %q, %v; want %q", f, b, err, content)
				}
			}
			secret, _ := os.Stat(filepath.Join(data, "secret.txt"))
			outside, _ := os.Stat(filepath.Join(top, "outside.txt"))
			for _, entry := range tree(t, uploads, "") {
				name, _, _ := strings.Cut(entry, "=")
				fi, err := os.Lstat(filepath.Join(uploads, name))
				if err == nil && fi.Mode().IsRegular() && (os.SameFile(fi, secret) || os.SameFile(fi, outside)) {
					t.Errorf("uploads/%s is a hard link to a file outside", name)
				}
			}
			t.Logf("uploads after the attack:\n\t%s", strings.Join(tree(t, uploads, ""), "\n\t"))
		})
	}
}

// TestRunMountSymlink plants a symbolic link where a nested grant is
// mounted: a guest holding data/uploads and data/uploads/tmp replaces tmp
// with a link to a directory outside uploads. The next run must not mount
// that directory as /tmp; refusing to start is safe.
func TestRunMountSymlink(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, target string
	}{
		{"inside the operator's directory", "../secret"},     // data/secret
		{"outside the operator's directory", "../../secret"}, // TOP/secret
		{"absolute", ""}, // TOP/secret, absolute
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			data := filepath.Join(top, "data")
			writeFile(t, filepath.Join(data, "secret", "secret.txt"), "secret")
			writeFile(t, filepath.Join(top, "secret", "secret.txt"), "secret")
			if err := os.MkdirAll(filepath.Join(data, "uploads", "tmp"), 0o755); err != nil {
				t.Fatal(err)
			}
			target := tt.target
			if target == "" {
				target = filepath.Join(top, "secret")
			}
			rootKeys := []string{"fs:data=data:rw", "stdio:stdin", "stdio:stdout"}
			childKeys := []string{"fs:out=data/uploads:rw", "fs:tmp=data/uploads/tmp:rw", "stdio:stdin", "stdio:stdout"}
			c := runtime.Config{Dirs: map[string]runtime.Dir{"data": {Path: data}}}
			probe(t, "child", rootKeys, childKeys, c, []step{
				{"remove /out/tmp", "*"},
				{"rsymlink " + target + " /out/tmp", "*"},
			})
			t.Logf("uploads is now: %v", tree(t, filepath.Join(data, "uploads"), ""))

			b := bundle(t,
				node{path: "acme:app > acme:probe", wasm: "fsprobe.wasm", keys: childKeys},
				node{path: "acme:app", wasm: "probe_root.wasm", keys: rootKeys, imports: map[string]int{"acme:probe": 0}})
			c.Stdin = strings.NewReader("rread /tmp/secret.txt\nread /tmp/secret.txt\nls /tmp\nrwrite /tmp/pwned.txt x")
			o := run(t, b, c)
			if o.err != nil {
				t.Logf("the second run refused to start: %v", o.err)
			} else {
				t.Logf("the second run:\n%s", o.stdout)
			}
			pwned := exists(filepath.Join(data, "secret", "pwned.txt")) || exists(filepath.Join(top, "secret", "pwned.txt"))
			if strings.Contains(o.stdout, "ok secret") || pwned {
				t.Errorf("the second run reached %s through /tmp:\n%s", target, o.stdout)
			}
		})
	}
}

// roSteps attack a read-only /in holding file.txt and dir/.
var roSteps = []step{
	{"read /in/file.txt", "ok content"},
	{"rread /in/file.txt", "ok content"},
	{"ls /in", "ok dir,file.txt"},
	{"write /in/new.txt x", "err"},
	{"rwrite /in/new.txt x", "err"},
	{"write /in/file.txt x", "err"},
	{"rwrite /in/file.txt x", "err"},
	{"mkdir /in/d", "err"},
	{"rmkdir /in/d", "err"},
	{"rmkdir /in/dir/d", "err"},
	{"remove /in/file.txt", "err"},
	{"rremove /in/file.txt", "err"},
	{"remove /in/dir", "err"},
	{"symlink file.txt /in/l", "err"},
	{"rsymlink file.txt /in/l", "err"},
	{"rename /in/file.txt /in/m.txt", "err"},
	{"rrename /in/file.txt /in/m.txt", "err"},
	{"rrename /in/file.txt /in/dir/m.txt", "err"},
	{"rlink /in/file.txt /in/h", "err"},
	{"read /in/file.txt", "ok content"},
}

// TestRunReadOnly checks a read-only mount, read-only by its key or by the
// operator's :ro, for the root and for a child.
func TestRunReadOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                string
		layout              string
		rootKeys, childKeys []string
		slot                string // the root's slot
		sub                 string // the mount under the operator's directory
		ro                  bool   // the operator's :ro
	}{
		{"root key ro", "root", []string{"fs:in=in:ro", "stdio:stdout"}, nil, "in", "", false},
		{"root operator ro", "root", []string{"fs:in=in:rw", "stdio:stdout"}, nil, "in", "", true},
		{"child key ro", "child",
			[]string{"fs:data=data:rw", "stdio:stdin", "stdio:stdout"},
			[]string{"fs:in=data/in:ro", "stdio:stdin", "stdio:stdout"}, "data", "in", false},
		{"child operator ro", "child",
			[]string{"fs:data=data:rw", "stdio:stdin", "stdio:stdout"},
			[]string{"fs:in=data/in:rw", "stdio:stdin", "stdio:stdout"}, "data", "in", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			top := t.TempDir()
			in := filepath.Join(top, tt.sub)
			writeFile(t, filepath.Join(in, "file.txt"), "content")
			if err := os.Mkdir(filepath.Join(in, "dir"), 0o755); err != nil {
				t.Fatal(err)
			}
			before := tree(t, top, "")
			c := runtime.Config{Dirs: map[string]runtime.Dir{tt.slot: {Path: top, ReadOnly: tt.ro}}}
			probe(t, tt.layout, tt.rootKeys, tt.childKeys, c, roSteps)
			if got := tree(t, top, ""); !slices.Equal(got, before) {
				t.Errorf("the read-only directory changed:\n\t%s\nwas\n\t%s", strings.Join(got, "\n\t"), strings.Join(before, "\n\t"))
			}
		})
	}
}

// TestRunEnv checks that only granted variables exist: not the host's,
// not the ones the operator did not hand over.
func TestRunEnv(t *testing.T) {
	t.Setenv("SECRET", "hunter2")
	t.Setenv("LANG", "host-lang")
	probe(t, "root", []string{"env:LANG", "stdio:stdout"}, nil,
		runtime.Config{Env: map[string]string{"LANG": "C"}}, []step{
			{"env LANG", "ok C"},
			{"env SECRET", "err: not set"},
			{"env PATH", "err: not set"},
			{"env HOME", "err: not set"},
		})
}

// TestRunChildHoldsNothing runs fsprobe as a child holding only its
// streams, under a root holding a directory and a variable.
func TestRunChildHoldsNothing(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	writeFile(t, filepath.Join(top, "secret.txt"), "secret")
	c := runtime.Config{
		Dirs: map[string]runtime.Dir{"data": {Path: top}},
		Env:  map[string]string{"LANG": "C"},
	}
	probe(t, "child",
		[]string{"fs:data=data:rw", "env:LANG", "stdio:stdin", "stdio:stdout"},
		[]string{"stdio:stdin", "stdio:stdout"}, c, []step{
			{"read /data/secret.txt", "err"},
			{"rread /data/secret.txt", "err"},
			{"rread secret.txt", "err"},
			{"rwrite /data/x x", "err"},
			{"rwrite x x", "err"},
			{"ls /", "err"},
			{"env LANG", "err: not set"},
		})
	if got, want := tree(t, top, ""), []string{"secret.txt=secret"}; !slices.Equal(got, want) {
		t.Errorf("the root's directory: %v, want %v", got, want)
	}
}

// TestRunStdout checks that a child without stdio:stdout cannot write to
// the operator's stdout, even when its root may.
func TestRunStdout(t *testing.T) {
	t.Parallel()
	speak := func(childKeys []string) *linker.Bundle {
		return bundle(t,
			node{path: "acme:app > acme:child", wasm: "speak.wasm", keys: childKeys},
			node{path: "acme:app", wasm: "speak_root.wasm", keys: []string{"stdio:stdout", "stdio:stderr"}, imports: map[string]int{"acme:child": 0}})
	}
	t.Run("child without the key", func(t *testing.T) {
		t.Parallel()
		o := run(t, speak(nil), runtime.Config{})
		if o.err != nil {
			t.Fatal(o.err)
		}
		t.Logf("fd_write returned errno %d to the child", o.code)
		if o.stdout != "" || o.stderr != "" {
			t.Errorf("stdout %q, stderr %q; want nothing", o.stdout, o.stderr)
		}
	})
	t.Run("child with stderr only", func(t *testing.T) {
		t.Parallel()
		o := run(t, speak([]string{"stdio:stderr"}), runtime.Config{})
		if o.err != nil {
			t.Fatal(o.err)
		}
		if o.stdout != "" || o.stderr != "" {
			t.Errorf("stdout %q, stderr %q; want nothing", o.stdout, o.stderr)
		}
	})
	t.Run("child with the key", func(t *testing.T) {
		t.Parallel()
		o := run(t, speak([]string{"stdio:stdout"}), runtime.Config{})
		if o.err != nil || o.code != 0 || o.stdout != "leak\n" {
			t.Errorf("exit %d, %v, stdout %q; want 0, nil, \"leak\\n\"", o.code, o.err, o.stdout)
		}
	})
	t.Run("child with the key, denied", func(t *testing.T) {
		t.Parallel()
		o := run(t, speak([]string{"stdio:stdout"}), runtime.Config{Deny: map[string]bool{"stdout": true}})
		if o.err != nil || o.stdout != "" {
			t.Errorf("%v, stdout %q; want nothing", o.err, o.stdout)
		}
	})
}

// TestRunStdin checks that without stdio:stdin a guest reads end of file.
func TestRunStdin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		keys []string
		deny map[string]bool
		want string
	}{
		{[]string{"stdio:stdout"}, nil, "ok 0"},
		{[]string{"stdio:stdin", "stdio:stdout"}, nil, "ok 5"},
		{[]string{"stdio:stdin", "stdio:stdout"}, map[string]bool{"stdin": true}, "ok 0"},
	} {
		probe(t, "root", tt.keys, nil, runtime.Config{Stdin: strings.NewReader("hello"), Deny: tt.deny},
			[]step{{"stdin", tt.want}})
	}
}

// TestRunClockRandom checks that without clock and random a guest's time
// and entropy are the same every run, and with them real.
func TestRunClockRandom(t *testing.T) {
	t.Parallel()
	steps := []step{{"time", "*"}, {"rand", "*"}}
	without := probe(t, "root", []string{"stdio:stdout"}, nil, runtime.Config{}, steps)
	again := probe(t, "root", []string{"stdio:stdout"}, nil, runtime.Config{}, steps)
	if !slices.Equal(without, again) {
		t.Errorf("without keys, two runs differ: %q and %q", without, again)
	}
	if sec, err := strconv.ParseInt(strings.TrimPrefix(without[0], "ok "), 10, 64); err != nil {
		t.Errorf("time: %q", without[0])
	} else if d := time.Since(time.Unix(sec, 0)); math.Abs(d.Hours()) < 24 {
		t.Errorf("without clock, the guest's time %d is within a day of the host's", sec)
	}
	denied := probe(t, "root", []string{"clock", "random", "stdio:stdout"}, nil,
		runtime.Config{Deny: map[string]bool{"clock": true, "random": true}}, steps)
	if !slices.Equal(without, denied) {
		t.Errorf("with clock and random denied: %q, want %q", denied, without)
	}

	with := probe(t, "root", []string{"clock", "random", "stdio:stdout"}, nil, runtime.Config{}, steps)
	with2 := probe(t, "root", []string{"clock", "random", "stdio:stdout"}, nil, runtime.Config{}, steps)
	if sec, err := strconv.ParseInt(strings.TrimPrefix(with[0], "ok "), 10, 64); err != nil {
		t.Errorf("time: %q", with[0])
	} else if d := time.Since(time.Unix(sec, 0)); math.Abs(d.Seconds()) > 60 {
		t.Errorf("with clock, the guest's time %d is %v from the host's", sec, d)
	}
	if with[1] == with2[1] || with[1] == without[1] {
		t.Errorf("with random, entropy repeats: %q, %q (without: %q)", with[1], with2[1], without[1])
	}
}

// TestRunDiamond checks one nanoprocess per edge: acme:a and acme:b both
// depend on acme:counter, and each has its own, with its own memory.
func TestRunDiamond(t *testing.T) {
	t.Parallel()
	diamond := func(bShares bool) *linker.Bundle {
		bCounter := 2
		if bShares {
			bCounter = 0
		}
		return bundle(t,
			node{path: "acme:app > acme:a > acme:counter", wasm: "counter.wasm"},
			node{path: "acme:app > acme:a", wasm: "via_counter.wasm", imports: map[string]int{"acme:counter": 0}},
			node{path: "acme:app > acme:b > acme:counter", wasm: "counter.wasm"},
			node{path: "acme:app > acme:b", wasm: "via_counter.wasm", imports: map[string]int{"acme:counter": bCounter}},
			node{path: "acme:app", wasm: "diamond_root.wasm", imports: map[string]int{"acme:a": 1, "acme:b": 3}})
	}
	p := start(t, diamond(false), runtime.Config{})
	for i := 1; i <= 3; i++ {
		if got := invoke(t, p, "a_inc"); !slices.Equal(got, []string{strconv.Itoa(i)}) {
			t.Errorf("a_inc #%d = %v, want [%d]", i, got, i)
		}
	}
	if got := invoke(t, p, "b_inc"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("b_inc = %v, want [1]: acme:b sees acme:a's counter", got)
	}

	// The control: a bundle that binds both parents to one counter is
	// refused, since every edge is its own nanoprocess.
	if _, err := runtime.Start(context.Background(), diamond(true), &runtime.Config{Cache: runCache}); err == nil ||
		!strings.Contains(err.Error(), "not a child of its own") {
		t.Errorf("Start(one counter for two parents) = %v, want it refused", err)
	}
}

// TestRunUnboundImport checks that a module cannot import from an instance
// it is not bound to by naming it by its path, the name nano gives it.
// nano build rejects such an import; this is the runtime's own check.
func TestRunUnboundImport(t *testing.T) {
	t.Parallel()
	b := bundle(t,
		node{path: "acme:app > acme:a > acme:counter", wasm: "counter.wasm"},
		node{path: "acme:app > acme:a", wasm: "via_counter.wasm", imports: map[string]int{"acme:counter": 0}},
		node{path: "acme:app > acme:b", wasm: "sneak.wasm"},
		node{path: "acme:app", wasm: "diamond_root.wasm", imports: map[string]int{"acme:a": 1, "acme:b": 2}})
	ctx := context.Background()
	p, err := runtime.Start(ctx, b, &runtime.Config{Cache: runCache})
	if err != nil {
		t.Logf("refused: %v", err)
		return
	}
	defer p.Close(ctx)
	b1, err1 := p.Invoke(ctx, "b_inc", nil)
	a2, err2 := p.Invoke(ctx, "a_inc", nil)
	t.Fatalf("Start linked an import that the instance's Imports do not bind: acme:b reached acme:a's counter "+
		"(b_inc = %v, %v; then a_inc = %v, %v)", b1, err1, a2, err2)
}

// trapBug says what a failing trap test means.
const trapBug = "a trap is blamed on another nanoprocess than the one it happened in"

// trapPath returns the path a trap error names, failing unless it is a
// *RunError about a trap.
func trapPath(t *testing.T, what string, err error, trap string) string {
	t.Helper()
	var re *runtime.RunError
	if !errors.As(err, &re) {
		t.Fatalf("%s: %v (%T), want a *RunError", what, err, err)
	}
	if !strings.Contains(err.Error(), trap) || !strings.HasPrefix(err.Error(), re.Path+": ") {
		t.Errorf("%s: %q, want %q, the path first", what, err, trap)
	}
	return re.Path
}

// TestRunTrap checks that a trap names the nanoprocess it happened in.
func TestRunTrap(t *testing.T) {
	t.Parallel()
	b := bundle(t,
		node{path: "acme:app > acme:bad", wasm: "bad.wasm"},
		node{path: "acme:app", wasm: "bad_root.wasm", imports: map[string]int{"acme:bad": 0}})
	o := run(t, b, runtime.Config{})
	main := trapPath(t, "Main", o.err, "unreachable")
	p := start(t, b, runtime.Config{})
	_, err := p.Invoke(context.Background(), "boom", nil)
	inv := trapPath(t, "Invoke", err, "unreachable")
	if main != "acme:app > acme:bad" || inv != "acme:app > acme:bad" {
		if main == "acme:app" && inv == "acme:app" {
			t.Errorf("%s (Main and Invoke: %q)", trapBug, err)
		}
		t.Errorf("paths %q and %q, want acme:app > acme:bad", main, inv)
	}
}

// TestRunTrapNamedFunctions is TestRunTrap with a name section whose
// function names have dots, as Go's (main.boom) and many others do.
func TestRunTrapNamedFunctions(t *testing.T) {
	t.Parallel()
	b := bundle(t,
		node{path: "acme:app > acme:dotted", wasm: "dotted.wasm"},
		node{path: "acme:app", wasm: "dotted_root.wasm", imports: map[string]int{"acme:dotted": 0}})
	p := start(t, b, runtime.Config{})
	_, err := p.Invoke(context.Background(), "boom", nil)
	if path := trapPath(t, "Invoke", err, "unreachable"); path != "acme:app > acme:dotted" {
		if path == "acme:app" {
			t.Errorf("%s (%q)", trapBug, err)
		}
		t.Errorf("path %q, want acme:app > acme:dotted", path)
	}
}

// appendModuleName appends a name section naming the module name.
func appendModuleName(bin []byte, name string) []byte {
	uleb := func(b []byte, n int) []byte {
		for ; n >= 0x80; n >>= 7 {
			b = append(b, byte(n)|0x80)
		}
		return append(b, byte(n))
	}
	sub := append(uleb(nil, len(name)), name...)
	content := append(uleb(nil, len("name")), "name"...)
	content = append(append(append(content, 0), uleb(nil, len(sub))...), sub...) // subsection 0: the module name
	out := append(slices.Clone(bin), 0)
	return append(uleb(out, len(content)), content...)
}

// TestRunTrapForgedName checks that a module cannot shift the blame for
// its trap onto another nanoprocess by naming itself after it.
func TestRunTrapForgedName(t *testing.T) {
	t.Parallel()
	forged := appendModuleName(guest(t, "bad.wasm"), "acme:app > acme:good")
	b := bundle(t,
		node{path: "acme:app > acme:good", wasm: "counter.wasm"},
		node{path: "acme:app > acme:bad", bin: forged},
		node{path: "acme:app", wasm: "bad_root.wasm", imports: map[string]int{"acme:bad": 1, "acme:good": 0}})
	p := start(t, b, runtime.Config{})
	_, err := p.Invoke(context.Background(), "boom", nil)
	if path := trapPath(t, "Invoke", err, "unreachable"); path != "acme:app > acme:bad" {
		if path == "acme:app > acme:good" {
			t.Errorf("%s: %q", trapBug, err)
		}
		if path == "acme:app" {
			t.Errorf("%s (%q)", trapBug, err)
		}
		t.Errorf("path %q, want acme:app > acme:bad", path)
	}
}

// TestRunTrapSharedModule checks trap naming when two packages have the
// same module bytes (acme:a and acme:b are both via_counter.wasm): the
// trap in acme:b's counter must not be blamed on acme:a's.
func TestRunTrapSharedModule(t *testing.T) {
	t.Parallel()
	b := bundle(t,
		node{path: "acme:app > acme:a > acme:counter", wasm: "counter.wasm"},
		node{path: "acme:app > acme:a", wasm: "via_counter.wasm", imports: map[string]int{"acme:counter": 0}},
		node{path: "acme:app > acme:b > acme:counter", wasm: "trapinc.wasm"},
		node{path: "acme:app > acme:b", wasm: "via_counter.wasm", imports: map[string]int{"acme:counter": 2}},
		node{path: "acme:app", wasm: "diamond_root.wasm", imports: map[string]int{"acme:a": 1, "acme:b": 3}})
	p := start(t, b, runtime.Config{})
	if got := invoke(t, p, "a_inc"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("a_inc = %v, want [1]", got)
	}
	_, err := p.Invoke(context.Background(), "b_inc", nil)
	if path := trapPath(t, "b_inc", err, "unreachable"); path != "acme:app > acme:b > acme:counter" {
		if path == "acme:app > acme:a > acme:counter" {
			t.Errorf("the trap in acme:b's counter is blamed on acme:a's (%q): Process.newInstance compiles each "+
				"module once, by digest, renamed after the first package that uses it, so acme:b's frames are named "+
				"acme:a and failure follows acme:a's imports; compile per digest and package", err)
		}
		t.Errorf("path %q, want acme:app > acme:b > acme:counter", path)
	}
}

// TestRunGoReactor uses a Go reactor (-buildmode=c-shared, go:wasmexport)
// as a child: nano initializes it, its parent calls it.
func TestRunGoReactor(t *testing.T) {
	t.Parallel()
	b := bundle(t,
		node{path: "acme:app > acme:goadd", wasm: "goadd.wasm"},
		node{path: "acme:app", wasm: "goadd_root.wasm", imports: map[string]int{"acme:goadd": 0}})
	p := start(t, b, runtime.Config{})
	for _, tt := range []struct {
		a, b string
		want string
	}{
		{"2", "40", "42"},
		{"-3", "2", "-1"},
		{"2147483647", "1", "-2147483648"},
		{"0xffffffff", "0", "-1"},
	} {
		if got := invoke(t, p, "sum", tt.a, tt.b); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("sum %s %s = %v, want [%s]", tt.a, tt.b, got, tt.want)
		}
	}

	// A trap inside Go code names the Go child.
	t.Run("crash", func(t *testing.T) {
		_, err := p.Invoke(context.Background(), "crash", nil)
		if path := trapPath(t, "crash", err, "out of bounds memory access"); path != "acme:app > acme:goadd" {
			if path == "acme:app" {
				t.Errorf("%s (%q)", trapBug, err)
			}
			t.Errorf("path %q, want acme:app > acme:goadd", path)
		}
	})
}

// TestRunGoReactorRoot invokes a Go reactor that is the root: it must be
// initialized before its exports are called, as a child is.
func TestRunGoReactorRoot(t *testing.T) {
	t.Parallel()
	b := bundle(t, node{path: "acme:goadd", wasm: "goadd.wasm"})
	p := start(t, b, runtime.Config{})
	got, err := p.Invoke(context.Background(), "add", []string{"2", "40"})
	if err != nil || !slices.Equal(got, []string{"42"}) {
		t.Errorf("Start calls _initialize only for children, so --invoke on a reactor root calls into a "+
			"Go runtime that was never initialized: add 2 40 = %v, %v", got, err)
	}
	var re *runtime.RunError
	if _, err := p.Main(context.Background()); !errors.Is(err, runtime.ErrNoStart) || !errors.As(err, &re) || re.Path != "acme:goadd" {
		t.Errorf("Main of a reactor = %v, want ErrNoStart under a RunError naming acme:goadd", err)
	}
}

// TestRunInvokeValues checks how Invoke parses arguments and prints
// results: signed integers, floats in Go's shortest form.
func TestRunInvokeValues(t *testing.T) {
	t.Parallel()
	p := start(t, bundle(t, node{path: "acme:app", wasm: "values.wasm"}), runtime.Config{})
	for _, tt := range []struct {
		fn   string
		args []string
		want []string
	}{
		{"neg_i32", nil, []string{"-1"}},
		{"neg_i64", nil, []string{"-1"}},
		{"min_i64", nil, []string{"-9223372036854775808"}},
		{"tenth", nil, []string{"0.1"}},
		{"tenth32", nil, []string{"0.1"}},
		{"pair", nil, []string{"-7", "1e+21"}},
		{"echo_i32", []string{"-5"}, []string{"-5"}},
		{"echo_i32", []string{"4294967295"}, []string{"-1"}},
		{"echo_i64", []string{"-1"}, []string{"-1"}},
		{"echo_i64", []string{"18446744073709551615"}, []string{"-1"}},
		{"echo_f64", []string{"2.5"}, []string{"2.5"}},
		{"echo_f64", []string{"-0.1"}, []string{"-0.1"}},
	} {
		if got := invoke(t, p, tt.fn, tt.args...); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v = %q, want %q", tt.fn, tt.args, got, tt.want)
		}
	}
	for _, tt := range []struct {
		fn   string
		args []string
	}{
		{"echo_i32", []string{"x"}},
		{"echo_i32", []string{"4294967296"}},
		{"echo_i32", nil},
		{"echo_i32", []string{"1", "2"}},
		{"nope", nil},
	} {
		if got, err := p.Invoke(context.Background(), tt.fn, tt.args); err == nil {
			t.Errorf("%s %v = %v, want an error", tt.fn, tt.args, got)
		}
	}
}
