package runtime_test

// These tests attack nano:process from real guests (testdata/spawn): a
// root, proxy.wat, that forwards every call of nano:process/spawn from its
// own memory, so that a test drives it with Invoke and WAVE values; a child,
// kid.wat, that exits, traps, spins, grows its memory, copies stdin to
// stdout or prints, by its first argument; and a parent, boss.wat, started
// as a child, that forges handles, orphans its children, pipes 1 MiB through
// a child, or asks for a stream it does not hold. The tree is locked as
// nano lock would lock it and linked with linker.Build: every call crosses
// the same checks a bundle's does.

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
)

// TestSpawnFixtures checks that every .wasm in testdata/spawn is what
// wat2wasm makes of its .wat (testdata/build.sh rebuilds them).
func TestSpawnFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/spawn/*.wat", nil)
}

// A spawnPkg is a package of the attack tree: its module, a file of
// testdata/spawn, and the keys it declares.
type spawnPkg struct {
	name, wasm, keys string
}

// A spawnEdge is an edge of the attack tree: the grant, in granted form,
// and the limits.
type spawnEdge struct {
	parent, child, grant string
	limits               limits.Limits
}

const page = limits.PageSize

// attackPkgs is the attack tree: the proxy root, acme:app, spawns every
// package but acme:lib, which it links; acme:forger, acme:orphaner,
// acme:piper, acme:mute and acme:mid are parents themselves.
var attackPkgs = []spawnPkg{
	{"acme:app", "proxy.wasm", "fs:data:rw net:api.example.com:443 env:LANG clock random stdio:stdin stdio:stdout stdio:stderr " +
		"spawn:acme:worker spawn:acme:reader spawn:acme:spinner spawn:acme:forger spawn:acme:orphaner " +
		"spawn:acme:piper spawn:acme:mute spawn:acme:cat spawn:acme:speaker spawn:acme:mid spawn:acme:filer"},
	{"acme:worker", "kid.wasm", "fs:tmp:rw net:api.example.com:443 env:LANG clock random stdio:stdin stdio:stdout stdio:stderr"},
	{"acme:reader", "kid.wasm", "fs:tmp:ro stdio:stdout"},
	{"acme:spinner", "kid.wasm", "stdio:stdin stdio:stdout"},
	{"acme:cat", "kid.wasm", "stdio:stdin stdio:stdout"},
	{"acme:speaker", "kid.wasm", ""},
	{"acme:lib", "kid.wasm", ""},
	{"acme:forger", "boss.wasm", "stdio:stdin stdio:stdout spawn:acme:spinner"},
	{"acme:orphaner", "boss.wasm", "stdio:stdin stdio:stdout stdio:stderr spawn:acme:spinner"},
	{"acme:piper", "boss.wasm", "stdio:stdin stdio:stdout spawn:acme:cat"},
	{"acme:mute", "boss.wasm", "stdio:stderr spawn:acme:speaker"},
	{"acme:mid", "boss.wasm", "fs:tmp:rw stdio:stderr spawn:acme:filer"},
	{"acme:filer", "kid.wasm", "fs:x:rw"},
}

// workerGrant is every key acme:app grants acme:worker.
const workerGrant = "fs:tmp=data/jobs:rw net:api.example.com:443 env:LANG clock random stdio:stdin stdio:stdout stdio:stderr"

var attackEdges = []spawnEdge{
	{"acme:app", "acme:worker", workerGrant, limits.Limits{Memory: 16 * page, Time: 5 * time.Second}},
	{"acme:app", "acme:reader", "fs:tmp=data/jobs:ro stdio:stdout", limits.Limits{}},
	{"acme:app", "acme:spinner", "stdio:stdin stdio:stdout", limits.Limits{Time: 200 * time.Millisecond}},
	{"acme:app", "acme:cat", "stdio:stdin stdio:stdout", limits.Limits{}},
	{"acme:app", "acme:speaker", "", limits.Limits{}},
	{"acme:app", "acme:lib", "", limits.Limits{}},
	{"acme:app", "acme:forger", "stdio:stdin stdio:stdout spawn:acme:spinner", limits.Limits{}},
	{"acme:app", "acme:orphaner", "stdio:stdin stdio:stdout stdio:stderr spawn:acme:spinner", limits.Limits{}},
	{"acme:app", "acme:piper", "stdio:stdin stdio:stdout spawn:acme:cat", limits.Limits{}},
	{"acme:app", "acme:mute", "stdio:stderr spawn:acme:speaker", limits.Limits{}},
	{"acme:forger", "acme:spinner", "stdio:stdin stdio:stdout", limits.Limits{}},
	{"acme:orphaner", "acme:spinner", "stdio:stdin stdio:stdout", limits.Limits{}},
	{"acme:piper", "acme:cat", "stdio:stdin stdio:stdout", limits.Limits{}},
	{"acme:mute", "acme:speaker", "", limits.Limits{}},
	{"acme:app", "acme:mid", "fs:tmp=data/jobs:rw stdio:stderr spawn:acme:filer", limits.Limits{}},
	{"acme:app", "acme:filer", "fs:x=data/jobs:rw", limits.Limits{}},
	{"acme:mid", "acme:filer", "fs:x=tmp:rw", limits.Limits{}},
}

// spawnSource serves the attack tree's modules, and the proxy's WIT.
type spawnSource map[string][]byte

func (s spawnSource) Module(p *lockfile.Package) ([]byte, error) { return s[p.Name], nil }

func (s spawnSource) Interface(p *lockfile.Package) (*iface.Package, error) {
	if p.Name != "acme:app" {
		return nil, nil
	}
	return iface.Load("testdata/spawn/proxy", "acme:proxy")
}

func (s spawnSource) Mounts(*lockfile.Package) (map[string]string, error) { return nil, nil }

// spawnTree locks pkgs and edges as nano lock does, the first package the
// root, and links them with linker.Build.
func spawnTree(t testing.TB, pkgs []spawnPkg, edges []spawnEdge) *linker.Bundle {
	t.Helper()
	src := spawnSource{}
	l := new(lockfile.Lock)
	v := semver.MustParse("1.0.0")
	id := func(name string) string { return name + " 1.0.0" }
	byName := map[string]*lockfile.Package{}
	for _, p := range pkgs {
		data, err := os.ReadFile(filepath.Join("testdata", "spawn", p.wasm))
		if err != nil {
			t.Fatalf("%v (rebuild with testdata/build.sh)", err)
		}
		keys, err := policy.ParseSet(strings.Fields(p.keys))
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		src[p.name] = data
		lp := &lockfile.Package{Name: p.name, Version: v, Source: "registry", Module: lockfile.Digest(data), Keys: keys}
		byName[p.name] = lp
		l.Packages = append(l.Packages, lp)
	}
	for _, e := range edges {
		var grant policy.Set
		for _, g := range strings.Fields(e.grant) {
			k, err := policy.ParseGrant(g)
			if err != nil {
				t.Fatalf("%s -> %s: %v", e.parent, e.child, err)
			}
			grant = append(grant, k)
		}
		grant = policy.NewSet(grant...)
		byName[e.parent].Dependencies = append(byName[e.parent].Dependencies, id(e.child))
		l.Edges = append(l.Edges, &lockfile.Edge{Parent: id(e.parent), Child: id(e.child), Grant: grant, Limits: e.limits})
	}
	b, err := linker.Build(context.Background(), l, id(pkgs[0].name), src)
	if err != nil {
		t.Fatalf("linker.Build(the attack tree) = %v", err)
	}
	return b
}

var (
	attackOnce   sync.Once
	attackBundle *linker.Bundle
)

// attackTree returns the bundle of attackPkgs and attackEdges, linked once.
func attackTree(t testing.TB) *linker.Bundle {
	t.Helper()
	attackOnce.Do(func() { attackBundle = spawnTree(t, attackPkgs, attackEdges) })
	if attackBundle == nil {
		t.Fatal("the attack tree did not link")
	}
	return attackBundle
}

// A syncBuffer is a buffer that children write to from their goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A proxy is a started attack tree whose root a test drives.
type proxy struct {
	t           testing.TB
	b           *linker.Bundle
	p           *runtime.Process
	data        string // the root's slot data
	out, errOut *syncBuffer
}

// startProxy starts b with the keys its root, acme:app, declares and a
// directory for its slot data that holds jobs/7. edit, if not nil, changes
// the configuration first.
func startProxy(t testing.TB, b *linker.Bundle, edit func(*runtime.Config)) *proxy {
	t.Helper()
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "jobs", "7"), 0o755); err != nil {
		t.Fatal(err)
	}
	net, err := policy.ParseNet("api.example.com:443")
	if err != nil {
		t.Fatal(err)
	}
	x := &proxy{t: t, b: b, data: data, out: new(syncBuffer), errOut: new(syncBuffer)}
	c := runtime.Config{
		Dirs:   map[string]runtime.Dir{"data": {Path: data}},
		Env:    map[string]string{"LANG": "C.UTF-8"},
		Net:    []policy.Key{net},
		Stdin:  strings.NewReader(""),
		Stdout: x.out, Stderr: x.errOut,
		Cache: runCache,
	}
	if edit != nil {
		edit(&c)
	}
	ctx := context.Background()
	x.p, err = runtime.Start(ctx, b, &c)
	if err != nil {
		t.Fatalf("Start(the attack tree) = %v", err)
	}
	t.Cleanup(func() { x.p.Close(ctx) })
	return x
}

// run sends ops, a script of nano:process calls in WAVE (opStart, opWait,
// ...), to the root, which makes them in turn, and returns what each
// returned, in WAVE: "ok(1)", "ok(exited(0))", "ok", "ok([104, 105])",
// `err("...")`. The root's children end when run returns.
func (x *proxy) run(ops ...string) []string {
	x.t.Helper()
	out, err := x.try(ops...)
	if err != nil {
		x.t.Fatal(err)
	}
	return out
}

// try is run, returning its failure instead of failing the test.
func (x *proxy) try(ops ...string) ([]string, error) {
	text := "[" + strings.Join(ops, ", ") + "]"
	// A watchdog: a wait that never returns fails the test, not hangs it.
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	res, err := x.p.Invoke(ctx, "run", []string{text})
	if err != nil {
		return nil, fmt.Errorf("run(%s): %v", short(text), err)
	}
	var f *iface.Func
	for _, e := range x.b.Exports {
		if e.Name == "run" {
			f = e
		}
	}
	v, err := iface.ParseWAVE(f.Results[0], res[0])
	if err != nil {
		return nil, fmt.Errorf("run(%s) = %s: %v", short(text), short(res[0]), err)
	}
	outcomes := v.([]iface.Value)
	if len(outcomes) != len(ops) {
		return nil, fmt.Errorf("run(%s) = %s: %d outcomes, want %d", short(text), short(res[0]), len(outcomes), len(ops))
	}
	out := make([]string, len(outcomes))
	for i, o := range outcomes {
		vv := o.(iface.VariantValue)
		for _, c := range f.Results[0].Elem.Cases {
			if c.Name == vv.Case {
				out[i] = iface.FormatWAVE(c.Type, vv.Value)
			}
		}
	}
	return out, nil
}

// short shortens a long script or result for a message.
func short(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// scriptTimeout bounds a script: every child of the tests ends long
// before, unless nano fails to end it.
const scriptTimeout = 15 * time.Second

// opts are the options of a start, written in WAVE by wave: null streams
// unless given.
type opts struct {
	args                  []string
	env                   [][2]string
	keys                  []string
	stdin, stdout, stderr string
	mem, timeout          uint32
}

func waveStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (o opts) wave() string {
	stream := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	var env []string
	for _, kv := range o.env {
		env = append(env, fmt.Sprintf("(%q, %q)", kv[0], kv[1]))
	}
	return fmt.Sprintf("{args: %s, env: [%s], keys: %s, stdin: %s, stdout: %s, stderr: %s, max-memory-pages: %d, timeout-ms: %d}",
		waveStrings(o.args), strings.Join(env, ", "), waveStrings(o.keys), stream(o.stdin), stream(o.stdout), stream(o.stderr), o.mem, o.timeout)
}

// The ops of a script.
func opStart(name string, o opts) string { return fmt.Sprintf("start((%q, %s))", name, o.wave()) }
func opWait(h uint64) string             { return fmt.Sprintf("wait(%d)", h) }
func opKill(h uint64) string             { return fmt.Sprintf("kill(%d)", h) }
func opCloseStdin(h uint64) string       { return fmt.Sprintf("close-stdin(%d)", h) }
func opRead(h uint64, stderr bool, max uint32) string {
	return fmt.Sprintf("read((%d, %t, %d))", h, stderr, max)
}

func opWrite(h uint64, data []byte) string {
	bs := make([]string, len(data))
	for i, b := range data {
		bs[i] = strconv.Itoa(int(b))
	}
	return fmt.Sprintf("write((%d, [%s]))", h, strings.Join(bs, ", "))
}

// readText returns the bytes of read's "ok([...])" as text.
func readText(t testing.TB, res string) string {
	t.Helper()
	list, ok := strings.CutPrefix(res, "ok([")
	if !ok {
		t.Fatalf("read = %s, want ok([BYTES])", res)
	}
	list = strings.TrimSuffix(list, "])")
	if list == "" {
		return ""
	}
	var out []byte
	for _, b := range strings.Split(list, ", ") {
		n, err := strconv.ParseUint(b, 10, 8)
		if err != nil {
			t.Fatalf("read = %s: %v", res, err)
		}
		out = append(out, byte(n))
	}
	return string(out)
}

// notHandle is the refusal of a number that is not a handle of the
// caller's.
func notHandle(h uint64) string {
	return fmt.Sprintf(`err("%d is not a handle of a child of this nanoprocess")`, h)
}

// settle waits for the number of goroutines to fall to at most want, and
// returns the number.
func settle(want int) int {
	n := goruntime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > want && time.Now().Before(deadline); n = goruntime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

// check compares what a script returned with what each op must return:
// an exact WAVE text, or, ending in "...", a prefix.
func check(t *testing.T, ops, got, want []string) {
	t.Helper()
	for i := range want {
		w, prefix := strings.CutSuffix(want[i], "...")
		if got[i] == w || prefix && strings.HasPrefix(got[i], w) {
			continue
		}
		t.Errorf("%s = %s, want %s", short(ops[i]), short(got[i]), want[i])
	}
}

// TestSpawnEscalation asks start, from the root, for more than the edge
// grants, once per key kind and limit: each is an err naming the key or
// the limit, and nothing starts: the child would print to the root's
// stdout, and the first start that succeeds afterwards gets handle 1.
func TestSpawnEscalation(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	worker := func(replace, with string) []string {
		keys := strings.Fields(workerGrant)
		if i := slices.Index(keys, replace); i >= 0 {
			keys[i] = with
		} else {
			keys = append(keys, with)
		}
		return keys
	}
	reader := func(extra ...string) []string {
		return append([]string{"fs:tmp=data/jobs:ro", "stdio:stdout"}, extra...)
	}
	cases := []struct {
		name, pkg string
		o         opts
		want      []string // in the err's message
	}{
		{"a wider fs sub-path", "acme:worker", opts{keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=data:rw")}, []string{"fs:tmp=data:rw"}},
		{"an fs sub-path that climbs out", "acme:worker", opts{keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=data/jobs/..:rw")}, []string{"fs:tmp=data/jobs/..:rw"}},
		{"another slot of the parent", "acme:worker", opts{keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=etc:rw")}, []string{"fs:tmp=etc:rw"}},
		{"rw over ro", "acme:reader", opts{keys: []string{"fs:tmp=data/jobs:rw", "stdio:stdout"}}, []string{"fs:tmp=data/jobs:rw"}},
		{"net port * over a port", "acme:worker", opts{keys: worker("net:api.example.com:443", "net:api.example.com:*")}, []string{"net:api.example.com:*"}},
		{"net host wildcard", "acme:worker", opts{keys: worker("net:api.example.com:443", "net:*.example.com:443")}, []string{"net:*.example.com:443"}},
		{"net another host", "acme:worker", opts{keys: worker("net:api.example.com:443", "net:evil.example:443")}, []string{"net:evil.example:443"}},
		{"an env key not granted", "acme:worker", opts{keys: worker("", "env:HOME")}, []string{"env:HOME"}},
		{"an env value for a variable that is not a key", "acme:worker", opts{env: [][2]string{{"HOME", "/root"}}}, []string{"env:HOME"}},
		{"an env value for a variable not handed", "acme:reader", opts{env: [][2]string{{"LANG", "C"}}}, []string{"env:LANG"}},
		{"clock not granted", "acme:reader", opts{keys: reader("clock")}, []string{"clock"}},
		{"random not granted", "acme:reader", opts{keys: reader("random")}, []string{"random"}},
		{"stdio not granted", "acme:reader", opts{keys: reader("stdio:stderr")}, []string{"stdio:stderr"}},
		{"a piped stream not handed", "acme:reader", opts{stderr: "pipe"}, []string{"stdio:stderr"}},
		{"an inherited stream not handed", "acme:reader", opts{stdin: "inherit"}, []string{"stdio:stdin"}},
		{"a spawn key handed on", "acme:worker", opts{keys: worker("", "spawn:acme:worker")}, []string{"spawn:acme:worker"}},
		{"a net key to a child without one", "acme:reader", opts{keys: reader("net:api.example.com:443")}, []string{"net:api.example.com:443"}},
		{"not a key", "acme:worker", opts{keys: worker("", "root")}, []string{"root"}},
		{"an fs slot handed twice", "acme:worker", opts{keys: worker("", "fs:tmp=data/jobs/7")}, []string{"fs:tmp=data/jobs/7"}},
		{"an fs sub-path with an empty part", "acme:worker", opts{keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=data//jobs:rw")}, []string{"fs:tmp=data//jobs:rw"}},
		{"an absolute fs source", "acme:worker", opts{keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=/data/jobs:rw")}, []string{"fs:tmp=/data/jobs:rw"}},
		{"a net host in capitals", "acme:worker", opts{keys: worker("net:api.example.com:443", "net:API.example.com:443")}, []string{"net:API.example.com:443"}},
		{"a declared key not handed", "acme:worker", opts{keys: []string{"stdio:stdout"}}, []string{"acme:worker", "declares"}},
		{"a linked dependency", "acme:lib", opts{}, []string{"spawn:acme:lib"}},
		{"a package that is no dependency", "acme:nope", opts{}, []string{"spawn:acme:nope"}},
		{"itself", "acme:app", opts{}, []string{"spawn:acme:app"}},
		{"memory above the edge's", "acme:worker", opts{mem: 17}, []string{"max-memory-pages 17", "1MiB"}},
		{"memory past 4GiB", "acme:worker", opts{mem: 1<<32 - 1}, []string{"max-memory-pages 4294967295"}},
		{"time above the edge's", "acme:worker", opts{timeout: 5001}, []string{"timeout-ms 5001", "5s"}},
		{"time above the edge's by far", "acme:spinner", opts{timeout: 1<<32 - 1}, []string{"timeout-ms 4294967295", "200ms"}},
	}
	var ops []string
	for _, tt := range cases {
		tt.o.args = []string{"w"}
		if tt.o.stdout == "" {
			tt.o.stdout = "inherit" // were it to start, it would print
		}
		ops = append(ops, opStart(tt.pkg, tt.o))
	}
	// Then a narrower key of each kind starts; the child is the first.
	ops = append(ops,
		opStart("acme:worker", opts{args: []string{"w"}, stdout: "inherit", stderr: "inherit", mem: 16, timeout: 5000,
			keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=data/jobs/7")}),
		opWait(1))
	got := x.run(ops...)
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			msg, ok := strings.CutPrefix(got[i], "err(")
			if !ok {
				t.Fatalf("%s = %s, want an err", ops[i], got[i])
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s = %s, want an err naming %s", ops[i], got[i], w)
				}
			}
			if k := `\"` + tt.want[0] + `\"`; strings.Count(msg, k) > 1 {
				t.Errorf("%s = %s: names %s twice, an error wrapped twice", ops[i], got[i], tt.want[0])
			}
			t.Log(got[i])
		})
	}
	n := len(cases)
	check(t, ops[n:], got[n:], []string{"ok(1)", "ok(exited(0))"})
	if out := x.out.String() + x.errOut.String(); out != "out\nerr\n" {
		t.Errorf("the root's stdout and stderr = %q, want only the last child's %q: a refused child started", out, "out\nerr\n")
	}
}

// TestSpawnRunTimeKeys hands keys the parent holds in nano.lock but not at
// run time: a read-only directory, a denied stream; and a child asks a
// grandchild to inherit a stream the child does not hold.
func TestSpawnRunTimeKeys(t *testing.T) {
	b := attackTree(t)
	t.Run("a read-only directory", func(t *testing.T) {
		x := startProxy(t, b, func(c *runtime.Config) {
			d := c.Dirs["data"]
			d.ReadOnly = true
			c.Dirs["data"] = d
		})
		ops := []string{
			opStart("acme:worker", opts{args: []string{"w"}}),
			opStart("acme:worker", opts{args: []string{"w"}, keys: []string{"fs:tmp=data/jobs/7:rw"}}),
			opStart("acme:reader", opts{args: []string{"r"}}), // wants only ro
			opWait(1),
		}
		check(t, ops, x.run(ops...), []string{
			`err("fs:tmp=data/jobs:rw: acme:app does not hold fs:data:rw at run time")`,
			`err("fs:tmp=data/jobs/7:rw: acme:app does not hold fs:data:rw at run time")`,
			"ok(1)", "ok(exited(0))",
		})
	})
	t.Run("an inherited stream the root does not hold", func(t *testing.T) {
		x := startProxy(t, b, func(c *runtime.Config) { c.Deny = map[string]bool{"stdout": true} })
		var ops []string
		for _, pkg := range []string{"acme:worker", "acme:reader"} {
			ops = append(ops,
				opStart(pkg, opts{args: []string{"w"}, stdout: "inherit"}),
				opStart(pkg, opts{args: []string{"w"}, stdout: "inherit", keys: []string{"stdio:stdout"}}),
				opStart(pkg, opts{args: []string{"w"}, stdout: "pipe"}))
		}
		for i, res := range x.run(ops...) {
			if !strings.HasPrefix(res, "err(") || !strings.Contains(res, "stdio:stdout") {
				t.Errorf("%s under --deny stdout = %s, want an err naming stdio:stdout", ops[i], res)
			}
		}
		if got := x.out.String(); got != "" {
			t.Errorf("the root's stdout = %q, want nothing", got)
		}
	})
	t.Run("a child without the stream asks a grandchild to inherit it", func(t *testing.T) {
		x := startProxy(t, b, nil)
		ops := []string{opStart("acme:mute", opts{args: []string{"i"}, stderr: "pipe"}), opWait(1), opRead(1, true, 65536), opRead(1, true, 65536)}
		got := x.run(ops...)
		check(t, ops, got, []string{"ok(1)", "ok(exited(0))", "ok([...", "ok([])"})
		lines := strings.Split(strings.TrimSuffix(readText(t, got[2]), "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("acme:mute printed %q, want two start lines", lines)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "start: err ") || !strings.Contains(l, "stdio:stdout") {
				t.Errorf("acme:mute: %s, want start: err naming stdio:stdout", l)
			}
			t.Log(l)
		}
		if got := x.out.String(); got != "" {
			t.Errorf("the root's stdout = %q, want nothing", got)
		}
	})
}

// TestSpawnNestedKeys narrows a key for a child, acme:mid, whose own
// child, acme:filer, gets its slot from mid's by the grant in nano.lock:
// the grandchild's directory is under what mid was handed, not what the
// lock grants mid.
func TestSpawnNestedKeys(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:mid", opts{args: []string{"n"}, stderr: "inherit",
			keys: []string{"fs:tmp=data/jobs/7", "stdio:stderr", "spawn:acme:filer"}}),
		opWait(1),
	}
	check(t, ops, x.run(ops...), []string{"ok(1)", "ok(exited(0))"})
	if got := x.errOut.String(); got != "start: ok 1\nwait 1: ok exited 0\n" {
		t.Errorf("acme:mid printed %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(x.data, "jobs", "7", "hello")); err != nil || string(b) != "hello\n" {
		t.Errorf("data/jobs/7/hello = %q, %v; want hello: acme:filer writes in what acme:mid was handed", b, err)
	}
	if _, err := os.Lstat(filepath.Join(x.data, "jobs", "hello")); err == nil {
		t.Errorf("data/jobs/hello exists: acme:filer reached past what acme:mid was handed, to the grant in nano.lock")
	}
	// With the edge's grant, mid's tmp is data/jobs. (Handles are never
	// reused: this child is the root's second.)
	ops = []string{opStart("acme:mid", opts{args: []string{"n"}}), opWait(2)}
	check(t, ops, x.run(ops...), []string{"ok(2)", "ok(exited(0))"})
	if b, err := os.ReadFile(filepath.Join(x.data, "jobs", "hello")); err != nil || string(b) != "hello\n" {
		t.Errorf("data/jobs/hello = %q, %v; want hello", b, err)
	}
}

// TestSpawnEnvAndArgs checks what a started child sees: its arguments, and
// only the env keys handed it, with the value start gives or the parent's.
func TestSpawnEnvAndArgs(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"a", "one", "two words"}, stdout: "pipe"}),
		opWait(1), opRead(1, false, 65536), opRead(1, false, 65536),
		opStart("acme:worker", opts{args: []string{"a"}, env: [][2]string{{"LANG", "de_DE"}}, stdout: "pipe"}),
		opWait(2), opRead(2, false, 65536),
	}
	got := x.run(ops...)
	check(t, ops, got, []string{"ok(1)", "ok(exited(0))", "ok([...", "ok([])", "ok(2)", "ok(exited(0))", "ok([..."})
	if out, want := readText(t, got[2]), "one\ntwo words\nLANG=C.UTF-8\n"; out != want {
		t.Errorf("acme:worker printed %q, want %q", out, want)
	}
	if out, want := readText(t, got[6]), "LANG=de_DE\n"; out != want {
		t.Errorf("acme:worker with LANG=de_DE printed %q, want %q", out, want)
	}
}

// TestSpawnEnvInjection gives a handed variable a value that would be
// another variable, were it passed on unchecked: refused, or one
// variable.
func TestSpawnEnvInjection(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	o := opts{args: []string{"a"}, stdout: "pipe"}
	start := strings.Replace(opStart("acme:worker", o), "env: []", `env: [("LANG", "C\u{0}SECRET=1")]`, 1)
	ops := []string{start, opWait(1), opRead(1, false, 65536)}
	got := x.run(ops...)
	t.Log(got)
	if strings.HasPrefix(got[0], "err(") {
		return
	}
	check(t, ops, got, []string{"ok(1)", "ok(exited(0))", "ok([..."})
	for _, l := range strings.Split(readText(t, got[2]), "\n") {
		if strings.HasPrefix(l, "SECRET") {
			t.Errorf("acme:worker sees %q: a value made a variable", l)
		}
	}
}

// TestSpawnBlocked stops children blocked on their pipes, by a kill or a
// timeout, and unblocks a parent blocked on a child that ends.
func TestSpawnBlocked(t *testing.T) {
	big := make([]byte, 200<<10)
	for _, tt := range []struct {
		name      string
		ops, want []string
	}{
		{"a parent writing more than the pipe holds to a child that never reads and times out",
			[]string{opStart("acme:worker", opts{args: []string{"s"}, stdin: "pipe", timeout: 200}), opWrite(1, big), opWait(1)},
			[]string{"ok(1)", `err("the stdin of child 1 is closed")`, `ok(killed("timeout"))`}},
		{"a parent reading from a child that never writes and times out",
			[]string{opStart("acme:worker", opts{args: []string{"s"}, stdout: "pipe", timeout: 100}), opRead(1, false, 16), opWait(1)},
			[]string{"ok(1)", "ok([])", `ok(killed("timeout"))`}},
		{"a child blocked reading its stdin, killed",
			[]string{opStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe"}), opKill(1), opWait(1)},
			[]string{"ok(1)", "ok", `ok(killed("killed"))`}},
		{"a child blocked reading its stdin, timed out",
			[]string{opStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe", timeout: 100}), opWait(1)},
			[]string{"ok(1)", `ok(killed("timeout"))`}},
		{"a child blocked writing to a full stdout, killed",
			[]string{opStart("acme:reader", opts{args: []string{"p"}, stdout: "pipe"}), opKill(1), opWait(1)},
			[]string{"ok(1)", "ok", `ok(killed("killed"))`}},
		{"a child blocked writing to a full stdout, timed out",
			[]string{opStart("acme:spinner", opts{args: []string{"p"}, stdout: "pipe", timeout: 150}), opWait(1)},
			[]string{"ok(1)", `ok(killed("timeout"))`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := startProxy(t, attackTree(t), nil)
			check(t, tt.ops, x.run(tt.ops...), tt.want)
		})
	}
	// The operator's stdin, inherited, never has a byte: a child blocked
	// reading it is killed all the same.
	t.Run("a child blocked reading an inherited stdin, killed", func(t *testing.T) {
		r, w := io.Pipe()
		defer w.Close()
		x := startProxy(t, attackTree(t), func(c *runtime.Config) { c.Stdin = r })
		ops := []string{
			opStart("acme:cat", opts{args: []string{"c"}, stdin: "inherit"}),
			// 100ms for it to block in its read
			opStart("acme:worker", opts{args: []string{"s"}, timeout: 100}), opWait(2),
			opKill(1), opWait(1),
		}
		done := make(chan []string, 1)
		go func() {
			got, err := x.try(ops...)
			if err != nil {
				t.Error(err)
			}
			done <- got
		}()
		select {
		case got := <-done:
			check(t, ops, got, []string{"ok(1)", "ok(2)", `ok(killed("timeout"))`, "ok", `ok(killed("killed"))`})
		case <-time.After(scriptTimeout + 5*time.Second):
			t.Errorf("%s: no answer in %v: a child blocked reading its inherited stdin is not stopped, and its parent cannot end", strings.Join(ops, ", "), scriptTimeout+5*time.Second)
			w.Close() // the end of the operator's stdin frees it
			<-done
		}
	})
}

// TestSpawnKillMany kills 50 spinning children at once.
func TestSpawnKillMany(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	var ops, want []string
	for h := uint64(1); h <= 50; h++ {
		ops = append(ops, opStart("acme:worker", opts{args: []string{"s"}}))
		want = append(want, fmt.Sprintf("ok(%d)", h))
	}
	for h := uint64(1); h <= 50; h++ {
		ops = append(ops, opKill(h))
		want = append(want, "ok")
	}
	for h := uint64(50); h >= 1; h-- {
		ops = append(ops, opWait(h))
		want = append(want, `ok(killed("killed"))`)
	}
	check(t, ops, x.run(ops...), want)
}

// TestSpawnForgedHandles calls every function with numbers that are not
// the caller's handles: from the root, and from a child, acme:forger, that
// tries its parent's numbers.
func TestSpawnForgedHandles(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	var ops, want []string
	for _, h := range []uint64{0, 1, 7, 1<<32 - 1} {
		ops = append(ops, opWait(h), opKill(h), opCloseStdin(h), opWrite(h, []byte{1, 2}), opRead(h, false, 16))
		for range 5 {
			want = append(want, notHandle(h))
		}
	}
	// Two children of the root, 1 and 2, spinning; the forger is 3.
	ops = append(ops,
		opStart("acme:worker", opts{args: []string{"s"}, stdin: "pipe"}),
		opStart("acme:worker", opts{args: []string{"s"}, stdin: "pipe"}),
		opStart("acme:forger", opts{args: []string{"f"}, stdout: "pipe"}),
		opWait(3), opRead(3, false, 65536),
		// The root's children still run: the forger touched none of them.
		opKill(1), opWait(1), opKill(2), opWait(2),
		opWait(4))
	want = append(want, "ok(1)", "ok(2)", "ok(3)", "ok(exited(0))", "ok([...",
		"ok", `ok(killed("killed"))`, "ok", `ok(killed("killed"))`, notHandle(4))
	got := x.run(ops...)
	check(t, ops, got, want)
	printed := readText(t, got[len(got)-6])
	var lines strings.Builder
	lines.WriteString("start: ok 1\n")
	for _, h := range []uint64{0, 2, 3, 7, 1<<32 - 1} {
		for _, op := range []string{"wait", "kill", "write", "close-stdin", "read"} {
			fmt.Fprintf(&lines, "%s %d: err %d is not a handle of a child of this nanoprocess\n", op, h, h)
		}
	}
	lines.WriteString("kill 1: ok\nwait 1: ok killed killed\nwait 1: ok killed killed\nkill 1: ok\nclose-stdin 1: ok\n")
	if !strings.HasPrefix(printed, lines.String()) {
		t.Errorf("acme:forger printed\n%s\nwant\n%s", printed, lines.String())
	}
	if last := strings.TrimPrefix(printed, lines.String()); !strings.HasPrefix(last, "write 1: err ") {
		t.Errorf("acme:forger: %q, want write 1: err: its child's stdin ended with it", last)
	}
}

// TestSpawnExitTwice waits twice for a child that exited, kills it, closes
// its stdin and writes to it: the same exit, no-ops, and an err.
func TestSpawnExitTwice(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"x"}, stdin: "pipe", stdout: "pipe"}),
		opWait(1), opWait(1),
		opKill(1), opCloseStdin(1), opWait(1),
		opWrite(1, []byte("late")),
		opRead(1, false, 16),
		opRead(1, false, 0),
		opRead(1, true, 16),
	}
	check(t, ops, x.run(ops...), []string{
		"ok(1)", "ok(exited(7))", "ok(exited(7))",
		"ok", "ok", "ok(exited(7))",
		`err("the stdin of child 1 is closed")`,
		"ok([])", `err("read of at most 0 bytes")`, `err("the stderr of child 1 is not piped")`,
	})
}

// TestSpawnTrap starts a child that traps: wait says trapped with its
// path, and the parent carries on.
func TestSpawnTrap(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"t"}}), opWait(1),
		opStart("acme:worker", opts{args: []string{"x"}}), opWait(2),
	}
	got := x.run(ops...)
	check(t, ops, got, []string{"ok(1)", `ok(trapped("acme:app > acme:worker: wasm error: unreachable...`, "ok(2)", "ok(exited(7))"})
	t.Log(got[1])
}

// TestSpawnWazeroExitCodes runs children that exit with the codes wazero
// gives a module its context closed, and children stopped that way: the
// first exited with their code, the others killed, never exited.
func TestSpawnWazeroExitCodes(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"e"}}), opWait(1),
		opStart("acme:worker", opts{args: []string{"E"}}), opWait(2),
		opStart("acme:worker", opts{args: []string{"s"}, timeout: 20}), opWait(3),
		opStart("acme:worker", opts{args: []string{"s"}}), opKill(4), opWait(4),
	}
	check(t, ops, x.run(ops...), []string{
		"ok(1)", "ok(exited(-268435457))", "ok(2)", "ok(exited(-1))",
		"ok(3)", `ok(killed("timeout"))`, "ok(4)", "ok", `ok(killed("killed"))`,
	})
}

// TestSpawnTimeout runs children that spin forever under a time limit:
// start's, and the edge's.
func TestSpawnTimeout(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"s"}, timeout: 100}), opWait(1), // start's, under the edge's 5s
		opStart("acme:spinner", opts{args: []string{"s"}}), opWait(2), // the edge's 200ms
		opStart("acme:reader", opts{args: []string{"s"}, timeout: 50}), opWait(3), // start's, on an edge without one
		opStart("acme:spinner", opts{args: []string{"s"}, timeout: 201}), // over the edge's 200ms
	}
	check(t, ops, x.run(ops...), []string{
		"ok(1)", `ok(killed("timeout"))`,
		"ok(2)", `ok(killed("timeout"))`,
		"ok(3)", `ok(killed("timeout"))`,
		`err("acme:app > acme:spinner: timeout-ms 201 is above the edge's time limit of 200ms")`,
	})
}

// TestSpawnKill kills children spinning in a tight loop, and printing in
// one.
func TestSpawnKill(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		// A timeout backstops each: a kill that does not stop it is a
		// killed("timeout"), not a hang.
		opStart("acme:worker", opts{args: []string{"s"}, timeout: 4000}), opKill(1), opWait(1),
		opStart("acme:reader", opts{args: []string{"p"}, stdout: "pipe", timeout: 4000}), opRead(2, false, 1), opKill(2), opWait(2),
		opRead(2, false, 1<<20),
	}
	got := x.run(ops...)
	check(t, ops, got, []string{
		"ok(1)", "ok", `ok(killed("killed"))`,
		"ok(2)", "ok([46])", "ok", `ok(killed("killed"))`, "ok([...",
	})
}

// TestSpawnMemory grows children's memories until memory.grow returns -1:
// each reports the pages it reached.
func TestSpawnMemory(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:worker", opts{args: []string{"g"}, mem: 4}), opWait(1),
		opStart("acme:worker", opts{args: []string{"g"}}), opWait(2), // the edge's 1MiB
		opStart("acme:worker", opts{args: []string{"g"}, mem: 16}), opWait(3),
		opStart("acme:worker", opts{args: []string{"g"}, mem: 1}), opWait(4),
		// Siblings at once: the larger ceiling is not the smaller's.
		opStart("acme:worker", opts{args: []string{"g"}, mem: 2}),
		opStart("acme:worker", opts{args: []string{"g"}, mem: 12}),
		opWait(6), opWait(5),
	}
	check(t, ops, x.run(ops...), []string{
		"ok(1)", "ok(exited(4))", "ok(2)", "ok(exited(16))", "ok(3)", "ok(exited(16))", "ok(4)", "ok(exited(1))",
		"ok(5)", "ok(6)", "ok(exited(12))", "ok(exited(2))",
	})
}

// TestSpawnMemoryMinimum starts a module whose memory starts above its
// ceiling: start's err, not a trap.
func TestSpawnMemoryMinimum(t *testing.T) {
	pkgs := []spawnPkg{
		{"acme:app", "proxy.wasm", "fs:data:rw net:api.example.com:443 env:LANG spawn:acme:big"},
		{"acme:big", "big.wasm", ""},
	}
	edges := []spawnEdge{{"acme:app", "acme:big", "", limits.Limits{Memory: 4 * page}}}
	x := startProxy(t, spawnTree(t, pkgs, edges), nil)
	ops := []string{opStart("acme:big", opts{}), opStart("acme:big", opts{mem: 8}), opStart("acme:big", opts{mem: 2})}
	got := x.run(ops...)
	for i, res := range got {
		if !strings.HasPrefix(res, "err(") || !strings.Contains(res, "acme:app > acme:big") {
			t.Errorf("%s = %s, want an err naming acme:app > acme:big", ops[i], res)
		}
		t.Log(res)
	}
}

// TestSpawnParentExits starts acme:orphaner, which starts three children
// printing forever and exits while they run: they are killed with it.
func TestSpawnParentExits(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	before := goruntime.NumGoroutine()
	ops := []string{opStart("acme:orphaner", opts{args: []string{"o"}, stdout: "inherit", stderr: "inherit"}), opWait(1)}
	got := x.run(ops...)
	check(t, ops, got, []string{"ok(1)", "ok(exited(3))"})
	n := len(x.out.String())
	time.Sleep(100 * time.Millisecond)
	if m := len(x.out.String()); m != n {
		t.Errorf("the orphans printed %d bytes after their parent ended, want none: they still run", m-n)
	}
	if strings.Trim(x.out.String(), ".") != "" {
		t.Errorf("stdout = %q, want only dots", x.out.String())
	}
	if n := settle(before); n > before {
		t.Errorf("%d goroutines after the orphaner ended, %d before it started", n, before)
	}
}

// TestSpawnRootExits runs acme:orphaner as the root: its _start starts
// three children printing forever and exits 3; nano run's Main returns 3,
// and the children are gone.
func TestSpawnRootExits(t *testing.T) {
	pkgs := []spawnPkg{
		{"acme:orphaner", "boss.wasm", "stdio:stdin stdio:stdout stdio:stderr spawn:acme:spinner"},
		{"acme:spinner", "kid.wasm", "stdio:stdin stdio:stdout"},
	}
	edges := []spawnEdge{{"acme:orphaner", "acme:spinner", "stdio:stdin stdio:stdout", limits.Limits{}}}
	b := spawnTree(t, pkgs, edges)
	before := goruntime.NumGoroutine()
	out, errOut := new(syncBuffer), new(syncBuffer)
	ctx := context.Background()
	p, err := runtime.Start(ctx, b, &runtime.Config{Args: []string{"o"}, Stdout: out, Stderr: errOut, Cache: runCache})
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.Main(ctx)
	if code != 3 || err != nil {
		t.Errorf("Main = %d, %v, want 3; stderr:\n%s", code, err, errOut.String())
	}
	n := len(out.String())
	time.Sleep(100 * time.Millisecond)
	if m := len(out.String()); m != n {
		t.Errorf("the children printed %d bytes after the root ended, want none: they still run", m-n)
	}
	p.Close(ctx)
	if n := settle(before); n > before {
		t.Errorf("%d goroutines after the run, %d before it started", n, before)
	}
}

// TestSpawnCallEnds leaves children running (spinning, blocked on a pipe)
// when the root's call returns: they end with it, and so do their
// goroutines.
func TestSpawnCallEnds(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	before := goruntime.NumGoroutine()
	ops := []string{
		opStart("acme:speaker", opts{args: []string{"s"}}),
		opStart("acme:speaker", opts{args: []string{"s"}}),
		opStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe"}),
		opStart("acme:orphaner", opts{args: []string{"o"}}),
	}
	check(t, ops, x.run(ops...), []string{"ok(1)", "ok(2)", "ok(3)", "ok(4)"})
	if n := settle(before); n > before {
		t.Errorf("%d goroutines after the root's call returned, %d before: children outlived it", n, before)
	}
}

// TestSpawnPipe1MiB runs acme:piper, which pipes 1 MiB through a cat-like
// child and compares every byte it reads back; the test checks its
// checksum of them too.
func TestSpawnPipe1MiB(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{opStart("acme:piper", opts{args: []string{"P"}, stdout: "inherit"}), opWait(1)}
	got := x.run(ops...)
	sum := fnv.New32a()
	for i := uint32(0); i < 1<<20; i++ {
		sum.Write([]byte{byte(i + (i>>8)*31 + (i>>16)*7)})
	}
	want := fmt.Sprintf("start: ok 1\nok 1048576 %x\n", sum.Sum32())
	check(t, ops, got, []string{"ok(1)", "ok(exited(0))"})
	if out := x.out.String(); out != want {
		t.Errorf("acme:piper printed %q, want %q", out, want)
	}
}

// TestSpawnPipeFromRoot writes to a cat-like child's stdin from the root,
// reads its stdout, and closes stdin: the child sees the end and exits;
// writes after it are errs.
func TestSpawnPipeFromRoot(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	ops := []string{
		opStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe"}),
		opWrite(1, []byte("hello, ")), opWrite(1, []byte("child")), opCloseStdin(1),
		opWrite(1, []byte("more")),
		opWait(1), opRead(1, false, 65536), opRead(1, false, 65536),
		// A stream that is not piped is an err in every call on it.
		opStart("acme:cat", opts{args: []string{"r"}}),
		opWrite(2, []byte("x")), opCloseStdin(2), opRead(2, false, 1),
	}
	got := x.run(ops...)
	check(t, ops, got, []string{
		"ok(1)", "ok", "ok", "ok", `err("the stdin of child 1 is closed")`,
		"ok(exited(0))", "ok([...", "ok([])",
		"ok(2)", `err("the stdin of child 2 is not piped")`, `err("the stdin of child 2 is not piped")`, `err("the stdout of child 2 is not piped")`,
	})
	if out := readText(t, got[6]); out != "hello, child" {
		t.Errorf("read = %q, want %q", out, "hello, child")
	}
}

// TestSpawnHandlesNeverReused checks that a handle of the root names one
// child only, across calls into the root: nano ends the root's children
// when a call returns, and the next call's first child is not handle 1
// again (SPEC section 8: handles are never reused by that parent).
func TestSpawnHandlesNeverReused(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	first := x.run(opStart("acme:worker", opts{args: []string{"x"}}), opWait(1))
	check(t, []string{"start", "wait(1)"}, first, []string{"ok(1)", "ok(exited(7))"})
	ops := []string{opWait(1), opStart("acme:worker", opts{args: []string{"r"}})}
	got := x.run(ops...)
	if got[0] != "ok(exited(7))" && got[1] == "ok(1)" {
		t.Errorf("after a call whose child 1 exited 7, the next call's wait(1) = %s and start = %s: handle 1 now names another child", got[0], got[1])
	}
}

// TestSpawnThousand starts and waits for 1,000 children in a loop: the
// goroutines and the heap of the test process do not grow with them.
func TestSpawnThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 children")
	}
	x := startProxy(t, attackTree(t), nil)
	// One call of 100 children: start, wait, start, wait... Handles are
	// never reused, so each call's go on from the last one's.
	next := uint64(1)
	round := func() {
		t.Helper()
		var ops, want []string
		for range 100 {
			ops = append(ops, opStart("acme:worker", opts{args: []string{"r"}}), opWait(next))
			want = append(want, fmt.Sprintf("ok(%d)", next), "ok(exited(0))")
			next++
		}
		got := x.run(ops...)
		if !slices.Equal(got, want) {
			check(t, ops, got, want)
			t.FailNow()
		}
	}
	round() // warm up: pools and caches fill
	var ms goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	heap, routines := ms.HeapAlloc, goruntime.NumGoroutine()
	for range 10 {
		round()
	}
	after := settle(routines)
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	t.Logf("after 1,000 children: goroutines %d -> %d, heap %d KiB -> %d KiB", routines, after, heap>>10, ms.HeapAlloc>>10)
	if after > routines {
		t.Errorf("goroutines %d -> %d after 1,000 children: a child leaves one behind", routines, after)
	}
	// Each child holds a 64 KiB memory: 1,000 leaked memories are 64 MiB.
	if grown := int64(ms.HeapAlloc) - int64(heap); grown > 16<<20 {
		t.Errorf("the heap grew by %d KiB over 1,000 children, want under 16 MiB", grown>>10)
	}
}
