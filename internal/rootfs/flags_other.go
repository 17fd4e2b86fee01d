//go:build !unix

package rootfs

// Open flags that package os does not define, missing here. OpenFile checks
// O_DIRECTORY itself.
const (
	oDirectory = 0
	oNonblock  = 0
)
