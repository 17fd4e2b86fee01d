package graph

import (
	"fmt"

	"github.com/nanoproc/nano/limits"
)

// A LimitError reports an edge whose ceiling exceeds the one above it: the
// nearest limit on a path into the edge's parent (SPEC section 10).
type LimitError struct {
	Edge  *Edge  // the edge whose limit is too high
	Above *Edge  // the edge whose limit it exceeds
	What  string // "memory" or "time"
}

// Error returns the message of the LimitError.
func (e *LimitError) Error() string {
	at, aboveAt := e.Edge.Dep.LimitsAt.Memory, e.Above.Dep.LimitsAt.Memory
	value, above := limits.FormatSize(e.Edge.Limits.Memory), limits.FormatSize(e.Above.Limits.Memory)
	if e.What == "time" {
		at, aboveAt = e.Edge.Dep.LimitsAt.Time, e.Above.Dep.LimitsAt.Time
		value, above = limits.FormatDuration(e.Edge.Limits.Time), limits.FormatDuration(e.Above.Limits.Time)
	}
	return fmt.Sprintf("%s: %s -> %s: %s %s exceeds %s, the limit of %s -> %s above it\n\t%s: %s %s is set here",
		at, e.Edge.Parent.ID(), e.Edge.Child.ID(), e.What, value, above, e.Above.Parent.ID(), e.Above.Child.ID(),
		aboveAt, e.What, above)
}

// checkCeilings checks that no edge's limit exceeds the one above it. A
// package reached along several edges runs as one nanoprocess per edge,
// each under the ceilings of its own way from the root: an edge out of it
// must fit under every one of them, so it is checked against the lowest.
// An edge without a limit of its own inherits the one above it. The graph
// has no cycle.
func checkCeilings(g *Graph) []error {
	some := false
	for _, n := range g.Nodes {
		for _, e := range n.Edges {
			some = some || !e.Limits.IsZero()
		}
	}
	if !some {
		return nil // the common case: no limits at all
	}
	// The lowest ceiling of each dimension over every way into a node,
	// and the edge that sets it: nil for none.
	type ceiling struct{ memory, time *Edge }
	ceil := make(map[*Node]ceiling, len(g.Nodes))
	in := make(map[*Node]int, len(g.Nodes))
	for _, n := range g.Nodes {
		for _, e := range n.Edges {
			in[e.Child]++
		}
	}
	lowest := func(cur, e *Edge, v func(*Edge) uint64) *Edge {
		if e == nil || cur != nil && v(cur) <= v(e) {
			return cur
		}
		return e
	}
	memory := func(e *Edge) uint64 { return e.Limits.Memory }
	duration := func(e *Edge) uint64 { return uint64(e.Limits.Time) }
	var errs []error
	// Parents before children: a node is visited once every edge into
	// it has been.
	queue := []*Node{g.Root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		c := ceil[n]
		for _, e := range n.Edges {
			if c.memory != nil && e.Limits.Memory > c.memory.Limits.Memory {
				errs = append(errs, &LimitError{Edge: e, Above: c.memory, What: "memory"})
			}
			if c.time != nil && e.Limits.Time > c.time.Limits.Time {
				errs = append(errs, &LimitError{Edge: e, Above: c.time, What: "time"})
			}
			// What this edge's nanoprocess runs under.
			run := c
			if e.Limits.Memory != 0 {
				run.memory = e
			}
			if e.Limits.Time != 0 {
				run.time = e
			}
			cc := ceil[e.Child]
			cc.memory = lowest(cc.memory, run.memory, memory)
			cc.time = lowest(cc.time, run.time, duration)
			ceil[e.Child] = cc
			if in[e.Child]--; in[e.Child] == 0 {
				queue = append(queue, e.Child)
			}
		}
	}
	return errs
}
