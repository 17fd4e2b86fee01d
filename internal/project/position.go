package project

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/nanoproc/nano/internal/readfile"
	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// locator finds where findings are in the root's own files (SPEC section
// 6): the root nano.toml line that declares or grants a finding's key
// when there is one, else the package's nano.lock line; and the path from
// the root to the package.
type locator struct {
	root      *manifest.Manifest
	doc       *tomlfile.Doc // the root manifest's text; nil when unread
	lines     []string      // its lines
	hasLock   bool          // nano.lock was read
	now       *paths
	base      func() *paths // the baseline's, or nil
	basePaths *paths
	pol       *policy.Policy
	polFile   string // the policy file relative to the root, "" when outside it
}

// Locate sets the File, Line and Path of each finding: lock is nano.lock
// as read (nil when missing), base the baseline (nil when none), which
// gives the path of a package no longer in the lock, and pol the policy,
// whose approvals are where a stale-approval finding is. A position is
// only ever one that the files show: a finding no line shows gets the
// file alone, or nothing.
func (p *Project) Locate(fs []policy.Finding, lock, base *lockfile.Lock, pol *policy.Policy) {
	l := &locator{root: p.Root, hasLock: lock != nil, pol: pol}
	if data, err := readfile.ReadFile(p.Root.File); err == nil {
		l.doc = tomlfile.NewDoc(p.Root.File, data)
		l.lines = strings.Split(string(data), "\n")
	}
	if lock == nil {
		lock = new(lockfile.Lock)
	}
	if len(fs) == 0 {
		return
	}
	l.now = newPaths(lock, p.Root.Name)
	if base != nil {
		// Only for a package no longer locked: built when first needed.
		l.base = func() *paths {
			if l.basePaths == nil {
				l.basePaths = newPaths(base, p.Root.Name)
			}
			return l.basePaths
		}
	}
	if pol != nil {
		dir, err1 := filepath.Abs(p.Dir)
		file, err2 := filepath.Abs(pol.File)
		if rel, err := filepath.Rel(dir, file); err1 == nil && err2 == nil && err == nil && filepath.IsLocal(rel) {
			l.polFile = filepath.ToSlash(rel)
		}
	}
	for i := range fs {
		l.locate(&fs[i])
	}
}

func (l *locator) locate(f *policy.Finding) {
	f.Path = l.now.via(f.Parent, f.Package, f.To)
	if f.Path == "" && l.base != nil {
		f.Path = l.base().via(f.Parent, f.Package, f.From)
	}
	if f.Path == "" && f.Package == l.root.Name {
		f.Path = f.Package
	}
	if f.Kind == policy.StaleApproval {
		l.approval(f)
		return
	}
	if line := l.manifestLine(f); line > 0 {
		f.File, f.Line = manifest.FileName, line
		return
	}
	if !l.hasLock {
		f.File = manifest.FileName // no lock to point into: the whole manifest
		return
	}
	f.File = LockFile
	if pkg := l.now.pkg(f.Package, f.To); pkg != nil {
		f.Line = pkg.Line
	}
}

// approval places a stale-approval finding at its [[approve]] entry.
func (l *locator) approval(f *policy.Finding) {
	if l.polFile == "" {
		return
	}
	f.File = l.polFile
	for _, a := range l.pol.Approvals {
		if a.Package == f.Package && a.Version == f.To && a.Key == f.Key {
			f.Line = a.Line
			return
		}
	}
}

// manifestLine returns the root nano.toml line that declares or grants
// the finding's key, or limits the root's edge whose limit changed, or 0.
func (l *locator) manifestLine(f *policy.Finding) int {
	if l.doc == nil || f.Key == "" {
		return 0
	}
	root := l.root.Name
	if what, ok := strings.CutPrefix(f.Key, "limit:"); ok {
		if f.Parent != root || l.root.Dep(f.Package) == nil {
			return 0
		}
		what, _, _ = strings.Cut(what, "=")
		if line := l.line("dependencies", f.Package, "limits", what); line > 0 {
			return line
		}
		return l.line("dependencies", f.Package)
	}
	k, err := policy.ParseKey(f.Key)
	if err != nil {
		return 0 // a WIT function, say: it is in no manifest of the root
	}
	if f.Package == root && f.Parent == "" {
		if slices.Contains(l.root.Keys, k) {
			return l.keyLine([]any{"capabilities"}, k)
		}
		return 0
	}
	// A key a direct dependency holds, or one the root hands it, is
	// where the root grants it, else at the dependency's table.
	if f.Parent != "" && f.Parent != root || l.root.Dep(f.Package) == nil || f.Kind == policy.StaleLock {
		return 0
	}
	if pkg := l.now.pkg(f.Package, f.To); pkg != nil && !l.now.fromRoot(pkg.ID()) {
		return 0 // another version of a dependency of the root: not the root's edge
	}
	for _, g := range l.root.Dep(f.Package).Grant {
		if g.Kind == k.Kind && g.Name == k.Name && g.Port == k.Port {
			if line := l.keyLine([]any{"dependencies", f.Package, "grant"}, g); line > 0 {
				return line
			}
		}
	}
	return l.line("dependencies", f.Package)
}

// keyLine returns the line that declares or grants k in the table at
// table: an fs slot's own line, the line of a list's element when it has
// a line of its own, else the line of the list.
func (l *locator) keyLine(table []any, k policy.Key) int {
	at := append(slices.Clip(table), k.Kind.String())
	if k.Kind == policy.FS {
		at = append(at, k.Name)
	}
	line := l.line(at...)
	if line == 0 || k.Kind == policy.FS || k.Kind == policy.Clock || k.Kind == policy.Random {
		return line
	}
	elem := k.Name
	if k.Kind == policy.Net {
		elem += ":" + k.Port
	}
	return l.element(line, elem)
}

// element returns the line of the list starting at line that holds the
// string elem, or line when the list is on one line or elem is not found
// alone on a line of it.
func (l *locator) element(line int, elem string) int {
	first := l.lines[line-1]
	if strings.Contains(first, `"`+elem+`"`) || strings.Contains(first, `'`+elem+`'`) {
		return line
	}
	for i := line; i < len(l.lines); i++ {
		s := strings.TrimSpace(l.lines[i])
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if strings.HasPrefix(s, `"`+elem+`"`) || strings.HasPrefix(s, `'`+elem+`'`) {
			return i + 1
		}
		if !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, `'`) {
			break // the list's end, or another key
		}
	}
	return line
}

// line returns the line of a key path of the root manifest, or 0.
func (l *locator) line(path ...any) int {
	if line, ok := l.doc.Line(path); ok {
		return line
	}
	return 0
}

// paths finds packages of a lock and the shortest way to each from the
// root, along dependencies in the order the lock lists them.
type paths struct {
	byID   map[string]*lockfile.Package
	byName map[string][]*lockfile.Package
	from   map[string]string // the ID each package is reached from; "" for the root
	root   *lockfile.Package // nil when the lock has no one package of the root's name
}

// fromRoot reports whether the root depends on the package id directly.
func (ps *paths) fromRoot(id string) bool {
	return ps.root != nil && slices.Contains(ps.root.Dependencies, id)
}

func newPaths(lock *lockfile.Lock, root string) *paths {
	ps := &paths{byID: map[string]*lockfile.Package{}, byName: map[string][]*lockfile.Package{}, from: map[string]string{}}
	for _, p := range lock.Packages {
		ps.byID[p.ID()] = p
		ps.byName[p.Name] = append(ps.byName[p.Name], p)
	}
	if len(ps.byName[root]) != 1 {
		return ps
	}
	ps.root = ps.byName[root][0]
	start := ps.root.ID()
	ps.from[start] = ""
	for queue := []string{start}; len(queue) > 0; queue = queue[1:] {
		p := ps.byID[queue[0]]
		for _, d := range p.Dependencies {
			if _, seen := ps.from[d]; !seen && ps.byID[d] != nil {
				ps.from[d] = p.ID()
				queue = append(queue, d)
			}
		}
	}
	return ps
}

// pkg returns the package name at version, or the only package of that
// name when version is "" or not locked, or nil.
func (ps *paths) pkg(name, version string) *lockfile.Package {
	if p := ps.byID[name+" "+version]; p != nil && version != "" {
		return p
	}
	if same := ps.byName[name]; len(same) == 1 {
		return same[0]
	}
	return nil
}

// path returns the way from the root to the package id, by name, or "".
func (ps *paths) path(id string) string {
	var names []string
	for {
		from, ok := ps.from[id]
		if !ok {
			return ""
		}
		names = append(names, ps.byID[id].Name)
		if from == "" {
			break
		}
		id = from
	}
	slices.Reverse(names)
	return strings.Join(names, " > ")
}

// via returns the path to the package name at version; when parent is
// set, the shortest one through a package of that name.
func (ps *paths) via(parent, name, version string) string {
	p := ps.pkg(name, version)
	if p == nil {
		return ""
	}
	if parent != "" {
		best := ""
		for _, q := range ps.byName[parent] {
			if !slices.Contains(q.Dependencies, p.ID()) {
				continue
			}
			if s := ps.path(q.ID()); s != "" && (best == "" || strings.Count(s, " > ") < strings.Count(best, " > ")) {
				best = s
			}
		}
		if best != "" {
			return best + " > " + p.Name
		}
	}
	return ps.path(p.ID())
}
