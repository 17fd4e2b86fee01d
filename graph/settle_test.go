package graph

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/manifest"
)

// dumpGraph prints everything a Graph holds: nodes, edges with their
// flows, and notes.
func dumpGraph(g *Graph, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%s\n", n.ID())
		for _, e := range n.Edges {
			fmt.Fprintf(&b, "  -> %s %s handed=%q missing=%q unheld=%q unused=%q\n", e.Child.ID(), e.Dep.Req,
				e.Flow.Handed.Strings(), e.Flow.Missing, e.Flow.Unheld, e.Flow.Unused)
		}
	}
	for _, n := range g.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	return b.String()
}

// revised is a case in which a requirement met late in the walk revises
// a choice made early: the package the first choice needed drops out.
const revised = `
# a later requirement revises a choice of the walk
root a:app 0.1.0 | a:lib ^1.0 | a:mid ^1.0
pkg a:lib 1.1.0 | a:extra ^1.0
pkg a:lib 1.0.0
pkg a:mid 1.0.0 | a:lib =1.0.0
pkg a:extra 1.0.0
want a:lib 1.0.0
want a:mid 1.0.0
`

// TestSettleEarly checks that ending resolution after a pass whose
// choices all stood gives what a second pass gives, on every case of
// testdata/resolve.txt, with its lock and with the lock of its own result.
func TestSettleEarly(t *testing.T) {
	data, err := os.ReadFile("testdata/resolve.txt")
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(c *testCase, locked map[string][]*semver.Version, early bool) (*Graph, error) {
		defer func(v bool) { settleEarly = v }(settleEarly)
		settleEarly = early
		return Resolve(c.root, c.reg, Options{Locked: locked})
	}
	for _, c := range parseCases(t, string(data)+revised) {
		g, err := resolve(c, c.locked, true)
		want, werr := resolve(c, c.locked, false)
		if got, want := dumpGraph(g, err), dumpGraph(want, werr); got != want {
			t.Errorf("%s: in one pass:\n%s\nin two:\n%s", c.name, got, want)
		}
		if err != nil {
			continue
		}
		var ids []string
		for _, n := range g.Nodes[1:] {
			ids = append(ids, n.ID())
		}
		if len(c.want) > 0 && !slices.Equal(ids, c.want) {
			t.Errorf("%s: chosen = %q, want %q", c.name, ids, c.want)
		}
		// The graph's own versions, locked: the case of an audit.
		locked := map[string][]*semver.Version{}
		for _, n := range g.Nodes[1:] {
			locked[n.Name] = append(locked[n.Name], n.Version)
		}
		g, err = resolve(c, locked, true)
		want, werr = resolve(c, locked, false)
		if got, want := dumpGraph(g, err), dumpGraph(want, werr); got != want {
			t.Errorf("%s, locked: in one pass:\n%s\nin two:\n%s", c.name, got, want)
		}
	}
}

// TestClassOf checks that classOf partitions versions as manifest.Class
// does, and names each class as it does.
func TestClassOf(t *testing.T) {
	vs := []string{"0.0.0", "0.0.1", "0.0.2", "0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.9.9", "2.0.0", "0.0.1-rc.1", "10.0.0+x"}
	for _, a := range vs {
		va := semver.MustParse(a)
		if got, want := classOf(va).String(), manifest.Class(va); got != want {
			t.Errorf("classOf(%s) = %s, want %s", a, got, want)
		}
		for _, b := range vs {
			vb := semver.MustParse(b)
			if got, want := classOf(va) == classOf(vb), manifest.Class(va) == manifest.Class(vb); got != want {
				t.Errorf("classOf(%s) == classOf(%s) is %v, want %v", a, b, got, want)
			}
		}
	}
}
