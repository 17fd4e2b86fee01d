package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// grantPool holds keys and grants of every kind, and fs grants of every
// access, for TestGrants to combine.
var grantPool = []string{
	"fs:out:rw", "fs:out:ro", "fs:in:ro", "fs:tmp:rw",
	"fs:out=data/uploads:rw", "fs:out=data:ro", "fs:out=data", "fs:in=cache", "fs:tmp=data/tmp",
	"net:a.com:443", "net:*.a.com:443", "net:b.a.com:443", "net:a.com:*",
	"env:LANG", "env:TZ", "clock", "random", "stdio:stdout", "spawn:acme:w",
}

// TestGrants checks Grants against CheckFlow's Missing on random grants
// and children drawn from grantPool.
func TestGrants(t *testing.T) {
	keys := testKeys(t, strings.Join(grantPool, " "))
	pick := func(r *rand.Rand, own bool) []Key {
		var out []Key
		for range r.IntN(4) {
			k := keys[r.IntN(len(keys))]
			if own && k.Source != "" || !own && k.Kind == FS && k.Source == "" {
				continue // a package declares fs keys without a source; a grant names one
			}
			out = append(out, k)
		}
		return out
	}
	r := rand.New(rand.NewPCG(7, 11))
	for range 20000 {
		grant, child := pick(r, false), NewSet(pick(r, true)...)
		want := len(CheckFlow(nil, grant, child).Missing) == 0
		if got := Grants(grant, child); got != want {
			t.Fatalf("Grants(%q, %q) = %v, want %v (CheckFlow's Missing: %q)", NewSet(grant...).Strings(), child.Strings(), got, want, NewSet(CheckFlow(nil, grant, child).Missing...).Strings())
		}
	}
}
