// Package process serves nano:process/spawn (SPEC section 8) to
// nanoprocesses: it lifts and lowers the calls' values with iface.Serve,
// keeps each caller's children behind handles only that caller can use,
// and pipes their standard streams. Starting, limiting and stopping a
// child is the runtime's: it implements Starter, and it alone decides what
// keys a child gets, through policy.
package process

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/handles"
)

// A Stdio says where a child's standard stream goes.
type Stdio uint8

// The stdio cases of nano:process/spawn.
const (
	Null    Stdio = hostapi.StdioNull
	Inherit Stdio = hostapi.StdioInherit
	Pipe    Stdio = hostapi.StdioPipe
)

// A Request is what a parent asks of start, lifted and checked for form.
type Request struct {
	Name string   // the package to start: a spawn key of the caller
	Args []string // after its name
	Env  [][2]string
	// Keys are the keys to hand in grant form; none hands the edge's grant.
	Keys                  []string
	Stdin, Stdout, Stderr Stdio
	MaxMemoryPages        uint32 // 0: the edge's
	TimeoutMS             uint32 // 0: the edge's
}

// Streams are a child's standard streams: for a Pipe stream, the child's
// end of the pipe; nil for the others, which the Starter resolves. The
// Starter closes each that is an io.Closer when the child ends, however it
// ends.
type Streams struct {
	Stdin          io.ReadCloser
	Stdout, Stderr io.WriteCloser
}

// An ExitKind is how a child ended.
type ExitKind uint8

// The cases of nano:process/spawn's exit variant.
const (
	Exited ExitKind = iota
	Trapped
	Killed
)

// An Exit is how a child ended: Code for Exited; for Trapped a message
// that starts with the child's nanoprocess path; for Killed "killed" or
// "timeout".
type Exit struct {
	Kind    ExitKind
	Code    int32
	Message string
}

// A Child is a running child nanoprocess, as the Starter started it.
type Child interface {
	// Done is closed when the child has ended and released everything.
	Done() <-chan struct{}
	// Exit is how it ended; valid once Done is closed.
	Exit() Exit
	// Kill stops it, if it still runs; Done is closed soon after.
	Kill()
}

// A Starter starts children: the runtime. Start returns a refusal as an
// error whose text the parent sees in start's err, never a trap: a key it
// may not hand, a package that is not a spawn key, a limit above the
// edge's, a stream it cannot inherit.
type Starter interface {
	Start(ctx context.Context, caller api.Module, req *Request, streams Streams) (Child, error)
}

// A Host serves nano:process/spawn for one run.
type Host struct {
	starter  Starter
	callers  iface.Callers
	children handles.Table[*child]
}

// A child is one started child, under its parent's handle.
type child struct {
	Child
	stdin, stdout, stderr *pipe // nil unless piped
}

// New returns a Host that starts children with s.
func New(s Starter) *Host { return &Host{starter: s} }

// Instantiate instantiates the host module of nano:process/spawn in rt.
func (h *Host) Instantiate(ctx context.Context, rt wazero.Runtime) error {
	i := hostapi.Spawn
	b := rt.NewHostModuleBuilder(i.Module)
	impls := map[string]iface.HostImpl{
		"start": h.start, "wait": h.wait, "kill": h.kill,
		"write": h.write, "close-stdin": h.closeStdin, "read": h.read,
	}
	for _, f := range i.Funcs {
		fn, err := iface.Serve(f, i.Module+"#"+f.Name, impls[f.Name], &h.callers)
		if err != nil {
			return err
		}
		params, results := f.CoreImport()
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(f.Name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// End kills every child caller started that still runs and waits for
// them to end: the runtime calls it when a call into a nanoprocess returns
// (its _start, or an export), so that ending a parent ends its children.
// Its handles stay valid, and are never reused, until Forget.
func (h *Host) End(caller api.Module) {
	children := h.children.All(caller, false)
	for _, c := range children {
		c.Kill()
	}
	for _, c := range children {
		<-c.Done()
	}
}

// Forget ends caller's children as End does, then forgets its handles and
// everything else of it: the runtime calls it when the module closes.
func (h *Host) Forget(caller api.Module) {
	h.End(caller)
	h.callers.Forget(caller)
	h.children.Forget(caller)
}

// lookup returns caller's child with handle v, or an error that the
// handle is not one of caller's.
func (h *Host) lookup(caller api.Module, v iface.Value) (*child, error) {
	n := uint32(v.(uint64))
	if c, ok := h.children.Get(caller, n); ok {
		return c, nil
	}
	return nil, fmt.Errorf("%d is not a handle of a child of this nanoprocess", n)
}

func texts(v iface.Value) []string {
	vs := v.([]iface.Value)
	out := make([]string, len(vs))
	for i, s := range vs {
		out[i] = s.(string)
	}
	return out
}

func (h *Host) start(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	opts := args[1].([]iface.Value)
	req := &Request{
		Name:           args[0].(string),
		Args:           texts(opts[hostapi.OptArgs]),
		Keys:           texts(opts[hostapi.OptKeys]),
		MaxMemoryPages: uint32(opts[hostapi.OptMaxMemoryPages].(uint64)),
		TimeoutMS:      uint32(opts[hostapi.OptTimeoutMS].(uint64)),
	}
	for _, kv := range opts[hostapi.OptEnv].([]iface.Value) {
		kv := kv.([]iface.Value)
		req.Env = append(req.Env, [2]string{kv[0].(string), kv[1].(string)})
	}
	stdio := func(i int) Stdio {
		switch opts[i].(string) {
		case "inherit":
			return Inherit
		case "pipe":
			return Pipe
		}
		return Null
	}
	req.Stdin, req.Stdout, req.Stderr = stdio(hostapi.OptStdin), stdio(hostapi.OptStdout), stdio(hostapi.OptStderr)
	c := new(child)
	var s Streams
	if req.Stdin == Pipe {
		c.stdin = newPipe()
		s.Stdin = childReader{c.stdin}
	}
	if req.Stdout == Pipe {
		c.stdout = newPipe()
		s.Stdout = childWriter{c.stdout}
	}
	if req.Stderr == Pipe {
		c.stderr = newPipe()
		s.Stderr = childWriter{c.stderr}
	}
	var err error
	if c.Child, err = h.starter.Start(ctx, caller, req, s); err != nil {
		return iface.Refuse(err), nil
	}
	n, _ := h.children.Add(caller, c, 0)
	return iface.Ok(uint64(n)), nil
}

var exitCases = [...]string{Exited: "exited", Trapped: "trapped", Killed: "killed"}

func (h *Host) wait(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		return nil, ctx.Err() // the caller itself is being stopped
	}
	e := c.Exit()
	var payload iface.Value = e.Message
	if e.Kind == Exited {
		payload = int64(e.Code)
	}
	return iface.Ok(iface.VariantValue{Case: exitCases[e.Kind], Value: payload}), nil
}

func (h *Host) kill(_ context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	c.Kill()
	return iface.Ok(nil), nil
}

var errNotPiped = errors.New("is not piped")

func (h *Host) write(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	if c.stdin == nil {
		return iface.Refuse(fmt.Errorf("the stdin of child %d %v", args[0], errNotPiped)), nil
	}
	if err := c.stdin.write(ctx, args[1].([]byte)); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return iface.Refuse(fmt.Errorf("the stdin of child %d is closed", args[0])), nil
	}
	return iface.Ok(nil), nil
}

func (h *Host) closeStdin(_ context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	if c.stdin == nil {
		return iface.Refuse(fmt.Errorf("the stdin of child %d %v", args[0], errNotPiped)), nil
	}
	c.stdin.closeWrite()
	return iface.Ok(nil), nil
}

// maxRead bounds one read, whatever max asks: what the caller's memory
// must hold at once.
const maxRead = 1 << 20

func (h *Host) read(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	p, name := c.stdout, "stdout"
	if args[1].(bool) {
		p, name = c.stderr, "stderr"
	}
	if p == nil {
		return iface.Refuse(fmt.Errorf("the %s of child %d %v", name, args[0], errNotPiped)), nil
	}
	max := args[2].(uint64)
	if max == 0 {
		return iface.Refuse(errors.New("read of at most 0 bytes")), nil
	}
	b, err := p.read(ctx, int(min(max, maxRead)))
	if err != nil {
		return nil, err
	}
	return iface.Ok(b), nil
}
