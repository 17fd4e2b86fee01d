package graph

import (
	"runtime"
	"sync"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/manifest"
)

// A fetcher memoizes a Source and reads ahead: while the resolver walks the
// graph, the versions and best candidate of each dependency it will reach
// are read by a few goroutines, so that reading and parsing manifests uses
// every core.
type fetcher struct {
	src       Source
	locked    map[string][]*semver.Version
	ahead     map[string]bool // packages read ahead
	sem       chan struct{}
	mu        sync.Mutex
	versions  map[string]*future[[]*semver.Version]
	manifests map[string]*future[*manifest.Manifest]
}

type future[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func newFetcher(src Source, locked map[string][]*semver.Version) *fetcher {
	return &fetcher{
		src:       src,
		locked:    locked,
		ahead:     map[string]bool{},
		sem:       make(chan struct{}, runtime.GOMAXPROCS(0)),
		versions:  map[string]*future[[]*semver.Version]{},
		manifests: map[string]*future[*manifest.Manifest]{},
	}
}

// get returns the value of key in m, computing it with f on first use;
// callers that come later wait for the first.
func get[T any](mu *sync.Mutex, m map[string]*future[T], key string, f func() (T, error)) (T, error) {
	mu.Lock()
	fu, ok := m[key]
	if !ok {
		fu = &future[T]{done: make(chan struct{})}
		m[key] = fu
	}
	mu.Unlock()
	if ok {
		<-fu.done
		return fu.v, fu.err
	}
	fu.v, fu.err = f()
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
	return get(&f.mu, f.manifests, name+" "+v.String(), func() (*manifest.Manifest, error) {
		return f.src.Manifest(name, v)
	})
}

// readAhead starts reading the dependencies of m: the manifest of the
// locked version each requirement allows, or else their versions and the
// manifest of the highest version allowed.
func (f *fetcher) readAhead(m *manifest.Manifest) {
	for _, d := range m.Deps {
		f.mu.Lock()
		started := f.ahead[d.Name]
		f.ahead[d.Name] = true
		f.mu.Unlock()
		if started {
			continue
		}
		go func() {
			f.sem <- struct{}{}
			defer func() { <-f.sem }()
			for _, lv := range f.locked[d.Name] {
				if d.Constraint.Check(lv) {
					f.Manifest(d.Name, lv)
					return
				}
			}
			vs, err := f.Versions(d.Name)
			if err != nil {
				return
			}
			for _, v := range vs {
				if d.Constraint.Check(v) {
					f.Manifest(d.Name, v)
					return
				}
			}
		}()
	}
}
