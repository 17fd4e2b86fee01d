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

// Module assembles a module from its sections, each an id and a payload.
func Module(sections ...[]byte) []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		out = append(out, s[0])
		out = AppendULEB(out, len(s)-1)
		out = append(out, s[1:]...)
	}
	return out
}

// AppendULEB appends n in unsigned LEB128.
func AppendULEB(b []byte, n int) []byte {
	for ; n >= 0x80; n >>= 7 {
		b = append(b, byte(n)|0x80)
	}
	return append(b, byte(n))
}

// AppendName appends a name as wasm encodes it: its length, then it.
func AppendName(b []byte, s string) []byte { return append(AppendULEB(b, len(s)), s...) }
