package readfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 511, 512, 513, 32 << 10, 100000} {
		data := []byte(strings.Repeat("x", n))
		file := filepath.Join(dir, "f")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(file)
		if err != nil || string(got) != string(data) {
			t.Errorf("ReadFile(%d bytes) = %d bytes, %v", n, len(got), err)
		}
		sum := sha256.Sum256(data)
		if got, err := Sum(file); err != nil || got != hex.EncodeToString(sum[:]) {
			t.Errorf("Sum(%d bytes) = %s, %v", n, got, err)
		}
	}
	missing := filepath.Join(dir, "nosuch")
	_, err := ReadFile(missing)
	_, oerr := os.ReadFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != oerr.Error() {
		t.Errorf("ReadFile(missing) = %v, want %v", err, oerr)
	}
	if _, err := Sum(missing); !errors.Is(err, fs.ErrNotExist) || err.Error() != oerr.Error() {
		t.Errorf("Sum(missing) = %v, want %v", err, oerr)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Errorf("ReadFile(a directory) = nil error")
	}
}

func TestReadSmall(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 511, 32<<10 - 1, 32 << 10, 32<<10 + 1, 100000} {
		data := []byte(strings.Repeat("x", n))
		file := filepath.Join(dir, "f")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadSmall(file); err != nil || string(got) != string(data) || got == nil {
			t.Errorf("ReadSmall(%d bytes) = %d bytes, %v", n, len(got), err)
		}
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("f", link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if got, err := ReadSmall(link); !errors.Is(err, ErrLink) {
		t.Errorf("ReadSmall(a link) = %d bytes, %v, want ErrLink", len(got), err)
	}
	missing := filepath.Join(dir, "nosuch")
	_, err := ReadSmall(missing)
	_, oerr := os.ReadFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != oerr.Error() {
		t.Errorf("ReadSmall(missing) = %v, want %v", err, oerr)
	}
	if _, err := ReadSmall(dir); err == nil {
		t.Errorf("ReadSmall(a directory) = nil error")
	}
}
