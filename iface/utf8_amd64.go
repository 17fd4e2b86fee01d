//go:build !purego

package iface

import (
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/cpu"
)

var hasAVX2 = cpu.X86.HasAVX2

// asciiAVX2 reports whether every byte of b is below 0x80; len(b) is a
// multiple of 128 and the CPU has AVX2.
//
//go:noescape
func asciiAVX2(b []byte) bool

// validUTF8 is utf8.Valid, with the runs of ASCII at the start checked 32
// bytes at a time where the CPU has AVX2: the strings that cross between
// nanoprocesses are mostly ASCII, and checking them would otherwise cost
// twice as much as copying them.
func validUTF8(b []byte) bool {
	if hasAVX2 {
		for len(b) >= 128 {
			n := min(len(b), 4096) &^ 127
			if !asciiAVX2(b[:n]) {
				break // utf8.Valid starts at a rune: the bytes before are ASCII
			}
			b = b[n:]
		}
	}
	return utf8.Valid(b)
}

// copyASCIIAVX2 copies src to dst, which do not overlap and are as long,
// and reports whether every byte is below 0x80; len(src) is a multiple of
// 128 and the CPU has AVX2.
//
//go:noescape
func copyASCIIAVX2(dst, src []byte) bool

// copyValidUTF8 copies src to dst, as long, and reports whether the bytes
// are valid UTF-8. Where the CPU has AVX2, the runs of ASCII at the start
// are checked as they are copied, at the speed of the copy.
func copyValidUTF8(dst, src []byte) bool {
	dst = dst[:len(src)]
	if hasAVX2 && len(src) >= 128 && !overlap(dst, src) {
		for len(src) >= 128 {
			n := min(len(src), 4096) &^ 127
			if !copyASCIIAVX2(dst[:n], src[:n]) {
				break // copied again below; utf8.Valid starts at a rune
			}
			dst, src = dst[n:], src[n:]
		}
	}
	copy(dst, src)
	return utf8.Valid(dst)
}

// overlap reports whether a and b, not empty, share bytes.
func overlap(a, b []byte) bool {
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
