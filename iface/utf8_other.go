//go:build !amd64 || purego

package iface

import "unicode/utf8"

// validUTF8 is utf8.Valid.
func validUTF8(b []byte) bool { return utf8.Valid(b) }
