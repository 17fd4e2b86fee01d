//go:build !amd64 || purego

package iface

// copyValidUTF8 copies src to dst, as long, and reports whether the bytes
// are valid UTF-8.
func copyValidUTF8(dst, src []byte) bool {
	n := copy(dst, src)
	return validUTF8(dst[:n])
}
