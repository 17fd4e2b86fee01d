//go:build !amd64 || purego

package iface

import "unicode/utf8"

// copyValidUTF8 copies src to dst, as long, and reports whether the bytes
// are valid UTF-8.
func copyValidUTF8(dst, src []byte) bool {
	n := copy(dst, src)
	return utf8.Valid(dst[:n])
}
