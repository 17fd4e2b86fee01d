package iface

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// TestCopyValidUTF8 compares copyValidUTF8 and validUTF8 with utf8.Valid on
// ASCII text of many lengths with one non-ASCII byte, a valid rune or an
// invalid sequence placed at every position around the blocks the fast
// path checks; copyValidUTF8 must copy every byte either way.
func TestCopyValidUTF8(t *testing.T) {
	inserts := [][]byte{{0x80}, {0xff}, {0xc3}, {0xc3, 0xa9}, {0xe2, 0x82, 0xac}, {0xf0, 0x9f, 0xa6, 0x80}, {0xed, 0xa0, 0x80}}
	for _, n := range []int{0, 1, 127, 128, 129, 255, 256, 1024, 4095, 4096, 4097, 8192 + 130} {
		ascii := make([]byte, n)
		for i := range ascii {
			ascii[i] = 'a' + byte(i%26)
		}
		check(t, ascii, nil, 0)
		positions := []int{}
		for i := 0; i < n; i++ {
			if i < 300 || i%128 < 4 || i%128 > 123 || i > n-300 {
				positions = append(positions, i)
			}
		}
		for _, in := range inserts {
			for _, i := range positions {
				b := append(append(append([]byte(nil), ascii[:i]...), in...), ascii[i:]...)
				check(t, b, in, i)
				b = append(append([]byte(nil), ascii...), in...)[:n] // overwrite, truncated
				copy(b[i:], in)
				check(t, b, in, i)
			}
		}
	}
}

func check(t *testing.T, b, in []byte, i int) {
	t.Helper()
	want := utf8.Valid(b)
	if got := validUTF8(b); got != want {
		t.Fatalf("validUTF8(%d bytes with % x at %d) = %v, want %v", len(b), in, i, got, want)
	}
	dst := make([]byte, len(b)+1)
	dst[len(b)] = 0xAA
	if got := copyValidUTF8(dst[:len(b)], b); got != want || !bytes.Equal(dst[:len(b)], b) || dst[len(b)] != 0xAA {
		t.Fatalf("copyValidUTF8(%d bytes with % x at %d) = %v, want %v, or copied wrong", len(b), in, i, got, want)
	}
}

// TestCopyValidUTF8Overlap copies within one buffer, as between two
// modules sharing a memory: the copy must be a memmove.
func TestCopyValidUTF8Overlap(t *testing.T) {
	for _, shift := range []int{-200, -1, 1, 33, 200} {
		buf := make([]byte, 2048)
		for i := range buf {
			buf[i] = 'a' + byte(i%26)
		}
		want := bytes.Clone(buf)
		src := buf[512 : 512+1024]
		copy(want[512+shift:], src)
		if !copyValidUTF8(buf[512+shift:512+shift+1024], src) || !bytes.Equal(buf, want) {
			t.Errorf("copy shifted by %d: wrong bytes or not valid", shift)
		}
	}
}

func BenchmarkCopyValidUTF8(b *testing.B) {
	src := make([]byte, 1024)
	for i := range src {
		src[i] = 'a' + byte(i%26)
	}
	dst := make([]byte, len(src))
	b.Run("copyValidUTF8", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			copyValidUTF8(dst, src)
		}
	})
	b.Run("copy+validUTF8", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			copy(dst, src)
			validUTF8(dst)
		}
	})
	b.Run("copy+utf8.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			copy(dst, src)
			utf8.Valid(dst)
		}
	})
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			copy(dst, src)
		}
	})
}
