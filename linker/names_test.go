package linker

import (
	"context"
	"os"
	"testing"

	"github.com/tetratelabs/wazero"
)

func TestNameModule(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	plain, err := os.ReadFile("testdata/link/zip.wasm")
	if err != nil {
		t.Fatal(err)
	}
	// zip.wasm with a name section naming its function "ex" and the module "old".
	named := append([]byte{}, plain...)
	named = append(named, 0, 18, 4, 'n', 'a', 'm', 'e',
		0, 4, 3, 'o', 'l', 'd', // module name "old"
		1, 5, 1, 0, 2, 'e', 'x') // function 0 is "ex"
	twice, err := nameModule(named, "first")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		wasm []byte
	}{
		{"no name section", plain},
		{"a name section", named},
		{"renamed twice", twice},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := nameModule(tt.wasm, "acme:zip")
			if err != nil {
				t.Fatal(err)
			}
			cm, err := rt.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("CompileModule(nameModule(%s)): %v", tt.name, err)
			}
			if got := cm.Name(); got != "acme:zip" {
				t.Errorf("Name() = %q, want %q", got, "acme:zip")
			}
			if _, ok := cm.ExportedFunctions()["extract"]; !ok {
				t.Errorf("export extract lost")
			}
			// A guest's function names are dropped: they could forge the
			// lines of a stack trace that nano reads.
			if def := cm.ExportedFunctions()["extract"]; def.DebugName() != "acme:zip.$0" {
				t.Errorf("DebugName() = %q, want %q: the module's own name, the function's index", def.DebugName(), "acme:zip.$0")
			}
		})
	}
	if _, err := nameModule([]byte("\x00asm\x01\x00\x00\x00\x01\xff"), "x"); err == nil {
		t.Errorf("nameModule(truncated section) succeeded, want an error")
	}
}
