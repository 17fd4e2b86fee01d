package runtime

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/nanoproc/nano/internal/wasmtest"
)

// TestInterruptFixtures checks every .wasm in testdata/interrupt against
// its .wat.
func TestInterruptFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/interrupt/*.wat", nil)
}

// countingAllocator is an inner allocator that records the largest size it
// was asked for, to show the ceiling never reaches it.
type countingAllocator struct {
	mu      sync.Mutex
	maxSeen uint64 // largest max passed to Allocate
	largest uint64 // largest size passed to Reallocate
	freed   int
}

func (a *countingAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	a.mu.Lock()
	a.maxSeen = max
	a.mu.Unlock()
	return &countingMemory{a: a, sliceMemory: sliceMemory{capacity: capacity}}
}

type countingMemory struct {
	a *countingAllocator
	sliceMemory
}

func (m *countingMemory) Reallocate(size uint64) []byte {
	m.a.mu.Lock()
	m.a.largest = max(m.a.largest, size)
	m.a.mu.Unlock()
	return m.sliceMemory.Reallocate(size)
}

func (m *countingMemory) Free() {
	m.a.mu.Lock()
	m.a.freed++
	m.a.mu.Unlock()
	m.sliceMemory.Free()
}

func compileFixture(t testing.TB, r wazero.Runtime, name string) wazero.CompiledModule {
	t.Helper()
	bin, err := os.ReadFile("testdata/interrupt/" + name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CompileModule(context.Background(), bin)
	if err != nil {
		t.Fatalf("CompileModule(%s) = %v", name, err)
	}
	return c
}

func call1(t testing.TB, m api.Module, fn string, args ...uint64) int32 {
	t.Helper()
	res, err := m.ExportedFunction(fn).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s%v = %v, want no error", fn, args, err)
	}
	return api.DecodeI32(res[0])
}

// TestMemoryCeiling grows a guest's memory a page at a time until
// memory.grow refuses: the guest sees -1, not a trap, and its memory stays
// at the ceiling. The inner allocator is never asked for more.
func TestMemoryCeiling(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(false))
	defer r.Close(ctx)
	grow := compileFixture(t, r, "grow.wasm")

	for _, tc := range []struct {
		limit uint64
		pages int32
	}{
		{4 * pageSize, 4},
		{4*pageSize + pageSize - 1, 4}, // rounded down to whole pages
		{pageSize, 1},                  // the minimum: no grow at all
		{100 * pageSize, 100},
	} {
		inner := &countingAllocator{}
		m, err := InstantiateWithCeiling(ctx, r, grow, wazero.NewModuleConfig().WithName(""), inner, tc.limit)
		if err != nil {
			t.Fatalf("InstantiateWithCeiling(grow, %d) = %v", tc.limit, err)
		}
		if got := call1(t, m, "fill"); got != tc.pages {
			t.Errorf("ceiling %d: fill() = %d pages, want %d", tc.limit, got, tc.pages)
		}
		if got := call1(t, m, "grow", 1); got != -1 {
			t.Errorf("ceiling %d: grow(1) at the ceiling = %d, want -1", tc.limit, got)
		}
		if got := call1(t, m, "grow", 0); got != tc.pages {
			t.Errorf("ceiling %d: grow(0) = %d, want %d", tc.limit, got, tc.pages)
		}
		if got := call1(t, m, "size"); got != tc.pages {
			t.Errorf("ceiling %d: size() = %d, want %d", tc.limit, got, tc.pages)
		}
		if got := m.Memory().Size(); got != uint32(tc.pages)*pageSize {
			t.Errorf("ceiling %d: Memory().Size() = %d, want %d", tc.limit, got, tc.pages*pageSize)
		}
		m.Close(ctx)
		want := uint64(tc.pages) * pageSize
		if inner.largest != want || inner.maxSeen != want || inner.freed != 1 {
			t.Errorf("ceiling %d: inner allocator asked for max %d, sizes up to %d, freed %d times; want %d, %d, 1",
				tc.limit, inner.maxSeen, inner.largest, inner.freed, want, want)
		}
	}
}

// TestMemoryCeilingMinimum instantiates a module whose declared minimum (20
// pages) is above its ceiling: it does not start, with an error naming
// both, and leaves nothing behind in the runtime.
func TestMemoryCeilingMinimum(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(false))
	defer r.Close(ctx)
	big := compileFixture(t, r, "big.wasm")
	cfg := wazero.NewModuleConfig().WithName("big")

	for _, inner := range []experimental.MemoryAllocator{nil, &countingAllocator{}} {
		m, err := InstantiateWithCeiling(ctx, r, big, cfg, inner, 1<<20)
		var me *MinimumError
		if m != nil || !errors.As(err, &me) {
			t.Fatalf("InstantiateWithCeiling(big, 1MiB) = %v, %v; want a *MinimumError", m, err)
		}
		const want = "instantiate: memory minimum of 20 pages (1280KiB) exceeds the ceiling of 16 pages (1MiB)"
		if err.Error() != want {
			t.Errorf("InstantiateWithCeiling(big, 1MiB) = %q, want %q", err, want)
		}
		if r.Module("big") != nil {
			t.Errorf("a refused module is in the runtime")
		}
	}
	// The name is free and the runtime works: the same module starts under
	// a ceiling that fits it.
	m, err := InstantiateWithCeiling(ctx, r, big, cfg, nil, 20*pageSize)
	if err != nil {
		t.Fatalf("InstantiateWithCeiling(big, 20 pages) = %v", err)
	}
	if got := call1(t, m, "size"); got != 20 {
		t.Errorf("size() = %d, want 20", got)
	}
}

// TestMemoryCeilingSiblings runs two instances of one module in one
// runtime at once, with different ceilings: each is refused at its own.
func TestMemoryCeilingSiblings(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(false))
	defer r.Close(ctx)
	grow := compileFixture(t, r, "grow.wasm")

	limits := []int32{2, 64, 8, 1}
	mods := make([]api.Module, len(limits))
	for i, l := range limits {
		m, err := InstantiateWithCeiling(ctx, r, grow, wazero.NewModuleConfig().WithName(""), nil, uint64(l)*pageSize)
		if err != nil {
			t.Fatal(err)
		}
		mods[i] = m
	}
	got := make([]int32, len(limits))
	var wg sync.WaitGroup
	for i := range mods {
		wg.Go(func() {
			res, err := mods[i].ExportedFunction("fill").Call(ctx)
			if err == nil {
				got[i] = api.DecodeI32(res[0])
			}
		})
	}
	wg.Wait()
	for i, l := range limits {
		if got[i] != l {
			t.Errorf("instance %d with a ceiling of %d pages: fill() = %d", i, l, got[i])
		}
		if s := call1(t, mods[i], "grow", 1); s != -1 {
			t.Errorf("instance %d: grow(1) after fill = %d, want -1", i, s)
		}
	}
	// A sibling's close does not lift or lower another's ceiling.
	mods[1].Close(ctx)
	if s := call1(t, mods[0], "grow", 1); s != -1 {
		t.Errorf("after a sibling closed: grow(1) = %d, want -1", s)
	}
}

// boundedMemory is an inner allocator's memory that refuses to grow past
// its buffer, as nano's pool does past a module's maximum. The buffer is
// reused from one instance to the next, as the pool does, and a grow is a
// reslice: what the ceiling adds to a grow shows.
type boundedMemory struct {
	buf []byte
}

func (m *boundedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size]
}

func (m *boundedMemory) Free() {}

// BenchmarkCeilingGrow has a guest grow its memory page by page from 1
// page to 65 until refused (fill), under an inner allocator bounded at 65
// pages, alone and under a ceiling of 65 pages, alternating in one loop.
// ns/grow-inner and ns/grow-ceiling are per memory.grow, each with a 65th
// of an instantiation and of a call from Go.
func BenchmarkCeilingGrow(b *testing.B) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig(false))
	defer r.Close(ctx)
	grow := compileFixture(b, r, "grow.wasm")
	const pages = 65
	buf := make([]byte, pages*pageSize)
	inner := experimental.MemoryAllocatorFunc(func(_, _ uint64) experimental.LinearMemory {
		return &boundedMemory{buf: buf}
	})
	cfg := wazero.NewModuleConfig().WithName("")
	fill := func(m api.Module) {
		if got := call1(b, m, "fill"); got != pages {
			b.Fatalf("fill() = %d, want %d", got, pages)
		}
		m.Close(ctx)
	}
	var tInner, tCeil time.Duration
	for b.Loop() {
		t0 := time.Now()
		m, err := r.InstantiateModule(experimental.WithMemoryAllocator(ctx, inner), grow, cfg)
		if err != nil {
			b.Fatal(err)
		}
		fill(m)
		t1 := time.Now()
		m, err = InstantiateWithCeiling(ctx, r, grow, cfg, inner, pages*pageSize)
		if err != nil {
			b.Fatal(err)
		}
		fill(m)
		tInner += t1.Sub(t0)
		tCeil += time.Since(t1)
	}
	n := float64(b.N * pages)
	b.ReportMetric(float64(tInner.Nanoseconds())/n, "ns/grow-inner")
	b.ReportMetric(float64(tCeil.Nanoseconds())/n, "ns/grow-ceiling")
	b.ReportMetric(float64(tCeil)/float64(tInner), "ceiling/inner")
}

// TestMemoryCeilingGo runs a real Go guest (gowork, whose memory starts at
// 40 pages) under three ceilings: below its minimum it does not start;
// at 4 MiB Go's allocator sees memory.grow fail and the guest dies with
// "out of memory", exit status 2, as it would on a machine out of memory;
// at 64 MiB it does its work.
func TestMemoryCeilingGo(t *testing.T) {
	ctx := context.Background()
	g := goWork(t, false)
	run := func(limit uint64) (string, string, error) {
		var out, stderr bytes.Buffer
		cfg := wazero.NewModuleConfig().WithName("").WithStdout(&out).WithStderr(&stderr)
		m, err := InstantiateWithCeiling(ctx, g.r, g.compiled, cfg, nil, limit)
		if m != nil {
			m.Close(ctx)
		}
		return out.String(), stderr.String(), err
	}

	_, _, err := run(2 << 20)
	var me *MinimumError
	if !errors.As(err, &me) || me.Min != 40*pageSize {
		t.Errorf("gowork under 2MiB: %v, want a *MinimumError of 40 pages", err)
	}

	out, stderr, err := run(4 << 20)
	var ee *sys.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr, "fatal error: out of memory") || out != "" {
		t.Errorf("gowork under 4MiB: %v, stdout %q, stderr %.80q; want exit 2 and out of memory", err, out, stderr)
	}

	want := g.run(t, ctx) // no ceiling
	if out, _, err := run(64 << 20); err != nil || out != want || out == "" {
		t.Errorf("gowork under 64MiB: %v, %q; want no error and %q", err, out, want)
	}
}
