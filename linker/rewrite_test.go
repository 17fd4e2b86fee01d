package linker

import (
	"context"
	"os"
	"testing"
)

func TestRenameImports(t *testing.T) {
	ctx := context.Background()
	wasm, err := os.ReadFile("testdata/link/bad.wasm") // func, memory, table and global imports
	if err != nil {
		t.Fatal(err)
	}
	out, err := renameImports(wasm, map[importName]importName{
		{"acme:zip", "extract"}: {"acme:zip2", "acme:zip/unpack@1.4.0#extract"},
		{"env", "abort"}:        {"nano:abi", "abort"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Analyze(ctx, out)
	if err != nil {
		t.Fatalf("Analyze(renamed) = %v", err)
	}
	var got []string
	for _, im := range m.Imports {
		got = append(got, im.String()+" "+im.Signature())
	}
	want := []string{
		`import["acme:zip2"."acme:zip/unpack@1.4.0#extract"] (i32) -> (i32)`,
		`import["acme:zip"."compress"] (i32,i32) -> (i32)`,
		`import["acme:tar"."pack"] () -> ()`,
		`import["nano:abi"."abort"] () -> ()`,
		`import["wasi_snapshot_preview1"."teleport"] () -> ()`,
	}
	if len(got) != len(want) {
		t.Fatalf("imports = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("import %d = %s, want %s", i, got[i], want[i])
		}
	}
	if len(m.ImportedNonFuncs) != 3 {
		t.Errorf("memory, table and global imports = %q, want all three kept", m.ImportedNonFuncs)
	}
	same, err := renameImports(wasm, nil)
	if err != nil || &same[0] != &wasm[0] {
		t.Errorf("renameImports(no renames) copied or failed: %v", err)
	}
	// A tag import cut short after its attribute.
	if _, err := renameImports([]byte("\x00asm\x01\x00\x00\x00\x02\x06\x01\x01a\x01b\x04"), map[importName]importName{{"x", "y"}: {"z", "w"}}); err == nil {
		t.Errorf("renameImports(truncated tag import) succeeded, want an error")
	}
	if _, err := renameImports(wasm[:len(wasm)-3], map[importName]importName{{"a", "b"}: {"c", "d"}}); err == nil {
		t.Errorf("renameImports(truncated) succeeded, want an error")
	}
}

// FuzzRenameImports checks that renaming never panics on any input, and
// that a module it renames without error still has as many imports.
func FuzzRenameImports(f *testing.F) {
	for _, name := range []string{"bad", "app", "zip"} {
		if data, err := os.ReadFile("testdata/link/" + name + ".wasm"); err == nil {
			f.Add(data)
		}
	}
	renames := map[importName]importName{{"acme:zip", "extract"}: {"x", "y"}}
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := renameImports(wasm, renames)
		if err != nil {
			return
		}
		before, err1 := readImports(wasm)
		after, err2 := readImports(out)
		if err1 == nil && (err2 != nil || len(before) != len(after)) {
			t.Fatalf("renameImports(%x): %d imports before, %d after (%v)", wasm, len(before), len(after), err2)
		}
	})
}
