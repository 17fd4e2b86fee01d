package graph

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// The cases in testdata/resolve.txt are written in a small language, one
// case per block that starts with a "# title" line:
//
//	root NAME VERSION KEY... | DEP REQ GRANT... | ...   the root package
//	pkg NAME VERSION KEY... | DEP REQ GRANT... | ...    a registry package
//	lock NAME VERSION                                   a version in nano.lock
//	want NAME VERSION                                   a chosen package (all are listed)
//	note TEXT                                           a note (all are listed)
//	error TEXT                                          text the error contains
//
// Keys are in canonical form; an fs grant may leave out its access. Among
// a dependency's grant, memory=SIZE and time=DURATION are its limits.
func TestResolve(t *testing.T) {
	data, err := os.ReadFile("testdata/resolve.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range parseCases(t, string(data)) {
		t.Run(c.name, func(t *testing.T) {
			g, err := Resolve(c.root, c.reg, Options{Locked: c.locked})
			if len(c.errs) > 0 {
				if err == nil {
					t.Fatalf("Resolve succeeded, want error containing %q", c.errs)
				}
				for _, e := range c.errs {
					if !strings.Contains(err.Error(), e) {
						t.Errorf("error %q\ndoes not contain %q", err, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			var got []string
			for _, n := range g.Nodes[1:] {
				got = append(got, n.ID())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("chosen = %q, want %q", got, c.want)
			}
			if !slices.Equal(g.Notes, c.notes) {
				t.Errorf("notes = %q, want %q", g.Notes, c.notes)
			}
		})
	}
}

type testCase struct {
	name   string
	root   *manifest.Manifest
	reg    testRegistry
	locked map[string][]*semver.Version
	want   []string
	notes  []string
	errs   []string
}

// testRegistry is a Source backed by a map of "name version" to manifest.
type testRegistry map[string]*manifest.Manifest

func (r testRegistry) Versions(name string) ([]*semver.Version, error) {
	var vs []*semver.Version
	for _, m := range r {
		if m.Name == name {
			vs = append(vs, m.Version)
		}
	}
	return vs, nil
}

func (r testRegistry) Manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	m, ok := r[name+" "+v.String()]
	if !ok {
		return nil, fmt.Errorf("no %s %s", name, v)
	}
	return m, nil
}

func parseCases(t *testing.T, text string) []*testCase {
	var cases []*testCase
	var c *testCase
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if title, ok := strings.CutPrefix(line, "# "); ok {
			c = &testCase{name: strings.ReplaceAll(title, " ", "_"), reg: testRegistry{}, locked: map[string][]*semver.Version{}}
			cases = append(cases, c)
			continue
		}
		verb, rest, _ := strings.Cut(line, " ")
		fail := func(err error) { t.Fatalf("resolve.txt:%d: %v", n+1, err) }
		switch verb {
		case "root", "pkg":
			m, err := parsePackage(rest)
			if err != nil {
				fail(err)
			}
			if verb == "root" {
				c.root = m
			} else {
				c.reg[m.ID()] = m
			}
		case "lock":
			name, v, _ := strings.Cut(rest, " ")
			c.locked[name] = append(c.locked[name], semver.MustParse(v))
		case "want":
			c.want = append(c.want, rest)
		case "note":
			c.notes = append(c.notes, rest)
		case "error":
			c.errs = append(c.errs, rest)
		default:
			fail(fmt.Errorf("unknown verb %q", verb))
		}
	}
	return cases
}

func parsePackage(s string) (*manifest.Manifest, error) {
	parts := strings.Split(s, "|")
	f := strings.Fields(parts[0])
	if len(f) < 2 {
		return nil, fmt.Errorf("want NAME VERSION KEY...: %q", parts[0])
	}
	v, err := manifest.ParseVersion(f[1])
	if err != nil {
		return nil, err
	}
	keys, err := parseKeys(f[2:])
	if err != nil {
		return nil, err
	}
	m := &manifest.Manifest{File: f[0] + "/nano.toml", Name: f[0], Version: v, Keys: policy.NewSet(keys...)}
	for _, p := range parts[1:] {
		f := strings.Fields(p)
		if len(f) < 2 {
			return nil, fmt.Errorf("want DEP REQ GRANT...: %q", p)
		}
		c, err := manifest.ParseRequirement(f[1])
		if err != nil {
			return nil, err
		}
		d := &manifest.Dependency{Name: f[0], Req: f[1], Constraint: c}
		var words []string
		for _, w := range f[2:] {
			switch {
			case strings.HasPrefix(w, "memory="):
				if d.Limits.Memory, err = limits.ParseSize(w[len("memory="):]); err != nil {
					return nil, err
				}
				d.LimitsAt.Memory = m.File + ":" + d.Name + ".memory"
			case strings.HasPrefix(w, "time="):
				if d.Limits.Time, err = limits.ParseDuration(w[len("time="):]); err != nil {
					return nil, err
				}
				d.LimitsAt.Time = m.File + ":" + d.Name + ".time"
			default:
				words = append(words, w)
			}
		}
		if d.Grant, err = parseKeys(words); err != nil {
			return nil, err
		}
		m.Deps = append(m.Deps, d)
	}
	slices.SortFunc(m.Deps, func(a, b *manifest.Dependency) int { return strings.Compare(a.Name, b.Name) })
	return m, nil
}

func parseKeys(texts []string) ([]policy.Key, error) {
	var keys []policy.Key
	for _, s := range texts {
		k, err := policy.ParseKey(s)
		if slot, src, ok := strings.Cut(strings.TrimPrefix(s, "fs:"), "="); err != nil && ok && strings.HasPrefix(s, "fs:") {
			k, err = policy.ParseGrantFS(slot, src)
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}
