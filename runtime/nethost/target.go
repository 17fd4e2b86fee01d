package nethost

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nanoproc/nano/policy"
)

// netTarget returns the net key a connection to host and port needs, its
// host normalized as keys spell it: an IPv6 literal bracketed and
// canonical, an IPv4-mapped one as its IPv4 address, a DNS name lowercase
// without a trailing dot. IPv4 in any spelling but dotted decimal
// (2130706433, 0x7f.1, 0177.0.0.1, 127.1) is refused, as is any name whose
// last label is a number: a resolver could read it as an address.
//
// It stands in for policy.NetTarget until that lands; the signature is
// the same.
func netTarget(host string, port uint16) (policy.Key, error) {
	if port == 0 {
		return policy.Key{}, fmt.Errorf("port 0 is not a port to connect to")
	}
	p := strconv.Itoa(int(port))
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
		if err != nil || !a.Is6() || a.Zone() != "" {
			return policy.Key{}, fmt.Errorf("host %q is not an IPv6 literal without a zone", host)
		}
		if a.Is4In6() {
			return policy.Key{Kind: policy.Net, Name: a.Unmap().String(), Port: p}, nil
		}
		return policy.Key{Kind: policy.Net, Name: "[" + a.String() + "]", Port: p}, nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	last := name[strings.LastIndexByte(name, '.')+1:]
	if numeric(last) {
		a, err := netip.ParseAddr(name)
		if err != nil || !a.Is4() {
			return policy.Key{}, fmt.Errorf("host %q is not an IPv4 address in dotted decimal", host)
		}
	}
	k, err := policy.ParseNet(name + ":" + p)
	if err != nil || strings.HasPrefix(k.Name, "*") {
		return policy.Key{}, fmt.Errorf("host %q is not a DNS name or an IP literal", host)
	}
	return k, nil
}

// numeric reports whether a label reads as a number in some IPv4 spelling:
// decimal, octal or hexadecimal.
func numeric(label string) bool {
	if label == "" {
		return false
	}
	if h, ok := strings.CutPrefix(label, "0x"); ok {
		return strings.Trim(h, "0123456789abcdef") == ""
	}
	return strings.Trim(label, "0123456789") == ""
}
