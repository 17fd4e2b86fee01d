package policy

import (
	"net/netip"
	"strings"
	"testing"
)

var netTargets = []struct {
	host string
	port uint16
	want string
}{
	{"api.example.com", 443, "net:api.example.com:443"},
	{"1.example.com", 80, "net:1.example.com:80"},
	{"API.Example.COM", 443, "net:api.example.com:443"},
	{"localhost", 8080, "net:localhost:8080"},
	{"LOCALHOST", 1, "net:localhost:1"},
	{"API.Example.COM.", 443, "net:api.example.com:443"},
	{"localhost.", 80, "net:localhost:80"},
	{"127.0.0.1.", 80, "net:127.0.0.1:80"},
	{"xn--bcher-kva.example", 443, "net:xn--bcher-kva.example:443"},
	{"123.example.com", 65535, "net:123.example.com:65535"},
	{"0x7f.example", 80, "net:0x7f.example:80"},
	{"1e3.example", 80, "net:1e3.example:80"},
	// IP literals: canonical, IPv6 bracketed as keys are
	{"127.0.0.1", 80, "net:127.0.0.1:80"},
	{"0.0.0.0", 80, "net:0.0.0.0:80"},
	{"255.255.255.255", 80, "net:255.255.255.255:80"},
	{"::1", 443, "net:[::1]:443"},
	{"[::1]", 443, "net:[::1]:443"},
	{"[::ffff:10.0.0.1]", 443, "net:10.0.0.1:443"},
	{"0:0:0:0:0:0:0:1", 443, "net:[::1]:443"},
	{"::", 443, "net:[::]:443"},
	{"2001:DB8::1", 443, "net:[2001:db8::1]:443"},
	{"2001:0db8:0000::0001", 443, "net:[2001:db8::1]:443"},
	{"fe80::1", 22, "net:[fe80::1]:22"},
	// IPv4-mapped IPv6 is the IPv4 address; IPv4-compatible is IPv6
	{"::ffff:127.0.0.1", 80, "net:127.0.0.1:80"},
	{"::ffff:7f00:1", 80, "net:127.0.0.1:80"},
	{"::FFFF:7F00:0001", 80, "net:127.0.0.1:80"},
	{"0:0:0:0:0:ffff:a9fe:a9fe", 80, "net:169.254.169.254:80"},
	{"::127.0.0.1", 80, "net:[::7f00:1]:80"},
}

func TestNetTarget(t *testing.T) {
	for _, tt := range netTargets {
		k, err := NetTarget(tt.host, tt.port)
		if err != nil || k.String() != tt.want {
			t.Errorf("NetTarget(%q, %d) = %q, %v, want %q", tt.host, tt.port, k, err, tt.want)
			continue
		}
		// The target is a key as ParseKey reads it.
		if p, err := ParseKey(tt.want); err != nil || p != k {
			t.Errorf("ParseKey(%q) = %#v, %v, want %#v", tt.want, p, err, k)
		}
	}
}

const (
	notDotted = ` is not an IPv4 address in dotted decimal (four numbers 0-255, no leading zeros): nano does not read other spellings`
	notHost   = ` is not an IP address or DNS name (ASCII letters, digits and hyphens; xn-- for other scripts)`
)

var badNetTargets = []struct {
	host string
	port uint16
	err  string
}{
	// IPv4 in any spelling but dotted decimal: refused, never misread
	{"2130706433", 80, `destination host "2130706433"` + notDotted},
	{"0x7f.0.0.1", 80, `destination host "0x7f.0.0.1"` + notDotted},
	{"0X7F.0.0.1", 80, `destination host "0X7F.0.0.1"` + notDotted},
	{"0x7f000001", 80, `destination host "0x7f000001"` + notDotted},
	{"0177.0.0.1", 80, `destination host "0177.0.0.1"` + notDotted},
	{"0177.0000.0000.0001", 80, `destination host "0177.0000.0000.0001"` + notDotted},
	{"127.1", 80, `destination host "127.1"` + notDotted},
	{"127.0.1", 80, `destination host "127.0.1"` + notDotted},
	{"127.0.0.0x1", 80, `destination host "127.0.0.0x1"` + notDotted},
	{"169.254.43518", 80, `destination host "169.254.43518"` + notDotted},
	{"01.2.3.4", 80, `destination host "01.2.3.4"` + notDotted},
	{"256.0.0.1", 80, `destination host "256.0.0.1"` + notDotted},
	{"1.2.3.4.5", 80, `destination host "1.2.3.4.5"` + notDotted},
	{"example.1", 80, `destination host "example.1"` + notDotted},
	{"a.0x", 80, `destination host "a.0x"` + notDotted},
	{"0", 80, `destination host "0"` + notDotted},
	// IPv6: zones, brackets and bad literals
	{"fe80::1%eth0", 80, `destination host "fe80::1%eth0": an IPv6 zone is not allowed`},
	{"::ffff:127.0.0.1%1", 80, `destination host "::ffff:127.0.0.1%1": an IPv6 zone is not allowed`},
	{"[::1", 80, `destination host "[::1" has no closing bracket`},
	{"[::1]:80", 80, `destination host "[::1]:80" has no closing bracket`},
	{"[1.2.3.4]", 80, `destination host "[1.2.3.4]"` + notHost},
	{"[fe80::1%eth0]", 80, `destination host "[fe80::1%eth0]": an IPv6 zone is not allowed`},
	{"::1]", 80, `destination host "::1]" is not an IP address or DNS name`},
	{"::ffff:0x7f.0.0.1", 80, `destination host "::ffff:0x7f.0.0.1" is not an IP address or DNS name`},
	{"::1:", 80, `destination host "::1:" is not an IP address or DNS name`},
	{"example.com:443", 80, `destination host "example.com:443" is not an IP address or DNS name`},
	{":::", 80, `destination host ":::" is not an IP address or DNS name`},
	// names
	{"", 80, `destination host "" is empty or too long`},
	{strings.Repeat("a.", 127) + "ab", 80, `destination host "` + strings.Repeat("a.", 127) + `ab" is empty or too long`},
	{"*.example.com", 80, `destination host "*.example.com"` + notHost},
	{"*", 80, `destination host "*"` + notHost},
	{"example.com..", 80, `destination host "example.com.."` + notHost},
	{".", 80, `destination host "." is empty or too long`},
	{"127.0.0.1..", 80, `destination host "127.0.0.1.."` + notHost},
	{"127.1.", 80, `destination host "127.1."` + notDotted},
	{".example.com", 80, `destination host ".example.com"` + notHost},
	{"a..example.com", 80, `destination host "a..example.com"` + notHost},
	{"-a.example.com", 80, `destination host "-a.example.com"` + notHost},
	{"a_b.example.com", 80, `destination host "a_b.example.com"` + notHost},
	{"a b.example.com", 80, `destination host "a b.example.com"` + notHost},
	{"a/b.example.com", 80, `destination host "a/b.example.com"` + notHost},
	{"a\x00.example.com", 80, `destination host "a\x00.example.com"` + notHost},
	{"bücher.example", 80, `destination host "bücher.example"` + notHost},
	{"\u212aey.example", 80, `destination host "` + "\u212aey.example" + `"` + notHost}, // Kelvin sign: not "key"
	{"1.2.3.4 ", 80, `destination host "1.2.3.4 "` + notHost},
	{strings.Repeat("a", 64) + ".com", 80, `destination host "` + strings.Repeat("a", 64) + `.com"` + notHost},
	// port
	{"example.com", 0, `destination "example.com": port 0 is not 1-65535`},
}

func TestNetTargetErrors(t *testing.T) {
	for _, tt := range badNetTargets {
		k, err := NetTarget(tt.host, tt.port)
		if err == nil || err.Error() != tt.err || k != (Key{}) {
			t.Errorf("NetTarget(%q, %d) = %#v, %v, want error %q", tt.host, tt.port, k, err, tt.err)
		}
	}
}

// TestNetTargetCovers checks destinations against keys: the parsed address
// decides, not its spelling.
func TestNetTargetCovers(t *testing.T) {
	tests := []struct {
		keys []string
		host string
		port uint16
		want bool
	}{
		{[]string{"net:api.example.com:443"}, "api.example.com", 443, true},
		{[]string{"net:api.example.com:443"}, "API.EXAMPLE.COM", 443, true},
		{[]string{"net:api.example.com:443"}, "api.example.com", 80, false},
		{[]string{"net:api.example.com:*"}, "api.example.com", 80, true},
		{[]string{"net:api.example.com:443"}, "evil.example.com", 443, false},
		{[]string{"net:api.example.com:443"}, "api.example.com.evil.org", 443, false},
		// *.example.com never covers example.com
		{[]string{"net:*.example.com:443"}, "a.example.com", 443, true},
		{[]string{"net:*.example.com:443"}, "a.b.example.com", 443, true},
		{[]string{"net:*.example.com:443"}, "example.com", 443, false},
		{[]string{"net:*.example.com:443"}, "EXAMPLE.com", 443, false},
		{[]string{"net:*.example.com:443"}, "badexample.com", 443, false},
		// IP literals
		{[]string{"net:127.0.0.1:8080"}, "127.0.0.1", 8080, true},
		{[]string{"net:127.0.0.1:8080"}, "::ffff:127.0.0.1", 8080, true},
		{[]string{"net:127.0.0.1:8080"}, "::ffff:7f00:1", 8080, true},
		{[]string{"net:127.0.0.1:8080"}, "127.0.0.2", 8080, false},
		{[]string{"net:127.0.0.1:8080"}, "::1", 8080, false},
		{[]string{"net:127.0.0.1:8080"}, "::127.0.0.1", 8080, false},
		{[]string{"net:[::1]:8080"}, "::1", 8080, true},
		{[]string{"net:[::1]:8080"}, "0:0:0:0:0:0:0:1", 8080, true},
		{[]string{"net:[2001:db8::1]:443"}, "2001:DB8:0::1", 443, true},
		// a name key never covers an address, nor the reverse
		{[]string{"net:localhost:8080"}, "127.0.0.1", 8080, false},
		{[]string{"net:127.0.0.1:8080"}, "localhost", 8080, false},
		// a wildcard key never covers an IP literal
		{[]string{"net:*.0.0.1:80"}, "127.0.0.1", 80, false},
		{[]string{"net:*.example.com:443", "net:api.example.org:443"}, "api.example.org", 443, true},
	}
	for _, tt := range tests {
		set, err := ParseSet(tt.keys)
		if err != nil {
			// *.0.0.1 is not a key; an empty set covers nothing.
			set = nil
		}
		k, err := NetTarget(tt.host, tt.port)
		if err != nil {
			t.Errorf("NetTarget(%q, %d): %v", tt.host, tt.port, err)
			continue
		}
		if got := set.Covers(k); got != tt.want {
			t.Errorf("%v.Covers(NetTarget(%q, %d) = %s) = %v, want %v", tt.keys, tt.host, tt.port, k, got, tt.want)
		}
	}
}

func FuzzNetTarget(f *testing.F) {
	for _, tt := range netTargets {
		f.Add(tt.host, tt.port)
	}
	for _, tt := range badNetTargets {
		f.Add(tt.host, tt.port)
	}
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		k, err := NetTarget(host, port)
		if err != nil {
			if k != (Key{}) {
				t.Errorf("NetTarget(%q, %d) = %#v, %v, want the zero key with an error", host, port, k, err)
			}
			return
		}
		// What it accepts is a key: canonical, and it reads back the same.
		str := k.String()
		k2, err := ParseKey(str)
		if err != nil || k2 != k {
			t.Fatalf("NetTarget(%q, %d) = %q; ParseKey gives %#v, %v, want %#v", host, port, str, k2, err, k)
		}
		if k.Kind != Net || k.Port == "*" || strings.HasPrefix(k.Name, "*") {
			t.Errorf("NetTarget(%q, %d) = %#v, want a concrete destination", host, port, k)
		}
		// It is covered by itself as a key, and by the same host on port *.
		if !NewSet(k).Covers(k) || !(Key{Kind: Net, Name: k.Name, Port: "*"}).Covers(k) {
			t.Errorf("Set{%s}.Covers(%s) = false, want true", k, k)
		}
		// The key's host, as a guest would pass it, is the same target.
		bare := strings.TrimSuffix(strings.TrimPrefix(k.Name, "["), "]")
		if k3, err := NetTarget(bare, port); err != nil || k3 != k {
			t.Errorf("NetTarget(%q, %d) = %#v, %v, want %#v", bare, port, k3, err, k)
		}
		// An IP literal is the address the host parses to, unmapped.
		lit := host
		if strings.Contains(host, ":") {
			lit = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		}
		if a, err := netip.ParseAddr(lit); err == nil {
			if b, err := netip.ParseAddr(bare); err != nil || b != a.Unmap() {
				t.Errorf("NetTarget(%q, %d) = %s, want the address %s", host, port, k, a.Unmap())
			}
		} else if !strings.EqualFold(k.Name, strings.TrimSuffix(host, ".")) {
			t.Errorf("NetTarget(%q, %d) = %s, want the name lowercased", host, port, k)
		}
	})
}
