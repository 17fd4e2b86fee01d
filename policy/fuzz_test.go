package policy

import (
	"strings"
	"testing"
)

func FuzzParseKey(f *testing.F) {
	for _, tt := range roundTripKeys {
		f.Add(tt.in)
	}
	for _, tt := range badKeyTests {
		f.Add(tt.in)
	}
	for _, s := range []string{
		"fs:out=data/a/b/c:ro", "fs:a=b/c=d:e:rw", "fs:out=data/ :rw", "fs:out=data/a:ro:rw",
		"net:*.a:1", "net:[::]:1", "net:[fe80::1]:22", "net:1.1.1.1:53", "net:9.example:*",
		"env:A", "spawn:a:b", "stdio:stderr", "clock", "random",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if k != (Key{}) {
				t.Errorf("ParseKey(%q) = %#v, %v, want the zero key with an error", s, k, err)
			}
			return
		}
		// Every key has one canonical text form: what was parsed.
		str := k.String()
		if str != s {
			t.Errorf("ParseKey(%q).String() = %q, want %q", s, str, s)
		}
		k2, err := ParseKey(str)
		if err != nil || k2 != k {
			t.Fatalf("ParseKey(%q) = %#v, %v, want %#v", str, k2, err, k)
		}
		if str2 := k2.String(); str2 != str {
			t.Errorf("ParseKey(%q).String() = %q, want %q", str, str2, str)
		}
		if k.Kind < FS || k.Kind > Spawn {
			t.Errorf("ParseKey(%q).Kind = %v, want a known kind", s, k.Kind)
		}
		if k.Kind == FS && k.Access == AsDeclared {
			t.Errorf("ParseKey(%q).Access = AsDeclared, want ro or rw", s)
		}
		if !k.Covers(k) {
			t.Errorf("Covers(%q, %q) = false, want true", s, s)
		}
		if set := NewSet(k); !set.Contains(k) || !set.Covers(k) {
			t.Errorf("Set{%q}.Contains/Covers(%q) = false, want true", k, k)
		}
	})
}

func FuzzParseNet(f *testing.F) {
	for _, tt := range roundTripKeys {
		if net, ok := strings.CutPrefix(tt.in, "net:"); ok {
			f.Add(net)
		}
	}
	for _, tt := range badKeyTests {
		if net, ok := strings.CutPrefix(tt.in, "net:"); ok {
			f.Add(net)
		}
	}
	for _, s := range []string{
		"a:1", "*.a:*", "a.b.c.d.e:65535", "0.0.0.0:1", "[::]:1", "[fe80::1]:22",
		"[::ffff:10.0.0.1]:443", "1e3.example:443", "*.xn--p1ai:443",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseNet(s)
		if err != nil {
			if k != (Key{}) {
				t.Errorf("ParseNet(%q) = %#v, %v, want the zero key with an error", s, k, err)
			}
			return
		}
		str := k.String()
		if str != "net:"+s {
			t.Errorf("ParseNet(%q).String() = %q, want %q", s, str, "net:"+s)
		}
		k2, err := ParseKey(str)
		if err != nil || k2 != k {
			t.Fatalf("ParseKey(%q) = %#v, %v, want %#v", str, k2, err, k)
		}
		if str2 := k2.String(); str2 != str {
			t.Errorf("ParseKey(%q).String() = %q, want %q", str, str2, str)
		}
		if k.Kind != Net || k.Name == "" || k.Port == "" {
			t.Errorf("ParseNet(%q) = %#v, want a net key with host and port", s, k)
		}
		if !k.Covers(k) {
			t.Errorf("Covers(%q, %q) = false, want true", str, str)
		}
		// Port * covers the port; a port never covers *.
		if k.Port != "*" {
			star := Key{Kind: Net, Name: k.Name, Port: "*"}
			if !star.Covers(k) || k.Covers(star) {
				t.Errorf("Covers(%q, %q) = %v, Covers(%q, %q) = %v, want true, false", star, k, star.Covers(k), k, star, k.Covers(star))
			}
		}
		// *.NAME covers a sub-domain of NAME and the narrower *.SUB.NAME, not NAME itself.
		if name, ok := strings.CutPrefix(k.Name, "*."); ok {
			sub, err := ParseNet("a." + name + ":" + k.Port)
			if err == nil && (!k.Covers(sub) || sub.Covers(k)) {
				t.Errorf("Covers(%q, %q) = %v, Covers(%q, %q) = %v, want true, false", k, sub, k.Covers(sub), sub, k, sub.Covers(k))
			}
			wsub, err := ParseNet("*.a." + name + ":" + k.Port)
			if err == nil && (!k.Covers(wsub) || wsub.Covers(k)) {
				t.Errorf("Covers(%q, %q) = %v, Covers(%q, %q) = %v, want true, false", k, wsub, k.Covers(wsub), wsub, k, wsub.Covers(k))
			}
			bare, err := ParseNet(name + ":" + k.Port)
			if err == nil && k.Covers(bare) {
				t.Errorf("Covers(%q, %q) = true, want false", k, bare)
			}
		}
	})
}
