package rootfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// InstantiateWASI instantiates WASI preview1 in rt: wazero's functions,
// with nano's path_filestat_get in place of wazero's.
//
// wazero's *at functions clean the guest's path and refuse with EPERM any
// that starts with "..", before the filesystem sees it, even from a
// sub-directory where ".." stays inside the mount: fstatat(dirfd, "..")
// fails, and programs that walk a tree assert on it. nano's
// path_filestat_get lets such a path through to a filesystem of this
// package, which resolves it, symbolic links included, and refuses it
// with EPERM only if it leaves the mount. Every other path, and every path
// on any other filesystem, goes to wazero's own function.
func InstantiateWASI(ctx context.Context, rt wazero.Runtime) (api.Closer, error) {
	wazeroFilestat.once.Do(func() {
		wazeroFilestat.fn, wazeroFilestat.err = wazeroFunc(ctx, rt, "path_filestat_get")
	})
	orig, err := wazeroFilestat.fn, wazeroFilestat.err
	if err != nil {
		return nil, err
	}
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().
		WithGoModuleFunction(&pathFilestatGet{orig}, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("fd", "flags", "path", "path_len", "result.filestat").
		WithResultNames("errno").
		Export("path_filestat_get")
	return b.Instantiate(ctx)
}

// wazeroFilestat is wazero's path_filestat_get, found once: it is the same
// function in every runtime.
var wazeroFilestat struct {
	once sync.Once
	fn   api.GoModuleFunction
	err  error
}

// wazeroFunc returns wazero's implementation of the WASI function name,
// from a compiled (never instantiated) copy of its host module.
func wazeroFunc(ctx context.Context, rt wazero.Runtime, name string) (api.GoModuleFunction, error) {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	cm, err := b.Compile(ctx)
	if err != nil {
		return nil, err
	}
	defer cm.Close(ctx)
	def := cm.ExportedFunctions()[name]
	if def == nil {
		return nil, fmt.Errorf("wazero's WASI has no %s", name)
	}
	fn, ok := def.GoFunction().(api.GoModuleFunction)
	if !ok {
		return nil, fmt.Errorf("wazero's WASI %s is a %T, not a GoModuleFunction", name, def.GoFunction())
	}
	return fn, nil
}

// pathFilestatGet is path_filestat_get(fd, flags, path, path_len,
// result.filestat) -> errno.
type pathFilestatGet struct{ wazero api.GoModuleFunction }

// Call implements api.GoModuleFunction.
func (f *pathFilestatGet) Call(ctx context.Context, mod api.Module, stack []uint64) {
	fd, flags := int32(stack[0]), uint32(stack[1])
	p, ok := mod.Memory().Read(uint32(stack[2]), uint32(stack[3]))
	if !ok || !up(string(p)) {
		f.wazero.Call(ctx, mod, stack)
		return
	}
	e, ok, err := lookupFile(mod, fd)
	if err != nil {
		panic(fmt.Errorf("path_filestat_get: %v", err)) // wazero changed: fail loudly
	}
	if !ok || !confined(e.FS) {
		f.wazero.Call(ctx, mod, stack) // EBADF, or EPERM as wazero does
		return
	}
	stack[0] = uint64(toWASIErrno(filestatUp(mod.Memory(), e, flags, string(p), uint32(stack[4]))))
}

// up reports whether wazero refuses p because, cleaned, it starts with "..".
func up(p string) bool {
	c := path.Clean(p)
	return c == ".." || strings.HasPrefix(c, "../")
}

// filestatUp stats p, which starts with "..", under the directory e and
// writes the filestat at out. p is not cleaned: the filesystem resolves
// "..", after symbolic links, as the host would, and refuses with EPERM
// what leaves the mount.
func filestatUp(mem api.Memory, e fileEntry, flags uint32, p string, out uint32) experimentalsys.Errno {
	if isDir, errno := e.File.IsDir(); errno != 0 {
		return errno
	} else if !isDir {
		return experimentalsys.ENOTDIR
	}
	if !e.IsPreopen {
		p = e.Name + "/" + p // as wazero joins; the name is relative to the mount
	}
	stat := e.FS.Lstat
	if flags&lookupSymlinkFollow != 0 {
		stat = e.FS.Stat
	}
	st, errno := stat(p)
	if errno != 0 {
		return errno
	}
	buf, ok := mem.Read(out, 64)
	if !ok {
		return experimentalsys.EFAULT
	}
	// filestat: dev, ino, filetype, nlink, size, atim, mtim, ctim.
	le := binary.LittleEndian
	le.PutUint64(buf, st.Dev)
	le.PutUint64(buf[8:], st.Ino)
	le.PutUint64(buf[16:], uint64(filetype(st.Mode)))
	le.PutUint64(buf[24:], st.Nlink)
	le.PutUint64(buf[32:], uint64(st.Size))
	le.PutUint64(buf[40:], uint64(st.Atim))
	le.PutUint64(buf[48:], uint64(st.Mtim))
	le.PutUint64(buf[56:], uint64(st.Ctim))
	return 0
}

// lookupSymlinkFollow is WASI's lookupflags.symlink_follow.
const lookupSymlinkFollow = 1

// filetype returns the WASI filetype of a mode, as wazero does.
func filetype(m fs.FileMode) uint8 {
	switch {
	case m.IsRegular():
		return 4 // regular_file
	case m.IsDir():
		return 3 // directory
	case m&fs.ModeSymlink != 0:
		return 7 // symbolic_link
	case m&fs.ModeCharDevice != 0:
		return 2 // character_device
	case m&fs.ModeDevice != 0:
		return 1 // block_device
	}
	return 0 // unknown
}

// toWASIErrno returns the WASI errno of errno, as wazero maps them.
func toWASIErrno(errno experimentalsys.Errno) uint32 {
	switch errno {
	case 0:
		return 0
	case experimentalsys.EACCES:
		return 2
	case experimentalsys.EAGAIN:
		return 6
	case experimentalsys.EBADF:
		return 8
	case experimentalsys.EEXIST:
		return 20
	case experimentalsys.EFAULT:
		return 21
	case experimentalsys.EINTR:
		return 27
	case experimentalsys.EINVAL:
		return 28
	case experimentalsys.EIO:
		return 29
	case experimentalsys.EISDIR:
		return 31
	case experimentalsys.ELOOP:
		return 32
	case experimentalsys.ENAMETOOLONG:
		return 37
	case experimentalsys.ENOENT:
		return 44
	case experimentalsys.ENOSYS:
		return 52
	case experimentalsys.ENOTDIR:
		return 54
	case experimentalsys.ENOTEMPTY:
		return 55
	case experimentalsys.ENOTSOCK:
		return 57
	case experimentalsys.ENOTSUP:
		return 58
	case experimentalsys.EPERM:
		return 63
	case experimentalsys.ERANGE:
		return 68
	case experimentalsys.EROFS:
		return 69
	}
	return 29 // EIO
}

// confined reports whether fsys is a filesystem of this package, which no
// path leads out of.
func confined(fsys experimentalsys.FS) bool {
	switch fsys.(type) {
	case *rootFS, *readOnlyFS:
		return true
	}
	return false
}

// A fileEntry is what wazero knows of a guest's file descriptor: the
// exported fields of its internal/sys.FileEntry.
type fileEntry struct {
	// Name is the directory's path relative to its mount, as wazero joins
	// it, or the mount's guest path when IsPreopen.
	Name      string
	IsPreopen bool
	FS        experimentalsys.FS
	File      experimentalsys.File
}

// lookupFile returns wazero's entry for the guest's file descriptor fd in
// mod, the module that called a host function, and whether fd is open.
//
// wazero keeps its file table in internal packages, but mod's concrete
// type (*wasm.ModuleInstance) has an exported field Sys whose FS method
// returns the table, with an exported LookupFile method returning an entry
// with exported fields. They are reached with package reflect, which
// reads no unexported field. An error means that wazero changed them;
// TestLookupFile pins them.
func lookupFile(mod api.Module, fd int32) (fileEntry, bool, error) {
	v := reflect.ValueOf(mod)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fileEntry{}, false, fmt.Errorf("the calling module is a %T, not a pointer to wazero's module instance", mod)
	}
	sys := v.Elem().FieldByName("Sys")
	if !sys.IsValid() || sys.Kind() != reflect.Pointer || sys.IsNil() {
		return fileEntry{}, false, fmt.Errorf("%T has no Sys context", mod)
	}
	fsm := sys.MethodByName("FS")
	if !fsm.IsValid() || fsm.Type().NumIn() != 0 || fsm.Type().NumOut() != 1 {
		return fileEntry{}, false, fmt.Errorf("%s has no method FS()", sys.Type())
	}
	fsc := fsm.Call(nil)[0]
	lookup := fsc.MethodByName("LookupFile")
	if !lookup.IsValid() || lookup.Type().NumIn() != 1 || lookup.Type().In(0).Kind() != reflect.Int32 ||
		lookup.Type().NumOut() != 2 || lookup.Type().Out(1).Kind() != reflect.Bool {
		return fileEntry{}, false, fmt.Errorf("%s has no method LookupFile(int32) (entry, bool)", fsc.Type())
	}
	res := lookup.Call([]reflect.Value{reflect.ValueOf(fd).Convert(lookup.Type().In(0))})
	if !res[1].Bool() {
		return fileEntry{}, false, nil
	}
	entry := res[0]
	if entry.Kind() != reflect.Pointer || entry.IsNil() || entry.Elem().Kind() != reflect.Struct {
		return fileEntry{}, false, fmt.Errorf("LookupFile returned a %s", entry.Type())
	}
	entry = entry.Elem()
	var e fileEntry
	var errs []error
	field := func(name string, kind reflect.Kind) reflect.Value {
		f := entry.FieldByName(name)
		if !f.IsValid() || f.Kind() != kind || !f.CanInterface() {
			errs = append(errs, fmt.Errorf("%s has no exported %s field %s", entry.Type(), kind, name))
			return reflect.Value{}
		}
		return f
	}
	if f := field("Name", reflect.String); f.IsValid() {
		e.Name = f.String()
	}
	if f := field("IsPreopen", reflect.Bool); f.IsValid() {
		e.IsPreopen = f.Bool()
	}
	if f := field("FS", reflect.Interface); f.IsValid() && !f.IsNil() {
		var ok bool
		if e.FS, ok = f.Interface().(experimentalsys.FS); !ok {
			errs = append(errs, fmt.Errorf("%s.FS is not a sys.FS", entry.Type()))
		}
	}
	if f := field("File", reflect.Interface); f.IsValid() && !f.IsNil() {
		var ok bool
		if e.File, ok = f.Interface().(experimentalsys.File); !ok {
			errs = append(errs, fmt.Errorf("%s.File is not a sys.File", entry.Type()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fileEntry{}, false, err
	}
	if e.File == nil {
		return fileEntry{}, false, fmt.Errorf("%s.File is nil", entry.Type())
	}
	return e, true, nil
}
