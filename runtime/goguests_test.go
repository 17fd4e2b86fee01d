package runtime

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// TestGoGuests checks that the committed Go guests are what their source
// builds to, as testdata/run/build.sh, linker/testdata/gopair/build.sh and
// testdata/jobs/build.sh and testdata/build.sh build them. Go's output depends on its version, so the check runs only with
// the version in testdata/GOVERSION, the one they were built with.
func TestGoGuests(t *testing.T) {
	if testing.Short() {
		t.Skip("building Go guests takes a while")
	}
	want, err := os.ReadFile("testdata/GOVERSION")
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(want)); v != goruntime.Version() {
		t.Skipf("the Go guests were built with %s, this is %s", v, goruntime.Version())
	}
	for _, g := range []struct {
		pkg, wasm string
		reactor   bool
	}{
		{"./testdata/run/fsprobe", "testdata/run/fsprobe.wasm", false},
		{"./testdata/run/goroot", "testdata/run/goroot.wasm", false},
		{"./testdata/run/goadd", "testdata/run/goadd.wasm", true},
		{"../linker/testdata/gopair/child", "../linker/testdata/gopair/child/zip.wasm", true},
		{"../linker/testdata/gopair/parent", "../linker/testdata/gopair/parent/app.wasm", true},
		{"../testdata/jobs/orch", "../testdata/jobs/orch/orch.wasm", false},
		{"./testdata/net/gofetch", "testdata/net/gofetch.wasm", false},
		{"../testdata/guests/gohello", "../testdata/guests/gohello/gohello.wasm", false},
	} {
		t.Run(filepath.Base(g.wasm), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out.wasm")
			args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}
			if g.reactor {
				args = append(args, "-buildmode=c-shared")
			}
			cmd := exec.Command("go", append(args, g.pkg)...)
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build %s: %v\n%s", g.pkg, err, msg)
			}
			got, _ := os.ReadFile(out)
			committed, err := os.ReadFile(g.wasm)
			if err != nil || !bytes.Equal(got, committed) {
				t.Errorf("%s differs from what %s builds to (%v): run testdata/build.sh", g.wasm, g.pkg, err)
			}
		})
	}
}

// TestCGuests checks that the committed C guest is what its source builds
// to with Debian's clang and wasi-libc, as testdata/run/build.sh builds it.
// It is skipped without clang, or with a clang other than the one it was
// built with (testdata/CLANGVERSION).
func TestCGuests(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("no clang")
	}
	want, err := os.ReadFile("testdata/CLANGVERSION")
	if err != nil {
		t.Fatal(err)
	}
	v, err := exec.Command(clang, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := strings.Cut(string(v), "\n"); got != strings.TrimSpace(string(want)) {
		t.Skipf("the C guests were built with %s, this is %s", strings.TrimSpace(string(want)), got)
	}
	out := filepath.Join(t.TempDir(), "cfs.wasm")
	cmd := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-Werror", "-Wl,--strip-all", "-o", out, "cfs/cfs.c")
	cmd.Dir = "testdata/run"
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("clang cannot build for wasm32-wasi here (wasi-libc or libclang-rt-14-dev-wasm32 missing?): %v\n%s", err, msg)
	}
	got, _ := os.ReadFile(out)
	committed, err := os.ReadFile("testdata/run/cfs.wasm")
	if err != nil || !bytes.Equal(got, committed) {
		t.Errorf("testdata/run/cfs.wasm differs from what cfs/cfs.c builds to (%v): run testdata/build.sh", err)
	}
}
