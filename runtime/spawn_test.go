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
// acme:piper and acme:mute are parents themselves.
var attackPkgs = []spawnPkg{
	{"acme:app", "proxy.wasm", "fs:data:rw net:api.example.com:443 env:LANG clock random stdio:stdin stdio:stdout stdio:stderr " +
		"spawn:acme:worker spawn:acme:reader spawn:acme:spinner spawn:acme:forger spawn:acme:orphaner " +
		"spawn:acme:piper spawn:acme:mute spawn:acme:cat spawn:acme:speaker"},
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
	x := &proxy{t: t, data: data, out: new(syncBuffer), errOut: new(syncBuffer)}
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

// call invokes the root's forwarding export fn and returns its result in
// WAVE.
func (x *proxy) call(fn string, args ...string) string {
	x.t.Helper()
	res, err := x.p.Invoke(context.Background(), fn, args)
	if err != nil {
		x.t.Fatalf("%s(%s): %v", fn, strings.Join(args, ", "), err)
	}
	if len(res) != 1 {
		x.t.Fatalf("%s(%s) = %q, want one result", fn, strings.Join(args, ", "), res)
	}
	return res[0]
}

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

func (x *proxy) start(name string, o opts) string {
	return x.call("start", strconv.Quote(name), o.wave())
}

// mustStart starts name and returns its handle.
func (x *proxy) mustStart(name string, o opts) uint32 {
	x.t.Helper()
	res := x.start(name, o)
	n, ok := strings.CutPrefix(res, "ok(")
	h, err := strconv.ParseUint(strings.TrimSuffix(n, ")"), 10, 32)
	if !ok || err != nil {
		x.t.Fatalf("start(%q, %s) = %s, want ok(HANDLE)", name, o.wave(), res)
	}
	return uint32(h)
}

func (x *proxy) wait(h uint32) string { return x.call("wait", strconv.FormatUint(uint64(h), 10)) }
func (x *proxy) kill(h uint32) string { return x.call("kill", strconv.FormatUint(uint64(h), 10)) }
func (x *proxy) closeStdin(h uint32) string {
	return x.call("close-stdin", strconv.FormatUint(uint64(h), 10))
}

func (x *proxy) write(h uint32, data []byte) string {
	bs := make([]string, len(data))
	for i, b := range data {
		bs[i] = strconv.Itoa(int(b))
	}
	return x.call("write", strconv.FormatUint(uint64(h), 10), "["+strings.Join(bs, ", ")+"]")
}

func (x *proxy) read(h uint32, stderr bool, max uint32) string {
	return x.call("read", strconv.FormatUint(uint64(h), 10), strconv.FormatBool(stderr), strconv.FormatUint(uint64(max), 10))
}

// readAll reads h's stdout (or stderr) to its end.
func (x *proxy) readAll(h uint32, stderr bool) string {
	x.t.Helper()
	var out []byte
	for {
		res := x.read(h, stderr, 4096)
		if res == "ok([])" {
			return string(out)
		}
		list, ok := strings.CutPrefix(res, "ok([")
		if !ok {
			x.t.Fatalf("read(%d) = %s, want ok([BYTES])", h, res)
		}
		for _, b := range strings.Split(strings.TrimSuffix(list, "])"), ", ") {
			n, err := strconv.ParseUint(b, 10, 8)
			if err != nil {
				x.t.Fatalf("read(%d) = %s: %v", h, res, err)
			}
			out = append(out, byte(n))
		}
	}
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
	for _, tt := range []struct {
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
		{"an env value for a variable that is not a key", "acme:worker", opts{env: [][2]string{{"HOME", "/root"}}}, []string{"HOME"}},
		{"an env value for a variable not handed", "acme:reader", opts{env: [][2]string{{"LANG", "C"}}}, []string{"LANG"}},
		{"clock not granted", "acme:reader", opts{keys: reader("clock")}, []string{"clock"}},
		{"random not granted", "acme:reader", opts{keys: reader("random")}, []string{"random"}},
		{"stdio not granted", "acme:reader", opts{keys: reader("stdio:stderr")}, []string{"stdio:stderr"}},
		{"a piped stream not handed", "acme:reader", opts{stderr: "pipe"}, []string{"stdio:stderr"}},
		{"an inherited stream not handed", "acme:reader", opts{stdin: "inherit"}, []string{"stdio:stdin"}},
		{"a spawn key handed on", "acme:worker", opts{keys: worker("", "spawn:acme:worker")}, []string{"spawn:acme:worker"}},
		{"a net key to a child without one", "acme:reader", opts{keys: reader("net:api.example.com:443")}, []string{"net:api.example.com:443"}},
		{"not a key", "acme:worker", opts{keys: worker("", "root")}, []string{"root"}},
		{"a declared key not handed", "acme:worker", opts{keys: []string{"stdio:stdout"}}, []string{"acme:worker", "declares"}},
		{"a linked dependency", "acme:lib", opts{}, []string{"acme:lib"}},
		{"a package that is no dependency", "acme:nope", opts{}, []string{"acme:nope"}},
		{"itself", "acme:app", opts{}, []string{"acme:app"}},
		{"memory above the edge's", "acme:worker", opts{mem: 17}, []string{"memory"}},
		{"memory past 4GiB", "acme:worker", opts{mem: 1<<32 - 1}, []string{"memory"}},
		{"time above the edge's", "acme:worker", opts{timeout: 5001}, []string{"time"}},
		{"time above the edge's by far", "acme:spinner", opts{timeout: 1<<32 - 1}, []string{"time"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.args = []string{"w"}
			if tt.o.stdout == "" {
				tt.o.stdout = "inherit" // were it to start, it would print
			}
			res := x.start(tt.pkg, tt.o)
			msg, ok := strings.CutPrefix(res, "err(")
			if !ok {
				t.Fatalf("start(%q, %s) = %s, want an err", tt.pkg, tt.o.wave(), res)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("start(%q, %s) = %s, want an err naming %s", tt.pkg, tt.o.wave(), res, w)
				}
			}
			t.Log(res)
		})
	}
	// A narrower key of each kind starts; the child is the first.
	o := opts{args: []string{"w"}, stdout: "inherit", stderr: "inherit", mem: 16, timeout: 5000,
		keys: worker("fs:tmp=data/jobs:rw", "fs:tmp=data/jobs/7")}
	if res := x.start("acme:worker", o); res != "ok(1)" {
		t.Fatalf("start(acme:worker, %s) = %s, want ok(1): no handle taken by a refusal", o.wave(), res)
	}
	if res := x.wait(1); res != "ok(exited(0))" {
		t.Errorf("wait(1) = %s, want ok(exited(0))", res)
	}
	if got := x.out.String() + x.errOut.String(); got != "out\nerr\n" {
		t.Errorf("the root's stdout and stderr = %q, want only the last child's %q: a refused child started", got, "out\nerr\n")
	}
}

// TestSpawnRunTimeKeys hands keys the parent holds in nano.lock but not at
// run time: a read-only directory, a denied stream.
func TestSpawnRunTimeKeys(t *testing.T) {
	b := attackTree(t)
	t.Run("a read-only directory", func(t *testing.T) {
		x := startProxy(t, b, func(c *runtime.Config) {
			d := c.Dirs["data"]
			d.ReadOnly = true
			c.Dirs["data"] = d
		})
		if res := x.start("acme:worker", opts{args: []string{"w"}}); !strings.HasPrefix(res, "err(") || !strings.Contains(res, "fs:tmp=data/jobs:rw") {
			t.Errorf("start(acme:worker) under --dir data=PATH:ro = %s, want an err naming fs:tmp=data/jobs:rw", res)
		}
		// acme:reader wants only ro.
		if res := x.start("acme:reader", opts{args: []string{"r"}}); res != "ok(1)" {
			t.Errorf("start(acme:reader) under --dir data=PATH:ro = %s, want ok(1)", res)
		}
	})
	t.Run("an inherited stream the root does not hold", func(t *testing.T) {
		x := startProxy(t, b, func(c *runtime.Config) { c.Deny = map[string]bool{"stdout": true} })
		for _, o := range []opts{
			{args: []string{"w"}, stdout: "inherit"},
			{args: []string{"w"}, stdout: "inherit", keys: []string{"stdio:stdout"}},
			{args: []string{"w"}, stdout: "pipe"},
		} {
			res := x.start("acme:speaker", o)
			if !strings.HasPrefix(res, "err(") || !strings.Contains(res, "stdio:stdout") {
				t.Errorf("start(acme:speaker, %s) under --deny stdout = %s, want an err naming stdio:stdout", o.wave(), res)
			}
			res = x.start("acme:reader", o)
			if !strings.HasPrefix(res, "err(") || !strings.Contains(res, "stdio:stdout") {
				t.Errorf("start(acme:reader, %s) under --deny stdout = %s, want an err naming stdio:stdout", o.wave(), res)
			}
		}
		if got := x.out.String(); got != "" {
			t.Errorf("the root's stdout = %q, want nothing", got)
		}
	})
	t.Run("a child without the stream asks a grandchild to inherit it", func(t *testing.T) {
		x := startProxy(t, b, nil)
		h := x.mustStart("acme:mute", opts{args: []string{"i"}, stderr: "pipe"})
		lines := strings.Split(strings.TrimSuffix(x.readAll(h, true), "\n"), "\n")
		if res := x.wait(h); res != "ok(exited(0))" {
			t.Errorf("wait(acme:mute) = %s, want ok(exited(0))", res)
		}
		if len(lines) != 2 {
			t.Fatalf("acme:mute printed %q, want two start lines", lines)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "start: err ") || !strings.Contains(l, "stdio:stdout") {
				t.Errorf("acme:mute: %s, want start: err naming stdio:stdout", l)
			}
		}
		if got := x.out.String(); got != "" {
			t.Errorf("the root's stdout = %q, want nothing", got)
		}
	})
}

// TestSpawnEnvAndArgs checks what a started child sees: its arguments, and
// only the env keys handed it, with the value start gives or the parent's.
func TestSpawnEnvAndArgs(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	for _, tt := range []struct {
		o    opts
		want string
	}{
		{opts{args: []string{"a", "one", "two words"}}, "one\ntwo words\nLANG=C.UTF-8\n"},
		{opts{args: []string{"a"}, env: [][2]string{{"LANG", "de_DE"}}}, "LANG=de_DE\n"},
	} {
		tt.o.stdout = "pipe"
		h := x.mustStart("acme:worker", tt.o)
		if got := x.readAll(h, false); got != tt.want {
			t.Errorf("acme:worker %s printed %q, want %q", tt.o.wave(), got, tt.want)
		}
		if res := x.wait(h); res != "ok(exited(0))" {
			t.Errorf("wait = %s, want ok(exited(0))", res)
		}
	}
}

// TestSpawnForgedHandles calls every function with numbers that are not
// the caller's handles: from the root, and from a child, acme:forger, that
// tries its parent's numbers.
func TestSpawnForgedHandles(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	forged := []uint64{0, 1, 7, 1<<32 - 1}
	for _, h := range forged {
		for _, call := range []struct {
			name string
			do   func() string
		}{
			{"wait", func() string { return x.call("wait", strconv.FormatUint(h, 10)) }},
			{"kill", func() string { return x.call("kill", strconv.FormatUint(h, 10)) }},
			{"close-stdin", func() string { return x.call("close-stdin", strconv.FormatUint(h, 10)) }},
			{"write", func() string { return x.call("write", strconv.FormatUint(h, 10), "[1, 2]") }},
			{"read", func() string { return x.call("read", strconv.FormatUint(h, 10), "false", "16") }},
		} {
			if got, want := call.do(), notHandle(h); got != want {
				t.Errorf("%s(%d) with no child = %s, want %s", call.name, h, got, want)
			}
		}
	}
	// Two children of the root, 1 and 2, spinning; the forger is 3.
	a := x.mustStart("acme:worker", opts{args: []string{"s"}, stdin: "pipe"})
	b := x.mustStart("acme:worker", opts{args: []string{"s"}, stdin: "pipe"})
	f := x.mustStart("acme:forger", opts{args: []string{"f"}, stdout: "pipe"})
	if a != 1 || b != 2 || f != 3 {
		t.Fatalf("handles %d, %d, %d, want 1, 2, 3", a, b, f)
	}
	got := x.readAll(f, false)
	if res := x.wait(f); res != "ok(exited(0))" {
		t.Errorf("wait(acme:forger) = %s, want ok(exited(0))", res)
	}
	var want strings.Builder
	want.WriteString("start: ok 1\n")
	for _, h := range []uint64{0, 2, 3, 7, 1<<32 - 1} {
		for _, op := range []string{"wait", "kill", "write", "close-stdin", "read"} {
			fmt.Fprintf(&want, "%s %d: err %d is not a handle of a child of this nanoprocess\n", op, h, h)
		}
	}
	want.WriteString("kill 1: ok\nwait 1: ok killed killed\nwait 1: ok killed killed\nkill 1: ok\nclose-stdin 1: ok\n")
	if !strings.HasPrefix(got, want.String()) {
		t.Errorf("acme:forger printed\n%s\nwant\n%s", got, want.String())
	}
	if last := strings.TrimPrefix(got, want.String()); !strings.HasPrefix(last, "write 1: err ") {
		t.Errorf("acme:forger: %q, want write 1: err: its child's stdin ended with it", last)
	}
	// The root's children still run: the forger touched none of them.
	for _, h := range []uint32{a, b} {
		if res := x.kill(h); res != "ok" {
			t.Errorf("kill(%d) = %s, want ok", h, res)
		}
		if res := x.wait(h); res != `ok(killed("killed"))` {
			t.Errorf("wait(%d) = %s, want ok(killed(\"killed\")): the forger reached its parent's child", h, res)
		}
	}
	if got, want := x.wait(4), notHandle(4); got != want {
		t.Errorf("wait(4) = %s, want %s", got, want)
	}
}

// TestSpawnExitTwice waits twice for a child that exited, kills it, closes
// its stdin and writes to it: the same exit, no-ops, and an err.
func TestSpawnExitTwice(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	h := x.mustStart("acme:worker", opts{args: []string{"x"}, stdin: "pipe", stdout: "pipe"})
	for i := 0; i < 2; i++ {
		if res := x.wait(h); res != "ok(exited(7))" {
			t.Errorf("wait #%d = %s, want ok(exited(7))", i+1, res)
		}
	}
	if res := x.kill(h); res != "ok" {
		t.Errorf("kill after the end = %s, want ok", res)
	}
	if res := x.closeStdin(h); res != "ok" {
		t.Errorf("close-stdin after the end = %s, want ok", res)
	}
	if res := x.wait(h); res != "ok(exited(7))" {
		t.Errorf("wait after kill = %s, want ok(exited(7)): a kill after the end changed it", res)
	}
	if res := x.write(h, []byte("late")); !strings.HasPrefix(res, "err(") {
		t.Errorf("write after the end = %s, want an err", res)
	}
	if res := x.read(h, false, 16); res != "ok([])" {
		t.Errorf("read after the end = %s, want ok([]): the end of the stream", res)
	}
	if res := x.read(h, false, 0); !strings.HasPrefix(res, "err(") {
		t.Errorf("read of at most 0 bytes = %s, want an err", res)
	}
	if res := x.read(h, true, 16); !strings.HasPrefix(res, "err(") {
		t.Errorf("read of a stderr that is not piped = %s, want an err", res)
	}
}

// TestSpawnTrap starts a child that traps: wait says trapped with its
// path, and the parent carries on.
func TestSpawnTrap(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	h := x.mustStart("acme:worker", opts{args: []string{"t"}})
	res := x.wait(h)
	if !strings.HasPrefix(res, `ok(trapped("acme:app > acme:worker: `) || !strings.Contains(res, "unreachable") {
		t.Errorf("wait(a child that traps) = %s, want ok(trapped(\"acme:app > acme:worker: ...unreachable...\"))", res)
	}
	h = x.mustStart("acme:worker", opts{args: []string{"x"}})
	if res := x.wait(h); res != "ok(exited(7))" {
		t.Errorf("wait(the next child) = %s, want ok(exited(7))", res)
	}
}

// TestSpawnTimeout runs children that spin forever under a time limit:
// start's, and the edge's.
func TestSpawnTimeout(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	for _, tt := range []struct {
		pkg string
		ms  uint32
	}{
		{"acme:worker", 100}, // start's, under the edge's 5s
		{"acme:spinner", 0},  // the edge's 200ms
		{"acme:reader", 50},  // start's, on an edge without one
	} {
		h := x.mustStart(tt.pkg, opts{args: []string{"s"}, timeout: tt.ms})
		if res := x.wait(h); res != `ok(killed("timeout"))` {
			t.Errorf("wait(%s spinning, timeout-ms %d) = %s, want ok(killed(\"timeout\"))", tt.pkg, tt.ms, res)
		}
	}
	if res := x.start("acme:spinner", opts{args: []string{"s"}, timeout: 201}); !strings.HasPrefix(res, "err(") {
		t.Errorf("start(acme:spinner, timeout-ms 201 over the edge's 200ms) = %s, want an err", res)
	}
}

// TestSpawnKill kills a child spinning in a tight loop.
func TestSpawnKill(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	h := x.mustStart("acme:worker", opts{args: []string{"s"}})
	time.Sleep(20 * time.Millisecond) // let it spin
	began := time.Now()
	if res := x.kill(h); res != "ok" {
		t.Fatalf("kill = %s, want ok", res)
	}
	if res := x.wait(h); res != `ok(killed("killed"))` {
		t.Errorf("wait(a killed spinner) = %s, want ok(killed(\"killed\"))", res)
	}
	t.Logf("kill to wait: %v", time.Since(began))
	// A child killed before it runs is killed too.
	h = x.mustStart("acme:worker", opts{args: []string{"s"}})
	x.kill(h)
	if res := x.wait(h); res != `ok(killed("killed"))` {
		t.Errorf("wait(a spinner killed at once) = %s, want ok(killed(\"killed\"))", res)
	}
}

// TestSpawnMemory grows children's memories until memory.grow returns -1:
// each reports the pages it reached.
func TestSpawnMemory(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	for _, tt := range []struct {
		mem  uint32
		want string
	}{
		{4, "ok(exited(4))"},
		{0, "ok(exited(16))"}, // the edge's 1MiB
		{16, "ok(exited(16))"},
		{1, "ok(exited(1))"},
	} {
		h := x.mustStart("acme:worker", opts{args: []string{"g"}, mem: tt.mem})
		if res := x.wait(h); res != tt.want {
			t.Errorf("wait(a child growing under max-memory-pages %d) = %s, want %s", tt.mem, res, tt.want)
		}
	}
	// Siblings at once: the larger ceiling is not the smaller's.
	small := x.mustStart("acme:worker", opts{args: []string{"g"}, mem: 2})
	large := x.mustStart("acme:worker", opts{args: []string{"g"}, mem: 12})
	if res := x.wait(large); res != "ok(exited(12))" {
		t.Errorf("wait(the larger sibling) = %s, want ok(exited(12))", res)
	}
	if res := x.wait(small); res != "ok(exited(2))" {
		t.Errorf("wait(the smaller sibling) = %s, want ok(exited(2))", res)
	}
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
	if res := x.start("acme:big", opts{}); !strings.HasPrefix(res, "err(") || !strings.Contains(res, "memory") {
		t.Errorf("start(a module of 8 pages under a ceiling of 4) = %s, want an err about its memory", res)
	}
	if res := x.start("acme:big", opts{mem: 8}); !strings.HasPrefix(res, "err(") {
		t.Errorf("start(max-memory-pages 8 over the edge's 4) = %s, want an err", res)
	}
}

// TestSpawnParentExits starts acme:orphaner, which starts three children
// printing forever and exits while they run: they are killed with it.
func TestSpawnParentExits(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	before := goruntime.NumGoroutine()
	h := x.mustStart("acme:orphaner", opts{args: []string{"o"}, stdout: "inherit", stderr: "inherit"})
	if res := x.wait(h); res != "ok(exited(3))" {
		t.Fatalf("wait(acme:orphaner) = %s, want ok(exited(3)); stderr:\n%s", res, x.errOut.String())
	}
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

// TestSpawnCloseKills closes the run while the root's children spin: every
// goroutine they had ends.
func TestSpawnCloseKills(t *testing.T) {
	before := goruntime.NumGoroutine()
	b := attackTree(t)
	ctx := context.Background()
	net, _ := policy.ParseNet("api.example.com:443")
	p, err := runtime.Start(ctx, b, &runtime.Config{
		Dirs: map[string]runtime.Dir{"data": {Path: t.TempDir()}}, Env: map[string]string{"LANG": "C"},
		Net: []policy.Key{net}, Cache: runCache,
	})
	if err != nil {
		t.Fatal(err)
	}
	x := &proxy{t: t, p: p}
	for i := 0; i < 3; i++ {
		x.mustStart("acme:speaker", opts{args: []string{"s"}})
	}
	x.mustStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe"})
	if err := p.Close(ctx); err != nil {
		t.Errorf("Close = %v", err)
	}
	if n := settle(before); n > before {
		t.Errorf("%d goroutines after Close, %d before Start: children outlived the run", n, before)
	}
}

// TestSpawnPipe1MiB runs acme:piper, which pipes 1 MiB through a cat-like
// child and compares every byte it reads back; the test checks its
// checksum of them too.
func TestSpawnPipe1MiB(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	h := x.mustStart("acme:piper", opts{args: []string{"P"}, stdout: "inherit"})
	res := x.wait(h)
	sum := fnv.New32a()
	for i := uint32(0); i < 1<<20; i++ {
		sum.Write([]byte{byte(i + (i>>8)*31 + (i>>16)*7)})
	}
	want := fmt.Sprintf("start: ok 1\nok 1048576 %x\n", sum.Sum32())
	if res != "ok(exited(0))" || x.out.String() != want {
		t.Errorf("acme:piper: %s, printed %q; want ok(exited(0)), %q", res, x.out.String(), want)
	}
}

// TestSpawnPipeFromRoot writes to a cat-like child's stdin from the root,
// reads its stdout, and closes stdin: the child sees the end and exits;
// writes after it are errs.
func TestSpawnPipeFromRoot(t *testing.T) {
	x := startProxy(t, attackTree(t), nil)
	h := x.mustStart("acme:cat", opts{args: []string{"c"}, stdin: "pipe", stdout: "pipe"})
	if res := x.write(h, []byte("hello, ")); res != "ok" {
		t.Fatalf("write = %s, want ok", res)
	}
	if res := x.write(h, []byte("child")); res != "ok" {
		t.Fatalf("write = %s, want ok", res)
	}
	if res := x.closeStdin(h); res != "ok" {
		t.Fatalf("close-stdin = %s, want ok", res)
	}
	if res := x.write(h, []byte("more")); !strings.HasPrefix(res, "err(") {
		t.Errorf("write after close-stdin = %s, want an err", res)
	}
	if got := x.readAll(h, false); got != "hello, child" {
		t.Errorf("read = %q, want %q", got, "hello, child")
	}
	if res := x.wait(h); res != "ok(exited(0))" {
		t.Errorf("wait = %s, want ok(exited(0))", res)
	}
	// A stream that is not piped is an err in every call on it.
	h = x.mustStart("acme:cat", opts{args: []string{"r"}})
	for _, res := range []string{x.write(h, []byte("x")), x.closeStdin(h), x.read(h, false, 1)} {
		if !strings.HasPrefix(res, "err(") || !strings.Contains(res, "not piped") {
			t.Errorf("a call on a stream that is not piped = %s, want an err: not piped", res)
		}
	}
	x.wait(h)
}

// TestSpawnThousand starts and waits for 1,000 children in a loop: the
// goroutines and the heap of the test process do not grow with them.
func TestSpawnThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 children")
	}
	x := startProxy(t, attackTree(t), nil)
	o := opts{args: []string{"r"}}
	n := uint32(0)
	round := func(count int) {
		for i := 0; i < count; i++ {
			n++
			if h := x.mustStart("acme:worker", o); h != n {
				t.Fatalf("start #%d = handle %d, want %d: handles are never reused", n, h, n)
			}
			if res := x.wait(n); res != "ok(exited(0))" {
				t.Fatalf("wait(%d) = %s, want ok(exited(0))", n, res)
			}
		}
	}
	round(50) // warm up: pools and caches fill
	var ms goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	heap, routines := ms.HeapAlloc, goruntime.NumGoroutine()
	round(1000)
	after := settle(routines)
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	t.Logf("after 1,000 children: goroutines %d -> %d, heap %d KiB -> %d KiB", routines, after, heap>>10, ms.HeapAlloc>>10)
	if after > routines+2 {
		t.Errorf("goroutines %d -> %d after 1,000 children: a child leaves one behind", routines, after)
	}
	// Each child holds a 64 KiB memory and a handle table entry: 1,000
	// leaked memories are 64 MiB. The bound leaves room for the table.
	if grown := int64(ms.HeapAlloc) - int64(heap); grown > 16<<20 {
		t.Errorf("the heap grew by %d KiB over 1,000 children, want under 16 MiB", grown>>10)
	}
}
