package policy

import (
	"strings"
	"testing"
)

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		path, base string
		want       bool
	}{
		{"data", "data", true},
		{"data/uploads", "data", true},
		{"data/uploads/x", "data", true},
		{"data/uploads/x", "data/uploads", true},
		{"data/uploads", "data/uploads", true},
		{"data", "data/uploads", false},
		{"data/uploads2", "data/uploads", false},
		{"data/uploads", "data/uploads2", false},
		{"database", "data", false},
		{"data", "database", false},
		{"cache/data", "data", false},
		{"data/x", "cache", false},
		// A declared key's empty Source is within itself only.
		{"", "", true},
		{"data/x", "", false},
		{"data", "", false},
		{"", "data", false},
	} {
		if got := Within(tt.path, tt.base); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.path, tt.base, got, tt.want)
		}
	}
}

func TestSourceSlotSubPath(t *testing.T) {
	for _, tt := range []struct{ k, slot, sub string }{
		{"fs:out=data/uploads/x:rw", "data", "uploads/x"},
		{"fs:out=data/uploads:ro", "data", "uploads"},
		{"fs:out=data", "data", ""},
		{"fs:data:rw", "", ""},
	} {
		k := testKey(t, tt.k)
		if slot, sub := k.SourceSlot(), k.SubPath(); slot != tt.slot || sub != tt.sub {
			t.Errorf("SourceSlot, SubPath(%q) = %q, %q, want %q, %q", tt.k, slot, sub, tt.slot, tt.sub)
		}
	}
}

func TestHoldsRooted(t *testing.T) {
	// A nanoprocess whose slots "work" and "in" are parts of the root's
	// slots "data" and "cache", and whose other keys are narrower than the
	// root's.
	held := NewSet(testKeys(t, "fs:work=data/a:rw fs:in=cache:ro net:*.example.com:443 env:LANG stdio:stdout spawn:acme:w")...)
	for _, tt := range []struct {
		k    string
		want bool
	}{
		{"fs:work=data/a:rw", true},
		{"fs:logs=data/a/logs:rw", true}, // the child's slot name is its own
		{"fs:work=data/a/b/c:ro", true},
		{"fs:work=data:rw", false},    // wider than data/a
		{"fs:work=data/ab:rw", false}, // a sibling that shares a prefix
		{"fs:work=data/b:ro", false},  // a sibling
		{"fs:in=cache/x:ro", true},
		{"fs:in=cache/x:rw", false}, // rw over ro
		{"fs:work=cache/data/a:rw", false},
		{"fs:data=data:rw", false}, // the root's whole slot
		{"net:api.example.com:443", true},
		{"net:*.example.com:443", true},
		{"net:example.com:443", false},
		{"net:api.example.com:*", false},
		{"env:LANG", true},
		{"env:HOME", false},
		{"stdio:stdout", true},
		{"stdio:stderr", false},
		{"spawn:acme:w", true},
		{"spawn:acme:x", false},
		{"clock", false},
		{"random", false},
	} {
		if got := held.HoldsRooted(testKey(t, tt.k)); got != tt.want {
			t.Errorf("Set{%s}.HoldsRooted(%q) = %v, want %v", keyString(held), tt.k, got, tt.want)
		}
	}
	// An fs key without a Source is not in rooted form, held or holding.
	for _, tt := range []struct{ held, k string }{
		{"fs:work:rw", "fs:work=data:rw"},
		{"fs:work=data:rw", "fs:work:rw"},
		{"fs:work:rw", "fs:work:rw"},
	} {
		s := NewSet(testKey(t, tt.held))
		if s.HoldsRooted(testKey(t, tt.k)) {
			t.Errorf("Set{%s}.HoldsRooted(%q) = true, want false", tt.held, tt.k)
		}
	}
}

func TestRebase(t *testing.T) {
	for _, tt := range []struct{ k, base, want string }{
		{"fs:tmp=data/jobs/7:rw", "data/uploads", "fs:tmp=data/uploads/jobs/7:rw"},
		{"fs:tmp=data:ro", "data/uploads", "fs:tmp=data/uploads:ro"},
		{"fs:tmp=data", "cache", "fs:tmp=cache"},
		{"fs:tmp=work/a/b", "data", "fs:tmp=data/a/b"},
	} {
		k := testKey(t, tt.k)
		got := Rebase(k, tt.base)
		if got.String() != tt.want {
			t.Errorf("Rebase(%q, %q) = %q, want %q", tt.k, tt.base, got, tt.want)
		}
		if !Within(got.Source, tt.base) {
			t.Errorf("Within(%q, %q) = false, want true", got.Source, tt.base)
		}
	}
}

func TestRooted(t *testing.T) {
	// The parent holds fs:data=data/uploads:rw in root terms.
	parent := NewSet(testKeys(t, "fs:data=data/uploads:rw fs:in=cache/x:ro net:*.example.com:443 env:LANG")...)
	for _, tt := range []struct{ k, want, err string }{
		{k: "fs:tmp=data/jobs/7:rw", want: "fs:tmp=data/uploads/jobs/7:rw"},
		{k: "fs:tmp=data:ro", want: "fs:tmp=data/uploads:ro"},
		{k: "fs:src=in/y:ro", want: "fs:src=cache/x/y:ro"},
		{k: "net:api.example.com:443", want: "net:api.example.com:443"},
		{k: "env:LANG", want: "env:LANG"},
		{k: "fs:src=in/y:rw", err: "fs:src=in/y:rw: its parent holds fs:in=cache/x:ro"},
		{k: "fs:tmp=cache:ro", err: `fs:tmp=cache:ro: its parent holds no fs slot "cache"`},
		{k: "net:example.com:443", err: "net:example.com:443 is not a key of its parent"},
		{k: "env:HOME", err: "env:HOME is not a key of its parent"},
		{k: "clock", err: "clock is not a key of its parent"},
	} {
		got, err := parent.Rooted(testKey(t, tt.k))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Rooted(%q) = %q, %v, want error %q", tt.k, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("Rooted(%q) = %q, %v, want %q", tt.k, got, err, tt.want)
			continue
		}
		if !parent.HoldsRooted(got) {
			t.Errorf("HoldsRooted(Rooted(%q)) = false, want true", tt.k)
		}
	}
}

func TestHandsDown(t *testing.T) {
	grants := testKeys(t, "fs:out=data/uploads:rw fs:in=cache net:api.example.com:443 env:LANG stdio:stdout")
	for _, tt := range []struct {
		k    string
		want bool
	}{
		{"fs:data:rw", true},
		{"fs:data:ro", true}, // a part of the slot, whatever the access
		{"fs:cache:ro", true},
		{"fs:database:rw", false},
		{"fs:out:rw", false}, // the child's slot, not the parent's
		{"net:*.example.com:443", true},
		{"net:api.example.com:*", true},
		{"net:api.example.com:443", true},
		{"net:api.example.com:80", false},
		{"net:example.com:443", false},
		{"env:LANG", true},
		{"env:TZ", false},
		{"stdio:stdout", true},
		{"stdio:stderr", false},
		{"clock", false},
		{"spawn:acme:w", false},
	} {
		if got := HandsDown(testKey(t, tt.k), grants); got != tt.want {
			t.Errorf("HandsDown(%q, %s) = %v, want %v", tt.k, keyString(grants), got, tt.want)
		}
	}
	if HandsDown(testKey(t, "clock"), nil) {
		t.Errorf("HandsDown(clock, nil) = true, want false")
	}
}

func TestTrace(t *testing.T) {
	// Paths read "ROOT KEYS | GRANT OF EDGE 1 | GRANT OF EDGE 2 ...".
	const (
		diamondA = "fs:data:rw env:LANG clock net:*.example.com:* | fs:work=data/a:rw env:LANG net:*.example.com:443 | fs:logs=work/logs:rw env:LANG net:api.example.com:443"
		roEdge   = "fs:data:rw | fs:work=data/a:ro | fs:logs=work/logs:ro"
	)
	anyLogs := Key{Kind: FS, Name: "logs"}
	for _, tt := range []struct {
		path, key string
		k         *Key
		from, via string // via "" and from "": not held
	}{
		{path: diamondA, key: "fs:logs:rw", from: "fs:data:rw", via: "fs:work=data/a:rw fs:logs=work/logs:rw"},
		{path: diamondA, key: "fs:logs:ro", from: "fs:data:rw", via: "fs:work=data/a:rw fs:logs=work/logs:rw"},
		{path: diamondA, k: &anyLogs, from: "fs:data:rw", via: "fs:work=data/a:rw fs:logs=work/logs:rw"},
		{path: diamondA, key: "env:LANG", from: "env:LANG", via: "env:LANG env:LANG"},
		{path: diamondA, key: "net:api.example.com:443", from: "net:*.example.com:*", via: "net:*.example.com:443 net:api.example.com:443"},
		{path: diamondA, key: "net:api.example.com:80"},
		{path: diamondA, key: "clock"},      // the root holds it, the path does not hand it
		{path: diamondA, key: "fs:work:rw"}, // a slot of the middle package
		{path: roEdge, key: "fs:logs:ro", from: "fs:data:rw", via: "fs:work=data/a:ro fs:logs=work/logs:ro"},
		{path: roEdge, key: "fs:logs:rw"},
		// Each parent must hold what it hands: a ro edge above a rw one
		// breaks the path, whatever the key's access.
		{path: "fs:data:rw | fs:work=data/a:ro | fs:logs=work/logs:rw", key: "fs:logs:ro"},
		{path: "fs:data:ro | fs:work=data/a:rw", key: "fs:work:rw"},
		{path: "fs:cache:rw | fs:work=data/a:rw", key: "fs:work:rw"},
		// A wider net key in the middle of the path is not enough.
		{path: "net:api.example.com:443 | net:*.example.com:443 | net:api.example.com:443", key: "net:api.example.com:443"},
		// The root alone.
		{path: "fs:data:rw env:LANG", key: "fs:data:ro", from: "fs:data:rw"},
		{path: "fs:data:ro", key: "fs:data:rw"},
		{path: "env:LANG", key: "env:LANG", from: "env:LANG"},
		{path: "env:LANG", key: "clock"},
		{path: "", key: "clock"},
	} {
		parts := strings.Split(tt.path, "|")
		root := NewSet(testKeys(t, parts[0])...)
		var grants [][]Key
		for _, p := range parts[1:] {
			grants = append(grants, testKeys(t, p))
		}
		key := tt.k
		if key == nil {
			k := testKey(t, tt.key)
			key = &k
		}
		from, via, ok := Trace(root, grants, *key)
		want := tt.from != ""
		if ok != want {
			t.Errorf("Trace(%q, %q) = %v, want %v", tt.path, key, ok, want)
			continue
		}
		if ok && (from.String() != tt.from || keyString(via) != tt.via) {
			t.Errorf("Trace(%q, %q) = %q, %q, want %q, %q", tt.path, key, from, keyString(via), tt.from, tt.via)
		}
	}
}
