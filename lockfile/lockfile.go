// Package lockfile reads and writes nano.lock, the record of a resolved
// package tree, and diffs two lockfiles.
//
// A lockfile is TOML, written by nano only: sorted, one fact per line, so
// that a diff of two lockfiles reads well and the same tree always gives the
// same bytes.
package lockfile

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/readfile"
	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/policy"
)

// Version is the version of the lockfile format that this package reads and
// writes.
const Version = 1

// header is the first line of every lockfile.
const header = "# nano.lock: written by nano, do not edit.\n"

// A Lock is the content of a lockfile.
type Lock struct {
	Packages []*Package
	Edges    []*Edge
}

// A Package is one locked package.
type Package struct {
	Name    string
	Version *semver.Version
	// Source is "registry", or "path+" and a slash-separated path relative
	// to the lockfile's directory ("path+.", "path+../zip").
	Source string
	// Manifest, Module and WIT are "sha256:" and 64 lowercase hex digits, the
	// digests of the manifest, the module and the WIT files (see HashFile
	// and HashTree). WIT is "" when the package has none.
	Manifest, Module, WIT string
	// Keys are the keys the package declares.
	Keys policy.Set
	// Dependencies are the IDs of the package's dependencies.
	Dependencies []string
	// Line is the line of the package's [[package]] header in the file
	// it was read from, 0 for a package not read from a file or whose
	// header was not found. Marshal ignores it.
	Line int
}

// ID returns the package's ID, "name version".
func (p *Package) ID() string { return p.Name + " " + vtext.String(p.Version) }

// An Edge is one dependency edge, the keys handed down it and the
// ceilings the parent sets on it.
type Edge struct {
	Parent, Child string // package IDs
	Grant         policy.Set
	// Limits are the ceilings of each nanoprocess of the edge, written as
	// memory = "SIZE" and time = "DURATION" in canonical form; zero when
	// none.
	Limits limits.Limits
}

// Package returns the package with the given ID, or nil.
func (l *Lock) Package(id string) *Package {
	for _, p := range l.Packages {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

// Sort sorts the packages by name and version, each package's dependencies
// by name and version, and the edges by parent and child. It removes nothing.
func (l *Lock) Sort() {
	sortStable(l.Packages, comparePackages)
	for _, p := range l.Packages {
		sortStable(p.Dependencies, compareIDs)
	}
	sortStable(l.Edges, compareEdges)
}

// sortStable sorts s stably, after one look to see whether it is sorted
// already, as the lists of a lock built from a sorted graph mostly are.
func sortStable[T any](s []T, cmp func(a, b T) int) {
	if !slices.IsSortedFunc(s, cmp) {
		slices.SortStableFunc(s, cmp)
	}
}

func comparePackages(a, b *Package) int {
	return cmpVersions(a.Name, a.Version, b.Name, b.Version)
}

func compareEdges(a, b *Edge) int {
	if c := compareIDs(a.Parent, b.Parent); c != 0 {
		return c
	}
	return compareIDs(a.Child, b.Child)
}

// compareIDs orders package IDs by name, then version. An ID whose version
// does not parse sorts by its text.
func compareIDs(a, b string) int {
	an, av, _ := strings.Cut(a, " ")
	bn, bv, _ := strings.Cut(b, " ")
	if c := strings.Compare(an, bn); c != 0 || av == bv {
		return c // names differ, or the same ID: no need to parse versions
	}
	va, erra := semver.StrictNewVersion(av)
	vb, errb := semver.StrictNewVersion(bv)
	if erra != nil || errb != nil {
		return strings.Compare(a, b)
	}
	return cmpVersions(an, va, bn, vb)
}

// cmpVersions orders by name, then semver order, then version text (which
// differs for versions that differ only in build metadata).
func cmpVersions(an string, av *semver.Version, bn string, bv *semver.Version) int {
	if c := strings.Compare(an, bn); c != 0 {
		return c
	}
	if c := av.Compare(bv); c != 0 {
		return c
	}
	return strings.Compare(av.String(), bv.String())
}

// Marshal returns the lockfile's text. The output is sorted, whatever the
// order of l, and l is left unchanged.
func (l *Lock) Marshal() []byte {
	var b bytes.Buffer
	b.Grow(400*len(l.Packages) + 200*len(l.Edges))
	b.WriteString(header)
	fmt.Fprintf(&b, "version = %d\n", Version)
	pkgs := slices.Clone(l.Packages)
	slices.SortStableFunc(pkgs, comparePackages)
	for _, p := range pkgs {
		b.WriteString("\n[[package]]\n")
		field(&b, "name", p.Name)
		field(&b, "version", vtext.String(p.Version))
		field(&b, "source", p.Source)
		field(&b, "manifest", p.Manifest)
		field(&b, "module", p.Module)
		if p.WIT != "" {
			field(&b, "wit", p.WIT)
		}
		list(&b, "keys", policy.NewSet(p.Keys...).Strings())
		deps := slices.Clone(p.Dependencies)
		slices.SortStableFunc(deps, compareIDs)
		list(&b, "dependencies", deps)
	}
	edges := slices.Clone(l.Edges)
	slices.SortStableFunc(edges, compareEdges)
	for _, e := range edges {
		b.WriteString("\n[[edge]]\n")
		field(&b, "parent", e.Parent)
		field(&b, "child", e.Child)
		list(&b, "grant", policy.NewSet(e.Grant...).Strings())
		if e.Limits.Memory != 0 {
			field(&b, "memory", limits.FormatSize(e.Limits.Memory))
		}
		if e.Limits.Time != 0 {
			field(&b, "time", limits.FormatDuration(e.Limits.Time))
		}
	}
	return b.Bytes()
}

func field(b *bytes.Buffer, key, value string) {
	b.WriteString(key)
	b.WriteString(" = ")
	writeQuoted(b, value)
	b.WriteByte('\n')
}

// writeQuoted writes s as a TOML basic string.
func writeQuoted(b *bytes.Buffer, s string) {
	if strings.IndexFunc(s, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r == 0x7f }) >= 0 {
		b.WriteString(quote(s))
		return
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// list writes a non-empty array one element per line.
func list(b *bytes.Buffer, key string, values []string) {
	if len(values) == 0 {
		return
	}
	b.WriteString(key)
	b.WriteString(" = [\n")
	for _, v := range values {
		b.WriteString("  ")
		writeQuoted(b, v)
		b.WriteString(",\n")
	}
	b.WriteString("]\n")
}

// quote returns s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// The file as decoded. Pointers tell a missing key from an empty one.
type (
	lockFile struct {
		Version *int64
		Package []pkgFile
		Edge    []edgeFile
	}
	pkgFile struct {
		Name, Version, Source, Manifest, Module, WIT *string
		Keys, Dependencies                           []string
	}
	edgeFile struct {
		Parent, Child *string
		Grant         []string
		Memory, Time  *string
	}
)

// Parse parses data, the contents of file, and checks it. It reports every
// problem at once, as a tomlfile.List whose entries read
// FILE:LINE:COL: KEY: message.
func Parse(file string, data []byte) (*Lock, error) {
	// The canonical form is flat, with short keys: only its size needs a
	// bound. Anything else goes through the TOML decoder, within limits.
	if len(data) > bounds.Bytes {
		return nil, tomlfile.Check(file, data, bounds)
	}
	if l, ok := parseFast(data); ok {
		setLines(string(data), l)
		return l, nil
	}
	return withLines(string(data))(parseSlow(file, data))
}

// withLines returns a function that sets the lines of the packages of the
// lock it is given, read from text, and passes the lock and error on.
func withLines(text string) func(*Lock, error) (*Lock, error) {
	return func(l *Lock, err error) (*Lock, error) {
		if err == nil {
			setLines(text, l)
		}
		return l, err
	}
}

// setLines sets the Line of each package of l, read from text: the n-th
// [[package]] header is the n-th package, as both ways of reading a lock
// keep the order of the text. When the headers do not match the packages
// one to one (an inline array of tables), every Line stays 0: a line is
// never guessed.
func setLines(text string, l *Lock) {
	lines := make([]int, 0, len(l.Packages))
	// Each "[[" starts a header or is inside a value: look only at the
	// lines that hold one, and count the newlines in between at once.
	line, from := 1, 0 // the line number of text[from:]
	for pos := 0; ; {
		i := strings.Index(text[pos:], "[[")
		if i < 0 {
			break
		}
		i += pos
		start := strings.LastIndexByte(text[:i], '\n') + 1
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += i
		}
		if isPackageHeader(text[start:end]) {
			line += strings.Count(text[from:start], "\n")
			from = start
			if len(lines) == len(l.Packages) {
				return
			}
			lines = append(lines, line)
		}
		pos = end
	}
	if len(lines) != len(l.Packages) {
		return
	}
	for i, p := range l.Packages {
		p.Line = lines[i]
	}
}

// isPackageHeader reports whether line is a [[package]] header, as TOML
// allows it to be written: [[package]], [[ "package" ]], with a comment.
func isPackageHeader(line string) bool {
	if line == "[[package]]" {
		return true // the form Marshal writes
	}
	s := strings.TrimLeft(line, " \t")
	s, ok := strings.CutPrefix(s, "[[")
	if !ok {
		return false
	}
	s = strings.TrimLeft(s, " \t")
	for _, name := range []string{"package", `"package"`, "'package'"} {
		if rest, ok := strings.CutPrefix(s, name); ok {
			rest = strings.TrimLeft(rest, " \t")
			if rest, ok = strings.CutPrefix(rest, "]]"); ok {
				rest = strings.TrimLeft(rest, " \t")
				return rest == "" || rest[0] == '#'
			}
		}
	}
	return false
}

// parseSlow is Parse without parseFast: it reads the text with
// parseCanonical or the TOML decoder, then checks every value, and names
// every problem.
func parseSlow(file string, data []byte) (*Lock, error) {
	f, canonical := parseCanonical(data)
	d := tomlfile.NewDoc(file, data)
	if !canonical {
		if len(data) > decodeBytes {
			return nil, tomlfile.List{{File: file, Msg: fmt.Sprintf(
				"file is %d bytes and not in the form nano writes, more than the limit of %d for such a lock: run nano lock to rewrite it",
				len(data), decodeBytes)}}
		}
		f = lockFile{}
		var err error
		if d, err = tomlfile.DecodeLimits(file, data, &f, bounds); err != nil {
			return nil, err
		}
	}
	switch {
	case f.Version == nil:
		d.Errorf([]any{"version"}, "missing")
	case *f.Version != Version:
		d.Errorf([]any{"version"}, "unsupported lockfile version %d, want %d", *f.Version, Version)
	}

	l := &Lock{Packages: make([]*Package, 0, len(f.Package)), Edges: make([]*Edge, 0, len(f.Edge))}
	ids := make(map[string]bool, len(f.Package))
	pkgIDs := make([]string, len(f.Package)) // each valid package's ID, computed once
	for i, pf := range f.Package {
		at := func(key string) keyPath { return keyPath{"package", i, key} }
		p := &Package{Dependencies: pf.Dependencies}
		ok := need(d, at("name"), pf.Name, &p.Name, policy.CheckName)
		ok = need(d, at("version"), pf.Version, nil, func(s string) (err error) {
			p.Version, err = semver.StrictNewVersion(s)
			if err != nil {
				return fmt.Errorf("version %q is not strict semver: %v", s, err)
			}
			return nil
		}) && ok
		need(d, at("source"), pf.Source, &p.Source, checkSource)
		need(d, at("manifest"), pf.Manifest, &p.Manifest, checkDigest)
		need(d, at("module"), pf.Module, &p.Module, checkDigest)
		if pf.WIT != nil {
			need(d, at("wit"), pf.WIT, &p.WIT, checkDigest)
		}
		p.Keys = parseKeys(d, at("keys"), pf.Keys, func(k policy.Key) error {
			if k.Source != "" {
				return fmt.Errorf("key %q: a package's own key has no source", k)
			}
			return nil
		})
		l.Packages = append(l.Packages, p)
		if !ok {
			continue
		}
		id := p.ID()
		if ids[id] {
			d.Errorf([]any{"package", i}, "duplicate package %q", id)
		}
		ids[id] = true
		pkgIDs[i] = id
	}
	type pair struct{ parent, child string }
	deps := map[pair]bool{}
	seen := map[string]bool{}
	for i, p := range l.Packages {
		clear(seen)
		for _, dep := range p.Dependencies {
			switch {
			case seen[dep]:
				d.Errorf([]any{"package", i, "dependencies"}, "dependency %q listed twice", dep)
			case !ids[dep]:
				d.Errorf([]any{"package", i, "dependencies"}, "dependency %q is not a package in the lock", dep)
			}
			seen[dep] = true
			if pkgIDs[i] != "" {
				deps[pair{pkgIDs[i], dep}] = true
			}
		}
	}

	edges := make(map[pair]bool, len(f.Edge))
	for i, ef := range f.Edge {
		at := func(key string) keyPath { return keyPath{"edge", i, key} }
		e := new(Edge)
		inLock := func(id string) error {
			if !ids[id] {
				return fmt.Errorf("package %q is not in the lock", id)
			}
			return nil
		}
		ok := need(d, at("parent"), ef.Parent, &e.Parent, inLock)
		ok = need(d, at("child"), ef.Child, &e.Child, inLock) && ok
		e.Grant = parseKeys(d, at("grant"), ef.Grant, nil)
		if ef.Memory != nil {
			need(d, at("memory"), ef.Memory, nil, func(s string) (err error) {
				e.Limits.Memory, err = limits.ParseSize(s)
				return err
			})
		}
		if ef.Time != nil {
			need(d, at("time"), ef.Time, nil, func(s string) (err error) {
				e.Limits.Time, err = limits.ParseDuration(s)
				return err
			})
		}
		l.Edges = append(l.Edges, e)
		if !ok {
			continue
		}
		pc := pair{e.Parent, e.Child}
		switch {
		case !deps[pc]:
			d.Errorf(at("child").any(), "%q is not a dependency of %q", e.Child, e.Parent)
		case edges[pc]:
			d.Errorf([]any{"edge", i}, "duplicate edge from %q to %q", e.Parent, e.Child)
		}
		edges[pc] = true
	}

	if !canonical {
		unknown(d, data) // the canonical form has only known keys
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// bounds bound the lockfiles Parse reads: 64 MiB is about 75,000
// packages (a 10,000-package lock is 8 MB); depth and key length as for
// every TOML file of nano. A lock in the form nano writes parses at about
// 25 ns and 8 bytes of memory a byte of text: 2 s and 0.5 GB at the limit.
var bounds = tomlfile.Limits{Bytes: 64 << 20, Depth: tomlfile.DefaultLimits.Depth, KeyBytes: tomlfile.DefaultLimits.KeyBytes}

// decodeBytes bounds a lock that is not in the form nano writes, which
// goes through the TOML decoder, at about 120 ns and 26 bytes of memory a
// byte: 2 s and 0.4 GB at 16 MiB, about 20,000 packages.
const decodeBytes = 16 << 20

// fields lists the keys of the format: at the top, and in each [[package]]
// and [[edge]].
var fields = map[string][]string{
	"":        {"version", "package", "edge"},
	"package": {"name", "version", "source", "manifest", "module", "wit", "keys", "dependencies"},
	"edge":    {"parent", "child", "grant", "memory", "time"},
}

// unknown reports every key that the format does not define, naming the
// keys inside an unknown table rather than the table. Unlike tomlfile's
// Doc.Unknown, it names the element of keys in a sub-table of an element
// ("package[1].sub.y") or in an inline array of tables, and the decoder's
// case-insensitive matching does not hide a key like "NAME".
func unknown(d *tomlfile.Doc, data []byte) {
	if allKnown(d.MD.Keys()) {
		return // the common case: no second decode
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return // cannot happen: the file decoded once already
	}
	var report func(path []any, v any)
	report = func(path []any, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				report(append(slices.Clip(path), k), m[k])
			}
			return
		}
		d.Errorf(path, "unknown key")
	}
	check := func(path []any, m map[string]any, known []string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(known, k) {
				report(append(slices.Clip(path), k), m[k])
			}
		}
	}
	check(nil, raw, fields[""])
	for _, table := range []string{"package", "edge"} {
		switch elems := raw[table].(type) {
		case []map[string]any:
			for i, m := range elems {
				check([]any{table, i}, m, fields[table])
			}
		case []any: // an inline array of tables
			for i, e := range elems {
				if m, ok := e.(map[string]any); ok {
					check([]any{table, i}, m, fields[table])
				}
			}
		}
	}
}

// allKnown reports whether every key, compared case-sensitively, is one the
// lock format has.
func allKnown(keys []toml.Key) bool {
	for _, k := range keys {
		switch {
		case len(k) == 1 && (slices.Contains(fields[""], k[0]) || k[0] == "package" || k[0] == "edge"):
		case len(k) == 2 && (k[0] == "package" || k[0] == "edge") && slices.Contains(fields[k[0]], k[1]):
		default:
			return false
		}
	}
	return true
}

// A keyPath is the key path of a value in an element of [[package]] or
// [[edge]], made into a tomlfile path only for a problem.
type keyPath struct {
	table string
	i     int
	key   string
}

func (p keyPath) any() []any { return []any{p.table, p.i, p.key} }

// need checks the required value v at path and stores it in dst, if not nil.
// It reports
// whether v is present and valid.
func need(d *tomlfile.Doc, at keyPath, v *string, dst *string, check func(string) error) bool {
	if v == nil {
		d.Errorf(at.any(), "missing")
		return false
	}
	if err := check(*v); err != nil {
		d.Errorf(at.any(), "%v", err)
		return false
	}
	if dst != nil {
		*dst = *v
	}
	return true
}

// parseKeys parses the keys at path, reporting each one that does not parse
// or that check rejects.
// keyCache memoizes policy.ParseKey: a lock repeats the same few keys on
// thousands of edges.
var keyCache sync.Map

func parseKey(t string) (policy.Key, error) {
	if k, ok := keyCache.Load(t); ok {
		return k.(policy.Key), nil
	}
	k, err := policy.ParseKey(t)
	if err == nil {
		keyCache.Store(t, k)
	}
	return k, err
}

func parseKeys(d *tomlfile.Doc, at keyPath, texts []string, check func(policy.Key) error) policy.Set {
	var keys []policy.Key
	for _, t := range texts {
		k, err := parseKey(t)
		if err == nil && check != nil {
			err = check(k)
		}
		if err != nil {
			d.Errorf(at.any(), "%v", err)
			continue
		}
		keys = append(keys, k)
	}
	return policy.NewSet(keys...)
}

// checkSource checks a package source: "registry" or "path+" and a clean,
// relative, slash-separated path.
func checkSource(s string) error {
	if s == "registry" {
		return nil
	}
	p, ok := strings.CutPrefix(s, "path+")
	switch {
	case !ok:
		return fmt.Errorf("source %q is not \"registry\" or \"path+RELATIVE\"", s)
	case p == "":
		return fmt.Errorf("source %q has an empty path", s)
	case path.IsAbs(p) || strings.Contains(p, `\`) || filepath.VolumeName(p) != "":
		return fmt.Errorf("source %q is not a relative slash-separated path", s)
	case path.Clean(p) != p:
		return fmt.Errorf("source %q is not a clean path", s)
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return fmt.Errorf("source %q has a control character or invalid UTF-8", s)
	}
	return nil
}

// checkDigest checks a digest: "sha256:" and 64 lowercase hex digits.
func checkDigest(s string) error {
	hex, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return fmt.Errorf("digest %q is not sha256: and 64 lowercase hex digits", s)
	}
	return nil
}

// ReadFile reads and parses the lockfile at path. When the file does not
// exist, the error satisfies errors.Is(err, fs.ErrNotExist).
func ReadFile(path string) (*Lock, error) {
	data, err := readfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > 0 && len(data) <= bounds.Bytes {
		text := string(data)
		if l, ok := parseFastText(text); ok {
			setLines(text, l)
			return l, nil
		}
		return withLines(text)(parseSlow(path, data))
	}
	return Parse(path, data)
}

// WriteFile writes l to path atomically: it writes a temporary file in the
// same directory, syncs it and renames it over path. On error, path is left
// as it was and no temporary file remains.
func WriteFile(path string, l *Lock) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(l.Marshal()); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable where the system allows it.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
