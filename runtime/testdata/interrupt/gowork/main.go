// Command gowork is the Go guest of BenchmarkInterruptGo: ordinary Go code
// (hashing, compressing, sorting, maps and strings, over 64 KiB of text and
// 10,000 numbers) to weigh wazero's interruption checks on code a compiler
// wrote, not on a loop written to be their worst case. It prints a
// checksum of its work.
package main

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func main() {
	// 64 KiB of compressible pseudo-random text.
	x := uint32(2463534242)
	var text bytes.Buffer
	words := []string{"nano", "process", "key", "grant", "memory", "ceiling", "spawn", "wait"}
	for text.Len() < 64<<10 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		text.WriteString(words[x%8])
		text.WriteByte(' ')
	}
	sum := sha256.Sum256(text.Bytes())
	for range 2 {
		sum = sha256.Sum256(append(sum[:], text.Bytes()...))
	}

	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.DefaultCompression)
	w.Write(text.Bytes())
	w.Close()

	ints := make([]uint32, 10_000)
	for i := range ints {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		ints[i] = x
	}
	slices.Sort(ints)

	m := make(map[string]int)
	for i := range 5_000 {
		m[strconv.Itoa(i*7)] += i
	}
	var sb strings.Builder
	for i := range 1_000 {
		sb.WriteString(strconv.Itoa(m[strconv.Itoa(i*7)]))
	}
	n := strings.Count(sb.String(), "7")

	fmt.Printf("%x %d %d %d\n", sum[:4], z.Len(), ints[len(ints)/2], n)
}
