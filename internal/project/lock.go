package project

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/Masterminds/semver/v3"
	"github.com/nanoproc/nano/graph"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
)

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
			edges = append(edges, lockfile.Edge{Parent: n.ID(), Child: e.Child.ID(), Grant: e.Flow.Handed, Limits: e.Limits})
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
