package runtime

import (
	"context"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/runtime/process"
)

// spawnBundle is a parent that spawns child, handing it the three keys
// spawner.wat hands: fs:tmp=data/jobs:rw, env:LANG and clock.
func spawnBundle(tb testing.TB, parent, child string, extra ...string) (*Process, string) {
	tb.Helper()
	keys := append([]string{"fs:tmp=data/jobs:rw", "env:LANG", "clock"}, extra...)
	bundle := bundleOf(
		instSpec{path: "acme:parent > acme:child", wasm: readWasm(tb, child), keys: keys, grant: keys},
		instSpec{path: "acme:parent", wasm: readWasm(tb, parent), keys: []string{"fs:data=data:rw", "env:LANG", "clock", "spawn:acme:child", "stdio:stdin"},
			spawns: map[string]int{"acme:child": 0}},
	)
	dir := tb.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "jobs"), 0o755); err != nil {
		tb.Fatal(err)
	}
	p, err := Start(context.Background(), bundle, &Config{Dirs: map[string]Dir{"data": {Path: dir}}, Env: map[string]string{"LANG": "C"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(context.Background()) })
	return p, dir
}

// BenchmarkSpawn measures start plus wait of a small precompiled child
// holding three keys (a directory, an environment variable and the
// clock), called from a guest through nano:process, side by side with
// plain wazero instantiating, running and closing the same module with the
// same directory, variable and clocks.
func BenchmarkSpawn(b *testing.B) {
	ctx := context.Background()
	p, dir := spawnBundle(b, "spawner", "spawnee")
	per := map[string]float64{}
	b.Run("wazero", func(b *testing.B) {
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		cm, err := rt.CompileModule(ctx, readWasm(b, "spawnee"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			mc := wazero.NewModuleConfig().WithName("").WithEnv("LANG", "C").WithSysWalltime().WithSysNanotime().
				WithFSConfig(wazero.NewFSConfig().WithDirMount(filepath.Join(dir, "jobs"), "/tmp"))
			m, err := rt.InstantiateModule(ctx, cm, mc)
			if err != nil {
				b.Fatal(err)
			}
			m.Close(ctx)
		}
		per["wazero"] = float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1000
		b.ReportMetric(per["wazero"], "µs/spawn")
	})
	b.Run("nano", func(b *testing.B) {
		run := p.root.mods[p.root.top].ExportedFunction("run")
		b.ReportAllocs()
		for b.Loop() {
			res, err := run.Call(ctx, 1)
			if err != nil || res[0] != 0 {
				b.Fatalf("run = %v, %v", res, err)
			}
		}
		per["nano"] = float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1000
		b.ReportMetric(per["nano"], "µs/spawn")
		b.ReportMetric(1e6/per["nano"], "spawns/s")
		if per["wazero"] > 0 {
			b.ReportMetric(per["nano"]/per["wazero"], "x-wazero")
		}
	})
}

// BenchmarkSpawnRate measures spawns per second with one parent per core,
// each starting and waiting for children as BenchmarkSpawn's does.
func BenchmarkSpawnRate(b *testing.B) {
	ctx := context.Background()
	procs := make(chan *Process, goruntime.GOMAXPROCS(0))
	for range cap(procs) {
		p, _ := spawnBundle(b, "spawner", "spawnee")
		procs <- p
	}
	b.RunParallel(func(pb *testing.PB) {
		p := <-procs
		run := p.root.mods[p.root.top].ExportedFunction("run")
		for pb.Next() {
			if res, err := run.Call(ctx, 1); err != nil || res[0] != 0 {
				b.Errorf("run = %v, %v", res, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "spawns/s")
}

// BenchmarkSpawnConcurrent starts 10,000 children that each block reading
// their piped stdin, then closes every stdin and waits for them all. It
// reports the memory each live child holds (linear memory included) and
// the time to start and to reap them all.
func BenchmarkSpawnConcurrent(b *testing.B) {
	const n = 10_000
	p, _ := spawnBundle(b, "spawner", "blocker", "stdio:stdin")
	var startT, reapT, perChild []float64
	for b.Loop() {
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		t0 := time.Now()
		children, stdins := startBlockers(b, p, n)
		t1 := time.Now()
		goruntime.ReadMemStats(&after)
		for _, c := range children {
			select {
			case <-c.Done():
				b.Fatalf("a child ended before its stdin closed: %+v", c.Exit())
			default:
			}
		}
		for _, in := range stdins {
			in.Close()
		}
		for _, c := range children {
			<-c.Done()
			if e := c.Exit(); e.Kind != process.Exited || e.Code != 0 {
				b.Fatalf("a child ended %+v", e)
			}
		}
		t2 := time.Now()
		startT = append(startT, t1.Sub(t0).Seconds()*1000)
		reapT = append(reapT, t2.Sub(t1).Seconds()*1000)
		perChild = append(perChild, float64(after.Sys-before.Sys)/n/1024)
	}
	b.ReportMetric(median(startT), "ms-start-10k")
	b.ReportMetric(median(reapT), "ms-reap-10k")
	b.ReportMetric(median(perChild), "KiB/child")
}

// startBlockers starts n blocker children of caller with piped stdins and
// returns them with the parent's ends of the pipes.
func startBlockers(tb testing.TB, p *Process, n int) ([]process.Child, []io.Closer) {
	tb.Helper()
	mod := p.root.mods[p.root.top]
	children := make([]process.Child, 0, n)
	stdins := make([]io.Closer, 0, n)
	for range n {
		r, w := process.NewPipe()
		c, err := p.Start(context.Background(), mod, &process.Request{Name: "acme:child", Keys: []string{"fs:tmp=data/jobs:rw", "env:LANG", "clock", "stdio:stdin"},
			Stdin: process.Pipe}, process.Streams{Stdin: r})
		if err != nil {
			tb.Fatal(err)
		}
		children = append(children, c)
		stdins = append(stdins, w)
	}
	return children, stdins
}

// BenchmarkKill measures the time from Kill to the end of the child, for
// a child spinning in a tight loop in the interruptible runtime.
func BenchmarkKill(b *testing.B) {
	p, _ := spawnBundle(b, "spawner", "spin")
	mod := p.root.mods[p.root.top]
	var lat []float64
	for b.Loop() {
		c, err := p.Start(context.Background(), mod, &process.Request{Name: "acme:child"}, process.Streams{})
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond) // let it spin
		t0 := time.Now()
		c.Kill()
		<-c.Done()
		lat = append(lat, float64(time.Since(t0).Microseconds()))
		if e := c.Exit(); e.Kind != process.Killed || e.Message != "killed" {
			b.Fatalf("exit %+v, want killed", e)
		}
	}
	b.ReportMetric(median(lat), "µs-kill-to-end")
	b.ReportMetric(slices.Max(lat), "µs-worst")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
