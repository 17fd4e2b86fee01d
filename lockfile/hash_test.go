package lockfile

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeTree creates the files under dir, slash-separated names to contents.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sum(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

func TestHashFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"app.wasm": "\x00asm"})
	file := filepath.Join(dir, "app.wasm")
	want := "sha256:" + sum("\x00asm")
	for _, hash := range []func(string) (string, error){HashFile, HashTree} {
		if got, err := hash(file); err != nil || got != want {
			t.Errorf("hash(%q) = %q, %v, want %q", file, got, err, want)
		}
	}
	if _, err := HashFile(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("HashFile(missing) = nil error, want error")
	}
}

func TestHashTree(t *testing.T) {
	files := map[string]string{
		"world.wit":     "package acme:app;",
		"deps/zip.wit":  "package acme:zip;",
		"deps.wit":      "",
		".hidden":       "still hashed",
		"a/b/c/deep.md": "deep",
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	got, err := HashTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The lines sort by path: "deps.wit" before "deps/zip.wit".
	want := "sha256:" + sum(""+
		sum("still hashed")+"  .hidden\n"+
		sum("deep")+"  a/b/c/deep.md\n"+
		sum("")+"  deps.wit\n"+
		sum("package acme:zip;")+"  deps/zip.wit\n"+
		sum("package acme:app;")+"  world.wit\n")
	if got != want {
		t.Errorf("HashTree(%q) = %q, want %q", dir, got, want)
	}

	// The same files elsewhere hash the same.
	other := t.TempDir()
	writeTree(t, other, files)
	if got2, err := HashTree(other); err != nil || got2 != got {
		t.Errorf("HashTree(copy) = %q, %v, want %q", got2, err, got)
	}

	// Any change of content, name or set of files changes the hash.
	changes := map[string]func(dir string) error{
		"content": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "deps.wit"), []byte(" "), 0o644)
		},
		"rename": func(dir string) error {
			return os.Rename(filepath.Join(dir, "world.wit"), filepath.Join(dir, "world2.wit"))
		},
		"move": func(dir string) error {
			return os.Rename(filepath.Join(dir, "deps", "zip.wit"), filepath.Join(dir, "zip.wit"))
		},
		"add empty": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "a", "empty"), nil, 0o644)
		},
		"remove": func(dir string) error {
			return os.Remove(filepath.Join(dir, ".hidden"))
		},
	}
	for name, change := range changes {
		dir := t.TempDir()
		writeTree(t, dir, files)
		if err := change(dir); err != nil {
			t.Fatal(err)
		}
		if h, err := HashTree(dir); err != nil || h == got {
			t.Errorf("HashTree(after %s) = %q, %v, want a different hash", name, h, err)
		}
	}
}

func TestHashTreeSymlink(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"wit/world.wit": "package acme:app;"})
	link := filepath.Join(dir, "wit", "link.wit")
	if err := os.Symlink("world.wit", link); err != nil {
		t.Skip(err)
	}
	want := link + ": symbolic links are not allowed"
	if _, err := HashTree(filepath.Join(dir, "wit")); err == nil || err.Error() != want {
		t.Errorf("HashTree(dir with symlink) = %v, want %q", err, want)
	}
	if _, err := HashTree(link); err == nil || err.Error() != want {
		t.Errorf("HashTree(symlink) = %v, want %q", err, want)
	}
}

func TestHashTreeEmpty(t *testing.T) {
	if got, err := HashTree(t.TempDir()); err != nil || got != "sha256:"+sum("") {
		t.Errorf("HashTree(empty dir) = %q, %v, want %q", got, err, "sha256:"+sum(""))
	}
}
