package rootfs

import (
	"syscall"
	"unsafe"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// utimeOmit is Linux's UTIME_OMIT, which package syscall does not define.
const utimeOmit = 1<<30 - 2

// utimens sets f's times through its descriptor, as futimens(3) does:
// utimensat(2) with a NULL path.
func (f *file) utimens(atim, mtim int64) experimentalsys.Errno {
	ts := [2]syscall.Timespec{timespec(atim), timespec(mtim)}
	rc, err := f.f.SyscallConn()
	if err != nil {
		return f.fs.errno(err)
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_UTIMENSAT, fd, 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	}); err != nil {
		return f.fs.errno(err)
	}
	if errno != 0 {
		return experimentalsys.UnwrapOSError(errno)
	}
	return 0
}

func timespec(nanos int64) syscall.Timespec {
	if nanos == experimentalsys.UTIME_OMIT {
		return syscall.Timespec{Nsec: utimeOmit}
	}
	return syscall.NsecToTimespec(nanos)
}
