package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/urfave/cli/v2"

	"github.com/nanoproc/nano/internal/project"
	"github.com/nanoproc/nano/internal/report"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
	"github.com/nanoproc/nano/runtime/nethost"
	"github.com/nanoproc/nano/runtime/wasi"
)

// exitRunFailure is nano run's status when nano itself fails: a trap, a
// missing key, a bad bundle. Otherwise run exits with the guest's status.
const exitRunFailure = 125

func (e *env) build(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	p, b, err := e.link(c.Context, e.dir)
	if err != nil {
		return err
	}
	out := e.path(c.String("o"))
	if out == "" {
		_, name, _ := strings.Cut(p.Root.Name, ":")
		out = filepath.Join(e.dir, name+".nano")
	}
	if err := b.WriteFile(out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %s, %s\n", e.rel(out), plural(len(b.Instances), "nanoprocess"), plural(len(b.Modules), "module"))
	return nil
}

// link links the locked tree of the package in dir into a bundle, as
// nano build and nano run DIR do: it refuses a missing nano.lock, one that
// does not match the tree, and modules that do not match it.
func (e *env) link(ctx context.Context, dir string) (*project.Project, *linker.Bundle, error) {
	p, err := project.Load(dir, e.registry)
	if err != nil {
		return nil, nil, e.noManifest(err)
	}
	l, err := p.ReadLock()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, failf(exitFound, "%s is missing: run nano lock", e.rel(p.LockPath()))
	}
	if err != nil {
		return nil, nil, err
	}
	if fs := p.Check(l); report.Count(fs).Blocking > 0 {
		if err := writeText(e.stderr, fs, true); err != nil {
			return nil, nil, err
		}
		return nil, nil, failf(exitFound, "%s does not match the tree: run nano lock", e.rel(p.LockPath()))
	}
	// Modules are validated by compiling them into the cache nano run
	// compiles into: each is compiled once, at build, for build and run.
	cache := e.compilationCache()
	if cache != nil {
		defer cache.Close(ctx)
	}
	a := linker.NewCachingAnalyzer(ctx, cache)
	defer a.Close(ctx)
	b, err := a.Build(ctx, l, p.Root.ID(), p)
	if err != nil {
		return nil, nil, err
	}
	return p, b, nil
}

// run runs a bundle. Its failures exit 125, leaving 0-124 to the guest;
// bad usage exits 2 as in every command.
func (e *env) run(c *cli.Context) (err error) {
	defer func() {
		if r := recover(); r != nil { // a bug, but nano's own failure all the same
			err = &exitError{exitRunFailure, fmt.Errorf("internal error: %v", r)}
		}
	}()
	err = e.runBundle(c)
	var ee *exitError
	if err != nil && !(errors.As(err, &ee) && (ee.err == nil || ee.code == exitUsage)) {
		return &exitError{exitRunFailure, err}
	}
	return err
}

func (e *env) runBundle(c *cli.Context) error {
	if c.NArg() < 1 {
		return failf(exitUsage, "run takes BUNDLE or DIR")
	}
	cfg := &runtime.Config{
		Dirs: map[string]runtime.Dir{}, Env: map[string]string{}, Deny: map[string]bool{},
		Stdin: os.Stdin, Stdout: e.stdout, Stderr: e.stderr,
	}
	if e.stdin != nil {
		cfg.Stdin = e.stdin
	}
	for _, d := range c.StringSlice("dir") {
		slot, host, ok := strings.Cut(d, "=")
		if !ok || policy.CheckSlot(slot) != nil || host == "" {
			return failf(exitUsage, "--dir %q: want SLOT=PATH[:ro]", d)
		}
		host, ro := strings.CutSuffix(host, ":ro")
		cfg.Dirs[slot] = runtime.Dir{Path: e.path(host), ReadOnly: ro}
	}
	for _, v := range c.StringSlice("env") {
		name, value, ok := strings.Cut(v, "=")
		if err := policy.CheckEnv(name); err != nil {
			return failf(exitUsage, "--env: %v", err)
		}
		if !ok {
			value = e.getenv(name)
		}
		cfg.Env[name] = value
	}
	for _, n := range c.StringSlice("net") {
		k, err := policy.ParseNet(n)
		if err != nil {
			return failf(exitUsage, "--net: %v", err)
		}
		cfg.Net = append(cfg.Net, k)
	}
	for _, v := range c.StringSlice("connect-to") {
		target, addr, err := nethost.ParseConnectTo(v)
		if err != nil {
			return failf(exitUsage, "--connect-to: %v", err)
		}
		if cfg.Network.ConnectTo == nil {
			cfg.Network.ConnectTo = map[string]netip.AddrPort{}
		}
		cfg.Network.ConnectTo[target] = addr
	}
	for _, d := range c.StringSlice("deny") {
		cfg.Deny[d] = true
	}
	if v := c.String("max-memory"); v != "" {
		n, err := limits.ParseSize(v)
		if err != nil {
			return failf(exitUsage, "--max-memory: %v", err)
		}
		cfg.MaxMemory = n
	}
	if v := c.String("timeout"); v != "" {
		d, err := limits.ParseDuration(v)
		if err != nil {
			return failf(exitUsage, "--timeout: %v", err)
		}
		cfg.Timeout = d
	}
	var b *linker.Bundle
	var err error
	if arg := e.path(c.Args().First()); isDir(arg) {
		if !exists(filepath.Join(arg, manifest.FileName)) {
			return failf(exitUsage, "%s: no %s: nano run takes a bundle or a package directory", e.rel(arg), manifest.FileName)
		}
		_, b, err = e.link(c.Context, arg)
	} else {
		b, err = linker.ReadBundle(arg)
	}
	if err != nil {
		return err
	}
	narrowNotes(e.stderr, b, cfg.Dirs)
	args := c.Args().Tail()
	if c.String("invoke") == "" {
		cfg.Args = args
	}
	if cfg.Cache = e.compilationCache(); cfg.Cache != nil {
		defer cfg.Cache.Close(c.Context)
	}
	stop := e.progress("compiling " + plural(len(b.Modules), "module"))
	p, err := runtime.Start(c.Context, b, cfg)
	stop()
	var keysErr *runtime.RootKeysError
	if errors.As(err, &keysErr) {
		return errors.New(rootKeysFlags(keysErr))
	}
	var subErr *wasi.MissingSubError
	var runErr *runtime.RunError
	if errors.As(err, &subErr) && errors.As(err, &runErr) {
		return fmt.Errorf("%s: %s", runErr.Path, missingSubFlags(subErr))
	}
	if err != nil {
		return err
	}
	defer p.Close(context.Background())
	if fn := c.String("invoke"); fn != "" {
		results, err := p.Invoke(c.Context, fn, args)
		if err != nil {
			return timeoutFlags(err)
		}
		for _, r := range results {
			fmt.Fprintln(e.stdout, r)
		}
		return nil
	}
	code, err := p.Main(c.Context)
	if errors.Is(err, runtime.ErrNoStart) {
		return fmt.Errorf("%w: use --invoke", err)
	}
	if err != nil {
		return timeoutFlags(err)
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// timeoutFlags says a TimeoutError in the flags of nano run.
func timeoutFlags(err error) error {
	var timeout *runtime.TimeoutError
	var runErr *runtime.RunError
	if errors.As(err, &timeout) && errors.As(err, &runErr) {
		return fmt.Errorf("%s: the run took longer than --timeout %s and was stopped", runErr.Path, limits.FormatDuration(timeout.Timeout))
	}
	return err
}

// rootKeysFlags says what a RootKeysError says in the flags of nano run:
// the flags to add for the keys the root declares, where the root sees
// each fs slot among them, and the flags to drop.
func rootKeysFlags(e *runtime.RootKeysError) string {
	var add, drop, msgs []string
	var mounts []string
	for _, k := range e.Missing {
		switch k.Kind {
		case policy.FS:
			flag := "--dir " + k.Name + "=PATH"
			if k.Access == policy.RO {
				flag += ":ro"
			}
			add = append(add, flag)
			mounts = append(mounts, fmt.Sprintf("%s sees fs slot %s at %s", e.Root, k.Name, e.Mounts[k.Name]))
		case policy.Env:
			add = append(add, "--env "+k.Name)
		case policy.Net:
			add = append(add, "--net "+k.Name+":"+k.Port)
		}
	}
	for _, k := range e.Extra {
		switch k.Kind {
		case policy.FS:
			drop = append(drop, "--dir "+k.Name)
		case policy.Env:
			drop = append(drop, "--env "+k.Name)
		case policy.Net:
			drop = append(drop, "--net "+k.Name+":"+k.Port)
		}
	}
	for _, d := range e.UnknownDeny {
		drop = append(drop, "--deny "+d)
	}
	if len(add) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s needs keys the command line does not give; add:\n\t%s", e.Root, strings.Join(add, " ")))
		msgs = append(msgs, mounts...)
	}
	if len(drop) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s does not declare these keys; drop:\n\t%s", e.Root, strings.Join(drop, " ")))
	}
	return strings.Join(msgs, "\n")
}

// missingSubFlags says what a MissingSubError says in the flags of nano
// run.
func missingSubFlags(e *wasi.MissingSubError) string {
	why := "a read-only key does not make it"
	if e.ReadOnlyDir {
		why = "the operator's --dir " + e.Slot + " is :ro"
	}
	return fmt.Sprintf("%s: %s does not exist in the directory of --dir %s, and %s", e.Key, e.Sub, e.Slot, why)
}

// narrowNotes says which --dir SLOT=PATH:ro narrow an fs slot that the
// root declares rw: legal, and the run goes on read-only, but a guest that
// then fails to write should not leave the operator guessing why.
func narrowNotes(w io.Writer, b *linker.Bundle, dirs map[string]runtime.Dir) {
	if len(b.Instances) == 0 {
		return
	}
	root := b.Instances[len(b.Instances)-1]
	for _, text := range root.Keys {
		k, err := policy.ParseKey(text)
		if err != nil || k.Kind != policy.FS || k.Access != policy.RW || !dirs[k.Name].ReadOnly {
			continue
		}
		fmt.Fprintf(w, "note: --dir %s=...:ro narrows slot %s, which %s declares rw: the run goes on with it read-only\n", k.Name, k.Name, root.Package)
	}
}

// isDir reports whether path is a directory: a package directory,
// which nano run links in memory instead of reading a bundle.
func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// compilationCache opens the compilation cache in the user's cache
// directory, which nano build, audit and run share, or returns nil if
// there is none. Close it when done.
func (e *env) compilationCache() wazero.CompilationCache {
	dir := e.cacheDir()
	if dir == "" {
		return nil
	}
	cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, "nano", "wazero"))
	if err != nil {
		return nil
	}
	return cache
}

// cacheDir returns the user's cache directory, as os.UserCacheDir finds it
// but from e's environment, or "" if there is none.
func (e *env) cacheDir() string {
	if dir := e.getenv("XDG_CACHE_HOME"); dir != "" {
		return dir
	}
	if home := e.getenv("HOME"); home != "" {
		return filepath.Join(home, ".cache")
	}
	dir, _ := os.UserCacheDir()
	return dir
}

// progress prints what a slow step is doing, on a terminal, once it has
// taken longer than a moment; the returned func ends it.
func (e *env) progress(what string) func() {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return func() {}
	}
	if info, err := f.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprintf(f, "\r\033[K")
				}
				return
			case <-tick.C:
				if time.Since(start) > 500*time.Millisecond {
					fmt.Fprintf(f, "\rnano: %s... %.1fs", what, time.Since(start).Seconds())
					shown = true
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
