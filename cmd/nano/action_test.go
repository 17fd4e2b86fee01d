package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// asNano is the environment variable that makes the test binary run as
// nano: the action test puts a "nano" on PATH that runs it so.
const asNano = "NANO_TEST_AS_NANO"

// TestMain runs the tests, or, with $NANO_TEST_AS_NANO set to 1, nano.
func TestMain(m *testing.M) {
	if os.Getenv(asNano) == "1" {
		os.Exit(run(context.Background(), ".", os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// An action is the part of action.yml that GitHub reads. Decoding it with
// KnownFields refuses a misspelt key, which GitHub would ignore.
type action struct {
	Name        string
	Description string
	Author      string
	Branding    struct{ Icon, Color string }
	Inputs      map[string]struct {
		Description string
		Required    bool
		Default     string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []actionStep
	}
}

type actionStep struct {
	ID               string
	Name             string
	If               string
	Uses             string
	With             map[string]string
	Shell            string
	WorkingDirectory string `yaml:"working-directory"`
	Env              map[string]string
	Run              string
}

func readAction(t *testing.T) *action {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	a := new(action)
	if err := dec.Decode(a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// TestActionFile checks action.yml's shape: a composite action that sets
// up Go, installs nano and audits, whose scripts read inputs only from
// their environment (an input spliced into a script by ${{ }} is run as
// shell code) and which runs nothing but the steps the runner test runs.
func TestActionFile(t *testing.T) {
	a := readAction(t)
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"working-directory", "base", "policy", "go-version", "version"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml has no input %q", in)
		}
	}
	if got, want := a.Inputs["base"].Default, "${{ github.event.pull_request.base.sha }}"; got != want {
		t.Errorf("input base defaults to %q, want %q", got, want)
	}
	var uses []string
	for i, s := range a.Runs.Steps {
		switch {
		case s.Uses != "":
			uses = append(uses, s.Uses)
		case s.Run != "":
			if s.Shell != "bash" {
				t.Errorf("step %d (%s): shell %q, want bash", i, s.Name, s.Shell)
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("step %d (%s): its script holds an expression; pass it in env", i, s.Name)
			}
		default:
			t.Errorf("step %d (%s): neither uses nor run", i, s.Name)
		}
		if s.If != "" {
			t.Errorf("step %d (%s): if: is not run by TestAction", i, s.Name)
		}
	}
	if len(uses) != 1 || !strings.HasPrefix(uses[0], "actions/setup-go@") {
		t.Errorf("steps use %q, want only actions/setup-go", uses)
	}
}

// TestAction runs action.yml's steps as a GitHub runner would, in a real
// git repository: a shallow clone of a pull request's head (as
// actions/checkout makes) whose base commit holds the bundled example's
// base lock (and is origin's branch release), with CI=true.
// actions/setup-go is not run; a "go" on PATH records what the install
// step asks and installs a "nano" that is this test binary. Nothing else
// is on PATH but git and the few programs the fake go uses.
func TestAction(t *testing.T) {
	git := needRunner(t)
	actionPath, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	a := readAction(t)
	repo := newPullRequest(t, git)

	t.Run("escalation", func(t *testing.T) {
		r := newRunner(t, repo, actionPath)
		status := r.run(a, repo.base, map[string]string{"working-directory": "app"})
		if status["nano audit"] != 1 {
			t.Fatalf("step statuses %v, want nano audit to exit 1\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
		}
		if got, want := r.goLog(), actionPath+" install ./cmd/nano\n"; got != want {
			t.Errorf("go ran as %q, want %q", got, want)
		}
		out := r.stdout.String()
		// The checkout is shallow: the step fetched the base.
		if !strings.Contains(out, "fetching the base, "+repo.base) {
			t.Errorf("stdout does not say the base was fetched:\n%s", out)
		}
		if !strings.Contains(out, "nano (devel)\n") {
			t.Errorf("stdout holds no nano version:\n%s", out)
		}
		checkEscalation(t, r, repo)
		if got := r.output(a, "status"); got != "1" {
			t.Errorf("output status = %q, want 1", got)
		}
	})

	t.Run("unchanged", func(t *testing.T) {
		// The pull request's own commit as its base, and nano from the
		// module proxy.
		r := newRunner(t, repo, actionPath)
		status := r.run(a, repo.head, map[string]string{"working-directory": "app", "version": "v0.1.0"})
		if status["nano audit"] != 0 {
			t.Fatalf("step statuses %v, want nano audit to exit 0\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
		}
		if got, want := r.goLog(), r.workspace+" install github.com/nanoproc/nano/cmd/nano@v0.1.0\n"; got != want {
			t.Errorf("go ran as %q, want %q", got, want)
		}
		out := r.stdout.String()
		if strings.Contains(out, "fetching") || len(annotations(out, "::")) != 0 {
			t.Errorf("stdout fetched or annotated:\n%s", out)
		}
		if !slices.Contains(lines(out), "nano audit: no findings") {
			t.Errorf("stdout lacks \"nano audit: no findings\":\n%s", out)
		}
		if summary := r.summary(); !strings.HasPrefix(summary, "**nano audit**: no findings; baseline: nano.lock at "+repo.head) {
			t.Errorf("GITHUB_STEP_SUMMARY:\n%s", summary)
		}
		if got := r.output(a, "status"); got != "0" {
			t.Errorf("output status = %q, want 0", got)
		}
	})

	t.Run("base branch", func(t *testing.T) {
		// A branch of origin that the shallow clone lacks, fetched by
		// name and compared by commit.
		r := newRunner(t, repo, actionPath)
		status := r.run(a, "", map[string]string{"working-directory": "app", "base": "release"})
		if status["nano audit"] != 1 {
			t.Fatalf("step statuses %v, want nano audit to exit 1\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
		}
		if want := "nano audit: baseline: nano.lock at " + repo.base + " (" + repo.base[:7] + ")"; !slices.Contains(lines(r.stdout.String()), want) {
			t.Errorf("stdout lacks the line %q:\n%s", want, r.stdout.String())
		}
	})

	t.Run("policy", func(t *testing.T) {
		// The input policy: a reviewer's approvals, beside the manifest
		// in a directory of its own, lift every finding.
		r := newRunner(t, repo, actionPath)
		var policy strings.Builder
		for _, k := range [][3]string{
			{"acme:app", "0.3.0", "clock"}, {"acme:app", "0.3.0", "env:WALLET_SEED"}, {"acme:app", "0.3.0", "net:hooks.evil.example:443"},
			{"acme:fmt", "1.2.0", "clock"},
			{"acme:notify", "1.2.4", "env:WALLET_SEED"}, {"acme:notify", "1.2.4", "net:hooks.evil.example:443"},
			{"acme:report", "1.1.0", "clock"},
		} {
			fmt.Fprintf(&policy, "[[approve]]\npackage = %q\nversion = %q\nkey = %q\nreason = \"reviewed\"\n\n", k[0], k[1], k[2])
		}
		dir := filepath.Join(r.workspace, "app", "review")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "approved.toml"), []byte(policy.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		status := r.run(a, repo.base, map[string]string{"working-directory": "app", "policy": "review/approved.toml"})
		if status["nano audit"] != 0 {
			t.Fatalf("step statuses %v, want nano audit to exit 0\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
		}
		if want := "nano audit: 0 blocking, 11 approved, 0 reported"; !slices.Contains(lines(r.stdout.String()), want) {
			t.Errorf("stdout lacks the line %q:\n%s", want, r.stdout.String())
		}
		if summary := r.summary(); !strings.HasPrefix(summary, "**nano audit**: 0 blocking, 11 approved, 0 reported") {
			t.Errorf("GITHUB_STEP_SUMMARY:\n%s", summary)
		}
	})

	t.Run("no base", func(t *testing.T) {
		// A push event has no pull request: no default base, and the
		// audit refuses to run without one.
		r := newRunner(t, repo, actionPath)
		status := r.run(a, "", map[string]string{"working-directory": "app"})
		if status["nano audit"] != 2 {
			t.Fatalf("step statuses %v, want nano audit to exit 2\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
		}
		if out := r.stdout.String(); !strings.Contains(out, "::error title=nano audit::no base revision: set the input base") {
			t.Errorf("stdout lacks the annotation that names the input:\n%s", out)
		}
		if stderr := r.stderr.String(); !strings.Contains(stderr, "nano: CI is set and audit has no baseline: pass --base GITREF") {
			t.Errorf("stderr lacks nano's refusal:\n%s", stderr)
		}
		if summary := r.summary(); summary != "" {
			t.Errorf("GITHUB_STEP_SUMMARY = %q, want it empty", summary)
		}
		if got := r.output(a, "status"); got != "2" {
			t.Errorf("output status = %q, want 2", got)
		}
	})
}

// checkEscalation checks what an audit of repo's pull request printed and
// wrote to the job summary in r: the bundled example's 11 blocking
// findings, as annotations, at most 10, and as markdown.
func checkEscalation(t *testing.T, r *runner, repo *pullRequest) {
	t.Helper()
	out := r.stdout.String()
	errs := annotations(out, "::error ")
	if len(errs) != 10 {
		t.Errorf("%d ::error lines, want 10 (GitHub's limit):\n%s", len(errs), out)
	}
	for _, want := range []string{
		// GitHub reads the file from the top of the repository: the
		// root is app/, whose nano.toml grants acme:notify the network
		// at line 24.
		"::error file=app/nano.toml,line=24,title=nano audit%3A escalation%2C breaking::acme:notify 1.2.3 -> 1.2.4: + net:hooks.evil.example:443: added in a patch upgrade",
		"nano audit: baseline: nano.lock at " + repo.base + " (" + repo.base[:7] + ")",
		"nano audit: 11 blocking, 0 approved, 0 reported",
	} {
		if !slices.Contains(lines(out), want) {
			t.Errorf("stdout lacks the line %q:\n%s", want, out)
		}
	}
	summary := r.summary()
	for _, want := range []string{
		"**nano audit**: 11 blocking, 0 approved, 0 reported; baseline: nano.lock at " + repo.base + " (" + repo.base[:7] + ")",
		"#### acme:notify 1.2.3 → 1.2.4",
		"| + | `net:hooks.evil.example:443` | escalation, breaking | **blocking** |",
	} {
		if !slices.Contains(lines(summary), want) {
			t.Errorf("GITHUB_STEP_SUMMARY lacks the line %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "::error") {
		t.Errorf("GITHUB_STEP_SUMMARY holds annotations:\n%s", summary)
	}
}

// A workflow is the part of a workflow file that TestWorkflows reads.
type workflow struct {
	Name        string
	On          any `yaml:"on"`
	Permissions map[string]string
	Jobs        map[string]struct {
		RunsOn string `yaml:"runs-on"`
		Steps  []actionStep
	}
}

// TestWorkflows runs the example workflows of docs/workflows, which the
// README shows, on the pull request of TestAction: nano.yml, which uses
// action.yml, and nano-steps.yml, the same in plain steps. Each must fail
// the job with the example's findings.
func TestWorkflows(t *testing.T) {
	git := needRunner(t)
	actionPath, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	a := readAction(t)
	repo := newPullRequest(t, git)
	for _, tc := range []struct{ file, goLog string }{
		{"nano.yml", actionPath + " install ./cmd/nano\n"},
		{"nano-steps.yml", "{workspace} install github.com/nanoproc/nano/cmd/nano@latest\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../../docs/workflows", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			var w workflow
			if err := dec.Decode(&w); err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			if w.On != "pull_request" || w.Permissions["contents"] != "read" || len(w.Permissions) != 1 {
				t.Errorf("%s: on %v, permissions %v; want pull_request, contents: read", tc.file, w.On, w.Permissions)
			}
			job, ok := w.Jobs["audit"]
			if !ok || len(w.Jobs) != 1 {
				t.Fatalf("%s: want one job, audit", tc.file)
			}
			r := newRunner(t, repo, actionPath)
			ctx := map[string]string{"github.event.pull_request.base.sha": repo.base}
			status := map[string]int{}
			if r.runSteps(job.Steps, ctx, "default", a, status) || status["nano audit"] != 1 {
				t.Fatalf("step statuses %v, want nano audit to exit 1\nstdout:\n%s\nstderr:\n%s", status, r.stdout.String(), r.stderr.String())
			}
			if got, want := r.goLog(), strings.ReplaceAll(tc.goLog, "{workspace}", r.workspace); got != want {
				t.Errorf("go ran as %q, want %q", got, want)
			}
			checkEscalation(t, r, repo)
			checkREADME(t, tc.file, data)
		})
	}
}

// checkREADME checks that the README shows the workflow file name, whose
// first line names it, as it is, once the README shows it at all.
func checkREADME(t *testing.T, name string, data []byte) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	i := bytes.Index(readme, data[:min(len(first)+1, len(data))])
	if i < 0 {
		t.Logf("README.md does not show %s", name)
		return
	}
	if !bytes.HasPrefix(readme[i:], data) {
		t.Errorf("README.md shows %s otherwise than docs/workflows/%s", first, name)
	}
}

// needRunner skips a test that runs GitHub steps where they cannot run,
// and returns git's path.
func needRunner(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the steps run in bash, with sh scripts on PATH")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	return git
}

// A pullRequest is a repository with two commits: base, the bundled
// example's application on its main branch, and head, the same with the
// pull request's nano.toml and nano.lock.
type pullRequest struct {
	origin     string
	base, head string
	gitEnv     []string
}

func newPullRequest(t *testing.T, git string) *pullRequest {
	example, err := filepath.Abs("../../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	pr := &pullRequest{origin: filepath.Join(t.TempDir(), "origin")}
	pr.gitEnv = []string{
		"HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=nano test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=nano test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z",
	}
	gitIn := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = dir, append(pr.gitEnv, "PATH="+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.CopyFS(filepath.Join(pr.origin, "registry"), os.DirFS(filepath.Join(example, "registry"))); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(pr.origin, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFiles(t, filepath.Join(example, "app"), app, "app.wasm", "app.wat")
	copyFiles(t, filepath.Join(example, "base"), app, "nano.toml", "nano.lock")
	gitIn(pr.origin, "init", "-q", "-b", "main")
	gitIn(pr.origin, "add", ".")
	gitIn(pr.origin, "commit", "-q", "-m", "base")
	pr.base = gitIn(pr.origin, "rev-parse", "HEAD")
	copyFiles(t, filepath.Join(example, "app"), app, "nano.toml", "nano.lock")
	gitIn(pr.origin, "commit", "-q", "-a", "-m", "notify 1.2.4, report 1.1")
	pr.head = gitIn(pr.origin, "rev-parse", "HEAD")
	gitIn(pr.origin, "branch", "release", pr.base)
	return pr
}

func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A runner runs an action's steps in a fresh shallow clone of a pull
// request's head, with the environment and files of a GitHub runner.
type runner struct {
	t          *testing.T
	workspace  string
	actionPath string
	temp       string // RUNNER_TEMP, which holds the files below
	gopath     string
	files      map[string]string
	env        []string
	path       []string // PATH without the runner's GITHUB_PATH additions
	stdout     bytes.Buffer
	stderr     bytes.Buffer
	outputs    map[string]map[string]string // step id -> output -> value
}

func newRunner(t *testing.T, pr *pullRequest, actionPath string) *runner {
	dir := t.TempDir()
	r := &runner{
		t:          t,
		workspace:  filepath.Join(dir, "work"),
		actionPath: actionPath,
		temp:       filepath.Join(dir, "temp"),
		gopath:     filepath.Join(dir, "gopath"),
		files:      map[string]string{},
		outputs:    map[string]map[string]string{},
	}
	git, _ := exec.LookPath("git")
	clone := exec.Command(git, "clone", "-q", "--depth", "1", "file://"+pr.origin, r.workspace)
	clone.Env = append(pr.gitEnv, "PATH="+os.Getenv("PATH"))
	if out, err := clone.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}

	// PATH: git, the programs the fake go uses, and the fake go.
	tools := filepath.Join(dir, "tools")
	for _, d := range []string{r.temp, tools} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"git", "mkdir", "cp", "chmod"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("no %s", name)
		}
		if err := os.Symlink(p, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fakeNano := filepath.Join(dir, "nano")
	writeScript(t, fakeNano, "#!/bin/sh\n"+asNano+"=1 exec '"+self+"' \"$@\"\n")
	writeScript(t, filepath.Join(tools, "go"), `#!/bin/sh
echo "$PWD $*" >>"$FAKE_GO_LOG"
if [ "$1" != install ]; then
	echo "fake go: want install" >&2
	exit 2
fi
bin=${GOBIN:-$GOPATH/bin}
mkdir -p "$bin" && cp "$FAKE_NANO" "$bin/nano" && chmod +x "$bin/nano"
`)
	r.path = []string{tools}

	for _, f := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "FAKE_GO_LOG"} {
		r.files[f] = filepath.Join(r.temp, strings.ToLower(f))
		if err := os.WriteFile(r.files[f], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.env = append(slices.Clip(pr.gitEnv),
		"CI=true", "GITHUB_ACTIONS=true",
		"GITHUB_WORKSPACE="+r.workspace,
		"GITHUB_ACTION_PATH="+actionPath,
		"RUNNER_TEMP="+r.temp,
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"FAKE_NANO="+fakeNano,
		"GOPATH="+r.gopath,
	)
	for name, f := range r.files {
		r.env = append(r.env, name+"="+f)
	}
	return r
}

func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// run runs the steps of a as the action of a workflow step with inputs
// with, on a pull request whose base commit is base (empty: an event with
// no pull request), and returns each step's exit status by name. As on
// GitHub, the first step that fails ends the run.
func (r *runner) run(a *action, base string, with map[string]string) map[string]int {
	status := map[string]int{}
	r.runAction(a, map[string]string{"github.event.pull_request.base.sha": base}, with, status)
	return status
}

// runAction runs the steps of a with inputs with in the context ctx, and
// records each step's exit status in status. It reports whether every step
// succeeded.
func (r *runner) runAction(a *action, ctx, with map[string]string, status map[string]int) bool {
	inputs := map[string]string{}
	for name, in := range a.Inputs {
		inputs[name] = r.eval(in.Default, ctx)
	}
	for name, v := range with {
		if _, ok := a.Inputs[name]; !ok {
			r.t.Fatalf("action.yml has no input %q", name)
		}
		inputs[name] = r.eval(v, ctx)
	}
	actx := maps.Clone(ctx)
	for name, v := range inputs {
		actx["inputs."+name] = v
	}
	return r.runSteps(a.Runs.Steps, actx, "", nil, status)
}

// runSteps runs steps in the context ctx and records each one's exit
// status in status. A step with no shell runs in defaultShell, or, when
// that is empty, fails the test, as a composite action's would fail on
// GitHub. A step that uses nanoproc/nano runs a. It reports whether every
// step succeeded; as on GitHub, the first step that fails ends the run.
func (r *runner) runSteps(steps []actionStep, ctx map[string]string, defaultShell string, a *action, status map[string]int) bool {
	t := r.t
	for _, s := range steps {
		if s.If != "" {
			t.Fatalf("step %s: if: %s, which this test cannot evaluate", s.Name, s.If)
		}
		name, _, _ := strings.Cut(s.Uses, "@")
		switch {
		case s.Uses == "":
		case name == "actions/checkout":
			continue // the workspace is a shallow clone already
		case name == "actions/setup-go":
			// Go is there already (a fake one); setup-go puts GOPATH/bin
			// on PATH.
			if r.eval(s.With["go-version"], ctx) == "" {
				t.Errorf("%s: no go-version", s.Uses)
			}
			r.appendFile("GITHUB_PATH", filepath.Join(r.gopath, "bin")+"\n")
			continue
		case name == "nanoproc/nano" && a != nil:
			if !r.runAction(a, ctx, s.With, status) {
				return false
			}
			continue
		default:
			t.Fatalf("step %s: uses %s, which this test cannot run", s.Name, s.Uses)
		}
		script := filepath.Join(r.temp, "step.sh")
		writeScript(t, script, s.Run)
		var cmd *exec.Cmd
		switch shell := cmp.Or(s.Shell, defaultShell); shell {
		case "bash":
			// GitHub runs shell: bash as bash --noprofile --norc -eo pipefail {0}.
			cmd = exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		case "default":
			// and a step with no shell, on Linux, as bash -e {0}.
			cmd = exec.Command("bash", "-e", script)
		default:
			t.Fatalf("step %s: shell %q", s.Name, shell)
		}
		cmd.Dir = r.workspace
		if wd := r.eval(s.WorkingDirectory, ctx); wd != "" {
			cmd.Dir = filepath.Join(r.workspace, wd)
		}
		path := slices.Concat(r.lines("GITHUB_PATH"), r.path)
		slices.Reverse(path[:len(path)-len(r.path)]) // the last line added comes first
		cmd.Env = append(slices.Clip(r.env), "PATH="+strings.Join(path, string(os.PathListSeparator)))
		for name, v := range s.Env {
			cmd.Env = append(cmd.Env, name+"="+r.eval(v, ctx))
		}
		cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("step %s: %v", s.Name, err)
		}
		status[cmp.Or(s.Name, s.Run)] = code
		if s.ID != "" {
			r.outputs[s.ID] = map[string]string{}
			for _, line := range r.lines("GITHUB_OUTPUT") {
				if name, v, ok := strings.Cut(line, "="); ok {
					r.outputs[s.ID][name] = v
				}
			}
			if err := os.WriteFile(r.files["GITHUB_OUTPUT"], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if code != 0 {
			return false
		}
	}
	return true
}

func (r *runner) appendFile(file, text string) {
	f, err := os.OpenFile(r.files[file], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	_, err = f.WriteString(text)
	if err := cmp.Or(err, f.Close()); err != nil {
		r.t.Fatal(err)
	}
}

// output returns the value of the action's output name.
func (r *runner) output(a *action, name string) string {
	ctx := map[string]string{}
	for id, outs := range r.outputs {
		for n, v := range outs {
			ctx["steps."+id+".outputs."+n] = v
		}
	}
	return r.eval(a.Outputs[name].Value, ctx)
}

var expr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// eval replaces each ${{ NAME }} of s with its value in ctx. The test
// knows no other expression: one added to action.yml must be taught here.
func (r *runner) eval(s string, ctx map[string]string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		name := expr.FindStringSubmatch(m)[1]
		v, ok := ctx[name]
		if !ok {
			r.t.Fatalf("action.yml: the expression %s is unknown to this test", m)
		}
		return v
	})
}

func (r *runner) read(file string) string {
	data, err := os.ReadFile(r.files[file])
	if err != nil {
		r.t.Fatal(err)
	}
	return string(data)
}

func (r *runner) lines(file string) []string { return lines(r.read(file)) }
func (r *runner) summary() string            { return r.read("GITHUB_STEP_SUMMARY") }
func (r *runner) goLog() string              { return r.read("FAKE_GO_LOG") }

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// annotations returns the lines of out that start with prefix.
func annotations(out, prefix string) []string {
	var a []string
	for _, l := range lines(out) {
		if strings.HasPrefix(l, prefix) {
			a = append(a, l)
		}
	}
	return a
}
