// fsprobe is a WASI command that tries what it is told and prints one line
// per operation: "ok", "ok RESULT" or "err: ERROR". Its arguments are the
// operations; without arguments (as a child, whose arguments nano fixes) it
// reads them from stdin, whitespace-separated.
//
//	write PATH TEXT   read PATH    mkdir PATH    remove PATH
//	symlink TARGET LINK            rename OLD NEW
//	ls DIR   env NAME   time   rand   stdin
//
// The plain operations go through Go's os package, which cleans paths before
// WASI sees them. Each has a raw twin (rwrite, rread, rmkdir, rremove,
// rsymlink, rrename; and rlink OLD NEW, path_link following symlinks, and
// rstat PATH, path_filestat_get following symlinks, printing the size) that
// hands the path to WASI verbatim: "/SLOT/REST" goes to the preopen of /SLOT
// as "REST", ".." and all; any other path goes to the first preopen as it
// is, leading "/" included.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

var arity = map[string]int{
	"write": 2, "read": 1, "mkdir": 1, "remove": 1, "symlink": 2, "rename": 2,
	"rwrite": 2, "rread": 1, "rmkdir": 1, "rremove": 1, "rsymlink": 2, "rrename": 2, "rlink": 2, "rstat": 1, "ls": 1,
	"env": 1, "time": 0, "rand": 0, "stdin": 0,
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		in, _ := io.ReadAll(os.Stdin)
		args = strings.Fields(string(in))
	}
	for len(args) > 0 {
		op := args[0]
		n, ok := arity[op]
		if !ok || len(args) < 1+n {
			fmt.Printf("err: bad op %q\n", op)
			return
		}
		fmt.Println(do(op, args[1:1+n]))
		args = args[1+n:]
	}
}

func result(s string, err error) string {
	if err != nil {
		return "err: " + err.Error()
	}
	if s == "" {
		return "ok"
	}
	return "ok " + s
}

func do(op string, a []string) string {
	switch op {
	case "write":
		return result("", os.WriteFile(a[0], []byte(a[1]), 0o644))
	case "read":
		b, err := os.ReadFile(a[0])
		return result(string(b), err)
	case "mkdir":
		return result("", os.Mkdir(a[0], 0o755))
	case "remove":
		return result("", os.Remove(a[0]))
	case "symlink":
		return result("", os.Symlink(a[0], a[1]))
	case "rename":
		return result("", os.Rename(a[0], a[1]))
	case "rwrite":
		fd, rel := resolve(a[0])
		f, err := syscall.Openat(fd, rel, syscall.O_CREAT|syscall.O_WRONLY|syscall.O_TRUNC, 0o644)
		if err != nil {
			return result("", err)
		}
		defer syscall.Close(f)
		_, err = syscall.Write(f, []byte(a[1]))
		return result("", err)
	case "rread":
		fd, rel := resolve(a[0])
		f, err := syscall.Openat(fd, rel, syscall.O_RDONLY, 0)
		if err != nil {
			return result("", err)
		}
		defer syscall.Close(f)
		buf := make([]byte, 4096)
		n, err := syscall.Read(f, buf)
		return result(string(buf[:max(n, 0)]), err)
	case "rmkdir":
		fd, rel := resolve(a[0])
		p := []byte(rel)
		return result("", errno(pathCreateDirectory(int32(fd), ptr(p), uint32(len(p))), p))
	case "rremove":
		fd, rel := resolve(a[0])
		p := []byte(rel)
		return result("", errno(pathUnlinkFile(int32(fd), ptr(p), uint32(len(p))), p))
	case "rsymlink":
		fd, rel := resolve(a[1])
		t, p := []byte(a[0]), []byte(rel)
		return result("", errno(pathSymlink(ptr(t), uint32(len(t)), int32(fd), ptr(p), uint32(len(p))), t, p))
	case "rrename":
		fd, rel := resolve(a[0])
		nfd, nrel := resolve(a[1])
		p, q := []byte(rel), []byte(nrel)
		return result("", errno(pathRename(int32(fd), ptr(p), uint32(len(p)), int32(nfd), ptr(q), uint32(len(q))), p, q))
	case "rlink":
		fd, rel := resolve(a[0])
		nfd, nrel := resolve(a[1])
		p, q := []byte(rel), []byte(nrel)
		return result("", errno(pathLink(int32(fd), 1, ptr(p), uint32(len(p)), int32(nfd), ptr(q), uint32(len(q))), p, q))
	case "rstat":
		fd, rel := resolve(a[0])
		p := []byte(rel)
		var st [8]uint64 // dev, ino, filetype, nlink, size, atim, mtim, ctim
		if err := errno(pathFilestatGet(int32(fd), 1, ptr(p), uint32(len(p)), unsafe.Pointer(&st)), p); err != nil {
			return result("", err)
		}
		return result(fmt.Sprint(st[4]), nil)
	case "ls":
		es, err := os.ReadDir(a[0])
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return result(strings.Join(names, ","), err)
	case "env":
		v, ok := os.LookupEnv(a[0])
		if !ok {
			return "err: not set"
		}
		return "ok " + v
	case "time":
		return result(fmt.Sprint(time.Now().Unix()), nil)
	case "rand":
		b := make([]byte, 8)
		_, err := rand.Read(b)
		return result(hex.EncodeToString(b), err)
	case "stdin":
		b, err := io.ReadAll(os.Stdin)
		return result(fmt.Sprint(len(b)), err)
	}
	return "err: unknown op"
}

// resolve maps a path to a preopened directory and a path relative to it,
// without cleaning anything.
func resolve(path string) (int, string) {
	pre := preopens()
	if rest, ok := strings.CutPrefix(path, "/"); ok {
		slot, rel, _ := strings.Cut(rest, "/")
		if fd, ok := pre["/"+slot]; ok {
			if rel == "" {
				rel = "."
			}
			return fd, rel
		}
	}
	first := 3
	for _, fd := range pre {
		if first == 3 || fd < first {
			first = fd
		}
	}
	return first, path
}

func preopens() map[string]int {
	m := map[string]int{}
	for fd := int32(3); fd < 64; fd++ {
		var st [2]uint32 // tag (u8, padded), name length
		if fdPrestatGet(fd, unsafe.Pointer(&st)) != 0 {
			continue
		}
		name := make([]byte, st[1])
		if st[1] > 0 && fdPrestatDirName(fd, ptr(name), st[1]) != 0 {
			continue
		}
		m[string(name)] = int(fd)
	}
	return m
}

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return unsafe.Pointer(&b)
	}
	return unsafe.Pointer(&b[0])
}

func errno(e uint32, keep ...[]byte) error {
	runtime.KeepAlive(keep)
	if e != 0 {
		return syscall.Errno(e)
	}
	return nil
}

//go:wasmimport wasi_snapshot_preview1 fd_prestat_get
func fdPrestatGet(fd int32, buf unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_dir_name
func fdPrestatDirName(fd int32, buf unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_create_directory
func pathCreateDirectory(fd int32, path unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_unlink_file
func pathUnlinkFile(fd int32, path unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_symlink
func pathSymlink(target unsafe.Pointer, tn uint32, fd int32, path unsafe.Pointer, n uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_rename
func pathRename(fd int32, old unsafe.Pointer, on uint32, nfd int32, new unsafe.Pointer, nn uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_link
func pathLink(fd int32, flags uint32, old unsafe.Pointer, on uint32, nfd int32, new unsafe.Pointer, nn uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_filestat_get
func pathFilestatGet(fd int32, flags uint32, path unsafe.Pointer, n uint32, buf unsafe.Pointer) uint32
