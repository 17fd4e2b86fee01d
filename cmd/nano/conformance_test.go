package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/policy"
)

// testsuite is the vendored WebAssembly WASI testsuite (preview1).
const testsuite = "../../testdata/wasi-testsuite"

// testsuiteLanguages are the languages the testsuite's modules are written
// in, each a directory of testsuite.
var testsuiteLanguages = []string{"assemblyscript", "c", "rust"}

// testsuiteLimits gives, by LANGUAGE/TEST, why a test fails on plain
// wazero v1.12.0, and so on nano, which serves WASI with wazero's host
// functions. The test fails when nano fails a test that plain wazero
// passes, listed or not: the list explains the table.
var testsuiteLimits = map[string]string{
	"c/pwrite-with-append":      "fd_pwrite on a file opened with O_APPEND fails: an os.File refuses WriteAt in append mode (Linux's pwrite would write at the end)",
	"c/sock_shutdown-not_sock":  "sock_shutdown on a descriptor that is not a socket returns EBADF, not ENOTSOCK",
	"rust/dir_fd_op_failures":   "fd_prestat_dir_name's length check is reversed: a buffer shorter than the name succeeds, truncated, and a longer one fails with ENAMETOOLONG",
	"rust/fd_fdstat_set_rights": "fd_fdstat_set_rights is a stub returning ENOSYS: wazero tracks no rights",
	"rust/truncation_rights":    "fd_fdstat_set_rights is a stub returning ENOSYS: wazero tracks no rights",
	"rust/path_open_read_write": "fd_fdstat_get reports every right, not those path_open asked for: wazero tracks no rights",
	"rust/overwrite_preopen":    "fd_renumber onto a preopened directory returns ENOTSUP",
	"rust/stdio":                "fd_renumber from stdin, stdout or stderr returns ENOTSUP: wazero marks them preopened",
	"rust/renumber":             "fd_renumber to a descriptor that is not open succeeds instead of failing with EBADF",
	"rust/path_filestat":        "fd_fdstat_get does not report the FDFLAGS_SYNC a file was opened with",
	"rust/path_link":            "path_link ignores LOOKUPFLAGS_SYMLINK_FOLLOW and links a dangling symbolic link instead of failing",
	"rust/poll_oneoff_stdio":    "poll_oneoff answers every fd_write subscription with ENOTSUP",
	"rust/readlink":             "path_readlink into a buffer shorter than the link fails with ERANGE instead of truncating",
	"rust/symlink_filestat":     "path_filestat_set_times without LOOKUPFLAGS_SYMLINK_FOLLOW opens the path, following the link, and sets the target's times",
}

// TestWASITestsuite runs every preview1 module of the WASI testsuite twice:
// as the root of a package, through nano lock, nano build and nano run, with
// only the keys its .json needs; and on plain wazero, configured as
// wazero's own command line configures it (the testsuite's wazero adapter
// runs "wazero run -mount=ROOT:/ -env=K=V... MODULE ARGS..."). It fails
// when nano fails a test that plain wazero passes, and logs the table of
// both.
func TestWASITestsuite(t *testing.T) {
	if _, err := os.Stat(testsuite); err != nil {
		t.Skipf("the WASI testsuite is not vendored: %v", err)
	}
	ctx := context.Background()
	h := newHarness(t)
	defer h.close()
	type tally struct{ nanoPass, nanoFail, wazeroPass, wazeroFail int }
	tallies := map[string]*tally{}
	var failures []string // one line per test that either fails
	for _, lang := range testsuiteLanguages {
		wasms, err := filepath.Glob(filepath.Join(testsuite, lang, "*.wasm"))
		if err != nil || len(wasms) == 0 {
			t.Fatalf("no modules in %s: %v", filepath.Join(testsuite, lang), err)
		}
		slices.Sort(wasms)
		tl := &tally{}
		tallies[lang] = tl
		t.Run(lang, func(t *testing.T) {
			for _, wasm := range wasms {
				name := strings.TrimSuffix(filepath.Base(wasm), ".wasm")
				id := lang + "/" + name
				t.Run(name, func(t *testing.T) {
					tc, err := loadTestCase(wasm)
					if err != nil {
						t.Fatal(err)
					}
					wz := h.runWazero(ctx, t, tc)
					nn := h.runNano(t, tc)
					wzErr, nanoErr := tc.check(wz), tc.check(nn)
					verdict := func(err error, pass, fail *int) string {
						if err != nil {
							*fail++
							return "fails"
						}
						*pass++
						return "passes"
					}
					wzVerdict := verdict(wzErr, &tl.wazeroPass, &tl.wazeroFail)
					nanoVerdict := verdict(nanoErr, &tl.nanoPass, &tl.nanoFail)
					reason, listed := testsuiteLimits[id]
					switch {
					case nanoErr != nil && wzErr == nil:
						t.Errorf("nano fails a test plain wazero passes: %v\nnano stderr:\n%s", nanoErr, nn.stderr)
						reason = nanoErr.Error()
					case wzErr != nil && !listed:
						t.Logf("plain wazero fails a test testsuiteLimits does not explain: %v", wzErr)
					case wzErr == nil && listed:
						t.Logf("listed in testsuiteLimits, but plain wazero passes: drop it")
					}
					if nanoErr != nil || wzErr != nil {
						t.Logf("nano: %v\nwazero: %v", nanoErr, wzErr)
						failures = append(failures, fmt.Sprintf("%s: nano %s, wazero %s: %s", id, nanoVerdict, wzVerdict, reason))
					}
				})
			}
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "WASI testsuite, preview1 (%s):\n", h.commit)
	fmt.Fprintf(&b, "%-16s %12s %12s %14s %14s\n", "language", "nano passed", "nano failed", "wazero passed", "wazero failed")
	var total tally
	for _, lang := range testsuiteLanguages {
		tl := tallies[lang]
		fmt.Fprintf(&b, "%-16s %12d %12d %14d %14d\n", lang, tl.nanoPass, tl.nanoFail, tl.wazeroPass, tl.wazeroFail)
		total.nanoPass += tl.nanoPass
		total.nanoFail += tl.nanoFail
		total.wazeroPass += tl.wazeroPass
		total.wazeroFail += tl.wazeroFail
	}
	fmt.Fprintf(&b, "%-16s %12d %12d %14d %14d\n", "total", total.nanoPass, total.nanoFail, total.wazeroPass, total.wazeroFail)
	for _, f := range failures {
		b.WriteString(f + "\n")
	}
	t.Log(b.String())
}

// A testCase is one module of the testsuite with its specification, the
// .json beside it in the testsuite's legacy format.
type testCase struct {
	wasm string // the module's path
	name string
	spec struct {
		Args     []string          `json:"args"`
		Env      map[string]string `json:"env"`
		Root     string            `json:"root"` // preopened as the guest's "/"
		ExitCode int               `json:"exit_code"`
		Stdout   *string           `json:"stdout"`
		Stderr   *string           `json:"stderr"`
	}
}

func loadTestCase(wasm string) (*testCase, error) {
	tc := &testCase{wasm: wasm, name: strings.TrimSuffix(filepath.Base(wasm), ".wasm")}
	data, err := os.ReadFile(strings.TrimSuffix(wasm, ".wasm") + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return tc, nil // the defaults: no arguments, exit 0
	}
	if err != nil {
		return nil, err
	}
	// Fail on what this runner does not know, such as the newer
	// operation-based format, rather than ignore it.
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&tc.spec); err != nil {
		return nil, fmt.Errorf("%s.json: %v", tc.name, err)
	}
	return tc, nil
}

// An outcome is what a run of a module did.
type outcome struct {
	code           int
	stdout, stderr string
}

// check compares an outcome with the specification: the exit status, and
// stdout and stderr where the specification gives them. It compares the
// streams whole, where the testsuite's own runner reads only as many bytes
// as it expects.
func (tc *testCase) check(o outcome) error {
	var msgs []string
	if o.code != tc.spec.ExitCode {
		msgs = append(msgs, fmt.Sprintf("exit status %d, want %d", o.code, tc.spec.ExitCode))
	}
	if tc.spec.Stdout != nil && o.stdout != *tc.spec.Stdout {
		msgs = append(msgs, fmt.Sprintf("stdout %q, want %q", o.stdout, *tc.spec.Stdout))
	}
	if tc.spec.Stderr != nil && o.stderr != *tc.spec.Stderr {
		msgs = append(msgs, fmt.Sprintf("stderr %q, want %q", o.stderr, *tc.spec.Stderr))
	}
	if len(msgs) == 0 {
		return nil
	}
	err := errors.New(strings.Join(msgs, "; "))
	if o.code != tc.spec.ExitCode && o.stderr != "" {
		err = fmt.Errorf("%v; stderr: %s", err, firstLine(o.stderr))
	}
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// A harness runs modules on nano and on plain wazero, each with a
// compilation cache that every run shares.
type harness struct {
	tmp      string
	cacheDir string // nano's XDG_CACHE_HOME
	wzCache  wazero.CompilationCache
	analyzer *linker.Analyzer
	commit   string // of the vendored testsuite
}

func newHarness(t *testing.T) *harness {
	tmp := t.TempDir()
	h := &harness{tmp: tmp, cacheDir: filepath.Join(tmp, "cache"), analyzer: linker.NewAnalyzer(context.Background())}
	cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(tmp, "wazero-cache"))
	if err != nil {
		t.Fatal(err)
	}
	h.wzCache = cache
	if c, err := os.ReadFile(filepath.Join(testsuite, "COMMIT")); err == nil {
		h.commit = strings.TrimSpace(string(c))
	}
	return h
}

func (h *harness) close() {
	ctx := context.Background()
	h.wzCache.Close(ctx)
	h.analyzer.Close(ctx)
}

// copyRoot copies the test's root directory, if it has one, to a fresh
// directory: tests write to it.
func (h *harness) copyRoot(t *testing.T, tc *testCase) string {
	if tc.spec.Root == "" {
		return ""
	}
	dst, err := os.MkdirTemp(h.tmp, "root-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(filepath.Dir(tc.wasm), tc.spec.Root))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// runWazero runs a module as wazero's command line runs it.
func (h *harness) runWazero(ctx context.Context, t *testing.T, tc *testCase) outcome {
	return h.runPlain(ctx, t, tc.wasm, tc.spec.Args, tc.spec.Env, h.copyRoot(t, tc), "/", nil)
}

// runPlain runs a module on plain wazero the way wazero's command line
// does (wazero run -mount=DIR:GUEST -env=K=V MODULE ARGS...): real clocks
// and entropy, the streams, env exactly as given.
func (h *harness) runPlain(ctx context.Context, t *testing.T, wasmPath string, args []string, env map[string]string, dir, guest string, stdin io.Reader) outcome {
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(h.wzCache))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	fsc := wazero.NewFSConfig()
	if dir != "" {
		fsc = fsc.(sysfs.FSConfig).WithSysFSMount(sysfs.DirFS(dir), guest)
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	mc := wazero.NewModuleConfig().
		WithStdout(&stdout).WithStderr(&stderr).WithStdin(stdin).
		WithRandSource(crand.Reader).WithFSConfig(fsc).
		WithSysNanosleep().WithSysNanotime().WithSysWalltime().
		WithArgs(append([]string{filepath.Base(wasmPath)}, args...)...)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		mc = mc.WithEnv(k, env[k])
	}
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return outcome{code: 1, stderr: "error compiling wasm binary: " + err.Error()}
	}
	o := outcome{}
	if _, err := rt.InstantiateModule(ctx, cm, mc); err != nil {
		var exit *sys.ExitError
		if errors.As(err, &exit) {
			o.code = int(exit.ExitCode())
		} else {
			o.code = 1
			stderr.WriteString("error instantiating wasm binary: " + err.Error() + "\n")
		}
	}
	o.stdout, o.stderr = stdout.String(), stderr.String()
	return o
}

// runNano makes the module the root of a package that declares only the
// keys the test needs, locks, builds and runs it.
func (h *harness) runNano(t *testing.T, tc *testCase) outcome {
	p := nanoPackage{
		name: "wasi-testsuite:" + slug(tc.name),
		wasm: tc.wasm,
		env:  tc.spec.Env,
		args: tc.spec.Args,
	}
	if tc.spec.Root != "" {
		p.slot, p.mount, p.dir = slug(tc.spec.Root), "/", h.copyRoot(t, tc)
	}
	return h.nano(t, p)
}

// A nanoPackage is a package of one module, run as the root.
type nanoPackage struct {
	name  string
	wasm  string
	slot  string // the fs slot, if any, mounted at mount, given dir
	mount string
	dir   string
	env   map[string]string
	args  []string
	stdin io.Reader // given the stdin key when not nil
}

// nano writes the package, locks, builds and runs it, and returns what
// nano run did, or, when lock or build fails, what that did, as status 125.
func (h *harness) nano(t *testing.T, p nanoPackage) outcome {
	wasm, err := os.ReadFile(p.wasm)
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.analyzer.Analyze(context.Background(), wasm)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", p.wasm, err)
	}
	kinds := map[policy.Kind]bool{}
	for _, im := range m.Imports {
		if im.Need.Kind == linker.NeedKey {
			kinds[im.Need.Key] = true
		}
	}
	pkg, err := os.MkdirTemp(h.tmp, "pkg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "module.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	var toml strings.Builder
	fmt.Fprintf(&toml, "[package]\nname = %q\nversion = \"1.0.0\"\nmodule = \"module.wasm\"\n\n[capabilities]\n", p.name)
	if p.slot != "" {
		fmt.Fprintf(&toml, "fs.%s = \"rw\"\n", p.slot)
	}
	if len(p.env) > 0 {
		fmt.Fprintf(&toml, "env = %s\n", tomlList(slices.Sorted(maps.Keys(p.env))))
	}
	if kinds[policy.Clock] {
		toml.WriteString("clock = true\n")
	}
	if kinds[policy.Random] {
		toml.WriteString("random = true\n")
	}
	stdio := []string{"stdout", "stderr"}
	if p.stdin != nil {
		stdio = append([]string{"stdin"}, stdio...)
	}
	fmt.Fprintf(&toml, "stdio = %s\n", tomlList(stdio))
	if p.slot != "" && p.mount != "/"+p.slot {
		fmt.Fprintf(&toml, "\n[mounts]\n%s = %q\n", p.slot, p.mount)
	}
	if err := os.WriteFile(filepath.Join(pkg, "nano.toml"), []byte(toml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"lock"}, {"build", "-o", "test.nano"}} {
		if o := h.runNanoCommand(pkg, args, nil); o.code != 0 {
			// Not the guest's failure, but nano's all the same: exit 125
			// as nano run does when it fails itself.
			t.Logf("nano %s: exit status %d\n%s%s\nnano.toml:\n%s", strings.Join(args, " "), o.code, o.stdout, o.stderr, toml.String())
			return outcome{code: exitRunFailure, stderr: fmt.Sprintf("nano %s: %s", args[0], o.stderr)}
		}
	}
	args := []string{"run", "test.nano"}
	if p.slot != "" {
		args = append(args, "--dir", p.slot+"="+p.dir)
	}
	for _, k := range slices.Sorted(maps.Keys(p.env)) {
		args = append(args, "--env", k+"="+p.env[k])
	}
	args = append(append(args, "--"), p.args...)
	return h.runNanoCommand(pkg, args, p.stdin)
}

// runNanoCommand runs nano in-process in dir, with the harness's cache.
func (h *harness) runNanoCommand(dir string, args []string, stdin io.Reader) outcome {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	getenv := func(name string) string {
		if name == "XDG_CACHE_HOME" {
			return h.cacheDir
		}
		return ""
	}
	runMu.Lock() // see TestScripts
	code := runEnv(context.Background(), dir, args, &env{stdin: stdin, stdout: &stdout, stderr: &stderr, getenv: getenv})
	runMu.Unlock()
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

var nonSlot = regexp.MustCompile(`[^a-z0-9-]+`)

// slug turns a test or directory name into a package name part or a slot
// name: [a-z][a-z0-9-]*.
func slug(s string) string {
	s = strings.Trim(nonSlot.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = "x-" + s
	}
	return s
}

func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// guests are the command-line guests built with real toolchains.
const guests = "../../testdata/guests"

// TestToolchainGuests runs the Rust and C guests of testdata/guests through
// nano lock, build and run, and on plain wazero, side by side: flag-like
// arguments after "--" reach the guest (and "--" itself does not, unless
// repeated), a relative file name resolves under a slot mounted at "/",
// a directory walk states entries relative to their directory's
// descriptor, and stdin is read to end of file.
func TestToolchainGuests(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	defer h.close()

	args := []string{"-V", "--help", "--dir=x", "-", "--", "x y"}
	stdin := make([]byte, 100_000) // more than any one read
	for i := range stdin {
		stdin[i] = byte(i * 7 / 3)
	}
	var want strings.Builder
	for i, a := range args {
		fmt.Fprintf(&want, "arg %d: %q\n", i+1, a)
	}
	argLines := want.String()
	stdinLine := fmt.Sprintf("stdin: %d bytes, fnv1a %08x\n", len(stdin), fnv1a(stdin))

	tree := map[string]string{
		"input.txt":         "hello from the host\n",
		"tree/a.txt":        "alpha\n",
		"tree/sub/b.txt":    "bravo, charlie\n",
		"tree/sub/deeper/c": "",
	}
	mkTree := func(t *testing.T) string {
		dir := t.TempDir()
		for name, data := range tree {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Mkdir(filepath.Join(dir, "tree", "empty"), 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	rustWant := argLines + `input.txt: "hello from the host\n"
walk ./input.txt 20
walk ./tree/
walk ./tree/a.txt 6
walk ./tree/empty/
walk ./tree/sub/
walk ./tree/sub/b.txt 15
walk ./tree/sub/deeper/
walk ./tree/sub/deeper/c 0
` + stdinLine

	for _, g := range []struct {
		name string
		wasm string
		slot string // mounted at "/"
		want string
	}{
		{name: "rust", wasm: "rustcli/rustcli.wasm", slot: "work", want: rustWant},
		{name: "c", wasm: "ccli/ccli.wasm", want: argLines + stdinLine},
	} {
		t.Run(g.name, func(t *testing.T) {
			wasm := filepath.Join(guests, g.wasm)
			check := func(runtime string, o outcome) {
				t.Helper()
				if o.code != 0 || o.stdout != g.want {
					t.Errorf("%s: exit status %d, stdout:\n%s\nwant exit status 0, stdout:\n%s\nstderr:\n%s", runtime, o.code, o.stdout, g.want, o.stderr)
				}
			}
			var dir string
			if g.slot != "" {
				dir = mkTree(t)
			}
			check("wazero", h.runPlain(ctx, t, wasm, args, nil, dir, "/", bytes.NewReader(stdin)))
			p := nanoPackage{name: "guests:" + g.name + "cli", wasm: wasm, args: args, stdin: bytes.NewReader(stdin)}
			if g.slot != "" {
				p.slot, p.mount, p.dir = g.slot, "/", mkTree(t)
			}
			check("nano", h.nano(t, p))
		})
	}
}

// TestToolchainGuestsBuilt checks that the committed Rust and C guests are
// what their source builds to, with their build.sh in a copy of their
// directory. The output depends on the compiler, so the check runs only
// with the compiler named in the guest's VERSION, and skips without it.
func TestToolchainGuestsBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("building the guests takes a while")
	}
	for _, g := range []struct{ dir, wasm, compiler, versionFlag string }{
		{"rustcli", "rustcli.wasm", "/usr/bin/rustc", "--version"},
		{"ccli", "ccli.wasm", "clang", "--version"},
		// The analyzer of the jobs example (testdata/jobs), which imports
		// nano:process.
		{"../jobs/analyzer", "analyzer.wasm", "clang", "--version"},
	} {
		t.Run(filepath.Base(g.dir), func(t *testing.T) {
			src := filepath.Join(guests, g.dir)
			want, err := os.ReadFile(filepath.Join(src, "VERSION"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(g.compiler, g.versionFlag).Output()
			if err != nil {
				t.Skipf("%s: %v", g.compiler, err)
			}
			if got, want := firstLine(string(out)), strings.TrimSpace(string(want)); got != want {
				t.Skipf("%s was built with %s, this is %s", g.wasm, want, got)
			}
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command("bash", filepath.Join(dir, "build.sh")).CombinedOutput(); err != nil {
				t.Fatalf("%s/build.sh: %v\n%s", g.dir, err, msg)
			}
			got, err := os.ReadFile(filepath.Join(dir, g.wasm))
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(filepath.Join(src, g.wasm))
			if err != nil || !bytes.Equal(got, committed) {
				t.Errorf("%s differs from what its source builds to (%v): run testdata/build.sh", filepath.Join(src, g.wasm), err)
			}
		})
	}
}

// fnv1a is the 32-bit FNV-1a hash the guests print.
func fnv1a(b []byte) uint32 {
	h := uint32(0x811c9dc5)
	for _, c := range b {
		h = (h ^ uint32(c)) * 0x01000193
	}
	return h
}
