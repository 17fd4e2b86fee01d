package iface

import (
	"encoding/binary"
	"unicode/utf8"
)

// validUTF8 is utf8.Valid, faster through runs of ASCII.
func validUTF8(b []byte) bool {
	const high = 0x8080808080808080
	p := b[:len(b):len(b)]
	for len(p) >= 64 {
		w := binary.LittleEndian.Uint64(p[0:8]) | binary.LittleEndian.Uint64(p[8:16]) |
			binary.LittleEndian.Uint64(p[16:24]) | binary.LittleEndian.Uint64(p[24:32]) |
			binary.LittleEndian.Uint64(p[32:40]) | binary.LittleEndian.Uint64(p[40:48]) |
			binary.LittleEndian.Uint64(p[48:56]) | binary.LittleEndian.Uint64(p[56:64])
		if w&high != 0 {
			break
		}
		p = p[64:]
	}
	return utf8.Valid(p)
}
