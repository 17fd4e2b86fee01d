package nethost

import "net/netip"

// Global reports whether a is an address a DNS name may lead to (SPEC
// section 9): a global unicast address. It refuses loopback, private
// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
// fe80::/10), shared (100.64/10), unspecified, "this network" (0/8),
// multicast, reserved (240/4, broadcast included), benchmarking
// (198.18/15), IETF protocol (192.0.0/24) and site-local (fec0::/10)
// addresses. An IPv6 address that carries an IPv4 address, mapped
// (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16), is judged by
// the IPv4 address it carries; IPv4-compatible addresses (::/96,
// deprecated) and NAT64's local-use prefix (64:ff9b:1::/48) are refused
// whatever they carry.
func Global(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case a.Is4In6():
			return Global(a.Unmap())
		case compatible.Contains(a), nat64Local.Contains(a):
			return false
		case nat64.Contains(a):
			return Global(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return Global(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonGlobal {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var (
	compatible = netip.MustParsePrefix("::/96")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	// nonGlobal are the ranges netip's predicates do not name.
	nonGlobal = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("fec0::/10"),
	}
)
