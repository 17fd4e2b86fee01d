// Package readfile reads whole files for commands that read thousands of
// them, such as an audit reading every manifest and module of a registry.
//
// os.Open registers every file with the runtime's network poller, which a
// regular file refuses: on Linux that is four fcntl and one failed
// epoll_ctl for each file, more system calls than the open, read and close
// themselves. On Unix, ReadFile and Sum use the system calls directly.
package readfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
)

// ReadFile reads the whole file, as os.ReadFile does, with the same errors.
func ReadFile(path string) ([]byte, error) { return readFile(path) }

// ErrLink is the error of ReadSmall for a symbolic link.
var ErrLink = errors.New("a symbolic link")

// ReadSmall reads the whole of a small file, such as a manifest, unless
// the last element of path is a symbolic link, for which its error is
// ErrLink. On Unix it takes one system call less than os.Lstat and
// ReadFile: no lstat, and no fstat for the size. Its other errors read as
// os.ReadFile's.
func ReadSmall(path string) ([]byte, error) { return readSmall(path) }

// Sum returns the lowercase hex SHA-256 of the file's contents. Its
// errors read as os.Open's and Read's.
func Sum(path string) (string, error) {
	h := sha256.New()
	if err := copyFile(h, path); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyFileOS copies a file to w through package os.
func copyFileOS(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	// Hide os.File's WriteTo, which would allocate a buffer of its own.
	_, err = io.CopyBuffer(w, struct{ io.Reader }{f}, buf)
	return err
}
