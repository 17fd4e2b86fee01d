// Package project ties nano's packages together for the commands: it loads a
// root package and its path dependencies, resolves, builds nano.lock, checks
// a lock against the tree, and audits.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/graph"
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
}

// Load reads the root manifest in dir and the manifests of its path
// dependencies. registryDir, if set, overrides the root's [registry] path.
func Load(dir, registryDir string) (*Project, error) {
	root, err := manifest.ParseFile(filepath.Join(dir, manifest.FileName))
	if err != nil {
		return nil, err
	}
	p := &Project{Dir: dir, Root: root, local: map[string]*manifest.Manifest{root.Name: root}, hashes: map[string]string{}}
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
	return p.Registry.Manifest(name, v)
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
	pkgs := make([]*lockfile.Package, len(g.Nodes))
	errs := make([]error, len(g.Nodes))
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(g.Nodes); i = int(next.Add(1) - 1) {
				n := g.Nodes[i]
				pkgs[i] = &lockfile.Package{Name: n.Name, Version: n.Version, Source: p.source(n.Manifest), Keys: n.Keys}
				errs[i] = p.digests(pkgs[i], n.Manifest)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, n := range g.Nodes {
		pkg := pkgs[i]
		for _, e := range n.Edges {
			pkg.Dependencies = append(pkg.Dependencies, e.Child.ID())
			l.Edges = append(l.Edges, &lockfile.Edge{Parent: n.ID(), Child: e.Child.ID(), Grant: e.Flow.Handed})
		}
		slices.Sort(pkg.Dependencies)
		pkg.Dependencies = slices.Compact(pkg.Dependencies)
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

// digests fills in the digests of the files of m.
func (p *Project) digests(pkg *lockfile.Package, m *manifest.Manifest) error {
	var err error
	if pkg.Manifest, err = p.hash(m.File, lockfile.HashFile); err != nil {
		return err
	}
	if pkg.Module, err = p.hash(filepath.Join(m.Dir(), filepath.FromSlash(m.Module)), lockfile.HashFile); err != nil {
		return fmt.Errorf("%s: package.module: %w", m.File, err)
	}
	if m.WIT != "" {
		if pkg.WIT, err = p.hash(filepath.Join(m.Dir(), filepath.FromSlash(m.WIT)), lockfile.HashTree); err != nil {
			return fmt.Errorf("%s: package.wit: %w", m.File, err)
		}
	}
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
	g, err := p.Resolve(lock, nil, false)
	var fresh *lockfile.Lock
	if err == nil {
		fresh, err = p.Lock(g)
	}
	resolved := map[string]*lockfile.Package{}
	if fresh != nil {
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
			out = append(out, policy.Finding{Kind: policy.Integrity, Package: pkg.Name, To: pkg.Version.String(), Reason: why, Blocks: true})
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
	return p.Version.String()
}

// verify compares a registry package's files with its digests.
func (p *Project) verify(pkg *lockfile.Package) []string {
	if p.Registry == nil {
		return []string{"no registry configured to read it from"}
	}
	dir := p.Registry.Path(pkg.Name, pkg.Version)
	m, err := manifest.ParseFile(filepath.Join(dir, manifest.FileName))
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
	var out []policy.Finding
	fresh := map[string]bool{}
	from := map[string]string{} // a changed child's baseline version, by its new ID
	ch := lockfile.Diff(old, new)
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
	Base   *lockfile.Lock
	Policy *policy.Policy
	Today  time.Time
}

// Audit checks nano.lock against the tree and diffs it against the
// baseline, applying the policy's approvals. A missing nano.lock is a
// stale-lock finding; a malformed one is an error.
func (p *Project) Audit(opts AuditOptions) ([]policy.Finding, error) {
	lock, err := p.ReadLock()
	if errors.Is(err, fs.ErrNotExist) {
		return []policy.Finding{{Kind: policy.StaleLock, Package: p.Root.Name, To: p.Root.Version.String(),
			Reason: "nano.lock is missing: run nano lock", Blocks: true}}, nil
	}
	if err != nil {
		return nil, err
	}
	out := p.Check(lock)
	if opts.Base != nil {
		out = append(out, Changes(opts.Base, lock)...)
	}
	opts.Policy.Apply(out, opts.Today)
	policy.SortFindings(out)
	return out, nil
}
