package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/nanoproc/nano/internal/project"
	"github.com/nanoproc/nano/lockfile"
)

// noBaseline describes the baseline of an audit outside a git work tree
// without --base or --base-lock: there is none, and the keys are not
// compared.
const noBaseline = "none"

// baseline sets the baseline of an audit of p in opts (SPEC section 6) and
// returns its one-line description, which every format states: from
// --base GITREF (ref) or --base-lock FILE (file); without either, nano.lock
// at HEAD in a git work tree, none outside one. With the environment
// variable CI set, one of the flags is required: a gate must never pass
// because it compared the lock with itself.
func (e *env) baseline(ctx context.Context, p *project.Project, ref, file string, opts *project.AuditOptions) (string, error) {
	switch {
	case ref != "" && file != "":
		return "", failf(exitUsage, "use --base or --base-lock, not both")
	case file != "":
		// Read beside nano.lock: a large lock takes a while.
		opts.ReadBase = func() (*lockfile.Lock, error) {
			l, err := lockfile.ReadFile(e.path(file))
			return l, usageIfMissing(err)
		}
		return file, nil
	case ref != "":
		if strings.HasPrefix(ref, "-") {
			return "", failf(exitUsage, "--base %s: not a git revision", ref)
		}
		g := e.git(ctx, p.Dir)
		inTree, err := g.inWorkTree()
		if err != nil {
			return "", failf(exitUsage, "--base %s: %v", ref, err)
		}
		if !inTree {
			msg := fmt.Sprintf("--base %s: %s is not in a git work tree", ref, p.Dir)
			if g.stderr != "" {
				msg += " (git: " + g.stderr + ")"
			}
			return "", failf(exitUsage, "%s", msg)
		}
		desc, l, err := g.lockAt(ref)
		if err != nil {
			return "", fmt.Errorf("--base %s: %w", ref, err)
		}
		opts.Base = l
		return desc, nil
	}
	if e.getenv("CI") != "" {
		return "", failf(exitUsage, "CI is set and audit has no baseline: pass --base GITREF (the pull request's base commit) or --base-lock FILE")
	}
	g := e.git(ctx, p.Dir)
	if inTree, err := g.inWorkTree(); err != nil || !inTree {
		return noBaseline, nil // no git, or not in a work tree
	}
	desc, l, err := g.lockAt("HEAD")
	if err != nil {
		return "", err
	}
	opts.Base = l
	return desc, nil
}

// A gitDir runs structured git queries in a directory: each answers with
// its exit status or its output, never with a message meant for people,
// which may be in any language.
type gitDir struct {
	ctx context.Context
	dir string
	env []string // nil: the process's
	// stderr is what the last query printed, shown to people as it is
	// (git refuses a repository owned by another user, say), never read.
	stderr string
}

func (e *env) git(ctx context.Context, dir string) *gitDir {
	g := &gitDir{ctx: ctx, dir: dir}
	if e.environ != nil {
		g.env = e.environ()
	}
	return g
}

// query runs git with args and returns its output, and false when git
// exited with a non-zero status: the answer "no". An error is git that
// could not run.
func (g *gitDir) query(args ...string) (string, bool, error) {
	cmd := exec.CommandContext(g.ctx, "git", args...)
	cmd.Dir, cmd.Env = g.dir, g.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	g.stderr = strings.TrimSpace(stderr.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("git: %w", err)
	}
	return string(out), true, nil
}

// inWorkTree reports whether the directory is inside a git work tree.
func (g *gitDir) inWorkTree() (bool, error) {
	out, ok, err := g.query("rev-parse", "--is-inside-work-tree")
	return ok && strings.TrimSpace(out) == "true", err
}

// lockAt reads nano.lock, in the directory, at the git revision rev, and
// returns the baseline's description and the lock: an empty lock, where
// every package is new, when the revision has no nano.lock there, or when
// rev is HEAD and the repository has no commit yet. A revision that names
// no commit is bad usage.
func (g *gitDir) lockAt(rev string) (string, *lockfile.Lock, error) {
	out, ok, err := g.query("rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if rev == "HEAD" {
			return "HEAD, which has no commit yet: every package is new", new(lockfile.Lock), nil
		}
		return "", nil, failf(exitUsage, "--base %s: not a commit in this git repository", rev)
	}
	commit := strings.TrimSpace(out)
	short := commit[:min(7, len(commit))]
	prefix, ok, err := g.query("rev-parse", "--show-prefix")
	if err != nil || !ok {
		return "", nil, fmt.Errorf("git rev-parse --show-prefix failed in %s", g.dir)
	}
	path := strings.TrimSpace(prefix) + project.LockFile
	blob, ok, err := g.query("rev-parse", "--verify", "--quiet", commit+":"+path)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return fmt.Sprintf("%s (%s), which has no %s: every package is new", rev, short, project.LockFile), new(lockfile.Lock), nil
	}
	cmd := exec.CommandContext(g.ctx, "git", "cat-file", "blob", strings.TrimSpace(blob))
	cmd.Dir, cmd.Env = g.dir, g.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("git cat-file blob %s:%s: %v: %s", short, path, err, strings.TrimSpace(stderr.String()))
	}
	l, err := lockfile.Parse(rev+":"+path, data)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("%s at %s (%s)", project.LockFile, rev, short), l, nil
}
