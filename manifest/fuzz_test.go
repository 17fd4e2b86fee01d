package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nanoproc/nano/internal/synth"
	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/policy"
)

// FuzzParse checks that Parse never panics, that every problem it reports
// names the file, and that what it accepts is well formed.
func FuzzParse(f *testing.F) {
	var seeds []string
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join("testdata", "fuzz") {
			return filepath.SkipDir // the fuzzer's own corpus
		}
		if !d.IsDir() && strings.HasSuffix(path, ".toml") {
			seeds = append(seeds, path)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	example := filepath.Join("..", "testdata", "example")
	registry, err := filepath.Glob(filepath.Join(example, "registry", "*", "*", "*", FileName))
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, filepath.Join(example, "app", FileName), filepath.Join(example, "base", FileName))
	seeds = append(seeds, registry...)
	if len(registry) == 0 {
		f.Fatalf("no registry manifests under %s", example)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

	// A plain manifest with limits, for the comparison with the decoder.
	f.Add([]byte("[package]\nname = \"a:b\"\nversion = \"1.0.0\"\nmodule = \"m.wasm\"\n[dependencies.\"a:c\"]\nversion = \"1\"\n[dependencies.\"a:c\".limits]\nmemory = \"64MiB\"\ntime = \"5s\"\n"))
	const file = "fuzz/nano.toml"
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(file, data)
		// What the plain reader accepts, the TOML decoder reads the same.
		if _, plain := readPlain(data); plain {
			want, werr := parseTOML(file, data, nil)
			if want != nil && m != nil {
				want.Digest = m.Digest
			}
			if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(m, want) {
				t.Errorf("Parse(%q) = %+v, %v; through the TOML decoder %+v, %v", data, m, err, want, werr)
			}
		}
		if err != nil {
			if m != nil {
				t.Errorf("Parse(%q) = %+v, %v, want nil with an error", data, m, err)
			}
			var list tomlfile.List
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse(%q) error = %#v, want a non-empty tomlfile.List", data, err)
			}
			for _, e := range list {
				if e == nil {
					t.Fatalf("Parse(%q) error list has a nil element", data)
				}
				if e.File != file {
					t.Errorf("Parse(%q) error %q has File %q, want %q", data, e.Msg, e.File, file)
				}
				if s := e.Error(); !strings.HasPrefix(s, file+":") {
					t.Errorf("Parse(%q) error = %q, want it to start with %q", data, s, file+":")
				}
			}
			return
		}
		if m == nil {
			t.Fatalf("Parse(%q) = nil, nil", data)
		}
		if m.Version == nil {
			t.Errorf("Parse(%q).Version = nil, want a version", data)
		}
		if m.Name == "" || m.Module == "" {
			t.Errorf("Parse(%q) has Name %q, Module %q, want both set", data, m.Name, m.Module)
		}
		if set := policy.NewSet(m.Keys...); !slices.Equal(set, m.Keys) {
			t.Errorf("Parse(%q).Keys = %q, want sorted and deduplicated %q", data, m.Keys.Strings(), set.Strings())
		}
		if !slices.IsSortedFunc(m.Deps, func(a, b *Dependency) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("Parse(%q).Deps are not sorted by name", data)
		}
		for i, d := range m.Deps {
			if d.Constraint == nil {
				t.Errorf("Parse(%q).Deps[%d] (%q) has a nil Constraint for %q", data, i, d.Name, d.Req)
			}
			if i > 0 && m.Deps[i-1].Name == d.Name {
				t.Errorf("Parse(%q).Deps has %q twice", data, d.Name)
			}
			if m.Dep(d.Name) != d {
				t.Errorf("Parse(%q).Dep(%q) does not find Deps[%d]", data, d.Name, i)
			}
		}
	})
}

// TestPlainAgreesWithTOML checks that the plain reader reads the manifests
// of the example and of a synthetic registry, as nano and people write
// them, and that it reads them as the TOML decoder does.
func TestPlainAgreesWithTOML(t *testing.T) {
	dir := t.TempDir()
	if _, err := synth.Generate(dir, 100, 1); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{
		filepath.Join(dir, "registry", "*", "*", "*", FileName),
		filepath.Join(dir, "app", FileName),
		filepath.Join("..", "testdata", "example", "*", FileName),
		filepath.Join("..", "testdata", "example", "registry", "*", "*", "*", FileName),
		filepath.Join("testdata", "good", "*.toml"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil || len(m) == 0 {
			t.Fatalf("no manifests match %s", pattern)
		}
		files = append(files, m...)
	}
	plain := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(file, data)
		want, werr := parseTOML(file, data, nil)
		if want != nil && got != nil {
			want.Digest = got.Digest
		}
		if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%s) = %+v, %v; through the TOML decoder %+v, %v", file, got, err, want, werr)
		}
		if _, ok := readPlain(data); ok {
			plain++
		} else if !strings.Contains(file, "good") {
			t.Errorf("readPlain(%s) = false, want a plain manifest", file)
		}
	}
	t.Logf("%d of %d manifests plain", plain, len(files))
}

// TestPlainLimits checks that the plain reader reads [dependencies."X".limits]
// as the TOML decoder does, positions included, and leaves what it does
// not read, a limit of the wrong type or an unknown one, to the decoder.
func TestPlainLimits(t *testing.T) {
	const head = "[package]\nname = \"acme:app\"\nversion = \"1.0.0\"\nmodule = \"app.wasm\"\n\n[dependencies.\"acme:zip\"]\nversion = \"1\"\n[dependencies.\"acme:zip\".limits]\n"
	for _, tt := range []struct {
		limits string
		plain  bool
	}{
		{"memory = \"64MiB\"\ntime = \"5s\"\n", true},
		{"time = \"500ms\" # a comment\n", true},
		{"  memory   =  \"64MiB\"\n\ttime\t=\t\"5s\"\t# é\n", true},
		{"\"memory\" = \"1GiB\"\n", true},
		{"", true},
		{"memory = \"100KiB\"\n", true}, // plain, refused with its position by the decoder
		{"memory = 65536\n", false},
		{"cpu = \"1\"\n", false},
		{"memory = \"64MiB\"\nmemory = \"1GiB\"\n", false},
		{"memory.x = \"64MiB\"\n", false},
	} {
		data := []byte(head + tt.limits)
		if _, ok := readPlain(data); ok != tt.plain {
			t.Errorf("readPlain(%q) = %v, want %v", data, ok, tt.plain)
		}
		got, err := Parse("nano.toml", data)
		want, werr := parseTOML("nano.toml", data, nil)
		if want != nil && got != nil {
			want.Digest = got.Digest
		}
		if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %+v, %v; through the TOML decoder %+v, %v", data, got, err, want, werr)
		}
		if got != nil && !got.Deps[0].Limits.IsZero() && got.Deps[0].LimitsAt == (LimitsAt{}) {
			t.Errorf("Parse(%q) has limits %v but no positions", data, got.Deps[0].Limits)
		}
	}
}
