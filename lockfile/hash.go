package lockfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nanoproc/nano/internal/readfile"
)

// HashFile returns the digest of the file's contents, "sha256:" and 64
// lowercase hex digits.
func HashFile(path string) (string, error) {
	sum, err := sumFile(path)
	if err != nil {
		return "", err
	}
	return "sha256:" + sum, nil
}

// Digest returns the digest of data, in the form HashFile gives.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func sumFile(path string) (string, error) { return readfile.Sum(path) }

// HashTree returns the digest of a WIT file or directory. A file hashes as
// with HashFile. A directory hashes like golang.org/x/mod/sumdb/dirhash.Hash1,
// in hex: the sha256 of the sorted lines "HEX  PATH\n", one for every regular
// file under it, where HEX is the sha256 of the file and PATH its
// slash-separated path relative to the directory. A symbolic link, or any
// other file that is neither a regular file nor a directory, is an error.
func HashTree(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if info.Mode().IsRegular() {
		return HashFile(path)
	}
	if !info.IsDir() {
		return "", irregular(path, info.Mode())
	}
	var lines []string
	err = filepath.WalkDir(path, func(file string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return irregular(file, d.Type())
		}
		rel, err := filepath.Rel(path, file)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.Contains(rel, "\n") {
			return fmt.Errorf("%s: file name contains a newline", file)
		}
		sum, err := sumFile(file)
		if err != nil {
			return err
		}
		lines = append(lines, sum+"  "+rel+"\n")
		return nil
	})
	if err != nil {
		return "", err
	}
	// Sort by path: the order of a walk puts "a/b" before "a.txt".
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func irregular(path string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s: symbolic links are not allowed", path)
	}
	return fmt.Errorf("%s: not a regular file or directory", path)
}
