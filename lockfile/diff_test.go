package lockfile

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/policy"
)

// parseLock reads a lock in a tiny text language, one fact per line:
//
//	acme:zip 1.4.2 fs:out:rw net:a.example:443     a package and its keys
//	acme:zip 1.4.2 module=b source=path+../zip    another module digest, source
//	acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data:rw  an edge and its grant
//
// Lines are separated by newlines or ";".
func parseLock(t *testing.T, text string) *Lock {
	t.Helper()
	l := new(Lock)
	for line := range strings.FieldsFuncSeq(text, func(r rune) bool { return r == '\n' || r == ';' }) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) >= 5 && f[2] == "->" {
			e := &Edge{Parent: f[0] + " " + f[1], Child: f[3] + " " + f[4], Grant: keys(t, f[5:])}
			l.Edges = append(l.Edges, e)
			continue
		}
		p := pkg(f[0], f[1])
		var ks []string
		for _, s := range f[2:] {
			switch k, v, _ := strings.Cut(s, "="); k {
			case "module":
				p.Module = digest(v)
			case "source":
				p.Source = v
			default:
				ks = append(ks, s)
			}
		}
		p.Keys = keys(t, ks)
		l.Packages = append(l.Packages, p)
	}
	return l
}

func keys(t *testing.T, texts []string) policy.Set {
	t.Helper()
	s, err := policy.ParseSet(texts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// format prints changes one per line:
//
//	acme:zip 1.4.2 -> 2.0.0 major: added net:a:443, dropped clock
//	acme:new - -> 1.0.0: added clock
//	edge acme:app > acme:zip: widened fs:out=data/uploads:rw -> fs:out=data:rw
func format(c *Changes) string {
	var b strings.Builder
	for _, p := range c.Packages {
		b.WriteString(p.Name + " " + version(p.Old) + " -> " + version(p.New))
		if p.Major() {
			b.WriteString(" major")
		}
		if p.Content {
			b.WriteString(" content")
		}
		if p.Old != nil && p.New != nil && p.Old.Source != p.New.Source {
			b.WriteString(" source")
		}
		deltas(&b, p.Keys)
	}
	for _, e := range c.Edges {
		b.WriteString("edge " + e.Parent + " > " + e.Child)
		switch {
		case e.Old == nil:
			b.WriteString(" new")
		case e.New == nil:
			b.WriteString(" removed")
		}
		deltas(&b, e.Grant)
	}
	return b.String()
}

func version(p *Package) string {
	if p == nil {
		return "-"
	}
	return p.Version.String()
}

func deltas(b *strings.Builder, ds []policy.Delta) {
	for i, d := range ds {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(",")
		}
		b.WriteString(" " + d.Op.String() + " " + d.String())
	}
	b.WriteString("\n")
}

var diffTests = []struct {
	name, old, new, want string
}{
	{"unchanged",
		"acme:zip 1.4.2 fs:out:rw; acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data:rw",
		"acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data:rw; acme:zip 1.4.2 fs:out:rw",
		""},
	{"bump with added key",
		"acme:zip 1.4.2 fs:out:rw",
		"acme:zip 1.5.0 fs:out:rw net:api.example.com:443",
		"acme:zip 1.4.2 -> 1.5.0: added net:api.example.com:443\n"},
	{"bump without key change",
		"acme:zip 1.4.2 fs:out:rw",
		"acme:zip 1.4.3 fs:out:rw",
		"acme:zip 1.4.2 -> 1.4.3\n"},
	{"widened fs",
		"acme:zip 1.4.2 fs:out:ro",
		"acme:zip 1.4.3 fs:out:rw",
		"acme:zip 1.4.2 -> 1.4.3: widened fs:out:ro -> fs:out:rw\n"},
	{"narrowed net",
		"acme:zip 1.4.2 net:*.example.com:443",
		"acme:zip 1.4.3 net:api.example.com:443",
		"acme:zip 1.4.2 -> 1.4.3: narrowed net:*.example.com:443 -> net:api.example.com:443\n"},
	{"dropped key",
		"acme:zip 1.4.2 env:LANG clock",
		"acme:zip 1.4.2 clock",
		"acme:zip 1.4.2 -> 1.4.2: dropped env:LANG\n"},
	{"new package",
		"acme:app 0.3.0",
		"acme:app 0.3.0; acme:new 1.0.0 clock random",
		"acme:new - -> 1.0.0: added clock, added random\n"},
	{"removed package",
		"acme:app 0.3.0; acme:old 1.0.0 stdio:stderr",
		"acme:app 0.3.0",
		"acme:old 1.0.0 -> -: dropped stdio:stderr\n"},
	{"two majors coexist",
		"acme:zip 2.0.0 fs:out:rw; acme:zip 1.4.2 fs:out:ro",
		"acme:zip 1.5.0 fs:out:ro; acme:zip 2.1.0 fs:out:rw net:api.example.com:443",
		"acme:zip 1.4.2 -> 1.5.0\n" +
			"acme:zip 2.0.0 -> 2.1.0: added net:api.example.com:443\n"},
	{"second major appears",
		"acme:zip 1.4.2 fs:out:ro",
		"acme:zip 1.4.2 fs:out:ro; acme:zip 2.0.0 fs:out:rw",
		"acme:zip - -> 2.0.0: added fs:out:rw\n"},
	{"major bump",
		"acme:zip 1.4.2 fs:out:ro",
		"acme:zip 2.0.0 fs:out:rw",
		"acme:zip 1.4.2 -> 2.0.0 major: widened fs:out:ro -> fs:out:rw\n"},
	{"zero majors pair by minor",
		"acme:x 0.3.0; acme:x 0.4.0",
		"acme:x 0.4.2 clock; acme:x 0.3.1",
		"acme:x 0.3.0 -> 0.3.1\n" +
			"acme:x 0.4.0 -> 0.4.2: added clock\n"},
	{"leftovers pair in order",
		"acme:x 1.0.0; acme:x 2.0.0",
		"acme:x 3.0.0; acme:x 4.0.0",
		"acme:x 1.0.0 -> 3.0.0 major\n" +
			"acme:x 2.0.0 -> 4.0.0 major\n"},
	{"digest only",
		"acme:zip 1.4.2 module=a",
		"acme:zip 1.4.2 module=b",
		"acme:zip 1.4.2 -> 1.4.2 content\n"},
	{"source only",
		"acme:zip 1.4.2 source=registry",
		"acme:zip 1.4.2 source=path+../zip",
		"acme:zip 1.4.2 -> 1.4.2 source\n"},
	{"edge grant widened",
		"acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data/uploads:rw env:LANG",
		"acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data:rw env:LANG",
		"edge acme:app > acme:zip: widened fs:out=data/uploads:rw -> fs:out=data:rw\n"},
	{"edge survives version bumps",
		"acme:app 0.3.0 -> acme:zip 1.4.2 fs:out=data:rw",
		"acme:app 0.4.0 -> acme:zip 1.5.0 fs:out=data:rw",
		""},
	{"new edge",
		"acme:app 0.3.0",
		"acme:app 0.3.0; acme:new 1.0.0 net:a.example.com:443; acme:app 0.3.0 -> acme:new 1.0.0 net:a.example.com:443",
		"acme:new - -> 1.0.0: added net:a.example.com:443\n" +
			"edge acme:app > acme:new new: added net:a.example.com:443\n"},
	{"removed edge",
		"acme:app 0.3.0 -> acme:zip 1.4.2 env:LANG; acme:app 0.3.0 -> acme:tar 1.0.0",
		"acme:app 0.3.0 -> acme:tar 1.0.0",
		"edge acme:app > acme:zip removed: dropped env:LANG\n"},
	{"edges to two majors",
		"acme:app 0.3.0 -> acme:zip 1.4.2 env:LANG; acme:app 0.3.0 -> acme:zip 2.0.0 env:TZ",
		"acme:app 0.3.0 -> acme:zip 2.0.0 env:TZ clock; acme:app 0.3.0 -> acme:zip 1.4.2 env:LANG",
		"edge acme:app > acme:zip: added clock\n"},
	{"edge to a dropped major",
		"acme:app 0.3.0 -> acme:zip 1.4.2 env:LANG; acme:app 0.3.0 -> acme:zip 2.0.0 env:TZ",
		"acme:app 0.3.0 -> acme:zip 2.1.0 env:TZ",
		"edge acme:app > acme:zip removed: dropped env:LANG\n"},
}

func TestDiff(t *testing.T) {
	for _, tt := range diffTests {
		t.Run(tt.name, func(t *testing.T) {
			got := format(Diff(parseLock(t, tt.old), parseLock(t, tt.new)))
			if got != tt.want {
				t.Errorf("Diff(%q, %q) =\n%s\nwant\n%s", tt.old, tt.new, got, tt.want)
			}
		})
	}
}

func TestMajor(t *testing.T) {
	tests := []struct {
		old, new string
		want     bool
	}{
		{"1.4.2", "1.9.0", false},
		{"1.4.2", "2.0.0", true},
		{"2.0.0", "1.4.2", true},
		{"0.3.0", "0.3.9", false},
		{"0.3.0", "0.4.0", true},
		{"0.3.0", "1.0.0", true},
		{"0.0.1", "0.0.2", true},
		{"0.0.1", "0.0.1-rc.1", false},
		{"1.0.0-rc.1", "1.0.0", false},
	}
	for _, tt := range tests {
		c := PackageChange{
			Old: &Package{Version: semver.MustParse(tt.old)},
			New: &Package{Version: semver.MustParse(tt.new)},
		}
		if got := c.Major(); got != tt.want {
			t.Errorf("Major(%q -> %q) = %v, want %v", tt.old, tt.new, got, tt.want)
		}
	}
	if (PackageChange{New: &Package{Version: semver.MustParse("1.0.0")}}).Major() {
		t.Errorf("Major(new package) = true, want false")
	}
}

// TestMergeGroups checks that grouping two sorted lists by merging them
// gives what grouping them with a map gives.
func TestMergeGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	key := func(s string) string { return s[:1] }
	for range 1000 {
		var lists [2][]string
		for side := range lists {
			for range r.IntN(8) {
				lists[side] = append(lists[side], string(rune('a'+r.IntN(5)))+fmt.Sprint(r.IntN(3)))
			}
			slices.Sort(lists[side])
		}
		got := mergeGroups(lists[0], lists[1], keysOf(lists[0], key), keysOf(lists[1], key), strings.Compare)
		want := mapGroups(lists[0], lists[1], key, strings.Compare)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("mergeGroups(%q, %q) = %q, want %q", lists[0], lists[1], got, want)
		}
	}
}
