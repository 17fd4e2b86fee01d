package main

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// maxPaths bounds the paths why prints: a wide graph has exponentially many.
const maxPaths = 50

func (e *env) why(c *cli.Context) error {
	if c.NArg() < 1 || c.NArg() > 2 {
		return failf(exitUsage, "why takes PKG [KEY]")
	}
	name := c.Args().Get(0)
	var key *policy.Key
	if c.NArg() == 2 {
		k, err := policy.ParseKey(c.Args().Get(1))
		if slot, ok := strings.CutPrefix(c.Args().Get(1), "fs:"); err != nil && ok && policy.CheckSlot(slot) == nil {
			k, err = policy.Key{Kind: policy.FS, Name: slot}, nil // any access
		}
		if err != nil {
			return failf(exitUsage, "%v", err)
		}
		key = &k
	}
	p, err := e.load()
	if err != nil {
		return err
	}
	l, err := p.ReadLock()
	if errors.Is(err, fs.ErrNotExist) {
		return failf(exitFound, "%s is missing: run nano lock", e.rel(p.LockPath()))
	}
	if err != nil {
		return err
	}
	if name == p.Root.Name {
		root := l.Package(p.Root.ID())
		held := root != nil && key == nil
		if root != nil && key != nil {
			_, _, held = policy.Trace(root.Keys, nil, *key) // with no edges: whether the root holds key
		}
		if held {
			fmt.Fprintf(e.stdout, "%s is the root: its keys come from the operator (nano run)\n", root.ID())
			return nil
		}
		return failf(exitFound, "%s does not hold %s", name, key)
	}
	paths := findPaths(l, p.Root.ID(), name)
	if len(paths) == 0 {
		return failf(exitFound, "%s is not in %s", name, e.rel(p.LockPath()))
	}
	found := false
	for i, path := range paths {
		if i == maxPaths {
			fmt.Fprintf(e.stdout, "... and more paths\n")
			break
		}
		if key == nil {
			printPath(e, l, path)
			found = true
			continue
		}
		var root policy.Set
		if r := l.Package(path[0].Parent); r != nil {
			root = r.Keys
		}
		grants := make([][]policy.Key, len(path))
		for i, edge := range path {
			grants[i] = edge.Grant
		}
		if from, via, ok := policy.Trace(root, grants, *key); ok {
			printTrace(e, path, from, via)
			found = true
		}
	}
	if !found {
		return failf(exitFound, "%s does not hold %s", name, key)
	}
	return nil
}

// findPaths returns paths of edges from root to a package named name,
// shortest first, at most maxPaths+1 of them. Only edges into packages that
// can reach name are followed, so the search never wanders a wide graph.
func findPaths(l *lockfile.Lock, root, name string) [][]*lockfile.Edge {
	out := map[string][]*lockfile.Edge{}
	in := map[string][]string{}
	for _, e := range l.Edges {
		out[e.Parent] = append(out[e.Parent], e)
		in[e.Child] = append(in[e.Child], e.Parent)
	}
	// reaches: the packages from which name can be reached.
	reaches := map[string]bool{}
	var queue []string
	for _, p := range l.Packages {
		if p.Name == name {
			reaches[p.ID()] = true
			queue = append(queue, p.ID())
		}
	}
	for ; len(queue) > 0; queue = queue[1:] {
		for _, parent := range in[queue[0]] {
			if !reaches[parent] {
				reaches[parent] = true
				queue = append(queue, parent)
			}
		}
	}
	var paths [][]*lockfile.Edge
	var walk func(id string, path []*lockfile.Edge)
	walk = func(id string, path []*lockfile.Edge) {
		if len(paths) > maxPaths {
			return
		}
		if strings.HasPrefix(id, name+" ") && len(path) > 0 {
			paths = append(paths, slices.Clone(path))
		}
		for _, e := range out[id] {
			if reaches[e.Child] && !slices.ContainsFunc(path, func(p *lockfile.Edge) bool { return p.Parent == e.Child }) {
				walk(e.Child, append(path, e))
			}
		}
	}
	walk(root, nil)
	slices.SortStableFunc(paths, func(a, b []*lockfile.Edge) int { return len(a) - len(b) })
	return paths
}

func printPath(e *env, l *lockfile.Lock, path []*lockfile.Edge) {
	fmt.Fprintln(e.stdout, path[0].Parent)
	for i, edge := range path {
		grant := "no keys"
		if len(edge.Grant) > 0 {
			grant = strings.Join(edge.Grant.Strings(), ", ")
		}
		how := "->"
		if parent := l.Package(edge.Parent); parent != nil && parent.Keys.Contains(policy.Key{Kind: policy.Spawn, Name: strings.Fields(edge.Child)[0]}) {
			how = "spawns" // the grant is the ceiling of every child started
		}
		fmt.Fprintf(e.stdout, "%s%s %s: %s\n", strings.Repeat("  ", i+1), how, edge.Child, grant)
	}
}

func printTrace(e *env, path []*lockfile.Edge, from policy.Key, via []policy.Key) {
	fmt.Fprintf(e.stdout, "%s holds %s from the operator (nano run)\n", path[0].Parent, from)
	for i, edge := range path {
		fmt.Fprintf(e.stdout, "%s-> %s: %s\n", strings.Repeat("  ", i+1), edge.Child, via[i])
	}
}
