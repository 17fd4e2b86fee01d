package project

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"

	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
	"github.com/tetratelabs/wazero"
)

// Changes returns the findings of the capability diff from old to new:
// escalations, reductions, new packages, grant changes and limit changes.
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
		if c.Old != nil {
			fs = append(fs, policy.LimitFindings(c.Parent, c.Child, childVersion(c.New), c.Old.Limits, c.New.Limits)...)
		}
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
		out := []policy.Finding{{Kind: policy.StaleLock, Package: p.Root.Name, To: p.Root.Version.String(),
			Reason: "nano.lock is missing: run nano lock", Blocks: true}}
		p.Locate(out, nil, opts.Base, opts.Policy)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	// The diff against the baseline needs only the two locks (and the
	// WIT of the packages whose WIT changed): it runs beside the checks
	// of the tree.
	var changed, ifaces []policy.Finding
	from := map[string]string{} // a changed package's baseline version, by its new ID
	var wg sync.WaitGroup
	if opts.Base != nil {
		wg.Go(func() {
			ch := lockfile.Diff(opts.Base, lock)
			changed = changes(ch)
			ifaces = p.interfaceChanges(ch)
			for _, c := range ch.Packages {
				if c.Old != nil && c.New != nil {
					from[c.New.ID()] = c.Old.Version.String()
				}
			}
		})
	}
	// The tree is locked again and compared with nano.lock beside the
	// imports check, which reads the manifests the resolver chose.
	g, err := p.resolveLocked(lock)
	var out []policy.Finding
	wg.Go(func() { out = p.compare(lock, g, err) })
	imports, links := p.checkModules(context.Background(), lock, opts.Cache)
	imports = append(imports, links...)
	wg.Wait()
	if opts.Base != nil {
		out = append(out, changed...)
		out = append(out, ifaces...)
		// An import or link finding shows the package's version change.
		for i := range imports {
			imports[i].From = from[imports[i].Package+" "+imports[i].To]
		}
	}
	out = append(out, imports...)
	opts.Policy.Apply(out, opts.Today)
	if opts.Base != nil {
		// Without a baseline there are no escalations to approve: every
		// approval would look stale.
		out = append(out, opts.Policy.Stale(out)...)
	}
	p.Locate(out, lock, opts.Base, opts.Policy)
	policy.SortFindings(out)
	return out, nil
}
