package linker

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// BundleVersion is the version of the bundle format. Version 2 stores WIT
// types in a table (see bundlejson.go).
const BundleVersion = 2

// A Bundle is a linked tree of nanoprocesses, ready to run: the modules,
// addressed by digest, and one instance per dependency edge.
type Bundle struct {
	// Instances lists every nanoprocess, children before their parents:
	// the root is last.
	Instances []*Instance
	// Modules holds the module bytes by digest ("sha256:...").
	Modules map[string][]byte
	// Exports are the WIT functions the root exports, for --invoke.
	Exports []*iface.Func
}

// An Instance is one nanoprocess.
type Instance struct {
	Path    string `json:"path"` // "acme:app > acme:zip", the way from the root
	Package string `json:"package"`
	Version string `json:"version"`
	Module  string `json:"module"` // the digest of its module
	// Keys are the keys it holds, canonical; an fs key names the root's
	// slot and the sub-path in it ("fs:out=data/uploads:rw"), so the
	// operator's directories map straight to every instance's.
	Keys []string `json:"keys,omitempty"`
	// Imports binds each dependency the module imports from to the index
	// of the child instance that serves it.
	Imports map[string]int `json:"imports,omitempty"`
	// Typed lists its imports of its children's WIT functions.
	Typed []*TypedImport `json:"typed,omitempty"`
}

// Root returns the root instance.
func (b *Bundle) Root() *Instance { return b.Instances[len(b.Instances)-1] }

type bundleJSON struct {
	Version   int           `json:"version"`
	Instances []*Instance   `json:"instances"`
	Exports   []*iface.Func `json:"exports,omitempty"`
}

// WriteTo writes the bundle as a zip archive: bundle.json and one
// modules/HEX.wasm per module.
func (b *Bundle) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	meta, err := encodeMeta(b)
	if err != nil {
		return 0, err
	}
	if err := writeEntry(z, "bundle.json", meta); err != nil {
		return 0, err
	}
	digests := make([]string, 0, len(b.Modules))
	for d := range b.Modules {
		digests = append(digests, d)
	}
	slices.Sort(digests)
	for _, d := range digests {
		if err := writeEntry(z, "modules/"+strings.TrimPrefix(d, "sha256:")+".wasm", b.Modules[d]); err != nil {
			return 0, err
		}
	}
	if err := z.Close(); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

// writeEntry stores an entry uncompressed, with no time, so that the same
// bundle always has the same bytes.
func writeEntry(z *zip.Writer, name string, data []byte) error {
	w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// WriteFile writes the bundle to file atomically.
func (b *Bundle) WriteFile(file string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".nano-bundle-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := b.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

// ReadBundle reads a bundle and verifies it: every module's bytes match
// its digest, every instance's module is there, and every import binds to
// an earlier instance.
func ReadBundle(file string) (*Bundle, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("%s: not a nano bundle: %v", file, err)
	}
	defer z.Close()
	b := &Bundle{Modules: map[string][]byte{}}
	var meta *bundleJSON
	for _, f := range z.File {
		data, err := readEntry(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", file, f.Name, err)
		}
		switch hex, ok := strings.CutPrefix(f.Name, "modules/"); {
		case f.Name == "bundle.json":
			if meta, err = decodeMeta(data); err != nil {
				return nil, fmt.Errorf("%s: bundle.json: %v", file, err)
			}
		case ok && strings.HasSuffix(hex, ".wasm"):
			d := "sha256:" + strings.TrimSuffix(hex, ".wasm")
			if got := lockfile.Digest(data); got != d {
				return nil, fmt.Errorf("%s: %s: integrity: content is %s", file, f.Name, got)
			}
			b.Modules[d] = data
		default:
			return nil, fmt.Errorf("%s: unexpected entry %s", file, f.Name)
		}
	}
	switch {
	case meta == nil:
		return nil, fmt.Errorf("%s: no bundle.json", file)
	case meta.Version != BundleVersion:
		return nil, fmt.Errorf("%s: bundle version %d, want %d", file, meta.Version, BundleVersion)
	case len(meta.Instances) == 0:
		return nil, fmt.Errorf("%s: no instances", file)
	}
	b.Instances, b.Exports = meta.Instances, meta.Exports
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return b, nil
}

// check verifies what a bundle says before anything runs: bundle.json has
// no digest of its own, so it is treated as hostile. The instances form a
// tree, children first and the root last; every module is there; every
// typed import and WIT type is well formed; and every nanoprocess holds
// only keys its parent holds, down from the root's, so that editing a
// bundle can give no nanoprocess more than the root.
func (b *Bundle) check() error {
	parent := make([]int, len(b.Instances))
	for i := range parent {
		parent[i] = -1
	}
	keys := make([]policy.Set, len(b.Instances))
	for i, inst := range b.Instances {
		if inst == nil {
			return fmt.Errorf("instance %d is null", i)
		}
		if _, ok := b.Modules[inst.Module]; !ok {
			return fmt.Errorf("%s: module %s is missing", inst.Path, inst.Module)
		}
		var err error
		if keys[i], err = policy.ParseSet(inst.Keys); err != nil {
			return fmt.Errorf("%s: %v", inst.Path, err)
		}
		for name, j := range inst.Imports {
			if j < 0 || j >= i || parent[j] >= 0 {
				return fmt.Errorf("%s: import %q binds to instance %d, which is not a child of its own instantiated before it", inst.Path, name, j)
			}
			parent[j] = i
		}
		for _, t := range inst.Typed {
			if t == nil || t.Func == nil {
				return fmt.Errorf("%s: a typed import is null", inst.Path)
			}
			if _, ok := inst.Imports[t.Child]; !ok {
				return fmt.Errorf("%s: typed import[%q.%q] names %s, which it does not import", inst.Path, t.Module, t.Name, t.Child)
			}
			if err := t.Func.Check(); err != nil {
				return fmt.Errorf("%s: typed import[%q.%q]: %v", inst.Path, t.Module, t.Name, err)
			}
		}
	}
	for _, f := range b.Exports {
		if f == nil {
			return errors.New("an export is null")
		}
		if err := f.Check(); err != nil {
			return fmt.Errorf("export %s: %v", f.Name, err)
		}
	}
	root := len(b.Instances) - 1
	for _, k := range keys[root] {
		if k.Kind == policy.FS && k.Source != k.Name {
			return fmt.Errorf("%s: the root's key %s is not its own slot", b.Root().Path, k)
		}
	}
	for i, inst := range b.Instances {
		switch {
		case i == root && parent[i] >= 0:
			return fmt.Errorf("%s: the root is imported by another instance", inst.Path)
		case i == root:
			continue
		case parent[i] < 0:
			return fmt.Errorf("%s: no instance imports it", inst.Path)
		}
		for _, k := range keys[i] {
			if !holds(keys[parent[i]], k) {
				return fmt.Errorf("%s: holds %s, which %s does not", inst.Path, k, b.Instances[parent[i]].Path)
			}
		}
	}
	return nil
}

// holds reports whether a nanoprocess holding keys may hold k: fs keys by
// their place under the root's slots, others as policy covers them.
func holds(keys policy.Set, k policy.Key) bool {
	if k.Kind != policy.FS {
		return keys.Covers(k)
	}
	return slices.ContainsFunc(keys, func(p policy.Key) bool {
		return p.Kind == policy.FS && p.Access >= k.Access &&
			(k.Source == p.Source || strings.HasPrefix(k.Source, p.Source+"/"))
	})
}

// maxModule bounds what a bundle entry may inflate to.
const maxModule = 1 << 30

func readEntry(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxModule+1))
	if len(data) > maxModule {
		return nil, fmt.Errorf("larger than %d bytes", maxModule)
	}
	return data, err
}
