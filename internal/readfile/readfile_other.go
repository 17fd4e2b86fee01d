//go:build !unix

package readfile

import (
	"io"
	"os"
)

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func copyFile(w io.Writer, path string) error { return copyFileOS(w, path) }
