//go:build !purego

package iface

import (
	"unicode/utf8"

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
