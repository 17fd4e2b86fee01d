package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the whole-command tests in testdata/script. Beyond the
// testscript builtins they have:
//
//	nano ARGS...   run nano in-process in the current directory; it must exit 0,
//	               or, with !, non-zero
//	status N       the last nano exited with status N
//	mkwasm FILE... write a minimal valid wasm module to each FILE
//
// $EXAMPLE is the bundled example, testdata/example. Run with -update to
// rewrite the expected files in the scripts from the actual output.
func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLE", example)
			env.Setenv("GIT_AUTHOR_NAME", "nano test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			env.Setenv("GIT_COMMITTER_NAME", "nano test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"nano": func(ts *testscript.TestScript, neg bool, args []string) {
				code := run(context.Background(), ts.MkAbs("."), args, ts.Stdout(), ts.Stderr())
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
			"mkwasm": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, f := range args {
					if err := os.WriteFile(ts.MkAbs(f), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
						ts.Fatalf("%v", err)
					}
				}
			},
		},
	})
}
