// Package nethost serves nano:net (SPEC section 9) to nanoprocesses: TCP
// connections with nano:net/tcp and HTTP requests with nano:net/http, each
// to the destinations the caller's own net keys name and nothing else.
// It lifts and lowers the calls' values with iface.Serve, keeps each
// caller's connections behind handles only that caller can use, and
// resolves names itself: it connects only to an address it checked (see
// Global), and never resolves a name twice. Which nanoprocess calls, and
// what keys it holds, is the runtime's: it implements Holders.
//
// Limits: a nanoprocess holds at most MaxConns connections at once; recv
// returns at most MaxRecv bytes and send writes at most MaxSend; fetch
// sends and receives bodies of at most MaxBody bytes, and a response's
// header of at most MaxHeader bytes.
package nethost

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/iface"
)

// The limits of nano:net.
const (
	// MaxConns is the most TCP connections one nanoprocess holds open at
	// once; connect past it is an err until it closes one.
	MaxConns = 64
	// MaxRecv is the most bytes one recv returns, whatever its max.
	MaxRecv = 1 << 20
	// MaxSend is the most bytes one send writes; it returns the count.
	MaxSend = 1 << 20
	// MaxBody is the most bytes of a request's body and of a response's
	// body; past it fetch is an err.
	MaxBody = 16 << 20
	// MaxHeader is the most bytes of a response's header.
	MaxHeader = 1 << 20
)

// Holders tells a Host which nanoprocess calls it: the runtime.
type Holders interface {
	// Holder returns the nanoprocess of module m, false if m is none of
	// the run's.
	Holder(m api.Module) (Holder, bool)
}

// Config is how a Host reaches the network. Its zero value is the host's
// own resolver, dialer and certificate roots.
type Config struct {
	// Resolver resolves DNS names; nil is net.DefaultResolver.
	Resolver Resolver
	// Dial connects to an address nano checked; nil is a net.Dialer.
	Dial DialFunc
	// ConnectTo pins destinations, by "HOST:PORT" as a net key spells
	// them, to an address: the operator's choice, trusted, so the rule
	// that a DNS name reaches only global addresses does not apply to it.
	// The destination still needs a key.
	ConnectTo map[string]netip.AddrPort
	// RootCAs verifies https servers; nil is the host's roots.
	RootCAs *x509.CertPool
}

// A Host serves nano:net/tcp and nano:net/http for one run.
type Host struct {
	holders  Holders
	cfg      Config
	resolver Resolver
	connect  DialFunc
	callers  iface.Callers
	mu       sync.Mutex
	tables   map[api.Module]*table
}

// A table holds one caller's connections and HTTP client. Handles start
// at 1 and are never reused.
type table struct {
	next   uint32
	conns  map[uint32]net.Conn
	client *http.Client // made at its first fetch
}

// New returns a Host that asks hs who calls it and reaches the network as
// c says.
func New(hs Holders, c Config) *Host {
	h := &Host{holders: hs, cfg: c, resolver: c.Resolver, connect: c.Dial, tables: map[api.Module]*table{}}
	if h.resolver == nil {
		h.resolver = net.DefaultResolver
	}
	if h.connect == nil {
		h.connect = (&net.Dialer{Timeout: dialTimeout}).DialContext
	}
	return h
}

// Instantiate instantiates the host modules of nano:net/tcp and
// nano:net/http in rt.
func (h *Host) Instantiate(ctx context.Context, rt wazero.Runtime) error {
	impls := map[string]iface.HostImpl{
		"connect": h.tcpConnect, "send": h.send, "recv": h.recv, "close": h.close,
		"fetch": h.fetch,
	}
	for _, i := range []*hostapi.Interface{hostapi.TCP, hostapi.HTTP} {
		b := rt.NewHostModuleBuilder(i.Module)
		for _, f := range i.Funcs {
			fn, err := iface.Serve(f, i.Module+"#"+f.Name, impls[f.Name], &h.callers)
			if err != nil {
				return err
			}
			params, results := f.CoreImport()
			b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(f.Name)
		}
		if _, err := b.Instantiate(ctx); err != nil {
			return err
		}
	}
	return nil
}

// End closes every connection caller holds, and its HTTP client's: the
// runtime calls it when a call into a nanoprocess returns (its _start, or
// an export), so that a nanoprocess that ends leaves nothing open. Its
// handles are never reused, until Forget.
func (h *Host) End(caller api.Module) {
	h.mu.Lock()
	t := h.tables[caller]
	var conns []net.Conn
	var client *http.Client
	if t != nil {
		for n, c := range t.conns {
			conns = append(conns, c)
			delete(t.conns, n)
		}
		client, t.client = t.client, nil
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	if client != nil {
		client.CloseIdleConnections()
	}
}

// Forget ends caller's connections as End does, then forgets its handles
// and everything else of it: the runtime calls it when the module closes.
func (h *Host) Forget(caller api.Module) {
	h.End(caller)
	h.callers.Forget(caller)
	h.mu.Lock()
	delete(h.tables, caller)
	h.mu.Unlock()
}

var errNotHolder = errors.New("the caller is not a nanoprocess of this run")

// table returns caller's table, made if it has none. h.mu is held.
func (h *Host) table(caller api.Module) *table {
	t := h.tables[caller]
	if t == nil {
		t = &table{conns: map[uint32]net.Conn{}}
		h.tables[caller] = t
	}
	return t
}

// lookup returns caller's connection with handle v, or an error that the
// handle is not one of caller's.
func (h *Host) lookup(caller api.Module, v iface.Value) (net.Conn, error) {
	n := uint32(v.(uint64))
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.tables[caller]; t != nil {
		if c := t.conns[n]; c != nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%d is not a handle of an open connection of this nanoprocess", n)
}

func (h *Host) tcpConnect(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	who, found := h.holders.Holder(caller)
	if !found {
		return iface.Refuse(errNotHolder), nil
	}
	full := func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.table(caller).conns) >= MaxConns
	}
	if full() {
		return iface.Refuse(fmt.Errorf("%s holds %d open connections, the most a nanoprocess may: close one first", who.Path, MaxConns)), nil
	}
	c, err := h.dial(ctx, who, args[0].(string), uint16(args[1].(uint64)))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller itself is being stopped
		}
		return iface.Refuse(err), nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.table(caller)
	t.next++
	t.conns[t.next] = c
	return iface.Ok(uint64(t.next)), nil
}

// interruptible makes a blocking read or write on c return when ctx ends:
// a killed or timed-out nanoprocess never stays blocked on its network.
func interruptible(ctx context.Context, c net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
}

func (h *Host) send(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	data := args[1].([]byte)
	data = data[:min(len(data), MaxSend)]
	defer interruptible(ctx, c)()
	n, err := c.Write(data)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && n == 0 {
		return iface.Refuse(fmt.Errorf("send on connection %d: %v", args[0], err)), nil
	}
	return iface.Ok(uint64(n)), nil
}

func (h *Host) recv(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	c, err := h.lookup(caller, args[0])
	if err != nil {
		return iface.Refuse(err), nil
	}
	max := args[1].(uint64)
	if max == 0 {
		return iface.Refuse(errors.New("recv of at most 0 bytes")), nil
	}
	buf := make([]byte, min(max, MaxRecv))
	defer interruptible(ctx, c)()
	for {
		n, err := c.Read(buf)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		switch {
		case n > 0:
			return iface.Ok(buf[:n]), nil
		case err == io.EOF:
			return iface.Ok([]byte{}), nil
		case err != nil:
			return iface.Refuse(fmt.Errorf("recv on connection %d: %v", args[0], err)), nil
		}
	}
}

func (h *Host) close(_ context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	n := uint32(args[0].(uint64))
	h.mu.Lock()
	var c net.Conn
	if t := h.tables[caller]; t != nil {
		c = t.conns[n]
		delete(t.conns, n)
	}
	h.mu.Unlock()
	if c != nil {
		c.Close()
	}
	return nil, nil
}
