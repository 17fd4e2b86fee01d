package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// OpenSub returns a filesystem rooted at the directory sub, a slash path,
// inside base: the way nano mounts a granted sub-directory of the
// operator's directory. A symbolic link at any step of sub is refused, even
// one that stays inside base, so that no nanoprocess can redirect where
// another's directory is mounted. With create, missing steps are made.
func OpenSub(base, sub string, readOnly, create bool) (experimentalsys.FS, error) {
	root, err := os.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	return openSub(root, true, sub, readOnly, create)
}

// OpenSubIn is OpenSub in base, a directory already open, which stays
// open: a runtime that mounts sub-directories of one directory many times
// opens it once.
func OpenSubIn(base *os.Root, sub string, readOnly, create bool) (experimentalsys.FS, error) {
	if sub == "" {
		root, err := base.OpenRoot(".")
		if err != nil {
			return nil, err
		}
		return fromRoot(root, readOnly), nil
	}
	return openSub(base, false, sub, readOnly, create)
}

// openSub opens sub in root, which it closes if it owns it and it is not
// the result.
func openSub(root *os.Root, owned bool, sub string, readOnly, create bool) (experimentalsys.FS, error) {
	if sub != "" {
		for _, step := range strings.Split(sub, "/") {
			next, err := openStep(root, step, create)
			if owned {
				root.Close()
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sub, err)
			}
			root, owned = next, true
		}
	}
	return fromRoot(root, readOnly), nil
}

// openStep opens the directory named step in root, which must not be a
// symbolic link, making it if create and it is missing.
func openStep(root *os.Root, step string, create bool) (*os.Root, error) {
	info, err := root.Lstat(step)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err = root.Mkdir(step, 0o755); err == nil {
			info, err = root.Lstat(step)
		}
	}
	switch {
	case err != nil:
		return nil, err
	case info.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s is a symbolic link", step)
	case !info.IsDir():
		return nil, fmt.Errorf("%s is not a directory", step)
	}
	next, err := root.OpenRoot(step)
	if err != nil {
		return nil, err
	}
	// Nothing runs between the Lstat and the open, but be sure it is the
	// directory that was checked.
	if opened, err := next.Stat("."); err != nil || !os.SameFile(info, opened) {
		next.Close()
		return nil, fmt.Errorf("%s changed while it was opened", step)
	}
	return next, nil
}

// fromRoot returns the filesystem of an open root.
func fromRoot(root *os.Root, readOnly bool) experimentalsys.FS {
	fsys := &rootFS{root: root}
	// os.Root does not export the error it returns for a path that escapes;
	// ".." always produces it, without a system call.
	_, err := root.Lstat("..")
	fsys.escape = errors.Unwrap(err)
	if readOnly {
		return &readOnlyFS{fsys}
	}
	return fsys
}
