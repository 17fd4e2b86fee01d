package runtime

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/internal/wasmtest"
)

// twoCalls imports boom from acme:a and from acme:b and exports a function
// calling each: boom_a and boom_b.
var twoCalls = wasmtest.Module(
	[]byte{1, 1, 0x60, 0, 0},
	append(wasmtest.AppendName(append(wasmtest.AppendName(wasmtest.AppendName([]byte{2, 2}, "acme:a"), "boom"), 0, 0), "acme:b"), append(wasmtest.AppendName(nil, "boom"), 0, 0)...),
	[]byte{3, 2, 0, 0},
	append(append(wasmtest.AppendName([]byte{7, 2}, "boom_a"), 0, 2), append(wasmtest.AppendName(nil, "boom_b"), 0, 3)...),
	[]byte{10, 2, 4, 0, 0x10, 0, 0x0b, 4, 0, 0x10, 1, 0x0b},
)

// TestCompileOncePerContent runs one module under two package names: it
// is compiled once, and a trap in it names the nanoprocess it happened in
// when the stack tells them apart, or both, under their nearest common
// ancestor, when it cannot.
func TestCompileOncePerContent(t *testing.T) {
	bad, err := os.ReadFile("testdata/run/bad.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		b          []byte // acme:b's module; acme:a's is bad.wasm
		compiled   int
		errA, errB string // the errors of boom_a and of boom_b
	}{
		{"the same module", bad, 2,
			"acme:app: wasm error: unreachable (in one of acme:app > acme:a, acme:app > acme:b, which run the same module)",
			"acme:app: wasm error: unreachable (in one of acme:app > acme:a, acme:app > acme:b, which run the same module)"},
		{"another module", append(append([]byte{}, bad...), 0, 2, 1, 'x'), 3,
			"acme:app > acme:a: wasm error: unreachable", "acme:app > acme:b: wasm error: unreachable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bundleOf(
				instSpec{path: "acme:app > acme:a", wasm: bad},
				instSpec{path: "acme:app > acme:b", wasm: tt.b},
				instSpec{path: "acme:app", wasm: twoCalls, imports: map[string]int{"acme:a": 0, "acme:b": 1}},
			)
			for _, inst := range b.Instances {
				inst.Package = inst.Path[strings.LastIndex(inst.Path, " ")+1:]
			}
			p, err := Start(ctx, b, &Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			if len(p.linked.compiled) != tt.compiled {
				t.Errorf("compiled %d modules, want %d: one per content", len(p.linked.compiled), tt.compiled)
			}
			for fn, want := range map[string]string{"boom_a": tt.errA, "boom_b": tt.errB} {
				_, err := p.Invoke(ctx, fn, nil)
				var re *RunError
				if !errors.As(err, &re) || err.Error() != want {
					t.Errorf("Invoke(%s) = %v, want %q", fn, err, want)
				}
			}
		})
	}
}

// TestCompileCacheByContent runs one module under one package name, then
// under another: the second run finds it in the compilation cache.
func TestCompileCacheByContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	small := readWasm(t, "small")
	var counts []int
	for _, name := range []string{"acme:one", "acme:other"} {
		b := bundleOf(instSpec{path: name, wasm: small})
		p, err := Start(ctx, b, &Config{Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		p.Close(ctx)
		n := 0
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				n++
			}
			return nil
		})
		counts = append(counts, n)
	}
	if counts[0] == 0 || counts[1] != counts[0] {
		t.Errorf("cache files after each run: %v, want the same number, not 0: one compilation per content", counts)
	}
}

// TestMemoryPoolShared runs a bundle twice: the second run reuses the
// memory the first one freed, and finds it zeroed. acme:counter keeps its
// count at address 0 of its memory.
func TestMemoryPoolShared(t *testing.T) {
	counter, err := os.ReadFile("testdata/run/counter.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := bundleOf(instSpec{path: "acme:counter", wasm: counter})
	for run := range 3 {
		p, err := Start(ctx, b, &Config{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 2; i++ {
			if got, err := p.Invoke(ctx, "inc", nil); err != nil || len(got) != 1 || got[0] != strconv.Itoa(i) {
				t.Errorf("run %d: inc #%d = %v, %v, want [%d]: a memory from the pool was not zeroed", run, i, got, err, i)
			}
		}
		p.Close(ctx)
		memory.mu.Lock()
		pooled := memory.bytes
		memory.mu.Unlock()
		if pooled == 0 {
			t.Errorf("run %d: the pool holds nothing after Close, want the nanoprocess's memory for the next run", run)
		}
	}
}

// TestTrapDeepStack traps 100 calls deep in a grandchild: wazero lists
// only the innermost frames, so the walk from the root cannot see the
// child in between; the trap is still blamed on the grandchild.
func TestTrapDeepStack(t *testing.T) {
	root, err := os.ReadFile("testdata/run/bad_root.wasm") // calls acme:bad's boom
	if err != nil {
		t.Fatal(err)
	}
	// acme:bad calls acme:deep's boom.
	mid := wasmtest.Module(
		[]byte{1, 1, 0x60, 0, 0},
		append(wasmtest.AppendName(wasmtest.AppendName([]byte{2, 1}, "acme:deep"), "boom"), 0, 0),
		[]byte{3, 1, 0},
		append(wasmtest.AppendName([]byte{7, 1}, "boom"), 0, 1),
		[]byte{10, 1, 4, 0, 0x10, 0, 0x0b},
	)
	// acme:deep's boom recurses 100 times, then traps.
	deep := wasmtest.Module(
		[]byte{1, 2, 0x60, 1, 0x7f, 0, 0x60, 0, 0},
		[]byte{3, 2, 0, 1},
		append(wasmtest.AppendName([]byte{7, 1}, "boom"), 0, 1),
		[]byte{10, 2,
			16, 0, 0x20, 0, 0x04, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x05, 0x00, 0x0b, 0x0b,
			7, 0, 0x41, 0xe4, 0x00, 0x10, 0, 0x0b},
	)
	b := bundleOf(
		instSpec{path: "acme:app > acme:bad > acme:deep", wasm: deep},
		instSpec{path: "acme:app > acme:bad", wasm: mid, imports: map[string]int{"acme:deep": 0}},
		instSpec{path: "acme:app", wasm: root, imports: map[string]int{"acme:bad": 1}},
	)
	for _, inst := range b.Instances {
		inst.Package = inst.Path[strings.LastIndex(inst.Path, " ")+1:]
	}
	ctx := context.Background()
	p, err := Start(ctx, b, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	_, err = p.Invoke(ctx, "boom", nil)
	if want := "acme:app > acme:bad > acme:deep: wasm error: unreachable"; err == nil || err.Error() != want {
		t.Errorf("Invoke(boom) = %v, want %q", err, want)
	}
}

// TestBenchFixtures checks the benchmarks' modules against their WAT.
func TestBenchFixtures(t *testing.T) { wasmtest.CheckFixtures(t, "testdata/bench/*.wat", nil) }
