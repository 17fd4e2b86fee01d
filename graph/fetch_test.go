package graph

import (
	"os"
	"strings"
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

// unlocked is a case in which a requirement met late in the walk rules
// out the locked version chosen early, in the loop after the walk.
const unlocked = `
# a later requirement rules out a locked version
root a:app 0.1.0 | a:lib ^1.0 | a:mid ^1.0
pkg a:lib 1.2.0
pkg a:lib 1.1.0
pkg a:mid 1.0.0 | a:lib ~1.1
lock a:lib 1.2.0
lock a:mid 1.0.0
want a:lib 1.1.0
want a:mid 1.0.0
`

// TestKeepLocked checks that choosing the locked versions after the walk
// on every core, a slot a goroutine at a time, gives what choosing them in
// the serial loop gives, on every case of testdata/resolve.txt, with its
// lock and with the lock of its own result.
func TestKeepLocked(t *testing.T) {
	data, err := os.ReadFile("testdata/resolve.txt")
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(c *testCase, locked map[string][]*semver.Version, ahead bool) string {
		defer func(a bool, n int) { keepAhead, keepChunk = a, n }(keepAhead, keepChunk)
		keepAhead, keepChunk = ahead, 1
		g, err := Resolve(c.root, c.reg, Options{Locked: locked})
		return dumpGraph(g, err)
	}
	cases := 0
	for _, c := range parseCases(t, string(data)+revised+unlocked) {
		for _, locked := range []map[string][]*semver.Version{c.locked, nil} {
			if locked == nil {
				g, err := Resolve(c.root, c.reg, Options{Locked: c.locked})
				if err != nil || len(g.Nodes) < 3 {
					continue
				}
				locked = map[string][]*semver.Version{}
				for _, n := range g.Nodes[1:] {
					locked[n.Name] = append(locked[n.Name], n.Version)
				}
				cases++ // two slots or more, on two goroutines
			}
			got, want := resolve(c, locked, true), resolve(c, locked, false)
			if got != want {
				t.Errorf("%s: chosen ahead:\n%s\nin the loop:\n%s", c.name, got, want)
			}
			if c.name == "a_later_requirement_rules_out_a_locked_version" && !strings.Contains(got, "a:lib 1.1.0\n") {
				t.Errorf("%s: chosen:\n%s\nwant a:lib 1.1.0", c.name, got)
			}
		}
	}
	if cases == 0 {
		t.Fatal("no case locks two packages")
	}
}
