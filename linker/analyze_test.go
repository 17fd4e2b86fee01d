package linker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/tetratelabs/wazero"

	"github.com/nanoproc/nano/internal/wasmtest"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// describe prints a module one line per import and export, as nano inspect
// does.
func describe(m *Module) string {
	var b strings.Builder
	for _, im := range m.Imports {
		fmt.Fprintf(&b, "%s %s: %s\n", im, im.Signature(), im.Need)
	}
	for _, s := range m.ImportedNonFuncs {
		fmt.Fprintf(&b, "%s\n", s)
	}
	for _, ex := range m.Exports {
		fmt.Fprintf(&b, "%s %s\n", ex, ex.Signature())
	}
	return b.String()
}

func TestAnalyze(t *testing.T) {
	for _, tt := range []struct {
		file, want string
	}{
		{"wasi.wasm", `import["wasi_snapshot_preview1"."path_open"] (i32,i32,i32,i32,i32,i64,i64,i32,i32) -> (i32): fs
import["wasi_snapshot_preview1"."fd_readdir"] (i32,i32,i32,i64,i32) -> (i32): fs
import["wasi_snapshot_preview1"."sock_send"] (i32,i32,i32,i32,i32) -> (i32): net
import["wasi_snapshot_preview1"."environ_get"] (i32,i32) -> (i32): env
import["wasi_snapshot_preview1"."clock_time_get"] (i32,i64,i32) -> (i32): clock
import["wasi_snapshot_preview1"."poll_oneoff"] (i32,i32,i32,i32) -> (i32): clock
import["wasi_snapshot_preview1"."random_get"] (i32,i32) -> (i32): random
import["wasi_snapshot_preview1"."fd_write"] (i32,i32,i32,i32) -> (i32): no key
import["wasi_snapshot_preview1"."proc_exit"] (i32) -> (): no key
import["wasi_snapshot_preview1"."path_open_at_once"] (i32) -> (i32): unknown
export["_start"] () -> ()
`},
		{"deps.wasm", `import["acme:zip"."extract"] (i32,i64) -> (i32): dependency
import["env"."abort"] (i32,i32,i32,i32) -> (): unknown
import["ACME:Zip"."extract"] () -> (): unknown
export["add"] (i64,i64) -> (i64)
export["mix"] (i32,i64,f32,f64) -> (f64,i32)
export["zero"] () -> ()
`},
		{"shared.wasm", `import["wasi_snapshot_preview1"."fd_write"] (i32,i32,i32,i32) -> (i32): no key
import["acme:heap"."grow"] (i32) -> (i32): dependency
import["acme:heap"."memory"] memory
import["acme:heap"."table"] table
import["acme:heap"."top"] global
`},
	} {
		wasm, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Analyze(context.Background(), wasm)
		if err != nil {
			t.Errorf("Analyze(%s) = %v", tt.file, err)
			continue
		}
		if got := describe(m); got != tt.want {
			t.Errorf("Analyze(%s) =\n%s\nwant\n%s", tt.file, got, tt.want)
		}
	}
}

func TestAnalyzeBroken(t *testing.T) {
	broken, err := os.ReadFile("testdata/broken.wasm")
	if err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile("testdata/deps.wasm")
	if err != nil {
		t.Fatal(err)
	}
	cache := wazero.NewCompilationCache()
	defer cache.Close(context.Background())
	compiling := NewCachingAnalyzer(context.Background(), cache)
	compiling.interpretBelow = 0 // every module, however small
	for _, a := range []*Analyzer{NewAnalyzer(context.Background()), compiling} {
		defer a.Close(context.Background())
		analyzeBroken(t, a, broken, valid)
	}
}

// analyzeBroken checks that a refuses each broken module with its error.
func analyzeBroken(t *testing.T, a *Analyzer, broken, valid []byte) {
	for _, tt := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"file", broken, "section 2 at byte 75: 369 bytes at byte 78 run past the end at byte 100"},
		{"empty", nil, "not a wasm module: no \\0asm magic number"},
		{"text", []byte("(module)"), "not a wasm module: no \\0asm magic number"},
		{"header", []byte("\x00asm\x01\x00"), "not a wasm module: truncated header"},
		{"version", []byte("\x00asm\x02\x00\x00\x00"), "wasm binary version 2, want 1"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), "a WebAssembly component, not a core module"},
		{"kind", []byte("\x00asm\x01\x00\x00\x00\x02\x06\x01\x01m\x01n\x07"), `import section: import 0 at byte 11: import["m"."n"] has unknown kind 0x7`},
		{"leb", []byte("\x00asm\x01\x00\x00\x00\x02\x06\xff\xff\xff\xff\x7f\x00"), "import section: LEB128 at byte 10 overflows 32 bits"},
		{"trailing", []byte("\x00asm\x01\x00\x00\x00\x02\x02\x00\x00"), "import section: 1 trailing bytes at byte 11"},
		{"type index", []byte("\x00asm\x01\x00\x00\x00\x02\x07\x01\x01m\x01n\x00\x05"), "invalid module: "},
		{"body", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b"), "invalid module: "},
		{"section", append(valid[:len(valid):len(valid)], 0x0b, 0x01), "invalid module: "},
	} {
		_, err := a.Analyze(context.Background(), tt.wasm)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Analyze(%s), compiler %v = %v, want %q", tt.name, a.compiles(len(tt.wasm)), err, tt.want)
		}
		// Build reads the module's sections itself first, then validates.
		l := &lockfile.Lock{Packages: []*lockfile.Package{{Name: "acme:app", Version: semver.MustParse("1.0.0"), Module: lockfile.Digest(tt.wasm)}}}
		_, err = a.Build(context.Background(), l, "acme:app 1.0.0", testSource{"acme:app 1.0.0": tt.wasm})
		var le *LinkError
		if !errors.As(err, &le) || !strings.HasPrefix(le.Err, tt.want) {
			t.Errorf("Build(%s), compiler %v = %v, want a LinkError %q", tt.name, a.compiles(len(tt.wasm)), err, tt.want)
		}
	}
}

// TestImportNeed checks every preview1 function and the names around them.
func TestImportNeed(t *testing.T) {
	kinds := map[policy.Kind]int{}
	for name, k := range preview1 {
		n := ImportNeed(WASI, name)
		switch {
		case k == 0 && n != Need{Kind: NeedNone}:
			t.Errorf("ImportNeed(WASI, %q) = %v, want no key", name, n)
		case k != 0 && n != Need{Kind: NeedKey, Key: k}:
			t.Errorf("ImportNeed(WASI, %q) = %v, want %v", name, n, k)
		}
		kinds[k]++
		want := policy.Kind(0)
		switch {
		case strings.HasPrefix(name, "path_") || name == "fd_readdir":
			want = policy.FS
		case strings.HasPrefix(name, "environ_"):
			want = policy.Env
		case strings.HasPrefix(name, "clock_") || name == "poll_oneoff":
			want = policy.Clock
		case name == "random_get":
			want = policy.Random
		case strings.HasPrefix(name, "sock_"):
			want = policy.Net
		}
		if k != want {
			t.Errorf("preview1[%q] = %v, want %v", name, k, want)
		}
	}
	if len(preview1) != 46 {
		t.Errorf("len(preview1) = %d, want the 46 functions of WASI preview1", len(preview1))
	}
	for _, tt := range []struct {
		module, name string
		want         Need
	}{
		{WASI, "path_open", Need{Kind: NeedKey, Key: policy.FS}},
		{WASI, "fd_write", Need{Kind: NeedNone}},
		{WASI, "sock_open", Need{Kind: NeedUnknown}},
		{WASI, "", Need{Kind: NeedUnknown}},
		{"acme:zip", "path_open", Need{Kind: NeedDependency}},
		{"wasi_unstable", "fd_write", Need{Kind: NeedUnknown}},
		{"env", "memcpy", Need{Kind: NeedUnknown}},
		{"acme:Zip", "x", Need{Kind: NeedUnknown}},
		{"", "", Need{Kind: NeedUnknown}},
	} {
		if got := ImportNeed(tt.module, tt.name); got != tt.want {
			t.Errorf("ImportNeed(%q, %q) = %v, want %v", tt.module, tt.name, got, tt.want)
		}
	}
}

// TestFixtures checks that every .wasm in testdata is what wat2wasm makes
// of the .wat beside it.
func TestFixtures(t *testing.T) {
	wasmtest.CheckFixtures(t, "testdata/*.wat", nil)
}

// FuzzImportSection checks that the import section reader never panics and
// agrees with wazero on valid modules.
func FuzzImportSection(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.wasm")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x06\x01\x01m\x01n\x07"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x0a\x01\x01m\x01n\x02\x05\xff\xff\xff\xff\x0f"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x80\x80\x80\x80\x10"))
	a := NewAnalyzer(context.Background())
	defer a.Close(context.Background())
	f.Fuzz(func(t *testing.T, wasm []byte) {
		raw, err := readImports(wasm)
		if err != nil {
			return
		}
		m, err := a.Analyze(context.Background(), wasm)
		if err != nil {
			return
		}
		if n := len(m.Imports) + len(m.ImportedNonFuncs); n != len(raw) {
			t.Errorf("Analyze has %d imports, readImports %d", n, len(raw))
		}
	})
}

// FuzzDecodeModule checks that decodeModule never panics, and that on
// every module wazero finds valid it reads what wazero reads.
func FuzzDecodeModule(f *testing.F) {
	for _, glob := range []string{"testdata/*.wasm", "../runtime/testdata/run/*.wasm", "../runtime/testdata/bench/*.wasm", "../iface/testdata/abi/*.wasm"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	// Types with results and exports of imported functions.
	f.Add(wasmtest.Module([]byte{1, 2, 0x60, 0, 0, 0x60, 1, 0x7e, 1, 0x7d},
		append(wasmtest.AppendName(wasmtest.AppendName([]byte{2, 1}, "m"), "f"), 0, 1),
		[]byte{3, 1, 0},
		append(wasmtest.AppendName(append(wasmtest.AppendName([]byte{7, 2}, "g"), 0, 0), "h"), 0, 1),
		[]byte{10, 1, 2, 0, 0x0b}))
	a := NewAnalyzer(context.Background())
	defer a.Close(context.Background())
	f.Fuzz(func(t *testing.T, wasm []byte) {
		raw, err := readImports(wasm)
		if err != nil {
			return
		}
		decoded, derr := decodeModule(wasm, raw)
		m, err := a.Analyze(context.Background(), wasm)
		if err != nil {
			return
		}
		if derr != nil {
			t.Fatalf("decodeModule = %v on a module wazero finds valid", derr)
		}
		if !sameModule(decoded, m) {
			t.Errorf("decodeModule = %+v, wazero reads %+v", decoded, m)
		}
	})
}

func TestImportsFunc(t *testing.T) {
	wasm, err := os.ReadFile("testdata/deps.wasm")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Analyze(context.Background(), wasm)
	if err != nil || len(m.Imports) == 0 {
		t.Fatalf("Analyze(deps.wasm) = %v, %v, want imports", m, err)
	}
	first := m.Imports[0]
	if ok, err := ImportsFunc(wasm, first.Module, first.Name); !ok || err != nil {
		t.Errorf("ImportsFunc(%q, %q) = %v, %v, want true", first.Module, first.Name, ok, err)
	}
	if ok, err := ImportsFunc(wasm, first.Module, first.Name+"_not"); ok || err != nil {
		t.Errorf("ImportsFunc(%q, %q) = %v, %v, want false", first.Module, first.Name+"_not", ok, err)
	}
	if _, err := ImportsFunc([]byte("not a module"), WASI, "fd_write"); err == nil {
		t.Error("ImportsFunc(not a module) succeeded, want an error")
	}
}
