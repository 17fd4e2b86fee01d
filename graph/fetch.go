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
	src       Source
	locked    map[string][]*semver.Version
	mu        sync.Mutex
	versions  map[string]*future[[]*semver.Version]
	manifests map[id]*future[*manifest.Manifest]
}

// A req is a package name and a requirement on it.
type req struct {
	name string
	c    *manifest.Requirement
}

// An id is a package name and the text of a version.
type id struct{ name, version string }

type future[T any] struct {
	done  chan struct{}
	ready atomic.Bool // done is closed: v and err are set
	v     T
	err   error
}

func newFetcher(src Source, locked map[string][]*semver.Version) *fetcher {
	return &fetcher{
		src:       src,
		locked:    locked,
		versions:  map[string]*future[[]*semver.Version]{},
		manifests: make(map[id]*future[*manifest.Manifest], len(locked)),
	}
}

// get returns the value of key in m, computing it with f on first use;
// callers that come later wait for the first.
func get[K comparable, T any](mu *sync.Mutex, m map[K]*future[T], key K, f func() (T, error)) (T, error) {
	mu.Lock()
	fu, ok := m[key]
	if !ok {
		fu = &future[T]{done: make(chan struct{})}
		m[key] = fu
	}
	mu.Unlock()
	if ok {
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
	// Versions come from a Source or a lock in canonical form, so the text
	// they were parsed from is their String, without formatting it again.
	return get(&f.mu, f.manifests, id{name, v.Original()}, func() (*manifest.Manifest, error) {
		m, err := f.src.Manifest(name, v)
		if err == nil && (m.Name != name || !m.Version.Equal(v)) {
			return nil, fmt.Errorf("%s: declares %s, want %s %s", m.File, m.ID(), name, v)
		}
		return m, err
	})
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
		seen = make(map[req]bool, len(f.locked))
		// The manifests whose requirements were met: several requirements
		// lead to one manifest.
		pushed = make(map[*manifest.Manifest]bool, len(f.locked))
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
	for _, lv := range f.locked[d.Name] {
		if d.Constraint.Check(lv) {
			if m, err := f.Manifest(d.Name, lv); err == nil {
				return m
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
