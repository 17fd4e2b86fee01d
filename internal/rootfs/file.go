package rootfs

import (
	"io"
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// file implements experimentalsys.File for an *os.File opened through the
// root, mirroring wazero's osFile (internal/sysfs/osfile.go).
type file struct {
	experimentalsys.UnimplementedFile

	fs *rootFS
	// path is the name f was opened by, to reopen it (SetAppend) and, where
	// there is no futimens, to set its times.
	path string
	flag experimentalsys.Oflag
	f    *os.File

	closed bool
	// cached is what Stat reports that cannot change while f is open.
	cached *cachedStat
}

type cachedStat struct {
	dev   uint64
	ino   sys.Inode
	isDir bool
}

func (f *file) cachedStat() (*cachedStat, experimentalsys.Errno) {
	if f.cached == nil {
		if _, errno := f.Stat(); errno != 0 {
			return nil, errno
		}
	}
	return f.cached, 0
}

// Dev implements experimentalsys.File.Dev.
func (f *file) Dev() (uint64, experimentalsys.Errno) {
	c, errno := f.cachedStat()
	if errno != 0 {
		return 0, errno
	}
	return c.dev, 0
}

// Ino implements experimentalsys.File.Ino.
func (f *file) Ino() (sys.Inode, experimentalsys.Errno) {
	c, errno := f.cachedStat()
	if errno != 0 {
		return 0, errno
	}
	return c.ino, 0
}

// IsDir implements experimentalsys.File.IsDir.
func (f *file) IsDir() (bool, experimentalsys.Errno) {
	c, errno := f.cachedStat()
	if errno != 0 {
		return false, errno
	}
	return c.isDir, 0
}

// IsAppend implements experimentalsys.File.IsAppend.
func (f *file) IsAppend() bool {
	return f.flag&experimentalsys.O_APPEND != 0
}

// SetAppend implements experimentalsys.File.SetAppend. An os.File's append
// mode is fixed when it is opened, so, as wazero does, the file is opened
// again by its path, through the root, and kept only if it is the same file.
func (f *file) SetAppend(enable bool) experimentalsys.Errno {
	if errno := f.check(); errno != 0 {
		return errno
	}
	flag := f.flag &^ experimentalsys.O_APPEND
	if enable {
		flag |= experimentalsys.O_APPEND
	}
	offset, err := f.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return f.fs.errno(err)
	}
	reopen := flag &^ (experimentalsys.O_CREAT | experimentalsys.O_EXCL | experimentalsys.O_TRUNC)
	nf, err := f.fs.root.OpenFile(f.path, osFlag(reopen), 0)
	if err != nil {
		return f.fs.errno(err)
	}
	if errno := f.sameFile(nf); errno != 0 {
		_ = nf.Close()
		return errno
	}
	if _, err := nf.Seek(offset, io.SeekStart); err != nil {
		_ = nf.Close()
		return f.fs.errno(err)
	}
	_ = f.f.Close()
	f.f, f.flag = nf, flag
	return 0
}

// sameFile returns ENOENT unless other is the file f has open.
func (f *file) sameFile(other *os.File) experimentalsys.Errno {
	fi1, err := f.f.Stat()
	if err != nil {
		return f.fs.errno(err)
	}
	fi2, err := other.Stat()
	if err != nil {
		return f.fs.errno(err)
	}
	if !os.SameFile(fi1, fi2) {
		return experimentalsys.ENOENT
	}
	return 0
}

// Stat implements experimentalsys.File.Stat.
func (f *file) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	fi, err := f.f.Stat()
	if err != nil {
		errno := f.fs.errno(err)
		if errno == experimentalsys.EIO {
			errno = experimentalsys.EBADF
		}
		return sys.Stat_t{}, errno
	}
	st := sys.NewStat_t(fi)
	f.cached = &cachedStat{dev: st.Dev, ino: st.Ino, isDir: fi.IsDir()}
	return st, 0
}

// Read implements experimentalsys.File.Read.
func (f *file) Read(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.Read(buf)
	return n, f.fileErr(f.fs.errno(err))
}

// Pread implements experimentalsys.File.Pread.
func (f *file) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if off < 0 {
		return 0, f.fileErr(experimentalsys.EINVAL)
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.ReadAt(buf, off)
	return n, f.fileErr(f.fs.errno(err))
}

// fileOffset is int64 by another name, for Seek: go vet's stdmethods check
// holds any method named Seek whose first parameter is spelled int64 to
// io.Seeker's signature, which wazero's File.Seek, returning an Errno,
// cannot have.
type fileOffset = int64

// Seek implements experimentalsys.File.Seek. On a directory only
// Seek(0, io.SeekStart) is allowed, as in wazero: it rewinds the directory
// (os.File drops its buffered entries and rewinds the handle), so the next
// Readdir starts over and sees entries made since.
func (f *file) Seek(offset fileOffset, whence int) (int64, experimentalsys.Errno) {
	if uint(whence) > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	isDir, errno := f.IsDir()
	if errno != 0 {
		return 0, errno
	}
	if isDir && (offset != 0 || whence != io.SeekStart) {
		return 0, experimentalsys.EISDIR
	}
	n, err := f.f.Seek(offset, whence)
	if err != nil {
		return 0, f.fs.errno(err)
	}
	return n, 0
}

// Readdir implements experimentalsys.File.Readdir. As os.File's, it never
// returns "." or "..": wazero adds those itself (internal/sys DirentCache).
func (f *file) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.closed {
		return nil, experimentalsys.EBADF
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return nil, errno
	} else if !isDir {
		return nil, experimentalsys.EBADF
	}
	fis, err := f.f.Readdir(n)
	if err != nil && err != io.EOF {
		errno := f.fs.errno(err)
		if errno == experimentalsys.EINVAL { // as wazero's adjustReaddirErr
			errno = experimentalsys.EBADF
		}
		return nil, errno
	}
	dirents := make([]experimentalsys.Dirent, 0, len(fis))
	for _, fi := range fis {
		dirents = append(dirents, experimentalsys.Dirent{
			Name: fi.Name(),
			Ino:  sys.NewStat_t(fi).Ino,
			Type: fi.Mode().Type(),
		})
	}
	return dirents, 0
}

// Write implements experimentalsys.File.Write.
func (f *file) Write(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.Write(buf)
	return n, f.fileErr(f.fs.errno(err))
}

// Pwrite implements experimentalsys.File.Pwrite. As in wazero, it fails on
// a file in append mode, where os.File refuses WriteAt.
func (f *file) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if off < 0 {
		return 0, f.fileErr(experimentalsys.EINVAL)
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.WriteAt(buf, off)
	return n, f.fileErr(f.fs.errno(err))
}

// Truncate implements experimentalsys.File.Truncate.
func (f *file) Truncate(size int64) experimentalsys.Errno {
	if size < 0 {
		return experimentalsys.EINVAL
	}
	return f.fileErr(f.fs.errno(f.f.Truncate(size)))
}

// Sync implements experimentalsys.File.Sync.
func (f *file) Sync() experimentalsys.Errno {
	return f.fs.errno(f.f.Sync())
}

// Datasync implements experimentalsys.File.Datasync with a full sync.
func (f *file) Datasync() experimentalsys.Errno {
	return f.fs.errno(f.f.Sync())
}

// Utimens implements experimentalsys.File.Utimens.
func (f *file) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	return f.utimens(atim, mtim)
}

// Close implements experimentalsys.File.Close. Closing twice is not an error.
func (f *file) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	return f.fs.errno(f.f.Close())
}

// fileErr refines errno, the failure of an operation meant for files other
// than directories, as wazero's fileError does.
func (f *file) fileErr(errno experimentalsys.Errno) experimentalsys.Errno {
	if errno == 0 {
		return 0
	}
	if e := f.check(); e != 0 {
		return e
	}
	return errno
}

// check returns EBADF once f is closed, EISDIR if it is a directory, and
// zero otherwise.
func (f *file) check() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return errno
	} else if isDir {
		return experimentalsys.EISDIR
	}
	return 0
}

// readOnlyFile refuses writes through a file of a read-only FS, with the
// errnos of wazero's sysfs.ReadFS.
type readOnlyFile struct{ *file }

// Write implements experimentalsys.File.Write: EBADF, or EISDIR.
func (r *readOnlyFile) Write([]byte) (int, experimentalsys.Errno) { return 0, r.writeErr() }

// Pwrite implements experimentalsys.File.Pwrite: EBADF, or EISDIR.
func (r *readOnlyFile) Pwrite([]byte, int64) (int, experimentalsys.Errno) {
	return 0, r.writeErr()
}

// Truncate implements experimentalsys.File.Truncate: EBADF, or EISDIR.
func (r *readOnlyFile) Truncate(int64) experimentalsys.Errno { return r.writeErr() }

// Sync implements experimentalsys.File.Sync: EBADF.
func (r *readOnlyFile) Sync() experimentalsys.Errno { return experimentalsys.EBADF }

// Datasync implements experimentalsys.File.Datasync: EBADF.
func (r *readOnlyFile) Datasync() experimentalsys.Errno { return experimentalsys.EBADF }

// Utimens implements experimentalsys.File.Utimens: EBADF.
func (r *readOnlyFile) Utimens(int64, int64) experimentalsys.Errno { return experimentalsys.EBADF }

func (r *readOnlyFile) writeErr() experimentalsys.Errno {
	if errno := r.check(); errno != 0 {
		return errno
	}
	return experimentalsys.EBADF
}

var (
	_ experimentalsys.File = (*file)(nil)
	_ experimentalsys.File = (*readOnlyFile)(nil)
)
