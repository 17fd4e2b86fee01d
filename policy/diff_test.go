package policy

import (
	"strings"
	"testing"
)

// deltaString prints a diff as "op KEY" or "op OLD -> NEW", joined by "; ".
func deltaString(ds []Delta) string {
	var b []string
	for _, d := range ds {
		b = append(b, d.Op.String()+" "+d.String())
	}
	return strings.Join(b, "; ")
}

func TestDiff(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		// unchanged
		{"", "", ""},
		{"fs:data:rw net:a.com:443 env:LANG clock random stdio:stdout spawn:acme:w",
			"fs:data:rw net:a.com:443 env:LANG clock random stdio:stdout spawn:acme:w", ""},
		{"fs:out=data/uploads:ro", "fs:out=data/uploads:ro", ""},
		// added
		{"", "env:LANG", "added env:LANG"},
		{"env:LANG", "clock env:LANG env:TZ", "added env:TZ; added clock"},
		{"fs:data:rw", "fs:data:rw fs:cache:ro", "added fs:cache:ro"},
		{"net:a.example.com:443", "net:a.example.com:443 net:b.example.com:443", "added net:b.example.com:443"},
		{"net:a.com:443", "net:a.com:443 net:a.com:80", "added net:a.com:80"},
		{"stdio:stdout", "stdio:stdout stdio:stdin", "added stdio:stdin"},
		{"spawn:acme:a", "spawn:acme:a spawn:acme:b", "added spawn:acme:b"},
		// widened
		{"fs:data:ro", "fs:data:rw", "widened fs:data:ro -> fs:data:rw"},
		{"net:api.example.com:443", "net:*.example.com:443", "widened net:api.example.com:443 -> net:*.example.com:443"},
		{"net:*.api.example.com:443", "net:*.example.com:443", "widened net:*.api.example.com:443 -> net:*.example.com:443"},
		{"net:a.com:443", "net:a.com:*", "widened net:a.com:443 -> net:a.com:*"},
		{"net:api.example.com:443", "net:*.example.com:*", "widened net:api.example.com:443 -> net:*.example.com:*"},
		{"fs:out=data/uploads:rw", "fs:out=data:rw", "widened fs:out=data/uploads:rw -> fs:out=data:rw"},
		{"fs:out=data/uploads:ro", "fs:out=data/uploads:rw", "widened fs:out=data/uploads:ro -> fs:out=data/uploads:rw"},
		{"fs:out=data/uploads:ro", "fs:out=data:rw", "widened fs:out=data/uploads:ro -> fs:out=data:rw"},
		// one wider key replaces two: one delta, against the first
		{"net:a.example.com:443 net:b.example.com:443", "net:*.example.com:443",
			"widened net:a.example.com:443 -> net:*.example.com:443"},
		// *.example.com does not cover example.com: a new key and a dropped one
		{"net:example.com:443", "net:*.example.com:443", "added net:*.example.com:443; dropped net:example.com:443"},
		// narrowed
		{"fs:data:rw", "fs:data:ro", "narrowed fs:data:rw -> fs:data:ro"},
		{"net:*.example.com:443", "net:api.example.com:443", "narrowed net:*.example.com:443 -> net:api.example.com:443"},
		{"net:a.com:*", "net:a.com:443", "narrowed net:a.com:* -> net:a.com:443"},
		{"fs:out=data:rw", "fs:out=data/uploads:rw", "narrowed fs:out=data:rw -> fs:out=data/uploads:rw"},
		{"fs:out=data:rw", "fs:out=data/uploads:ro", "narrowed fs:out=data:rw -> fs:out=data/uploads:ro"},
		{"net:*.example.com:443", "net:a.example.com:443 net:b.example.com:443",
			"narrowed net:*.example.com:443 -> net:a.example.com:443"},
		// dropped
		{"env:LANG", "", "dropped env:LANG"},
		{"clock env:LANG", "", "dropped env:LANG; dropped clock"},
		{"fs:data:rw fs:cache:ro", "fs:data:rw", "dropped fs:cache:ro"},
		{"net:a.com:443", "net:b.com:443", "added net:b.com:443; dropped net:a.com:443"},
		// an fs slot that moves both ways: wider path, less access
		{"fs:out=data/uploads:rw", "fs:out=data:ro",
			"widened fs:out=data/uploads:rw -> fs:out=data:ro; narrowed fs:out=data/uploads:rw -> fs:out=data:ro"},
		// an fs slot that moves sideways is reported as both, like the above
		{"fs:out=data/a:rw", "fs:out=data/b:rw",
			"added fs:out=data/b:rw; dropped fs:out=data/a:rw"},
		// mixed: escalations first in key order, then reductions in key order
		{"fs:cache:rw fs:data:ro net:a.com:443 env:LANG clock stdio:stdout",
			"fs:cache:ro fs:data:rw net:a.com:* env:TZ random stdio:stdout spawn:acme:w",
			"widened fs:data:ro -> fs:data:rw; widened net:a.com:443 -> net:a.com:*; added env:TZ; added random; added spawn:acme:w; " +
				"narrowed fs:cache:rw -> fs:cache:ro; dropped env:LANG; dropped clock"},
		{"spawn:acme:z stdio:stderr random env:A net:z.com:1 fs:z:rw",
			"spawn:acme:a stdio:stdin clock env:B net:a.com:1 fs:a:ro",
			"added fs:a:ro; added net:a.com:1; added env:B; added clock; added stdio:stdin; added spawn:acme:a; " +
				"dropped fs:z:rw; dropped net:z.com:1; dropped env:A; dropped random; dropped stdio:stderr; dropped spawn:acme:z"},
	} {
		old, new := NewSet(testKeys(t, tt.old)...), NewSet(testKeys(t, tt.new)...)
		if got := deltaString(Diff(old, new)); got != tt.want {
			t.Errorf("Diff(%q, %q) = %q, want %q", tt.old, tt.new, got, tt.want)
		}
	}
}

func TestDelta(t *testing.T) {
	old, new := testKey(t, "fs:data:ro"), testKey(t, "fs:data:rw")
	for _, tt := range []struct {
		d         Delta
		op, str   string
		escalates bool
	}{
		{Delta{Op: Added, Key: new}, "added", "fs:data:rw", true},
		{Delta{Op: Widened, Key: new, Old: old}, "widened", "fs:data:ro -> fs:data:rw", true},
		{Delta{Op: Narrowed, Key: old, Old: new}, "narrowed", "fs:data:rw -> fs:data:ro", false},
		{Delta{Op: Dropped, Key: old}, "dropped", "fs:data:ro", false},
		{Delta{Op: 0, Key: old}, "", "fs:data:ro", false},
	} {
		if got := tt.d.Op.String(); got != tt.op {
			t.Errorf("Op(%d).String() = %q, want %q", tt.d.Op, got, tt.op)
		}
		if got := tt.d.String(); got != tt.str {
			t.Errorf("Delta(%s).String() = %q, want %q", tt.op, got, tt.str)
		}
		if got := tt.d.Escalates(); got != tt.escalates {
			t.Errorf("Delta(%s).Escalates() = %v, want %v", tt.op, got, tt.escalates)
		}
	}
}
