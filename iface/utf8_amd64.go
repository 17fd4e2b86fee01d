//go:build !purego

package iface

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

var hasAVX2 = cpu.X86.HasAVX2

// copyASCIIAVX2 copies src to dst, which do not overlap and is at least
// as long, and reports whether every byte is below 0x80; the CPU has AVX2.
//
//go:noescape
func copyASCIIAVX2(dst, src []byte) bool

// copyValidUTF8 copies src to dst, as long, and reports whether the bytes
// are valid UTF-8. Where the CPU has AVX2, the bytes are checked for ASCII
// as they are copied, at the speed of the copy, and only a string that is
// not all ASCII is checked again.
func copyValidUTF8(dst, src []byte) bool {
	dst = dst[:len(src)]
	if hasAVX2 && len(src) >= 32 && !overlap(dst, src) {
		return copyASCIIAVX2(dst, src) || validUTF8(dst)
	}
	copy(dst, src)
	return validUTF8(dst)
}

// overlap reports whether a and b, not empty, share bytes.
func overlap(a, b []byte) bool {
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
