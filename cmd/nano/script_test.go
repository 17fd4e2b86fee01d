package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/iface"
)

// TestScripts runs the whole-command tests in testdata/script. Beyond the
// testscript builtins they have:
//
//	nano ARGS...   run nano in-process in the current directory; it must exit 0,
//	               or, with !, non-zero
//	status N       the last nano exited with status N
//	mkwasm [-import MODULE.NAME]... [-export NAME[:PARAMS]]... [-wit PKG=DIR]... FILE...
//	               write a minimal valid wasm module to each FILE, importing
//	               each function MODULE.NAME with type () -> () (NAME is
//	               after the last dot), exporting each function NAME with
//	               the comma-separated core PARAMS (i32, i64, f32, f64) and
//	               no results, and exporting every function of the WIT of
//	               package PKG in DIR as the canonical ABI lifts it, with
//	               cabi_realloc; each exported function traps
//	listen NAME    start a TCP server on 127.0.0.1; $NAME (upper-cased) is its ADDR:PORT
//	served NAME FILE
//	               write what each connection to NAME sent, once all have ended
//
// $EXAMPLE is the bundled example, testdata/example, $WASM this package's
// testdata/wasm, $ABI the canonical ABI guests of iface/testdata/abi,
// $GOPAIR the Go guest pair of linker/testdata/gopair, $GUESTS the guests
// of runtime/testdata/run (cfs.wasm, from C), $SPAWN the nano:process
// guests of runtime/testdata/spawn, $NET the nano:net guests of
// runtime/testdata/net, $JOBS the processes example of testdata/jobs, and
// $GOHELLO the Go hello world of testdata/guests/gohello. Run with -update to rewrite the expected files in the
// scripts from the actual output.
var runMu sync.Mutex

func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := filepath.Abs("testdata/wasm")
	if err != nil {
		t.Fatal(err)
	}
	abi, err := filepath.Abs("../../iface/testdata/abi")
	if err != nil {
		t.Fatal(err)
	}
	gopair, err := filepath.Abs("../../linker/testdata/gopair")
	if err != nil {
		t.Fatal(err)
	}
	guests, err := filepath.Abs("../../runtime/testdata/run")
	if err != nil {
		t.Fatal(err)
	}
	spawn, err := filepath.Abs("../../runtime/testdata/spawn")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := filepath.Abs("../../testdata/jobs")
	if err != nil {
		t.Fatal(err)
	}
	netGuests, err := filepath.Abs("../../runtime/testdata/net")
	if err != nil {
		t.Fatal(err)
	}
	gohello, err := filepath.Abs("../../testdata/guests/gohello/gohello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLE", example)
			env.Setenv("WASM", wasm)
			env.Setenv("ABI", abi)
			env.Setenv("GOPAIR", gopair)
			env.Setenv("GUESTS", guests)
			env.Setenv("SPAWN", spawn)
			env.Setenv("JOBS", jobs)
			env.Setenv("NET", netGuests)
			env.Setenv("GOHELLO", gohello)
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("GIT_AUTHOR_NAME", "nano test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			env.Setenv("GIT_COMMITTER_NAME", "nano test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			// Commits have the same hash in every run, and git finds no
			// repository above $WORK: outside one, an audit has no baseline.
			env.Setenv("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
			env.Setenv("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
			env.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(env.WorkDir))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"nano": func(ts *testscript.TestScript, neg bool, args []string) {
				// urfave/cli keeps its help flag in a package variable that
				// every app writes to: scripts run in parallel, nano one
				// at a time.
				runMu.Lock()
				code := runEnv(context.Background(), ts.MkAbs("."), args, &env{stdout: ts.Stdout(), stderr: ts.Stderr(), getenv: ts.Getenv, environ: func() []string { return scriptEnviron(ts) }})
				runMu.Unlock()
				ts.Setenv("NANO_STATUS", strconv.Itoa(code))
				if (code != 0) != neg {
					ts.Fatalf("nano exited with status %d", code)
				}
			},
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 || neg {
					ts.Fatalf("usage: status N")
				}
				if got := ts.Getenv("NANO_STATUS"); got != args[0] {
					ts.Fatalf("nano exited with status %s, want %s", got, args[0])
				}
			},
			"listen": listenCmd,
			"served": servedCmd,
			"mkwasm": func(ts *testscript.TestScript, neg bool, args []string) {
				var imports []string
				var exports []wasmExport
				for len(args) > 1 && strings.HasPrefix(args[0], "-") {
					flag, arg := args[0], args[1]
					args = args[2:]
					switch flag {
					case "-import":
						imports = append(imports, arg)
					case "-export":
						name, params, _ := strings.Cut(arg, ":")
						e := wasmExport{name: name}
						for _, t := range strings.Split(params, ",") {
							vt, ok := map[string]api.ValueType{"i32": api.ValueTypeI32, "i64": api.ValueTypeI64, "f32": api.ValueTypeF32, "f64": api.ValueTypeF64}[t]
							if !ok && t != "" {
								ts.Fatalf("mkwasm: -export %q: unknown type %q", arg, t)
							}
							if ok {
								e.params = append(e.params, vt)
							}
						}
						exports = append(exports, e)
					case "-wit":
						pkg, dir, _ := strings.Cut(arg, "=")
						w, err := iface.Load(ts.MkAbs(dir), pkg)
						if err != nil {
							ts.Fatalf("mkwasm: %v", err)
						}
						for _, f := range w.Funcs {
							name := f.Name
							if f.Interface != "" {
								name = f.Interface + "#" + f.Name
							}
							params, results := f.CoreExport()
							exports = append(exports, wasmExport{name, params, results})
						}
						i32 := api.ValueTypeI32
						exports = append(exports, wasmExport{"cabi_realloc", []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}})
					default:
						ts.Fatalf("mkwasm: unknown flag %s", flag)
					}
				}
				wasm, err := mkwasm(imports, exports...)
				if err != nil {
					ts.Fatalf("mkwasm: %v", err)
				}
				for _, f := range args {
					if err := os.WriteFile(ts.MkAbs(f), wasm, 0o644); err != nil {
						ts.Fatalf("%v", err)
					}
				}
			},
		},
	})
}

// A wasmExport is a function mkwasm exports: its body traps.
type wasmExport struct {
	name            string
	params, results []api.ValueType
}

// mkwasm returns a wasm module that imports each function MODULE.NAME of
// imports with type () -> (), and exports each of exports, and has no
// other section; without either, the 8-byte empty module.
func mkwasm(imports []string, exports ...wasmExport) ([]byte, error) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	if len(imports) == 0 && len(exports) == 0 {
		return wasm, nil
	}
	vec := func(b []byte, n int) []byte { // n in unsigned LEB128
		for ; n >= 0x80; n >>= 7 {
			b = append(b, byte(n)|0x80)
		}
		return append(b, byte(n))
	}
	section := func(id byte, body []byte) {
		wasm = append(vec(append(wasm, id), len(body)), body...)
	}
	// Type 0 is () -> (); type 1+i that of export i.
	types := vec(nil, 1+len(exports))
	types = append(types, 0x60, 0, 0)
	for _, e := range exports {
		types = append(vec(append(types, 0x60), len(e.params)), e.params...)
		types = append(vec(types, len(e.results)), e.results...)
	}
	section(1, types)
	if len(imports) > 0 {
		sect := vec(nil, len(imports))
		for _, im := range imports {
			i := strings.LastIndexByte(im, '.') // "nano:net/tcp@0.1.0.connect"
			mod, name, ok := im[:max(i, 0)], im[i+1:], i > 0
			if !ok {
				return nil, fmt.Errorf("-import %q: want MODULE.NAME", im)
			}
			sect = append(vec(sect, len(mod)), mod...)
			sect = append(vec(sect, len(name)), name...)
			sect = append(sect, 0, 0) // a function of type 0
		}
		section(2, sect)
	}
	if len(exports) > 0 {
		funcs, exps, code := vec(nil, len(exports)), vec(nil, len(exports)), vec(nil, len(exports))
		for i, e := range exports {
			funcs = vec(funcs, 1+i)
			exps = append(vec(exps, len(e.name)), e.name...)
			exps = vec(append(exps, 0), len(imports)+i) // a function
			code = append(code, 3, 0, 0x00, 0x0b)       // no locals; unreachable; end
		}
		section(3, funcs)
		section(7, exps)
		section(10, code)
	}
	return wasm, nil
}

// scriptEnviron is the environment of the programs that nano runs in a
// script (git): the test process's, with git's and the locale's variables
// taken from the script instead.
func scriptEnviron(ts *testscript.TestScript) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "HOME=") {
			out = append(out, kv)
		}
	}
	for _, name := range []string{"HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
		"GIT_CONFIG_NOSYSTEM", "GIT_CEILING_DIRECTORIES", "GIT_DIR", "GIT_WORK_TREE"} {
		if v := ts.Getenv(name); v != "" {
			out = append(out, name+"="+v)
		}
	}
	return out
}
