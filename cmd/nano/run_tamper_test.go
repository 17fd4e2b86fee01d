package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
)

// TestRunTamperedBundle runs a bundle whose root module was replaced by
// one that imports its child's memory, with every digest right: nano run
// refuses it with exit status 125 before calling anything (the root has
// no function x: the link error comes first).
func TestRunTamperedBundle(t *testing.T) {
	// The child exports its memory; the root imports it.
	child := []byte("\x00asm\x01\x00\x00\x00" +
		"\x05\x03\x01\x00\x01" + // memory 1
		"\x07\x0a\x01\x06memory\x02\x00") // export "memory"
	root := []byte("\x00asm\x01\x00\x00\x00" +
		"\x02\x16\x01\x0aacme:child\x06memory\x02\x00\x01") // import acme:child.memory (memory 1)
	b := &linker.Bundle{Modules: map[string][]byte{lockfile.Digest(child): child, lockfile.Digest(root): root}}
	b.Instances = []*linker.Instance{
		{Path: "acme:app > acme:child", Package: "acme:child", Version: "1.0.0", Module: lockfile.Digest(child)},
		{Path: "acme:app", Package: "acme:app", Version: "1.0.0", Module: lockfile.Digest(root), Imports: map[string]int{"acme:child": 0}},
	}
	dir := t.TempDir()
	if err := b.WriteFile(filepath.Join(dir, "app.nano")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), dir, []string{"run", "app.nano", "--invoke", "x"}, &stdout, &stderr)
	want := `nano: acme:app 1.0.0: import["acme:child"."memory"] memory: nanoprocesses share no memory, table or global`
	if code != exitRunFailure || strings.TrimSpace(stderr.String()) != want {
		t.Errorf("nano run (tampered) = %d, %q; want %d, %q", code, stderr.String(), exitRunFailure, want)
	}
}
