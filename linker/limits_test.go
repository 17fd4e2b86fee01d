package linker

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/lockfile"
)

// limitedBundle is a root without limits, a child of 64MiB and 5s, and
// under it a grandchild of 1MiB that inherits the 5s.
func limitedBundle() *Bundle {
	small := []byte("\x00asm\x01\x00\x00\x00")
	d := lockfile.Digest(small)
	return &Bundle{
		Modules: map[string][]byte{d: small},
		Instances: []*Instance{
			{Path: "acme:app > acme:zip > acme:inflate", Package: "acme:inflate", Version: "1.0.0", Module: d,
				Limits: limits.Limits{Memory: 1 << 20, Time: 5 * time.Second}},
			{Path: "acme:app > acme:zip", Package: "acme:zip", Version: "1.0.0", Module: d, Imports: map[string]int{"acme:inflate": 0},
				Limits: limits.Limits{Memory: 64 << 20, Time: 5 * time.Second}},
			{Path: "acme:app", Package: "acme:app", Version: "1.0.0", Module: d, Imports: map[string]int{"acme:zip": 1}},
		},
	}
}

// TestBundleLimits checks that limits go through bundle.json as
// {"memory": BYTES, "time_ms": MS}, absent when none, and that a bundle
// whose bundle.json was edited to raise or drop a child's limit above its
// parent's is refused when it is read.
func TestBundleLimits(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := limitedBundle().WriteFile(file); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBundle(file)
	if err != nil {
		t.Fatalf("ReadBundle(valid) = %v", err)
	}
	for i, want := range []string{"memory 1MiB, time 5s", "memory 64MiB, time 5s", "none"} {
		if got := b.Instances[i].Limits.String(); got != want {
			t.Errorf("ReadBundle: %s has limits %s, want %s", b.Instances[i].Path, got, want)
		}
	}
	meta := entryText(t, file, "bundle.json")
	for _, want := range []string{`"limits": {` + "\n" + `        "memory": 1048576,` + "\n" + `        "time_ms": 5000`, `"memory": 67108864`} {
		if !strings.Contains(meta, want) {
			t.Errorf("bundle.json does not contain %q:\n%s", want, meta)
		}
	}
	if n := strings.Count(meta, `"limits"`); n != 2 {
		t.Errorf("bundle.json has %d limits, want 2 (none for the root):\n%s", n, meta)
	}

	for _, tt := range []struct {
		name, old, new, want string
	}{
		{"a grandchild's memory raised", `"memory": 1048576`, `"memory": 134217728`,
			"acme:app > acme:zip > acme:inflate: runs under limits memory 128MiB, time 5s, above memory 64MiB, time 5s of acme:app > acme:zip"},
		{"a grandchild's time raised", `"time_ms": 5000`, `"time_ms": 5001`,
			"acme:app > acme:zip > acme:inflate: runs under limits memory 1MiB, time 5001ms, above memory 64MiB, time 5s of acme:app > acme:zip"},
		{"a grandchild's limits dropped", ",\n      \"limits\": {\n        \"memory\": 1048576,\n        \"time_ms\": 5000\n      }", "",
			"acme:app > acme:zip > acme:inflate: runs under limits none, above memory 64MiB, time 5s of acme:app > acme:zip"},
		{"not a whole page", `"memory": 1048576`, `"memory": 1048577`, "not a whole number of 64KiB wasm pages"},
		{"past 24h", `"time_ms": 5000`, `"time_ms": 86400001`, "time_ms 86400001 is more than 24h"},
		{"limits twice", `"limits": {`, `"limits": {}, "Limits": {`, `key "Limits" twice in one object`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(meta, tt.old) {
				t.Fatalf("bundle.json does not contain %q", tt.old)
			}
			tampered := filepath.Join(t.TempDir(), "app.nano")
			rewrite(t, file, tampered, "bundle.json", strings.Replace(meta, tt.old, tt.new, 1))
			b, err := ReadBundle(tampered)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadBundle(tampered) = %v, %v, want an error containing %q", b, err, tt.want)
			}
		})
	}
}

// entryText returns the text of one entry of a zip file.
func entryText(t *testing.T, file, name string) string {
	t.Helper()
	z, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
	}
	t.Fatalf("%s has no %s", file, name)
	return ""
}

// rewrite copies the zip file from to to, with the entry name's text
// replaced, as a hand could edit a bundle.
func rewrite(t *testing.T, from, to, name, text string) {
	t.Helper()
	z, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range z.File {
		out, err := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			_, err = io.WriteString(out, text)
		} else {
			var r io.ReadCloser
			if r, err = f.Open(); err == nil {
				_, err = io.Copy(out, r)
				r.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := writeFileBytes(to, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func writeFileBytes(file string, data []byte) error { return os.WriteFile(file, data, 0o644) }

// TestBuildLimits checks that each instance runs under its edge's limits,
// each lowered to the one above it: acme:zip is reached twice, under
// acme:app's 64MiB edge to acme:log and its own edges.
func TestBuildLimits(t *testing.T) {
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
	for _, e := range l.Edges {
		switch e.Parent + " -> " + e.Child {
		case "acme:app 0.3.0 -> acme:zip 1.4.0":
			e.Limits = limits.Limits{Time: time.Minute}
		case "acme:app 0.3.0 -> acme:log 1.0.0":
			e.Limits = limits.Limits{Memory: 64 << 20, Time: 30 * time.Second}
		case "acme:log 1.0.0 -> acme:zip 1.4.0":
			e.Limits = limits.Limits{Memory: 128 << 20} // above: lowered to 64MiB
		}
	}
	b, err := Build(t.Context(), l, "acme:app 0.3.0", testSource(files))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"acme:app":                       "none",
		"acme:app > acme:zip":            "time 1m",
		"acme:app > acme:log":            "memory 64MiB, time 30s",
		"acme:app > acme:log > acme:zip": "memory 64MiB, time 30s",
	}
	for _, inst := range b.Instances {
		if got := inst.Limits.String(); got != want[inst.Path] {
			t.Errorf("Build: %s runs under %s, want %s", inst.Path, got, want[inst.Path])
		}
	}
	if err := b.Check(); err != nil {
		t.Errorf("check(Build) = %v", err)
	}
}
