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
)

// TestScripts runs the whole-command tests in testdata/script. Beyond the
// testscript builtins they have:
//
//	nano ARGS...   run nano in-process in the current directory; it must exit 0,
//	               or, with !, non-zero
//	status N       the last nano exited with status N
//	mkwasm [-import MODULE.NAME]... FILE...
//	               write a minimal valid wasm module to each FILE, importing
//	               each function MODULE.NAME with type () -> () (NAME is
//	               after the last dot)
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
				for len(args) > 1 && args[0] == "-import" {
					imports, args = append(imports, args[1]), args[2:]
				}
				wasm, err := mkwasm(imports)
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

// mkwasm returns a wasm module that imports each function MODULE.NAME of
// imports with type () -> (), and has no other section; without imports,
// the 8-byte empty module.
func mkwasm(imports []string) ([]byte, error) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	if len(imports) == 0 {
		return wasm, nil
	}
	vec := func(b []byte, n int) []byte { // n in unsigned LEB128
		for ; n >= 0x80; n >>= 7 {
			b = append(b, byte(n)|0x80)
		}
		return append(b, byte(n))
	}
	wasm = append(wasm, 1, 4, 1, 0x60, 0, 0) // type 0: () -> ()
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
	return append(vec(append(wasm, 2), len(sect)), sect...), nil
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
