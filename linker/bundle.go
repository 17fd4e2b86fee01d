package linker

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// BundleVersion is the version of the bundle format.
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

	// load reads a module that Modules lists without its bytes (nil):
	// Build keeps none, and reads each again when it is written or run.
	load func(digest string) ([]byte, error)
}

// Module returns the bytes of the module with digest d, read again and
// checked against d if the bundle was built without keeping them.
func (b *Bundle) Module(d string) ([]byte, error) {
	if data := b.Modules[d]; data != nil || b.load == nil {
		return data, nil
	}
	data, err := b.load(d)
	if err == nil && lockfile.Digest(data) != d {
		err = fmt.Errorf("module %s changed since it was linked", d)
	}
	return data, err
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
	// Mounts says where its guest filesystem shows each fs slot, by its
	// own slot name, when its package's [mounts] moves it from /SLOT.
	Mounts map[string]string `json:"mounts,omitempty"`
	// Limits are the ceilings it runs under: its edge's limits, each
	// lowered to the one above it, so that a nanoprocess under a limited
	// parent is itself limited. Zero when none; --max-memory and
	// --timeout of nano run apply besides.
	Limits limits.Limits `json:"limits,omitzero"`
	// Imports binds each dependency the module imports from to the index
	// of the child instance that serves it.
	Imports map[string]int `json:"imports,omitempty"`
	// Typed lists its imports of its children's WIT functions.
	Typed []*TypedImport `json:"typed,omitempty"`
	// Grant is what its parent hands it, in granted form: the keys of its
	// edge in nano.lock ("fs:out=data/uploads:rw" names the parent's slot).
	// Keys is Grant in rooted form; a nanoprocess started with narrower
	// keys derives its subtree's keys from the Grants below it.
	Grant []string `json:"grant,omitempty"`
	// Spawns binds each dependency it holds a spawn key for to the index
	// of the instance that every child started from it copies: a fresh
	// nanoprocess, with its own subtree, per nano:process start. Its keys
	// are the edge's grant: the ceiling of every such child. Such an
	// instance, and everything under it, is never instantiated at start.
	Spawns map[string]int `json:"spawns,omitempty"`
}

// Mount returns where the instance's guest filesystem shows its fs slot.
func (inst *Instance) Mount(slot string) string {
	if p, ok := inst.Mounts[slot]; ok {
		return p
	}
	return manifest.DefaultMount(slot)
}

// Root returns the root instance.
func (b *Bundle) Root() *Instance { return b.Instances[len(b.Instances)-1] }

type bundleJSON struct {
	Version   int           `json:"version"`
	Instances []*Instance   `json:"instances"`
	Exports   []*iface.Func `json:"exports,omitempty"`
}

// WriteTo writes the bundle as a zip archive: bundle.json and one
// modules/HEX.wasm per module. It streams: of the modules Build left to be
// read again, it holds one at a time.
func (b *Bundle) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	z := zip.NewWriter(cw)
	meta, err := encodeMeta(b)
	if err != nil {
		return cw.n, err
	}
	if err := writeEntry(z, "bundle.json", meta); err != nil {
		return cw.n, err
	}
	for _, d := range slices.Sorted(maps.Keys(b.Modules)) {
		data, err := b.Module(d)
		if err != nil {
			return cw.n, err
		}
		if err := writeEntry(z, "modules/"+strings.TrimPrefix(d, "sha256:")+".wasm", data); err != nil {
			return cw.n, err
		}
	}
	err = z.Close()
	return cw.n, err
}

// A countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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

// The limits of reading a bundle, which is hostile input: a few megabytes
// of zip can declare, or inflate to, gigabytes.
const (
	// MaxBundleJSON bounds bundle.json, inflated: enough for tens of
	// thousands of nanoprocesses with their keys and typed imports.
	MaxBundleJSON = 16 << 20
	// MaxModuleSize bounds one module, inflated.
	MaxModuleSize = 512 << 20
	// MaxModulesSize bounds all the modules of a bundle together, inflated.
	MaxModulesSize = 1 << 30
)

// bundleLimits are the limits ReadBundle applies; tests lower them.
type bundleLimits struct{ json, module, modules uint64 }

var defaultLimits = bundleLimits{MaxBundleJSON, MaxModuleSize, MaxModulesSize}

// ReadBundle reads a bundle and verifies it: every module's bytes match
// its digest, every instance's module is there, and every import binds to
// an earlier instance.
//
// It trusts nothing in the file before checking it, and reads no more than
// its limits: the entries are listed first (only bundle.json and one
// modules/HEX.wasm per module, each once, and no module that no instance
// uses), then bundle.json is read and checked (at most MaxBundleJSON
// bytes), and only then the modules, each checked against its digest as
// it is read (at most MaxModuleSize each, MaxModulesSize together, as the
// zip declares them before anything is inflated).
func ReadBundle(file string) (*Bundle, error) {
	b, err := readBundle(file, defaultLimits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return b, nil
}

func readBundle(file string, lim bundleLimits) (*Bundle, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("not a nano bundle: %v", err)
	}
	defer z.Close()
	var meta *zip.File
	mods := map[string]*zip.File{} // by digest
	for _, f := range z.File {
		sum, isMod := strings.CutPrefix(f.Name, "modules/")
		sum, isWasm := strings.CutSuffix(sum, ".wasm")
		switch {
		case f.Name == "bundle.json" && meta == nil:
			meta = f
		case f.Name == "bundle.json":
			return nil, errors.New("two entries bundle.json: a zip viewer and nano could show different ones")
		case isMod && isWasm && isDigestHex(sum):
			d := "sha256:" + sum
			if mods[d] != nil {
				return nil, fmt.Errorf("two entries %s", f.Name)
			}
			mods[d] = f
		default:
			return nil, fmt.Errorf("unexpected entry %q", f.Name)
		}
	}
	if meta == nil {
		return nil, errors.New("no bundle.json")
	}
	if meta.UncompressedSize64 > lim.json {
		return nil, fmt.Errorf("bundle.json: %d bytes, more than the %d a bundle may have", meta.UncompressedSize64, lim.json)
	}
	data, err := readEntry(meta, lim.json)
	if err != nil {
		return nil, fmt.Errorf("bundle.json: %v", err)
	}
	if err := uniqueKeys(data); err != nil {
		return nil, fmt.Errorf("bundle.json: %v", err)
	}
	bj, err := decodeMeta(data)
	if err != nil {
		return nil, fmt.Errorf("bundle.json: %v", err)
	}
	data = nil
	switch {
	case bj.Version != BundleVersion:
		return nil, fmt.Errorf("bundle version %d, want %d", bj.Version, BundleVersion)
	case len(bj.Instances) == 0:
		return nil, errors.New("no instances")
	case len(bj.Instances) > MaxInstances:
		return nil, fmt.Errorf("%d instances, more than %d", len(bj.Instances), MaxInstances)
	}
	used := map[string]bool{}
	for _, inst := range bj.Instances {
		if inst != nil {
			used[inst.Module] = true
		}
	}
	// Every size as the zip declares it, before anything is inflated; a
	// declared size that lies is caught as the entry is read.
	var total uint64
	for _, d := range slices.Sorted(maps.Keys(mods)) {
		f := mods[d]
		switch {
		case !used[d]:
			return nil, fmt.Errorf("%s: no instance uses it", f.Name)
		case f.UncompressedSize64 > lim.module:
			return nil, fmt.Errorf("%s: %d bytes, more than the %d a module may have", f.Name, f.UncompressedSize64, lim.module)
		}
		total += f.UncompressedSize64
		if total > lim.modules {
			return nil, fmt.Errorf("the modules have more than the %d bytes a bundle may have", lim.modules)
		}
	}
	b := &Bundle{Instances: bj.Instances, Exports: bj.Exports, Modules: map[string][]byte{}}
	for _, d := range slices.Sorted(maps.Keys(mods)) {
		f := mods[d]
		data, err := readModule(f, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		b.Modules[d] = data
	}
	if err := b.Check(); err != nil {
		return nil, err
	}
	return b, nil
}

// uniqueKeys checks that no JSON object in data has a key twice, in any
// case: encoding/json keeps the last of them, and matches field names
// without regard to case, so that a reader who sees the first would not
// see what runs.
func uniqueKeys(data []byte) error {
	type object struct {
		keys  map[string]bool
		isKey bool // the next string is a key
	}
	var stack []*object // nil for an array
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1] != nil {
			stack[n-1].isKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &object{keys: map[string]bool{}, isKey: true})
			case '[':
				stack = append(stack, nil)
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			top := (*object)(nil)
			if n := len(stack); n > 0 {
				top = stack[n-1]
			}
			if top == nil || !top.isKey {
				valueDone()
				continue
			}
			folded := strings.ToLower(strings.ToUpper(t))
			if top.keys[folded] {
				return fmt.Errorf("key %q twice in one object, at byte %d", t, dec.InputOffset())
			}
			top.keys[folded], top.isKey = true, false
		default:
			valueDone()
		}
	}
}

// isDigestHex reports whether s is the hex of a SHA-256 digest, as nano
// writes it: 64 lowercase hexadecimal digits.
func isDigestHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// readEntry reads an entry of at most max bytes.
func readEntry(f *zip.File, max uint64) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err == nil && uint64(len(data)) > max {
		err = fmt.Errorf("more than %d bytes", max)
	}
	return data, err
}

// readModule reads a module entry, whose size the caller has checked, and
// checks it against its digest d as it reads it. The zip reader fails past
// the declared size, and at the end on a size or checksum that differs.
func readModule(f *zip.File, d string) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// A deflated entry inflates to at most 1032 times its size: room for
	// what the entry can hold, not for what it merely declares.
	size := min(f.UncompressedSize64, f.CompressedSize64*1032+64)
	buf := bytes.NewBuffer(make([]byte, 0, size))
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(buf, h), io.LimitReader(r, int64(f.UncompressedSize64)+1)); err != nil {
		return nil, err
	}
	if uint64(buf.Len()) != f.UncompressedSize64 {
		return nil, fmt.Errorf("%d bytes, the zip says %d", buf.Len(), f.UncompressedSize64)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != d {
		return nil, fmt.Errorf("integrity: content is %s", got)
	}
	return buf.Bytes(), nil
}

// Check verifies what a bundle says before anything runs: bundle.json has
// no digest of its own, so it is treated as hostile. The instances form a
// tree, children first and the root last; every module is there; every
// typed import and WIT type is well formed; and every nanoprocess holds
// only keys its parent holds, down from the root's, and runs under
// limits within its parent's, so that editing a bundle can give no
// nanoprocess more than the root, nor lift a ceiling set above it.
func (b *Bundle) Check() error {
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
		if err := checkMounts(inst, keys[i]); err != nil {
			return fmt.Errorf("%s: %v", inst.Path, err)
		}
		for name, j := range inst.Imports {
			if j < 0 || j >= i || parent[j] >= 0 {
				return fmt.Errorf("%s: import %q binds to instance %d, which is not a child of its own instantiated before it", inst.Path, name, j)
			}
			parent[j] = i
		}
		for name, j := range inst.Spawns {
			switch {
			case j < 0 || j >= i || parent[j] >= 0:
				return fmt.Errorf("%s: spawn %q names instance %d, which is not a child of its own before it", inst.Path, name, j)
			case !keys[i].Contains(policy.Key{Kind: policy.Spawn, Name: name}):
				return fmt.Errorf("%s: spawns %s without holding spawn:%s", inst.Path, name, name)
			case b.Instances[j].Package != name:
				return fmt.Errorf("%s: spawn %q names an instance of %s", inst.Path, name, b.Instances[j].Package)
			}
			if _, ok := inst.Imports[name]; ok {
				return fmt.Errorf("%s: %s is both imported from and spawned", inst.Path, name)
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
	// spawned marks the instances a spawn copies: their keys are derived
	// from their grants when a child starts with narrower keys.
	spawned := make([]bool, len(b.Instances))
	for i := root; i >= 0; i-- {
		for _, j := range b.Instances[i].Spawns {
			spawned[j] = true
		}
		if spawned[i] {
			for _, j := range b.Instances[i].Imports {
				spawned[j] = true
			}
		}
	}
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
			if !keys[parent[i]].HoldsRooted(k) {
				return fmt.Errorf("%s: holds %s, which %s does not", inst.Path, k, b.Instances[parent[i]].Path)
			}
		}
		if spawned[i] || len(inst.Grant) > 0 {
			if err := checkGrant(inst, keys[parent[i]], keys[i]); err != nil {
				return fmt.Errorf("%s: %v", inst.Path, err)
			}
		}
		if up := b.Instances[parent[i]]; !inst.Limits.Within(up.Limits) {
			return fmt.Errorf("%s: runs under limits %s, above %s of %s", inst.Path, inst.Limits, up.Limits, up.Path)
		}
	}
	return nil
}

// checkGrant checks that an instance's keys are its grant, rooted under
// its parent's keys: the one form a spawn derives keys from.
func checkGrant(inst *Instance, parent, keys policy.Set) error {
	rooted, err := RootGrant(parent, inst.Grant)
	if err != nil {
		return err
	}
	if !slices.Equal(rooted, keys) {
		return fmt.Errorf("its grant %s, rooted, is %s, not its keys %s", strings.Join(inst.Grant, ", "), strings.Join(rooted.Strings(), ", "), strings.Join(keys.Strings(), ", "))
	}
	return nil
}

// RootGrant returns grant, keys in granted form handed down by a
// nanoprocess holding parent (rooted form), in rooted form.
func RootGrant(parent policy.Set, grant []string) (policy.Set, error) {
	out := make([]policy.Key, 0, len(grant))
	for _, g := range grant {
		k, err := policy.ParseGrant(g)
		if err != nil {
			return nil, fmt.Errorf("grant: %v", err)
		}
		if k, err = parent.Rooted(k); err != nil {
			return nil, fmt.Errorf("grant: %v", err)
		}
		out = append(out, k)
	}
	return policy.NewSet(out...), nil
}

// checkMounts checks an instance's mounts: each names a slot it holds and
// an absolute, clean path, and no two of its slots share a path.
func checkMounts(inst *Instance, keys policy.Set) error {
	held := map[string]bool{}
	for _, k := range keys {
		if k.Kind == policy.FS {
			held[k.Name] = true
		}
	}
	for _, slot := range slices.Sorted(maps.Keys(inst.Mounts)) {
		if !held[slot] {
			return fmt.Errorf("mounts slot %q, which it does not hold", slot)
		}
		if err := manifest.CheckMount(inst.Mounts[slot]); err != nil {
			return fmt.Errorf("fs slot %q: %v", slot, err)
		}
	}
	by := map[string]string{}
	for _, slot := range slices.Sorted(maps.Keys(held)) {
		at := inst.Mount(slot)
		if other, ok := by[at]; ok {
			return fmt.Errorf("fs slots %q and %q are both mounted at %s", other, slot, at)
		}
		by[at] = slot
	}
	return nil
}
