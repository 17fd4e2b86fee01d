package project

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

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
