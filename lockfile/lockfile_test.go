package lockfile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden parses each testdata/*.lock and checks that Marshal gives the
// matching .golden, that the golden parses back to the same lock, and that a
// shuffled lock marshals to the same bytes.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.lock")
	if len(files) == 0 {
		t.Fatal("no testdata/*.lock")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			l, err := Parse(file, data)
			if err != nil {
				t.Fatal(err)
			}
			got := l.Marshal()
			golden := strings.TrimSuffix(file, ".lock") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal(Parse(%q)) =\n%s\nwant\n%s", file, got, want)
			}

			back, err := Parse(golden, got)
			if err != nil {
				t.Fatalf("Parse(Marshal(Parse(%q))): %v", file, err)
			}
			l.Sort()
			// Lines are where each text put the packages: not compared.
			if !reflect.DeepEqual(noLines(back), noLines(l)) {
				t.Errorf("Parse(Marshal(l)) =\n%s\nwant\n%s", dump(back), dump(l))
			}

			r := rand.New(rand.NewPCG(1, 2))
			for range 10 {
				shuffle(r, l.Packages)
				shuffle(r, l.Edges)
				for _, p := range l.Packages {
					shuffle(r, p.Dependencies)
				}
				if got := l.Marshal(); !bytes.Equal(got, want) {
					t.Fatalf("Marshal(shuffled %q) =\n%s\nwant\n%s", file, got, want)
				}
			}
		})
	}
}

// dump shows a lock field by field, for failures of reflect.DeepEqual.
func dump(l *Lock) string {
	var b strings.Builder
	for _, p := range l.Packages {
		fmt.Fprintf(&b, "%+v %#v\n", *p, *p.Version)
	}
	for _, e := range l.Edges {
		fmt.Fprintf(&b, "%+v\n", *e)
	}
	return b.String()
}

func shuffle[T any](r *rand.Rand, s []T) {
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

func TestSort(t *testing.T) {
	l := &Lock{Packages: []*Package{
		pkg("acme:zip", "1.10.0"),
		pkg("acme:zip", "1.4.2"),
		pkg("acme:app", "1.0.0"),
	}}
	l.Packages[2].Dependencies = []string{"acme:zip 1.10.0", "acme:zip 1.4.2"}
	l.Marshal()
	if got := l.Packages[0].ID(); got != "acme:zip 1.10.0" {
		t.Errorf("Packages[0].ID() after Marshal = %q, want %q", got, "acme:zip 1.10.0")
	}
	l.Sort()
	var ids []string
	for _, p := range l.Packages {
		ids = append(ids, p.ID())
	}
	want := []string{"acme:app 1.0.0", "acme:zip 1.4.2", "acme:zip 1.10.0"}
	if !slices.Equal(ids, want) {
		t.Errorf("Sort() IDs = %q, want %q", ids, want)
	}
	if got, want := l.Packages[0].Dependencies, []string{"acme:zip 1.4.2", "acme:zip 1.10.0"}; !slices.Equal(got, want) {
		t.Errorf("Sort() dependencies = %q, want %q", got, want)
	}
	if p := l.Package("acme:zip 1.10.0"); p != l.Packages[2] {
		t.Errorf("Package(%q) = %v, want %v", "acme:zip 1.10.0", p, l.Packages[2])
	}
	if p := l.Package("acme:zip 9.9.9"); p != nil {
		t.Errorf("Package(%q) = %v, want nil", "acme:zip 9.9.9", p)
	}
}

// pkg returns a package with made-up digests.
func pkg(name, version string, keys ...string) *Package {
	ks, err := policy.ParseSet(keys)
	if err != nil {
		panic(err)
	}
	return &Package{
		Name:     name,
		Version:  semver.MustParse(version),
		Source:   "registry",
		Manifest: digest(name + version + "manifest"),
		Module:   digest(name + version + "module"),
		Keys:     ks,
	}
}

func digest(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

const (
	d1 = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	d2 = "sha256:0000000000000000000000000000000000000000000000000000000000000002"
)

// base is a valid lock that the bad tests below tamper with.
const base = `version = 1

[[package]]
name = "acme:zip"
version = "1.4.2"
source = "registry"
manifest = "` + d1 + `"
module = "` + d2 + `"

[[package]]
name = "acme:app"
version = "0.3.0"
source = "path+."
manifest = "` + d1 + `"
module = "` + d2 + `"
keys = ["fs:data:rw"]
dependencies = ["acme:zip 1.4.2"]

[[edge]]
parent = "acme:app 0.3.0"
child = "acme:zip 1.4.2"
grant = ["fs:out=data/uploads:rw"]
`

// badTests are tampered locks: each replaces the first old in base with new.
var badTests = []struct {
	name     string
	old, new string
	want     string
}{
	{"syntax", `keys = ["fs:data:rw"]`, `keys = ["fs:data:rw" "clock"]`, `nano.lock:16:22: package.keys: expected a comma (',') or array terminator (']'), but got '"'`},
	{"bare value", `source = "path+."`, `source = path+.`, `nano.lock:13:10: package.source: expected value but found "path" instead`},
	{"type", `keys = ["fs:data:rw"]`, `keys = "fs:data:rw"`, `nano.lock:16:1: package.keys: incompatible types: TOML value has type string; destination has type slice`},
	{"missing version", "version = 1\n", "", `nano.lock:1:1: version: missing`},
	{"version 2", "version = 1", "version = 2", `nano.lock:1:11: version: unsupported lockfile version 2, want 1`},
	{"version string", "version = 1", `version = "1"`, `nano.lock:1:1: version: incompatible types: TOML value has type string; destination has type integer`},
	{"unknown keys", "[[edge]]", "yanked = true\n[package.extra]\nx = 1\n\n[[edge]]\nweight = 3", lines(
		`nano.lock:19:10: package[1].yanked: unknown key`,
		`nano.lock:21:5: package[1].extra.x: unknown key`,
		`nano.lock:24:10: edge[0].weight: unknown key`,
	)},
	{"name", `"acme:app"`, `"Acme:App"`, lines(
		`nano.lock:11:9: package[1].name: package name "Acme:App" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`,
		`nano.lock:20:11: edge[0].parent: package "acme:app 0.3.0" is not in the lock`,
	)},
	{"version", `"0.3.0"`, `"v0.3.0"`, lines(
		`nano.lock:12:12: package[1].version: version "v0.3.0" is not strict semver: invalid characters in version`,
		`nano.lock:20:11: edge[0].parent: package "acme:app 0.3.0" is not in the lock`,
	)},
	{"short version", `"0.3.0"`, `"0.3"`, lines(
		`nano.lock:12:12: package[1].version: version "0.3" is not strict semver: invalid semantic version`,
		`nano.lock:20:11: edge[0].parent: package "acme:app 0.3.0" is not in the lock`,
	)},
	{"first package", `"registry"`, `"git+https://x"`, `nano.lock:6:11: package[0].source: source "git+https://x" is not "registry" or "path+RELATIVE"`},
	{"source", `"path+."`, `"git+https://x"`, `nano.lock:13:11: package[1].source: source "git+https://x" is not "registry" or "path+RELATIVE"`},
	{"empty path", `"path+."`, `"path+"`, `nano.lock:13:11: package[1].source: source "path+" has an empty path`},
	{"absolute path", `"path+."`, `"path+/src/app"`, `nano.lock:13:11: package[1].source: source "path+/src/app" is not a relative slash-separated path`},
	{"unclean path", `"path+."`, `"path+./app"`, `nano.lock:13:11: package[1].source: source "path+./app" is not a clean path`},
	{"digest", "module = \"" + d2 + "\"\nkeys", "module = \"sha256:ABC\"\nkeys", `nano.lock:15:11: package[1].module: digest "sha256:ABC" is not sha256: and 64 lowercase hex digits`},
	{"wit", "keys", "wit = \"md5:00\"\nkeys", `nano.lock:16:8: package[1].wit: digest "md5:00" is not sha256: and 64 lowercase hex digits`},
	{"missing", "source = \"path+.\"\nmanifest = \"" + d1 + "\"\nmodule = \"" + d2 + "\"\n", "", lines(
		`nano.lock:10:1: package[1].source: missing`,
		`nano.lock:10:1: package[1].manifest: missing`,
		`nano.lock:10:1: package[1].module: missing`,
	)},
	{"keys", `keys = ["fs:data:rw"]`, `keys = ["fs:data", "net:example.com", "teleport", "fs:data=x:rw", "clock"]`, lines(
		`nano.lock:16:9: package[1].keys: key "fs:data": fs key has no :ro or :rw`,
		`nano.lock:16:9: package[1].keys: net pattern "example.com" has no :PORT`,
		`nano.lock:16:9: package[1].keys: key "teleport": not a kind of key (fs, net, env, clock, random, stdio, spawn)`,
		`nano.lock:16:9: package[1].keys: key "fs:data=x:rw": a package's own key has no source`,
	)},
	{"dependencies", `dependencies = ["acme:zip 1.4.2"]`, `dependencies = ["acme:zip 1.4.2", "acme:zip 1.4.2", "acme:tar 1.0.0"]`, lines(
		`nano.lock:17:17: package[1].dependencies: dependency "acme:zip 1.4.2" listed twice`,
		`nano.lock:17:17: package[1].dependencies: dependency "acme:tar 1.0.0" is not a package in the lock`,
	)},
	{"duplicate package", "[[edge]]", "[[package]]\nname = \"acme:zip\"\nversion = \"1.4.2\"\nsource = \"registry\"\nmanifest = \"" + d1 + "\"\nmodule = \"" + d1 + "\"\n\n[[edge]]", `nano.lock:19:1: package[2]: duplicate package "acme:zip 1.4.2"`},
	{"edge parent", `parent = "acme:app 0.3.0"`, `parent = "acme:app 0.4.0"`, `nano.lock:20:11: edge[0].parent: package "acme:app 0.4.0" is not in the lock`},
	{"edge child", `child = "acme:zip 1.4.2"`, `child = "acme:app 0.3.0"`, `nano.lock:21:10: edge[0].child: "acme:app 0.3.0" is not a dependency of "acme:app 0.3.0"`},
	{"duplicate edge", "[[edge]]", "[[edge]]\nparent = \"acme:app 0.3.0\"\nchild = \"acme:zip 1.4.2\"\n\n[[edge]]", `nano.lock:23:1: edge[1]: duplicate edge from "acme:app 0.3.0" to "acme:zip 1.4.2"`},
	{"edge grant", `grant = ["fs:out=data/uploads:rw"]`, `grant = ["fs:out=../up:rw"]`, `nano.lock:22:10: edge[0].grant: key "fs:out=../up:rw": fs slot ".." is not [a-z][a-z0-9_-]{0,62}`},
	{"edge missing", "child = \"acme:zip 1.4.2\"\n", "", `nano.lock:19:1: edge[0].child: missing`},
	{"edge limits", `grant = ["fs:out=data/uploads:rw"]`, "grant = [\"fs:out=data/uploads:rw\"]\nmemory = \"100KiB\"\ntime = \"1h-5m\"", lines(
		`nano.lock:23:11: edge[0].memory: size "100KiB": 102400 bytes is not a whole number of 64KiB wasm pages (try 128KiB)`,
		`nano.lock:24:9: edge[0].time: duration "1h-5m" is not a whole number and a unit: ms, s, m or h, as in "30s"`,
	)},
	{"edge limits range", `grant = ["fs:out=data/uploads:rw"]`, "grant = [\"fs:out=data/uploads:rw\"]\nmemory = \"8GiB\"\ntime = \"0s\"", lines(
		`nano.lock:23:11: edge[0].memory: size "8GiB" is more than the 4GiB a wasm memory can have`,
		`nano.lock:24:9: edge[0].time: duration "0s": a time ceiling must be positive`,
	)},
	{"edge limits type", `grant = ["fs:out=data/uploads:rw"]`, "grant = [\"fs:out=data/uploads:rw\"]\nmemory = 65536", `nano.lock:23:1: edge.memory: incompatible types: TOML value has type int64; destination has type string`},
}

func lines(s ...string) string { return strings.Join(s, "\n") }

func TestParseBad(t *testing.T) {
	for _, tt := range badTests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("base does not contain %q", tt.old)
			}
			data := strings.Replace(base, tt.old, tt.new, 1)
			l, err := Parse("nano.lock", []byte(data))
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", data, l)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", data, got, tt.want)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "nano.lock"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want fs.ErrNotExist", err)
	}

	file := filepath.Join(dir, "nano.lock")
	if err := os.WriteFile(file, []byte("version = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(file)
	if want := file + ":1:11: version: unsupported lockfile version 3, want 1"; err == nil || err.Error() != want {
		t.Errorf("ReadFile(%q) = %v, want %q", file, err, want)
	}
}

func TestWriteFile(t *testing.T) {
	l, err := Parse("nano.lock", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "nano.lock")
	for range 2 { // create, then replace
		if err := WriteFile(file, l); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	l.Sort()
	if !reflect.DeepEqual(noLines(got), noLines(l)) {
		t.Errorf("ReadFile(WriteFile(l)) =\n%s\nwant\n%s", got.Marshal(), l.Marshal())
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want %v", info.Mode().Perm(), fs.FileMode(0o644))
	}
	checkOnly(t, dir, "nano.lock")
}

func TestWriteFileReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nano.lock")
	old := []byte("old contents\n")
	if err := os.WriteFile(file, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("read-only directory is writable (running as root?)")
	}
	if err := WriteFile(file, &Lock{}); err == nil {
		t.Fatalf("WriteFile(read-only dir) = nil, want error")
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, old) {
		t.Errorf("after failed WriteFile, file = %q, want %q", got, old)
	}
	checkOnly(t, dir, "nano.lock")
}

// TestWriteFileRenameFails makes the rename fail, even for root, by putting
// a non-empty directory where the lockfile goes.
func TestWriteFileRenameFails(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nano.lock")
	if err := os.MkdirAll(filepath.Join(file, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(file, &Lock{}); err == nil {
		t.Fatalf("WriteFile(onto a directory) = nil, want error")
	}
	if _, err := os.Stat(filepath.Join(file, "keep")); err != nil {
		t.Errorf("after failed WriteFile: %v", err)
	}
	checkOnly(t, dir, "nano.lock")
}

// checkOnly checks that dir holds exactly the given names: no temporary
// file was left behind.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("ReadDir(%q) = %q, want %q", dir, got, names)
	}
}

// noLines returns l with every package's Line 0, for comparing the
// contents of locks read from different texts.
func noLines(l *Lock) *Lock {
	for _, p := range l.Packages {
		p.Line = 0
	}
	return l
}

// TestLines checks that a package's Line is its [[package]] header's, in
// the form nano writes (the fast path) and in any other (the slow path),
// and that headers that do not match the packages give no lines at all.
func TestLines(t *testing.T) {
	canonical := []byte(base)
	messy := []byte("# hand-edited\nversion = 1\n\n  [[ \"package\" ]]  # the app\n" + strings.SplitN(base, "[[package]]\n", 2)[1])
	inline := []byte("version = 1\npackage = [{name = \"a:b\", version = \"1.0.0\", source = \"registry\", manifest = \"sha256:" + strings.Repeat("0", 64) + "\", module = \"sha256:" + strings.Repeat("0", 64) + "\"}]\n")
	for _, tt := range []struct {
		name string
		data []byte
	}{{"canonical", canonical}, {"messy", messy}, {"inline", inline}} {
		l, err := Parse("nano.lock", tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		lines := strings.Split(string(tt.data), "\n")
		for _, p := range l.Packages {
			if tt.name == "inline" {
				if p.Line != 0 {
					t.Errorf("inline: %s: Line = %d, want 0: there is no header", p.ID(), p.Line)
				}
				continue
			}
			if p.Line <= 0 || p.Line > len(lines) || !isPackageHeader(lines[p.Line-1]) {
				t.Fatalf("%s: %s: Line = %d, not a [[package]] header", tt.name, p.ID(), p.Line)
			}
			if next := strings.Join(lines[p.Line:min(p.Line+2, len(lines))], "\n"); !strings.Contains(next, quote(p.Name)) {
				t.Errorf("%s: %s: Line = %d, whose table is not the package's:\n%s", tt.name, p.ID(), p.Line, next)
			}
		}
		file := filepath.Join(t.TempDir(), "nano.lock")
		if err := os.WriteFile(file, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		read, err := ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(read, l) {
			t.Errorf("%s: ReadFile and Parse disagree:\n%s\n%s", tt.name, dump(read), dump(l))
		}
	}
	if l, _ := Parse("nano.lock", canonical); l.Packages[0].Line != strings.Count(base[:strings.Index(base, "[[package]]")], "\n")+1 {
		t.Errorf("canonical: first package at line %d", l.Packages[0].Line)
	}
}
