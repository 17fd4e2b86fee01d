// Package wasmtest helps tests keep their wasm fixtures honest: every
// committed .wasm must be what wat2wasm (Debian's wabt) makes of the .wat
// beside it.
package wasmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CheckFixtures checks every .wat that glob matches against the .wasm
// beside it. flags, if not nil, gives extra wat2wasm flags for a file. It
// skips the test when wat2wasm is not installed.
func CheckFixtures(t *testing.T, glob string, flags func(wat string) []string) {
	t.Helper()
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm (wabt) is not on PATH")
	}
	wats, err := filepath.Glob(glob)
	if err != nil || len(wats) == 0 {
		t.Fatalf("no fixtures match %s", glob)
	}
	for _, wat := range wats {
		out := filepath.Join(t.TempDir(), "out.wasm")
		args := []string{wat, "-o", out}
		if flags != nil {
			args = append(args, flags(wat)...)
		}
		if msg, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s: %v\n%s", wat, err, msg)
		}
		got, _ := os.ReadFile(out)
		wasm := strings.TrimSuffix(wat, ".wat") + ".wasm"
		want, err := os.ReadFile(wasm)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("wat2wasm(%s) differs from %s (%v): run testdata/build.sh", wat, wasm, err)
		}
	}
}
