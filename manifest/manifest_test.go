package manifest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.err from the errors Parse returns")

// TestParseFull parses a manifest that uses every field and every kind of
// key, and checks every field of the result.
func TestParseFull(t *testing.T) {
	const file = "testdata/good/full.toml"
	m, err := ParseFile(file)
	if err != nil {
		t.Fatalf("ParseFile(%q) = %v, want no error", file, err)
	}
	for _, tt := range []struct{ field, got, want string }{
		{"File", m.File, file},
		{"Name", m.Name, "acme:app"},
		{"Version", m.Version.String(), "0.3.0-rc.1+build.7"},
		{"Module", m.Module, "bin/app.wasm"},
		{"WIT", m.WIT, "wit"},
		{"Description", m.Description, "A manifest that uses everything."},
		{"License", m.License, "Apache-2.0"},
		{"Registry", m.Registry, "../registry"},
		{"ID()", m.ID(), "acme:app 0.3.0-rc.1+build.7"},
		{"Dir()", m.Dir(), filepath.Dir(file)},
	} {
		if tt.got != tt.want {
			t.Errorf("ParseFile(%q).%s = %q, want %q", file, tt.field, tt.got, tt.want)
		}
	}
	wantKeys := []string{
		"fs:cache:ro",
		"fs:data:rw",
		"net:*.cdn.example.com:443",
		"net:10.0.0.1:*",
		"net:[2001:db8::1]:8080",
		"net:api.example.com:443",
		"env:LANG",
		"env:TZ",
		"env:_X1",
		"clock",
		"random",
		"stdio:stderr",
		"stdio:stdin",
		"stdio:stdout",
		"spawn:acme:worker",
	}
	if got := m.Keys.Strings(); !slices.Equal(got, wantKeys) {
		t.Errorf("ParseFile(%q).Keys = %q, want %q", file, got, wantKeys)
	}

	for slot, want := range map[string]string{"data": "/", "cache": "/var/cache/app", "other": "/other"} {
		if got := m.Mount(slot); got != want {
			t.Errorf("ParseFile(%q).Mount(%q) = %q, want %q", file, slot, got, want)
		}
	}
	if len(m.Mounts) != 2 {
		t.Errorf("ParseFile(%q).Mounts = %q, want the 2 entries of [mounts]", file, m.Mounts)
	}

	type dep struct {
		name, req, path string
		grant           []string
		admits, rejects string // a version the constraint admits, one it rejects
		limits          string
		limitsAt        LimitsAt
	}
	wantDeps := []dep{
		{name: "acme:inflate", req: "^2.1", admits: "2.9.0", rejects: "3.0.0", limits: "none"},
		{name: "acme:local", req: "*", path: "../local", admits: "9.9.9", rejects: "1.0.0-alpha", limits: "none"},
		{name: "acme:pinned", req: "~1.4", path: "vendor/pinned", admits: "1.4.7", rejects: "1.5.0",
			limits: "time 1500ms", limitsAt: LimitsAt{Time: file + ":50:9"}},
		{name: "acme:worker", req: "=1.0.0", admits: "1.0.0", rejects: "1.0.1", limits: "none"},
		{
			name: "acme:zip", req: ">=1.4, <1.6", admits: "1.5.9", rejects: "1.6.0",
			limits: "memory 64MiB, time 5s", limitsAt: LimitsAt{Memory: file + ":40:11", Time: file + ":41:9"},
			grant: []string{
				"fs:all=data:rw",
				"fs:out=data/uploads/zip",
				"fs:tmp=cache:ro",
				"net:api.example.com:443",
				"env:LANG",
				"clock",
				"random",
				"stdio:stderr",
				"spawn:acme:worker",
			},
		},
	}
	var names []string
	for _, d := range m.Deps {
		names = append(names, d.Name)
	}
	var wantNames []string
	for _, d := range wantDeps {
		wantNames = append(wantNames, d.name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("ParseFile(%q).Deps names = %q, want %q", file, names, wantNames)
	}
	for i, want := range wantDeps {
		d := m.Deps[i]
		if d.Req != want.req {
			t.Errorf("ParseFile(%q).Dep(%q).Req = %q, want %q", file, want.name, d.Req, want.req)
		}
		if d.Path != want.path {
			t.Errorf("ParseFile(%q).Dep(%q).Path = %q, want %q", file, want.name, d.Path, want.path)
		}
		// The grant is a list as written; compare it as a set.
		if got := policy.NewSet(d.Grant...).Strings(); !slices.Equal(got, want.grant) {
			t.Errorf("ParseFile(%q).Dep(%q).Grant = %q, want %q", file, want.name, got, want.grant)
		}
		if len(d.Grant) != len(want.grant) {
			t.Errorf("ParseFile(%q).Dep(%q) has %d grant keys, want %d", file, want.name, len(d.Grant), len(want.grant))
		}
		if got := d.Limits.String(); got != want.limits {
			t.Errorf("ParseFile(%q).Dep(%q).Limits = %s, want %s", file, want.name, got, want.limits)
		}
		if got := d.LimitsAt; got != want.limitsAt {
			t.Errorf("ParseFile(%q).Dep(%q).LimitsAt = %q, want %q", file, want.name, got, want.limitsAt)
		}
		if d.Constraint == nil {
			t.Errorf("ParseFile(%q).Dep(%q).Constraint = nil, want %q", file, want.name, want.req)
			continue
		}
		if v := semver.MustParse(want.admits); !d.Constraint.Check(v) {
			t.Errorf("ParseFile(%q).Dep(%q).Constraint.Check(%q) = false, want true", file, want.name, want.admits)
		}
		if v := semver.MustParse(want.rejects); d.Constraint.Check(v) {
			t.Errorf("ParseFile(%q).Dep(%q).Constraint.Check(%q) = true, want false", file, want.name, want.rejects)
		}
		if got := m.Dep(want.name); got != d {
			t.Errorf("ParseFile(%q).Dep(%q) = %p, want %p", file, want.name, got, d)
		}
	}
	for _, name := range []string{"acme:nope", "", "acme:zzz", "acme:a"} {
		if d := m.Dep(name); d != nil {
			t.Errorf("ParseFile(%q).Dep(%q) = %q, want nil", file, name, d.Name)
		}
	}
}

func TestParseMinimal(t *testing.T) {
	const file = "testdata/good/minimal.toml"
	m, err := ParseFile(file)
	if err != nil {
		t.Fatalf("ParseFile(%q) = %v, want no error", file, err)
	}
	if m.ID() != "a:b 0.0.0" || m.Module != "m.wasm" || m.WIT != "" || m.Registry != "" || len(m.Keys) != 0 || len(m.Deps) != 0 || m.Mounts != nil {
		t.Errorf("ParseFile(%q) = %+v, want a:b 0.0.0 with module m.wasm and nothing else", file, m)
	}
}

func TestParseFileMissing(t *testing.T) {
	const file = "testdata/no-such-file.toml"
	m, err := ParseFile(file)
	if m != nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ParseFile(%q) = %v, %v, want nil and an error wrapping os.ErrNotExist", file, m, err)
	}
}

// TestParseBad parses every testdata/bad/NAME.toml and compares every problem
// reported with NAME.err. Run with -update to rewrite the .err files.
func TestParseBad(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("Glob(testdata/bad/*.toml) = %q, %v, want files", files, err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".toml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(name, data)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, nil, want an error", name, m)
			}
			if m != nil {
				t.Errorf("Parse(%q) = %+v with an error, want nil", name, m)
			}
			var list tomlfile.List
			if !errors.As(err, &list) {
				t.Fatalf("Parse(%q) error is %T, want tomlfile.List", name, err)
			}
			for _, e := range list {
				if e.File != name || e.Line < 1 || e.Col < 1 {
					t.Errorf("Parse(%q) reports %q at %q:%d:%d, want %q and a position", name, e.Msg, e.File, e.Line, e.Col, name)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".toml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%q) = %q, want %q", name, got, want)
			}
		})
	}
}

// regressions are inputs that Parse once got wrong, with what was wrong.
var regressions = []struct {
	name, bug, in string
	// problem describes what is wrong with the errors, or returns "".
	problem func(tomlfile.List) string
}{
	{
		name: "implicit-table-position",
		bug:  "tomlfile: a key under a table that is only defined implicitly (by a dotted key or a sub-table header) gets no LINE:COL",
		in: `[package]
name = "acme:app"
version = "1.0.0"
module = "app.wasm"

[dependencies."acme:zip".grant]
clock = true
`,
		problem: noPosition,
	},
	{
		name: "dotted-package-position",
		bug:  "tomlfile: a key under a table that is only defined implicitly (by a dotted key or a sub-table header) gets no LINE:COL",
		in: `package.name = "acme:app"
package.version = "1.0.0"
`,
		problem: noPosition,
	},
	{
		name: "unknown-table",
		bug:  `tomlfile.Doc.Unknown skips MD.Type(k) == "Table", but BurntSushi/toml says "Hash" (and "ArrayHash"): an unknown table is reported besides its keys`,
		in: `[package]
name = "acme:app"
version = "1.0.0"
module = "app.wasm"

[build.wasm]
target = "wasm32"

[[hook]]
run = "a"
[[hook]]
run = "b"
`,
		problem: func(l tomlfile.List) string {
			var keys []string
			for _, e := range l {
				keys = append(keys, e.Key)
			}
			want := []string{"build.wasm.target", "hook[0].run", "hook[1].run"}
			if !slices.Equal(keys, want) {
				return fmt.Sprintf("keys reported %q, want %q", keys, want)
			}
			return ""
		},
	},
}

func noPosition(l tomlfile.List) string {
	for _, e := range l {
		if e.Line < 1 {
			return fmt.Sprintf("%q has no position", e.Error())
		}
	}
	return ""
}

func TestRegressions(t *testing.T) {
	for _, tt := range regressions {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("nano.toml", []byte(tt.in))
			var list tomlfile.List
			if !errors.As(err, &list) {
				t.Fatalf("Parse(%q) = %v, want a tomlfile.List", tt.in, err)
			}
			if p := tt.problem(list); p != "" {
				t.Errorf("%s: Parse(%q): %s", tt.bug, tt.in, p)
			}
		})
	}
}

func TestCheckMount(t *testing.T) {
	for _, p := range []string{"/", "/data", "/srv/in", "/a b", "/.hidden"} {
		if err := CheckMount(p); err != nil {
			t.Errorf("CheckMount(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", ".", "data", "./data", "/data/", "//data", "/a/../b", "/./a", "/..", "/a/.", "/a\x00b"} {
		if err := CheckMount(p); err == nil {
			t.Errorf("CheckMount(%q) = nil, want an error", p)
		}
	}
}
