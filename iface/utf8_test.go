package iface

import (
	"testing"
	"unicode/utf8"
)

// TestValidUTF8 compares validUTF8 with utf8.Valid on ASCII text of many
// lengths with one non-ASCII byte, a valid rune or an invalid sequence
// placed at every position around the blocks the fast path checks.
func TestValidUTF8(t *testing.T) {
	inserts := [][]byte{{0x80}, {0xff}, {0xc3}, {0xc3, 0xa9}, {0xe2, 0x82, 0xac}, {0xf0, 0x9f, 0xa6, 0x80}, {0xed, 0xa0, 0x80}}
	for _, n := range []int{0, 1, 127, 128, 129, 255, 256, 1024, 4095, 4096, 4097, 8192 + 130} {
		ascii := make([]byte, n)
		for i := range ascii {
			ascii[i] = 'a' + byte(i%26)
		}
		if !validUTF8(ascii) {
			t.Fatalf("validUTF8(%d ASCII bytes) = false", n)
		}
		positions := []int{}
		for i := 0; i < n; i++ {
			if i < 300 || i%128 < 4 || i%128 > 123 || i > n-300 {
				positions = append(positions, i)
			}
		}
		for _, in := range inserts {
			for _, i := range positions {
				b := append(append(append([]byte(nil), ascii[:i]...), in...), ascii[i:]...)
				if got, want := validUTF8(b), utf8.Valid(b); got != want {
					t.Fatalf("validUTF8(%d bytes with % x at %d) = %v, want %v", len(b), in, i, got, want)
				}
				b = append(append([]byte(nil), ascii...), in...)[:n] // overwrite, truncated
				copy(b[i:], in)
				if got, want := validUTF8(b), utf8.Valid(b); got != want {
					t.Fatalf("validUTF8(%d bytes with % x over %d) = %v, want %v", len(b), in, i, got, want)
				}
			}
		}
	}
}

func BenchmarkValidUTF8(b *testing.B) {
	text := make([]byte, 1024)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	b.Run("validUTF8", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			validUTF8(text)
		}
	})
	b.Run("utf8.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			utf8.Valid(text)
		}
	})
}
