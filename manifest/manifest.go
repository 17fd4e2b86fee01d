// Package manifest parses and validates nano.toml, the file in which every
// package declares its name, module, keys and dependencies.
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/readfile"
	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/policy"
)

// vocabulary lists the table and key names of nano.toml, for the "did
// you mean" of an unknown key.
var vocabulary = []string{"package", "name", "version", "module", "wit", "description", "license",
	"registry", "path", "capabilities", "fs", "net", "env", "clock", "random", "stdio", "spawn",
	"mounts", "dependencies", "grant", "limits", "memory", "time"}

// FileName is the name of a package's manifest.
const FileName = "nano.toml"

// A Manifest is a parsed and valid nano.toml.
type Manifest struct {
	File    string // the path it was read from, for messages
	Name    string
	Version *semver.Version
	Module  string // slash path of the core module, relative to the manifest
	WIT     string // slash path of the WIT file or directory, or ""

	Description string
	License     string

	// Registry is the [registry] path, relative to the manifest. Only the
	// root's is used.
	Registry string

	// Keys is every key the package declares in [capabilities].
	Keys policy.Set
	// Mounts is the [mounts] table: where the guest sees a declared fs
	// slot, by slot, when not at its default /SLOT. Use Mount to read it.
	Mounts map[string]string
	// Deps are the dependencies, sorted by name.
	Deps []*Dependency

	// Digest is "sha256:" and the hex SHA-256 of the text it was parsed
	// from, as nano.lock records a manifest.
	Digest string

	id string // ID, computed once by Parse
}

// ID returns "name version", the package's identity in messages and locks.
func (m *Manifest) ID() string {
	if m.id != "" {
		return m.id
	}
	return m.Name + " " + vtext.String(m.Version)
}

// Mount returns where the package's guest filesystem shows its fs slot:
// its [mounts] entry, or /SLOT.
func (m *Manifest) Mount(slot string) string {
	if p, ok := m.Mounts[slot]; ok {
		return p
	}
	return DefaultMount(slot)
}

// DefaultMount is where a slot appears without a [mounts] entry: /SLOT.
func DefaultMount(slot string) string { return "/" + slot }

// CheckMount reports whether p can be where a slot is mounted: an absolute,
// clean slash path ("/", "/data", "/srv/in").
func CheckMount(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("mount %q is not an absolute path", p)
	case path.Clean(p) != p:
		return fmt.Errorf("mount %q is not clean (want %q)", p, path.Clean(p))
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("mount %q holds a NUL byte", p)
	}
	return nil
}

// Dir returns the directory holding the manifest.
func (m *Manifest) Dir() string { return filepath.Dir(m.File) }

// Dep returns the dependency on name, or nil.
func (m *Manifest) Dep(name string) *Dependency {
	i, ok := slices.BinarySearchFunc(m.Deps, name, func(d *Dependency, n string) int { return strings.Compare(d.Name, n) })
	if !ok {
		return nil
	}
	return m.Deps[i]
}

// A Dependency is one entry of [dependencies].
type Dependency struct {
	Name string
	Req  string // the requirement as written
	// Constraint is Req, parsed.
	Constraint *Requirement
	// Path is a local source directory, relative to the manifest, or "".
	Path string
	// Grant is the keys handed down, as written: fs keys name the parent's
	// slot and sub-path in Source, and may leave Access to the child.
	Grant []policy.Key
	// Limits are the ceilings of [dependencies."X".limits], for each
	// nanoprocess of this edge; zero when none.
	Limits limits.Limits
	// LimitsAt says where each limit is written, "FILE:LINE:COL", for
	// messages; "" for a limit not set.
	LimitsAt LimitsAt
}

// LimitsAt is where the limits of a dependency are written.
type LimitsAt struct{ Memory, Time string }

// The shapes of nano.toml, as decoded.
type (
	fileTOML struct {
		Package struct {
			Name        string `toml:"name"`
			Version     string `toml:"version"`
			Module      string `toml:"module"`
			WIT         string `toml:"wit"`
			Description string `toml:"description"`
			License     string `toml:"license"`
		} `toml:"package"`
		Registry struct {
			Path string `toml:"path"`
		} `toml:"registry"`
		Capabilities keysTOML                  `toml:"capabilities"`
		Mounts       map[string]string         `toml:"mounts"`
		Dependencies map[string]toml.Primitive `toml:"dependencies"`
	}
	keysTOML struct {
		FS     map[string]string `toml:"fs"`
		Net    []string          `toml:"net"`
		Env    []string          `toml:"env"`
		Clock  bool              `toml:"clock"`
		Random bool              `toml:"random"`
		Stdio  []string          `toml:"stdio"`
		Spawn  []string          `toml:"spawn"`
	}
	depTOML struct {
		Version string     `toml:"version"`
		Path    string     `toml:"path"`
		Grant   keysTOML   `toml:"grant"`
		Limits  limitsTOML `toml:"limits"`
	}
	// limitsTOML holds any value, so that one of the wrong type is
	// reported at its key, not as the whole dependency's.
	limitsTOML struct {
		Memory any `toml:"memory"`
		Time   any `toml:"time"`
	}
)

// ParseFile reads and parses a manifest.
func ParseFile(file string) (*Manifest, error) {
	data, err := readfile.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Parse parses and validates data, the contents of file. Every problem is
// reported at once, in a tomlfile.List.
func Parse(file string, data []byte) (*Manifest, error) {
	return parse(file, data, nil)
}

// ParsePublished reads and parses the manifest of a published package, in
// a registry: the package is its directory, and nothing outside it. The
// manifest, and the module and WIT paths it names, must stay inside it,
// through no ".." (CheckInside, as publishing checks) and no symbolic link
// that leads out; a path that does not is an error at its key, reported
// with the manifest's other problems. Whether the files exist is left to
// their readers.
func ParsePublished(file string) (*Manifest, error) {
	dir := filepath.Dir(file)
	data, err := readInside(dir, filepath.Base(file))
	if err != nil {
		return nil, err
	}
	return parse(file, data, func(rel string) error {
		if err := CheckInside(rel); err != nil {
			return err
		}
		if leadsOut(dir, filepath.FromSlash(rel)) {
			return fmt.Errorf("path %q leads out of the package directory through a symbolic link", rel)
		}
		return nil
	})
}

// readInside reads the file name in dir, refusing a symbolic link that
// leads out of dir.
func readInside(dir, name string) ([]byte, error) {
	file := filepath.Join(dir, name)
	// The common case: no link, and no os.Lstat before the read.
	if data, err := readfile.ReadSmall(file); !errors.Is(err, readfile.ErrLink) {
		return data, err
	}
	info, err := os.Lstat(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &fs.PathError{Op: "open", Path: file, Err: pe.Err}
		}
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink == 0 {
		return readfile.ReadFile(file) // the common case: no link, no os.Root
	}
	if leadsOut(dir, name) {
		return nil, fmt.Errorf("%s: a symbolic link that leads out of the package directory", file)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(name)
}

// leadsOut reports whether the relative path rel, under dir, passes
// through a symbolic link that leads out of dir. A path without links,
// as published packages have, costs one Lstat a part; one with a link is
// resolved by os.Root, which follows a link only where it stays inside
// dir: a path that it refuses and the host's stat resolves leads out. A
// path that does not exist is left to its readers.
func leadsOut(dir, rel string) bool {
	p := dir
	for part := range strings.SplitSeq(rel, string(filepath.Separator)) {
		p = filepath.Join(p, part)
		info, err := os.Lstat(p)
		if err != nil {
			return false
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			root, err := os.OpenRoot(dir)
			if err != nil {
				return false
			}
			defer root.Close()
			if _, err := root.Stat(rel); err != nil {
				_, serr := os.Stat(filepath.Join(dir, rel))
				return serr == nil
			}
			return false
		}
	}
	return false
}

// CheckInside accepts a relative, clean slash path (as a manifest's paths
// are) that stays inside the manifest's directory: not ".." and not
// starting with "../".
func CheckInside(rel string) error {
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("path %q is outside the package directory", rel)
	}
	return nil
}

// decoded is a manifest's text, decoded by readPlain or by the TOML
// decoder.
type decoded struct {
	f          fileTOML // without Dependencies
	hasPackage bool
	deps       map[string]*depEntry
}

// A depEntry is the value of one dependency.
type depEntry struct {
	short bool   // a requirement string, not a table
	req   string // when short
	t     depTOML
	err   error // the value has the wrong type
	// at is where readPlain read the limits memory and time, if it did.
	at [2]plainPos
}

// A plainPos is a line and column of a value that readPlain read.
type plainPos struct{ line, col int }

// parse parses data; inside, if not nil, checks the module and WIT paths.
// A plain manifest is read by readPlain; one that has problems, or is not
// plain, is decoded as TOML, which gives every problem its position.
func parse(file string, data []byte, inside func(string) error) (*Manifest, error) {
	m, err := parseText(file, data, inside)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	m.Digest = "sha256:" + hex.EncodeToString(sum[:])
	return m, nil
}

func parseText(file string, data []byte, inside func(string) error) (*Manifest, error) {
	if dec, ok := readPlain(data); ok {
		doc := tomlfile.NewDoc(file, data)
		if m := build(file, doc, dec, inside); len(doc.Errs()) == 0 {
			return m, nil
		}
	}
	return parseTOML(file, data, inside)
}

// parseTOML is parse through the TOML decoder.
func parseTOML(file string, data []byte, inside func(string) error) (*Manifest, error) {
	var f fileTOML
	doc, err := tomlfile.Decode(file, data, &f)
	if err != nil {
		return nil, err
	}
	dec := &decoded{f: f, hasPackage: doc.MD.IsDefined("package"), deps: map[string]*depEntry{}}
	for name, prim := range f.Dependencies {
		e := &depEntry{short: doc.MD.Type("dependencies", name) == "String"}
		if e.short {
			e.err = doc.MD.PrimitiveDecode(prim, &e.req)
		} else if err := doc.MD.PrimitiveDecode(prim, &e.t); err != nil {
			e.err = fmt.Errorf("want a requirement string or a table: %v", err)
		}
		dec.deps[name] = e
	}
	m := build(file, doc, dec, inside)
	doc.Unknown(vocabulary...)
	if err := doc.Err(); err != nil {
		return nil, err
	}
	m.id = m.ID()
	return m, nil
}

// build makes the manifest of dec and records its problems in doc.
func build(file string, doc *tomlfile.Doc, dec *decoded, inside func(string) error) *Manifest {
	f := &dec.f
	var err error
	m := &Manifest{
		File:        file,
		Name:        f.Package.Name,
		Module:      f.Package.Module,
		WIT:         f.Package.WIT,
		Description: f.Package.Description,
		License:     f.Package.License,
		Registry:    f.Registry.Path,
	}
	p := &parser{doc: doc}
	if !dec.hasPackage {
		doc.Errorf(nil, "no [package] table")
	} else {
		p.check([]any{"package", "name"}, m.Name, checkPackageName)
		if f.Package.Version == "" {
			doc.Errorf([]any{"package", "version"}, "missing")
		} else if m.Version, err = ParseVersion(f.Package.Version); err != nil {
			doc.Errorf([]any{"package", "version"}, "%v", err)
		}
		rel := checkRel
		if inside != nil {
			rel = func(p string) error {
				if err := checkRel(p); err != nil {
					return err
				}
				return inside(p)
			}
		}
		p.check([]any{"package", "module"}, m.Module, rel)
		if m.WIT != "" {
			p.check([]any{"package", "wit"}, m.WIT, rel)
		}
	}
	if m.Registry != "" {
		p.check([]any{"registry", "path"}, m.Registry, checkRel)
	}
	m.Keys = policy.NewSet(p.keys([]any{"capabilities"}, f.Capabilities, nil)...)
	m.Mounts = p.mounts(m.Keys, f.Mounts)

	names := make([]string, 0, len(dec.deps))
	for name := range dec.deps {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if d := p.dep(m, name, dec.deps[name]); d != nil {
			m.Deps = append(m.Deps, d)
		}
	}
	for _, s := range f.Capabilities.Spawn {
		if m.Dep(s) == nil && policy.CheckName(s) == nil {
			doc.Errorf([]any{"capabilities", "spawn"}, "%s is not a dependency of this package", s)
		}
	}
	if m.Version != nil {
		m.id = m.ID()
	}
	return m
}

type parser struct{ doc *tomlfile.Doc }

func (p *parser) check(key []any, v string, check func(string) error) bool {
	if v == "" {
		p.doc.Errorf(key, "missing")
		return false
	}
	if err := check(v); err != nil {
		p.doc.Errorf(key, "%v", err)
		return false
	}
	return true
}

// checkAt is check with a key made only for a problem.
func (p *parser) checkAt(key func(...any) []any, v string, check func(string) error) bool {
	if v == "" {
		p.doc.Errorf(key(), "missing")
		return false
	}
	if err := check(v); err != nil {
		p.doc.Errorf(key(), "%v", err)
		return false
	}
	return true
}

func (p *parser) dep(m *Manifest, name string, e *depEntry) *Dependency {
	// The key of a problem, made only for one.
	key := func(sub ...any) []any { return append([]any{"dependencies", name}, sub...) }
	d := &Dependency{Name: name}
	if e.err != nil {
		p.doc.Errorf(key(), "%v", e.err)
		return nil
	}
	t, short := &e.t, e.short
	if short {
		d.Req = e.req
	} else {
		d.Req, d.Path = t.Version, t.Path
	}
	ok := p.checkAt(key, name, checkPackageName)
	if ok && name == m.Name {
		p.doc.Errorf(key(), "a package cannot depend on itself")
		ok = false
	}
	reqKey := key
	if !short {
		reqKey = func(...any) []any { return key("version") }
	}
	if d.Req == "" && d.Path != "" {
		d.Req = "*"
	}
	if d.Req == "" {
		p.doc.Errorf(reqKey(), "missing version requirement")
		ok = false
	} else if c, err := ParseRequirement(d.Req); err != nil {
		p.doc.Errorf(reqKey(), "%v", err)
		ok = false
	} else {
		d.Constraint = c
	}
	if d.Path != "" && !p.check(key("path"), d.Path, checkRel) {
		ok = false
	}
	n := len(p.doc.Errs())
	if !t.Grant.empty() {
		d.Grant = p.keys(key("grant"), t.Grant, func(slot, v string) (policy.Key, error) {
			return policy.ParseGrantFS(slot, v)
		})
	}
	p.limits(d, t.Limits, e.at, key)
	if !ok || len(p.doc.Errs()) > n {
		return nil
	}
	return d
}

// limits reads a dependency's [limits] table into d; at is where the
// plain reader read each value, or zero.
func (p *parser) limits(d *Dependency, t limitsTOML, at [2]plainPos, key func(...any) []any) {
	position := func(i int, name string) string {
		if at[i].line > 0 {
			return fmt.Sprintf("%s:%d:%d", p.doc.File, at[i].line, at[i].col)
		}
		return p.doc.Position(key("limits", name))
	}
	str := func(name string, v any) (string, bool) {
		s, ok := v.(string)
		if !ok {
			p.doc.Errorf(key("limits", name), "want a string, as in %s = %q, not %s", name, map[string]string{"memory": "64MiB", "time": "30s"}[name], tomlType(v))
		}
		return s, ok
	}
	if t.Memory != nil {
		if s, ok := str("memory", t.Memory); ok {
			if n, err := limits.ParseSize(s); err != nil {
				p.doc.Errorf(key("limits", "memory"), "%v", err)
			} else {
				d.Limits.Memory = n
				d.LimitsAt.Memory = position(0, "memory")
			}
		}
	}
	if t.Time != nil {
		if s, ok := str("time", t.Time); ok {
			if v, err := limits.ParseDuration(s); err != nil {
				p.doc.Errorf(key("limits", "time"), "%v", err)
			} else {
				d.Limits.Time = v
				d.LimitsAt.Time = position(1, "time")
			}
		}
	}
}

// tomlType names the TOML type of a decoded value.
func tomlType(v any) string {
	switch v.(type) {
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// empty reports whether t declares or grants nothing, as most grants.
func (t *keysTOML) empty() bool {
	return len(t.FS) == 0 && len(t.Net) == 0 && len(t.Env) == 0 && !t.Clock && !t.Random && len(t.Stdio) == 0 && len(t.Spawn) == 0
}

// keys converts a [capabilities] or grant table. fsKey parses an fs value;
// nil means a declaration ("ro" or "rw").
func (p *parser) keys(key []any, t keysTOML, fsKey func(slot, v string) (policy.Key, error)) []policy.Key {
	at := func(k ...any) []any { return append(slices.Clip(key), k...) }
	if fsKey == nil {
		fsKey = func(slot, v string) (policy.Key, error) {
			if err := policy.CheckSlot(slot); err != nil {
				return policy.Key{}, err
			}
			a, err := policy.ParseAccess(v)
			return policy.Key{Kind: policy.FS, Name: slot, Access: a}, err
		}
	}
	var keys []policy.Key
	for _, slot := range slices.Sorted(mapsKeys(t.FS)) {
		k, err := fsKey(slot, t.FS[slot])
		if err != nil {
			p.doc.Errorf(at("fs", slot), "%v", err)
			continue
		}
		keys = append(keys, k)
	}
	list := func(name string, vals []string, parse func(string) (policy.Key, error)) {
		if len(vals) == 0 {
			return
		}
		seen := map[string]bool{}
		for _, v := range vals {
			k, err := parse(v)
			switch {
			case err != nil:
				p.doc.Errorf(at(name), "%v", err)
			case seen[v]:
				p.doc.Errorf(at(name), "%q listed twice", v)
			default:
				keys = append(keys, k)
			}
			seen[v] = true
		}
	}
	list("net", t.Net, policy.ParseNet)
	list("env", t.Env, named(policy.Env, policy.CheckEnv))
	list("stdio", t.Stdio, named(policy.Stdio, policy.CheckStream))
	list("spawn", t.Spawn, named(policy.Spawn, policy.CheckName))
	if t.Clock {
		keys = append(keys, policy.Key{Kind: policy.Clock})
	}
	if t.Random {
		keys = append(keys, policy.Key{Kind: policy.Random})
	}
	return keys
}

// mounts checks the [mounts] table against the declared keys: each entry
// names a declared fs slot and an absolute, clean path, and no two slots,
// with their defaults, share a path.
func (p *parser) mounts(keys policy.Set, t map[string]string) map[string]string {
	if len(t) == 0 {
		return nil
	}
	declared := map[string]bool{}
	for _, k := range keys {
		if k.Kind == policy.FS {
			declared[k.Name] = true
		}
	}
	out := map[string]string{}
	for _, slot := range slices.Sorted(mapsKeys(t)) {
		at := []any{"mounts", slot}
		switch err := CheckMount(t[slot]); {
		case err != nil:
			p.doc.Errorf(at, "%v", err)
		case policy.CheckSlot(slot) != nil:
			p.doc.Errorf(at, "%v", policy.CheckSlot(slot))
		case !declared[slot]:
			p.doc.Errorf(at, "fs slot %q is not declared in [capabilities]", slot)
		default:
			out[slot] = t[slot]
		}
	}
	// Every slot's path, explicit or default; a clash is reported at the
	// explicit entry, or at the later of two. A slot whose entry is wrong
	// clashes with nothing.
	by := map[string]string{}
	for _, slot := range slices.Sorted(maps.Keys(declared)) {
		if _, ok := t[slot]; !ok {
			by[DefaultMount(slot)] = slot
		}
	}
	for _, slot := range slices.Sorted(mapsKeys(out)) {
		other, ok := by[out[slot]]
		_, explicit := out[other]
		switch {
		case !ok:
			by[out[slot]] = slot
		case !explicit:
			p.doc.Errorf([]any{"mounts", slot}, "%s is where fs slot %q is mounted by default", out[slot], other)
		default:
			p.doc.Errorf([]any{"mounts", slot}, "%s is also where fs slot %q is mounted", out[slot], other)
		}
	}
	return out
}

func named(kind policy.Kind, check func(string) error) func(string) (policy.Key, error) {
	return func(s string) (policy.Key, error) {
		return policy.Key{Kind: kind, Name: s}, check(s)
	}
}

// checkRel accepts a relative slash path.
func checkRel(p string) error {
	if path.IsAbs(p) || filepath.IsAbs(p) || strings.Contains(p, "\\") {
		return fmt.Errorf("path %q is not relative", p)
	}
	if path.Clean(p) != p {
		return fmt.Errorf("path %q is not clean (want %q)", p, path.Clean(p))
	}
	return nil
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ReservedNamespace is the namespace of nano's host APIs (hostapi.Prefix):
// no package may take it.
const ReservedNamespace = "nano"

// checkPackageName checks the name of a package: a valid name, outside the
// namespace of nano's own host APIs, so that an import from "nano:..."
// always means nano and never a dependency.
func checkPackageName(name string) error {
	if err := policy.CheckName(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, ReservedNamespace+":") {
		return fmt.Errorf("%q: the namespace nano is reserved for nano's host APIs", name)
	}
	return nil
}
