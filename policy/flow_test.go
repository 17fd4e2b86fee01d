package policy

import "testing"

func TestCheckFlow(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		parent, grant, child string
		handed, missing      string
		unheld, unused       string
	}{
		{name: "nothing"},
		{
			name:   "fs source",
			parent: "fs:data:rw", grant: "fs:out=data/uploads:rw", child: "fs:out:rw",
			handed: "fs:out=data/uploads:rw",
		},
		{
			name:   "fs whole slot",
			parent: "fs:data:ro", grant: "fs:out=data:ro", child: "fs:out:ro",
			handed: "fs:out=data:ro",
		},
		{
			name:   "grant without access gives declared rw",
			parent: "fs:data:rw", grant: "fs:out=data/uploads", child: "fs:out:rw",
			handed: "fs:out=data/uploads:rw",
		},
		{
			name:   "grant without access gives declared ro",
			parent: "fs:data:rw", grant: "fs:out=data", child: "fs:out:ro",
			handed: "fs:out=data:ro",
		},
		{
			name:   "grant rw, child declares ro",
			parent: "fs:data:rw", grant: "fs:out=data:rw", child: "fs:out:ro",
			handed: "fs:out=data:ro",
		},
		{
			name:   "grant ro, child declares rw",
			parent: "fs:data:rw", grant: "fs:out=data:ro", child: "fs:out:rw",
			missing: "fs:out:rw",
		},
		{
			name:   "grant for another slot",
			parent: "fs:data:rw", grant: "fs:in=data", child: "fs:out:rw",
			missing: "fs:out:rw", unused: "fs:in=data",
		},
		{
			name:   "several slots",
			parent: "fs:data:rw fs:cache:ro", grant: "fs:tmp=data/tmp fs:in=cache fs:out=data/out:rw", child: "fs:in:ro fs:out:rw fs:tmp:rw",
			handed: "fs:in=cache:ro fs:out=data/out:rw fs:tmp=data/tmp:rw",
		},
		{
			name:   "missing keys",
			parent: "env:LANG env:TZ clock", grant: "env:LANG", child: "env:LANG env:TZ clock fs:data:rw",
			handed: "env:LANG", missing: "fs:data:rw env:TZ clock",
		},
		{
			name:    "no grant at all",
			parent:  "fs:data:rw net:a.com:443 env:LANG clock random stdio:stdout spawn:acme:w",
			child:   "fs:data:rw net:a.com:443 env:LANG clock random stdio:stdout spawn:acme:w",
			missing: "fs:data:rw net:a.com:443 env:LANG clock random stdio:stdout spawn:acme:w",
		},
		{
			name:   "unused grant keys are never handed",
			parent: "fs:data:rw env:LANG env:TZ clock", grant: "env:LANG clock fs:out=data env:TZ", child: "env:LANG",
			handed: "env:LANG", unused: "clock fs:out=data env:TZ",
		},
		{
			name:   "unused and unheld",
			grant:  "env:HOME fs:out=data:rw",
			unheld: "env:HOME fs:out=data:rw", unused: "env:HOME fs:out=data:rw",
		},
		{
			name:   "parent lacks the slot",
			parent: "fs:cache:rw", grant: "fs:out=data", child: "fs:out:ro",
			handed: "fs:out=data:ro", unheld: "fs:out=data",
		},
		{
			name:   "parent holds the slot only through a grant key",
			parent: "fs:data=cache:rw", grant: "fs:out=data", child: "fs:out:ro",
			handed: "fs:out=data:ro", unheld: "fs:out=data",
		},
		{
			name:   "parent ro, grant rw",
			parent: "fs:data:ro", grant: "fs:out=data/x:rw", child: "fs:out:ro",
			handed: "fs:out=data/x:ro", unheld: "fs:out=data/x:rw",
		},
		{
			name:   "parent ro, grant as declared rw",
			parent: "fs:data:ro", grant: "fs:out=data", child: "fs:out:rw",
			handed: "fs:out=data:rw", unheld: "fs:out=data",
		},
		{
			name:   "parent ro, unused grant as declared needs ro",
			parent: "fs:data:ro", grant: "fs:out=data",
			unused: "fs:out=data",
		},
		{
			name:   "parent lacks net",
			parent: "net:a.example.com:443", grant: "net:b.example.com:443", child: "net:b.example.com:443",
			handed: "net:b.example.com:443", unheld: "net:b.example.com:443",
		},
		{
			name:   "parent net narrower than grant",
			parent: "net:a.example.com:443 net:b.example.com:443", grant: "net:*.example.com:443", child: "net:a.example.com:443",
			handed: "net:a.example.com:443", unheld: "net:*.example.com:443",
		},
		{
			name:   "parent net port narrower than grant",
			parent: "net:a.com:443", grant: "net:a.com:*", child: "net:a.com:443",
			handed: "net:a.com:443", unheld: "net:a.com:*",
		},
		{
			name:   "net wildcard grant covers narrower child keys",
			parent: "net:*.example.com:*", grant: "net:*.example.com:443",
			child:  "net:api.example.com:443 net:a.b.example.com:443 net:*.cdn.example.com:443",
			handed: "net:*.cdn.example.com:443 net:a.b.example.com:443 net:api.example.com:443",
		},
		{
			name:   "net wildcard grant does not cover the bare domain",
			parent: "net:*.example.com:443 net:example.com:443", grant: "net:*.example.com:443", child: "net:example.com:443",
			missing: "net:example.com:443", unused: "net:*.example.com:443",
		},
		{
			name:   "net port mismatch",
			parent: "net:api.example.com:*", grant: "net:api.example.com:443", child: "net:api.example.com:80",
			missing: "net:api.example.com:80", unused: "net:api.example.com:443",
		},
		{
			name:   "two grants cover one key: both used",
			parent: "net:*.example.com:*", grant: "net:*.example.com:443 net:api.example.com:*", child: "net:api.example.com:443",
			handed: "net:api.example.com:443",
		},
		{
			name:   "every kind",
			parent: "fs:data:rw net:*.example.com:443 env:LANG clock random stdio:stdout stdio:stderr spawn:acme:worker",
			grant:  "fs:out=data/x env:LANG clock random stdio:stdout spawn:acme:worker net:api.example.com:443",
			child:  "fs:out:rw net:api.example.com:443 env:LANG clock random stdio:stdout spawn:acme:worker",
			handed: "fs:out=data/x:rw net:api.example.com:443 env:LANG clock random stdio:stdout spawn:acme:worker",
		},
		{
			name:   "every kind missing and unheld",
			grant:  "env:LANG clock stdio:stdin",
			child:  "fs:out:ro net:api.example.com:443 env:LANG env:TZ random stdio:stdout spawn:acme:worker",
			handed: "env:LANG", missing: "fs:out:ro net:api.example.com:443 env:TZ random stdio:stdout spawn:acme:worker",
			unheld: "env:LANG clock stdio:stdin", unused: "clock stdio:stdin",
		},
	} {
		f := CheckFlow(NewSet(testKeys(t, tt.parent)...), testKeys(t, tt.grant), NewSet(testKeys(t, tt.child)...))
		for _, r := range []struct{ field, got, want string }{
			{"Handed", keyString(f.Handed), tt.handed},
			{"Missing", keyString(f.Missing), tt.missing},
			{"Unheld", keyString(f.Unheld), tt.unheld},
			{"Unused", keyString(f.Unused), tt.unused},
		} {
			if r.got != r.want {
				t.Errorf("%s: CheckFlow(%q, %q, %q).%s = %q, want %q", tt.name, tt.parent, tt.grant, tt.child, r.field, r.got, r.want)
			}
		}
		if got, want := f.OK(), tt.missing == "" && tt.unheld == ""; got != want {
			t.Errorf("%s: CheckFlow(%q, %q, %q).OK() = %v, want %v", tt.name, tt.parent, tt.grant, tt.child, got, want)
		}
	}
}

func TestGrantHint(t *testing.T) {
	for _, tt := range []struct {
		name, parent, missing, want string
	}{
		{
			name:    "net and env, parent holds the net key",
			parent:  "net:*.example.com:443 env:LANG",
			missing: "net:api.example.com:443 env:TZ",
			want: `[dependencies."acme:zip".grant]
net = ["api.example.com:443"]
env = ["TZ"]
[capabilities]
env = ["TZ"]
`,
		},
		{
			name:    "net and env, parent holds both",
			parent:  "net:api.example.com:* env:LANG env:TZ",
			missing: "env:TZ env:LANG net:api.example.com:443",
			want: `[dependencies."acme:zip".grant]
net = ["api.example.com:443"]
env = ["LANG", "TZ"]
`,
		},
		{
			name:    "fs, parent holds a slot of the same name",
			parent:  "fs:data:rw fs:out:rw",
			missing: "fs:out:rw",
			want: `[dependencies."acme:zip".grant]
fs.out = "out"
`,
		},
		{
			name:    "fs, parent holds the same name ro, child needs rw",
			parent:  "fs:data:rw fs:out:ro",
			missing: "fs:out:rw",
			want: `[dependencies."acme:zip".grant]
fs.out = "out"
[capabilities]
fs.out = "rw"
`,
		},
		{
			name:    "fs, parent holds one other slot",
			parent:  "fs:data:rw",
			missing: "fs:out:ro",
			want: `[dependencies."acme:zip".grant]
fs.out = "data"
`,
		},
		{
			name:    "fs, parent holds one other slot with less access",
			parent:  "fs:data:ro",
			missing: "fs:out:rw",
			want: `[dependencies."acme:zip".grant]
fs.out = "out"
[capabilities]
fs.out = "rw"
`,
		},
		{
			name:    "fs, parent holds two other slots",
			parent:  "fs:data:rw fs:cache:rw",
			missing: "fs:out:ro",
			want: `[dependencies."acme:zip".grant]
fs.out = "out"
[capabilities]
fs.out = "ro"
`,
		},
		{
			name:    "parent holds nothing",
			missing: "spawn:acme:worker stdio:stdout stdio:stderr random clock env:LANG net:b.com:443 net:a.com:* fs:out:rw fs:in:ro",
			want: `[dependencies."acme:zip".grant]
fs.in = "in"
fs.out = "out"
clock = true
random = true
net = ["a.com:*", "b.com:443"]
env = ["LANG"]
stdio = ["stderr", "stdout"]
spawn = ["acme:worker"]
[capabilities]
fs.in = "ro"
fs.out = "rw"
clock = true
random = true
net = ["a.com:*", "b.com:443"]
env = ["LANG"]
stdio = ["stderr", "stdout"]
spawn = ["acme:worker"]
`,
		},
	} {
		got := GrantHint("acme:zip", NewSet(testKeys(t, tt.parent)...), testKeys(t, tt.missing))
		if got != tt.want {
			t.Errorf("%s: GrantHint(%q, %q, %q) = %q, want %q", tt.name, "acme:zip", tt.parent, tt.missing, got, tt.want)
		}
	}
}

// TestHoldsExact checks the premise of holds's fast path: a key other than
// fs that the parent holds exactly, it holds. Every key of TestKeyCovers's
// kinds covers itself, and holds agrees with Set.Covers on each pair.
func TestHoldsExact(t *testing.T) {
	texts := []string{
		"net:api.example.com:443", "net:*.example.com:443", "net:*.example.com:*",
		"net:10.0.0.1:5432", "net:[::1]:8080", "net:*:*", "env:HOME", "env:LANG",
		"stdio:stdout", "stdio:stdin", "clock", "random", "spawn:acme:tool",
	}
	var keys []Key
	for _, s := range texts {
		k, err := ParseKey(s)
		if err != nil {
			continue // a form this version does not take
		}
		keys = append(keys, k)
		if !k.Covers(k) {
			t.Errorf("%s does not cover itself", s)
		}
	}
	if len(keys) < 10 {
		t.Fatalf("only %d of %d keys parse", len(keys), len(texts))
	}
	for _, p := range keys {
		for _, g := range keys {
			parent := NewSet(p, keys[0])
			if got, want := holds(parent, g, nil), parent.Covers(g); got != want {
				t.Errorf("holds(%v, %v) = %v, want %v", parent.Strings(), g, got, want)
			}
		}
	}
}
