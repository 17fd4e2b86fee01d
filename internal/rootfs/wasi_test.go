package rootfs

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// TestLookupFile pins what InstantiateWASI reads of wazero's internals
// with reflection: if a wazero upgrade moves them, this fails, and so
// does every path_filestat_get that needs them, loudly.
func TestLookupFile(t *testing.T) {
	_, mount := layout(t)
	fsys := newFS(t, mount, false)
	call, mod := guestWith(t, fsys, InstantiateWASI)

	e, ok, err := lookupFile(mod, 3)
	if err != nil || !ok {
		t.Fatalf("lookupFile(3) = %v, %v: wazero's file table is no longer where nano reads it", ok, err)
	}
	if e.Name != "/data" || !e.IsPreopen || e.FS != fsys || e.File == nil {
		t.Errorf("lookupFile(3) = %+v, want the pre-open /data on the mounted FS", e)
	}
	if got := call("opendir", "sub"); got != 0 {
		t.Fatalf("opendir(sub) = %q", got)
	}
	fd, _ := mod.Memory().ReadUint32Le(0)
	if e, ok, err := lookupFile(mod, int32(fd)); err != nil || !ok || e.Name != "sub" || e.IsPreopen || e.FS != fsys {
		t.Errorf("lookupFile(%d) = %+v, %v, %v, want sub, not a pre-open, on the mounted FS", fd, e, ok, err)
	}
	if e, ok, err := lookupFile(mod, 1); err != nil || !ok || e.FS != nil {
		t.Errorf("lookupFile(1) = %+v, %v, %v, want stdout, with no FS", e, ok, err)
	}
	if _, ok, err := lookupFile(mod, 99); err != nil || ok {
		t.Errorf("lookupFile(99) = %v, %v, want not open", ok, err)
	}
	if _, _, err := lookupFile(fakeModule{}, 3); err == nil {
		t.Errorf("lookupFile(a module of another type) succeeded, want an error")
	}
}

// fakeModule is an api.Module that is not wazero's.
type fakeModule struct{ api.Module }

// filestat is what path_filestat_get wrote.
type filestat struct {
	errno    wasiErrno
	ino      uint64
	filetype uint64
	size     uint64
	raw      string
}

// statAt calls the guest's stat_at.
func statAt(t *testing.T, mod api.Module, fd int32, flags uint32, p string) filestat {
	t.Helper()
	mod.Memory().Write(512, make([]byte, 64))
	mod.Memory().Write(1024, []byte(p))
	res, err := mod.ExportedFunction("stat_at").Call(context.Background(), uint64(fd), uint64(flags), 1024, uint64(len(p)))
	if err != nil {
		t.Fatalf("stat_at(%d, %q): %v", fd, p, err)
	}
	b, _ := mod.Memory().Read(512, 64)
	le := binary.LittleEndian
	return filestat{wasiErrno(res[0]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[32:]), string(b)}
}

// openDir opens p under fd 3 with the guest's opendir and returns its fd.
func openDir(t *testing.T, call func(export, path string) wasiErrno, mod api.Module, p string) int32 {
	t.Helper()
	if got := call("opendir", p); got != 0 {
		t.Fatalf("opendir(%q) = %q, want success", p, got)
	}
	fd, _ := mod.Memory().ReadUint32Le(0)
	return int32(fd)
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestFilestatUp stats ".." and paths through it from directories inside
// a mount, with wazero's path_filestat_get and with nano's: wazero refuses
// them all, nano resolves those that stay inside the mount.
func TestFilestatUp(t *testing.T) {
	base, mount := layout(t)
	if err := os.MkdirAll(filepath.Join(mount, "sub", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, base, mount)
	const (
		dir     = 3 // WASI filetypes
		regular = 4
		symlink = 7
	)
	rootIno, subIno := inode(t, mount), inode(t, filepath.Join(mount, "sub"))

	type want struct {
		errno    wasiErrno
		filetype uint64
		ino      uint64
	}
	ok := func(filetype, ino uint64) want { return want{0, filetype, ino} }
	eperm := want{errno: wasiEPERM}
	for _, fsys := range []struct {
		name     string
		readOnly bool
	}{{"rw", false}, {"ro", true}} {
		t.Run(fsys.name, func(t *testing.T) {
			call, mod := guestWith(t, newFS(t, mount, fsys.readOnly), InstantiateWASI)
			wcall, wmod := guestWith(t, newFS(t, mount, fsys.readOnly), wasi_snapshot_preview1.Instantiate)
			fds := map[string][2]int32{}
			for _, d := range []string{"sub", "sublink", "sub/deeper", "."} {
				fds[d] = [2]int32{openDir(t, call, mod, d), openDir(t, wcall, wmod, d)}
			}
			fds["mount"] = [2]int32{3, 3}
			for _, tt := range []struct {
				dir   string
				flags uint32
				path  string
				nano  want
			}{
				{"sub", 0, "..", ok(dir, rootIno)},
				{"sub", 1, "..", ok(dir, rootIno)},
				{"sub", 0, "../", ok(dir, rootIno)},
				{"sub", 0, "../inside.txt", ok(regular, inode(t, filepath.Join(mount, "inside.txt")))},
				{"sub", 0, "../sub/../..", eperm},
				{"sub", 0, "../escape", ok(symlink, 0)}, // the link itself, inside
				{"sub", 1, "../escape", eperm},          // what it points to, outside
				{"sub", 1, "../dirlink", eperm},
				{"sub", 0, "../nope", want{errno: 44}}, // ENOENT
				{"sub", 0, "../inside.txt/", want{errno: 54}},
				{"sub", 0, "../..", eperm},
				{"sub", 0, "nope/../..", want{errno: 44}}, // resolved as the host would: nope is missing
				{"mount", 0, "nope/../..", want{errno: 44}},
				{"sub", 0, "../../outside.txt", eperm},
				{"sub", 0, "../../mount/inside.txt", eperm}, // out and back in
				{"sub/deeper", 0, "..", ok(dir, subIno)},
				{"sub/deeper", 0, "../..", ok(dir, rootIno)},
				{"sub/deeper", 0, "../../..", eperm},
				{"sublink", 0, "..", ok(dir, rootIno)}, // the link's target's parent
				{"sublink", 0, "../sub/deeper", ok(dir, inode(t, filepath.Join(mount, "sub", "deeper")))},
				{".", 0, "..", eperm},
				{".", 0, "../outside.txt", eperm},
				{"mount", 0, "..", eperm},
				{"mount", 0, "../outside.txt", eperm},
				{"mount", 0, "sub/../..", eperm},
			} {
				fd := fds[tt.dir]
				got, wgot := statAt(t, mod, fd[0], tt.flags, tt.path), statAt(t, wmod, fd[1], tt.flags, tt.path)
				if wgot.errno != wasiEPERM {
					t.Errorf("wazero: stat_at(%s, %d, %q) = %q, want %q (wazero refuses every path that starts with ..)", tt.dir, tt.flags, tt.path, wgot.errno, wasiEPERM)
				}
				if got.errno != tt.nano.errno || got.errno == 0 && (got.filetype != tt.nano.filetype || tt.nano.ino != 0 && got.ino != tt.nano.ino) {
					t.Errorf("nano: stat_at(%s, %d, %q) = %q type %d ino %d, want %q type %d ino %d",
						tt.dir, tt.flags, tt.path, got.errno, got.filetype, got.ino, tt.nano.errno, tt.nano.filetype, tt.nano.ino)
				}
			}

			// Every other path gets what wazero gives, byte for byte.
			for _, d := range []string{"mount", "sub", "sublink", "."} {
				for _, p := range []string{"", ".", "inside.txt", "./inside.txt", "sub", "sub/", "sublink", "escape", "dirlink",
					"abs", "ok", "nope", "inside.txt/", "sub/../inside.txt", "/etc", "/", "deeper", "hop"} {
					for _, flags := range []uint32{0, 1} {
						got, wgot := statAt(t, mod, fds[d][0], flags, p), statAt(t, wmod, fds[d][1], flags, p)
						if got != wgot {
							t.Errorf("stat_at(%s, %d, %q): nano %q type %d, wazero %q type %d: want the same", d, flags, p, got.errno, got.filetype, wgot.errno, wgot.filetype)
						}
					}
				}
			}
			for _, fd := range []int32{0, 1, 2, 42, -1} {
				got, wgot := statAt(t, mod, fd, 0, "inside.txt"), statAt(t, wmod, fd, 0, "inside.txt")
				if got != wgot {
					t.Errorf("stat_at(%d, inside.txt): nano %q, wazero %q: want the same", fd, got.errno, wgot.errno)
				}
			}
			if got := statAt(t, mod, 42, 0, ".."); got.errno != wasiEPERM {
				t.Errorf("nano: stat_at(42, ..) = %q, want %q, as wazero", got.errno, wasiEPERM)
			}
			if got := statAt(t, mod, 1, 0, ".."); got.errno != wasiEPERM {
				t.Errorf("nano: stat_at(stdout, ..) = %q, want %q", got.errno, wasiEPERM)
			}
		})
	}
	unchanged(t, before, base, mount)
}

// TestFilestatUpOtherFS checks that nano's path_filestat_get lets ".."
// through only to a filesystem of this package: on wazero's DirFS, whose
// paths the host kernel resolves, it stays EPERM.
func TestFilestatUpOtherFS(t *testing.T) {
	_, mount := layout(t)
	call, mod := guestWith(t, sysfs.DirFS(mount), InstantiateWASI)
	fd := openDir(t, call, mod, "sub")
	if got := statAt(t, mod, fd, 0, ".."); got.errno != wasiEPERM {
		t.Errorf("stat_at(sub, ..) on DirFS = %q, want %q", got.errno, wasiEPERM)
	}
}

// TestInstantiateWASI checks that nano's WASI module has every function
// wazero's has, with the same signatures.
func TestInstantiateWASI(t *testing.T) {
	ctx := context.Background()
	list := func(wasi func(context.Context, wazero.Runtime) (api.Closer, error)) []string {
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		if _, err := wasi(ctx, rt); err != nil {
			t.Fatal(err)
		}
		m := rt.Module(wasi_snapshot_preview1.ModuleName)
		var out []string
		for name, def := range m.ExportedFunctionDefinitions() {
			out = append(out, name+" "+fmtTypes(def.ParamTypes())+" "+fmtTypes(def.ResultTypes()))
		}
		slices.Sort(out)
		return out
	}
	got, want := list(InstantiateWASI), list(wasi_snapshot_preview1.Instantiate)
	if !slices.Equal(got, want) {
		t.Errorf("nano's WASI exports\n%q\nwazero's\n%q", got, want)
	}
}

func fmtTypes(ts []api.ValueType) string {
	var b []byte
	for _, t := range ts {
		b = append(b, api.ValueTypeName(t)...)
		b = append(b, ',')
	}
	return string(b)
}

var _ experimentalsys.FS = (*rootFS)(nil)
