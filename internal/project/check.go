package project

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nanoproc/nano/graph"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

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
		case len(c.Grant) == 0:
			f.From, f.To = childVersion(c.Old), childVersion(c.New)
			f.Reason = fmt.Sprintf("the limits from %s differ from the manifests: nano.lock has %s; the manifests set %s", c.Parent, c.Old.Limits, c.New.Limits)
		default:
			f.From, f.To = childVersion(c.Old), childVersion(c.New)
			var ds []string
			for _, d := range c.Grant {
				ds = append(ds, map[bool]string{true: "+", false: "-"}[d.Escalates()]+d.String())
			}
			f.Reason = fmt.Sprintf("the grant from %s differs from the manifests: %s", c.Parent, strings.Join(ds, ", "))
			if c.Old.Limits != c.New.Limits {
				f.Reason += fmt.Sprintf("; its limits too: nano.lock has %s; the manifests set %s", c.Old.Limits, c.New.Limits)
			}
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
