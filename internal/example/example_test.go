package example_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

const (
	testdata = "../../testdata"
	wasi     = "wasi_snapshot_preview1"
)

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
			t.Run("compile", func(t *testing.T) {
				r := wazero.NewRuntime(ctx)
				defer r.Close(ctx)
				m, err := r.CompileModule(ctx, bin)
				if err != nil {
					t.Fatalf("CompileModule(%q) = %v, want no error", wasm, err)
				}
				if mems := m.ImportedMemories(); len(mems) > 0 {
					mod, n, _ := mems[0].Import()
					t.Errorf("CompileModule(%q) imports memory[%q.%q], want no imported memory", wasm, mod, n)
				}
				for _, f := range m.ImportedFunctions() {
					mod, n, _ := f.Import()
					if mod != wasi && policy.CheckName(mod) != nil {
						t.Errorf("CompileModule(%q) imports func[%q.%q], want a module %q or a package name", wasm, mod, n, wasi)
					}
				}
				// wazero lists neither imported tables nor globals: read the
				// import section.
				imports, err := readImports(bin)
				if err != nil {
					t.Fatalf("readImports(%q) = %v", wasm, err)
				}
				funcs := 0
				for _, im := range imports {
					if im.kind != kindFunc {
						t.Errorf("readImports(%q) has import[%q.%q] of kind %s, want func", wasm, im.module, im.name, im.kind)
						continue
					}
					funcs++
				}
				if n := len(m.ImportedFunctions()); funcs != n {
					t.Errorf("readImports(%q) has %d func imports, want %d as wazero says", wasm, funcs, n)
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
// of which has a version that exports what it imports.
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
	roots := []string{filepath.Join(example, "app", manifest.FileName), filepath.Join(example, "base", manifest.FileName)}
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
		imports, err := readImports(bin)
		if err != nil {
			t.Errorf("readImports(%q) = %v", wasm, err)
			continue
		}
		for _, im := range imports {
			if im.module == wasi {
				continue
			}
			d := m.Dep(im.module)
			if d == nil {
				t.Errorf("%s imports func[%q.%q], want %q among the dependencies of %s", wasm, im.module, im.name, im.module, m.ID())
				continue
			}
			if err := exported(published[d.Name], d.Constraint, im.name); err != nil {
				t.Errorf("%s imports func[%q.%q]: %v", wasm, im.module, im.name, err)
			}
		}
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

// A wasm import, as read from the import section.
type wasmImport struct {
	module, name string
	kind         importKind
}

type importKind byte

const (
	kindFunc importKind = iota
	kindTable
	kindMemory
	kindGlobal
)

func (k importKind) String() string {
	switch k {
	case kindFunc:
		return "func"
	case kindTable:
		return "table"
	case kindMemory:
		return "memory"
	case kindGlobal:
		return "global"
	}
	return fmt.Sprintf("kind(%#x)", byte(k))
}

// readImports returns the imports of a wasm core module.
func readImports(bin []byte) ([]wasmImport, error) {
	r := &reader{b: bin}
	if !bytes.HasPrefix(bin, []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a wasm 1 core module")
	}
	r.b = r.b[8:]
	for len(r.b) > 0 {
		id := r.byte()
		size := r.u32()
		if r.err != nil || uint64(size) > uint64(len(r.b)) {
			return nil, errors.New("truncated section")
		}
		body := r.b[:size]
		r.b = r.b[size:]
		if id == 2 {
			return importSection(body)
		}
	}
	return nil, nil
}

func importSection(body []byte) ([]wasmImport, error) {
	r := &reader{b: body}
	var out []wasmImport
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		im := wasmImport{module: r.name(), name: r.name(), kind: importKind(r.byte())}
		switch im.kind {
		case kindFunc:
			r.u32() // type index
		case kindTable:
			r.byte() // reference type
			r.limits()
		case kindMemory:
			r.limits()
		case kindGlobal:
			r.byte() // value type
			r.byte() // mutability
		default:
			return nil, fmt.Errorf("import[%q.%q] has unknown kind %#x", im.module, im.name, byte(im.kind))
		}
		out = append(out, im)
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("trailing bytes in the import section")
	}
	return out, r.err
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("unexpected end")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// u32 reads an unsigned LEB128 number.
func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("bad LEB128")
	return 0
}

func (r *reader) name() string {
	n := r.u32()
	if r.err != nil || uint64(n) > uint64(len(r.b)) {
		r.err = errors.New("truncated name")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) limits() {
	if flags := r.byte(); flags&1 != 0 {
		r.u32()
	}
	r.u32()
}
