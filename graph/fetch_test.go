package graph

import (
	"os"
	"sync"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/manifest"
)

// countingSource is a Source that counts the reads of each manifest and
// hands out a fresh copy each time, so a manifest read twice shows.
type countingSource struct {
	reg   testRegistry
	mu    sync.Mutex
	reads map[string]int
}

func (s *countingSource) Versions(name string) ([]*semver.Version, error) {
	return s.reg.Versions(name)
}

func (s *countingSource) Manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	m, err := s.reg.Manifest(name, v)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.reads[m.ID()]++
	s.mu.Unlock()
	c := *m
	return &c, nil
}

// TestPinned checks that finding a locked version's manifest through the
// fetcher's pins gives what reading it through the manifests map gives, on
// every case of testdata/resolve.txt, with its lock and with the lock of
// its own result (as fresh versions, so no pointer is shared with the
// Source's), and that either way no manifest is read twice.
func TestPinned(t *testing.T) {
	data, err := os.ReadFile("testdata/resolve.txt")
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(t *testing.T, c *testCase, locked map[string][]*semver.Version, pinned bool) string {
		defer func(v bool) { pinLocked = v }(pinLocked)
		pinLocked = pinned
		src := &countingSource{reg: c.reg, reads: map[string]int{}}
		g, err := Resolve(c.root, src, Options{Locked: locked})
		for id, n := range src.reads {
			if n > 1 {
				t.Errorf("%s (pinned %v): %s read %d times", c.name, pinned, id, n)
			}
		}
		return dumpGraph(g, err)
	}
	pins := 0
	for _, c := range parseCases(t, string(data)+revised) {
		for _, locked := range []map[string][]*semver.Version{c.locked, nil} {
			if locked == nil {
				// The case's own result, locked: the case of an audit.
				g, err := Resolve(c.root, c.reg, Options{Locked: c.locked})
				if err != nil {
					continue
				}
				locked = map[string][]*semver.Version{}
				for _, n := range g.Nodes[1:] {
					locked[n.Name] = append(locked[n.Name], semver.MustParse(n.Version.Original()))
				}
			}
			pins += len(locked)
			got, want := resolve(t, c, locked, true), resolve(t, c, locked, false)
			if got != want {
				t.Errorf("%s: with pins:\n%s\nwithout:\n%s", c.name, got, want)
			}
		}
	}
	if pins == 0 {
		t.Fatal("no case locks a version")
	}
}
