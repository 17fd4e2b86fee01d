// Package graph resolves a root package's dependency graph: one version per
// compatibility class, the highest that satisfies every requirement and whose
// keys every parent grants. It does no I/O: packages come from a Source.
package graph

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// A Source lists and reads the packages the resolver may choose from. The
// resolver reads ahead from several goroutines at once: a Source must be
// safe for concurrent use.
type Source interface {
	// Versions returns every version of the named package, in any order.
	Versions(name string) ([]*semver.Version, error)
	// Manifest returns the manifest of one version.
	Manifest(name string, v *semver.Version) (*manifest.Manifest, error)
}

// A NotFounder is a Source that says where it looked for a package it has
// no version of, and what else it might be: the reason of the
// ConflictError ("no versions found in ../registry; did you mean
// acme:zip?").
type NotFounder interface {
	NotFound(name string) string
}

// Options tune resolution.
type Options struct {
	// Locked lists, by package name, the versions in the existing nano.lock.
	// A locked version that still satisfies every requirement and whose keys
	// are still granted is kept instead of a higher one.
	Locked map[string][]*semver.Version
}

// A Graph is a resolved dependency graph.
type Graph struct {
	Root  *Node
	Nodes []*Node // the root first, then by name and version
	// Notes explain choices that are not errors: versions skipped for their
	// keys, grants never handed over.
	Notes []string
}

// A Node is one chosen package.
type Node struct {
	*manifest.Manifest
	Edges []*Edge // in the order of the manifest's dependencies
}

// An Edge is a dependency of one package on another, with the keys it hands
// down.
type Edge struct {
	Parent, Child *Node
	Dep           *manifest.Dependency
	Flow          *policy.Flow
	// Limits are the ceilings the parent's manifest sets on the edge
	// ([dependencies."X".limits]); zero when none.
	Limits limits.Limits
}

// Resolve resolves the graph of root. Errors are a ConflictError,
// FlowError or CycleError (several joined with errors.Join), or an error of
// the Source.
func Resolve(root *manifest.Manifest, src Source, opts Options) (*Graph, error) {
	// A lock names most of the packages the walk meets: its tables are
	// sized for them up front, not grown (and rehashed) as they fill.
	n := len(opts.Locked)
	r := &resolver{
		src:     newFetcher(src, opts.Locked),
		opts:    opts,
		slotIDs: make(map[slot]int32, n),
		slots:   make(map[*manifest.Dependency]int32, n),
		mids:    make(map[*manifest.Manifest]int32, n),
		byID:    make(map[string]int32, n),
	}
	// The walk starts while the manifests are read ahead, waiting for
	// the ones it needs first.
	var preload sync.WaitGroup
	preload.Go(func() { r.src.preload(root) })
	defer preload.Wait()
	const maxPasses = 100
	for range maxPasses {
		changed, errs, err := r.pass(root)
		if err != nil {
			return nil, err
		}
		if !changed {
			if len(errs) > 0 {
				return nil, errors.Join(errs...)
			}
			return r.build(root)
		}
	}
	return nil, fmt.Errorf("resolution of %s did not settle after %d passes", root.ID(), maxPasses)
}

// settleEarly ends resolution after a pass whose choices all stood (see
// pass); TestSettleEarly turns it off to compare with a second pass.
var settleEarly = true

// A slot is a package name and compatibility class: it holds one version.
type slot struct {
	name  string
	class class
}

func (s slot) String() string { return s.name + "@" + s.class.String() }

// A class is a compatibility class, as manifest.Class names it, without
// the allocation of its name: the major version, or for 0.y.z the minor,
// or for 0.0.z the patch.
type class struct{ major, minor, patch uint64 }

func classOf(v *semver.Version) class {
	switch {
	case v.Major() > 0:
		return class{major: v.Major()}
	case v.Minor() > 0:
		return class{minor: v.Minor()}
	}
	return class{patch: v.Patch()}
}

func (c class) String() string {
	return manifest.Class(semver.New(c.major, c.minor, c.patch, "", ""))
}

// A choice is the version chosen for a slot, and the versions above it that
// were skipped for their keys.
type choice struct {
	m     *manifest.Manifest
	skips []string
	ins   []in // the requirements it satisfies
}

// An in is one requirement on a slot: parent's dependency dep.
type in struct {
	parent *manifest.Manifest
	dep    *manifest.Dependency
}

// Slots and manifests are numbered as the resolver meets them, and its
// tables are indexed by those numbers: a walk of the graph looks up no
// string.
type resolver struct {
	src      *fetcher
	opts     Options
	slotIDs  map[slot]int32                 // the number of each slot
	slotList []slot                         // each slot, by number
	selected []*choice                      // by slot
	slots    map[*manifest.Dependency]int32 // memoized slotFor
	mids     map[*manifest.Manifest]int32   // the number of each manifest
	byID     map[string]int32               // the number of each package ID
	passed   []string                       // slotFor's scratch: versions passed over
	notes    []string                       // versions of other classes skipped for their keys

	// From the latest pass, the n-th:
	n       int32
	reached []*manifest.Manifest
	via     []in    // how each package was first reached, by manifest
	viaPass []int32 // the pass that set via, by manifest
	ins     [][]in  // by slot
	insPass []int32 // the pass that set ins, by slot
	order   []int32 // the slots, in the order the walk met them
}

// slotNum returns the number of slot s.
func (r *resolver) slotNum(s slot) int32 {
	if i, ok := r.slotIDs[s]; ok {
		return i
	}
	i := int32(len(r.slotList))
	r.slotIDs[s] = i
	r.slotList = append(r.slotList, s)
	r.selected = append(r.selected, nil)
	r.ins = append(r.ins, nil)
	r.insPass = append(r.insPass, 0)
	return i
}

// mid returns the number of manifest m: one number a package ID, even if
// the Source gives two manifests of it.
func (r *resolver) mid(m *manifest.Manifest) int32 {
	if i, ok := r.mids[m]; ok {
		return i
	}
	i, ok := r.byID[m.ID()]
	if !ok {
		i = int32(len(r.byID))
		r.byID[m.ID()] = i
		r.via = append(r.via, in{})
		r.viaPass = append(r.viaPass, 0)
	}
	r.mids[m] = i
	return i
}

// reach records how the walk reached m, unless it reached it already in
// this pass; it reports whether it had not.
func (r *resolver) reach(m *manifest.Manifest, how in) bool {
	i := r.mid(m)
	if r.viaPass[i] == r.n {
		return false
	}
	r.via[i], r.viaPass[i] = how, r.n
	return true
}

// has reports whether the latest pass found requirements on slot s.
func (r *resolver) has(s int32) bool { return r.insPass[s] == r.n }

// pass walks the graph from root with the current choices, then chooses
// again for every slot with all the requirements the walk found. It reports
// whether any choice changed; errs are only final once nothing changes.
func (r *resolver) pass(root *manifest.Manifest) (changed bool, errs []error, err error) {
	r.n++
	r.reached = []*manifest.Manifest{root}
	r.reach(root, in{})
	r.order = r.order[:0]
	for i := 0; i < len(r.reached); i++ {
		m := r.reached[i]
		for _, d := range m.Deps {
			s, cerr, err := r.slotFor(m, d)
			if err != nil {
				return false, nil, err
			}
			if cerr != nil {
				errs = append(errs, cerr)
				continue
			}
			if !r.has(s) {
				r.order = append(r.order, s)
				r.ins[s], r.insPass[s] = r.ins[s][:0], r.n
			}
			r.ins[s] = append(r.ins[s], in{m, d})
			c := r.selected[s]
			if c == nil {
				c, cerr, err = r.choose(s, r.ins[s])
				if err != nil {
					return false, nil, err
				}
				if cerr != nil {
					continue // reported after the walk, with every requirement
				}
				r.selected[s] = c
				changed = true
			}
			if r.reach(c.m, in{m, d}) {
				r.reached = append(r.reached, c.m)
			}
		}
	}
	for s := range r.selected {
		if !r.has(int32(s)) {
			r.selected[s] = nil
		}
	}
	rechosen := false // whether the choice of a slot met in the walk changed after it
	kept := r.keepLocked()
	for i, s := range r.order {
		if c := r.selected[s]; c != nil && slices.Equal(r.ins[s], c.ins) {
			continue // the same requirements as when it was chosen
		}
		c, cerr, err := kept[i], error(nil), error(nil)
		if c == nil {
			c, cerr, err = r.choose(s, r.ins[s])
		}
		if err != nil {
			return false, nil, err
		}
		if cerr != nil {
			errs = append(errs, cerr)
			continue
		}
		if old := r.selected[s]; old == nil || old.m != c.m {
			changed, rechosen = true, true
		}
		r.selected[s] = c
	}
	if settleEarly && !rechosen && len(errs) == 0 {
		// Every choice the walk made stands with all its requirements:
		// another walk would meet the same choices, reach the same
		// packages and change nothing. A lock that still resolves
		// settles in one pass.
		changed = false
	}
	return changed, errs, nil
}

// slotFor returns the slot dep falls in: the class of the highest version
// that satisfies it.
func (r *resolver) slotFor(parent *manifest.Manifest, dep *manifest.Dependency) (int32, error, error) {
	if s, ok := r.slots[dep]; ok {
		return s, nil, nil
	}
	if lv, m, memo, err := r.src.lockedManifest(dep); lv != nil {
		// A locked version that satisfies the requirement, is still there
		// and whose keys this parent still grants is kept, and so is its
		// class, even if a higher class satisfies it too.
		if err == nil && grants(parent, dep, m) {
			var s int32
			if memo != nil && *memo > 0 {
				s = *memo - 1
			} else {
				s = r.slotNum(slot{dep.Name, classOf(lv)})
				if memo != nil {
					*memo = s + 1
				}
			}
			r.slots[dep] = s
			return s, nil, nil
		}
	}
	vs, err := r.list(dep.Name)
	if err != nil {
		return 0, nil, err
	}
	// The class of the highest version that satisfies the requirement and
	// whose keys this parent grants; failing that, of the highest that
	// satisfies it, for choose to explain.
	var first *semver.Version
	for _, v := range vs {
		if !dep.Constraint.Check(v) {
			continue
		}
		if first == nil {
			first = v
		}
		m, err := r.manifest(dep.Name, v)
		if err != nil {
			return 0, nil, err
		}
		var missing []policy.Key
		if len(m.Keys) > 0 {
			missing = policy.CheckFlow(parent.Keys, dep.Grant, m.Keys).Missing
		}
		if len(missing) == 0 {
			if classOf(v) != classOf(first) {
				// Higher classes were passed over for their keys: say so.
				for _, skip := range r.passed {
					r.notes = appendOnce(r.notes, skip)
				}
			}
			first = v
			break
		}
		r.passed = append(r.passed, fmt.Sprintf("skipped %s: needs %s, which %s does not grant", m.ID(), keyList(missing), parent.Name))
	}
	r.passed = r.passed[:0]
	if first != nil {
		s := r.slotNum(slot{dep.Name, classOf(first)})
		r.slots[dep] = s
		return s, nil, nil
	}
	e := &ConflictError{Package: dep.Name, Chains: [][]string{r.chain(parent, dep)}}
	if len(vs) == 0 {
		e.Reason = "no versions found"
		if nf, ok := r.src.src.(NotFounder); ok {
			e.Reason = nf.NotFound(dep.Name)
		}
	} else {
		e.Reason = "no version matches; available: " + joinVersions(vs)
	}
	return 0, e, nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// grants reports whether parent's dependency dep hands m every key m
// declares.
func grants(parent *manifest.Manifest, dep *manifest.Dependency, m *manifest.Manifest) bool {
	return policy.Grants(dep.Grant, m.Keys)
}

// choose picks the version for s that satisfies every requirement in ins and
// whose keys every parent grants: the locked one if it qualifies, or else
// the highest.
func (r *resolver) choose(sn int32, ins []in) (*choice, error, error) {
	s := r.slotList[sn]
	if c := r.chooseLocked(s, ins); c != nil {
		return c, nil, nil
	}
	all, err := r.list(s.name)
	if err != nil {
		return nil, nil, err
	}
	var cands []*semver.Version
	for _, v := range all {
		if classOf(v) != s.class {
			continue
		}
		if !slices.ContainsFunc(ins, func(i in) bool { return !i.dep.Constraint.Check(v) }) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		e := &ConflictError{Package: s.name, Reason: "no version satisfies every requirement"}
		for _, i := range ins {
			e.Chains = append(e.Chains, r.chain(i.parent, i.dep))
		}
		return nil, e, nil
	}
	for _, lv := range r.opts.Locked[s.name] {
		if i := slices.IndexFunc(cands, lv.Equal); i >= 0 {
			cands = slices.Insert(slices.Delete(cands, i, i+1), 0, lv)
			break
		}
	}
	c := new(choice)
	var hint string
	for _, v := range cands {
		m, err := r.manifest(s.name, v)
		if err != nil {
			return nil, nil, err
		}
		skip := ""
		for _, i := range ins {
			f := policy.CheckFlow(i.parent.Keys, i.dep.Grant, m.Keys)
			if len(f.Missing) == 0 {
				continue
			}
			skip = fmt.Sprintf("skipped %s: needs %s, which %s does not grant", m.ID(), keyList(f.Missing), i.parent.Name)
			if hint == "" {
				hint = fmt.Sprintf("to allow it, %s's manifest needs:\n%s", i.parent.Name, policy.GrantHint(s.name, i.parent.Keys, f.Missing))
			}
			break
		}
		if skip == "" {
			c.m, c.ins = m, slices.Clone(ins)
			return c, nil, nil
		}
		c.skips = append(c.skips, skip)
	}
	e := &ConflictError{Package: s.name, Reason: "every matching version needs keys its parents do not grant", Skips: c.skips, Hint: hint}
	for _, i := range ins {
		e.Chains = append(e.Chains, r.chain(i.parent, i.dep))
		slots, err := r.unknownSlots(i.parent, i.dep, cands)
		if err != nil {
			return nil, nil, err
		}
		e.Slots = append(e.Slots, slots...)
	}
	return nil, e, nil
}

// keepAhead and keepChunk are for TestKeepLocked: whether keepLocked
// chooses ahead of the serial loop, and how many slots a goroutine of it
// takes at a time.
var (
	keepAhead = true
	keepChunk = 512
)

// keepLocked returns, by index in r.order, what chooseLocked chooses for
// each slot whose requirements changed after the walk chose it (nil for the
// others), computed on every core: chooseLocked only reads the resolver,
// and choose begins with it. On a lock that still resolves, it is the
// whole of the choosing that follows the walk.
func (r *resolver) keepLocked() []*choice {
	kept := make([]*choice, len(r.order))
	if !keepAhead {
		return kept
	}
	keep := func(from, to int) {
		for i := from; i < to; i++ {
			s := r.order[i]
			if c := r.selected[s]; c != nil && slices.Equal(r.ins[s], c.ins) {
				continue
			}
			kept[i] = r.chooseLocked(r.slotList[s], r.ins[s])
		}
	}
	chunk := keepChunk
	workers := min(runtime.GOMAXPROCS(0), (len(r.order)+chunk-1)/chunk)
	if workers <= 1 {
		keep(0, len(r.order))
		return kept
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				from := int(next.Add(int64(chunk))) - chunk
				if from >= len(r.order) {
					return
				}
				keep(from, min(from+chunk, len(r.order)))
			}
		})
	}
	wg.Wait()
	return kept
}

// chooseLocked returns the locked version of s if it still satisfies every
// requirement and every parent still grants its keys, without listing the
// package's versions. A locked version that is gone from the source is
// not chosen.
func (r *resolver) chooseLocked(s slot, ins []in) *choice {
	for _, lv := range r.opts.Locked[s.name] {
		if classOf(lv) != s.class || slices.ContainsFunc(ins, func(i in) bool { return !i.dep.Constraint.Check(lv) }) {
			continue
		}
		m, err := r.manifest(s.name, lv)
		if err != nil {
			return nil
		}
		for _, i := range ins {
			if !grants(i.parent, i.dep, m) {
				return nil
			}
		}
		return &choice{m: m, ins: slices.Clone(ins)}
	}
	return nil
}

func (r *resolver) list(name string) ([]*semver.Version, error) {
	return r.src.Versions(name)
}

func (r *resolver) manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	return r.src.Manifest(name, v)
}

func sortDesc(vs []*semver.Version) {
	slices.SortFunc(vs, func(a, b *semver.Version) int { return b.Compare(a) })
}

// chain describes how the walk reached the requirement dep of parent, from
// the root, by the shortest path.
func (r *resolver) chain(parent *manifest.Manifest, dep *manifest.Dependency) []string {
	out := []string{fmt.Sprintf("%s requires %s %s", parent.ID(), dep.Name, dep.Req)}
	for seen := map[string]bool{}; ; {
		n := r.mid(parent)
		i, ok := r.via[n], r.viaPass[n] == r.n
		if !ok || i.parent == nil || seen[parent.ID()] {
			break
		}
		seen[parent.ID()] = true
		out = append(out, fmt.Sprintf("%s requires %s %s", i.parent.ID(), i.dep.Name, i.dep.Req))
		parent = i.parent
	}
	slices.Reverse(out)
	return out
}

// build turns the settled choices into a Graph and checks every edge.
func (r *resolver) build(root *manifest.Manifest) (*Graph, error) {
	g := new(Graph)
	nodes := make([]*Node, len(r.via)) // by manifest
	walked := make([]*Node, 0, len(r.reached))
	for _, m := range r.reached {
		n := &Node{Manifest: m}
		nodes[r.mid(m)] = n
		walked = append(walked, n)
	}
	// The node chosen for each slot, found here: the edges are made on
	// two goroutines, which only read the resolver.
	chosen := make([]*Node, len(r.slotList))
	for _, s := range r.order {
		chosen[s] = nodes[r.mid(r.selected[s].m)]
	}
	g.Root = walked[0]
	g.Nodes = slices.Clone(walked)
	var sorted sync.WaitGroup
	sorted.Go(func() {
		slices.SortFunc(g.Nodes[1:], func(a, b *Node) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), a.Version.Compare(b.Version))
		})
	})
	// One array of edges, and one Flow for every edge that hands nothing
	// down, as most edges: nothing declared, nothing granted.
	var nothing policy.Flow
	starts := make([]int, len(walked)+1) // where each node's edges start
	for i, n := range walked {
		starts[i+1] = starts[i] + len(n.Deps)
	}
	total := starts[len(walked)]
	edges := make([]Edge, total)
	ptrs := make([]*Edge, total)
	link := func(from, to int) {
		for i := from; i < to; i++ {
			n, at := walked[i], starts[i]
			n.Edges = ptrs[at : at+len(n.Deps) : at+len(n.Deps)]
			for j, d := range n.Deps {
				s, ok := r.slots[d]
				if !ok {
					panic("graph: a dependency of the graph has no slot")
				}
				child := chosen[s]
				flow := &nothing
				if len(d.Grant) > 0 || len(child.Keys) > 0 {
					flow = policy.CheckFlow(n.Keys, d.Grant, child.Keys)
				}
				edges[at+j] = Edge{Parent: n, Child: child, Dep: d, Flow: flow, Limits: d.Limits}
				n.Edges[j] = &edges[at+j]
			}
		}
	}
	half, _ := slices.BinarySearch(starts, total/2)
	var linked sync.WaitGroup
	linked.Go(func() { link(half, len(walked)) })
	link(0, min(half, len(walked)))
	linked.Wait()
	sorted.Wait()
	var errs []error
	for _, n := range g.Nodes {
		for _, e := range n.Edges {
			if !e.Flow.OK() {
				errs = append(errs, &FlowError{Edge: e})
			}
			if err := r.switchedBySlot(e); err != nil {
				errs = append(errs, err)
				continue
			}
			for _, k := range e.Flow.Unused {
				g.Notes = append(g.Notes, fmt.Sprintf("%s grants %s to %s, which does not declare it: not handed over", n.ID(), k, e.Child.ID()))
			}
		}
	}
	for _, s := range r.order {
		g.Notes = append(g.Notes, r.selected[s].skips...)
	}
	for _, n := range r.notes {
		g.Notes = appendOnce(g.Notes, n)
	}
	if c := findCycle(g); c != nil {
		errs = append(errs, &CycleError{Cycle: c})
	} else {
		errs = append(errs, checkCeilings(g)...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

// switchedBySlot returns a SlotError for an edge whose grant names an fs
// slot that no version the requirement allows declares, when a higher
// version it allows needs keys the grant does not hand it, and so was
// passed over: a misspelt slot name made the
// resolver fall back to an older version, which a note alone would let
// pass unseen. (A grant of a slot the chosen version merely dropped is
// rule 3's unused grant, a note.)
func (r *resolver) switchedBySlot(e *Edge) error {
	if !slices.ContainsFunc(e.Flow.Unused, func(k policy.Key) bool { return k.Kind == policy.FS }) {
		return nil
	}
	vs, err := r.list(e.Child.Name)
	if err != nil {
		return err
	}
	var allowed []*semver.Version
	skipped := false // a higher version this edge does not grant the keys of
	for _, v := range vs {
		if !e.Dep.Constraint.Check(v) {
			continue
		}
		allowed = append(allowed, v)
		if v.GreaterThan(e.Child.Version) && !skipped {
			m, err := r.manifest(e.Child.Name, v)
			if err != nil {
				return err
			}
			skipped = len(policy.CheckFlow(e.Parent.Keys, e.Dep.Grant, m.Keys).Missing) > 0
		}
	}
	if !skipped {
		return nil
	}
	slots, err := r.unknownSlots(e.Parent.Manifest, e.Dep, allowed)
	if err != nil || len(slots) == 0 {
		return err
	}
	return &SlotError{Parent: e.Parent.ID(), Child: e.Child.ID(), Slots: slots}
}

// unknownSlots says, for each fs slot that dep's grant names and that no
// version of vs declares, which slots the highest of vs has instead.
func (r *resolver) unknownSlots(parent *manifest.Manifest, dep *manifest.Dependency, vs []*semver.Version) ([]string, error) {
	if len(vs) == 0 {
		return nil, nil
	}
	declared := map[string]bool{}
	var top *manifest.Manifest
	for _, v := range vs {
		m, err := r.manifest(dep.Name, v)
		if err != nil {
			return nil, err
		}
		if top == nil || m.Version.GreaterThan(top.Version) {
			top = m
		}
		for _, k := range m.Keys {
			if k.Kind == policy.FS {
				declared[k.Name] = true
			}
		}
	}
	var topSlots []string
	for _, k := range top.Keys {
		if k.Kind == policy.FS && !slices.Contains(topSlots, k.Name) {
			topSlots = append(topSlots, k.Name)
		}
	}
	has := "no fs slot"
	if len(topSlots) > 0 {
		has = "fs slots " + strings.Join(topSlots, ", ")
		if len(topSlots) == 1 {
			has = "fs slot " + topSlots[0]
		}
	}
	var out []string
	for _, k := range dep.Grant {
		if k.Kind != policy.FS || declared[k.Name] {
			continue
		}
		out = append(out, fmt.Sprintf("%s grants fs.%s, but no version of %s that %s allows has a slot %s: %s has %s",
			parent.Name, k.Name, dep.Name, dep.Req, k.Name, top.ID(), has))
	}
	return out, nil
}

// findCycle returns the IDs along a dependency cycle, first repeated last.
func findCycle(g *Graph) []string {
	const (
		unseen = iota
		active
		done
	)
	state := make(map[*Node]int, len(g.Nodes))
	var stack []*Node
	var cycle []string
	var visit func(n *Node) bool
	visit = func(n *Node) bool {
		state[n] = active
		stack = append(stack, n)
		for _, e := range n.Edges {
			switch state[e.Child] {
			case active:
				i := slices.Index(stack, e.Child)
				for _, m := range stack[i:] {
					cycle = append(cycle, m.ID())
				}
				cycle = append(cycle, e.Child.ID())
				return true
			case unseen:
				if visit(e.Child) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return false
	}
	for _, n := range g.Nodes {
		if state[n] == unseen && visit(n) {
			return cycle
		}
	}
	return nil
}

func keyList(keys []policy.Key) string {
	return strings.Join(policy.NewSet(keys...).Strings(), ", ")
}

func joinVersions(vs []*semver.Version) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[len(vs)-1-i] = v.String()
	}
	return strings.Join(s, ", ")
}
