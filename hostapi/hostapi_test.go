package hostapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/manifest"
)

// TestTypesMatchWIT loads each WIT file with the WIT parser nano uses for
// packages and checks that the hand-built functions are the same, type for
// type: the embedded WIT is the contract, the Go types its copy.
func TestTypesMatchWIT(t *testing.T) {
	for _, file := range WIT() {
		var ifaces []*Interface
		for _, i := range Interfaces() {
			if i.File == file.Name {
				ifaces = append(ifaces, i)
			}
		}
		pkg, _, _ := strings.Cut(strings.TrimPrefix(strings.SplitN(file.Text, "\n", 2)[0], "package "), "@")
		world := "\nworld host {\n"
		for _, i := range ifaces {
			_, name, _ := strings.Cut(strings.TrimPrefix(i.Module, pkg), "/")
			name, _, _ = strings.Cut(name, "@")
			world += "  export " + name + ";\n"
		}
		dir := t.TempDir()
		path := filepath.Join(dir, file.Name)
		if err := os.WriteFile(path, []byte(file.Text+world+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		loaded, err := iface.Load(path, pkg)
		if err != nil {
			t.Fatal(err)
		}
		built := &iface.Package{Name: loaded.Name, Version: loaded.Version, World: loaded.World}
		for _, i := range ifaces {
			built.Interfaces = append(built.Interfaces, i.Module)
			built.Funcs = append(built.Funcs, i.Funcs...)
		}
		if len(loaded.Funcs) != len(built.Funcs) {
			t.Fatalf("%s: WIT has %d functions, Go %d", file.Name, len(loaded.Funcs), len(built.Funcs))
		}
		for _, c := range iface.Diff(loaded, built) {
			t.Errorf("%s: %s", file.Name, c)
		}
		for i, f := range loaded.Funcs {
			if g := built.Funcs[i]; f.Interface != g.Interface || f.Name != g.Name || f.Signature() != g.Signature() {
				t.Errorf("%s: WIT %s %s %s, Go %s %s %s", file.Name, f.Interface, f.Name, f.Signature(), g.Interface, g.Name, g.Signature())
			}
		}
	}
}

func TestLookup(t *testing.T) {
	i, f, err := Lookup("nano:process/spawn@0.1.0", "start")
	if err != nil || i != Spawn || f.Name != "start" {
		t.Fatalf("Lookup start = %v, %v, %v", i, f, err)
	}
	for _, c := range []struct{ module, name, want string }{
		{"nano:process/spawn@0.1.0", "fork", `nano:process/spawn@0.1.0 has no function "fork"`},
		{"nano:process/spawn@0.2.0", "start", "nano serves nano:process/spawn@0.1.0, not nano:process/spawn@0.2.0"},
		{"nano:process/spawn", "start", "nano serves nano:process/spawn@0.1.0, not nano:process/spawn"},
		{"nano:fs/open@0.1.0", "open", "nano:fs/open@0.1.0 is not a host API of nano"},
	} {
		if _, _, err := Lookup(c.module, c.name); err == nil || err.Error() != c.want {
			t.Errorf("Lookup(%q, %q) = %v, want %q", c.module, c.name, err, c.want)
		}
	}
}

// TestPrefixReserved checks that no package can be named like a host API.
func TestPrefixReserved(t *testing.T) {
	if Prefix != manifest.ReservedNamespace+":" {
		t.Fatalf("Prefix %q, manifest reserves %q", Prefix, manifest.ReservedNamespace)
	}
	_, err := manifest.Parse("nano.toml", []byte("[package]\nname = \"nano:process\"\nversion = \"1.0.0\"\nmodule = \"m.wasm\"\n"))
	if err == nil || !strings.Contains(err.Error(), "the namespace nano is reserved") {
		t.Fatalf("a package named nano:process: %v", err)
	}
}
