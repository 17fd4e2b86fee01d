//go:build unix

package rootfs

import "syscall"

// Open flags that package os does not define.
const (
	oDirectory = syscall.O_DIRECTORY
	oNonblock  = syscall.O_NONBLOCK
)
