//go:build !unix

package readfile

import (
	"io"
	"io/fs"
	"os"
)

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func copyFile(w io.Writer, path string) error { return copyFileOS(w, path) }

func readSmall(path string) ([]byte, error) {
	info, err := os.Lstat(path)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			return nil, &fs.PathError{Op: "open", Path: path, Err: pe.Err}
		}
		return nil, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return nil, ErrLink
	}
	return os.ReadFile(path)
}
