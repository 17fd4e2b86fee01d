package synth

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

type manifest struct {
	Package struct {
		Name, Version, Module, Description string
	}
	Registry struct {
		Path string
	}
	Capabilities map[string]any
	Dependencies map[string]any
}

// keys flattens a [capabilities] or grant table into canonical key texts.
// Declared fs keys read "fs:SLOT:ACCESS"; granted ones "fs:SLOT=SOURCE".
func keys(t *testing.T, where string, caps map[string]any, grant bool) []string {
	t.Helper()
	var out []string
	for k, v := range caps {
		switch k {
		case "fs":
			slots, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: fs is %T", where, v)
			}
			for slot, a := range slots {
				s, _ := a.(string)
				if grant {
					out = append(out, "fs:"+slot+"="+s)
				} else {
					if s != "ro" && s != "rw" {
						t.Errorf("%s: fs.%s = %q", where, slot, s)
					}
					out = append(out, "fs:"+slot+":"+s)
				}
			}
		case "net", "env", "stdio":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				t.Fatalf("%s: %s is %v", where, k, v)
			}
			for _, x := range list {
				out = append(out, k+":"+x.(string))
			}
		case "clock", "random":
			if v != true {
				t.Errorf("%s: %s = %v", where, k, v)
			}
			out = append(out, k)
		default:
			t.Errorf("%s: unknown key %q", where, k)
		}
	}
	slices.Sort(out)
	return out
}

// covers is the covering rule of SPEC section 2, for the keys synth writes.
func covers(have, want string) bool {
	if have == want {
		return true
	}
	if strings.HasPrefix(have, "fs:") {
		hs, ha, _ := strings.Cut(have[3:], ":")
		ws, wa, _ := strings.Cut(want[3:], ":")
		return hs == ws && ha == "rw" && wa == "ro"
	}
	if strings.HasPrefix(have, "net:") && strings.HasPrefix(want, "net:") {
		hh, hp, _ := strings.Cut(have[4:], ":")
		wh, wp, _ := strings.Cut(want[4:], ":")
		if hp != "*" && hp != wp {
			return false
		}
		if rest, ok := strings.CutPrefix(hh, "*."); ok {
			return strings.HasSuffix(wh, "."+rest)
		}
		return hh == wh
	}
	return false
}

func coveredBy(set []string, k string) bool {
	return slices.ContainsFunc(set, func(h string) bool { return covers(h, k) })
}

type dep struct {
	req   string
	grant map[string]any
}

func deps(t *testing.T, where string, m map[string]any) map[string]dep {
	t.Helper()
	out := map[string]dep{}
	for name, v := range m {
		switch v := v.(type) {
		case string:
			out[name] = dep{req: v}
		case map[string]any:
			g, _ := v["grant"].(map[string]any)
			out[name] = dep{req: v["version"].(string), grant: g}
		default:
			t.Fatalf("%s: dependency %s is %T", where, name, v)
		}
	}
	return out
}

// checkEdge applies the rules of the key flow to one edge: every grant key
// is held by the parent, every key the child declares is granted.
func checkEdge(t *testing.T, parent string, held []string, child string, g map[string]any, declared []string) {
	t.Helper()
	granted := keys(t, parent+" grant to "+child, g, true)
	var plain []string
	fsGrant := map[string]string{} // child slot -> parent slot
	for _, k := range granted {
		if slot, src, ok := strings.Cut(strings.TrimPrefix(k, "fs:"), "="); ok && strings.HasPrefix(k, "fs:") {
			pslot, sub, _ := strings.Cut(src, "/")
			if strings.Contains(sub, "..") || strings.HasPrefix(sub, "/") {
				t.Errorf("%s grants %s a bad sub-path %q", parent, child, src)
			}
			fsGrant[slot] = pslot
			continue
		}
		plain = append(plain, k)
		if !coveredBy(held, k) {
			t.Errorf("%s grants %s %s, which it does not hold", parent, child, k)
		}
	}
	for _, k := range declared {
		if rest, ok := strings.CutPrefix(k, "fs:"); ok {
			slot, access, _ := strings.Cut(rest, ":")
			pslot, ok := fsGrant[slot]
			if !ok {
				t.Errorf("%s does not grant %s its %s", parent, child, k)
			} else if !coveredBy(held, "fs:"+pslot+":"+access) {
				t.Errorf("%s grants %s fs.%s from slot %s, which it does not hold %s", parent, child, slot, pslot, access)
			}
			continue
		}
		if !coveredBy(plain, k) {
			t.Errorf("%s does not grant %s its %s", parent, child, k)
		}
	}
}

func TestGenerate(t *testing.T) {
	const n = 200
	dir := t.TempDir()
	app, err := Generate(dir, n, 42)
	if err != nil {
		t.Fatal(err)
	}
	if app != filepath.Join(dir, "app") {
		t.Fatalf("app = %s", app)
	}

	read := func(file string) manifest {
		t.Helper()
		var m manifest
		md, err := toml.DecodeFile(file, &m)
		if err != nil {
			t.Fatal(err)
		}
		// Tables decoded into map[string]any count as undecoded.
		for _, k := range md.Undecoded() {
			if k[0] != "capabilities" && k[0] != "dependencies" {
				t.Errorf("%s: unknown key %v", file, k)
			}
		}
		return m
	}

	// Read the whole registry.
	type version struct {
		m    manifest
		keys []string
		deps map[string]dep
	}
	reg := map[string]map[string]version{}
	ns := filepath.Join(dir, "registry", Namespace)
	names, err := os.ReadDir(ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != n {
		t.Fatalf("%d packages, want %d", len(names), n)
	}
	for _, e := range names {
		name := Namespace + ":" + e.Name()
		reg[name] = map[string]version{}
		vs, err := os.ReadDir(filepath.Join(ns, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Name())
			vdir := filepath.Join(ns, e.Name(), v.Name())
			m := read(filepath.Join(vdir, "nano.toml"))
			where := name + " " + v.Name()
			if m.Package.Name != name || m.Package.Version != v.Name() || m.Package.Module != "module.wasm" {
				t.Errorf("%s: package = %+v", where, m.Package)
			}
			wasm, err := os.ReadFile(filepath.Join(vdir, m.Package.Module))
			if err != nil || !bytes.Equal(wasm, EmptyModule) {
				t.Errorf("%s: module: %v", where, err)
			}
			reg[name][v.Name()] = version{m, keys(t, where, m.Capabilities, false), deps(t, where, m.Dependencies)}
		}
		if !slices.Equal(got, Versions) {
			t.Errorf("%s: versions %v", name, got)
		}
	}

	// The root.
	root := read(filepath.Join(app, "nano.toml"))
	if root.Registry.Path != "../registry" {
		t.Errorf("registry path %q", root.Registry.Path)
	}
	if _, err := os.Stat(filepath.Join(app, root.Package.Module)); err != nil {
		t.Error(err)
	}
	rootKeys := keys(t, "root", root.Capabilities, false)
	rdeps := deps(t, "root", root.Dependencies)
	if len(rdeps) < min(rootDeps, n) {
		t.Errorf("root has %d dependencies", len(rdeps))
	}

	// Every edge: the child exists, a version satisfies the requirement
	// (all are satisfied by 1.2.0), the child's keys are granted, the keys
	// granted are held; and every package's declared keys are the same in
	// every version.
	edge := func(parent string, held []string, child string, d dep) {
		vs, ok := reg[child]
		if !ok {
			t.Errorf("%s depends on %s, which does not exist", parent, child)
			return
		}
		if !slices.Contains([]string{"^1.0", "^1.1", "1.2", "~1.2", ">=1.1, <2.0"}, d.req) {
			t.Errorf("%s requires %s %q", parent, child, d.req)
		}
		for _, v := range vs {
			checkEdge(t, parent, held, child, d.grant, v.keys)
		}
	}
	for name, d := range rdeps {
		edge("syn:app", rootKeys, name, d)
	}
	keyed := 0
	for name, vs := range reg {
		if len(vs["1.2.0"].keys) > 0 {
			keyed++
		}
		for v, ver := range vs {
			if !slices.Equal(ver.keys, vs["1.2.0"].keys) {
				t.Errorf("%s %s declares %v, 1.2.0 %v", name, v, ver.keys, vs["1.2.0"].keys)
			}
			for child, d := range ver.deps {
				if child <= name {
					t.Errorf("%s depends on %s, not a higher package", name, child)
				}
				edge(name+" "+v, ver.keys, child, d)
			}
		}
	}
	if keyed < n/5 || keyed > n/2 {
		t.Errorf("%d of %d packages declare keys", keyed, n)
	}

	// Reachability through 1.2.0, and fan-out.
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for child := range reg[name]["1.2.0"].deps {
			walk(child)
		}
	}
	for name := range rdeps {
		walk(name)
	}
	if len(seen) != n {
		t.Errorf("%d of %d packages reachable", len(seen), n)
	}
	edges := 0
	for _, vs := range reg {
		edges += len(vs["1.2.0"].deps)
	}
	if mean := float64(edges) / n; mean < 3.5 || mean > 6.5 {
		t.Errorf("mean fan-out %.1f", mean)
	}
	t.Logf("%+v", Describe(n, 42))
}

func TestDeterministic(t *testing.T) {
	tree := func(seed int64) string {
		dir := t.TempDir()
		if _, err := Generate(dir, 100, seed); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			fmt.Fprintf(&b, "%s\n%s\n", rel, data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a, b, c := tree(7), tree(7), tree(8)
	if a != b {
		t.Error("same seed, different registries")
	}
	if a == c {
		t.Error("different seeds, same registry")
	}
}

func TestSmall(t *testing.T) {
	for _, n := range []int{1, 2, 5, 21} {
		if _, err := Generate(t.TempDir(), n, 1); err != nil {
			t.Errorf("n=%d: %v", n, err)
		}
	}
	if _, err := Generate(t.TempDir(), 0, 1); err == nil {
		t.Error("n=0: no error")
	}
}

func BenchmarkGenerate10k(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(b.TempDir(), 10000, 1); err != nil {
			b.Fatal(err)
		}
	}
}
