package nethost

import "testing"

// TestNetTarget normalizes destinations and refuses every IPv4 spelling
// but dotted decimal.
func TestNetTarget(t *testing.T) {
	ok := []struct {
		host string
		port uint16
		want string
	}{
		{"api.example.com", 443, "net:api.example.com:443"},
		{"API.Example.COM.", 443, "net:api.example.com:443"},
		{"localhost", 8080, "net:localhost:8080"},
		{"127.0.0.1", 80, "net:127.0.0.1:80"},
		{"::1", 80, "net:[::1]:80"},
		{"[::1]", 80, "net:[::1]:80"},
		{"0:0:0:0:0:0:0:1", 80, "net:[::1]:80"},
		{"::ffff:127.0.0.1", 80, "net:127.0.0.1:80"},
		{"::ffff:7f00:1", 80, "net:127.0.0.1:80"},
		{"2001:DB8::1", 80, "net:[2001:db8::1]:80"},
		{"1.example.com", 80, "net:1.example.com:80"},
	}
	for _, c := range ok {
		k, err := netTarget(c.host, c.port)
		if err != nil || k.String() != c.want {
			t.Errorf("netTarget(%q, %d) = %s, %v, want %s", c.host, c.port, k, err, c.want)
		}
	}
	bad := []struct {
		host string
		port uint16
	}{
		{"2130706433", 80},
		{"0x7f.1", 80},
		{"0x7f000001", 80},
		{"0177.0.0.1", 80},
		{"127.1", 80},
		{"127.0.1", 80},
		{"127.000.000.001", 80},
		{"example.0x10", 80},
		{"example.123", 80},
		{"fe80::1%eth0", 80},
		{"*.example.com", 80},
		{"", 80},
		{"exa mple.com", 80},
		{"example.com", 0},
		{"a..b", 80},
	}
	for _, c := range bad {
		if k, err := netTarget(c.host, c.port); err == nil {
			t.Errorf("netTarget(%q, %d) = %s, want an error", c.host, c.port, k)
		}
	}
}
