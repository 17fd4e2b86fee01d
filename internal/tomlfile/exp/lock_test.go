package exp

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nanoproc/nano/lockfile"
)

func TestLockNonCanonical(t *testing.T) {
	data, err := os.ReadFile("/tmp/cli-tmp/nano-bench-10000/app/nano.lock")
	if err != nil {
		t.Skip(err)
	}
	nc := bytes.Replace(data, []byte("[[package]]"), []byte("[[ package ]]"), 1)
	for _, d := range [][]byte{data, nc} {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		_, err := lockfile.Parse("x", d)
		el := time.Since(start)
		runtime.ReadMemStats(&m1)
		fmt.Printf("%d bytes: %v, alloc %d MB, err %v\n", len(d), el, (m1.TotalAlloc-m0.TotalAlloc)>>20, err)
	}
}
