package rootfs

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/nanoproc/nano/internal/wasmtest"
)

const (
	O_RDONLY    = experimentalsys.O_RDONLY
	O_WRONLY    = experimentalsys.O_WRONLY
	O_RDWR      = experimentalsys.O_RDWR
	O_APPEND    = experimentalsys.O_APPEND
	O_CREAT     = experimentalsys.O_CREAT
	O_DIRECTORY = experimentalsys.O_DIRECTORY
	O_EXCL      = experimentalsys.O_EXCL
	O_NOFOLLOW  = experimentalsys.O_NOFOLLOW
	O_TRUNC     = experimentalsys.O_TRUNC

	EBADF     = experimentalsys.EBADF
	EEXIST    = experimentalsys.EEXIST
	EINVAL    = experimentalsys.EINVAL
	EISDIR    = experimentalsys.EISDIR
	ELOOP     = experimentalsys.ELOOP
	ENOENT    = experimentalsys.ENOENT
	ENOTDIR   = experimentalsys.ENOTDIR
	ENOTEMPTY = experimentalsys.ENOTEMPTY
	EPERM     = experimentalsys.EPERM
	EROFS     = experimentalsys.EROFS
)

// layout makes, in a new temporary directory, a mounted directory and
// things outside it to attack, and returns both directories:
//
//	base/outside.txt         "secret"
//	base/empty/
//	base/mount/inside.txt    "inside"
//	base/mount/sub/hop       -> ../../outside.txt
//	base/mount/escape        -> ../outside.txt
//	base/mount/abs           -> /…/base/outside.txt
//	base/mount/dirlink       -> ..
//	base/mount/chain         -> sub/hop
//	base/mount/ok            -> sub/../inside.txt
//	base/mount/sublink       -> sub
func layout(t *testing.T) (base, mount string) {
	t.Helper()
	base = t.TempDir()
	mount = filepath.Join(base, "mount")
	for _, dir := range []string{"empty", "mount/sub"} {
		if err := os.MkdirAll(filepath.Join(base, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"outside.txt": "secret", "mount/inside.txt": "inside"} {
		if err := os.WriteFile(filepath.Join(base, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{
		"sub/hop": "../../outside.txt",
		"escape":  "../outside.txt",
		"abs":     filepath.Join(base, "outside.txt"),
		"dirlink": "..",
		"chain":   "sub/hop",
		"ok":      "sub/../inside.txt",
		"sublink": "sub",
	} {
		if err := os.Symlink(target, filepath.Join(mount, name)); err != nil {
			t.Fatal(err)
		}
	}
	return base, mount
}

// snapshot describes every file under base, but not under skip: its type,
// permissions, modification time and, for a file, contents.
func snapshot(t *testing.T, base, skip string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == skip {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %v", fi.Mode(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		}
		m[path] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// unchanged fails t if the files snapshot found differ now.
func unchanged(t *testing.T, before map[string]string, base, skip string) {
	t.Helper()
	after := snapshot(t, base, skip)
	for _, p := range slices.Sorted(maps.Keys(after)) {
		if before[p] != after[p] {
			t.Errorf("%s = %q, was %q", p, after[p], before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s is gone", p)
		}
	}
}

func newFS(t *testing.T, dir string, readOnly bool) experimentalsys.FS {
	t.Helper()
	fsys, err := New(dir, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(io.Closer).Close() })
	return fsys
}

// readFile reads the whole of name through fsys.
func readFile(fsys experimentalsys.FS, name string) (string, experimentalsys.Errno) {
	f, errno := fsys.OpenFile(name, O_RDONLY, 0)
	if errno != 0 {
		return "", errno
	}
	defer f.Close()
	var b []byte
	buf := make([]byte, 4)
	for {
		n, errno := f.Read(buf)
		if errno != 0 {
			return "", errno
		}
		if n == 0 {
			return string(b), 0
		}
		b = append(b, buf[:n]...)
	}
}

func names(dirents []experimentalsys.Dirent) []string {
	var s []string
	for _, d := range dirents {
		s = append(s, d.Name)
	}
	return s
}

func TestInside(t *testing.T) {
	_, mount := layout(t)
	fsys := newFS(t, mount, false)

	t.Run("read", func(t *testing.T) {
		for _, p := range []string{"inside.txt", "./inside.txt", "sub/../inside.txt", "ok", "sublink/../inside.txt"} {
			if got, errno := readFile(fsys, p); got != "inside" || errno != 0 {
				t.Errorf("readFile(%q) = %q, %q, want %q", p, got, errno, "inside")
			}
		}
		for _, p := range []string{"", ".", "sub", "sublink"} {
			f, errno := fsys.OpenFile(p, O_RDONLY|O_DIRECTORY, 0)
			if errno != 0 {
				t.Errorf("OpenFile(%q, O_DIRECTORY) = %q, want success", p, errno)
				continue
			}
			if isDir, errno := f.IsDir(); !isDir || errno != 0 {
				t.Errorf("OpenFile(%q).IsDir() = %v, %q, want true", p, isDir, errno)
			}
			f.Close()
		}
	})

	t.Run("create write read", func(t *testing.T) {
		f, errno := fsys.OpenFile("new.txt", O_RDWR|O_CREAT|O_EXCL, 0o644)
		if errno != 0 {
			t.Fatalf("OpenFile(%q) = %q, want success", "new.txt", errno)
		}
		defer f.Close()
		if n, errno := f.Write([]byte("hello world")); n != 11 || errno != 0 {
			t.Errorf("Write = %d, %q, want 11", n, errno)
		}
		buf := make([]byte, 5)
		if n, errno := f.Pread(buf, 6); string(buf[:n]) != "world" || errno != 0 {
			t.Errorf("Pread(6) = %q, %q, want %q", buf[:n], errno, "world")
		}
		if off, errno := f.Seek(0, io.SeekStart); off != 0 || errno != 0 {
			t.Errorf("Seek(0) = %d, %q, want 0", off, errno)
		}
		if n, errno := f.Read(buf); string(buf[:n]) != "hello" || errno != 0 {
			t.Errorf("Read = %q, %q, want %q", buf[:n], errno, "hello")
		}
		if n, errno := f.Pwrite([]byte("W"), 6); n != 1 || errno != 0 {
			t.Errorf("Pwrite = %d, %q, want 1", n, errno)
		}
		if errno := f.Truncate(9); errno != 0 {
			t.Errorf("Truncate(9) = %q, want success", errno)
		}
		if errno := f.SetAppend(true); errno != 0 || !f.IsAppend() {
			t.Errorf("SetAppend(true) = %q, IsAppend %v, want success", errno, f.IsAppend())
		}
		f.Seek(0, io.SeekStart)
		f.Write([]byte("!"))
		if errno := f.Sync(); errno != 0 {
			t.Errorf("Sync = %q, want success", errno)
		}
		if b, _ := os.ReadFile(filepath.Join(mount, "new.txt")); string(b) != "hello Wor!" {
			t.Errorf("new.txt = %q, want %q", b, "hello Wor!")
		}
		if st, errno := f.Stat(); st.Size != 10 || errno != 0 {
			t.Errorf("Stat().Size = %d, %q, want 10", st.Size, errno)
		}
		f.Close()
		if n, errno := f.Write([]byte("x")); errno != EBADF {
			t.Errorf("Write after Close = %d, %q, want %q", n, errno, EBADF)
		}
	})

	t.Run("links", func(t *testing.T) {
		if errno := fsys.Symlink("inside.txt", "link"); errno != 0 {
			t.Fatalf("Symlink = %q, want success", errno)
		}
		if errno := fsys.Symlink("../inside.txt", "sub/uplink"); errno != 0 {
			t.Fatalf("Symlink = %q, want success", errno)
		}
		for _, p := range []string{"link", "sub/uplink"} {
			if got, errno := readFile(fsys, p); got != "inside" || errno != 0 {
				t.Errorf("readFile(%q) = %q, %q, want %q", p, got, errno, "inside")
			}
		}
		if got, errno := fsys.Readlink("link"); got != "inside.txt" || errno != 0 {
			t.Errorf("Readlink(%q) = %q, %q, want %q", "link", got, errno, "inside.txt")
		}
		if st, errno := fsys.Lstat("link"); st.Mode.Type() != fs.ModeSymlink || errno != 0 {
			t.Errorf("Lstat(%q).Mode = %v, %q, want a link", "link", st.Mode, errno)
		}
		if st, errno := fsys.Stat("link"); !st.Mode.IsRegular() || st.Size != 6 || errno != 0 {
			t.Errorf("Stat(%q) = %v %d, %q, want a file of 6 bytes", "link", st.Mode, st.Size, errno)
		}
		if errno := fsys.Link("inside.txt", "sub/hard"); errno != 0 {
			t.Errorf("Link = %q, want success", errno)
		}
		if got, errno := readFile(fsys, "sub/hard"); got != "inside" || errno != 0 {
			t.Errorf("readFile(%q) = %q, %q, want %q", "sub/hard", got, errno, "inside")
		}
		if _, errno := fsys.OpenFile("link", O_RDONLY|O_NOFOLLOW, 0); errno != ELOOP {
			t.Errorf("OpenFile(%q, O_NOFOLLOW) = %q, want %q", "link", errno, ELOOP)
		}
		if _, errno := fsys.OpenFile("sublink", O_RDONLY|O_DIRECTORY|O_NOFOLLOW, 0); errno != ENOTDIR {
			t.Errorf("OpenFile(%q, O_DIRECTORY|O_NOFOLLOW) = %q, want %q", "sublink", errno, ENOTDIR)
		}
		if errno := fsys.Unlink("link"); errno != 0 {
			t.Errorf("Unlink(%q) = %q, want success", "link", errno)
		}
		if errno := fsys.Unlink("sublink"); errno != 0 { // the link, not sub
			t.Errorf("Unlink(%q) = %q, want success", "sublink", errno)
		}
		if st, errno := fsys.Stat("sub"); !st.Mode.IsDir() || errno != 0 {
			t.Errorf("Stat(%q) = %v, %q, want a directory", "sub", st.Mode, errno)
		}
		if errno := fsys.Symlink("/etc/passwd", "abslink"); errno != EPERM {
			t.Errorf("Symlink(%q) = %q, want %q", "/etc/passwd", errno, EPERM)
		}
	})

	t.Run("directories", func(t *testing.T) {
		for _, tt := range []struct {
			op    string
			errno experimentalsys.Errno
			want  experimentalsys.Errno
		}{
			{"Mkdir(d)", fsys.Mkdir("d", 0o755), 0},
			{"Mkdir(d) again", fsys.Mkdir("d", 0o755), EEXIST},
			{"Mkdir(inside.txt/x)", fsys.Mkdir("inside.txt/x", 0o755), ENOENT},
			{"Mkdir(d/e)", fsys.Mkdir("d/e", 0o755), 0},
			{"Mkdir(f)", fsys.Mkdir("f", 0o755), 0},
			{"Rename(inside.txt, d/moved)", fsys.Rename("inside.txt", "d/moved"), 0},
			{"Rename(d/moved, inside.txt)", fsys.Rename("d/moved", "inside.txt"), 0},
			{"Rename(inside.txt, d)", fsys.Rename("inside.txt", "d"), EISDIR},
			{"Rename(f, d)", fsys.Rename("f", "d"), ENOTEMPTY},
			{"Rename(d, d/e)", fsys.Rename("d", "d/e"), EINVAL},
			{"Rename(d, f)", fsys.Rename("d", "f"), 0}, // over an empty directory
			{"Rename(f, f)", fsys.Rename("f", "f"), 0},
			{"Rename(nope, nope)", fsys.Rename("nope", "nope"), ENOENT},
			{"Unlink(f)", fsys.Unlink("f"), EISDIR},
			{"Rmdir(inside.txt)", fsys.Rmdir("inside.txt"), ENOTDIR},
			{"Rmdir(f)", fsys.Rmdir("f"), ENOTEMPTY},
			{"Rmdir(nope)", fsys.Rmdir("nope"), ENOENT},
			{"Rmdir(f/e)", fsys.Rmdir("f/e"), 0},
			{"Rmdir(f)", fsys.Rmdir("f"), 0},
		} {
			if tt.errno != tt.want {
				t.Errorf("%s = %q, want %q", tt.op, tt.errno, tt.want)
			}
		}
		if _, errno := fsys.OpenFile("sub", O_RDWR, 0); errno != EISDIR {
			t.Errorf("OpenFile(%q, O_RDWR) = %q, want %q", "sub", errno, EISDIR)
		}
		if _, errno := fsys.OpenFile("inside.txt", O_RDONLY|O_DIRECTORY, 0); errno != ENOTDIR {
			t.Errorf("OpenFile(%q, O_DIRECTORY) = %q, want %q", "inside.txt", errno, ENOTDIR)
		}
		d, errno := fsys.OpenFile(".", O_RDONLY, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		defer d.Close()
		dirents, errno := d.Readdir(-1)
		got := names(dirents)
		slices.Sort(got)
		want := []string{"abs", "chain", "dirlink", "escape", "inside.txt", "new.txt", "ok", "sub"}
		if !slices.Equal(got, want) || errno != 0 {
			t.Errorf("Readdir(-1) = %q, %q, want %q", got, errno, want)
		}
		for _, de := range dirents {
			if de.Name == "sub" && (de.Type != fs.ModeDir || de.Ino == 0) {
				t.Errorf("Readdir: %v, want a directory with its inode", &de)
			}
		}
		if _, errno := d.Read(make([]byte, 1)); errno != EISDIR {
			t.Errorf("Read of a directory = %q, want %q", errno, EISDIR)
		}
		if _, errno := d.Seek(1, io.SeekStart); errno != EISDIR {
			t.Errorf("Seek(1) of a directory = %q, want %q", errno, EISDIR)
		}
	})

	t.Run("times and modes", func(t *testing.T) {
		at, mt := time.Unix(1e9, 123456789), time.Unix(2e9, 987654321)
		st0, _ := fsys.Stat("inside.txt")
		if errno := fsys.Utimens("ok", at.UnixNano(), experimentalsys.UTIME_OMIT); errno != 0 {
			t.Errorf("Utimens = %q, want success", errno)
		}
		if st, _ := fsys.Stat("inside.txt"); st.Atim != at.UnixNano() || st.Mtim != st0.Mtim {
			t.Errorf("after Utimens(atim) times are %d %d, want %d %d", st.Atim, st.Mtim, at.UnixNano(), st0.Mtim)
		}
		f, _ := fsys.OpenFile("inside.txt", O_RDONLY, 0)
		defer f.Close()
		if errno := f.Utimens(experimentalsys.UTIME_OMIT, mt.UnixNano()); errno != 0 {
			t.Errorf("File.Utimens = %q, want success", errno)
		}
		if st, _ := f.Stat(); st.Atim != at.UnixNano() || st.Mtim != mt.UnixNano() {
			t.Errorf("after File.Utimens(mtim) times are %d %d, want %d %d", st.Atim, st.Mtim, at.UnixNano(), mt.UnixNano())
		}
		if errno := fsys.Chmod("inside.txt", 0o4600); errno != 0 {
			t.Errorf("Chmod = %q, want success", errno)
		}
		if st, _ := fsys.Stat("inside.txt"); st.Mode != 0o600 {
			t.Errorf("after Chmod(04600) mode is %v, want %v", st.Mode, fs.FileMode(0o600))
		}
	})
}

// attacks are paths that lead out of the mount of layout, for reading.
var attacks = []string{
	"..",
	"../outside.txt",
	"sub/../../outside.txt",
	"/etc/hostname",
	"escape",
	"abs",
	"dirlink",
	"dirlink/outside.txt",
	"dirlink/mount/inside.txt", // out and back in: refused too
	"chain",
	"sub/hop",
	"made", // made through the FS
}

func TestEscape(t *testing.T) {
	base, mount := layout(t)
	before := snapshot(t, base, mount)
	fsys := newFS(t, mount, false)
	if errno := fsys.Symlink("../outside.txt", "made"); errno != 0 {
		t.Fatalf("Symlink(%q, %q) = %q, want success", "../outside.txt", "made", errno)
	}
	for _, p := range attacks {
		if strings.HasPrefix(p, "/") {
			continue // inside the root: TestLeadingSlash
		}
		if _, errno := fsys.OpenFile(p, O_RDONLY, 0); errno != EPERM {
			t.Errorf("OpenFile(%q, O_RDONLY) = %q, want %q", p, errno, EPERM)
		}
		if _, errno := fsys.OpenFile(p, O_WRONLY|O_CREAT|O_TRUNC, 0o666); errno != EPERM {
			t.Errorf("OpenFile(%q, O_WRONLY|O_CREAT|O_TRUNC) = %q, want %q", p, errno, EPERM)
		}
		if _, errno := fsys.Stat(p); errno != EPERM {
			t.Errorf("Stat(%q) = %q, want %q", p, errno, EPERM)
		}
	}
	for _, p := range []string{"../new.txt", "dirlink/new.txt", "sub/../../new.txt", "made/../new.txt"} {
		if _, errno := fsys.OpenFile(p, O_RDWR|O_CREAT|O_EXCL, 0o666); errno != EPERM {
			t.Errorf("OpenFile(%q, O_RDWR|O_CREAT|O_EXCL) = %q, want %q", p, errno, EPERM)
		}
	}
	for _, tt := range []struct {
		op    string
		errno experimentalsys.Errno
	}{
		{"Lstat(../outside.txt)", second(fsys.Lstat("../outside.txt"))},
		{"Lstat(dirlink/outside.txt)", second(fsys.Lstat("dirlink/outside.txt"))},
		{"Readlink(dirlink/mount/escape)", second(fsys.Readlink("dirlink/mount/escape"))},
		{"Mkdir(../newdir)", fsys.Mkdir("../newdir", 0o755)},
		{"Mkdir(dirlink/newdir)", fsys.Mkdir("dirlink/newdir", 0o755)},
		{"Rename(inside.txt, ../x)", fsys.Rename("inside.txt", "../x")},
		{"Rename(inside.txt, dirlink/x)", fsys.Rename("inside.txt", "dirlink/x")},
		{"Rename(sub, ../empty)", fsys.Rename("sub", "../empty")},
		{"Rename(../outside.txt, stolen)", fsys.Rename("../outside.txt", "stolen")},
		{"Rename(dirlink/outside.txt, stolen)", fsys.Rename("dirlink/outside.txt", "stolen")},
		{"Link(../outside.txt, hard)", fsys.Link("../outside.txt", "hard")},
		{"Link(dirlink/outside.txt, hard)", fsys.Link("dirlink/outside.txt", "hard")},
		{"Link(inside.txt, ../hard)", fsys.Link("inside.txt", "../hard")},
		{"Link(inside.txt, dirlink/hard)", fsys.Link("inside.txt", "dirlink/hard")},
		{"Symlink(inside.txt, ../evil)", fsys.Symlink("inside.txt", "../evil")},
		{"Symlink(inside.txt, dirlink/evil)", fsys.Symlink("inside.txt", "dirlink/evil")},
		{"Unlink(../outside.txt)", fsys.Unlink("../outside.txt")},
		{"Unlink(dirlink/outside.txt)", fsys.Unlink("dirlink/outside.txt")},
		{"Rmdir(../empty)", fsys.Rmdir("../empty")},
		{"Rmdir(dirlink/empty)", fsys.Rmdir("dirlink/empty")},
		{"Rmdir(..)", fsys.Rmdir("..")},
		{"Chmod(escape)", fsys.Chmod("escape", 0o777)},
		{"Chmod(abs)", fsys.Chmod("abs", 0o777)},
		{"Chmod(made)", fsys.Chmod("made", 0o777)},
		{"Chmod(../outside.txt)", fsys.Chmod("../outside.txt", 0o777)},
		{"Chmod(dirlink)", fsys.Chmod("dirlink", 0o777)},
		{"Utimens(escape)", fsys.Utimens("escape", 0, 0)},
		{"Utimens(abs)", fsys.Utimens("abs", 0, 0)},
		{"Utimens(dirlink/outside.txt)", fsys.Utimens("dirlink/outside.txt", 0, 0)},
		{"Utimens(..)", fsys.Utimens("..", 0, 0)},
	} {
		if tt.errno != EPERM {
			t.Errorf("%s = %q, want %q", tt.op, tt.errno, EPERM)
		}
	}
	unchanged(t, before, base, mount)
}

// TestLeadingSlash checks that a path with leading slashes is relative to
// the root, as wazero means it: it names a directory the guest opened as
// "." with "" and joins a name under it as "/NAME". Such a path reaches
// no further than any other.
func TestLeadingSlash(t *testing.T) {
	base, mount := layout(t)
	before := snapshot(t, base, mount)
	fsys := newFS(t, mount, false)
	outside := filepath.Join(base, "outside.txt")

	for _, p := range []string{"/inside.txt", "//inside.txt", "/sub/../inside.txt", "/ok", "/./ok"} {
		if got, errno := readFile(fsys, p); got != "inside" || errno != 0 {
			t.Errorf("readFile(%q) = %q, %q, want %q", p, got, errno, "inside")
		}
	}
	for _, p := range []string{"/", "//", "/.", "/sub"} {
		f, errno := fsys.OpenFile(p, O_RDONLY|O_DIRECTORY, 0)
		if errno != 0 {
			t.Errorf("OpenFile(%q, O_DIRECTORY) = %q, want success", p, errno)
			continue
		}
		f.Close()
	}
	if st, errno := fsys.Stat("/sub"); !st.Mode.IsDir() || errno != 0 {
		t.Errorf("Stat(%q) = %v, %q, want a directory", "/sub", st.Mode, errno)
	}
	for _, tt := range []struct {
		op          string
		errno, want experimentalsys.Errno
	}{
		{"Mkdir(/made)", fsys.Mkdir("/made", 0o755), 0},
		{"Mkdir(/made/deeper)", fsys.Mkdir("/made/deeper", 0o755), 0},
		{"Rename(/made/deeper, /made/moved)", fsys.Rename("/made/deeper", "/made/moved"), 0},
		{"Rmdir(/made/moved)", fsys.Rmdir("/made/moved"), 0},
		{"Symlink(inside.txt, /made/link)", fsys.Symlink("../inside.txt", "/made/link"), 0},
		{"Unlink(/made/link)", fsys.Unlink("/made/link"), 0},

		// A host path is a path inside the root, where it does not exist.
		{"Stat(/etc/hostname)", second(fsys.Stat("/etc/hostname")), ENOENT},
		{"Stat(host path)", second(fsys.Stat(outside)), ENOENT},
		{"OpenFile(host path)", second(fsys.OpenFile(outside, O_RDONLY, 0)), ENOENT},
		{"OpenFile(host path, O_CREAT)", second(fsys.OpenFile(outside, O_WRONLY|O_CREAT, 0o644)), ENOENT},
		{"Mkdir(host path/newdir)", fsys.Mkdir(filepath.Join(base, "newdir"), 0o755), ENOENT},
		{"Rename(inside.txt, host path)", fsys.Rename("inside.txt", filepath.Join(base, "x")), ENOENT},

		// ".." and links after the slash still lead nowhere outside.
		{"Stat(/..)", second(fsys.Stat("/..")), EPERM},
		{"Stat(//../outside.txt)", second(fsys.Stat("//../outside.txt")), EPERM},
		{"Stat(/sub/../../outside.txt)", second(fsys.Stat("/sub/../../outside.txt")), EPERM},
		{"Stat(/escape)", second(fsys.Stat("/escape")), EPERM},
		{"Stat(/dirlink/outside.txt)", second(fsys.Stat("/dirlink/outside.txt")), EPERM},
		{"OpenFile(/../new.txt, O_CREAT)", second(fsys.OpenFile("/../new.txt", O_WRONLY|O_CREAT, 0o644)), EPERM},
		{"Mkdir(/../newdir)", fsys.Mkdir("/../newdir", 0o755), EPERM},
		{"Rename(/inside.txt, /../x)", fsys.Rename("/inside.txt", "/../x"), EPERM},
		{"Unlink(/../outside.txt)", fsys.Unlink("/../outside.txt"), EPERM},
	} {
		if tt.errno != tt.want {
			t.Errorf("%s = %q, want %q", tt.op, tt.errno, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(mount, "made")); err != nil {
		t.Errorf("Mkdir(/made) made nothing in the root: %v", err)
	}
	unchanged(t, before, base, mount)
}

func second[T any](_ T, errno experimentalsys.Errno) experimentalsys.Errno { return errno }

func TestReadOnly(t *testing.T) {
	base, mount := layout(t)
	before := snapshot(t, base, "")
	fsys := newFS(t, mount, true)

	if got, errno := readFile(fsys, "ok"); got != "inside" || errno != 0 {
		t.Errorf("readFile(%q) = %q, %q, want %q", "ok", got, errno, "inside")
	}
	if got, errno := fsys.Readlink("escape"); got != "../outside.txt" || errno != 0 {
		t.Errorf("Readlink(%q) = %q, %q, want %q", "escape", got, errno, "../outside.txt")
	}
	if st, errno := fsys.Stat("sub"); !st.Mode.IsDir() || errno != 0 {
		t.Errorf("Stat(%q) = %v, %q, want a directory", "sub", st.Mode, errno)
	}
	if _, errno := fsys.OpenFile("escape", O_RDONLY, 0); errno != EPERM {
		t.Errorf("OpenFile(%q) = %q, want %q", "escape", errno, EPERM)
	}

	for _, flag := range []experimentalsys.Oflag{
		O_WRONLY, O_RDWR, O_RDONLY | O_CREAT, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT | O_EXCL,
		O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_APPEND,
	} {
		for _, p := range []string{"inside.txt", "new.txt", "escape"} {
			if _, errno := fsys.OpenFile(p, flag, 0o666); errno != EROFS {
				t.Errorf("OpenFile(%q, %#x) = %q, want %q", p, flag, errno, EROFS)
			}
		}
	}
	if _, errno := fsys.OpenFile("sub", O_RDWR|O_DIRECTORY, 0); errno != EISDIR {
		t.Errorf("OpenFile(%q, O_RDWR|O_DIRECTORY) = %q, want %q", "sub", errno, EISDIR)
	}
	for _, tt := range []struct {
		op    string
		errno experimentalsys.Errno
	}{
		{"Mkdir(d)", fsys.Mkdir("d", 0o755)},
		{"Chmod(inside.txt)", fsys.Chmod("inside.txt", 0o777)},
		{"Rename(inside.txt, x)", fsys.Rename("inside.txt", "x")},
		{"Rmdir(sub)", fsys.Rmdir("sub")},
		{"Unlink(inside.txt)", fsys.Unlink("inside.txt")},
		{"Unlink(escape)", fsys.Unlink("escape")},
		{"Link(inside.txt, hard)", fsys.Link("inside.txt", "hard")},
		{"Symlink(inside.txt, link)", fsys.Symlink("inside.txt", "link")},
		{"Utimens(inside.txt)", fsys.Utimens("inside.txt", 0, 0)},
	} {
		if tt.errno != EROFS {
			t.Errorf("%s = %q, want %q", tt.op, tt.errno, EROFS)
		}
	}

	f, errno := fsys.OpenFile("inside.txt", O_RDONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer f.Close()
	d, errno := fsys.OpenFile("sub", O_RDONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	for _, tt := range []struct {
		op    string
		errno experimentalsys.Errno
		want  experimentalsys.Errno
	}{
		{"Write", second(f.Write([]byte("x"))), EBADF},
		{"Pwrite", second(f.Pwrite([]byte("x"), 0)), EBADF},
		{"Truncate", f.Truncate(0), EBADF},
		{"Sync", f.Sync(), EBADF},
		{"Datasync", f.Datasync(), EBADF},
		{"Utimens", f.Utimens(0, 0), EBADF},
		{"Write to a directory", second(d.Write([]byte("x"))), EISDIR},
	} {
		if tt.errno != tt.want {
			t.Errorf("%s = %q, want %q", tt.op, tt.errno, tt.want)
		}
	}
	if dirents, errno := d.Readdir(-1); !slices.Equal(names(dirents), []string{"hop"}) || errno != 0 {
		t.Errorf("Readdir(-1) = %q, %q, want %q", names(dirents), errno, []string{"hop"})
	}
	unchanged(t, before, base, "")
}

func TestReaddirPaging(t *testing.T) {
	dir := t.TempDir()
	for i := range 100 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := newFS(t, dir, false)
	d, errno := fsys.OpenFile(".", O_RDONLY|O_DIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()

	readAll := func(chunk int) map[string]int {
		seen := map[string]int{}
		for {
			dirents, errno := d.Readdir(chunk)
			if errno != 0 {
				t.Fatalf("Readdir(%d) = %q, want success", chunk, errno)
			}
			for _, de := range dirents {
				seen[de.Name]++
			}
			if len(dirents) < chunk {
				return seen
			}
		}
	}
	check := func(seen map[string]int, extra ...string) {
		t.Helper()
		want := len(extra) + 100
		for i := range 100 {
			extra = append(extra, fmt.Sprintf("f%03d", i))
		}
		for _, name := range extra {
			if seen[name] != 1 {
				t.Errorf("Readdir returned %q %d times, want once", name, seen[name])
			}
		}
		if len(seen) != want {
			t.Errorf("Readdir returned %d names, want %d", len(seen), want)
		}
	}

	check(readAll(7))
	if dirents, errno := d.Readdir(7); len(dirents) != 0 || errno != 0 {
		t.Errorf("Readdir(7) at the end = %q, %q, want none", names(dirents), errno)
	}
	if _, errno := d.Seek(0, io.SeekStart); errno != 0 {
		t.Fatalf("Seek(0) = %q, want success", errno)
	}
	check(readAll(1))

	// A rewind sees what was made since.
	os.WriteFile(filepath.Join(dir, "late"), nil, 0o644)
	d.Seek(0, io.SeekStart)
	check(readAll(64), "late")
}

// wasiErrno is an errno a WASI guest sees.
type wasiErrno uint32

func (e wasiErrno) String() string {
	switch e {
	case 0:
		return "success"
	case 2:
		return "EACCES"
	case 8:
		return "EBADF"
	case 31:
		return "EISDIR"
	case 32:
		return "ELOOP"
	case 44:
		return "ENOENT"
	case 52:
		return "ENOSYS"
	case 63:
		return "EPERM"
	case 69:
		return "EROFS"
	case 76:
		return "ENOTCAPABLE"
	}
	return fmt.Sprintf("errno %d", uint32(e))
}

const (
	wasiEPERM wasiErrno = 63
	wasiEROFS wasiErrno = 69
)

// guest instantiates testdata/guest.wasm with fsys mounted at /data and
// returns a function calling one of its exports with a path, and the module.
func guest(t *testing.T, fsys experimentalsys.FS) (func(export, path string) wasiErrno, api.Module) {
	t.Helper()
	wasm, err := os.ReadFile("testdata/guest.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	fsc := wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/data")
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithFSConfig(fsc))
	if err != nil {
		t.Fatal(err)
	}
	call := func(export, path string) wasiErrno {
		t.Helper()
		if !mod.Memory().Write(1024, []byte(path)) {
			t.Fatalf("path %q does not fit", path)
		}
		res, err := mod.ExportedFunction(export).Call(ctx, 1024, uint64(len(path)))
		if err != nil {
			t.Fatalf("%s(%q): %v", export, path, err)
		}
		return wasiErrno(res[0])
	}
	return call, mod
}

// lastRead returns what the guest's last successful open_read read.
func lastRead(mod api.Module) string {
	n, _ := mod.Memory().ReadUint32Le(4)
	b, _ := mod.Memory().Read(2048, n)
	return string(b)
}

func TestWASI(t *testing.T) {
	base, mount := layout(t)
	before := snapshot(t, base, mount)
	fsys := newFS(t, mount, false)
	if errno := fsys.Symlink("../outside.txt", "made"); errno != 0 {
		t.Fatal(errno)
	}
	call, mod := guest(t, fsys)

	for _, p := range []string{"inside.txt", "sub/../inside.txt", "ok", "./ok"} {
		if got := call("open_read", p); got != 0 || lastRead(mod) != "inside" {
			t.Errorf("open_read(%q) = %q, read %q, want %q", p, got, lastRead(mod), "inside")
		}
	}
	for _, p := range []string{"new.txt", "sub/new.txt"} {
		if got := call("create_write", p); got != 0 {
			t.Errorf("create_write(%q) = %q, want success", p, got)
		}
		if b, _ := os.ReadFile(filepath.Join(mount, p)); string(b) != "pwned\n" {
			t.Errorf("%s = %q, want %q", p, b, "pwned\n")
		}
	}
	for _, p := range append(attacks, filepath.Join(base, "outside.txt"), "../new.txt", "dirlink/new.txt") {
		if got := call("open_read", p); got != wasiEPERM {
			t.Errorf("open_read(%q) = %q, want %q", p, got, wasiEPERM)
		}
		if got := call("create_write", p); got != wasiEPERM {
			t.Errorf("create_write(%q) = %q, want %q", p, got, wasiEPERM)
		}
	}
	unchanged(t, before, base, mount)
}

func TestWASIReadOnly(t *testing.T) {
	base, mount := layout(t)
	before := snapshot(t, base, "")
	call, mod := guest(t, newFS(t, mount, true))

	if got := call("open_read", "ok"); got != 0 || lastRead(mod) != "inside" {
		t.Errorf("open_read(%q) = %q, read %q, want %q", "ok", got, lastRead(mod), "inside")
	}
	for _, export := range []string{"create_write", "create_rdonly"} {
		for _, p := range []string{"inside.txt", "new.txt", "escape"} {
			if got := call(export, p); got != wasiEROFS {
				t.Errorf("%s(%q) = %q, want %q", export, p, got, wasiEROFS)
			}
		}
	}
	unchanged(t, before, base, "")
}

// TestWASIReaddir lists a directory of 100 files with fd_readdir, a few
// entries at a time, as wasi-libc's readdir does: wazero pages through
// File.Readdir and adds "." and "..".
func TestWASIReaddir(t *testing.T) {
	dir := t.TempDir()
	for i := range 100 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	call, mod := guest(t, newFS(t, dir, false))
	if got := call("opendir", "."); got != 0 {
		t.Fatalf("opendir(%q) = %q, want success", ".", got)
	}
	const bufLen = 200 // room for about 7 entries
	list := func() map[string]int {
		seen := map[string]int{}
		var cookie uint64
		for {
			res, err := mod.ExportedFunction("readdir").Call(context.Background(), cookie, bufLen)
			if err != nil || res[0] != 0 {
				t.Fatalf("readdir(%d) = %v, %q", cookie, err, wasiErrno(res[0]))
			}
			used, _ := mod.Memory().ReadUint32Le(4)
			buf, _ := mod.Memory().Read(4096, used)
			for len(buf) >= 24 { // dirent: d_next, d_ino, d_namlen, d_type
				n := 24 + int(binary.LittleEndian.Uint32(buf[16:]))
				if n > len(buf) {
					break // cut short: read again from cookie
				}
				seen[string(buf[24:n])]++
				cookie = binary.LittleEndian.Uint64(buf)
				buf = buf[n:]
			}
			if used < bufLen {
				return seen
			}
		}
	}
	for pass := range 2 { // the second from cookie 0 again: a rewind
		seen := list()
		want := []string{".", ".."}
		for i := range 100 {
			want = append(want, fmt.Sprintf("f%03d", i))
		}
		for _, name := range want {
			if seen[name] != 1 {
				t.Errorf("pass %d: fd_readdir returned %q %d times, want once", pass, name, seen[name])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("pass %d: fd_readdir returned %d names, want %d", pass, len(seen), len(want))
		}
	}
}

// TestWazeroControl runs the guest against wazero's own DirFS and ReadFS, to
// show that the attacks above reach what they aim at when nothing stops
// them. It only logs what wazero does.
func TestWazeroControl(t *testing.T) {
	_, mount := layout(t)
	dirfs := sysfs.DirFS(mount)
	call, mod := guest(t, dirfs)
	for _, p := range []string{"escape", "abs", "dirlink/outside.txt", "chain"} {
		if got := call("open_read", p); got == 0 {
			t.Logf("wazero DirFS: open_read(%q) read %q", p, lastRead(mod))
		}
	}
	call, _ = guest(t, &sysfs.ReadFS{FS: dirfs})
	if got := call("create_rdonly", "inside.txt"); got == 0 {
		b, _ := os.ReadFile(filepath.Join(mount, "inside.txt"))
		t.Logf("wazero ReadFS: create_rdonly(%q) succeeded; the file now holds %q", "inside.txt", b)
	}
	if got := call("create_rdonly", "new.txt"); got == 0 {
		if _, err := os.Stat(filepath.Join(mount, "new.txt")); err == nil {
			t.Logf("wazero ReadFS: create_rdonly(%q) made the file", "new.txt")
		}
	}
}

// TestFixtures checks that every .wasm in testdata is what wat2wasm makes
// of the .wat beside it.
func TestFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/*.wat", nil)
}
