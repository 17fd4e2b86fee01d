package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

	const file = "fuzz/nano.toml"
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(file, data)
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
