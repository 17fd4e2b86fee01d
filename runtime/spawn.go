package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime/process"
	"github.com/nanoproc/nano/runtime/wasi"
)

// errKilled is the cause of a child its parent killed.
var errKilled = errors.New("killed")

// pageBytes is the size of a WebAssembly page.
const pageBytes = 65536

// Start starts a child nanoprocess for caller (process.Starter): a fresh
// tree of the spawned instance and what it links, with the keys the
// caller hands it, narrowed by policy, and its limits. It returns a
// refusal as an error naming the key or the limit, and nothing starts.
func (p *Process) Start(_ context.Context, caller api.Module, req *process.Request, s process.Streams) (process.Child, error) {
	v, ok := p.procs.Load(caller)
	if !ok {
		return nil, errors.New("the caller is not a nanoprocess of this run")
	}
	parent := v.(*nanoprocess)
	pinst := p.b.Instances[parent.i]
	j, ok := pinst.Spawns[req.Name]
	if !ok {
		return nil, fmt.Errorf("spawn:%s is not a key of %s", req.Name, pinst.Path)
	}
	child := p.b.Instances[j]
	// A child's time counts from its start: its own, the edge's, or the
	// rest of its parent's (the run's deadline).
	base, cancel := context.WithCancelCause(context.Background())
	ctx, stop := p.runContext(base)
	t, err := p.childTree(parent, j, req, s, ctx.Done())
	if err != nil {
		cancel(nil)
		stop()
		closeStreams(s)
		return nil, err
	}
	timeout := child.Limits.Time
	if req.TimeoutMS > 0 {
		d := time.Duration(req.TimeoutMS) * time.Millisecond
		if timeout > 0 && d > timeout {
			cancel(nil)
			stop()
			closeStreams(s)
			return nil, fmt.Errorf("%s: timeout-ms %d is above the edge's time limit of %s", child.Path, req.TimeoutMS, limits.FormatDuration(timeout))
		}
		timeout = d
	}
	var stopTimer func() bool
	if timeout > 0 {
		// As a kill does: cancel its calls and close its pipes, so that a
		// child blocked on one wakes too.
		stopTimer = time.AfterFunc(timeout, func() { cancel(ErrTimeout); closeStreams(s) }).Stop
	}
	c := &spawned{p: p, t: t, cancel: func(err error) { cancel(err); stop() }, streams: s, done: make(chan struct{})}
	if err := p.instantiateTree(ctx, t); err != nil {
		if stopTimer != nil {
			stopTimer()
		}
		c.cancel(nil)
		closeStreams(s)
		return nil, err
	}
	goPooled(func() { c.run(ctx, stopTimer) })
	return c, nil
}

// childTree builds the tree a child of parent starts from instance j: the
// keys req hands, checked and rooted; its environment and streams; its
// memory ceilings.
func (p *Process) childTree(parent *nanoprocess, j int, req *process.Request, s process.Streams, done <-chan struct{}) (*tree, error) {
	pt, pinst, child := parent.t, p.b.Instances[parent.i], p.b.Instances[j]
	se, err := p.spawnEdge(j)
	if err != nil {
		return nil, err
	}
	parent.heldOnce.Do(func() { parent.held = p.held(pt, parent.i) })
	edge := policy.SpawnEdge{Parent: pinst.Path, Child: child.Package, Grant: se.grant, Held: parent.held, Declared: se.declared}
	keys := make([]policy.Key, len(req.Keys))
	for i, text := range req.Keys {
		if keys[i], err = policy.ParseGrant(text); err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(text)) {
				err = fmt.Errorf("key %q: %v", text, err)
			}
			return nil, fmt.Errorf("%s: %v", child.Path, err)
		}
	}
	handed, err := edge.Hand(keys)
	if err != nil {
		return nil, err
	}
	n := len(p.b.Instances)
	t := &tree{e: p.spawned, top: j, mods: make([]api.Module, n), keys: make([]policy.Set, n), ceil: make([]uint64, n), args: req.Args}
	if t.keys[j], err = rooted(pt.keys[parent.i], handed); err != nil {
		return nil, err
	}
	// Memory: the spawn's ceiling, at most the edge's, which is at most
	// the parent's; without one, the edge's or the parent's.
	edgeCeil := lowerCeiling(child.Limits.Memory, pt.ceil[parent.i])
	t.ceil[j] = edgeCeil
	if req.MaxMemoryPages > 0 {
		want := uint64(req.MaxMemoryPages) * pageBytes
		if edgeCeil > 0 && want > edgeCeil {
			return nil, fmt.Errorf("%s: max-memory-pages %d is above the edge's memory limit of %d pages (%s)", child.Path, req.MaxMemoryPages, edgeCeil/pageBytes, limits.FormatSize(edgeCeil))
		}
		t.ceil[j] = want
	}
	// What it links gets the keys of its grants, rooted under the child's
	// keys, top down: the bundle lists parents after their children.
	members := p.members[j]
	for k := len(members) - 1; k >= 0; k-- {
		i := members[k]
		for name, c := range p.b.Instances[i].Imports {
			if t.keys[c], err = linker.RootGrant(t.keys[i], p.b.Instances[c].Grant); err != nil {
				return nil, fmt.Errorf("%s > %s: %v", child.Path, name, err)
			}
			t.ceil[c] = lowerCeiling(p.b.Instances[c].Limits.Memory, t.ceil[i])
		}
	}
	host, err := p.childHost(pt, parent.i, parent.held, t.keys[j], req, s, done)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", child.Path, err)
	}
	t.host = host
	return t, nil
}

// childHost returns what WASI gives a child's tree: the operator's
// directories, the environment values handed to it, and its streams.
func (p *Process) childHost(pt *tree, parent int, held, keys policy.Set, req *process.Request, s process.Streams, done <-chan struct{}) (*wasi.Host, error) {
	h := &wasi.Host{Dirs: pt.host.Dirs, Roots: p.roots, Deny: map[string]bool{}, Env: map[string]string{}, Done: done}
	for _, d := range []string{"clock", "random"} {
		h.Deny[d] = pt.host.Deny[d]
	}
	for _, k := range keys {
		if k.Kind == policy.Env {
			h.Env[k.Name] = pt.host.Env[k.Name] // the parent's value, unless req gives one
		}
	}
	for _, kv := range req.Env {
		if !keys.Contains(policy.Key{Kind: policy.Env, Name: kv[0]}) {
			return nil, fmt.Errorf("env:%s is not a key handed to it: it cannot be given a value", kv[0])
		}
		h.Env[kv[0]] = kv[1]
	}
	// A piped or inherited stream needs the child to hold its key, and an
	// inherited one the parent too.
	allowed := func(name string, how process.Stdio) error {
		if how == process.Null {
			return nil
		}
		if !keys.Contains(policy.Key{Kind: policy.Stdio, Name: name}) {
			return fmt.Errorf("stdio:%s is not a key handed to it: its %s cannot be %s", name, name, [...]string{"", "inherit", "pipe"}[how])
		}
		if how == process.Inherit && !held.Contains(policy.Key{Kind: policy.Stdio, Name: name}) {
			return fmt.Errorf("stdio:%s is not a key of %s at run time: it cannot inherit it", name, p.b.Instances[parent].Path)
		}
		return nil
	}
	for _, st := range []struct {
		name string
		how  process.Stdio
	}{{"stdin", req.Stdin}, {"stdout", req.Stdout}, {"stderr", req.Stderr}} {
		if err := allowed(st.name, st.how); err != nil {
			return nil, err
		}
	}
	switch req.Stdin {
	case process.Pipe:
		h.Stdin = s.Stdin
	case process.Inherit:
		if pt.host.Stdin != nil {
			h.Stdin = inheritedStdin{p.pump(pt.host.Stdin), done}
		}
	}
	h.Stdout = pick(req.Stdout, s.Stdout, pt.host.Stdout)
	h.Stderr = pick(req.Stderr, s.Stderr, pt.host.Stderr)
	return h, nil
}

// pick returns where a child's output stream goes: its pipe, its parent's
// stream, or nowhere.
func pick(how process.Stdio, piped io.Writer, parent io.Writer) io.Writer {
	switch how {
	case process.Pipe:
		return piped
	case process.Inherit:
		return parent
	}
	return nil
}

// held returns what nanoprocess i of t holds at run time, in declared
// form: its keys, less the clocks, entropy and streams the operator
// withholds, fs keys read-only where the operator's directory is.
func (p *Process) held(t *tree, i int) policy.Set {
	var out []policy.Key
	for _, k := range t.keys[i] {
		switch k.Kind {
		case policy.FS:
			if t.host.Dirs[k.SourceSlot()].ReadOnly {
				k.Access = policy.RO
			}
			k.Source = ""
		case policy.Clock, policy.Random:
			if t.host.Deny[k.Kind.String()] {
				continue
			}
		case policy.Stdio:
			if t.host.Deny[k.Name] {
				continue
			}
		}
		out = append(out, k)
	}
	return policy.NewSet(out...)
}

// A spawnEdge is what never changes of a spawned instance's edge.
type spawnEdge struct {
	grant    []policy.Key
	declared policy.Set
}

// spawnEdge returns the edge into spawned instance j, parsed once.
func (p *Process) spawnEdge(j int) (*spawnEdge, error) {
	p.edgesMu.Lock()
	defer p.edgesMu.Unlock()
	if e := p.edges[j]; e != nil {
		return e, nil
	}
	grant, err := parseGrant(p.b.Instances[j].Grant)
	if err != nil {
		return nil, err
	}
	e := &spawnEdge{grant, declared(grant)}
	if p.edges == nil {
		p.edges = map[int]*spawnEdge{}
	}
	p.edges[j] = e
	return e, nil
}

// parseGrant parses keys in granted form.
func parseGrant(texts []string) ([]policy.Key, error) {
	out := make([]policy.Key, len(texts))
	for i, s := range texts {
		k, err := policy.ParseGrant(s)
		if err != nil {
			return nil, fmt.Errorf("grant: %v", err)
		}
		out[i] = k
	}
	return out, nil
}

// declared returns keys in granted form as their holder declares them.
func declared(grant []policy.Key) policy.Set {
	out := make([]policy.Key, len(grant))
	for i, k := range grant {
		k.Source = ""
		out[i] = k
	}
	return policy.NewSet(out...)
}

// rooted returns keys handed down by a nanoprocess holding parent, both in
// rooted form.
func rooted(parent policy.Set, keys policy.Set) (policy.Set, error) {
	out := make([]policy.Key, len(keys))
	for i, k := range keys {
		r, err := parent.Rooted(k)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return policy.NewSet(out...), nil
}

// closeStreams closes a child's ends of its pipes.
func closeStreams(s process.Streams) {
	for _, c := range []io.Closer{s.Stdin, s.Stdout, s.Stderr} {
		if c != nil {
			c.Close()
		}
	}
}

// A spawned child is a running tree (process.Child).
type spawned struct {
	p       *Process
	t       *tree
	cancel  context.CancelCauseFunc
	streams process.Streams
	done    chan struct{}
	mu      sync.Mutex
	exit    process.Exit
}

// run runs the child's _start, then ends its children, closes its tree
// and its streams.
func (c *spawned) run(ctx context.Context, stopTimer func() bool) {
	defer close(c.done)
	top := c.t.mods[c.t.top]
	var err error
	if start := top.ExportedFunction("_start"); start == nil {
		err = &RunError{c.p.b.Instances[c.t.top].Path, ErrNoStart}
	} else {
		_, err = start.Call(ctx)
	}
	if stopTimer != nil {
		stopTimer()
	}
	e := c.p.exitOf(ctx, c.t.top, err)
	c.cancel(nil)
	closeStreams(c.streams)
	c.p.closeTree(ctx, c.t)
	c.mu.Lock()
	c.exit = e
	c.mu.Unlock()
}

// exitOf says how a call into instance top ended.
func (p *Process) exitOf(ctx context.Context, top int, err error) process.Exit {
	if ctx.Err() != nil {
		// Whatever the call returned (wazero's exit codes of a cancelled
		// call among them), the child was stopped.
		if errors.Is(context.Cause(ctx), ErrTimeout) {
			return process.Exit{Kind: process.Killed, Message: "timeout"}
		}
		return process.Exit{Kind: process.Killed, Message: "killed"}
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return process.Exit{Kind: process.Exited}
	case errors.As(err, &exit):
		return process.Exit{Kind: process.Exited, Code: int32(exit.ExitCode())}
	}
	return process.Exit{Kind: process.Trapped, Message: p.failure(top, err).Error()}
}

// Done implements process.Child.
func (c *spawned) Done() <-chan struct{} { return c.done }

// Exit implements process.Child.
func (c *spawned) Exit() process.Exit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exit
}

// Kill implements process.Child: it cancels the child's calls and closes
// its streams, so that a child blocked on a pipe wakes too.
func (c *spawned) Kill() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cancel(errKilled)
	closeStreams(c.streams)
}
