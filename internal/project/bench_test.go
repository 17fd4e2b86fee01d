package project

import (
	"github.com/nanoproc/nano/lockfile"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkLockExisting(b *testing.B) {
	dir := os.Getenv("NANO_BENCH_APP")
	if dir == "" {
		b.Skip("NANO_BENCH_APP not set")
	}
	for b.Loop() {
		p, err := Load(dir, "")
		if err != nil {
			b.Fatal(err)
		}
		g, err := p.Resolve(nil, nil, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Lock(g); err != nil {
			b.Fatal(err)
		}
	}
	_ = filepath.Join
}

func BenchmarkReadLock(b *testing.B) {
	dir := os.Getenv("NANO_BENCH_APP")
	if dir == "" {
		b.Skip("NANO_BENCH_APP not set")
	}
	for b.Loop() {
		if _, err := lockfile.ReadFile(filepath.Join(dir, "nano.lock")); err != nil {
			b.Fatal(err)
		}
	}
}
