package project

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/nanoproc/nano/internal/heap"
	"github.com/nanoproc/nano/internal/synth"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// The benchmarks run on synthetic registries (internal/synth): n packages,
// three versions each, about five dependencies each, keys on about a third.
// Generating 50,000 packages takes a while, so registries are kept in the
// temporary directory between runs.
//
//	go test ./internal/project/ -run '^$' -bench . -benchtime 5x

func synthApp(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("nano-bench-%d", n))
	app := filepath.Join(dir, "app")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return app
	}
	os.RemoveAll(dir)
	if _, err := synth.Generate(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return app
}

// lock does what nano lock does, with or without an existing nano.lock.
func lock(b *testing.B, app string, existing bool) *lockfile.Lock {
	p, err := Load(app, "")
	if err != nil {
		b.Fatal(err)
	}
	var old *lockfile.Lock
	if existing {
		if old, err = p.ReadLock(); err != nil {
			b.Fatal(err)
		}
	}
	g, err := p.Resolve(old, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	l, err := p.Lock(g)
	if err != nil {
		b.Fatal(err)
	}
	if err := CheckDigests(old, l); err != nil {
		b.Fatal(err)
	}
	if err := lockfile.WriteFile(p.LockPath(), l); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkLock measures nano lock cold (no nano.lock) and warm (keeping
// an existing nano.lock) side by side, at three sizes to show how the time
// grows.
//
// The garbage collector runs at GOGC=400 with a 1 GiB soft limit, as in
// the nano command.
func BenchmarkLock(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	for _, n := range []int{1000, 10000, 50000} {
		app := synthApp(b, n)
		for _, warm := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/cold", n)
			if warm {
				name = fmt.Sprintf("n=%d/warm", n)
				lock(b, app, false)
			}
			b.Run(name, func(b *testing.B) {
				if !warm {
					os.Remove(filepath.Join(app, LockFile))
				}
				var peak float64
				for b.Loop() {
					if !warm {
						b.StopTimer()
						os.Remove(filepath.Join(app, LockFile))
						b.StartTimer()
					}
					peak = max(peak, float64(heap.Peak(func() { lock(b, app, warm) }))/(1<<20))
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/pkg")
				b.ReportMetric(peak, "peak-heap-MB")
			})
		}
	}
}

// BenchmarkAudit measures nano audit --base-lock of two 10,000-package
// lockfiles that differ in 1% of packages (a minor bump adding a key), side
// by side: the capability diff alone, from memory and from the files, and
// the whole command, which also checks nano.lock against the tree
// (re-resolving it and hashing every package's files) and every module's
// imports.
//
//	go test ./internal/project/ -run '^$' -bench Audit -benchtime 5x -count 5
func BenchmarkAudit(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	const n = 10000
	app := synthApp(b, n)
	base := lock(b, app, false)
	head, err := lockfile.Parse("head", base.Marshal())
	if err != nil {
		b.Fatal(err)
	}
	changed := 0
	for i, p := range head.Packages {
		if i%100 != 50 {
			continue
		}
		v := p.Version.IncMinor()
		p.Version = &v
		p.Keys = policy.NewSet(append(p.Keys, policy.Key{Kind: policy.Net, Name: "exfil.example", Port: "443"})...)
		changed++
	}
	head, err = lockfile.Parse("head", renameIDs(base, head).Marshal())
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for name, l := range map[string]*lockfile.Lock{"base.lock": base, "head.lock": head} {
		if err := os.WriteFile(filepath.Join(dir, name), l.Marshal(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var findings int
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			findings = len(Changes(base, head))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/audit")
		b.ReportMetric(float64(findings), "findings")
	})
	b.Run("files", func(b *testing.B) {
		for b.Loop() {
			old, err := lockfile.ReadFile(filepath.Join(dir, "base.lock"))
			if err != nil {
				b.Fatal(err)
			}
			cur, err := lockfile.ReadFile(filepath.Join(dir, "head.lock"))
			if err != nil {
				b.Fatal(err)
			}
			findings = len(Changes(old, cur))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/audit")
		b.ReportMetric(float64(changed), "changed-pkgs")
	})
	// The command audits the tree's nano.lock (base, as locked) against
	// head: the same diff, seen from the other side.
	if err := os.WriteFile(filepath.Join(dir, "head.lock"), head.Marshal(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("command", func(b *testing.B) {
		var peak float64
		for b.Loop() {
			peak = max(peak, float64(heap.Peak(func() {
				p, err := Load(app, "")
				if err != nil {
					b.Fatal(err)
				}
				fs, err := p.Audit(AuditOptions{
					ReadBase: func() (*lockfile.Lock, error) { return lockfile.ReadFile(filepath.Join(dir, "head.lock")) },
					Today:    time.Now(),
				})
				if err != nil {
					b.Fatal(err)
				}
				findings = len(fs)
			}))/(1<<20))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/audit")
		b.ReportMetric(float64(findings), "findings")
		b.ReportMetric(peak, "peak-heap-MB")
	})
}

// renameIDs rewrites the package IDs in head's dependencies and edges after
// its versions were bumped.
func renameIDs(base, head *lockfile.Lock) *lockfile.Lock {
	ids := map[string]string{}
	for i, p := range head.Packages {
		ids[base.Packages[i].ID()] = p.ID()
	}
	for _, p := range head.Packages {
		for i, d := range p.Dependencies {
			p.Dependencies[i] = ids[d]
		}
	}
	for _, e := range head.Edges {
		e.Parent, e.Child = ids[e.Parent], ids[e.Child]
	}
	return head
}
