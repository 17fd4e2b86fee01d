package runtime

import (
	"bytes"
	"context"
	"errors"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// runtimeConfig is nano's runtime configuration (the compiler where
// wazero has one, no DWARF) with interruption on or off.
func runtimeConfig(interrupt bool) wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().WithDebugInfoEnabled(false).WithCloseOnContextDone(interrupt)
}

// hostKey carries a call's hooks to the "env" host functions.
type hostKey struct{}

// hooks are what the guest's "started" and "done" report to.
type hooks struct {
	started chan struct{}
	done    atomic.Bool
}

func withHooks(ctx context.Context) (context.Context, *hooks) {
	h := &hooks{started: make(chan struct{}, 1)}
	return context.WithValue(ctx, hostKey{}, h), h
}

// guest is work.wasm compiled in one runtime, interruptible or not.
type guest struct {
	r        wazero.Runtime
	compiled wazero.CompiledModule
}

func newGuest(tb testing.TB, interrupt bool) *guest {
	tb.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(interrupt))
	tb.Cleanup(func() { r.Close(ctx) })
	_, err := r.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithFunc(func(ctx context.Context) {
		if h, ok := ctx.Value(hostKey{}).(*hooks); ok {
			h.started <- struct{}{}
		}
	}).Export("started").
		NewFunctionBuilder().WithFunc(func(ctx context.Context) {
		if h, ok := ctx.Value(hostKey{}).(*hooks); ok {
			h.done.Store(true)
		}
	}).Export("done").
		Instantiate(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return &guest{r: r, compiled: compileFixture(tb, r, "work.wasm")}
}

func (g *guest) instantiate(tb testing.TB, ctx context.Context) api.Module {
	tb.Helper()
	m, err := g.r.InstantiateModule(ctx, g.compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// A workload is one call of an export of work.wasm; iters is what it
// repeats n times, for the per-iteration figure.
type workload struct {
	name   string
	fn     string
	arg    uint64
	iters  float64
	unit   string
	fromGo int  // calls from Go per op, instead of one call
	bg     bool // call with context.Background(), which is never done
}

var workloads = []workload{
	// A tight loop: an add, an add, a compare and a branch per iteration.
	{name: "loop", fn: "loop", arg: 10_000_000, iters: 10_000_000, unit: "ns/iter"},
	// Calls in wasm: a loop of calls of a small function, and recursion
	// with no loop at all (fib(25) makes 242,785 calls).
	{name: "calls", fn: "calls", arg: 10_000_000, iters: 10_000_000, unit: "ns/call"},
	{name: "fib", fn: "fib", arg: 25, iters: 242_785, unit: "ns/call"},
	// Calls from Go into wasm, as an adapter's cabi_realloc or a host's
	// callback: each Call with interruption on watches its context from a
	// goroutine of its own.
	{name: "gocall", fn: "nop", arg: 1, iters: 10_000, unit: "ns/call", fromGo: 10_000},
	{name: "gocall-background", fn: "nop", arg: 1, iters: 10_000, unit: "ns/call", fromGo: 10_000, bg: true},
	// Memory: 16 passes over 1 MiB, each a load and a store of every word,
	// a memory.fill of 1 MiB and a memory.copy of 512 KiB.
	{name: "mem", fn: "mem", arg: 16, iters: 16 << 20, unit: "ns/byte"},
}

// BenchmarkInterrupt runs each workload with wazero's
// WithCloseOnContextDone off and on, alternating in one loop, and reports
// both times per op and per iteration, and their ratio on/off.
//
//	go test ./runtime/ -run '^$' -bench Interrupt$ -benchtime 20x -count 5
func BenchmarkInterrupt(b *testing.B) {
	off, on := newGuest(b, false), newGuest(b, true)
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if w.bg {
				ctx = context.Background()
			}
			mOff, mOn := off.instantiate(b, ctx), on.instantiate(b, ctx)
			fOff, fOn := mOff.ExportedFunction(w.fn), mOn.ExportedFunction(w.fn)
			calls := max(w.fromGo, 1)
			run := func(f api.Function) time.Duration {
				t0 := time.Now()
				for range calls {
					if _, err := f.Call(ctx, w.arg); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(t0)
			}
			// Warm both up, then time them side by side.
			run(fOff)
			run(fOn)
			var tOff, tOn time.Duration
			b.ResetTimer()
			for b.Loop() {
				tOff += run(fOff)
				tOn += run(fOn)
			}
			n := float64(b.N)
			b.ReportMetric(float64(tOff.Nanoseconds())/n, "off-ns/op")
			b.ReportMetric(float64(tOn.Nanoseconds())/n, "on-ns/op")
			b.ReportMetric(float64(tOff.Nanoseconds())/n/w.iters, "off-"+w.unit)
			b.ReportMetric(float64(tOn.Nanoseconds())/n/w.iters, "on-"+w.unit)
			b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
		})
	}
}

// BenchmarkInterruptKill measures, with interruption on, the time from a
// cancel of the call's context, or a CloseWithExitCode from another
// goroutine, to the call of a guest spinning in a tight loop returning;
// and, for "fib", a cancel 1 ms into fib(32) (about 20 ms): recursion with
// no loop, where wazero's check never runs. That cancel lands only when
// the call ends, or not at all: "ok-%" is the share of calls that
// returned their result with no error after the cancel.
//
//	go test ./runtime/ -run '^$' -bench InterruptKill -benchtime 200x -count 5
func BenchmarkInterruptKill(b *testing.B) {
	on := newGuest(b, true)
	for _, how := range []string{"cancel", "close", "fib"} {
		b.Run(how, func(b *testing.B) {
			var lat []time.Duration
			ok := 0
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				ctx, h := withHooks(ctx)
				m := on.instantiate(b, context.Background())
				returned := make(chan error, 1)
				go func() {
					var err error
					if how == "fib" {
						_, err = m.ExportedFunction("fibs").Call(ctx, 32)
					} else {
						_, err = m.ExportedFunction("forever").Call(ctx)
					}
					returned <- err
				}()
				<-h.started
				if how == "fib" {
					// Spin rather than sleep: this goroutine keeps its P,
					// and its timer cannot be stuck on the guest's, which
					// no one preempts.
					for t := time.Now(); time.Since(t) < time.Millisecond; {
					}
				}
				t0 := time.Now()
				if how == "close" {
					m.CloseWithExitCode(context.Background(), 9)
				} else {
					cancel()
				}
				err := <-returned
				lat = append(lat, time.Since(t0))
				cancel()
				var ee *sys.ExitError
				switch {
				case how == "fib" && err == nil:
					ok++
				case !errors.As(err, &ee):
					b.Fatalf("%s: Call = %v, want an exit error", how, err)
				}
				m.Close(context.Background())
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "µs-median")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "µs-p99")
			b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "µs-max")
			if how == "fib" {
				b.ReportMetric(float64(100*ok)/float64(len(lat)), "ok-%")
			}
		})
	}
}

// spinIters is long enough for a close to land well inside the loop: a few
// tenths of a second without interruption.
const spinIters = 400_000_000

// TestInterruptOff shows what stops a guest spinning in a loop. With
// WithCloseOnContextDone off, neither a cancel of the call's context nor
// CloseWithExitCode from another goroutine stops it: the loop runs to its
// end (the guest's "done" is called). The call then returns no error after
// a cancel, and an exit error after a close, if the close got to run
// before the loop ended: the spinning goroutine cannot be preempted, and
// on a busy machine the closing one may wait for it. With interruption on,
// both stop it inside the loop, with an exit error.
func TestInterruptOff(t *testing.T) {
	for _, interrupt := range []bool{false, true} {
		g := newGuest(t, interrupt)
		for _, how := range []string{"cancel", "close"} {
			ctx, cancel := context.WithCancel(context.Background())
			ctx, h := withHooks(ctx)
			m := g.instantiate(t, context.Background())
			returned := make(chan error, 1)
			go func() {
				_, err := m.ExportedFunction("spin").Call(ctx, spinIters)
				returned <- err
			}()
			<-h.started
			if how == "close" {
				m.CloseWithExitCode(context.Background(), 9)
			} else {
				cancel()
			}
			err := <-returned
			cancel()
			var ee *sys.ExitError
			switch {
			case interrupt && !errors.As(err, &ee):
				t.Errorf("interrupt on, %s: spin = %v, want an exit error", how, err)
			case !interrupt && how == "cancel" && err != nil:
				t.Errorf("interrupt off, cancel: spin = %v, want no error", err)
			}
			t.Logf("interrupt %v, %s: spin = %v", interrupt, how, err)
			if finished := h.done.Load(); finished == interrupt {
				t.Errorf("interrupt %v, %s: the loop ran to its end: %v, want %v", interrupt, how, finished, !interrupt)
			}
			m.Close(context.Background())
		}
	}
}

// goid returns the calling goroutine's number.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:goruntime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return ""
	}
	return f[1] // "goroutine 42 [running]:"
}

// freeWatch is an allocator whose memories record whether another
// goroutine freed them while a call was still running in them.
type freeWatch struct {
	caller      atomic.Value // goid of the goroutine running the call
	running     atomic.Bool
	freedInCall atomic.Bool
	freed       atomic.Bool
}

func (w *freeWatch) Allocate(capacity, _ uint64) experimental.LinearMemory {
	return &watchedMemory{w: w, sliceMemory: sliceMemory{capacity: capacity}}
}

type watchedMemory struct {
	w *freeWatch
	sliceMemory
}

func (m *watchedMemory) Free() {
	m.w.freed.Store(true)
	if m.w.running.Load() && m.w.caller.Load() != goid() {
		m.w.freedInCall.Store(true)
	}
	m.sliceMemory.Free()
}

// TestCloseFreesRunningMemory shows why a kill must cancel the call's
// context and never call CloseWithExitCode: CloseWithExitCode from
// another goroutine hands the memory back to its allocator at once, while
// the guest still runs in it (until its next loop back-edge with
// interruption on; to the end without). With a pool allocator that buffer
// could be zeroed and given to another nanoprocess meanwhile. A cancel,
// with interruption on, has the call's own goroutine free it once the
// guest has stopped.
func TestCloseFreesRunningMemory(t *testing.T) {
	for _, tc := range []struct {
		interrupt bool
		how       string
		inCall    bool
	}{
		{false, "close", true},
		{true, "close", true},
		{true, "cancel", false},
	} {
		g := newGuest(t, tc.interrupt)
		w := &freeWatch{}
		ctx, cancel := context.WithCancel(context.Background())
		ctx, h := withHooks(ctx)
		m := g.instantiate(t, experimental.WithMemoryAllocator(context.Background(), w))
		returned := make(chan error, 1)
		w.running.Store(true)
		go func() {
			w.caller.Store(goid())
			_, err := m.ExportedFunction("spin").Call(ctx, spinIters)
			w.running.Store(false)
			returned <- err
		}()
		<-h.started
		// On a loaded machine the guest may finish its loop before the
		// close: then there is nothing to observe.
		stillRunning := w.running.Load()
		if tc.how == "close" {
			m.CloseWithExitCode(context.Background(), 9)
		} else {
			cancel()
		}
		<-returned
		if !stillRunning {
			t.Logf("interrupt %v, %s: the guest ended before it could be stopped", tc.interrupt, tc.how)
			cancel()
			m.Close(context.Background())
			continue
		}
		cancel()
		m.Close(context.Background())
		if !w.freed.Load() {
			t.Errorf("interrupt %v, %s: the memory was never freed", tc.interrupt, tc.how)
		}
		if got := w.freedInCall.Load(); got != tc.inCall {
			t.Errorf("interrupt %v, %s: memory freed by another goroutine while the guest ran in it = %v, want %v", tc.interrupt, tc.how, got, tc.inCall)
		}
	}
}

// BenchmarkInterruptGC measures a garbage collection started while a guest
// runs: with interruption off, a loop of 400M iterations (about 0.4 s)
// cannot be preempted, and the collector's stop-the-world waits for it to
// end, stopping every goroutine of the process with it. With interruption
// on, a loop (of 20M iterations: it is slower) goes through Go at each
// back-edge and lets the collector in; recursion with no loop (fib(35))
// never does.
//
//	go test ./runtime/ -run '^$' -bench InterruptGC -benchtime 5x -count 5
func BenchmarkInterruptGC(b *testing.B) {
	for _, tc := range []struct {
		name      string
		interrupt bool
		fn        string
		arg       uint64
	}{
		{"off-loop", false, "spin", spinIters},
		{"on-loop", true, "spin", spinIters / 20},
		{"on-recursion", true, "fib", 35},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := newGuest(b, tc.interrupt)
			var gc, guest time.Duration
			for b.Loop() {
				ctx, h := withHooks(context.Background())
				m := g.instantiate(b, context.Background())
				returned := make(chan time.Duration, 1)
				go func() {
					t0 := time.Now()
					if _, err := m.ExportedFunction(tc.fn).Call(ctx, tc.arg); err != nil {
						b.Error(err)
					}
					returned <- time.Since(t0)
				}()
				if tc.fn == "spin" {
					<-h.started
				} else {
					time.Sleep(5 * time.Millisecond)
				}
				t0 := time.Now()
				goruntime.GC()
				gc += time.Since(t0)
				guest += <-returned
				m.Close(context.Background())
			}
			n := float64(b.N)
			b.ReportMetric(float64(gc.Microseconds())/n/1e3, "gc-ms")
			b.ReportMetric(float64(guest.Microseconds())/n/1e3, "guest-ms")
		})
	}
}

// goWork is the Go guest gowork.wasm compiled in one runtime with WASI,
// interruptible or not.
func goWork(tb testing.TB, interrupt bool) *guest {
	tb.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(interrupt))
	tb.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	return &guest{r: r, compiled: compileFixture(tb, r, "gowork.wasm")}
}

// run runs a command's _start to its end and returns its output.
func (g *guest) run(tb testing.TB, ctx context.Context) string {
	var out bytes.Buffer
	m, err := g.r.InstantiateModule(ctx, g.compiled, wazero.NewModuleConfig().WithName("").WithStdout(&out))
	if err != nil {
		tb.Fatalf("gowork: %v", err)
	}
	m.Close(ctx)
	return out.String()
}

// BenchmarkInterruptGo runs the Go guest gowork (hashing, compressing,
// sorting, maps and strings; instantiation and the Go
// runtime's start included) with interruption off and on, alternating in
// one loop.
//
//	go test ./runtime/ -run '^$' -bench InterruptGo -benchtime 10x -count 5
func BenchmarkInterruptGo(b *testing.B) {
	off, on := goWork(b, false), goWork(b, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if a, z := off.run(b, ctx), on.run(b, ctx); a != z || a == "" {
		b.Fatalf("gowork printed %q off and %q on, want the same", a, z)
	}
	var tOff, tOn time.Duration
	for b.Loop() {
		t0 := time.Now()
		off.run(b, ctx)
		t1 := time.Now()
		on.run(b, ctx)
		tOff += t1.Sub(t0)
		tOn += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tOff.Microseconds())/n/1e3, "off-ms/op")
	b.ReportMetric(float64(tOn.Microseconds())/n/1e3, "on-ms/op")
	b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
}

// BenchmarkInterruptCompile compiles the Go guest gowork with
// interruption off and on, each time into a fresh runtime: the cost of a
// second, interruptible runtime for spawned children is a second
// compilation of every module they run. The heap figures are what the
// compiled module holds on the Go heap; the machine code is outside it.
//
//	go test ./runtime/ -run '^$' -bench InterruptCompile -benchtime 3x -count 5
func BenchmarkInterruptCompile(b *testing.B) {
	bin, err := os.ReadFile("testdata/interrupt/gowork.wasm")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var t [2]time.Duration
	var heap [2]uint64
	for b.Loop() {
		for i, interrupt := range []bool{false, true} {
			var before, after goruntime.MemStats
			goruntime.GC()
			goruntime.ReadMemStats(&before)
			t0 := time.Now()
			r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(interrupt))
			if _, err := r.CompileModule(ctx, bin); err != nil {
				b.Fatal(err)
			}
			t[i] += time.Since(t0)
			goruntime.GC()
			goruntime.ReadMemStats(&after)
			heap[i] += after.HeapAlloc - before.HeapAlloc
			r.Close(ctx)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(t[0].Milliseconds())/n, "off-ms")
	b.ReportMetric(float64(t[1].Milliseconds())/n, "on-ms")
	b.ReportMetric(float64(t[1])/float64(t[0]), "on/off")
	b.ReportMetric(float64(heap[0])/n/(1<<20), "off-heap-MiB")
	b.ReportMetric(float64(heap[1])/n/(1<<20), "on-heap-MiB")
}

// TestInterruptSubtree kills a nanoprocess whose dependency spins: the
// loop is in another module instance than the call's entry, and a cancel
// of the call's context stops it, since wazero's check in every loop
// tests the entry module. Each module of a child's subtree must therefore
// be compiled with interruption on: they all live in the interruptible
// runtime, since no module imports from another runtime.
func TestInterruptSubtree(t *testing.T) {
	g := newGuest(t, true)
	ctx := context.Background()
	dep := compileFixture(t, g.r, "dep.wasm")
	root := compileFixture(t, g.r, "root.wasm")
	if _, err := g.r.InstantiateModule(ctx, dep, wazero.NewModuleConfig().WithName("dep")); err != nil {
		t.Fatal(err)
	}
	m, err := g.r.InstantiateModule(ctx, root, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	callCtx, cancel := context.WithCancel(ctx)
	callCtx, h := withHooks(callCtx)
	returned := make(chan error, 1)
	go func() {
		_, err := m.ExportedFunction("run").Call(callCtx)
		returned <- err
	}()
	<-h.started
	cancel()
	err = <-returned
	var ee *sys.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != sys.ExitCodeContextCanceled {
		t.Errorf("run() after a cancel = %v, want exit code %#x", err, sys.ExitCodeContextCanceled)
	}
	if g.r.Module("dep").IsClosed() {
		t.Errorf("the dependency was closed with the entry")
	}
}

// TestForgedExitCode has a guest exit through WASI with the codes wazero
// gives a cancelled call and one past its deadline: the errors are the
// same as a real kill's, so nano must tell "killed" and "timeout" by its
// own record of what it did (the child's context), never by the code.
func TestForgedExitCode(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(true))
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	forge := compileFixture(t, r, "forge.wasm")
	for _, code := range []uint32{sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded} {
		m, err := r.InstantiateModule(ctx, forge, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		callCtx, cancel := context.WithCancel(ctx)
		_, err = m.ExportedFunction("exit").Call(callCtx, uint64(code))
		var ee *sys.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != code || callCtx.Err() != nil {
			t.Errorf("exit(%#x) = %v (context: %v), want exit code %#x from a live context", code, err, callCtx.Err(), code)
		}
		cancel()
	}
}
