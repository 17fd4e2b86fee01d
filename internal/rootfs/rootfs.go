// Package rootfs is a wazero filesystem confined to one host directory.
//
// wazero's own sysfs.DirFS joins guest paths onto the host directory and
// lets the host kernel resolve them, so a symbolic link inside the directory
// can lead out of it. This package resolves every path through an [os.Root]
// instead: whatever a path spells ("..", an absolute path, a symbolic link
// that was already there or that the guest made), nothing outside the
// directory is reached.
//
// Every path is relative to the directory, even one that starts with a
// slash (see name). A path that would leave the directory fails with EPERM, the errno wazero
// itself returns for a guest path such as "../x". (os.Root reports it with
// an unexported error, "path escapes from parent", which would otherwise
// become EIO.)
package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// New returns a wazero filesystem (github.com/tetratelabs/wazero/experimental/sys.FS)
// rooted at dir: no path, "..", absolute path or symbolic link, whether it
// existed before or the guest made it, reaches outside dir.
//
// When readOnly is true, every change is refused with the errno wazero's own
// sysfs.ReadFS uses (EROFS for calls on paths; EBADF, or EISDIR for a
// directory, for writes through an open file) except that opening for
// writing, creating or truncating fails with EROFS rather than ReadFS's
// ENOSYS (ReadFS lets O_CREAT and O_TRUNC through when the access mode is
// O_RDONLY; this does not).
//
// dir itself is resolved once, following symbolic links, and the FS keeps a
// handle on it: if dir is later moved, the FS follows it. The returned FS
// also implements io.Closer, which releases that handle; files already open
// stay usable.
func New(dir string, readOnly bool) (experimentalsys.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return fromRoot(root, readOnly), nil
}

// rootFS implements experimentalsys.FS with every operation through root.
type rootFS struct {
	experimentalsys.UnimplementedFS

	root *os.Root
	// escape is os.Root's error for a path that leaves the root.
	escape error
}

// Close releases the handle on the directory.
func (r *rootFS) Close() error { return r.root.Close() }

// errno maps an error from os.Root or os.File to an Errno.
func (r *rootFS) errno(err error) experimentalsys.Errno {
	switch {
	case err == nil:
		return 0
	case r.escape != nil && errors.Is(err, r.escape):
		return experimentalsys.EPERM
	}
	return experimentalsys.UnwrapOSError(err)
}

// name turns a path from wazero into a name for os.Root. A path wazero
// hands an FS is always relative to the FS's root, leading slashes
// included: wazero names a directory the guest opened as "." with the
// empty string and joins a name under it as "/NAME", so "/NAME", "//NAME"
// and "NAME" are the same file. os.Root refuses absolute names, and takes
// the empty name for an error rather than the root. Nothing else is
// cleaned: ".." and symbolic links are os.Root's to resolve, inside the
// root.
func name(p string) string {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return "."
	}
	return p
}

// OpenFile implements experimentalsys.FS.OpenFile.
//
// os.Root follows a symbolic link in the last element even when given
// O_NOFOLLOW, so O_NOFOLLOW is checked here with a Lstat first. Another
// process could swap a link in between; following it still stays inside
// the root.
func (r *rootFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	p = name(p)
	createExcl := flag&(experimentalsys.O_CREAT|experimentalsys.O_EXCL) == experimentalsys.O_CREAT|experimentalsys.O_EXCL
	if flag&experimentalsys.O_NOFOLLOW != 0 && !createExcl {
		if fi, err := r.root.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if flag&experimentalsys.O_DIRECTORY != 0 {
				return nil, experimentalsys.ENOTDIR // as open(2) on Linux
			}
			return nil, experimentalsys.ELOOP
		}
	}
	f, err := r.root.OpenFile(p, osFlag(flag), perm&fs.ModePerm)
	if err != nil {
		return nil, r.errno(err)
	}
	file := &file{fs: r, path: p, flag: flag, f: f}
	if flag&experimentalsys.O_DIRECTORY != 0 { // for platforms without syscall.O_DIRECTORY
		if isDir, errno := file.IsDir(); errno != 0 || !isDir {
			_ = f.Close()
			if errno == 0 {
				errno = experimentalsys.ENOTDIR
			}
			return nil, errno
		}
	}
	return file, 0
}

// osFlag converts an Oflag to a flag for os.Root.OpenFile. O_NOFOLLOW is
// left out: os.Root ignores it (see OpenFile).
func osFlag(oflag experimentalsys.Oflag) int {
	var flag int
	switch oflag & (experimentalsys.O_RDONLY | experimentalsys.O_RDWR | experimentalsys.O_WRONLY) {
	case experimentalsys.O_RDWR:
		flag = os.O_RDWR
	case experimentalsys.O_WRONLY:
		flag = os.O_WRONLY
	default:
		flag = os.O_RDONLY
	}
	for _, m := range [...]struct {
		o    experimentalsys.Oflag
		flag int
	}{
		{experimentalsys.O_APPEND, os.O_APPEND},
		{experimentalsys.O_CREAT, os.O_CREATE},
		{experimentalsys.O_EXCL, os.O_EXCL},
		{experimentalsys.O_TRUNC, os.O_TRUNC},
		{experimentalsys.O_SYNC, os.O_SYNC},
		{experimentalsys.O_DSYNC, os.O_SYNC}, // stronger than asked
		{experimentalsys.O_RSYNC, os.O_SYNC},
		{experimentalsys.O_DIRECTORY, oDirectory},
		{experimentalsys.O_NONBLOCK, oNonblock},
	} {
		if oflag&m.o != 0 {
			flag |= m.flag
		}
	}
	return flag
}

// Lstat implements experimentalsys.FS.Lstat.
func (r *rootFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Lstat(name(p))
	if err != nil {
		return sys.Stat_t{}, r.errno(err)
	}
	return sys.NewStat_t(fi), 0
}

// Stat implements experimentalsys.FS.Stat.
func (r *rootFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Stat(name(p))
	if err != nil {
		return sys.Stat_t{}, r.errno(err)
	}
	return sys.NewStat_t(fi), 0
}

// Mkdir implements experimentalsys.FS.Mkdir. Like wazero's DirFS, a parent
// that is not a directory gives ENOENT.
func (r *rootFS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	errno := r.errno(r.root.Mkdir(name(p), perm&fs.ModePerm))
	if errno == experimentalsys.ENOTDIR {
		errno = experimentalsys.ENOENT
	}
	return errno
}

// Chmod implements experimentalsys.FS.Chmod. Only the permission bits are
// applied: a guest cannot set setuid, setgid or sticky bits.
func (r *rootFS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	return r.errno(r.root.Chmod(name(p), perm&fs.ModePerm))
}

// Rename implements experimentalsys.FS.Rename with rename(2)'s semantics,
// which wazero's DirFS has and guests expect: os.Root.Rename, like
// os.Rename, refuses to replace a directory (EEXIST), so an empty target
// directory is removed first. Between the two steps the target is briefly
// missing.
func (r *rootFS) Rename(from, to string) experimentalsys.Errno {
	from, to = name(from), name(to)
	if from == to {
		_, err := r.root.Lstat(from)
		return r.errno(err)
	}
	err := r.root.Rename(from, to)
	if !errors.Is(err, fs.ErrExist) {
		return r.errno(err)
	}
	dst, err := r.root.Lstat(to)
	if err != nil || !dst.IsDir() {
		return experimentalsys.EEXIST
	}
	src, err := r.root.Lstat(from)
	switch {
	case err != nil:
		return r.errno(err)
	case !src.IsDir():
		return experimentalsys.EISDIR
	case os.SameFile(src, dst):
		return 0
	case strings.HasPrefix(path.Clean(to), path.Clean(from)+"/"):
		return experimentalsys.EINVAL // a directory cannot move into itself
	}
	if err := r.root.Remove(to); err != nil {
		return r.errno(err) // ENOTEMPTY
	}
	return r.errno(r.root.Rename(from, to))
}

// Rmdir implements experimentalsys.FS.Rmdir. os.Root.Remove removes files
// and directories alike, so the type is checked first.
func (r *rootFS) Rmdir(p string) experimentalsys.Errno {
	p = name(p)
	if fi, err := r.root.Lstat(p); err != nil {
		return r.errno(err)
	} else if !fi.IsDir() {
		return experimentalsys.ENOTDIR
	}
	return r.errno(r.root.Remove(p))
}

// Unlink implements experimentalsys.FS.Unlink. A symbolic link is removed,
// not what it points to.
func (r *rootFS) Unlink(p string) experimentalsys.Errno {
	p = name(p)
	if fi, err := r.root.Lstat(p); err != nil {
		return r.errno(err)
	} else if fi.IsDir() {
		return experimentalsys.EISDIR
	}
	return r.errno(r.root.Remove(p))
}

// Link implements experimentalsys.FS.Link. If oldPath is a symbolic link,
// the new name is another link to the same target, not to the file.
func (r *rootFS) Link(oldPath, newPath string) experimentalsys.Errno {
	return r.errno(r.root.Link(name(oldPath), name(newPath)))
}

// Symlink implements experimentalsys.FS.Symlink. Like wazero's DirFS, and
// as WASI asks, an absolute target is refused with EPERM. A relative target
// is stored as given, even one such as "../../etc/passwd": it is resolved
// only when followed, and following it through this FS cannot leave the
// root. (A host program following it later is not so confined.)
func (r *rootFS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	if path.IsAbs(oldPath) || filepath.IsAbs(oldPath) {
		return experimentalsys.EPERM
	}
	return r.errno(r.root.Symlink(oldPath, name(linkName)))
}

// Readlink implements experimentalsys.FS.Readlink, with "/" separators.
func (r *rootFS) Readlink(p string) (string, experimentalsys.Errno) {
	target, err := r.root.Readlink(name(p))
	if err != nil {
		return "", r.errno(err)
	}
	return filepath.ToSlash(target), 0
}

// Utimens implements experimentalsys.FS.Utimens, following a symbolic link.
func (r *rootFS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	return r.errno(r.root.Chtimes(name(p), toTime(atim), toTime(mtim)))
}

// toTime converts epoch nanoseconds to a time for Chtimes, for which the
// zero time, as UTIME_OMIT, leaves a time unchanged.
func toTime(nanos int64) time.Time {
	if nanos == experimentalsys.UTIME_OMIT {
		return time.Time{}
	}
	return time.Unix(0, nanos)
}

// readOnlyFS refuses every change, with the errnos of wazero's sysfs.ReadFS.
type readOnlyFS struct{ *rootFS }

// OpenFile implements experimentalsys.FS.OpenFile, for reading only.
func (r *readOnlyFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0 && flag&experimentalsys.O_DIRECTORY != 0 {
		return nil, experimentalsys.EISDIR // as ReadFS
	}
	if flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR|experimentalsys.O_CREAT|experimentalsys.O_TRUNC) != 0 {
		return nil, experimentalsys.EROFS
	}
	f, errno := r.rootFS.OpenFile(p, flag, perm)
	if errno != 0 {
		return nil, errno
	}
	return &readOnlyFile{f.(*file)}, 0
}

// Mkdir implements experimentalsys.FS.Mkdir: EROFS.
func (*readOnlyFS) Mkdir(string, fs.FileMode) experimentalsys.Errno { return experimentalsys.EROFS }

// Chmod implements experimentalsys.FS.Chmod: EROFS.
func (*readOnlyFS) Chmod(string, fs.FileMode) experimentalsys.Errno { return experimentalsys.EROFS }

// Rename implements experimentalsys.FS.Rename: EROFS.
func (*readOnlyFS) Rename(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Rmdir implements experimentalsys.FS.Rmdir: EROFS.
func (*readOnlyFS) Rmdir(string) experimentalsys.Errno { return experimentalsys.EROFS }

// Unlink implements experimentalsys.FS.Unlink: EROFS.
func (*readOnlyFS) Unlink(string) experimentalsys.Errno { return experimentalsys.EROFS }

// Link implements experimentalsys.FS.Link: EROFS.
func (*readOnlyFS) Link(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Symlink implements experimentalsys.FS.Symlink: EROFS.
func (*readOnlyFS) Symlink(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Utimens implements experimentalsys.FS.Utimens: EROFS.
func (*readOnlyFS) Utimens(string, int64, int64) experimentalsys.Errno {
	return experimentalsys.EROFS
}
