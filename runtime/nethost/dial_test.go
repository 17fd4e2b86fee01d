package nethost

import (
	"context"
	"net/netip"
	"testing"

	"github.com/nanoproc/nano/policy"
)

// staticResolver answers every name with the same addresses.
type staticResolver []netip.Addr

func (r staticResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return r, nil
}

// BenchmarkAddressCheck measures what nano adds to a connect before it
// dials: the target normalized, the caller's keys asked whether they cover
// it, the name resolved (by a resolver that answers at once) and every
// address classified, one private and one global.
func BenchmarkAddressCheck(b *testing.B) {
	h := New(nil, Config{Resolver: staticResolver{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("93.184.215.14")}})
	keys, err := policy.ParseSet([]string{"net:*.example.com:443", "net:127.0.0.1:8080", "net:localhost:*"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		k, err := policy.NetTarget("api.example.com", 443)
		if err != nil || !keys.Covers(k) {
			b.Fatal(k, err)
		}
		addrs, err := h.addrs(ctx, k, 443)
		if err != nil || len(addrs) != 1 {
			b.Fatal(addrs, err)
		}
	}
}

// TestParseConnectTo parses the operator's pins, and refuses what is not
// HOST:PORT=ADDR:PORT.
func TestParseConnectTo(t *testing.T) {
	for _, c := range []struct{ in, target, addr string }{
		{"api.example.com:443=127.0.0.1:8443", "api.example.com:443", "127.0.0.1:8443"},
		{"Hooks.Evil.Example:443=[::1]:9000", "hooks.evil.example:443", "[::1]:9000"},
		{"[::1]:80=127.0.0.1:8080", "[::1]:80", "127.0.0.1:8080"},
	} {
		target, addr, err := ParseConnectTo(c.in)
		if err != nil || target != c.target || addr.String() != c.addr {
			t.Errorf("ParseConnectTo(%q) = %q, %s, %v, want %q, %s", c.in, target, addr, err, c.target, c.addr)
		}
	}
	for _, in := range []string{"api.example.com:443", "api.example.com=127.0.0.1:1", "api.example.com:443=localhost:80",
		"api.example.com:443=127.0.0.1", "api.example.com:0=127.0.0.1:1", "127.1:80=127.0.0.1:80", "api.example.com:443=127.0.0.1:0"} {
		if target, addr, err := ParseConnectTo(in); err == nil {
			t.Errorf("ParseConnectTo(%q) = %q, %s, want an error", in, target, addr)
		}
	}
}
