package graph

import (
	"fmt"
	"strings"

	"github.com/nanoproc/nano/policy"
)

// A ConflictError reports a package for which no version can be chosen,
// with the chain of requirements that led to each requirement on it.
type ConflictError struct {
	Package string
	Reason  string
	Chains  [][]string // each from the root: "acme:app 0.3.0 requires acme:zip ^1.4"
	Skips   []string   // versions skipped for their keys
	Hint    string     // the manifest lines that would allow the highest skipped version
	// Slots says which fs slots a grant names that no matching version
	// declares, and the slots the highest has: a misspelt slot name.
	Slots []string
}

// Error returns the message of the ConflictError.
func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot resolve %s: %s", e.Package, e.Reason)
	for _, c := range e.Chains {
		b.WriteString("\n\t" + strings.Join(c, ",\n\t\t"))
	}
	for _, s := range e.Slots {
		b.WriteString("\n\t" + s)
	}
	for _, s := range e.Skips {
		b.WriteString("\n\t" + s)
	}
	if e.Hint != "" {
		b.WriteString("\n" + indent(e.Hint))
	}
	return b.String()
}

// A SlotError reports an edge whose grant names an fs slot that no version
// of the child the requirement allows declares, where resolution passed
// over a higher version for it: most likely a misspelt slot name.
type SlotError struct {
	Parent, Child string // IDs
	Slots         []string
}

// Error returns the message of the SlotError.
func (e *SlotError) Error() string {
	return fmt.Sprintf("%s -> %s: a grant names a slot the dependency does not have\n\t%s", e.Parent, e.Child, strings.Join(e.Slots, "\n\t"))
}

// A FlowError reports an edge whose keys do not flow: a dependency's key no
// grant covers, or a grant of a key the parent does not hold.
type FlowError struct {
	Edge *Edge
}

// Error returns the message of the FlowError.
func (e *FlowError) Error() string {
	p, c, f := e.Edge.Parent, e.Edge.Child, e.Edge.Flow
	var b strings.Builder
	fmt.Fprintf(&b, "%s -> %s: keys do not flow", p.ID(), c.ID())
	for _, k := range f.Missing {
		fmt.Fprintf(&b, "\n\t%s needs %s, which %s does not grant", c.Name, k, p.Name)
	}
	for _, k := range f.Unheld {
		fmt.Fprintf(&b, "\n\t%s grants %s but does not hold it", p.Name, k)
	}
	if len(f.Missing) > 0 {
		fmt.Fprintf(&b, "\n\tto hand it down, %s's manifest needs:\n%s", p.Name, indent(policy.GrantHint(c.Name, p.Keys, f.Missing)))
	}
	return b.String()
}

// A CycleError reports a dependency cycle.
type CycleError struct {
	Cycle []string // package IDs, the first repeated last
}

// Error returns the message of the CycleError.
func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Cycle, " -> ")
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "\t\t" + strings.ReplaceAll(s, "\n", "\n\t\t")
}
