package linker

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

func TestWithModuleName(t *testing.T) {
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
	twice, err := withModuleName(named, "first")
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
			out, err := withModuleName(tt.wasm, "acme:zip")
			if err != nil {
				t.Fatal(err)
			}
			cm, err := rt.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("CompileModule(withModuleName(%s)): %v", tt.name, err)
			}
			if got := cm.Name(); got != "acme:zip" {
				t.Errorf("Name() = %q, want %q", got, "acme:zip")
			}
			if _, ok := cm.ExportedFunctions()["extract"]; !ok {
				t.Errorf("export extract lost")
			}
			if tt.name != "no name section" {
				if def := cm.ExportedFunctions()["extract"]; !strings.Contains(def.DebugName(), "ex") {
					t.Errorf("function names lost: DebugName() = %q", def.DebugName())
				}
			}
		})
	}
	if _, err := withModuleName([]byte("\x00asm\x01\x00\x00\x00\x01\xff"), "x"); err == nil {
		t.Errorf("withModuleName(truncated section) succeeded, want an error")
	}
}
