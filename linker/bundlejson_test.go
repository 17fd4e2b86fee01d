package linker

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
)

// aliasType is the type of issue 7's WIT: t0 = u8 and t_k a tuple of
// eight t_(k-1), one *Type shared eight times a level.
func aliasType(levels int) *iface.Type {
	t := &iface.Type{Kind: iface.U8}
	for range levels {
		fs := make([]iface.Field, 8)
		for i := range fs {
			fs[i].Type = t
		}
		t = &iface.Type{Kind: iface.Tuple, Fields: fs}
	}
	return t
}

// typedBundle is a bundle whose root exports n functions, and imports n
// from its child, each taking and returning ty.
func typedBundle(n int, ty *iface.Type) *Bundle {
	small := []byte("\x00asm\x01\x00\x00\x00")
	b := bundleOf(
		instSpec{path: "acme:app > acme:zip", wasm: small},
		instSpec{path: "acme:app", wasm: small, imports: map[string]int{"acme:zip": 0}},
	)
	for i := range n {
		f := &iface.Func{Interface: "acme:zip/unpack@1.0.0", Name: fmt.Sprintf("f%d", i),
			Params: []iface.Field{{Name: "a", Type: ty}}, Results: []*iface.Type{ty}}
		b.Exports = append(b.Exports, f)
		b.Root().Typed = append(b.Root().Typed, &TypedImport{Module: "acme:zip/unpack@1.0.0", Name: f.Name,
			Child: "acme:zip", Export: "acme:zip/unpack@1.0.0#" + f.Name, Func: f})
	}
	return b
}

// TestBundleTypesShared writes a bundle whose 100 exports and 100 typed
// imports take and return t4, 4,681 types written out in full:
// bundle.json holds t0 to t4 once each, and reads back the same functions,
// their types shared.
// Written as trees, as bundle version 1 did, bundle.json took 1.6 GB for
// one function of t6.
func TestBundleTypesShared(t *testing.T) {
	b := typedBundle(100, aliasType(4))
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := b.WriteFile(file); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// About 350 bytes a function, indented; t4 as a tree would be 4,681
	// types of 30 bytes or more for each of its 400 uses, 56 MB.
	if fi.Size() > 128<<10 {
		t.Errorf("the bundle is %d bytes", fi.Size())
	}
	back, err := ReadBundle(file)
	if err != nil {
		t.Fatal(err)
	}
	var meta metaJSON
	z, _ := zip.OpenReader(file)
	defer z.Close()
	for _, f := range z.File {
		if f.Name == "bundle.json" {
			data, _ := readEntry(f, MaxBundleJSON)
			if err := json.Unmarshal(data, &meta); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(meta.Types) != 5 {
		t.Errorf("bundle.json has %d types, want 5 (u8, t1 to t4)", len(meta.Types))
	}
	if len(back.Exports) != 100 || len(back.Root().Typed) != 100 {
		t.Fatalf("read back %d exports, %d typed imports", len(back.Exports), len(back.Root().Typed))
	}
	for i, f := range back.Exports {
		g := back.Root().Typed[i].Func
		if f.Signature() != b.Exports[i].Signature() || g.Signature() != f.Signature() || f.Name != fmt.Sprintf("f%d", i) {
			t.Fatalf("export %d: %s %s", i, f.Name, f.Signature())
		}
		if f.Params[0].Type != g.Results[0] {
			t.Fatal("the types read back are not shared")
		}
	}
	if got := back.Root().Typed[3]; got.Export != "acme:zip/unpack@1.0.0#f3" || got.Child != "acme:zip" || got.Module != "acme:zip/unpack@1.0.0" {
		t.Errorf("typed import read back as %+v", got)
	}
	if back.Root().Imports["acme:zip"] != 0 || back.Instances[0].Path != "acme:app > acme:zip" {
		t.Errorf("instances read back as %+v, %+v", back.Instances[0], back.Root())
	}
}

// writeRawBundle writes a bundle whose bundle.json is meta, with a valid
// module for each instance of typedBundle.
func writeRawBundle(t *testing.T, meta string) string {
	t.Helper()
	small := []byte("\x00asm\x01\x00\x00\x00")
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	if err := writeEntry(z, "bundle.json", []byte(meta)); err != nil {
		t.Fatal(err)
	}
	d := lockfile.Digest(small)
	if err := writeEntry(z, "modules/"+strings.TrimPrefix(d, "sha256:")+".wasm", small); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "app.nano")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBundleTypesHostile: bundle.json is hostile input. A type table of
// the alias attack, 64 levels, is refused by its first type past the caps;
// a table that refers forward (the only way to write a cycle) is refused;
// a function referring past the table is refused; and a bundle of
// version 1, whose types were trees, is refused by its version.
func TestBundleTypesHostile(t *testing.T) {
	d := lockfile.Digest([]byte("\x00asm\x01\x00\x00\x00"))
	meta := func(types, exports string) string {
		return fmt.Sprintf(`{"version": %d, "types": [%s], "instances": [{"path": "acme:app", "package": "acme:app", "version": "1.0.0", "module": %q}], "exports": [%s]}`,
			BundleVersion, types, d, exports)
	}
	attack := []string{`{"kind": "u8"}`}
	for i := range 64 {
		attack = append(attack, `{"kind": "tuple", "fields": [`+strings.TrimSuffix(strings.Repeat(fmt.Sprintf(`{"type": %d},`, i), 8), ",")+`]}`)
	}
	for _, tt := range []struct {
		name, meta, want string
	}{
		{"the alias attack", meta(strings.Join(attack, ","), `{"name": "f", "params": [{"name": "a", "type": 64}]}`),
			"bundle.json: types[5] holds more than 10000 types, aliases expanded"},
		{"a cycle", meta(`{"kind": "list", "elem": 1}, {"kind": "option", "elem": 0}`, `{"name": "f", "results": [0]}`),
			"bundle.json: types[0]: refers to types[1], not an earlier entry"},
		{"a reference past the table", meta(`{"kind": "u8"}`, `{"name": "f", "results": [1]}`),
			"bundle.json: export f: f refers to types[1], past the 1 types"},
		{"within the caps each, not together", meta(strings.Join(attack[:5], ","), `{"name": "f", "params": [{"name": "a", "type": 4}, {"name": "b", "type": 4}, {"name": "c", "type": 4}]}`),
			"bundle.json: export f: f: its parameters and results hold more than 10000 types together, aliases expanded"},
		{"a typed import past the table", strings.Replace(meta(`{"kind": "u8"}`, ``), `"module"`, `"typed": [{"module": "m", "name": "n", "child": "c", "func": {"name": "n", "params": [{"name": "a", "type": 7}]}}], "module"`, 1),
			`bundle.json: acme:app: typed import["m"."n"]: n refers to types[7], past the 1 types`},
		{"version 1", `{"version": 1, "instances": [{"path": "acme:app", "module": "` + d + `"}], "exports": [{"Name": "f", "Params": [{"Name": "a", "Type": {"Kind": 3}}]}]}`,
			"bundle version 1, want 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBundle(writeRawBundle(t, tt.meta))
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
				t.Errorf("ReadBundle = %v, want an error ending %q", err, tt.want)
			}
		})
	}
	// The same tables within the caps are read.
	b, err := ReadBundle(writeRawBundle(t, meta(strings.Join(attack[:5], ","), `{"name": "f", "params": [{"name": "a", "type": 4}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Exports[0].Params[0].Type.Size(); s != 4096 {
		t.Errorf("t4 read back has size %d", s)
	}
}
