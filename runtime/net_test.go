package runtime_test

// These tests attack nano:net from a real guest (testdata/net): a root,
// proxy.wat, that forwards every call of nano:net/tcp and nano:net/http
// from its own memory, so that a test drives it with Invoke and WAVE
// values. Every server is on loopback; a fake resolver answers what a test
// wants, and a recording dialer sees every address nano connects to, and
// sends the global addresses a test names to a loopback server.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goruntime "runtime"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
	"github.com/nanoproc/nano/runtime/nethost"
)

// TestNetFixtures checks that every .wasm in testdata/net is what
// wat2wasm makes of its .wat (testdata/build.sh rebuilds them).
func TestNetFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/net/*.wat", nil)
}

// A netSource serves one root module, acme:app, and its WIT.
type netSource struct {
	wasm     []byte
	dir, pkg string // its WIT: a directory of testdata/net and the package; none without dir
}

func (s netSource) Module(p *lockfile.Package) ([]byte, error) { return s.wasm, nil }

func (s netSource) Interface(p *lockfile.Package) (*iface.Package, error) {
	if s.dir == "" {
		return nil, nil
	}
	return iface.Load(filepath.Join("testdata", "net", s.dir), s.pkg)
}

func (s netSource) Mounts(*lockfile.Package) (map[string]string, error) { return nil, nil }

// netBundle locks the proxy as the root acme:app, holding keys, and links
// it with linker.Build.
func netBundle(t testing.TB, keys string) *linker.Bundle {
	return rootBundle(t, keys, "proxy.wasm", netSource{dir: "proxy", pkg: "acme:netproxy"})
}

// rootBundle locks module wasm of testdata/net as the root acme:app,
// holding keys, and links it with linker.Build.
func rootBundle(t testing.TB, keys, wasm string, src netSource) *linker.Bundle {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "net", wasm))
	if err != nil {
		t.Fatalf("%v (rebuild with testdata/build.sh)", err)
	}
	set, err := policy.ParseSet(strings.Fields(keys))
	if err != nil {
		t.Fatal(err)
	}
	lp := &lockfile.Package{Name: "acme:app", Version: semver.MustParse("1.0.0"), Source: "registry", Module: lockfile.Digest(data), Keys: set}
	l := &lockfile.Lock{Packages: []*lockfile.Package{lp}}
	src.wasm = data
	b, err := linker.Build(context.Background(), l, "acme:app 1.0.0", src)
	if err != nil {
		t.Fatalf("linker.Build(%s) = %v", wasm, err)
	}
	return b
}

// A fakeResolver answers names from a table, and counts the lookups.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	asked   []string
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	a, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a, nil
}

func (r *fakeResolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var as []netip.Addr
	for _, a := range addrs {
		as = append(as, netip.MustParseAddr(a))
	}
	r.answers[host] = as
}

// A recordingDialer records every address nano connects to. It connects
// loopback addresses for real, sends the addresses of routes to their
// loopback server, and refuses the rest: no test leaves the machine.
type recordingDialer struct {
	mu     sync.Mutex
	dialed []string
	routes map[string]string // "IP:PORT" of a global address -> a loopback "IP:PORT"
}

func (d *recordingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	to, routed := d.routes[addr]
	d.mu.Unlock()
	if !routed {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().IsLoopback() {
			return nil, fmt.Errorf("test: no route to %s", addr)
		}
		to = addr
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, to)
}

func (d *recordingDialer) got() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dialed...)
}

func (d *recordingDialer) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dialed = nil
}

// A netProxy is a started net proxy that a test drives.
type netProxy struct {
	t   testing.TB
	b   *linker.Bundle
	p   *runtime.Process
	res *fakeResolver
	dl  *recordingDialer
}

// startNet starts the net proxy holding keys, with the operator handing it
// exactly those, a fake resolver and a recording dialer. edit, if not nil,
// changes the configuration first.
func startNet(t testing.TB, keys string, edit func(*runtime.Config)) *netProxy {
	t.Helper()
	b := netBundle(t, keys)
	x := &netProxy{t: t, b: b, res: &fakeResolver{answers: map[string][]netip.Addr{}}, dl: &recordingDialer{routes: map[string]string{}}}
	c := runtime.Config{Stdout: io.Discard, Stderr: io.Discard, Cache: runCache,
		Network: nethost.Config{Resolver: x.res, Dial: x.dl.dial}}
	for _, k := range strings.Fields(keys) {
		key, err := policy.ParseKey(k)
		if err != nil {
			t.Fatal(err)
		}
		c.Net = append(c.Net, key)
	}
	if edit != nil {
		edit(&c)
	}
	var err error
	ctx := context.Background()
	if x.p, err = runtime.Start(ctx, b, &c); err != nil {
		t.Fatalf("Start(the net proxy) = %v", err)
	}
	t.Cleanup(func() { x.p.Close(ctx) })
	return x
}

// run sends ops, a script of nano:net calls in WAVE (opConnect, opFetch,
// ...), to the root, which makes them in turn, and returns what each
// returned in WAVE: "ok(1)", `err("...")`, "ok([104, 105])", "closed",
// "ok({status: 200, ...})". Connections close when run returns.
func (x *netProxy) run(ops ...string) []string {
	x.t.Helper()
	out, _, err := x.try(ops...)
	if err != nil {
		x.t.Fatal(err)
	}
	return out
}

// try is run, returning each outcome's value too, and its failure instead
// of failing the test.
func (x *netProxy) try(ops ...string) ([]string, []iface.Value, error) {
	text := "[" + strings.Join(ops, ", ") + "]"
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	res, err := x.p.Invoke(ctx, "run", []string{text})
	if err != nil {
		return nil, nil, fmt.Errorf("run(%s): %w", short(text), err)
	}
	f := x.b.Exports[0]
	v, err := iface.ParseWAVE(f.Results[0], res[0])
	if err != nil {
		return nil, nil, fmt.Errorf("run(%s) = %s: %v", short(text), short(res[0]), err)
	}
	outcomes := v.([]iface.Value)
	if len(outcomes) != len(ops) {
		return nil, nil, fmt.Errorf("run(%s) = %s: %d outcomes, want %d", short(text), short(res[0]), len(outcomes), len(ops))
	}
	out := make([]string, len(outcomes))
	vals := make([]iface.Value, len(outcomes))
	for i, o := range outcomes {
		vv := o.(iface.VariantValue)
		out[i] = vv.Case
		for _, c := range f.Results[0].Elem.Cases {
			if c.Name == vv.Case && c.Type != nil {
				out[i] = iface.FormatWAVE(c.Type, vv.Value)
				vals[i] = vv.Value
			}
		}
	}
	return out, vals, nil
}

func waveBytes(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = strconv.Itoa(int(c))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// waveString quotes s in WAVE.
func waveString(s string) string {
	return strings.ReplaceAll(strconv.Quote(s), `\x00`, `\u{0}`)
}

// The ops of a script.
func opConnect(host string, port int) string { return fmt.Sprintf("connect((%q, %d))", host, port) }
func opSend(h int, data string) string {
	return fmt.Sprintf("send((%d, %s))", h, waveBytes([]byte(data)))
}
func opRecv(h int, max uint32) string { return fmt.Sprintf("recv((%d, %d))", h, max) }
func opClose(h int) string            { return fmt.Sprintf("close(%d)", h) }
func opFetch(method, url string, headers [][2]string, body string) string {
	var hs []string
	for _, kv := range headers {
		hs = append(hs, fmt.Sprintf("(%s, %s)", waveString(kv[0]), waveString(kv[1])))
	}
	return fmt.Sprintf("fetch({method: %s, url: %s, headers: [%s], body: %s})", waveString(method), waveString(url), strings.Join(hs, ", "), waveBytes([]byte(body)))
}

// netCheck compares what a script returned with what each op must
// return: a WAVE text in which "..." stands for any text.
func netCheck(t *testing.T, ops, got, want []string) {
	t.Helper()
	for i := range want {
		if !glob(want[i], got[i]) {
			t.Errorf("%s = %s, want %s", short(ops[i]), short(got[i]), want[i])
		}
	}
}

// glob reports whether s matches pattern, in which "..." stands for any
// text.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "...")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// An echoServer echoes every connection on loopback, and records what
// each connection sent and when it saw it closed.
type echoServer struct {
	ln     net.Listener
	mu     sync.Mutex
	got    bytes.Buffer
	closed chan struct{} // one value per connection closed by its peer
}

func newEchoServer(t testing.TB) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{ln: ln, closed: make(chan struct{}, 4096)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						s.mu.Lock()
						s.got.Write(buf[:n])
						s.mu.Unlock()
						c.Write(buf[:n])
					}
					if err != nil {
						s.closed <- struct{}{}
						return
					}
				}
			}()
		}
	}()
	return s
}

func (s *echoServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *echoServer) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.String()
}

// TestNetTCP connects to an allowed address, echoes through it, closes
// it; an address or port without a key is an err naming the key to add,
// and is never resolved or dialled.
func TestNetTCP(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", p), nil)
	ops := []string{
		opConnect("127.0.0.1", p),
		opSend(1, "ping"),
		opRecv(1, 100),
		opClose(1),
		opSend(1, "again"),
		opRecv(1, 100),
		opConnect("127.0.0.1", p+1),
		opConnect("evil.example", 443),
		opConnect("::1", p),
		opConnect("127.0.0.1", p),
		opRecv(2, 0),
	}
	got := x.run(ops...)
	netCheck(t, ops, got, []string{
		"ok(1)",
		"ok(4)",
		"ok([112, 105, 110, 103])",
		"closed",
		`err("1 is not a handle of an open connection of this nanoprocess")`,
		`err("1 is not a handle of an open connection of this nanoprocess")`,
		fmt.Sprintf(`err("net:127.0.0.1:%d is not a key of acme:app")`, p+1),
		`err("net:evil.example:443 is not a key of acme:app")`,
		fmt.Sprintf(`err("net:[::1]:%d is not a key of acme:app")`, p),
		"ok(2)",
		`err("recv of at most 0 bytes")`,
	})
	if len(x.res.asked) > 0 {
		t.Errorf("the resolver was asked %q, want nothing", x.res.asked)
	}
	if want := []string{fmt.Sprintf("127.0.0.1:%d", p), fmt.Sprintf("127.0.0.1:%d", p)}; !equalStrings(x.dl.got(), want) {
		t.Errorf("dialled %q, want %q", x.dl.got(), want)
	}
	if s.received() != "ping" {
		t.Errorf("the server received %q, want %q", s.received(), "ping")
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// TestNetRebinding grants a name whose DNS answer is an address a name
// must not reach, in every form: each connect is an err, and nothing is
// dialled. With global and non-global answers mixed, only the global
// ones are tried. The same loopback address is reached under an IP key,
// and localhost reaches it without asking the resolver.
func TestNetRebinding(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:rebind.example:%d net:127.0.0.1:%d net:localhost:%d", p, p, p), nil)
	for _, answer := range [][]string{
		{"127.0.0.1"}, {"10.0.0.1"}, {"169.254.169.254"}, {"::1"}, {"::ffff:127.0.0.1"},
		{"::127.0.0.1"}, {"100.64.0.1"}, {"fe80::1"}, {"0.0.0.0"}, {"::"}, {"192.168.0.1", "172.16.0.1", "fd00::1"},
		{"64:ff9b::a9fe:a9fe"},
	} {
		x.res.set("rebind.example", answer...)
		x.dl.reset()
		ops := []string{opConnect("rebind.example", p)}
		got := x.run(ops...)
		netCheck(t, ops, got, []string{fmt.Sprintf(`err("rebind.example resolves only to addresses that are not global (%s), which a DNS name never reaches")`, strings.Join(normalized(answer), ", "))})
		if d := x.dl.got(); len(d) > 0 {
			t.Errorf("answer %q: dialled %q, want nothing", answer, d)
		}
	}
	// Mixed: only the global address is tried; the test routes it to the
	// loopback server.
	x.res.set("rebind.example", "127.0.0.1", "93.184.215.14", "10.0.0.1", "::ffff:10.0.0.1")
	x.dl.reset()
	global := fmt.Sprintf("93.184.215.14:%d", p)
	x.dl.routes[global] = fmt.Sprintf("127.0.0.1:%d", p)
	x.res.asked = nil
	ops := []string{opConnect("rebind.example", p), opSend(1, "mixed"), opRecv(1, 5),
		opConnect("127.0.0.1", p), opConnect("localhost", p), opConnect("LocalHost.", p)}
	got := x.run(ops...)
	netCheck(t, ops, got, []string{"ok(1)", "ok(5)", "ok([109, 105, 120, 101, 100])", "ok(2)", "ok(3)", "ok(4)"})
	want := []string{global, fmt.Sprintf("127.0.0.1:%d", p), fmt.Sprintf("127.0.0.1:%d", p), fmt.Sprintf("127.0.0.1:%d", p)}
	if !equalStrings(x.dl.got(), want) {
		t.Errorf("dialled %q, want %q", x.dl.got(), want)
	}
	if !equalStrings(x.res.asked, []string{"rebind.example"}) {
		t.Errorf("the resolver was asked %q, want rebind.example once", x.res.asked)
	}
}

func normalized(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = netip.MustParseAddr(a).String()
	}
	return out
}

// TestNetSpellings connects to 127.0.0.1 spelled in ways a resolver or a
// libc might read as it, holding a key to 127.0.0.1: each is an err, and
// nothing is resolved or dialled.
func TestNetSpellings(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", p), nil)
	var ops, want []string
	for _, h := range []string{"2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "127.000.000.001", "fe80::1%lo"} {
		ops = append(ops, opConnect(h, p))
		want = append(want, "err(...")
	}
	// The mapped form of an address is the address.
	ops = append(ops, opConnect("::ffff:127.0.0.1", p))
	want = append(want, "ok(1)")
	netCheck(t, ops, x.run(ops...), want)
	if len(x.res.asked) > 0 {
		t.Errorf("the resolver was asked %q, want nothing", x.res.asked)
	}
	if d := x.dl.got(); len(d) != 1 {
		t.Errorf("dialled %q, want only the mapped form's 127.0.0.1", d)
	}
}

// TestNetWildcard holds *.example.com: it covers api.example.com, never
// example.com itself nor a name that only ends like it.
func TestNetWildcard(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:*.example.com:%d", p), nil)
	x.res.set("api.example.com", "93.184.215.14")
	x.res.set("example.com", "93.184.215.14")
	x.res.set("badexample.com", "93.184.215.14")
	x.dl.routes[fmt.Sprintf("93.184.215.14:%d", p)] = fmt.Sprintf("127.0.0.1:%d", p)
	ops := []string{opConnect("api.example.com", p), opConnect("example.com", p), opConnect("badexample.com", p), opConnect("api.example.com", p+1)}
	netCheck(t, ops, x.run(ops...), []string{
		"ok(1)",
		fmt.Sprintf(`err("net:example.com:%d is not a key of acme:app")`, p),
		fmt.Sprintf(`err("net:badexample.com:%d is not a key of acme:app")`, p),
		fmt.Sprintf(`err("net:api.example.com:%d is not a key of acme:app")`, p+1),
	})
}

// TestNetCap opens connections up to the cap: the next is an err until
// one closes.
func TestNetCap(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", p), nil)
	var ops, want []string
	for i := 1; i <= nethost.MaxConns; i++ {
		ops = append(ops, opConnect("127.0.0.1", p))
		want = append(want, fmt.Sprintf("ok(%d)", i))
	}
	ops = append(ops, opConnect("127.0.0.1", p), opClose(7), opConnect("127.0.0.1", p))
	want = append(want, fmt.Sprintf(`err("acme:app holds %d open connections, the most a nanoprocess may: close one first")`, nethost.MaxConns),
		"closed", fmt.Sprintf("ok(%d)", nethost.MaxConns+1))
	netCheck(t, ops, x.run(ops...), want)
	if n := len(x.dl.got()); n != nethost.MaxConns+1 {
		t.Errorf("dialled %d times, want %d", n, nethost.MaxConns+1)
	}
}

// TestNetEndCloses leaves connections open when the call into the
// nanoprocess returns: the server sees every one of them closed, and 1,000
// connections opened and closed leave nothing behind.
func TestNetEndCloses(t *testing.T) {
	s := newEchoServer(t)
	p := s.port()
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", p), nil)
	x.run(opConnect("127.0.0.1", p), opConnect("127.0.0.1", p), opSend(2, "left open"))
	for i := 0; i < 2; i++ {
		select {
		case <-s.closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("the server saw %d of 2 connections closed, want both when run returns", i)
		}
	}
	// The handles are gone, and never reused.
	netCheck(t, []string{"send"}, x.run(opSend(1, "x")), []string{`err("1 is not a handle of an open connection of this nanoprocess")`})
	before := goruntime.NumGoroutine()
	for round := 0; round < 10; round++ {
		var ops []string
		for i := 0; i < 50; i++ {
			ops = append(ops, opConnect("127.0.0.1", p))
		}
		x.run(ops...) // 50 left open, closed by the end of the call
		ops = ops[:0]
		for i := 0; i < 50; i++ {
			ops = append(ops, opConnect("127.0.0.1", p))
		}
		got := x.run(ops...)
		if strings.HasPrefix(got[49], "err") {
			t.Fatalf("round %d: %s", round, got[49])
		}
	}
	for i := 0; i < 1000; i++ {
		select {
		case <-s.closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("the server saw %d of 1000 connections closed", i)
		}
	}
	if n := settle(before); n > before+5 {
		t.Errorf("%d goroutines after 1,000 connections, %d before", n, before)
	}
}

// fetchOK returns the response of a fetch's outcome.
func fetchOK(t *testing.T, v iface.Value, text string) (status uint64, headers [][2]string, body string) {
	t.Helper()
	r, ok := v.(iface.ResultValue)
	if !ok || r.Err {
		t.Fatalf("fetch = %s, want ok", short(text))
	}
	rec := r.Value.([]iface.Value)
	for _, kv := range rec[1].([]iface.Value) {
		kv := kv.([]iface.Value)
		headers = append(headers, [2]string{kv[0].(string), kv[1].(string)})
	}
	var b []byte
	switch bs := rec[2].(type) {
	case []byte:
		b = bs
	case []iface.Value:
		for _, c := range bs {
			b = append(b, byte(c.(uint64)))
		}
	}
	return rec[0].(uint64), headers, string(b)
}

// TestNetFetch fetches from an allowed server: the status, the headers in
// lowercase with a repeated one repeated, the body; the request's method,
// headers and body reach the server. A proxy in the environment is
// ignored.
func TestNetFetch(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %s %s", r.Method, r.URL.Path, r.Header.Get("X-Token"), body))
		mu.Unlock()
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Reply", "yes")
		w.WriteHeader(201)
		io.WriteString(w, "created")
	}))
	t.Cleanup(srv.Close)
	proxied := false
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxied = true }))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d net:api.example.com:%d", port, port), nil)
	x.res.set("api.example.com", "93.184.215.14")
	x.dl.routes[fmt.Sprintf("93.184.215.14:%d", port)] = srv.Listener.Addr().String()
	ops := []string{
		opFetch("POST", srv.URL+"/items", [][2]string{{"X-Token", "t1"}}, "hello"),
		opFetch("GET", fmt.Sprintf("http://api.example.com:%d/x", port), nil, ""),
		opFetch("GET", fmt.Sprintf("http://api.example.com:%d/x", port+1), nil, ""),
		opFetch("GET", "ftp://api.example.com/x", nil, ""),
		opFetch("GET", fmt.Sprintf("http://2130706433:%d/", port), nil, ""),
	}
	got, vals, err := x.try(ops...)
	if err != nil {
		t.Fatal(err)
	}
	status, headers, body := fetchOK(t, vals[0], got[0])
	if status != 201 || body != "created" {
		t.Errorf("fetch = %d %q, want 201 %q", status, body, "created")
	}
	var cookies []string
	for _, h := range headers {
		if h[0] != strings.ToLower(h[0]) {
			t.Errorf("header %q is not lowercase", h[0])
		}
		if h[0] == "set-cookie" {
			cookies = append(cookies, h[1])
		}
	}
	if !equalStrings(cookies, []string{"a=1", "b=2"}) {
		t.Errorf("set-cookie = %q, want a=1 then b=2", cookies)
	}
	fetchOK(t, vals[1], got[1])
	netCheck(t, ops[2:], got[2:], []string{
		fmt.Sprintf(`err("fetch http://api.example.com:%d/x: net:api.example.com:%d is not a key of acme:app")`, port+1, port+1),
		`err("fetch ftp://api.example.com/x: scheme \"ftp\" is not http or https")`,
		`err(...IPv4 address in dotted decimal...`,
	})
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"POST /items t1 hello", "GET /x  "}; !equalStrings(seen, want) {
		t.Errorf("the server saw %q, want %q", seen, want)
	}
	if proxied {
		t.Error("the request went to the proxy of the environment")
	}
}

// TestNetRedirects follows a redirect between allowed hosts, refuses one
// to a host without a key or to the metadata address, naming the hop, and
// stops a redirect loop. The refused servers receive nothing.
func TestNetRedirects(t *testing.T) {
	var hits sync.Map
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Store("forbidden", true) }))
	t.Cleanup(forbidden.Close)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-ok":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			io.WriteString(w, "fine")
		case "/to-forbidden":
			http.Redirect(w, r, forbidden.URL+"/steal", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-named":
			http.Redirect(w, r, fmt.Sprintf("http://evil.example:%d/", srv.Listener.Addr().(*net.TCPAddr).Port), http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", srv.Listener.Addr().(*net.TCPAddr).Port), nil)
	ops := []string{
		opFetch("GET", srv.URL+"/to-ok", nil, ""),
		opFetch("GET", srv.URL+"/to-forbidden", nil, ""),
		opFetch("GET", srv.URL+"/to-metadata", nil, ""),
		opFetch("GET", srv.URL+"/to-named", nil, ""),
		opFetch("GET", srv.URL+"/loop", nil, ""),
	}
	got, vals, err := x.try(ops...)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body := fetchOK(t, vals[0], got[0]); body != "fine" {
		t.Errorf("fetch(/to-ok) body = %q, want %q", body, "fine")
	}
	fport := forbidden.Listener.Addr().(*net.TCPAddr).Port
	netCheck(t, ops[1:], got[1:], []string{
		fmt.Sprintf(`err("fetch %s/to-forbidden: redirect 1 to %s/steal: net:127.0.0.1:%d is not a key of acme:app")`, srv.URL, forbidden.URL, fport),
		fmt.Sprintf(`err("fetch %s/to-metadata: redirect 1 to http://169.254.169.254/latest/meta-data/: net:169.254.169.254:80 is not a key of acme:app")`, srv.URL),
		`err(...redirect 1 to http://evil.example:...`,
		fmt.Sprintf(`err("fetch %s/loop: redirect 11 to %s/loop: more than 10 redirects")`, srv.URL, srv.URL),
	})
	if _, hit := hits.Load("forbidden"); hit {
		t.Error("the forbidden server received a request")
	}
	for _, d := range x.dl.got() {
		if !strings.HasPrefix(d, "127.0.0.1:") || strings.HasSuffix(d, ":"+strconv.Itoa(fport)) {
			t.Errorf("dialled %s", d)
		}
	}
}

// TestNetFetchBounds refuses a response body past MaxBody and headers that
// could frame a second request; the server never sees a refused request.
func TestNetFetchBounds(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/huge" {
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for i := 0; i < nethost.MaxBody>>20; i++ {
				w.Write(chunk)
			}
			w.Write([]byte("!"))
			return
		}
	}))
	t.Cleanup(srv.Close)
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", srv.Listener.Addr().(*net.TCPAddr).Port), nil)
	ops := []string{
		opFetch("GET", srv.URL+"/huge", nil, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"X-A", "b\r\nGET /second HTTP/1.1"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"X-A", "b\nHost: evil"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"X-A", "b\x00"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"X-A\r\nX-B", "c"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"Content-Length", "0"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"transfer-encoding", "chunked"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"Host", "evil.example"}}, ""),
		opFetch("GET", srv.URL+"/smuggle", [][2]string{{"Connection", "upgrade"}}, ""),
		opFetch("GET /second HTTP/1.1\r\n", srv.URL+"/smuggle", nil, ""),
		opFetch("GET", srv.URL+"/smuggle\r\nX: y", nil, ""),
	}
	got, _, err := x.try(ops...)
	if err != nil {
		t.Fatal(err)
	}
	netCheck(t, ops, got, []string{
		fmt.Sprintf(`err("fetch %s/huge: the response body is larger than the limit of 16 MiB")`, srv.URL),
		`err(...control character...`,
		`err(...control character...`,
		`err(...control character...`,
		`err(...is not a token...`,
		`err(...header Content-Length is nano's to set, not the guest's...`,
		`err(...header transfer-encoding is nano's to set, not the guest's...`,
		`err(...header Host is nano's to set, not the guest's...`,
		`err(...header Connection is nano's to set, not the guest's...`,
		`err(...is not one nano sends...`,
		`err(...`,
	})
	mu.Lock()
	if !equalStrings(seen, []string{"/huge"}) {
		t.Errorf("the server saw %q, want only /huge", seen)
	}
	mu.Unlock()
}

// TestNetHTTPS verifies https with the configured roots: the test
// server's certificate is accepted under a pool that holds it, refused
// under the host's roots, which do not.
func TestNetHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	keys := fmt.Sprintf("net:127.0.0.1:%d", port)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	x := startNet(t, keys, func(c *runtime.Config) { c.Network.RootCAs = pool })
	got, vals, err := x.try(opFetch("GET", srv.URL, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body := fetchOK(t, vals[0], got[0]); body != "secure" {
		t.Errorf("fetch = %q, want %q", body, "secure")
	}
	y := startNet(t, keys, nil)
	ops := []string{opFetch("GET", srv.URL, nil, "")}
	netCheck(t, ops, y.run(ops...), []string{`err(...certificate...`})
}

// TestNetSlowServer fetches from a server that never answers, under the
// run's time limit: the run stops at its timeout, not the server's.
func TestNetSlowServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	x := startNet(t, fmt.Sprintf("net:127.0.0.1:%d", srv.Listener.Addr().(*net.TCPAddr).Port), func(c *runtime.Config) { c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	_, _, err := x.try(opFetch("GET", srv.URL, nil, ""))
	var te *runtime.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("fetch from a server that never answers = %v, want a TimeoutError", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run stopped after %s", d)
	}
}

// A sinkServer accepts connections on loopback, records what they send,
// never replies, and counts the connections their peer closed.
type sinkServer struct {
	ln     net.Listener
	mu     sync.Mutex
	got    bytes.Buffer
	closed chan struct{}
}

func newSinkServer(t testing.TB) *sinkServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sinkServer{ln: ln, closed: make(chan struct{}, 64)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					s.mu.Lock()
					s.got.Write(buf[:n])
					s.mu.Unlock()
					if err != nil {
						s.closed <- struct{}{}
						return
					}
				}
			}()
		}
	}()
	return s
}

func (s *sinkServer) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.String()
}

// TestNetSiblings spawns two children: netkid holds connection 1 open,
// blocked in recv; its sibling netthief sends on and reads from handle 1,
// and gets an err each time: the server receives only netkid's hello. The
// destination, peer.test:7, is pinned by the operator (--connect-to) to a
// loopback server, which a pin may reach; the same module as a package
// that holds no net key, acme:netless, cannot reach it, pin or not. When the script ends, netkid is killed in
// recv and the server sees its connection closed.
func TestNetSiblings(t *testing.T) {
	s := newSinkServer(t)
	pkgs := []spawnPkg{
		{"acme:app", "proxy.wasm", "net:peer.test:7 stdio:stdout spawn:acme:netkid spawn:acme:netthief spawn:acme:netless"},
		{"acme:netkid", "../net/netkid.wasm", "net:peer.test:7 stdio:stdout"},
		{"acme:netthief", "../net/netthief.wasm", "net:peer.test:7 stdio:stdout"},
		{"acme:netless", "../net/netkid.wasm", "stdio:stdout"},
	}
	edges := []spawnEdge{
		{"acme:app", "acme:netkid", "net:peer.test:7 stdio:stdout", limits.Limits{}},
		{"acme:app", "acme:netthief", "net:peer.test:7 stdio:stdout", limits.Limits{}},
		{"acme:app", "acme:netless", "stdio:stdout", limits.Limits{}},
	}
	b := spawnTree(t, pkgs, edges)
	key, _ := policy.ParseNet("peer.test:7")
	res := &fakeResolver{answers: map[string][]netip.Addr{}}
	c := runtime.Config{
		Net: []policy.Key{key}, Stdout: io.Discard, Stderr: io.Discard, Cache: runCache,
		Network: nethost.Config{Resolver: res, ConnectTo: map[string]netip.AddrPort{"peer.test:7": netip.MustParseAddrPort(s.ln.Addr().String())}},
	}
	ctx := context.Background()
	p, err := runtime.Start(ctx, b, &c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	x := &proxy{t: t, b: b, p: p}
	ops := []string{
		opStart("acme:netkid", opts{stdout: "pipe"}),
		opRead(1, false, 100),
		opStart("acme:netthief", opts{stdout: "pipe"}),
		opWait(2),
		opRead(2, false, 1000),
		opStart("acme:netless", opts{stdout: "pipe"}),
		opWait(3),
		opRead(3, false, 1000),
	}
	got := x.run(ops...)
	want := []string{
		"ok(1)",
		"ok([99, 111, 110, 110, 101, 99, 116, 101, 100, 10])", // connected
		"ok(2)",
		"ok(exited(0))",
		"",
		"ok(3)",
		"ok(exited(0))",
		"",
	}
	check(t, ops, got, want[:4])
	notHeld := "1 is not a handle of an open connection of this nanoprocess\n"
	if out := readText(t, got[4]); out != notHeld+notHeld {
		t.Errorf("netthief printed %q, want the refusal of send and of recv", out)
	}
	check(t, ops[5:7], got[5:7], want[5:7])
	if out := readText(t, got[7]); out != "net:peer.test:7 is not a key of acme:app > acme:netless" {
		t.Errorf("netkid's module without a net key printed %q", out)
	}
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not see netkid's connection closed when it was killed")
	}
	if got := s.received(); got != "hello" {
		t.Errorf("the server received %q, want only netkid's hello", got)
	}
	if len(res.asked) > 0 {
		t.Errorf("the resolver was asked %q for a pinned destination", res.asked)
	}
}

// TestNetHostRoots verifies https with the host's roots: in a subprocess
// whose SSL_CERT_FILE holds the test server's certificate, and no
// RootCAs, the fetch succeeds; TestNetHTTPS shows that without it the
// same certificate is refused.
func TestNetHostRoots(t *testing.T) {
	if url := os.Getenv("NANO_TEST_TLS_URL"); url != "" {
		port := url[strings.LastIndexByte(url, ':')+1:]
		x := startNet(t, "net:127.0.0.1:"+port, nil)
		got, vals, err := x.try(opFetch("GET", url, nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, body := fetchOK(t, vals[0], got[0]); body != "secure" {
			t.Fatalf("fetch = %q, want %q", body, "secure")
		}
		return
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	t.Cleanup(srv.Close)
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNetHostRoots$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+roots, "SSL_CERT_DIR="+t.TempDir(), "NANO_TEST_TLS_URL="+srv.URL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the subprocess with SSL_CERT_FILE failed: %v\n%s", err, out)
	}
}

// TestNetGoGuest runs a Go guest (testdata/net/gofetch, GOOS=wasip1) whose
// standard net/http client dials through nano:net/tcp with hand-written
// bindings: it fetches a page from a loopback server. The same guest
// without the key gets the err as its client's error.
func TestNetGoGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("compiling a Go guest with net/http takes a while")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	run := func(key string) (string, int, error) {
		b := rootBundle(t, key+" stdio:stdout", "gofetch.wasm", netSource{})
		k, err := policy.ParseKey(key)
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		c := runtime.Config{Net: []policy.Key{k}, Stdout: &out, Stderr: io.Discard, Cache: runCache, Args: []string{srv.URL + "/page"}}
		ctx := context.Background()
		p, err := runtime.Start(ctx, b, &c)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctx)
		ctx, cancel := context.WithTimeout(ctx, scriptTimeout)
		defer cancel()
		code, err := p.Main(ctx)
		return out.String(), code, err
	}
	out, code, err := run(fmt.Sprintf("net:127.0.0.1:%d", port))
	if err != nil || code != 0 || out != "200 OK\nhello from /page\n" {
		t.Errorf("gofetch = %q, %d, %v, want the page", out, code, err)
	}
	out, code, err = run(fmt.Sprintf("net:127.0.0.1:%d", port+1))
	if want := fmt.Sprintf("net:127.0.0.1:%d is not a key of acme:app", port); err != nil || code != 1 || !strings.Contains(out, want) {
		t.Errorf("gofetch without its key = %q, %d, %v, want an error saying %q", out, code, err, want)
	}
}
