package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// These tests tamper with bundles the way an attacker with the file can:
// every module's digest is right, and bundle.json binds what it likes. Start
// must refuse each with the link checks linker.Build makes, before anything runs.

// importSection imports module.name with the description desc.
func importSection(module, name string, desc ...byte) []byte {
	s := []byte{2, 1}
	s = wasmtest.AppendName(wasmtest.AppendName(s, module), name)
	return append(s, desc...)
}

// exportSection exports index 0 of kind under name.
func exportSection(name string, kind byte) []byte {
	return append(wasmtest.AppendName([]byte{7, 1}, name), kind, 0)
}

var (
	// memoryChild exports its memory.
	memoryChild = wasmtest.Module([]byte{5, 1, 0, 1}, exportSection("memory", 2))
	// globalChild exports a mutable i32 global.
	globalChild = wasmtest.Module([]byte{6, 1, 0x7f, 1, 0x41, 0, 0x0b}, exportSection("g", 3))
	// memoryThief imports acme:child's memory.
	memoryThief = wasmtest.Module(importSection("acme:child", "memory", 2, 0, 1))
	// globalThief imports acme:sibling's mutable global.
	globalThief = wasmtest.Module(importSection("acme:sibling", "g", 3, 0x7f, 1))
)

// handMade returns a bundle of (path, module, imports) in order, written
// to a file and read back: its digests are right.
func handMade(t *testing.T, specs ...instSpec) *linker.Bundle {
	t.Helper()
	b := bundleOf(specs...)
	for _, inst := range b.Instances {
		inst.Package = inst.Path[strings.LastIndex(inst.Path, " ")+1:]
	}
	file := filepath.Join(t.TempDir(), "tampered.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	back, err := linker.ReadBundle(file)
	if err != nil {
		t.Fatalf("linker.ReadBundle(tampered) = %v: the file is well formed, its links are not", err)
	}
	return back
}

func TestStartRefusesTamperedLinks(t *testing.T) {
	link := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("../linker/testdata/link", name+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, tt := range []struct {
		name  string
		specs []instSpec
		want  []string
	}{
		{"a root that imports its child's memory", []instSpec{
			{path: "acme:app > acme:child", wasm: memoryChild},
			{path: "acme:app", wasm: memoryThief, imports: map[string]int{"acme:child": 0}},
		}, []string{`acme:app 1.0.0: import["acme:child"."memory"] memory: nanoprocesses share no memory, table or global`}},
		{"a nanoprocess that imports a sibling's mutable global", []instSpec{
			{path: "acme:app > acme:a > acme:sibling", wasm: globalChild},
			{path: "acme:app > acme:a", wasm: globalThief, imports: map[string]int{"acme:sibling": 0}},
			{path: "acme:app", wasm: memoryChild, imports: map[string]int{"acme:a": 1}},
		}, []string{`acme:app > acme:a 1.0.0: import["acme:sibling"."g"] global: nanoprocesses share no memory, table or global`}},
		// The module of TestBuildLinkErrors, as a bundle: the errors are
		// linker.Build's, each naming the nanoprocess.
		{"every link error linker.Build finds", []instSpec{
			{path: "acme:app > acme:zip", wasm: link("zip")},
			{path: "acme:app", wasm: link("bad"), imports: map[string]int{"acme:zip": 0}},
		}, []string{
			`acme:app 1.0.0: import["acme:zip"."memory"] memory: nanoprocesses share no memory, table or global`,
			`acme:app 1.0.0: import["acme:zip"."table"] table: nanoprocesses share no memory, table or global`,
			`acme:app 1.0.0: import["acme:zip"."counter"] global: nanoprocesses share no memory, table or global`,
			`acme:app 1.0.0: import["acme:zip"."extract"]: signature mismatch: imported as (i32) -> (i32), acme:zip 1.0.0 exports (i32,i32) -> (i32)`,
			`acme:app 1.0.0: import["acme:zip"."compress"]: acme:zip 1.0.0 exports no function "compress"`,
			`acme:app 1.0.0: import["acme:tar"."pack"]: acme:tar is not a dependency of acme:app`,
			`acme:app 1.0.0: import["env"."abort"]: env is neither a declared dependency, WASI, nor a nano host API`,
			`acme:app 1.0.0: import["wasi_snapshot_preview1"."teleport"]: not a WASI preview1 function`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := handMade(t, tt.specs...)
			p, err := Start(context.Background(), b, &Config{})
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("Start(%s) succeeded, want it refused", tt.name)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Start errors =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// gopairSource serves the Go guest pair of linker/testdata/gopair: acme:app and
// acme:zip, with acme:zip's WIT.
type gopairSource map[string][]byte

func (s gopairSource) Module(p *lockfile.Package) ([]byte, error) { return s[p.Name], nil }

func (s gopairSource) Interface(p *lockfile.Package) (*iface.Package, error) {
	if p.Name != "acme:zip" {
		return nil, nil
	}
	return iface.Load("../linker/testdata/gopair/child/wit", p.Name)
}

func (s gopairSource) Mounts(*lockfile.Package) (map[string]string, error) { return nil, nil }

// TestStartRefusesTamperedTyped edits the typed imports a bundle of the Go
// guest pair lists, and checks that Start refuses each edit: what it links
// is what the modules and the WIT functions say, not what bundle.json says.
func TestStartRefusesTamperedTyped(t *testing.T) {
	src := gopairSource{}
	l := new(lockfile.Lock)
	for _, p := range []struct{ name, version, file, keys string }{
		{"acme:app", "0.1.0", "parent/app.wasm", "stdio:stdout"},
		{"acme:zip", "1.4.0", "child/zip.wasm", ""},
	} {
		data, err := os.ReadFile(filepath.Join("../linker/testdata/gopair", p.file))
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := policy.ParseSet(strings.Fields(p.keys))
		src[p.name] = data
		l.Packages = append(l.Packages, &lockfile.Package{Name: p.name, Version: semver.MustParse(p.version), Module: lockfile.Digest(data), Keys: keys})
	}
	l.Packages[0].Dependencies = []string{"acme:zip 1.4.0"}
	l.Edges = []*lockfile.Edge{{Parent: "acme:app 0.1.0", Child: "acme:zip 1.4.0"}}
	ctx := context.Background()
	b, err := linker.Build(ctx, l, "acme:app 0.1.0", src)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pair.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	built := func() *linker.Bundle {
		b, err := linker.ReadBundle(file)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	p, err := Start(ctx, built(), &Config{Cache: cache})
	if err != nil {
		t.Fatalf("Start(the pair as built) = %v", err)
	}
	p.Close(ctx)
	typed := func(b *linker.Bundle, name string) *linker.TypedImport {
		for _, ti := range b.Root().Typed {
			if ti.Name == name {
				return ti
			}
		}
		t.Fatalf("no typed import %s in %v", name, b.Root().Typed)
		return nil
	}
	u64 := &iface.Type{Kind: iface.U64}
	for _, tt := range []struct {
		name string
		edit func(b *linker.Bundle)
		want string
	}{
		{"a function with a string passed straight to the child", func(b *linker.Bundle) { typed(b, "extract").Direct = true },
			`bundle.json links import["acme:zip/unpack@1.4.0"."extract"] to acme:zip export "acme:zip/unpack@1.4.0#extract" directly, ` +
				`where the module and its child's WIT link import["acme:zip/unpack@1.4.0"."extract"] to acme:zip export "acme:zip/unpack@1.4.0#extract" through an adapter`},
		{"a WIT function of other types", func(b *linker.Bundle) { typed(b, "count").Func.Params[0].Type = u64 },
			"signature mismatch: imported as (i32,i32) -> (i32), but WIT func(a: u64, b: u32) -> u32 lowers to (i64,i32) -> (i32)"},
		{"a typed import dropped", func(b *linker.Bundle) {
			b.Root().Typed = b.Root().Typed[:len(b.Root().Typed)-1]
		}, "exports no"},
		{"a typed import bound to another export", func(b *linker.Bundle) { typed(b, "count").Export = "acme:zip/unpack@1.4.0#extract" },
			`bundle.json links import["acme:zip/unpack@1.4.0"."count"] to acme:zip export "acme:zip/unpack@1.4.0#extract" directly`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := built()
			tt.edit(b)
			p, err := Start(ctx, b, &Config{Cache: cache})
			if err == nil {
				p.Close(ctx)
				t.Fatalf("Start succeeded, want it refused")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v, want an error containing %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}
