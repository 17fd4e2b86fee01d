package graph

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/manifest"
)

// A fetcher memoizes a Source, and preloads it on every core before the
// resolver walks the graph.
type fetcher struct {
	src Source
	// pins holds the locked versions of each package and their manifests'
	// futures. It is built before the walk and only read after, without
	// a lock: the walk and the readers ahead find a locked manifest with
	// one lookup by name.
	pins      map[string]*pinned
	locked    map[string][]*semver.Version // Options.Locked
	mu        sync.Mutex
	versions  map[string]*future[[]*semver.Version]
	manifests map[id]*future[*manifest.Manifest] // versions not locked
}

// pinLocked gives the fetcher its pins; TestPinned turns it off to compare
// with reading every manifest through the manifests map.
var pinLocked = true

// pinned is the locked versions of one package, in the order of
// Options.Locked, and the manifest of each, read once.
type pinned struct {
	versions  []*semver.Version
	manifests []future[*manifest.Manifest]
	// slots is the resolver's: the number plus one of each version's
	// slot, 0 until the walk meets it. Only the walk reads and writes it.
	slots []int32
}

// A req is a package name and a requirement on it.
type req struct {
	name string
	c    *manifest.Requirement
}

// An id is a package name and the text of a version.
type id struct{ name, version string }

type future[T any] struct {
	done    chan struct{}
	started atomic.Bool // for pinned futures: a caller computes v
	ready   atomic.Bool // done is closed: v and err are set
	v       T
	err     error
}

// await returns the value of fu, computing it with f if it is the first
// caller; callers that come later wait for the first.
func (fu *future[T]) await(f func() (T, error)) (T, error) {
	if !fu.started.CompareAndSwap(false, true) {
		if !fu.ready.Load() {
			<-fu.done
		}
		return fu.v, fu.err
	}
	fu.v, fu.err = f()
	fu.ready.Store(true)
	close(fu.done)
	return fu.v, fu.err
}

func newFetcher(src Source, locked map[string][]*semver.Version) *fetcher {
	pins := make(map[string]*pinned, len(locked))
	for name, vs := range locked {
		if len(vs) == 0 || !pinLocked {
			continue
		}
		p := &pinned{versions: vs, manifests: make([]future[*manifest.Manifest], len(vs)), slots: make([]int32, len(vs))}
		for i := range p.manifests {
			p.manifests[i].done = make(chan struct{})
		}
		pins[name] = p
	}
	return &fetcher{
		src:       src,
		pins:      pins,
		locked:    locked,
		versions:  map[string]*future[[]*semver.Version]{},
		manifests: map[id]*future[*manifest.Manifest]{},
	}
}

// pinnedFuture returns the future of the manifest of name v if v is a
// locked version of name, or else nil. Versions are compared by their
// text, as the manifests map keys them.
func (f *fetcher) pinnedFuture(name string, v *semver.Version) *future[*manifest.Manifest] {
	p := f.pins[name]
	if p == nil {
		return nil
	}
	for i, lv := range p.versions {
		if lv == v || lv.Original() == v.Original() {
			return &p.manifests[i]
		}
	}
	return nil
}

// get returns the value of key in m, computing it with f on first use;
// callers that come later wait for the first.
func get[K comparable, T any](mu *sync.Mutex, m map[K]*future[T], key K, f func() (T, error)) (T, error) {
	mu.Lock()
	fu := m[key]
	if fu == nil {
		fu = &future[T]{done: make(chan struct{})}
		m[key] = fu
	}
	mu.Unlock()
	return fu.await(f)
}

// Versions returns the versions of a package, highest first.
func (f *fetcher) Versions(name string) ([]*semver.Version, error) {
	return get(&f.mu, f.versions, name, func() ([]*semver.Version, error) {
		vs, err := f.src.Versions(name)
		if err != nil {
			return nil, err
		}
		sorted := make([]*semver.Version, len(vs))
		copy(sorted, vs)
		sortDesc(sorted)
		return sorted, nil
	})
}

// Manifest returns the manifest of one version.
func (f *fetcher) Manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	if fu := f.pinnedFuture(name, v); fu != nil {
		return fu.await(func() (*manifest.Manifest, error) { return f.read(name, v) })
	}
	// Versions come from a Source or a lock in canonical form, so the text
	// they were parsed from is their String, without formatting it again.
	return get(&f.mu, f.manifests, id{name, v.Original()}, func() (*manifest.Manifest, error) {
		return f.read(name, v)
	})
}

// lockedManifest returns the first locked version of d's package that d
// allows, and its manifest; lv is nil if none is allowed. slot, if not
// nil, is the resolver's memo of that version's slot number plus one.
func (f *fetcher) lockedManifest(d *manifest.Dependency) (lv *semver.Version, m *manifest.Manifest, slot *int32, err error) {
	p := f.pins[d.Name]
	if p == nil {
		for _, lv := range f.locked[d.Name] { // only when !pinLocked
			if d.Constraint.Check(lv) {
				m, err := f.Manifest(d.Name, lv)
				return lv, m, nil, err
			}
		}
		return nil, nil, nil, nil
	}
	for i, lv := range p.versions {
		if d.Constraint.Check(lv) {
			m, err := p.manifests[i].await(func() (*manifest.Manifest, error) { return f.read(d.Name, lv) })
			return lv, m, &p.slots[i], err
		}
	}
	return nil, nil, nil, nil
}

// read reads the manifest of name v from the Source.
func (f *fetcher) read(name string, v *semver.Version) (*manifest.Manifest, error) {
	m, err := f.src.Manifest(name, v)
	if err == nil && (m.Name != name || !m.Version.Equal(v)) {
		return nil, fmt.Errorf("%s: declares %s, want %s %s", m.File, m.ID(), name, v)
	}
	return m, err
}

// preload reads, on every core, the manifests the resolver will most likely
// need: from the root down, for each requirement the locked version it
// allows, or else the highest. Errors are left for the resolver to meet.
func (f *fetcher) preload(root *manifest.Manifest) {
	var (
		mu    sync.Mutex
		cond  = sync.NewCond(&mu)
		queue []*manifest.Dependency
		busy  int
		// The requirements met, by name and requirement: ParseRequirement
		// gives one *Requirement a text, mostly.
		seen = make(map[req]bool, len(f.pins))
		// The manifests whose requirements were met: several requirements
		// lead to one manifest.
		pushed = make(map[*manifest.Manifest]bool, len(f.pins))
	)
	push := func(m *manifest.Manifest) { // with mu held
		if pushed[m] {
			cond.Broadcast()
			return
		}
		pushed[m] = true
		for _, d := range m.Deps {
			if k := (req{d.Name, d.Constraint}); !seen[k] {
				seen[k] = true
				queue = append(queue, d)
			}
		}
		cond.Broadcast()
	}
	push(root)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			for {
				for len(queue) == 0 && busy > 0 {
					cond.Wait()
				}
				if len(queue) == 0 {
					return
				}
				d := queue[len(queue)-1]
				queue = queue[:len(queue)-1]
				busy++
				mu.Unlock()
				m := f.likely(d)
				mu.Lock()
				busy--
				if m != nil {
					push(m)
				} else {
					cond.Broadcast()
				}
			}
		})
	}
	wg.Wait()
}

// likely reads the manifest the resolver will most likely choose for d.
func (f *fetcher) likely(d *manifest.Dependency) *manifest.Manifest {
	if p := f.pins[d.Name]; p != nil {
		for i, lv := range p.versions {
			if d.Constraint.Check(lv) {
				m, err := p.manifests[i].await(func() (*manifest.Manifest, error) { return f.read(d.Name, lv) })
				if err == nil {
					return m
				}
			}
		}
	} else {
		for _, lv := range f.locked[d.Name] { // only when !pinLocked
			if d.Constraint.Check(lv) {
				if m, err := f.Manifest(d.Name, lv); err == nil {
					return m
				}
			}
		}
	}
	vs, err := f.Versions(d.Name)
	if err != nil {
		return nil
	}
	for _, v := range vs {
		if d.Constraint.Check(v) {
			m, _ := f.Manifest(d.Name, v)
			return m
		}
	}
	return nil
}
