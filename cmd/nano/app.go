package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/nanoproc/nano/graph"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/project"
	"github.com/nanoproc/nano/internal/report"
	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/registry"
)

// An exitError carries the exit status for an error. Its message has been
// printed already when err is nil.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// failf returns an error with exit status code.
func failf(code int, format string, args ...any) error {
	return &exitError{code, fmt.Errorf(format, args...)}
}

// classify gives an error from the library its exit status: malformed input
// is 2, everything else the command found is 1.
func classify(err error) error {
	var (
		ee   *exitError
		list tomlfile.List
		wit  *iface.Error
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return err
	case errors.As(err, &list), errors.As(err, &wit):
		return &exitError{exitUsage, err}
	}
	return &exitError{exitFound, err}
}

// env is what every command works with.
type env struct {
	dir      string    // -C, joined to the working directory
	registry string    // --registry
	stdin    io.Reader // nil: the process's
	getenv   func(string) string
	environ  func() []string // of the programs nano runs (git); nil: the process's
	stdout   io.Writer
	stderr   io.Writer
	unknown  string // a command not found
}

// run runs nano with args as if in directory dir and returns the exit status.
func run(ctx context.Context, dir string, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, dir, args, &env{stdout: stdout, stderr: stderr, getenv: os.Getenv})
}

// runEnv runs nano with the streams and environment of e.
func runEnv(ctx context.Context, dir string, args []string, e *env) int {
	stderr := e.stderr
	app := newApp(e, dir)
	completeFrom(app, args)
	err := app.RunContext(ctx, append([]string{"nano"}, intersperse(app, args)...))
	if err == nil && e.unknown != "" {
		err = failf(exitUsage, "unknown command %q; run nano help", e.unknown)
	}
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintf(stderr, "nano: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "nano: %v\n", err) // from flag parsing: usage
	return exitUsage
}

func newApp(e *env, dir string) *cli.App {
	// action wraps a command so that every error it returns has a status.
	action := func(f func(c *cli.Context) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			e.dir = dir
			if d := c.String("C"); d != "" {
				if !filepath.IsAbs(d) {
					d = filepath.Join(dir, d)
				}
				e.dir = d
			}
			// The global --registry: publish has a flag of the same name, so
			// read it from the app's context, the command's parent.
			if lineage := c.Lineage(); len(lineage) > 1 {
				e.registry = e.path(lineage[1].String("registry"))
			}
			return classify(f(c))
		}
	}
	formatFlag := &cli.StringFlag{Name: "format", Value: "text", Usage: formatUsage}
	app := &cli.App{
		Name:           "nano",
		Usage:          "make third-party WebAssembly code safe to depend on",
		Writer:         e.stdout,
		ErrWriter:      e.stderr,
		ExitErrHandler: func(*cli.Context, error) {}, // run maps errors to statuses
		// A flag given twice gives two values; a comma inside one is part of
		// it (--env LIST=a,b), never a second value.
		DisableSliceFlagSeparator: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "C", Usage: "run as if in `DIR`"},
			&cli.StringFlag{Name: "registry", Usage: "use the local registry in `DIR` instead of the manifest's"},
			&cli.BoolFlag{Name: "offline", Usage: "use no network (local registries never do)"},
		},
		CommandNotFound: func(c *cli.Context, name string) {
			e.unknown = name
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return err },
		// nano completion bash prints the script that asks nano for the
		// words to complete with --generate-bash-completion.
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			{
				Name:      "init",
				Usage:     "write a starter nano.toml",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "name", Usage: "package `NS:NAME` (default local:DIRNAME)"}},
				Action:    action(e.init),
			},
			{
				Name:      "lock",
				Usage:     "resolve the dependency graph and write nano.lock",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "check", Usage: "write nothing; fail if nano.lock is missing or out of date"}},
				Action:    action(e.lock),
			},
			{
				Name:      "update",
				Usage:     "re-resolve allowing newer versions, write nano.lock and print the capability diff",
				ArgsUsage: "[PKG...]",
				Flags:     []cli.Flag{formatFlag},
				Action:    action(e.update),
			},
			{
				Name:      "audit",
				Usage:     "the CI gate: check nano.lock and diff its keys against a baseline",
				ArgsUsage: " ",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "base", Usage: "read the baseline nano.lock at git revision `GITREF`"},
					&cli.StringFlag{Name: "base-lock", Usage: "read the baseline from `FILE`"},
					&cli.StringFlag{Name: "policy", Usage: "approvals `FILE` (default nano-policy.toml beside nano.toml)"},
					formatFlag,
				},
				Action: action(e.audit),
			},
			{
				Name:      "diff",
				Usage:     "print the capability diff between two lockfiles",
				ArgsUsage: "OLD.lock NEW.lock",
				Flags:     []cli.Flag{formatFlag},
				Action:    action(e.diff),
			},
			{
				Name:      "why",
				Usage:     "print every path from the root to a package, with the grant on each edge",
				ArgsUsage: "PKG [KEY]",
				Action:    action(e.why),
			},
			inspectCommand(e, action),
			{
				Name:      "build",
				Usage:     "link the locked tree into a bundle of nanoprocesses",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "o", Usage: "write the bundle to `FILE` (default NAME.nano)"}},
				Action:    action(e.build),
			},
			{
				Name:      "run",
				Usage:     "run a bundle or a package directory's locked tree, handing the root its keys",
				ArgsUsage: "BUNDLE|DIR [--invoke FUNC [ARGS...]] [-- ARGS...]",
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "dir", Usage: "hand the root's fs slot a host directory: `SLOT=PATH[:ro]`"},
					&cli.StringSliceFlag{Name: "env", Usage: "hand the root an environment variable: `NAME[=VALUE]` (default the host's)"},
					&cli.StringSliceFlag{Name: "net", Usage: "hand the root a network destination: `HOST:PORT`"},
					&cli.StringSliceFlag{Name: "connect-to", Usage: "connect to HOST:PORT at ADDR:PORT2, an IP address of the operator's choice, whatever HOST resolves to (a key is still needed): `HOST:PORT=ADDR:PORT2`"},
					&cli.StringSliceFlag{Name: "deny", Usage: "withhold a key the root declares: `clock|random|stdin|stdout|stderr`"},
					&cli.StringFlag{Name: "max-memory", Usage: "the ceiling of each nanoprocess's linear memory: `SIZE` (64MiB, 1GiB)"},
					&cli.StringFlag{Name: "timeout", Usage: "stop the whole run after `DURATION` (500ms, 30s), exit 125"},
					&cli.StringFlag{Name: "invoke", Usage: "call the root's exported `FUNC` with the arguments instead of _start"},
				},
				Action: action(e.run),
			},
			{
				Name:      "wit",
				Usage:     "print the WIT of nano's host APIs, for writing bindings",
				ArgsUsage: "[nano:PACKAGE]",
				Action:    action(e.wit),
			},
			{
				Name:      "publish",
				Usage:     "publish the current package to a local registry",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "registry", Usage: "the registry `DIR`"}},
				Action:    action(e.publish),
			},
			{
				Name:      "version",
				Usage:     "print nano's version and the versions of its runtime and WIT parser",
				ArgsUsage: " ",
				Action:    action(e.version),
			},
			{
				Name:      "completion",
				Usage:     "print the shell completion script: source <(nano completion bash)",
				ArgsUsage: "bash|zsh",
				Action:    action(e.completion),
			},
		},
	}
	for _, c := range app.Commands {
		c.HideHelpCommand = true
		c.OnUsageError = app.OnUsageError
	}
	return app
}

// intersperse lets a command's flags follow its arguments, as in
// "nano diff OLD NEW --format json": urfave/cli stops at the first argument,
// so the flags move in front of the arguments. Everything after "--" is an
// argument, however it looks: it stays in order after the other arguments,
// and "--" itself goes before them all, where the flag parser drops it.
func intersperse(app *cli.App, args []string) []string {
	if len(args) > 0 && args[len(args)-1] == "--generate-bash-completion" {
		return args // urfave/cli reads it only as the last argument
	}
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		if !strings.Contains(args[i], "=") && (args[i] == "-C" || args[i] == "--C" || args[i] == "-registry" || args[i] == "--registry") {
			i++
		}
		i++
	}
	if i >= len(args) {
		return args
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, rest, after []string
	for j := i + 1; j < len(args); j++ {
		a := args[j]
		if a == "--" {
			after = args[j+1:]
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || a == "-" || isNumber(a) {
			rest = append(rest, a) // an argument, such as --invoke's -1
			continue
		}
		flags = append(flags, a)
		if takesValue[name] && !hasValue && j+1 < len(args) {
			j++
			flags = append(flags, args[j])
		}
	}
	out := append(slices.Clone(args[:i+1]), flags...)
	if after != nil {
		out = append(out, "--")
	}
	out = append(out, rest...)
	return append(out, after...)
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return failf(exitUsage, "%s takes no arguments, got %q", c.Command.Name, c.Args().First())
	}
	return nil
}

// load loads the project in e.dir. A missing nano.toml is bad usage.
func (e *env) load() (*project.Project, error) {
	p, err := project.Load(e.dir, e.registry)
	if err != nil {
		return nil, e.noManifest(err)
	}
	return p, nil
}

// noManifest makes an error reading a nano.toml that does not exist, the
// root's or a path dependency's, a usage error (exit 2), and says what to
// do when it is the root's.
func (e *env) noManifest(err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(pe, fs.ErrNotExist) || filepath.Base(pe.Path) != manifest.FileName {
		return err
	}
	if filepath.Clean(filepath.Dir(pe.Path)) == filepath.Clean(e.dir) {
		return failf(exitUsage, "no %s in %s: run nano init to write one, or nano -C DIR to use another directory", manifest.FileName, e.dir)
	}
	return &exitError{exitUsage, err}
}

// path resolves a path from the command line: relative to -C's directory.
func (e *env) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.dir, p)
}

// loadLocked loads the project and its nano.lock, nil if there is none.
func (e *env) loadLocked() (*project.Project, *lockfile.Lock, error) {
	p, err := e.load()
	if err != nil {
		return nil, nil, err
	}
	l, err := p.ReadLock()
	if errors.Is(err, os.ErrNotExist) {
		return p, nil, nil
	}
	return p, l, err
}

// workspaceDir returns dir, the root's directory, relative to the GitHub
// Actions workspace (GITHUB_WORKSPACE, the checked out repository), with a
// trailing slash; "" outside a workflow, for the top of the workspace,
// and for a root outside it. GitHub reads an annotation's file from the
// top of the repository.
func (e *env) workspaceDir(dir string) string {
	ws := e.getenv("GITHUB_WORKSPACE")
	if ws == "" {
		return ""
	}
	real := func(p string) string {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		return p
	}
	rel, err := filepath.Rel(real(ws), real(dir))
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return ""
	}
	return filepath.ToSlash(rel) + "/"
}

func (e *env) rel(path string) string {
	if r, err := filepath.Rel(e.dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

func (e *env) init(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	name := c.String("name")
	if name == "" {
		abs, err := filepath.Abs(e.dir)
		if err != nil {
			return err
		}
		base := strings.Trim(nonName.ReplaceAllString(strings.ToLower(filepath.Base(abs)), "-"), "-")
		if base == "" || base[0] < 'a' || base[0] > 'z' {
			base = "app-" + base
		}
		name = "local:" + base
	}
	if err := policy.CheckName(name); err != nil {
		return failf(exitUsage, "--name: %v", err)
	}
	_, short, _ := strings.Cut(name, ":")
	file := filepath.Join(e.dir, manifest.FileName)
	if err := writeNew(file, []byte(fmt.Sprintf(starter, name, short))); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s for %s\n", file, name)
	return nil
}

const starter = `[package]
name = %q
version = "0.1.0"
module = "%s.wasm"

# Every key the package needs, to use or to hand down.
[capabilities]
stdio = ["stdout", "stderr"]
# fs.data = "rw"
# net = ["api.example.com:443"]
# env = ["LANG"]
# clock = true
# random = true

[dependencies]
# "acme:zip" = "^1.4"

# Where the dependencies are published: a local registry directory,
# relative to this file (nano publish --registry DIR fills one).
[registry]
# path = "../registry"
`

// writeNew writes a file that must not exist yet, all at once.
func writeNew(file string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".nano-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), file); err != nil {
		if errors.Is(err, os.ErrExist) {
			return failf(exitFound, "%s already exists", file)
		}
		return err
	}
	return nil
}

func (e *env) lock(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	p, old, err := e.loadLocked()
	if err != nil {
		return err
	}
	if c.Bool("check") {
		if old == nil {
			return failf(exitFound, "%s is missing: run nano lock", e.rel(p.LockPath()))
		}
		fs := p.Check(old)
		if len(fs) == 0 {
			fmt.Fprintf(e.stdout, "%s is up to date\n", e.rel(p.LockPath()))
			return nil
		}
		if err := writeText(e.stdout, fs, true); err != nil {
			return err
		}
		return failf(exitFound, "%s is out of date: run nano lock", e.rel(p.LockPath()))
	}
	_, err = e.relock(e.stdout, p, old, nil, false)
	return err
}

// relock resolves, prints the notes, and writes nano.lock, saying so to out.
func (e *env) relock(out io.Writer, p *project.Project, old *lockfile.Lock, update []string, all bool) (*lockfile.Lock, error) {
	if err := p.CheckWIT(); err != nil {
		return nil, err
	}
	g, err := p.Resolve(old, update, all)
	if err != nil {
		return nil, err
	}
	printNotes(e.stderr, g)
	l, err := p.Lock(g)
	if err != nil {
		return nil, err
	}
	if err := project.CheckDigests(old, l); err != nil {
		return nil, err
	}
	if err := lockfile.WriteFile(p.LockPath(), l); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "wrote %s: %s, %s\n", e.rel(p.LockPath()), plural(len(l.Packages), "package"), plural(len(l.Edges), "edge"))
	for _, w := range p.SilentWriters(l) {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	return l, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func printNotes(w io.Writer, g *graph.Graph) {
	for _, n := range g.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func (e *env) update(c *cli.Context) error {
	format := c.String("format")
	if err := checkFormat(format); err != nil {
		return err
	}
	p, old, err := e.loadLocked()
	if err != nil {
		return err
	}
	names := c.Args().Slice()
	for _, n := range names {
		if old == nil || !hasPackage(old, n) {
			return failf(exitUsage, "%s is not in %s", n, e.rel(p.LockPath()))
		}
	}
	// In another format than text, stdout is the report alone.
	out := e.stdout
	if format != "text" {
		out = e.stderr
	}
	l, err := e.relock(out, p, old, names, len(names) == 0)
	if err != nil {
		return err
	}
	hd := &report.Header{Command: "update", Baseline: "nano.lock before the update", Dir: e.workspaceDir(p.Dir)}
	if old == nil {
		old = new(lockfile.Lock)
		hd.Baseline = "none"
	}
	fs := append(project.Changes(old, l), p.InterfaceChanges(old, l)...)
	if written, err := lockfile.Parse(p.LockPath(), l.Marshal()); err == nil {
		// The text relock wrote, for the lines of its packages.
		p.Locate(fs, written, old, nil)
	}
	policy.SortFindings(fs)
	_, err = writeReport(e.stdout, format, hd, fs)
	return err
}

func hasPackage(l *lockfile.Lock, name string) bool {
	for _, p := range l.Packages {
		if p.Name == name {
			return true
		}
	}
	return false
}

func (e *env) audit(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	format := c.String("format")
	if err := checkFormat(format); err != nil {
		return err
	}
	p, err := e.load()
	if err != nil {
		return err
	}
	opts := project.AuditOptions{Today: today(), Cache: e.compilationCache()}
	if opts.Cache != nil {
		defer opts.Cache.Close(c.Context)
	}
	base, err := e.baseline(c.Context, p, c.String("base"), c.String("base-lock"), &opts)
	if err != nil {
		return err
	}
	pol := e.path(c.String("policy"))
	if def := filepath.Join(p.Dir, policy.PolicyFile); pol == "" && exists(def) {
		pol = def
	}
	if pol != "" {
		if opts.Policy, err = policy.ReadPolicy(pol); err != nil {
			return usageIfMissing(err)
		}
	}
	fs, err := p.Audit(opts)
	if err != nil {
		return err
	}
	hd := &report.Header{Command: "audit", Gate: true, Base: c.String("base"), Baseline: base, Dir: e.workspaceDir(p.Dir)}
	if hd.Base == "" {
		hd.Base = c.String("base-lock")
	}
	if base == "" {
		hd.Baseline = "none"
	}
	sum, err := writeReport(e.stdout, format, hd, fs)
	if err != nil {
		return err
	}
	if sum.Blocking > 0 {
		return &exitError{code: exitFound}
	}
	return nil
}

// usageIfMissing makes a file named on the command line that does not
// exist a usage error.
func usageIfMissing(err error) error {
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return &exitError{exitUsage, err}
	}
	return err
}

func today() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

func (e *env) diff(c *cli.Context) error {
	format := c.String("format")
	if err := checkFormat(format); err != nil {
		return err
	}
	if c.NArg() != 2 {
		return failf(exitUsage, "diff takes OLD.lock NEW.lock")
	}
	var locks [2]*lockfile.Lock
	for i, f := range c.Args().Slice() {
		l, err := lockfile.ReadFile(e.path(f))
		if err != nil {
			return failf(exitUsage, "%v", err)
		}
		locks[i] = l
	}
	fs := project.Changes(locks[0], locks[1])
	if p, err := e.load(); err == nil {
		// In a project, the registry has the packages' WIT to compare.
		fs = append(fs, p.InterfaceChanges(locks[0], locks[1])...)
		policy.SortFindings(fs)
	}
	old := c.Args().First()
	_, err := writeReport(e.stdout, format, &report.Header{Command: "diff", Base: old, Baseline: old}, fs)
	return err
}

func (e *env) publish(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	m, err := manifest.ParseFile(filepath.Join(e.dir, manifest.FileName))
	if err != nil {
		return e.noManifest(err)
	}
	dir := e.path(c.String("registry"))
	if dir == "" {
		dir = e.registry
	}
	if dir == "" && m.Registry != "" {
		dir = filepath.Join(e.dir, filepath.FromSlash(m.Registry))
	}
	if dir == "" {
		return failf(exitUsage, "publish needs --registry DIR")
	}
	if m.WIT != "" {
		if _, err := iface.Load(filepath.Join(e.dir, filepath.FromSlash(m.WIT)), m.Name); err != nil {
			return err
		}
	}
	dst, err := (&registry.Registry{Dir: dir}).Publish(m)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "published %s to %s\n", m.ID(), dst)
	return nil
}
