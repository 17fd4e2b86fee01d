// Package project ties nano's packages together for the commands: it loads a
// root package and its path dependencies, resolves, builds nano.lock, checks
// a lock against the tree, and audits.
package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/graph"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/suggest"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
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

// NotFound implements graph.NotFounder: a package with no version is
// either one no registry was configured to look for, or one the registry
// lacks, maybe for a typo in its name.
func (p *Project) NotFound(name string) string {
	if p.Registry == nil {
		return fmt.Sprintf("no registry configured to look for it: set path = \"DIR\" in the [registry] table of %s, or pass --registry DIR", manifest.FileName)
	}
	dir := p.Registry.Dir
	if rel, err := filepath.Rel(p.Dir, dir); err == nil {
		dir = filepath.ToSlash(rel)
	}
	msg := "no versions found in " + dir
	if _, err := os.Stat(p.Registry.Dir); errors.Is(err, os.ErrNotExist) {
		return msg + ", which does not exist"
	}
	names, _ := p.Registry.Names()
	for n := range p.local {
		names = append(names, n)
	}
	slices.Sort(names)
	if meant := suggest.Closest(name, names); meant != "" {
		msg += "; did you mean " + meant + "?"
	}
	return msg
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
