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
	"github.com/nanoproc/nano/internal/handles"
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
	conns    handles.Table[net.Conn]
	mu       sync.Mutex
	clients  map[api.Module]*http.Client // each made at its caller's first fetch
}

// New returns a Host that asks hs who calls it and reaches the network as
// c says.
func New(hs Holders, c Config) *Host {
	h := &Host{holders: hs, cfg: c, resolver: c.Resolver, connect: c.Dial, clients: map[api.Module]*http.Client{}}
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
	for _, c := range h.conns.All(caller, true) {
		c.Close()
	}
	h.mu.Lock()
	client := h.clients[caller]
	delete(h.clients, caller)
	h.mu.Unlock()
	if client != nil {
		client.CloseIdleConnections()
	}
}

// Forget ends caller's connections as End does, then forgets its handles
// and everything else of it: the runtime calls it when the module closes.
func (h *Host) Forget(caller api.Module) {
	h.End(caller)
	h.callers.Forget(caller)
	h.conns.Forget(caller)
}

var errNotHolder = errors.New("the caller is not a nanoprocess of this run")

// lookup returns caller's connection with handle v, or an error that the
// handle is not one of caller's.
func (h *Host) lookup(caller api.Module, v iface.Value) (net.Conn, error) {
	n := uint32(v.(uint64))
	if c, ok := h.conns.Get(caller, n); ok {
		return c, nil
	}
	return nil, fmt.Errorf("%d is not a handle of an open connection of this nanoprocess", n)
}

func (h *Host) tcpConnect(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	who, found := h.holders.Holder(caller)
	if !found {
		return iface.Refuse(errNotHolder), nil
	}
	full := iface.Refuse(fmt.Errorf("%s holds %d open connections, the most a nanoprocess may: close one first", who.Path, MaxConns))
	if h.conns.Len(caller) >= MaxConns {
		return full, nil
	}
	c, err := h.dial(ctx, who, args[0].(string), uint16(args[1].(uint64)))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller itself is being stopped
		}
		return iface.Refuse(err), nil
	}
	n, ok := h.conns.Add(caller, c, MaxConns)
	if !ok {
		c.Close()
		return full, nil
	}
	return iface.Ok(uint64(n)), nil
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
	if c, ok := h.conns.Remove(caller, uint32(args[0].(uint64))); ok {
		c.Close()
	}
	return nil, nil
}
