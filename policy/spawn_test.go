package policy

import (
	"math/rand/v2"
	"testing"
)

// The edge of the seed example: acme:orch starts acme:worker, each with a
// sub-directory of data/jobs of its own.
const (
	orchHeld    = "fs:data:rw fs:cache:ro net:*.example.com:* env:LANG env:HOME clock random stdio:stdout stdio:stderr spawn:acme:worker spawn:acme:tool"
	orchGrant   = "fs:tmp=data/jobs:rw fs:in=cache:ro net:api.example.com:443 env:LANG clock stdio:stdout"
	workerKeys  = "fs:tmp:rw env:LANG stdio:stdout"
	workerWants = "fs:tmp=data/jobs/7:rw env:LANG stdio:stdout"
)

func TestSpawnHand(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		grant, held, declared string // "" takes the seed example's
		keys                  string
		handed, err           string
		none                  bool // the edge grants or holds nothing
	}{
		{
			name: "its own job directory", keys: workerWants,
			handed: "fs:tmp=data/jobs/7:rw env:LANG stdio:stdout",
		},
		{
			name:   "no keys hands the grant, less what the child does not declare",
			handed: "fs:tmp=data/jobs:rw env:LANG stdio:stdout",
		},
		{
			name: "the whole granted directory", keys: "fs:tmp=data/jobs:rw env:LANG stdio:stdout",
			handed: "fs:tmp=data/jobs:rw env:LANG stdio:stdout",
		},
		{
			name: "without an access, the child's declared one", keys: "fs:tmp=data/jobs/7 env:LANG stdio:stdout",
			handed: "fs:tmp=data/jobs/7:rw env:LANG stdio:stdout",
		},
		{
			name:   "handed keys the child does not declare are dropped",
			keys:   "fs:tmp=data/jobs/7:rw fs:in=cache/x:ro net:api.example.com:443 env:LANG clock stdio:stdout",
			handed: "fs:tmp=data/jobs/7:rw env:LANG stdio:stdout",
		},
		{
			name: "rw handed, ro declared: the child holds ro", declared: "fs:tmp:ro",
			keys: "fs:tmp=data/jobs/7:rw", handed: "fs:tmp=data/jobs/7:ro",
		},
		{
			name:     "every kind narrowed",
			grant:    "fs:tmp=data/jobs:rw net:*.example.com:* env:LANG clock random stdio:stdout spawn:acme:tool",
			declared: "fs:tmp:ro net:api.example.com:443 env:LANG clock random stdio:stdout spawn:acme:tool",
			keys:     "fs:tmp=data/jobs/7/in:ro net:api.example.com:443 env:LANG clock random stdio:stdout spawn:acme:tool",
			handed:   "fs:tmp=data/jobs/7/in:ro net:api.example.com:443 env:LANG clock random stdio:stdout spawn:acme:tool",
		},
		{
			name: "a wildcard host narrowed to a host and a port", grant: "net:*.example.com:*", declared: "net:a.b.example.com:8443",
			keys: "net:*.b.example.com:8443", handed: "net:a.b.example.com:8443",
		},
		{
			name: "nothing declared, nothing handed", declared: "", none: true, keys: "",
		},

		// Keys wider than the grant, of each kind.
		{
			name: "a wider fs sub-path", keys: "fs:tmp=data:rw env:LANG stdio:stdout",
			err: "fs:tmp=data:rw is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:tmp=data/jobs:rw)",
		},
		{
			name: "a sibling sharing a prefix", keys: "fs:tmp=data/jobs2:rw",
			err: "fs:tmp=data/jobs2:rw is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:tmp=data/jobs:rw)",
		},
		{
			name: "another slot of the parent", keys: "fs:tmp=cache:ro",
			err: "fs:tmp=cache:ro is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:tmp=data/jobs:rw)",
		},
		{
			name: "an fs slot the grant does not name", keys: "fs:out=data/jobs/7:rw",
			err: "fs:out=data/jobs/7:rw is not covered by the grant of acme:orch to acme:worker in nano.lock (no such key)",
		},
		{
			name: "rw over ro", keys: "fs:in=cache/x:rw",
			err: "fs:in=cache/x:rw is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:in=cache:ro)",
		},
		{
			name: "rw over ro, by the child's declared access", declared: "fs:in:rw", keys: "fs:in=cache/x",
			err: "fs:in=cache/x is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:in=cache:ro)",
		},
		{
			name: "a net port * over a port", keys: "net:api.example.com:*",
			err: "net:api.example.com:* is not covered by the grant of acme:orch to acme:worker in nano.lock (net:api.example.com:443)",
		},
		{
			name: "another net port", keys: "net:api.example.com:80",
			err: "net:api.example.com:80 is not covered by the grant of acme:orch to acme:worker in nano.lock (net:api.example.com:443)",
		},
		{
			name: "a host wildcard over a host", keys: "net:*.example.com:443",
			err: "net:*.example.com:443 is not covered by the grant of acme:orch to acme:worker in nano.lock (net:api.example.com:443)",
		},
		{
			name: "another host", keys: "net:evil.example.com:443",
			err: "net:evil.example.com:443 is not covered by the grant of acme:orch to acme:worker in nano.lock (net:api.example.com:443)",
		},
		{
			name: "an env variable not granted", keys: "env:HOME",
			err: "env:HOME is not covered by the grant of acme:orch to acme:worker in nano.lock (env:LANG)",
		},
		{
			name: "a stream not granted", keys: "stdio:stderr",
			err: "stdio:stderr is not covered by the grant of acme:orch to acme:worker in nano.lock (stdio:stdout)",
		},
		{
			name: "a spawn key not granted", keys: "spawn:acme:worker",
			err: "spawn:acme:worker is not covered by the grant of acme:orch to acme:worker in nano.lock (no such key)",
		},
		{
			name: "random not granted", keys: "random",
			err: "random is not covered by the grant of acme:orch to acme:worker in nano.lock (no such key)",
		},
		{
			name: "clock not granted", grant: "env:LANG", keys: "clock",
			err: "clock is not covered by the grant of acme:orch to acme:worker in nano.lock (no such key)",
		},
		{
			name: "a grant fs key without a source covers nothing", grant: "fs:tmp:rw", keys: "fs:tmp=data/jobs:rw",
			err: "fs:tmp=data/jobs:rw is not covered by the grant of acme:orch to acme:worker in nano.lock (fs:tmp:rw)",
		},
		{
			name: "an empty grant", grant: "", none: true, declared: "", keys: "env:LANG",
			err: "env:LANG is not covered by the grant of acme:orch to acme:worker in nano.lock (no such key)",
		},

		// Keys the parent does not hold at run time.
		{
			name: "the operator's --dir data=PATH:ro", held: "fs:data:ro env:LANG stdio:stdout", keys: workerWants,
			err: "fs:tmp=data/jobs/7:rw: acme:orch does not hold fs:data:rw at run time",
		},
		{
			name: "ro at run time, rw by the child's declared access", held: "fs:data:ro", keys: "fs:tmp=data/jobs/7",
			err: "fs:tmp=data/jobs/7: acme:orch does not hold fs:data:rw at run time",
		},
		{
			name: "ro at run time, no keys: the grant", held: "fs:data:ro env:LANG stdio:stdout",
			err: "fs:tmp=data/jobs:rw: acme:orch does not hold fs:data:rw at run time",
		},
		{
			name: "ro at run time, ro handed", held: "fs:data:ro env:LANG stdio:stdout", declared: "fs:tmp:ro env:LANG stdio:stdout",
			keys: "fs:tmp=data/jobs/7:ro env:LANG stdio:stdout", handed: "fs:tmp=data/jobs/7:ro env:LANG stdio:stdout",
		},
		{
			name: "the operator's --deny stdout", held: "fs:data:rw env:LANG", keys: workerWants,
			err: "stdio:stdout: acme:orch does not hold stdio:stdout at run time",
		},
		{
			name: "a slot the parent was not given", held: "env:LANG stdio:stdout", keys: workerWants,
			err: "fs:tmp=data/jobs/7:rw: acme:orch does not hold fs:data:rw at run time",
		},
		{
			name: "a net key narrower at run time", held: "net:api.example.com:80", keys: "net:api.example.com:443",
			err: "net:api.example.com:443: acme:orch does not hold net:api.example.com:443 at run time",
		},
		{
			name: "a dropped key is still checked", held: "fs:data:rw env:LANG stdio:stdout", keys: "fs:tmp=data/jobs/7:rw env:LANG stdio:stdout clock",
			err: "clock: acme:orch does not hold clock at run time",
		},

		// Declared keys of the child that start does not hand.
		{
			name: "a declared env key", declared: "env:HOME", keys: "env:LANG",
			err: "acme:worker declares env:HOME, which start does not hand it",
		},
		{
			name: "a declared key the request leaves out", keys: "fs:tmp=data/jobs/7:rw env:LANG",
			err: "acme:worker declares stdio:stdout, which start does not hand it",
		},
		{
			name: "a declared rw slot handed ro", grant: "fs:tmp=data/jobs", keys: "fs:tmp=data/jobs/7:ro", declared: "fs:tmp:rw",
			err: "acme:worker declares fs:tmp:rw, which start does not hand it",
		},
		{
			name: "a declared net key wider than the handed one", grant: "net:*.example.com:*", declared: "net:*.example.com:443",
			keys: "net:api.example.com:443",
			err:  "acme:worker declares net:*.example.com:443, which start does not hand it",
		},
		{
			name: "no keys, a grant that lacks a declared key", declared: "fs:tmp:rw env:TZ",
			err: "acme:worker declares env:TZ, which start does not hand it",
		},

		// Malformed requests.
		{
			name: "an fs key without a source", keys: "fs:tmp:rw",
			err: "fs:tmp:rw names no slot of acme:orch: an fs key handed to a child is fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw]",
		},
		{
			name: "one slot handed twice", keys: "fs:tmp=data/jobs/7:rw fs:tmp=data/jobs/8:rw",
			err: `fs:tmp=data/jobs/8:rw: fs slot "tmp" of acme:worker is handed twice`,
		},
	} {
		grant, held, declared := orchGrant, orchHeld, workerKeys
		if tt.grant != "" || tt.none {
			grant = tt.grant
		}
		if tt.held != "" || tt.none {
			held = tt.held
		}
		if tt.declared != "" || tt.none {
			declared = tt.declared
		}
		e := &SpawnEdge{Parent: "acme:orch", Child: "acme:worker",
			Grant: testKeys(t, grant), Held: NewSet(testKeys(t, held)...), Declared: NewSet(testKeys(t, declared)...)}
		got, err := e.Hand(testKeys(t, tt.keys))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: Hand(%q) = %q, %v, want error %q", tt.name, tt.keys, keyString(got), err, tt.err)
			}
			if got != nil {
				t.Errorf("%s: Hand(%q) = %q with an error, want nothing", tt.name, tt.keys, keyString(got))
			}
			continue
		}
		if err != nil || keyString(got) != tt.handed {
			t.Errorf("%s: Hand(%q) = %q, %v, want %q", tt.name, tt.keys, keyString(got), err, tt.handed)
		}
	}
}

func TestSpawnHandNotAKey(t *testing.T) {
	e := &SpawnEdge{Parent: "acme:orch", Child: "acme:worker", Grant: testKeys(t, orchGrant), Held: NewSet(testKeys(t, orchHeld)...)}
	for _, k := range []Key{{}, {Kind: Spawn + 1, Name: "x"}} {
		if got, err := e.Hand([]Key{k}); err == nil {
			t.Errorf("Hand(%#v) = %q, nil, want an error", k, keyString(got))
		}
	}
}

// TestSpawnRooted follows a spawn to what the runtime mounts: the parent
// holds fs:data=data/uploads:rw in root terms, and hands its child
// fs:tmp=data/jobs/7, which is data/uploads/jobs/7 of the root's slot data.
func TestSpawnRooted(t *testing.T) {
	e := &SpawnEdge{Parent: "acme:orch", Child: "acme:worker",
		Grant: testKeys(t, "fs:tmp=data/jobs:rw"), Held: NewSet(testKeys(t, "fs:data:rw")...), Declared: NewSet(testKeys(t, "fs:tmp:rw")...)}
	handed, err := e.Hand(testKeys(t, "fs:tmp=data/jobs/7"))
	if err != nil {
		t.Fatalf("Hand: %v", err)
	}
	rooted := NewSet(testKeys(t, "fs:data=data/uploads:rw")...)
	k, err := rooted.Rooted(handed[0])
	if err != nil || k.String() != "fs:tmp=data/uploads/jobs/7:rw" {
		t.Fatalf("Rooted(%q) = %q, %v, want fs:tmp=data/uploads/jobs/7:rw", handed[0], k, err)
	}
	if !rooted.HoldsRooted(k) {
		t.Errorf("HoldsRooted(%q) = false, want true", k)
	}
}

func TestParseGrant(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{in: "fs:out=data/jobs/7:rw", want: "fs:out=data/jobs/7:rw"},
		{in: "fs:out=data/jobs/7:ro", want: "fs:out=data/jobs/7:ro"},
		{in: "fs:out=data/jobs/7", want: "fs:out=data/jobs/7"},
		{in: "fs:out=data", want: "fs:out=data"},
		{in: "env:LANG", want: "env:LANG"},
		{in: "net:api.example.com:443", want: "net:api.example.com:443"},
		{in: "clock", want: "clock"},
		{in: "random", want: "random"},
		{in: "stdio:stdout", want: "stdio:stdout"},
		{in: "spawn:acme:tool", want: "spawn:acme:tool"},
		{in: "fs:out:rw", err: `key "fs:out:rw": an fs key in a grant is fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw]`},
		{in: "fs:out", err: `key "fs:out": an fs key in a grant is fs:SLOT=SOURCE[/SUB/PATH][:ro|:rw]`},
		{in: "fs:out=data/../etc:rw", err: `key "fs:out=data/../etc:rw": sub-path "../etc" has a ".." part`},
		{in: "fs:out=/etc:rw", err: `key "fs:out=/etc:rw": fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
		{in: "fs:out=data:rx", err: `key "fs:out=data:rx": access "rx" is not "ro" or "rw"`},
		{in: "fs:Out=data:rw", err: `key "fs:Out=data:rw": fs slot "Out" is not [a-z][a-z0-9_-]{0,62}`},
		{in: "env:1", err: `key "env:1": env name "1" is not [A-Za-z_][A-Za-z0-9_]*`},
		{in: "clock:x", err: `key "clock:x": clock takes no argument`},
		{in: "", err: `key "": not a kind of key (fs, net, env, clock, random, stdio, spawn)`},
	} {
		k, err := ParseGrant(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseGrant(%q) = %q, %v, want error %q", tt.in, k, err, tt.err)
			}
			continue
		}
		if err != nil || k.String() != tt.want {
			t.Errorf("ParseGrant(%q) = %q, %v, want %q", tt.in, k, err, tt.want)
		}
	}
}

// Pools of keys for comparing Hand with CheckFlow: a parent with slots data
// and cache, a child with slots tmp and out, and the other kinds.
var (
	spawnOther  = []string{"net:a.example.com:443", "net:a.example.com:*", "net:*.example.com:443", "net:b.example.com:443", "env:LANG", "env:HOME", "clock", "random", "stdio:stdout", "stdio:stderr", "spawn:acme:w"}
	spawnParent = append([]string{"fs:data:ro", "fs:data:rw", "fs:cache:ro", "fs:cache:rw"}, spawnOther...)
	spawnChild  = append([]string{"fs:tmp:ro", "fs:tmp:rw", "fs:out:ro", "fs:out:rw"}, spawnOther...)
	spawnGrant  = func() []string {
		var out []string
		for _, slot := range []string{"tmp", "out"} {
			for _, src := range []string{"data", "data/jobs", "data/jobs/7", "data/jobs2", "cache", "cache/x"} {
				for _, acc := range []string{"", ":ro", ":rw"} {
					out = append(out, "fs:"+slot+"="+src+acc)
				}
			}
		}
		return append(out, spawnOther...)
	}()
)

// pick returns the keys that the bytes of b choose: by three bytes in four,
// what near returns of it when it returns one, else a key of pool; and one fs key
// for a slot at most, as a manifest has.
func pick(t testing.TB, pool []string, b []byte, near func(c byte) (Key, bool)) []Key {
	var out []Key
	for _, c := range b {
		k, ok := Key{}, false
		if c%4 != 0 && near != nil {
			k, ok = near(c / 4)
		}
		if !ok {
			k = testKey(t, pool[int(c/4)%len(pool)])
		}
		if k.Kind == FS && containsSlot(out, k.Name) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// spawnCase returns the edge and keys that the bytes choose: a grant, and
// keys that the parent holds, the child declares and the parent hands made
// often, though not always, from the grant's, so that Hand both hands and
// refuses.
func spawnCase(t testing.TB, parentB, grantB, childB, keysB []byte) (parent, grant, child, keys []Key) {
	grant = pick(t, spawnGrant, grantB, nil)
	of := func(c byte) (Key, bool) {
		if len(grant) == 0 {
			return Key{}, false
		}
		return grant[int(c)%len(grant)], true
	}
	parent = pick(t, spawnParent, parentB, func(c byte) (Key, bool) {
		k, ok := of(c)
		if k.Kind == FS { // the parent's slot, ro or rw
			k = Key{Kind: FS, Name: k.SourceSlot(), Access: RO + Access(c%2)}
		}
		return k, ok
	})
	child = pick(t, spawnChild, childB, func(c byte) (Key, bool) {
		k, ok := of(c)
		if k.Kind == FS { // the child's slot, ro or rw
			k = Key{Kind: FS, Name: k.Name, Access: RO + Access(c%2)}
		}
		return k, ok
	})
	keys = pick(t, spawnGrant, keysB, func(c byte) (Key, bool) {
		k, ok := of(c)
		if k.Kind == FS { // the grant's, a sub-path, or another access
			switch c % 4 {
			case 1:
				k.Source += "/7"
			case 2:
				k.Access = Access(c / 4 % 3)
			}
		}
		return k, ok
	})
	return parent, grant, child, keys
}

func containsSlot(keys []Key, slot string) bool {
	for _, k := range keys {
		if k.Kind == FS && k.Name == slot {
			return true
		}
	}
	return false
}

// checkSpawnFlow checks Hand against CheckFlow on one edge. With no keys,
// Hand hands exactly what CheckFlow hands, and refuses exactly when the
// edge is not OK. With keys, what Hand hands is what CheckFlow hands for
// the keys as a grant, and each handed key is covered by what the edge's
// grant hands: keys only narrow.
func checkSpawnFlow(t *testing.T, parent, grant, child, keys []Key) {
	t.Helper()
	held, declared := NewSet(parent...), NewSet(child...)
	e := &SpawnEdge{Parent: "p:p", Child: "c:c", Grant: grant, Held: held, Declared: declared}
	f := CheckFlow(held, grant, declared)
	got, err := e.Hand(nil)
	if (err == nil) != f.OK() || keyString(got) != keyString(f.Handed) && err == nil {
		t.Fatalf("Hand(nil) on grant %q, held %q, declared %q = %q, %v; CheckFlow hands %q, missing %q, unheld %q",
			keyString(grant), keyString(held), keyString(declared), keyString(got), err, keyString(f.Handed), keyString(f.Missing), keyString(f.Unheld))
	}
	if len(keys) == 0 {
		return
	}
	got, err = e.Hand(keys)
	if err != nil {
		return
	}
	fk := CheckFlow(held, keys, declared)
	if !fk.OK() || keyString(got) != keyString(fk.Handed) {
		t.Fatalf("Hand(%q) on grant %q, held %q, declared %q = %q; CheckFlow of the keys hands %q, missing %q, unheld %q",
			keyString(keys), keyString(grant), keyString(held), keyString(declared), keyString(got), keyString(fk.Handed), keyString(fk.Missing), keyString(fk.Unheld))
	}
	for _, k := range got {
		if !f.Handed.Covers(k) {
			t.Fatalf("Hand(%q) on grant %q, held %q, declared %q hands %s, which the grant (%q) does not cover",
				keyString(keys), keyString(grant), keyString(held), keyString(declared), k, keyString(f.Handed))
		}
	}
}

func TestSpawnAgainstFlow(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	bytes := func() []byte {
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return b
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	var ok, some, flowOK, flowSome int
	for range n {
		parent, grant, child, keys := spawnCase(t, bytes(), bytes(), bytes(), bytes())
		checkSpawnFlow(t, parent, grant, child, keys)
		if f := CheckFlow(NewSet(parent...), grant, NewSet(child...)); f.OK() && len(f.Handed) > 0 {
			flowSome++
		} else if f.OK() {
			flowOK++
		}
		e := &SpawnEdge{Grant: grant, Held: NewSet(parent...), Declared: NewSet(child...)}
		if got, err := e.Hand(keys); err == nil && len(got) > 0 {
			some++
		} else if err == nil {
			ok++
		}
	}
	// The cases must reach every outcome, or the comparison proves little.
	t.Logf("of %d spawns: %d hand keys, %d nothing, %d are refused; with no keys: %d, %d, %d",
		n, some, ok, n-some-ok, flowSome, flowOK, n-flowSome-flowOK)
	for _, c := range []int{some, ok, n - some - ok, flowSome, flowOK, n - flowSome - flowOK} {
		if c < n/50 {
			t.Errorf("an outcome of only %d of %d random spawns, want %d at least", c, n, n/50)
		}
	}
}

func FuzzSpawn(f *testing.F) {
	f.Add([]byte{1, 4}, []byte{2, 0}, []byte{1}, []byte{})
	f.Add([]byte{1, 4, 8}, []byte{5, 36, 40}, []byte{1, 8}, []byte{8, 41})
	f.Add([]byte{0}, []byte{2}, []byte{1}, []byte{2})
	f.Add([]byte{4, 5}, []byte{39, 40}, []byte{6, 7}, []byte{38})
	f.Fuzz(func(t *testing.T, parent, grant, child, keys []byte) {
		p, g, c, k := spawnCase(t, parent, grant, child, keys)
		checkSpawnFlow(t, p, g, c, k)
	})
}

// BenchmarkSpawnHand measures the check of one start of the seed example:
// three keys handed, checked against the grant and the parent's keys.
func BenchmarkSpawnHand(b *testing.B) {
	e := &SpawnEdge{Parent: "acme:orch", Child: "acme:worker",
		Grant: testKeys(b, orchGrant), Held: NewSet(testKeys(b, orchHeld)...), Declared: NewSet(testKeys(b, workerKeys)...)}
	keys := testKeys(b, workerWants)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Hand(keys); err != nil {
			b.Fatal(err)
		}
	}
}
