// Package runtime runs nanoprocesses: it instantiates every nanoprocess
// of a bundle that package linker built and checked, each with its own
// memory and only the keys its parent handed it, after the link checks
// (linker.Bundle.CheckLinks); binds typed imports to the adapters of its
// host module; backs linear memories from a shared pool; runs the root's
// _start or an export of it; and names the nanoprocess a trap happened
// in. Each host API family has a package of its own under it.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime/nethost"
	"github.com/nanoproc/nano/runtime/process"
	"github.com/nanoproc/nano/runtime/wasi"
)

// A Dir is a host directory the operator hands the root for one fs slot.
type Dir = wasi.Dir

// Config is what the operator hands a bundle at nano run.
type Config struct {
	Dirs map[string]Dir    // by the root's slot: --dir SLOT=PATH[:ro]
	Env  map[string]string // by name: --env NAME[=VALUE]
	Net  []policy.Key      // --net PATTERN
	// Deny withholds keys the root declares: "clock", "random", "stdin",
	// "stdout" or "stderr".
	Deny map[string]bool

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Args           []string // the root's arguments, after its name

	// MaxMemory is the ceiling in bytes of each nanoprocess's linear
	// memory (--max-memory), 0 for none.
	MaxMemory uint64
	// Timeout bounds the whole run (--timeout), 0 for none.
	Timeout time.Duration

	// Cache is the compilation cache, or nil to compile every time.
	Cache wazero.CompilationCache

	// Network is how nano:net reaches the network: its zero value is the
	// host's resolver, dialer and certificate roots, and no pinned
	// destination (--connect-to pins them).
	Network nethost.Config
}

// CheckRootKeys compares the operator's configuration with the keys the
// root declares: every fs, env and net key must be given, and nothing the
// root does not declare. A difference is a *RootKeysError.
func CheckRootKeys(root *linker.Instance, c *Config) error {
	keys, err := policy.ParseSet(root.Keys)
	if err != nil {
		return err
	}
	e := &RootKeysError{Root: root.Package}
	slots := map[string]bool{}
	for _, k := range keys {
		switch k.Kind {
		case policy.FS:
			slots[k.Name] = true
			if _, ok := c.Dirs[k.Name]; !ok {
				e.Missing = append(e.Missing, k)
				if e.Mounts == nil {
					e.Mounts = map[string]string{}
				}
				e.Mounts[k.Name] = root.Mount(k.Name)
			}
		case policy.Env:
			if _, ok := c.Env[k.Name]; !ok {
				e.Missing = append(e.Missing, k)
			}
		case policy.Net:
			if !slices.ContainsFunc(c.Net, func(n policy.Key) bool { return n.Covers(k) }) {
				e.Missing = append(e.Missing, k)
			}
		}
	}
	for _, slot := range slices.Sorted(maps.Keys(c.Dirs)) {
		if !slots[slot] {
			access := policy.RW
			if c.Dirs[slot].ReadOnly {
				access = policy.RO
			}
			e.Extra = append(e.Extra, policy.Key{Kind: policy.FS, Name: slot, Access: access})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Env)) {
		if k := (policy.Key{Kind: policy.Env, Name: name}); !keys.Contains(k) {
			e.Extra = append(e.Extra, k)
		}
	}
	for _, n := range c.Net {
		if !slices.ContainsFunc(keys, func(k policy.Key) bool { return k.Kind == policy.Net && n.Covers(k) }) {
			e.Extra = append(e.Extra, n)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(c.Deny)) {
		if d != "clock" && d != "random" && policy.CheckStream(d) != nil {
			e.UnknownDeny = append(e.UnknownDeny, d)
		}
	}
	if len(e.Missing) == 0 && len(e.Extra) == 0 && len(e.UnknownDeny) == 0 {
		return nil
	}
	return e
}

// A RootKeysError says how the operator's configuration differs from the
// keys the root declares. It names keys in their canonical form; a
// command line turns them into its own flags.
type RootKeysError struct {
	Root string // the root's package
	// Missing are the fs, env and net keys the root declares that the
	// configuration does not give, in the root's (canonical) order.
	Missing []policy.Key
	// Mounts says, for each fs slot of Missing, where the root's guest
	// filesystem shows it.
	Mounts map[string]string
	// Extra are what the configuration gives that the root does not
	// declare: fs slots (of Dirs, sorted; rw unless the directory is
	// read-only), then env variables (sorted), then net patterns (in the
	// configuration's order).
	Extra []policy.Key
	// UnknownDeny lists, sorted, the names Deny withholds that are none
	// of "clock", "random", "stdin", "stdout" and "stderr".
	UnknownDeny []string
}

// Error returns the message of the RootKeysError.
func (e *RootKeysError) Error() string {
	var msgs []string
	if len(e.Missing) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s needs keys the configuration does not give: %s", e.Root, keyList(e.Missing)))
		for _, k := range e.Missing {
			if k.Kind == policy.FS {
				msgs = append(msgs, fmt.Sprintf("%s sees fs slot %s at %s", e.Root, k.Name, e.Mounts[k.Name]))
			}
		}
	}
	if len(e.Extra) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s does not declare keys the configuration gives: %s", e.Root, keyList(e.Extra)))
	}
	if len(e.UnknownDeny) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s: no key to deny is called %s", e.Root, strings.Join(e.UnknownDeny, ", ")))
	}
	return strings.Join(msgs, "\n")
}

// keyList lists keys in their canonical form, separated by commas.
func keyList(keys []policy.Key) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = k.String()
	}
	return strings.Join(s, ", ")
}

// A RunError is a failure of one nanoprocess, named by its path.
type RunError struct {
	Path string // "acme:app > acme:zip"
	Err  error
}

// Error returns the message of the RunError.
func (e *RunError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the error underneath.
func (e *RunError) Unwrap() error { return e.Err }

// A Process is a running bundle: every nanoprocess linked at start
// instantiated, children first, each with its own memory and keys, and
// children that nanoprocesses start with nano:process, each a tree of its
// own, running concurrently.
type Process struct {
	b    *linker.Bundle
	c    *Config
	root *tree
	// linked runs the nanoprocesses linked at start; spawned, the children
	// nano:process starts and what they link. Only spawned pays for the
	// interruption that kill and time limits need (see
	// BenchmarkInterrupt), unless the run has a timeout: then both are one.
	// Modules cannot be linked across runtimes, and a tree never is.
	linked, spawned *engine
	wasm            map[string][]byte // the modules' bytes, by digest, read once
	// adapters holds the adapters of typed imports, by adapter key and
	// calling module (a *sync.Map of api.Module to *adapter): children
	// instantiate concurrently.
	adapters map[string]*sync.Map
	// spawner serves nano:process; nil when no nanoprocess can spawn.
	spawner *process.Host
	// net serves nano:net; nil when no module imports it.
	net *nethost.Host
	// procs maps each live module to its nanoprocess.
	procs sync.Map
	// roots holds the operator's directories open, by slot, for the
	// children's mounts.
	roots map[string]*os.Root
	// pumps read the streams that children inherit as stdin, by source.
	pumps   map[io.Reader]*stdinPump
	pumpsMu sync.Mutex
	// deadline is when the run's time is up (--timeout), or zero.
	deadline time.Time
	// members lists, for the root and each spawned instance, the
	// instances of its tree: itself and what it links, children first.
	members map[int][]int
	// edges holds, by spawned instance, its edge's grant parsed, and what
	// its package declares: the parts of a policy.SpawnEdge that never
	// change.
	edges   map[int]*spawnEdge
	edgesMu sync.Mutex
}

// An engine is a wazero runtime and the modules compiled for it: each
// distinct module once, by content (its digest, and the renames of its
// typed imports when it has any), all before anything runs, and only read
// after.
type engine struct {
	rt       wazero.Runtime
	compiled map[string]wazero.CompiledModule
}

func newEngine(ctx context.Context, rc wazero.RuntimeConfig) *engine {
	return &engine{rt: wazero.NewRuntimeWithConfig(ctx, rc), compiled: map[string]wazero.CompiledModule{}}
}

// An adapter copies the values of one typed import of one nanoprocess.
type adapter struct {
	*iface.Adapter
	path string // the nanoprocess it calls into
}

// A tree is one linked tree of nanoprocesses: the root's, or a spawned
// child's with what it links.
type tree struct {
	e    *engine
	top  int
	mods []api.Module // by instance; nil outside the tree
	keys []policy.Set // rooted, by instance
	// ceil is each instance's memory ceiling in bytes, 0 for none.
	ceil []uint64
	host *wasi.Host
	args []string // the top's arguments after its name
}

// A nanoprocess is one instantiated instance of a tree.
type nanoprocess struct {
	t *tree
	i int
	// held is what it holds at run time, in declared form, computed at
	// its first start: it never changes.
	held     policy.Set
	heldOnce sync.Once
}

// ErrTimeout is the cause of a run that takes longer than Config.Timeout.
var ErrTimeout = errors.New("timeout")

// A TimeoutError is a run stopped at its --timeout.
type TimeoutError struct{ Timeout time.Duration }

// Error returns the message of the TimeoutError.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the run took longer than its timeout of %s and was stopped", e.Timeout)
}

// Start checks the bundle, the root's keys, the limits and every link,
// compiles each distinct module once and instantiates every nanoprocess
// linked at start. Close the Process when done.
func Start(ctx context.Context, b *linker.Bundle, c *Config) (*Process, error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	if err := CheckRootKeys(b.Root(), c); err != nil {
		return nil, err
	}
	if err := checkMaxMemory(b, c.MaxMemory); err != nil {
		return nil, err
	}
	spawns := slices.ContainsFunc(b.Instances, func(inst *linker.Instance) bool { return len(inst.Spawns) > 0 })
	rc := linker.RuntimeConfig(c.Cache)
	p := &Process{b: b, c: c, wasm: map[string][]byte{}, adapters: map[string]*sync.Map{}, members: members(b)}
	if c.Timeout > 0 {
		p.deadline = time.Now().Add(c.Timeout)
		p.linked = newEngine(ctx, rc.WithCloseOnContextDone(true))
		p.spawned = p.linked
	} else {
		p.linked = newEngine(ctx, rc)
		if spawns {
			p.spawned = newEngine(ctx, rc.WithCloseOnContextDone(true))
		}
	}
	ctx, cancel := p.runContext(ctx)
	defer cancel()
	if err := p.link(ctx); err != nil {
		p.Close(ctx)
		return nil, err
	}
	if spawns {
		p.spawner = process.New(p)
		p.roots = openRoots(c.Dirs)
	}
	if p.importsNet() {
		p.net = nethost.New(p, c.Network)
	}
	for _, e := range p.engines() {
		if err := p.setUp(ctx, e); err != nil {
			p.Close(ctx)
			return nil, err
		}
	}
	root := len(b.Instances) - 1
	t := &tree{e: p.linked, top: root, mods: make([]api.Module, len(b.Instances)), keys: make([]policy.Set, len(b.Instances)), ceil: make([]uint64, len(b.Instances)),
		host: &wasi.Host{Dirs: c.Dirs, Env: c.Env, Deny: c.Deny, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr}, args: c.Args}
	for _, i := range p.members[root] {
		keys, err := policy.ParseSet(b.Instances[i].Keys)
		if err != nil {
			p.Close(ctx)
			return nil, &RunError{b.Instances[i].Path, err}
		}
		t.keys[i] = keys
		t.ceil[i] = lowerCeiling(b.Instances[i].Limits.Memory, c.MaxMemory)
	}
	p.root = t
	if err := p.instantiateTree(ctx, t); err != nil {
		p.Close(ctx)
		return nil, err
	}
	return p, nil
}

// openRoots opens the operator's directories, by slot. One that does not
// open is left out: mounting it reports why.
func openRoots(dirs map[string]Dir) map[string]*os.Root {
	roots := map[string]*os.Root{}
	for slot, d := range dirs {
		if r, err := os.OpenRoot(d.Path); err == nil {
			roots[slot] = r
		}
	}
	return roots
}

// engines returns the Process's engines, each once.
func (p *Process) engines() []*engine {
	if p.spawned == nil || p.spawned == p.linked {
		return []*engine{p.linked}
	}
	return []*engine{p.linked, p.spawned}
}

// setUp instantiates the host modules in e's runtime, and compiles there
// the modules of every spawned tree, when e runs them and another engine
// compiled them for the link checks.
func (p *Process) setUp(ctx context.Context, e *engine) error {
	if err := wasi.Instantiate(ctx, e.rt); err != nil {
		return err
	}
	if err := p.instantiateAdapters(ctx, e); err != nil {
		return err
	}
	if p.spawner != nil {
		if err := p.spawner.Instantiate(ctx, e.rt); err != nil {
			return err
		}
	}
	if p.net != nil {
		if err := p.net.Instantiate(ctx, e.rt); err != nil {
			return err
		}
	}
	if e == p.spawned && e != p.linked {
		for top, ms := range p.members {
			if top == len(p.b.Instances)-1 {
				continue
			}
			for _, i := range ms {
				if _, err := p.compile(ctx, e, p.b.Instances[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// lowerCeiling is the lower of two memory ceilings, 0 meaning none.
func lowerCeiling(a, b uint64) uint64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// checkMaxMemory refuses a bundle whose edges set a memory ceiling above
// the operator's (SPEC section 10).
func checkMaxMemory(b *linker.Bundle, max uint64) error {
	if max == 0 {
		return nil
	}
	for _, inst := range b.Instances {
		if m := inst.Limits.Memory; m > max {
			return &RunError{inst.Path, fmt.Errorf("its edge's memory limit of %s exceeds the run's memory ceiling of %s", limits.FormatSize(m), limits.FormatSize(max))}
		}
	}
	return nil
}

// members lists the instances of each tree: the root's and each spawned
// instance's, following imports, children first.
func members(b *linker.Bundle) map[int][]int {
	out := map[int][]int{}
	var walk func(i int, acc []int) []int
	walk = func(i int, acc []int) []int {
		for _, j := range b.Instances[i].Imports {
			acc = walk(j, acc)
		}
		return append(acc, i)
	}
	tops := []int{len(b.Instances) - 1}
	for _, inst := range b.Instances {
		for _, j := range inst.Spawns {
			tops = append(tops, j)
		}
	}
	for _, top := range tops {
		m := walk(top, nil)
		slices.Sort(m)
		out[top] = m
	}
	return out
}

// runContext bounds ctx by the run's deadline, if it has one.
func (p *Process) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.deadline.IsZero() {
		return ctx, func() {}
	}
	return context.WithDeadlineCause(ctx, p.deadline, ErrTimeout)
}

// link compiles every module of the bundle and checks every link before
// anything runs (see linker.Bundle.CheckLinks).
func (p *Process) link(ctx context.Context) error {
	return p.b.CheckLinks(func(inst *linker.Instance, wasm []byte) (wazero.CompiledModule, error) {
		p.wasm[inst.Module] = wasm
		return p.compile(ctx, p.linked, inst)
	})
}

// instantiateTree instantiates every instance of t, children first. On
// an error, what it instantiated is closed.
func (p *Process) instantiateTree(ctx context.Context, t *tree) error {
	for _, i := range p.members[t.top] {
		if err := p.instantiate(ctx, t, i); err != nil {
			p.closeTree(ctx, t)
			return err
		}
	}
	return nil
}

// closeTree ends every child that t's nanoprocesses started, and closes
// its modules, whose memories go back to the pool.
func (p *Process) closeTree(ctx context.Context, t *tree) {
	for _, i := range p.members[t.top] {
		m := t.mods[i]
		if m == nil {
			continue
		}
		if p.spawner != nil {
			p.spawner.Forget(m)
		}
		if p.net != nil {
			p.net.Forget(m)
		}
		for _, inst := range p.b.Instances[i].Typed {
			if a := p.adapters[inst.AdapterName()]; a != nil {
				a.Delete(m)
			}
		}
		p.procs.Delete(m)
		m.Close(context.WithoutCancel(ctx))
		t.mods[i] = nil
	}
}

// instantiate instantiates instance i of t, wired to its children, and
// runs its _initialize.
func (p *Process) instantiate(ctx context.Context, t *tree, i int) error {
	inst := p.b.Instances[i]
	m, err := p.newInstance(ctx, t, i)
	if err != nil {
		return err
	}
	t.mods[i] = m
	p.procs.Store(m, &nanoprocess{t: t, i: i})
	for _, tt := range inst.Typed {
		if tt.Direct {
			continue
		}
		child := inst.Imports[tt.Child]
		a, err := iface.NewAdapter(tt.Func, m, t.mods[child], tt.Export)
		if err != nil {
			return &RunError{inst.Path, fmt.Errorf("import[%q.%q]: %v", tt.Module, tt.Name, err)}
		}
		p.adapters[tt.AdapterName()].Store(m, &adapter{a, p.b.Instances[child].Path})
	}
	if init := m.ExportedFunction("_initialize"); init != nil { // a reactor
		if _, err := init.Call(ctx); err != nil {
			return p.failure(i, err)
		}
	}
	return nil
}

// compile compiles inst's module, unless a module of the same content is
// compiled already: one compilation per digest, whatever the packages
// that use it, and another only for a module whose typed imports are
// renamed. Each is named by its digest, so that a stack trace names the
// module of every frame (see failure); nothing else of it changes.
func (p *Process) compile(ctx context.Context, e *engine, inst *linker.Instance) (wazero.CompiledModule, error) {
	key := inst.CompileKey()
	if cm, ok := e.compiled[key]; ok {
		return cm, nil
	}
	wasm, err := p.wasm[inst.Module], error(nil)
	if wasm == nil {
		wasm, err = p.b.Module(inst.Module)
	}
	if err == nil {
		wasm, err = inst.RunBytes(wasm)
	}
	var cm wazero.CompiledModule
	if err == nil {
		cm, err = e.rt.CompileModule(ctx, wasm)
	}
	if err != nil {
		return nil, &RunError{inst.Path, err}
	}
	e.compiled[key] = cm
	return cm, nil
}

// newInstance instantiates instance i of t with its keys and under its
// memory ceiling, its imports bound to the instances inst.Imports names.
func (p *Process) newInstance(ctx context.Context, t *tree, i int) (api.Module, error) {
	inst := p.b.Instances[i]
	cm, err := p.compile(ctx, t.e, inst)
	if err != nil {
		return nil, err
	}
	args := []string{inst.Package}
	if i == t.top {
		args = append(args, t.args...)
	}
	mc, err := wasi.Config(t.host, t.keys[i], inst.Mount, args)
	if err != nil {
		return nil, &RunError{inst.Path, err}
	}
	ictx := experimental.WithImportResolver(ctx, func(name string) api.Module {
		if j, ok := inst.Imports[name]; ok {
			return t.mods[j]
		}
		return nil // WASI and nano's host APIs resolve by their global names
	})
	var m api.Module
	if c := t.ceil[i]; c > 0 {
		m, err = InstantiateWithCeiling(ictx, t.e.rt, cm, mc, &memory, c)
	} else {
		m, err = t.e.rt.InstantiateModule(experimental.WithMemoryAllocator(ictx, &memory), cm, mc)
	}
	if err != nil {
		return nil, &RunError{inst.Path, err}
	}
	return m, nil
}

// instantiateAdapters instantiates the host module that typed imports are
// bound to: one function per imported WIT function, which finds the
// caller's adapter and copies the call's values across.
func (p *Process) instantiateAdapters(ctx context.Context, e *engine) error {
	typed := map[string]*linker.TypedImport{}
	for _, inst := range p.b.Instances {
		for _, t := range inst.Typed {
			if !t.Direct {
				typed[t.AdapterName()] = t
			}
		}
	}
	if len(typed) == 0 {
		return nil
	}
	hb := e.rt.NewHostModuleBuilder(linker.AdapterModule)
	for _, key := range slices.Sorted(maps.Keys(typed)) {
		params, results := typed[key].Func.CoreImport()
		byCaller := p.adapters[key]
		if byCaller == nil {
			byCaller = new(sync.Map)
			p.adapters[key] = byCaller
		}
		hb.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
			v, _ := byCaller.Load(caller)
			a, _ := v.(*adapter)
			if a == nil {
				panic(fmt.Errorf("%s: no adapter bound for this caller", key))
			}
			if err := a.Call(ctx, stack); err != nil {
				panic(&RunError{a.path, err})
			}
		}), params, results).Export(key)
	}
	_, err := hb.Instantiate(ctx)
	return err
}

// ErrNoStart is the error, under a RunError naming the root, of Main
// when the root exports no _start: only Invoke can call it.
var ErrNoStart = errors.New("exports no _start")

// Main runs the root's _start and returns the guest's exit status. When
// it returns, every child still running is killed.
func (p *Process) Main(ctx context.Context) (int, error) {
	root := p.b.Root()
	rootMod := p.root.mods[p.root.top]
	start := rootMod.ExportedFunction("_start")
	if start == nil {
		return 0, &RunError{root.Path, ErrNoStart}
	}
	code := 0
	err := p.callRoot(ctx, func(ctx context.Context) error {
		_, err := start.Call(ctx)
		var exit *sys.ExitError
		if errors.As(err, &exit) && ctx.Err() == nil {
			code = int(exit.ExitCode()) // the guest's own exit
			return nil
		}
		return err
	})
	return code, err
}

// callRoot makes a call into the root within the run's time, then kills
// every child still running. A call stopped by the run's deadline is a
// TimeoutError, whatever it returned; any other failure names the
// nanoprocess it happened in.
func (p *Process) callRoot(ctx context.Context, call func(context.Context) error) error {
	ctx, cancel := p.runContext(ctx)
	defer cancel()
	err := call(ctx)
	p.endChildren(p.root)
	if err := p.timedOut(ctx); err != nil {
		return err
	}
	if err != nil {
		return p.failure(p.root.top, err)
	}
	return nil
}

// timedOut returns the error of a run stopped by its deadline: whatever a
// guest call returned then (wazero's exit codes of a cancelled call among
// them), it is not the guest's.
func (p *Process) timedOut(ctx context.Context) error {
	if ctx.Err() != nil && context.Cause(ctx) == ErrTimeout {
		return &RunError{p.b.Root().Path, &TimeoutError{p.c.Timeout}}
	}
	return nil
}

// endChildren kills every child that t's nanoprocesses started, and
// closes every connection they opened.
func (p *Process) endChildren(t *tree) {
	if p.spawner == nil && p.net == nil {
		return
	}
	for _, i := range p.members[t.top] {
		m := t.mods[i]
		if m == nil {
			continue
		}
		if p.spawner != nil {
			p.spawner.End(m)
		}
		if p.net != nil {
			p.net.End(m)
		}
	}
}

// importsNet reports whether a module of the bundle imports nano:net: all
// are compiled by then (see link).
func (p *Process) importsNet() bool {
	for _, cm := range p.linked.compiled {
		for _, f := range cm.ImportedFunctions() {
			if m, _, _ := f.Import(); strings.HasPrefix(m, "nano:net/") {
				return true
			}
		}
	}
	return false
}

// Holder returns the nanoprocess of module m (nethost.Holders): its path
// and its keys, in rooted form, whose net keys are as declared.
func (p *Process) Holder(m api.Module) (nethost.Holder, bool) {
	v, ok := p.procs.Load(m)
	if !ok {
		return nethost.Holder{}, false
	}
	np := v.(*nanoprocess)
	return nethost.Holder{Path: p.b.Instances[np.i].Path, Keys: np.t.keys[np.i]}, true
}

// Invoke calls an exported function of the root with arguments in text
// and returns its results in text: integers as signed decimals, floats in
// Go's shortest form.
func (p *Process) Invoke(ctx context.Context, name string, args []string) ([]string, error) {
	root := p.b.Root()
	if f, export := p.witExport(name); f != nil {
		return p.invokeTyped(ctx, f, export, args)
	}
	fn := p.root.mods[p.root.top].ExportedFunction(name)
	if fn == nil {
		return nil, &RunError{root.Path, fmt.Errorf("exports no function %q", name)}
	}
	def := fn.Definition()
	if len(args) != len(def.ParamTypes()) {
		return nil, &RunError{root.Path, fmt.Errorf("%s takes %d arguments %s, got %d", name, len(def.ParamTypes()), linker.Signature(def.ParamTypes(), def.ResultTypes()), len(args))}
	}
	params := make([]uint64, len(args))
	for i, a := range args {
		v, err := encodeValue(def.ParamTypes()[i], a)
		if err != nil {
			return nil, &RunError{root.Path, fmt.Errorf("%s argument %d: %v", name, i+1, err)}
		}
		params[i] = v
	}
	var res []uint64
	if err := p.callRoot(ctx, func(ctx context.Context) (err error) {
		res, err = fn.Call(ctx, params...)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = decodeValue(def.ResultTypes()[i], r)
	}
	return out, nil
}

// witExport finds the root's WIT function called name: a function of its
// world, "interface#name", or a name only one of its interfaces has.
func (p *Process) witExport(name string) (*iface.Func, string) {
	var found *iface.Func
	for _, f := range p.b.Exports {
		full := f.Name
		if f.Interface != "" {
			full = f.Interface + "#" + f.Name
		}
		switch {
		case full == name:
			return f, full
		case f.Name == name && found == nil:
			found = f
		case f.Name == name:
			return nil, "" // ambiguous: ask for interface#name
		}
	}
	if found == nil {
		return nil, ""
	}
	return found, found.Interface + "#" + found.Name
}

// invokeTyped calls a WIT function of the root with arguments in WAVE text
// and returns its results in WAVE text.
func (p *Process) invokeTyped(ctx context.Context, f *iface.Func, export string, args []string) ([]string, error) {
	root := p.b.Root()
	if len(args) != len(f.Params) {
		return nil, &RunError{root.Path, fmt.Errorf("%s takes %d arguments %s, got %d", export, len(f.Params), f.Signature(), len(args))}
	}
	vals := make([]iface.Value, len(args))
	for i, a := range args {
		v, err := iface.ParseWAVE(f.Params[i].Type, a)
		if err != nil {
			return nil, &RunError{root.Path, fmt.Errorf("%s argument %s: %v", export, f.Params[i].Name, err)}
		}
		vals[i] = v
	}
	var res []iface.Value
	if err := p.callRoot(ctx, func(ctx context.Context) (err error) {
		res, err = iface.Invoke(ctx, p.root.mods[p.root.top], f, export, vals)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]string, len(res))
	for i, v := range res {
		out[i] = iface.FormatWAVE(f.Results[i], v)
	}
	return out, nil
}

func encodeValue(t api.ValueType, s string) (uint64, error) {
	switch t {
	case api.ValueTypeI32:
		n, err := strconv.ParseInt(s, 0, 32)
		if err != nil {
			u, uerr := strconv.ParseUint(s, 0, 32)
			if uerr != nil {
				return 0, fmt.Errorf("%q is not an i32", s)
			}
			return u, nil
		}
		return api.EncodeI32(int32(n)), nil
	case api.ValueTypeI64:
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(s, 0, 64)
			if uerr != nil {
				return 0, fmt.Errorf("%q is not an i64", s)
			}
			return u, nil
		}
		return api.EncodeI64(n), nil
	case api.ValueTypeF32:
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return 0, fmt.Errorf("%q is not an f32", s)
		}
		return api.EncodeF32(float32(f)), nil
	case api.ValueTypeF64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an f64", s)
		}
		return api.EncodeF64(f), nil
	}
	return 0, fmt.Errorf("parameters of type %s are not supported", api.ValueTypeName(t))
}

func decodeValue(t api.ValueType, v uint64) string {
	switch t {
	case api.ValueTypeI32:
		return strconv.FormatInt(int64(api.DecodeI32(v)), 10)
	case api.ValueTypeI64:
		return strconv.FormatInt(int64(v), 10)
	case api.ValueTypeF32:
		return strconv.FormatFloat(float64(api.DecodeF32(v)), 'g', -1, 32)
	case api.ValueTypeF64:
		return strconv.FormatFloat(api.DecodeF64(v), 'g', -1, 64)
	}
	return strconv.FormatUint(v, 10)
}

// failure names the nanoprocess in which a call into instance caller
// failed. Every module is compiled named by its digest (see compile), so
// each guest frame of wazero's stack trace names the content it runs.
// Following the frames from the caller's outwards in, each frame stays in
// the nanoprocess of the frame before or enters one of its children
// running that content: the nanoprocesses that fit every frame are where
// the trap happened. Two children of one parent that run the same module
// fit the same frames, unless their own children tell them apart; then
// the error names their nearest common ancestor and lists them.
func (p *Process) failure(caller int, err error) error {
	var re *RunError
	if errors.As(err, &re) {
		return re // from an adapter, which knows where it failed
	}
	msg, trace, _ := strings.Cut(err.Error(), "\nwasm stack trace:\n")
	trace, _, _ = strings.Cut(trace, "\n\n") // a Go stack trace may follow
	frames := strings.Split(trace, "\n")
	fits := []int{caller}
	if strings.HasSuffix(trace, "omitted frames") {
		// The outermost frames are not listed: start from any
		// nanoprocess under the caller.
		fits = p.under(caller)
	}
	for k := len(frames) - 1; k >= 0; k-- {
		f, ok := strings.CutPrefix(frames[k], "\t")
		if !ok || strings.HasPrefix(f, "\t") {
			continue // a line of source
		}
		d, _, ok := strings.Cut(f, ".")
		if _, ours := p.b.Modules[d]; !ok || !ours {
			continue // a host function, such as WASI's
		}
		var next []int
		for _, i := range fits {
			if p.b.Instances[i].Module == d {
				next = append(next, i)
			}
			for _, j := range p.b.Instances[i].Imports {
				if p.b.Instances[j].Module == d {
					next = append(next, j)
				}
			}
		}
		if len(next) > 0 {
			slices.Sort(next)
			fits = slices.Compact(next)
		}
	}
	if len(fits) == 1 {
		return &RunError{p.b.Instances[fits[0]].Path, errors.New(msg)}
	}
	paths := make([]string, len(fits))
	for i, j := range fits {
		paths[i] = p.b.Instances[j].Path
	}
	return &RunError{commonPath(paths), fmt.Errorf("%s (in one of %s, which run the same module)", msg, strings.Join(paths, ", "))}
}

// under returns instance i and every instance under it.
func (p *Process) under(i int) []int {
	out := []int{i}
	for k := 0; k < len(out); k++ {
		for _, j := range p.b.Instances[out[k]].Imports {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

// commonPath returns the path of the nearest common ancestor of the
// nanoprocesses at paths.
func commonPath(paths []string) string {
	common := strings.Split(paths[0], " > ")
	for _, p := range paths[1:] {
		elems := strings.Split(p, " > ")
		n := 0
		for n < len(common) && n < len(elems) && common[n] == elems[n] {
			n++
		}
		common = common[:n]
	}
	return strings.Join(common, " > ")
}

// Close kills every child still running and closes every nanoprocess.
func (p *Process) Close(ctx context.Context) error {
	if p.root != nil {
		p.endChildren(p.root)
	}
	var errs []error
	for _, e := range p.engines() {
		errs = append(errs, e.rt.Close(ctx))
	}
	for _, r := range p.roots {
		r.Close()
	}
	return errors.Join(errs...)
}
