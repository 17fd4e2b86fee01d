// Package project ties nano's packages together for the commands: it loads a
// root package and its path dependencies, resolves, builds nano.lock, checks
// a lock against the tree, and audits.
package project

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/graph"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/registry"
)

// LockFile is the name of the lockfile, next to the root manifest.
const LockFile = "nano.lock"

// A Project is a root package and where its dependencies come from. It is a
// graph.Source: path dependencies shadow the registry.
type Project struct {
	Dir      string
	Root     *manifest.Manifest
	Registry *registry.Registry // nil when none is configured

	local  map[string]*manifest.Manifest // the root and its path dependencies
	mu     sync.Mutex
	hashes map[string]string // by file
	files  map[*manifest.Manifest]fileDigests
	// prehash holds, while Check resolves, the IDs of the lock's registry
	// packages: Manifest hashes their files as it reads them.
	prehash map[string]bool
	locked  map[string]*manifest.Manifest // by package ID: the manifests Lock locked
	// remembered is the graph whose manifests locked holds.
	remembered *graph.Graph
}

// Load reads the root manifest in dir and the manifests of its path
// dependencies. registryDir, if set, overrides the root's [registry] path.
func Load(dir, registryDir string) (*Project, error) {
	root, err := manifest.ParseFile(filepath.Join(dir, manifest.FileName))
	if err != nil {
		return nil, err
	}
	p := &Project{Dir: dir, Root: root, local: map[string]*manifest.Manifest{root.Name: root}, hashes: map[string]string{},
		files: map[*manifest.Manifest]fileDigests{}}
	switch {
	case registryDir != "":
		p.Registry = &registry.Registry{Dir: registryDir}
	case root.Registry != "":
		p.Registry = &registry.Registry{Dir: filepath.Join(dir, filepath.FromSlash(root.Registry))}
	}
	var errs []error
	for queue := []*manifest.Manifest{root}; len(queue) > 0; queue = queue[1:] {
		for _, d := range queue[0].Deps {
			if d.Path == "" {
				continue
			}
			m, err := manifest.ParseFile(filepath.Join(queue[0].Dir(), filepath.FromSlash(d.Path), manifest.FileName))
			switch {
			case err != nil:
				errs = append(errs, err)
			case m.Name != d.Name:
				errs = append(errs, fmt.Errorf("%s: dependency %s: %s declares %s", queue[0].File, d.Name, m.File, m.Name))
			case p.local[m.Name] == nil:
				p.local[m.Name] = m
				queue = append(queue, m)
			case p.local[m.Name].Dir() != m.Dir():
				errs = append(errs, fmt.Errorf("%s: dependency %s: two path sources, %s and %s", queue[0].File, d.Name, p.local[m.Name].Dir(), m.Dir()))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Versions implements graph.Source.
func (p *Project) Versions(name string) ([]*semver.Version, error) {
	if m := p.local[name]; m != nil {
		return []*semver.Version{m.Version}, nil
	}
	if p.Registry == nil {
		return nil, nil
	}
	return p.Registry.Versions(name)
}

// Manifest implements graph.Source.
func (p *Project) Manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	if m := p.local[name]; m != nil && m.Version.Equal(v) {
		return m, nil
	}
	if p.Registry == nil {
		return nil, fmt.Errorf("%s %s: no registry configured", name, v)
	}
	m, err := p.Registry.Manifest(name, v)
	if err == nil && p.prehash[m.ID()] {
		// Memoized for Lock; an error is met again there.
		p.digests(new(lockfile.Package), m)
	}
	return m, err
}

// LockPath returns the path of nano.lock.
func (p *Project) LockPath() string { return filepath.Join(p.Dir, LockFile) }

// ReadLock reads nano.lock. A missing lock is an error satisfying
// errors.Is(err, fs.ErrNotExist).
func (p *Project) ReadLock() (*lockfile.Lock, error) { return lockfile.ReadFile(p.LockPath()) }

// Resolve resolves the graph, keeping the versions of lock (which may be
// nil) except for the packages named in update. updateAll moves everything.
func (p *Project) Resolve(lock *lockfile.Lock, update []string, updateAll bool) (*graph.Graph, error) {
	opts := graph.Options{Locked: map[string][]*semver.Version{}}
	if lock != nil && !updateAll {
		for _, pkg := range lock.Packages {
			if !slices.Contains(update, pkg.Name) {
				opts.Locked[pkg.Name] = append(opts.Locked[pkg.Name], pkg.Version)
			}
		}
	}
	return graph.Resolve(p.Root, p, opts)
}

// source returns the lockfile source of a chosen package.
func (p *Project) source(m *manifest.Manifest) string {
	if p.local[m.Name] != m {
		return "registry"
	}
	rel, err := filepath.Rel(p.Dir, m.Dir())
	if err != nil {
		rel = m.Dir()
	}
	return "path+" + filepath.ToSlash(rel)
}

// Lock builds the lockfile of a resolved graph, with the digests of every
// package's files.
func (p *Project) Lock(g *graph.Graph) (*lockfile.Lock, error) {
	l := new(lockfile.Lock)
	// One array of packages, one of dependencies and one of edges.
	all := make([]lockfile.Package, len(g.Nodes))
	pkgs := make([]*lockfile.Package, len(g.Nodes))
	errs := make([]error, len(g.Nodes))
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(g.Nodes); i = int(next.Add(1) - 1) {
				n := g.Nodes[i]
				all[i] = lockfile.Package{Name: n.Name, Version: n.Version, Source: p.source(n.Manifest), Keys: n.Keys}
				pkgs[i] = &all[i]
				errs[i] = p.digests(pkgs[i], n.Manifest)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p.remember(g)
	total := 0
	for _, n := range g.Nodes {
		total += len(n.Edges)
	}
	deps := make([]string, 0, total)
	edges := make([]lockfile.Edge, 0, total)
	l.Edges = make([]*lockfile.Edge, 0, total)
	l.Packages = make([]*lockfile.Package, 0, len(g.Nodes))
	for i, n := range g.Nodes {
		pkg := pkgs[i]
		start := len(deps)
		for _, e := range n.Edges {
			deps = append(deps, e.Child.ID())
			edges = append(edges, lockfile.Edge{Parent: n.ID(), Child: e.Child.ID(), Grant: e.Flow.Handed})
			l.Edges = append(l.Edges, &edges[len(edges)-1])
		}
		if len(deps) > start {
			pkg.Dependencies = deps[start:len(deps):len(deps)]
			slices.Sort(pkg.Dependencies)
			pkg.Dependencies = slices.Compact(pkg.Dependencies)
		}
		l.Packages = append(l.Packages, pkg)
	}
	l.Sort()
	return l, nil
}

// CheckDigests compares the registry packages of a fresh lock with the same
// versions in the old lock: published versions are immutable, so a changed
// digest means the registry content was tampered with.
func CheckDigests(old, fresh *lockfile.Lock) error {
	if old == nil {
		return nil
	}
	byID := make(map[string]*lockfile.Package, len(old.Packages))
	for _, o := range old.Packages {
		byID[o.ID()] = o
	}
	var errs []error
	for _, pkg := range fresh.Packages {
		o := byID[pkg.ID()]
		if pkg.Source != "registry" || o == nil || o.Source != "registry" {
			continue
		}
		for _, f := range [][3]string{{"manifest", o.Manifest, pkg.Manifest}, {"module", o.Module, pkg.Module}, {"wit", o.WIT, pkg.WIT}} {
			if f[1] != f[2] {
				errs = append(errs, fmt.Errorf("%s: integrity: %s is %s, nano.lock says %s", pkg.ID(), f[0], orNone(f[2]), orNone(f[1])))
			}
		}
	}
	return errors.Join(errs...)
}

// fileDigests are the digests of a manifest's module and WIT.
type fileDigests struct{ module, wit string }

// digests fills in the digests of the files of m.
func (p *Project) digests(pkg *lockfile.Package, m *manifest.Manifest) error {
	p.mu.Lock()
	fd, ok := p.files[m]
	p.mu.Unlock()
	if ok && m.Digest != "" {
		pkg.Manifest, pkg.Module, pkg.WIT = m.Digest, fd.module, fd.wit
		return nil
	}
	var err error
	// The manifest was hashed as it was read, not read again.
	if pkg.Manifest = m.Digest; pkg.Manifest == "" {
		if pkg.Manifest, err = p.hash(m.File, lockfile.HashFile); err != nil {
			return err
		}
	}
	if pkg.Module, err = p.hash(filepath.Join(m.Dir(), filepath.FromSlash(m.Module)), lockfile.HashFile); err != nil {
		return fmt.Errorf("%s: package.module: %w", m.File, err)
	}
	if m.WIT != "" {
		if pkg.WIT, err = p.hash(filepath.Join(m.Dir(), filepath.FromSlash(m.WIT)), lockfile.HashTree); err != nil {
			return fmt.Errorf("%s: package.wit: %w", m.File, err)
		}
	}
	p.mu.Lock()
	p.files[m] = fileDigests{pkg.Module, pkg.WIT}
	p.mu.Unlock()
	return nil
}

// hash memoizes the digests of the files a command reads.
func (p *Project) hash(file string, h func(string) (string, error)) (string, error) {
	p.mu.Lock()
	d, ok := p.hashes[file]
	p.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := h(file)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.hashes[file] = d
	p.mu.Unlock()
	return d, nil
}

// Check compares nano.lock with the tree. Registry content that differs
// from its digests is an integrity finding; a lock that differs from what
// the manifests resolve to is a stale-lock finding.
func (p *Project) Check(lock *lockfile.Lock) []policy.Finding {
	g, err := p.resolveLocked(lock)
	return p.compare(lock, g, err)
}

// resolveLocked resolves the tree again, keeping the versions of lock,
// and remembers the manifests it chose, for manifestOf. While the resolver
// reads the manifests of lock's registry packages ahead, it hashes their
// modules and WIT too, for Lock.
func (p *Project) resolveLocked(lock *lockfile.Lock) (*graph.Graph, error) {
	p.prehash = make(map[string]bool, len(lock.Packages))
	p.mu.Lock()
	if len(p.hashes) == 0 && len(p.files) == 0 {
		// Sized for the lock's packages, not grown as they are hashed.
		p.hashes = make(map[string]string, len(lock.Packages))
		p.files = make(map[*manifest.Manifest]fileDigests, len(lock.Packages))
	}
	p.mu.Unlock()
	for _, pkg := range lock.Packages {
		if pkg.Source == "registry" {
			p.prehash[pkg.ID()] = true
		}
	}
	g, err := p.Resolve(lock, nil, false)
	p.prehash = nil // Resolve has waited for its readers
	if err != nil {
		return nil, err
	}
	p.remember(g)
	return g, nil
}

// remember records the manifests of a graph's packages by ID, for
// manifestOf.
func (p *Project) remember(g *graph.Graph) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.remembered == g {
		return
	}
	p.remembered = g
	if p.locked == nil {
		p.locked = make(map[string]*manifest.Manifest, len(g.Nodes))
	}
	for _, n := range g.Nodes {
		p.locked[n.ID()] = n.Manifest
	}
}

// compare locks g, the tree resolved again, and reports how lock differs
// from its lock, or if err, why the tree does not resolve.
func (p *Project) compare(lock *lockfile.Lock, g *graph.Graph, err error) []policy.Finding {
	var fresh *lockfile.Lock
	if err == nil {
		fresh, err = p.Lock(g)
	}
	var resolved map[string]*lockfile.Package
	if fresh != nil {
		resolved = make(map[string]*lockfile.Package, len(fresh.Packages))
		for _, pkg := range fresh.Packages {
			resolved[pkg.ID()] = pkg
		}
	}
	var out []policy.Finding
	integrity := map[string]bool{}
	for _, pkg := range lock.Packages {
		if pkg.Source != "registry" {
			continue
		}
		var whys []string
		if got := resolved[pkg.ID()]; got != nil && got.Source == "registry" {
			whys = digestDiffs(pkg, got) // hashed already, while locking
		} else {
			whys = p.verify(pkg)
		}
		for _, why := range whys {
			integrity[pkg.ID()] = true
			out = append(out, policy.Finding{Kind: policy.Integrity, Package: pkg.Name, To: vtext.String(pkg.Version), Reason: why, Blocks: true})
		}
	}
	if err != nil {
		return append(out, policy.Finding{Kind: policy.StaleLock, Package: p.Root.Name, To: p.Root.Version.String(),
			Reason: "the manifests no longer resolve: " + err.Error(), Blocks: true})
	}
	ch := lockfile.Diff(lock, fresh)
	for _, c := range ch.Packages {
		id := c.Name
		if c.Old != nil {
			id = c.Old.ID()
		}
		if c.Content && integrity[id] && c.Old != nil && c.New != nil && c.Old.Version.Equal(c.New.Version) && len(c.Keys) == 0 {
			continue
		}
		out = append(out, policy.Finding{Kind: policy.StaleLock, Package: c.Name, To: version(c.New), From: version(c.Old), Reason: staleReason(c), Blocks: true})
	}
	for _, c := range ch.Edges {
		f := policy.Finding{Kind: policy.StaleLock, Package: c.Child, Parent: c.Parent, Blocks: true}
		switch {
		case c.Old == nil:
			f.To = childVersion(c.New)
			f.Reason = fmt.Sprintf("the manifests add an edge from %s, which nano.lock lacks", c.Parent)
		case c.New == nil:
			f.To = childVersion(c.Old)
			f.Reason = fmt.Sprintf("nano.lock has an edge from %s, which the manifests no longer have", c.Parent)
		default:
			f.From, f.To = childVersion(c.Old), childVersion(c.New)
			var ds []string
			for _, d := range c.Grant {
				ds = append(ds, map[bool]string{true: "+", false: "-"}[d.Escalates()]+d.String())
			}
			f.Reason = fmt.Sprintf("the grant from %s differs from the manifests: %s", c.Parent, strings.Join(ds, ", "))
		}
		out = append(out, f)
	}
	return out
}

func staleReason(c lockfile.PackageChange) string {
	switch {
	case c.Old == nil:
		return "the manifests need " + c.New.ID() + ", which nano.lock lacks"
	case c.New == nil:
		return "nano.lock has " + c.Old.ID() + ", which the manifests no longer need"
	case !c.Old.Version.Equal(c.New.Version):
		return fmt.Sprintf("nano.lock has %s, the manifests resolve to %s", c.Old.Version, c.New.Version)
	case len(c.Keys) > 0:
		var ds []string
		for _, d := range c.Keys {
			sign := "+"
			if !d.Escalates() {
				sign = "-"
			}
			ds = append(ds, sign+d.String())
		}
		return "the manifest's keys differ from nano.lock: " + strings.Join(ds, ", ")
	}
	return "the files changed since nano.lock was written"
}

func version(p *lockfile.Package) string {
	if p == nil {
		return ""
	}
	return vtext.String(p.Version)
}

// verify compares a registry package's files with its digests.
func (p *Project) verify(pkg *lockfile.Package) []string {
	if p.Registry == nil {
		return []string{"no registry configured to read it from"}
	}
	m, err := p.Registry.Manifest(pkg.Name, pkg.Version)
	if errors.Is(err, fs.ErrNotExist) {
		return []string{"missing from the registry"}
	}
	got := &lockfile.Package{}
	if err == nil {
		err = p.digests(got, m)
	}
	if err != nil {
		return []string{err.Error()}
	}
	return digestDiffs(pkg, got)
}

// digestDiffs describes how the digests of got differ from those in the lock.
func digestDiffs(pkg, got *lockfile.Package) []string {
	var out []string
	for _, f := range []struct{ name, want, got string }{
		{"manifest", pkg.Manifest, got.Manifest},
		{"module", pkg.Module, got.Module},
		{"wit", pkg.WIT, got.WIT},
	} {
		if f.want != f.got {
			out = append(out, fmt.Sprintf("%s is %s, nano.lock says %s", f.name, orNone(f.got), orNone(f.want)))
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

// Changes returns the findings of the capability diff from old to new:
// escalations, reductions, new packages and grant changes.
func Changes(old, new *lockfile.Lock) []policy.Finding {
	return changes(lockfile.Diff(old, new))
}

// changes returns the findings of a lockfile diff.
func changes(ch *lockfile.Changes) []policy.Finding {
	var out []policy.Finding
	fresh := map[string]bool{}
	from := map[string]string{} // a changed child's baseline version, by its new ID
	for _, c := range ch.Packages {
		switch {
		case c.Old == nil:
			fresh[c.New.ID()] = true
		case c.New != nil:
			from[c.New.ID()] = c.Old.Version.String()
		}
		out = append(out, policy.PackageFindings(c.Name, version(c.Old), version(c.New), c.Major(), c.Keys)...)
	}
	for _, c := range ch.Edges {
		if c.New == nil {
			continue // the child's dropped keys are reported with the child
		}
		if c.Old == nil && fresh[c.New.Child] {
			continue // a new package's keys are reported as new-package
		}
		fs := policy.EdgeFindings(c.Parent, c.Child, childVersion(c.New), c.Grant)
		for i := range fs {
			fs[i].From = from[c.New.Child]
		}
		out = append(out, fs...)
	}
	policy.SortFindings(out)
	return out
}

func childVersion(e *lockfile.Edge) string {
	for i := len(e.Child) - 1; i >= 0; i-- {
		if e.Child[i] == ' ' {
			return e.Child[i+1:]
		}
	}
	return ""
}

// AuditOptions configure an audit.
type AuditOptions struct {
	// Base is the baseline lockfile, or nil to only check nano.lock
	// against the tree.
	Base *lockfile.Lock
	// ReadBase, if Base is nil, reads the baseline while Audit reads
	// nano.lock. Its error is Audit's.
	ReadBase func() (*lockfile.Lock, error)
	Policy   *policy.Policy
	Today    time.Time
	// Cache, if not nil, is the compilation cache that modules are
	// validated into, as nano run compiles them; nil validates with
	// wazero's interpreter. See linker.NewCachingAnalyzer.
	Cache wazero.CompilationCache
}

// Audit checks nano.lock against the tree and diffs it against the
// baseline, applying the policy's approvals. A missing nano.lock is a
// stale-lock finding; a malformed one is an error.
func (p *Project) Audit(opts AuditOptions) ([]policy.Finding, error) {
	var baseErr error
	var read sync.WaitGroup
	if opts.Base == nil && opts.ReadBase != nil {
		read.Go(func() { opts.Base, baseErr = opts.ReadBase() })
	}
	lock, err := p.ReadLock()
	if read.Wait(); baseErr != nil {
		return nil, baseErr
	}
	if errors.Is(err, fs.ErrNotExist) {
		return []policy.Finding{{Kind: policy.StaleLock, Package: p.Root.Name, To: p.Root.Version.String(),
			Reason: "nano.lock is missing: run nano lock", Blocks: true}}, nil
	}
	if err != nil {
		return nil, err
	}
	// The diff against the baseline needs only the two locks (and the
	// WIT of the packages whose WIT changed): it runs beside the checks
	// of the tree.
	var changed, ifaces []policy.Finding
	var wg sync.WaitGroup
	if opts.Base != nil {
		wg.Go(func() {
			ch := lockfile.Diff(opts.Base, lock)
			changed = changes(ch)
			ifaces = p.interfaceChanges(ch)
		})
	}
	// The tree is locked again and compared with nano.lock beside the
	// imports check, which reads the manifests the resolver chose.
	g, err := p.resolveLocked(lock)
	var out []policy.Finding
	wg.Go(func() { out = p.compare(lock, g, err) })
	imports := p.CheckImports(context.Background(), lock, opts.Cache)
	wg.Wait()
	if opts.Base != nil {
		out = append(out, changed...)
		out = append(out, ifaces...)
		// An import finding shows the version change that the package's
		// other findings show.
		from := map[string]string{}
		for _, f := range changed {
			if f.From != "" && f.To != "" {
				from[f.Package+" "+f.To] = f.From
			}
		}
		for i := range imports {
			imports[i].From = from[imports[i].Package+" "+imports[i].To]
		}
	}
	out = append(out, imports...)
	opts.Policy.Apply(out, opts.Today)
	policy.SortFindings(out)
	return out, nil
}

// Module reads the module of a locked package and checks it against the
// lock's digest.
func (p *Project) Module(pkg *lockfile.Package) ([]byte, error) {
	file, err := p.moduleFile(pkg)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if got := lockfile.Digest(data); got != pkg.Module {
		return nil, fmt.Errorf("%s: integrity: module is %s, nano.lock says %s", pkg.ID(), got, pkg.Module)
	}
	return data, nil
}

// CheckImports compares what the module of every package in the lock
// imports with what the package declares. It reports as undeclared-import
// an import from a module that is neither a declared dependency nor WASI
// (blocking), and a WASI import that needs a kind of key the package does
// not declare (reported only); as unused-key a declared key that the
// module never imports a function for and that the package hands to no
// dependency. A module that differs from the lock's digest is skipped:
// integrity or stale-lock findings report it. Modules are validated into
// cache, if not nil, as linker.NewCachingAnalyzer does.
func (p *Project) CheckImports(ctx context.Context, lock *lockfile.Lock, cache wazero.CompilationCache) []policy.Finding {
	handed := make(map[string][]policy.Key, len(lock.Packages)) // by parent ID
	for _, e := range lock.Edges {
		handed[e.Parent] = append(handed[e.Parent], e.Grant...)
	}
	// Locate each module and check its digest; analyze each distinct
	// module once.
	files := map[string]string{} // by digest
	for _, pkg := range lock.Packages {
		m, err := p.manifestOf(pkg)
		if err != nil {
			continue
		}
		file := filepath.Join(m.Dir(), filepath.FromSlash(m.Module))
		p.mu.Lock()
		fd, ok := p.files[m] // hashed while locking, most likely
		p.mu.Unlock()
		if ok && fd.module == pkg.Module {
			files[pkg.Module] = file
		} else if d, err := p.hash(file, lockfile.HashFile); err == nil && d == pkg.Module {
			files[pkg.Module] = file
		}
	}
	type result struct {
		m   *linker.Module
		err error
	}
	digests := slices.Sorted(maps.Keys(files))
	results := make([]result, len(digests))
	a := linker.NewCachingAnalyzer(ctx, cache)
	defer a.Close(ctx)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(runtime.GOMAXPROCS(0), len(digests)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(digests); i = int(next.Add(1) - 1) {
				r := &results[i]
				data, err := os.ReadFile(files[digests[i]])
				switch {
				case err != nil:
					r.err = err
				case lockfile.Digest(data) != digests[i]:
					r.err = fmt.Errorf("%s changed while nano read it", files[digests[i]])
				default:
					r.m, r.err = a.Analyze(ctx, data)
				}
			}
		})
	}
	wg.Wait()

	var out []policy.Finding
	for _, pkg := range lock.Packages {
		i, ok := slices.BinarySearch(digests, pkg.Module)
		if !ok || files[pkg.Module] == "" {
			continue
		}
		if err := results[i].err; err != nil {
			out = append(out, policy.Finding{Kind: policy.UndeclaredImport, Package: pkg.Name, To: vtext.String(pkg.Version),
				Reason: "cannot read the module's imports: " + err.Error(), Blocks: true})
			continue
		}
		deps := make([]string, len(pkg.Dependencies))
		for j, d := range pkg.Dependencies {
			deps[j], _, _ = strings.Cut(d, " ")
		}
		out = append(out, ImportFindings(pkg.Name, vtext.String(pkg.Version), results[i].m, deps, pkg.Keys, handed[pkg.ID()])...)
	}
	return out
}

// moduleFile returns the path of a locked package's module.
func (p *Project) moduleFile(pkg *lockfile.Package) (string, error) {
	m, err := p.manifestOf(pkg)
	if err != nil {
		return "", err
	}
	return filepath.Join(m.Dir(), filepath.FromSlash(m.Module)), nil
}

// manifestOf returns the manifest of a locked package.
func (p *Project) manifestOf(pkg *lockfile.Package) (*manifest.Manifest, error) {
	p.mu.Lock()
	m := p.locked[pkg.ID()]
	p.mu.Unlock()
	if l := p.local[pkg.Name]; m == nil && l != nil && l.Version.Equal(pkg.Version) && p.source(l) == pkg.Source {
		m = l
	}
	if m != nil {
		return m, nil
	}
	switch src, ok := strings.CutPrefix(pkg.Source, "path+"); {
	case ok:
		return manifest.ParseFile(filepath.Join(p.Dir, filepath.FromSlash(src), manifest.FileName))
	case pkg.Source == "registry" && p.Registry != nil:
		return p.Registry.Manifest(pkg.Name, pkg.Version)
	}
	return nil, fmt.Errorf("%s: no registry configured to read it from", pkg.ID())
}

// Mounts returns the [mounts] of a locked package's manifest, checked
// against the lock's digest: where its guest filesystem shows each fs slot
// that is not at /SLOT.
func (p *Project) Mounts(pkg *lockfile.Package) (map[string]string, error) {
	m, err := p.manifestOf(pkg)
	if err != nil {
		return nil, err
	}
	if got, err := p.hash(m.File, lockfile.HashFile); err != nil {
		return nil, err
	} else if got != pkg.Manifest {
		return nil, fmt.Errorf("%s: integrity: manifest is %s, nano.lock says %s", pkg.ID(), got, orNone(pkg.Manifest))
	}
	return m.Mounts, nil
}

// Interface loads the WIT interface of a locked package, checked against
// the lock's digest, or returns nil if the package has none.
func (p *Project) Interface(pkg *lockfile.Package) (*iface.Package, error) {
	m, err := p.manifestOf(pkg)
	if err != nil || m.WIT == "" {
		return nil, err
	}
	path := filepath.Join(m.Dir(), filepath.FromSlash(m.WIT))
	if got, err := p.hash(path, lockfile.HashTree); err != nil {
		return nil, err
	} else if got != pkg.WIT {
		return nil, fmt.Errorf("%s: integrity: wit is %s, nano.lock says %s", pkg.ID(), got, orNone(pkg.WIT))
	}
	return iface.Load(path, pkg.Name)
}

// ImportFindings compares what the module m of package name at version
// imports with what the package declares: its dependencies (by name), its
// keys, and the keys it hands down its edges (fs keys naming its own slot in
// Source, as in a grant).
//
//   - An import from a module that is not a declared dependency, an import
//     of a function WASI preview1 does not have, and an imported memory,
//     table or global are undeclared-import, blocking: they never link.
//   - A WASI import that needs a kind of key the package does not declare is
//     undeclared-import, reported only: toolchains import functions that
//     the code never calls, and without the key the call fails anyway. One
//     finding per kind, naming the first such import.
//   - A declared key of a kind the module imports no function for, and that
//     the package hands to no dependency, is unused-key, reported only.
//     stdio keys need no import of their own (fd_write is always there) and
//     spawn keys are about children, so neither is ever unused.
func ImportFindings(name, version string, m *linker.Module, deps []string, keys policy.Set, handed []policy.Key) []policy.Finding {
	var out []policy.Finding
	add := func(imp string, blocks bool, format string, args ...any) {
		out = append(out, policy.Finding{Kind: policy.UndeclaredImport, Package: name, To: version,
			Import: imp, Reason: fmt.Sprintf(format, args...), Blocks: blocks})
	}
	for _, s := range m.ImportedNonFuncs {
		add(s, true, "nanoprocesses share no memory, table or global")
	}
	imported := map[policy.Kind][]linker.Import{}
	for _, im := range m.Imports {
		switch im.Need.Kind {
		case linker.NeedDependency:
			if !slices.Contains(deps, im.Dependency()) {
				add(im.String(), true, "%s is not a dependency of %s", im.Dependency(), name)
			}
		case linker.NeedUnknown:
			if im.Module == linker.WASI {
				add(im.String(), true, "not a WASI preview1 function")
			} else {
				add(im.String(), true, "%q is neither a dependency, WASI, nor a nano host API", im.Module)
			}
		case linker.NeedKey:
			imported[im.Need.Key] = append(imported[im.Need.Key], im)
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(imported)) {
		if slices.ContainsFunc(keys, func(k policy.Key) bool { return k.Kind == kind }) {
			continue
		}
		ims := imported[kind]
		also := ""
		if len(ims) > 1 {
			names := make([]string, len(ims)-1)
			for i, im := range ims[1:] {
				names[i] = im.Name
			}
			also = " (also: " + strings.Join(names, ", ") + ")"
		}
		without := "the call fails"
		if kind == policy.Clock || kind == policy.Random {
			without = "the nanoprocess gets deterministic stand-ins"
		}
		add(ims[0].String(), false, "needs %s %s key, which %s does not declare%s; reported only: toolchains import functions they never call, and without the key %s",
			article(kind), kind, name, also, without)
	}
	for _, k := range keys {
		if k.Kind == policy.Stdio || k.Kind == policy.Spawn || len(imported[k.Kind]) > 0 || handsDown(k, handed) {
			continue
		}
		out = append(out, policy.Finding{Kind: policy.UnusedKey, Package: name, To: version, Key: k.String(),
			Reason: fmt.Sprintf("the module imports no %s function, and %s hands it to no dependency", k.Kind, name)})
	}
	return out
}

// handsDown reports whether a package holding k hands it, or part of it,
// down one of the grants.
func handsDown(k policy.Key, grants []policy.Key) bool {
	return slices.ContainsFunc(grants, func(g policy.Key) bool {
		if k.Kind == policy.FS {
			return g.Kind == policy.FS && g.SourceSlot() == k.Name
		}
		return k.Covers(g)
	})
}

func article(k policy.Kind) string {
	if k == policy.FS || k == policy.Env {
		return "an"
	}
	return "a"
}

// InterfaceChanges compares the WIT of every package that changed version
// from old to new: in an upgrade that is not a major bump, a removed
// function or interface, or a changed signature, is breaking; anything
// else is reported. A package whose WIT cannot be read at either version
// is reported as such.
func (p *Project) InterfaceChanges(old, new *lockfile.Lock) []policy.Finding {
	return p.interfaceChanges(lockfile.Diff(old, new))
}

// interfaceChanges returns the WIT findings of a lockfile diff.
func (p *Project) interfaceChanges(ch *lockfile.Changes) []policy.Finding {
	var out []policy.Finding
	for _, c := range ch.Packages {
		if c.Old == nil || c.New == nil || c.Old.WIT == c.New.WIT || c.Old.WIT == "" && c.New.WIT == "" {
			continue
		}
		from, to := c.Old.Version.String(), c.New.Version.String()
		load := func(pkg *lockfile.Package) *iface.Package {
			if pkg.WIT == "" {
				return &iface.Package{Name: pkg.Name}
			}
			w, err := p.Interface(pkg)
			if err != nil {
				out = append(out, policy.Finding{Kind: policy.InterfaceChange, Package: pkg.Name, From: from, To: to,
					Reason: "cannot compare its WIT: " + err.Error()})
				return nil
			}
			return w
		}
		ow, nw := load(c.Old), load(c.New)
		if ow == nil || nw == nil {
			continue
		}
		for _, ch := range iface.Diff(ow, nw) {
			f := policy.Finding{Kind: policy.InterfaceChange, Package: c.Name, From: from, To: to, Key: "wit:" + ch.What,
				Change: ch.Kind.String(), Reason: ch.String()}
			if ch.Breaking() && !c.Major() {
				f.Kind = policy.Breaking
				f.Reason += " in a non-major upgrade"
			}
			f.Blocks = f.Kind.Blocks()
			out = append(out, f)
		}
	}
	return out
}

// CheckWIT loads the WIT of the root and its path dependencies, the
// packages being written here: a malformed WIT, or one whose package is
// not the manifest's, is an error with its file and line. (Registry
// packages were checked when they were published.)
func (p *Project) CheckWIT() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(p.local)) {
		m := p.local[name]
		if m.WIT == "" {
			continue
		}
		if _, err := iface.Load(filepath.Join(m.Dir(), filepath.FromSlash(m.WIT)), m.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
