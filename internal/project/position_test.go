package project

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// TestLocateExample audits the bundled example's pull request and checks
// the position of each finding: the root's own key at its [capabilities]
// line, a key the root grants at the line of the grant, a transitive one at
// the package's nano.lock line; and that every position is a line that
// shows what the finding is about.
func TestLocateExample(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "example", "app")
	p, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	base, err := lockfile.ReadFile(filepath.Join(dir, "..", "base", "nano.lock"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := p.Audit(AuditOptions{Base: base, Today: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		file string
		line int
		path string
	}
	want := map[string]pos{
		"escalation acme:app clock":                           {"nano.toml", 17, "acme:app"},
		"escalation acme:app net:hooks.evil.example:443":      {"nano.toml", 15, "acme:app"},
		"escalation acme:notify net:hooks.evil.example:443":   {"nano.toml", 24, "acme:app > acme:notify"},
		"grant-change acme:notify env:WALLET_SEED":            {"nano.toml", 25, "acme:app > acme:notify"},
		"grant-change acme:report clock":                      {"nano.toml", 37, "acme:app > acme:report"},
		"escalation acme:fmt clock":                           {"nano.lock", 25, "acme:app > acme:report > acme:fmt"},
		"grant-change acme:fmt clock":                         {"nano.lock", 25, "acme:app > acme:report > acme:fmt"},
		"escalation acme:notify env:WALLET_SEED":              {"nano.toml", 25, "acme:app > acme:notify"},
		"escalation acme:report clock":                        {"nano.toml", 37, "acme:app > acme:report"},
		"grant-change acme:notify net:hooks.evil.example:443": {"nano.toml", 24, "acme:app > acme:notify"},
	}
	seen := 0
	for _, f := range fs {
		id := string(f.Kind) + " " + f.Package + " " + f.Key
		if w, ok := want[id]; ok {
			seen++
			if got := (pos{f.File, f.Line, f.Path}); got != w {
				t.Errorf("%s: at %+v, want %+v", id, got, w)
			}
		}
		checkShows(t, dir, &f)
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d findings expected: %+v", seen, len(want), fs)
	}
}

// checkShows checks that a finding's line shows what it is about: in
// nano.toml, the kind of its key and, for a list, the element; in
// nano.lock, the [[package]] header of its package.
func checkShows(t *testing.T, dir string, f *policy.Finding) {
	t.Helper()
	if f.File == "" || f.Line == 0 {
		t.Errorf("%s %s %s: no line (%q:%d)", f.Kind, f.Package, f.Key, f.File, f.Line)
		return
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.File)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if f.Line > len(lines) {
		t.Fatalf("%s %s %s: line %d past the end of %s", f.Kind, f.Package, f.Key, f.Line, f.File)
	}
	line := lines[f.Line-1]
	switch f.File {
	case manifest.FileName:
		k, err := policy.ParseKey(f.Key)
		if err != nil {
			t.Fatalf("%s %s %s: nano.toml for a key that does not parse", f.Kind, f.Package, f.Key)
		}
		show := k.Kind.String()
		if k.Kind == policy.Net || k.Kind == policy.Env {
			show = strings.TrimPrefix(f.Key, show+":")
		}
		if !strings.Contains(line, show) {
			t.Errorf("%s %s %s: nano.toml:%d is %q", f.Kind, f.Package, f.Key, f.Line, line)
		}
	case LockFile:
		if line != "[[package]]" || f.Line >= len(lines) || lines[f.Line] != `name = "`+f.Package+`"` {
			t.Errorf("%s %s %s: nano.lock:%d is not the package's header", f.Kind, f.Package, f.Key, f.Line)
		}
	}
}

// TestLocate places findings in a manifest written by hand: inline tables,
// lists one element a line, dotted keys, a dropped key and a limit, a
// stale approval, a package no longer locked, and a second version of a
// dependency of the root, which the root does not grant anything.
func TestLocate(t *testing.T) {
	dir := t.TempDir()
	toml := `[package]
name = "acme:app"
version = "1.0.0"
module = "app.wasm"

[capabilities]
fs = { data = "rw" }
net = [
  "a.example:443",   # the first
  "b.example:80",
]
env = ["HOME", "LANG"]

[dependencies]
"acme:zip" = { version = "^1", grant = { env = ["HOME"], fs = { out = "data/x" } } }

[dependencies."acme:log"]
version = "^1"
grant.net = ["b.example:80"]
limits.memory = "64MiB"
`
	file := filepath.Join(dir, manifest.FileName)
	if err := os.WriteFile(file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := manifest.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	digest := `"sha256:` + strings.Repeat("0", 64) + `"`
	pkg := func(name, version, deps string) string {
		return "\n[[package]]\nname = \"" + name + "\"\nversion = \"" + version + "\"\nsource = \"registry\"\nmanifest = " + digest + "\nmodule = " + digest + "\n" + deps
	}
	lockText := "version = 1\n" +
		pkg("acme:app", "1.0.0", "dependencies = [\n  \"acme:log 1.0.0\",\n  \"acme:zip 1.2.0\",\n]\n") +
		pkg("acme:inflate", "2.0.0", "") +
		pkg("acme:log", "1.0.0", "dependencies = [\n  \"acme:zip 2.0.0\",\n]\n") +
		pkg("acme:zip", "1.2.0", "dependencies = [\n  \"acme:inflate 2.0.0\",\n]\n") +
		pkg("acme:zip", "2.0.0", "")
	lock, err := lockfile.Parse(LockFile, []byte(lockText))
	if err != nil {
		t.Fatal(err)
	}
	baseText := "version = 1\n" +
		pkg("acme:app", "1.0.0", "dependencies = [\n  \"acme:gone 1.0.0\",\n]\n") +
		pkg("acme:gone", "1.0.0", "")
	base, err := lockfile.Parse(LockFile, []byte(baseText))
	if err != nil {
		t.Fatal(err)
	}
	pol := &policy.Policy{File: filepath.Join(dir, policy.PolicyFile), Approvals: []*policy.Approval{
		{Package: "acme:zip", Version: "1.2.0", Key: "env:HOME", Line: 7},
	}}
	p := &Project{Dir: dir, Root: root}
	fs := []policy.Finding{
		{Kind: policy.Escalation, Package: "acme:app", To: "1.0.0", Key: "net:b.example:80", Change: "added"},
		{Kind: policy.Escalation, Package: "acme:app", To: "1.0.0", Key: "net:a.example:443", Change: "added"},
		{Kind: policy.Escalation, Package: "acme:app", To: "1.0.0", Key: "fs:data:rw", Change: "widened"},
		{Kind: policy.Escalation, Package: "acme:app", To: "1.0.0", Key: "env:LANG", Change: "added"},
		{Kind: policy.Reduction, Package: "acme:app", To: "1.0.0", Key: "clock", Change: "dropped"},
		{Kind: policy.GrantChange, Package: "acme:zip", To: "1.2.0", Parent: "acme:app", Key: "fs:out=data/x:rw", Change: "added"},
		{Kind: policy.Escalation, Package: "acme:zip", To: "1.2.0", Key: "env:HOME", Change: "added"},
		{Kind: policy.Reduction, Package: "acme:zip", To: "1.2.0", Key: "random", Change: "dropped"},
		{Kind: policy.Escalation, Package: "acme:log", To: "1.0.0", Key: "net:b.example:80", Change: "added"},
		{Kind: policy.LimitChange, Package: "acme:log", To: "1.0.0", Parent: "acme:app", Key: "limit:memory=64MiB", Change: "raised"},
		{Kind: policy.LimitChange, Package: "acme:log", To: "1.0.0", Parent: "acme:app", Key: "limit:time=30s", Change: "removed"},
		{Kind: policy.Escalation, Package: "acme:inflate", To: "2.0.0", Key: "clock", Change: "added"},
		{Kind: policy.GrantChange, Package: "acme:inflate", To: "2.0.0", Parent: "acme:zip", Key: "clock", Change: "added"},
		{Kind: policy.Link, Package: "acme:zip", To: "1.2.0", Import: `import["acme:inflate"."f"]`},
		{Kind: policy.Reduction, Package: "acme:gone", From: "1.0.0", Key: "clock", Change: "dropped"},
		{Kind: policy.StaleApproval, Package: "acme:zip", To: "1.2.0", Key: "env:HOME"},
		{Kind: policy.Escalation, Package: "acme:zip", To: "2.0.0", Key: "env:HOME", Change: "added"},
	}
	want := []string{
		"nano.toml:10 acme:app",
		"nano.toml:9 acme:app",
		"nano.toml:7 acme:app",
		"nano.toml:12 acme:app",
		"nano.lock:3 acme:app", // dropped: no longer in nano.toml
		"nano.toml:15 acme:app > acme:zip",
		"nano.toml:15 acme:app > acme:zip",
		"nano.toml:15 acme:app > acme:zip", // dropped: at the dependency's table
		"nano.toml:19 acme:app > acme:log",
		"nano.toml:20 acme:app > acme:log",
		"nano.toml:17 acme:app > acme:log", // a limit removed: at the dependency's table
		"nano.lock:14 acme:app > acme:zip > acme:inflate",
		"nano.lock:14 acme:app > acme:zip > acme:inflate",
		"nano.lock:31 acme:app > acme:zip",
		"nano.lock:0 acme:app > acme:gone", // in the baseline only
		"nano-policy.toml:7 acme:app > acme:zip",
		"nano.lock:41 acme:app > acme:log > acme:zip", // not the version the root depends on
	}
	p.Locate(fs, lock, base, pol)
	for i, f := range fs {
		got := f.File + ":" + strconv.Itoa(f.Line) + " " + f.Path
		if got != want[i] {
			t.Errorf("%s %s %s: at %q, want %q", f.Kind, f.Package, f.Key, got, want[i])
		}
	}

	// Without nano.lock, the root's findings are in its nano.toml.
	missing := []policy.Finding{{Kind: policy.StaleLock, Package: "acme:app", To: "1.0.0"}}
	p.Locate(missing, nil, nil, nil)
	if f := missing[0]; f.File != manifest.FileName || f.Line != 0 || f.Path != "acme:app" {
		t.Errorf("missing lock: at %s:%d %q, want nano.toml:0 \"acme:app\"", f.File, f.Line, f.Path)
	}
}
