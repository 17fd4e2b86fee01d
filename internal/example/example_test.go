package example_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/manifest"
)

const testdata = "../../testdata"

// TestModules checks every .wat under testdata: the .wasm beside it is a
// valid module that imports only functions, from WASI or from a package, and
// is exactly what wat2wasm makes of the .wat.
func TestModules(t *testing.T) {
	var wats []string
	err := filepath.WalkDir(testdata, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wat") {
			wats = append(wats, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wats) == 0 {
		t.Fatalf("no .wat files under %s", testdata)
	}
	ctx := context.Background()
	for _, wat := range wats {
		name, _ := filepath.Rel(testdata, wat)
		wasm := strings.TrimSuffix(wat, ".wat") + ".wasm"
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			bin, err := os.ReadFile(wasm)
			if err != nil {
				t.Fatal(err)
			}
			t.Run("links", func(t *testing.T) {
				m, err := linker.Analyze(ctx, bin)
				if err != nil {
					t.Fatalf("Analyze(%q) = %v, want no error", wasm, err)
				}
				for _, s := range m.ImportedNonFuncs {
					t.Errorf("Analyze(%q): %s, want only function imports", wasm, s)
				}
				for _, im := range m.Imports {
					if im.Need.Kind == linker.NeedUnknown {
						t.Errorf("Analyze(%q): %s needs %s, want WASI or a package", wasm, im, im.Need)
					}
				}
			})
			t.Run("wat2wasm", func(t *testing.T) {
				tool, err := exec.LookPath("wat2wasm")
				if err != nil {
					t.Skipf("wat2wasm (wabt) is not on PATH: cannot check %s against %s", wasm, wat)
				}
				out := filepath.Join(t.TempDir(), "out.wasm")
				cmd := exec.Command(tool, wat, "-o", out)
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("wat2wasm %s: %v\n%s", wat, err, msg)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, bin) {
					t.Errorf("wat2wasm(%q) = %d bytes, want the %d bytes of %s (rebuild with testdata/build.sh)", wat, len(got), len(bin), wasm)
				}
			})
		})
	}
}

// TestManifests checks that every manifest of the example parses, names a
// module that exists, sits at registry/NAMESPACE/NAME/VERSION when it is in
// the registry, and imports only from WASI and from its dependencies, each
// of which has a version that exports what it imports, and from nano's host
// APIs, functions they have.
func TestManifests(t *testing.T) {
	example := filepath.Join(testdata, "example")
	registry := filepath.Join(example, "registry")
	files, err := filepath.Glob(filepath.Join(registry, "*", "*", "*", manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no manifests in %s", registry)
	}
	published := map[string][]*manifest.Manifest{} // by name
	for _, file := range files {
		m, err := manifest.ParseFile(file)
		if err != nil {
			t.Errorf("ParseFile(%q) = %v, want no error", file, err)
			continue
		}
		rel, _ := filepath.Rel(registry, filepath.Dir(file))
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if want := parts[0] + ":" + parts[1] + " " + parts[2]; m.ID() != want {
			t.Errorf("ParseFile(%q).ID() = %q, want %q", file, m.ID(), want)
		}
		published[m.Name] = append(published[m.Name], m)
	}
	roots := []string{
		filepath.Join(example, "app", manifest.FileName),
		filepath.Join(example, "base", manifest.FileName),
		filepath.Join(example, "sneaky", manifest.FileName),
		filepath.Join(example, "sneaky", "notify", manifest.FileName),
	}
	for _, file := range append(roots, files...) {
		m, err := manifest.ParseFile(file)
		if err != nil {
			t.Errorf("ParseFile(%q) = %v, want no error", file, err)
			continue
		}
		wasm := filepath.Join(m.Dir(), filepath.FromSlash(m.Module))
		if !strings.HasSuffix(m.Module, ".wasm") {
			t.Errorf("ParseFile(%q).Module = %q, want a .wasm file", file, m.Module)
		}
		bin, err := os.ReadFile(wasm)
		if err != nil {
			t.Errorf("ParseFile(%q).Module = %q: %v", file, m.Module, err)
			continue
		}
		mod, err := linker.Analyze(context.Background(), bin)
		if err != nil {
			t.Errorf("Analyze(%q) = %v", wasm, err)
			continue
		}
		for _, im := range mod.Imports {
			if im.Module == linker.WASI {
				continue
			}
			if strings.HasPrefix(im.Module, hostapi.Prefix) {
				if _, _, err := hostapi.Lookup(im.Module, im.Name); err != nil {
					t.Errorf("%s: %s: %v", wasm, im, err)
				}
				continue
			}
			d := m.Dep(im.Module)
			if d == nil {
				t.Errorf("%s: %s: want %q among the dependencies of %s", wasm, im, im.Module, m.ID())
				continue
			}
			if err := exported(published[d.Name], d.Constraint, im.Name); err != nil {
				t.Errorf("%s: %s: %v", wasm, im, err)
			}
		}
	}
}

// TestSneaky checks the sneaky variant's story: its acme:notify is the
// registry's 1.2.4, byte for byte, under a manifest that leaves out the net
// key; both hold the wallet seed.
func TestSneaky(t *testing.T) {
	example := filepath.Join(testdata, "example")
	real, err := manifest.ParseFile(filepath.Join(example, "registry", "acme", "notify", "1.2.4", manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	sneaky, err := manifest.ParseFile(filepath.Join(example, "sneaky", "notify", manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	read := func(m *manifest.Manifest) []byte {
		b, err := os.ReadFile(filepath.Join(m.Dir(), filepath.FromSlash(m.Module)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(real), read(sneaky)) {
		t.Errorf("%s and %s differ, want the same module", real.Module, sneaky.Module)
	}
	if real.ID() != sneaky.ID() {
		t.Errorf("sneaky notify is %s, want %s", sneaky.ID(), real.ID())
	}
	want := slices.DeleteFunc(slices.Clone(real.Keys.Strings()), func(k string) bool { return strings.HasPrefix(k, "net:") })
	if got := sneaky.Keys.Strings(); !slices.Equal(got, want) || len(want) == len(real.Keys) {
		t.Errorf("sneaky notify declares %v, want %v: the registry's %v without its net key", got, want, real.Keys.Strings())
	}
}

// exported reports an error unless some version of the package that the
// constraint admits exports a function of that name.
func exported(versions []*manifest.Manifest, c *manifest.Requirement, name string) error {
	var tried []string
	for _, m := range versions {
		if !c.Check(m.Version) {
			continue
		}
		tried = append(tried, m.Version.String())
		bin, err := os.ReadFile(filepath.Join(m.Dir(), filepath.FromSlash(m.Module)))
		if err != nil {
			return err
		}
		ctx := context.Background()
		r := wazero.NewRuntime(ctx)
		cm, err := r.CompileModule(ctx, bin)
		if err != nil {
			r.Close(ctx)
			return err
		}
		_, ok := cm.ExportedFunctions()[name]
		r.Close(ctx)
		if ok {
			return nil
		}
	}
	if len(tried) == 0 {
		return fmt.Errorf("no published version matches %v", c)
	}
	slices.Sort(tried)
	return fmt.Errorf("no version of %s exports %q", strings.Join(tried, ", "), name)
}
