// Package heap measures the peak heap of a piece of work, for benchmarks
// that report memory against input size.
package heap

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Peak calls f once and returns the most heap its objects took while it
// ran, above what they took before. The heap is sampled every 50µs
// without stopping the world, so work shorter than that may show 0.
func Peak(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: sample[0].Name}}
		tick := time.NewTicker(50 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(s)
			if h := s[0].Value.Uint64(); h > peak.Load() {
				peak.Store(h)
			}
		}
	}()
	f()
	if h := read(); h > peak.Load() {
		peak.Store(h)
	}
	close(done)
	<-stopped
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}
