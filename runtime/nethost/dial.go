package nethost

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/nanoproc/nano/policy"
)

// A Resolver resolves DNS names to addresses: net.DefaultResolver, or a
// test's.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// A DialFunc connects to an address nano checked, "IP:PORT".
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// dialTimeout bounds one attempt to connect to one address.
const dialTimeout = 30 * time.Second

// A Holder is a nanoprocess as a Host sees it: its path, to name it in
// refusals, and its keys, of which only the net keys matter.
type Holder struct {
	Path string // "acme:app > acme:notify"
	Keys policy.Set
}

// dial connects h's holder to host and port (SPEC section 9): the target
// needs a net key of the holder; a pinned target goes to its pinned
// address; an IP literal to exactly that address; localhost to 127.0.0.1
// then ::1; any other name is resolved once, and only its global
// addresses are tried, in the resolver's order.
func (h *Host) dial(ctx context.Context, who Holder, host string, port uint16) (net.Conn, error) {
	k, err := policy.NetTarget(host, port)
	if err != nil {
		return nil, err
	}
	if !who.Keys.Covers(k) {
		return nil, fmt.Errorf("%s is not a key of %s", k, who.Path)
	}
	addrs, err := h.addrs(ctx, k, port)
	if err != nil {
		return nil, err
	}
	var errs []string
	for _, a := range addrs {
		c, err := h.connect(ctx, "tcp", a.String())
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		errs = append(errs, err.Error())
	}
	return nil, fmt.Errorf("connect to %s:%d: %s", host, port, strings.Join(errs, "; "))
}

// addrs returns the addresses nano may connect to for key k.
func (h *Host) addrs(ctx context.Context, k policy.Key, port uint16) ([]netip.AddrPort, error) {
	if ap, ok := h.cfg.ConnectTo[k.Name+":"+k.Port]; ok {
		return []netip.AddrPort{ap}, nil // the operator's choice: no further rule
	}
	name := strings.TrimSuffix(strings.TrimPrefix(k.Name, "["), "]")
	if a, err := netip.ParseAddr(name); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(a, port)}, nil
	}
	if name == "localhost" {
		return []netip.AddrPort{netip.AddrPortFrom(loopback4, port), netip.AddrPortFrom(netip.IPv6Loopback(), port)}, nil
	}
	found, err := h.resolver.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %v", name, err)
	}
	var out []netip.AddrPort
	var refused []string
	for _, a := range found {
		if Global(a) {
			out = append(out, netip.AddrPortFrom(a, port))
		} else {
			refused = append(refused, a.String())
		}
	}
	if len(out) == 0 {
		if len(refused) == 0 {
			return nil, fmt.Errorf("resolve %s: no address", name)
		}
		return nil, fmt.Errorf("%s resolves only to addresses that are not global (%s), which a DNS name never reaches", name, strings.Join(refused, ", "))
	}
	return out, nil
}

var loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})

// ParseConnectTo parses an operator's pin, curl's --connect-to
// HOST:PORT=ADDR:PORT2: connections to HOST:PORT go to ADDR:PORT2, an IP
// address, whatever HOST resolves to. It returns the pinned target in the
// form of a net key ("api.example.com:443", "[::1]:80") and the address.
func ParseConnectTo(s string) (string, netip.AddrPort, error) {
	from, to, ok := strings.Cut(s, "=")
	if !ok {
		return "", netip.AddrPort{}, fmt.Errorf("%q is not HOST:PORT=ADDR:PORT", s)
	}
	i := strings.LastIndexByte(from, ':')
	if i < 0 {
		return "", netip.AddrPort{}, fmt.Errorf("%q: %q has no :PORT", s, from)
	}
	port, err := strconv.ParseUint(from[i+1:], 10, 16)
	if err != nil {
		return "", netip.AddrPort{}, fmt.Errorf("%q: port %q is not 1-65535", s, from[i+1:])
	}
	k, err := policy.NetTarget(from[:i], uint16(port))
	if err != nil {
		return "", netip.AddrPort{}, fmt.Errorf("%q: %v", s, err)
	}
	ap, err := netip.ParseAddrPort(to)
	if err != nil || ap.Port() == 0 {
		return "", netip.AddrPort{}, fmt.Errorf("%q: %q is not an IP address and a port", s, to)
	}
	return k.Name + ":" + k.Port, ap, nil
}
