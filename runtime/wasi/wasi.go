// Package wasi is WASI preview1 for nanoprocesses: the configuration that
// gives one nanoprocess exactly what its keys allow (its directories,
// confined by internal/rootfs; its environment; the clocks; entropy; its
// standard streams; its arguments), and the instantiation of WASI's host
// functions, shared by every nanoprocess of a runtime. Package runtime
// calls it; it never imports runtime.
package wasi

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"

	"github.com/nanoproc/nano/internal/rootfs"
	"github.com/nanoproc/nano/policy"
)

// A Dir is a host directory the operator hands the root for one fs slot.
type Dir struct {
	Path     string
	ReadOnly bool
}

// A Host is what the operator hands the root, which every nanoprocess's
// keys draw on.
type Host struct {
	Dirs map[string]Dir // by the root's slot
	// Roots, if set, holds Dirs already open, by slot: a runtime that
	// mounts their sub-directories for many nanoprocesses opens each once.
	Roots map[string]*os.Root
	Env   map[string]string // by name
	// Deny withholds keys: "clock", "random", "stdin", "stdout" or
	// "stderr".
	Deny map[string]bool

	Stdin          io.Reader // nil reads as empty
	Stdout, Stderr io.Writer // nil discards

	// Done, if not nil, is closed when the nanoprocesses stop: a guest
	// sleeping with the real clock wakes then, so that a kill or a time
	// limit is not held up by a sleep.
	Done <-chan struct{}
}

// Instantiate instantiates WASI preview1 in rt, with nano's confined
// filesystem calls: the host functions every nanoprocess of rt imports.
func Instantiate(ctx context.Context, rt wazero.Runtime) error {
	_, err := rootfs.InstantiateWASI(ctx, rt)
	return err
}

// Config returns the module configuration that gives one nanoprocess its
// keys and nothing else: keys are the keys it holds, canonical, each fs
// key naming the root's slot and the sub-path in it; mountAt says where its
// guest filesystem shows each of its fs slots; args are its arguments,
// its name first.
func Config(h *Host, keys policy.Set, mountAt func(slot string) string, args []string) (wazero.ModuleConfig, error) {
	// Instances are anonymous: an import binds only through the
	// bundle's links, never by a name in wazero's namespace, where WASI
	// alone is.
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().WithArgs(args...)
	var entropy io.Reader = rand.NewChaCha8([32]byte{}) // deterministic without random
	var mounts []mount
	for _, k := range keys {
		switch k.Kind {
		case policy.FS:
			slot, sub, _ := strings.Cut(k.Source, "/")
			dir := h.Dirs[slot]
			// Keys, not flags, decide writes: a missing sub-directory is
			// made only when this key is rw (so, as the bundle's check
			// verified, is every key above it up to the root's) and the
			// operator's directory is not read-only.
			ro := dir.ReadOnly || k.Access == policy.RO
			var fs experimentalsys.FS
			var err error
			if root := h.Roots[slot]; root != nil {
				fs, err = rootfs.OpenSubIn(root, sub, ro, !ro)
			} else {
				fs, err = rootfs.OpenSub(dir.Path, sub, ro, !ro)
			}
			if err != nil {
				closeMounts(mounts)
				if errors.Is(err, iofs.ErrNotExist) && ro && sub != "" {
					return nil, &MissingSubError{Key: k, Slot: slot, Sub: sub, ReadOnlyDir: dir.ReadOnly}
				}
				return nil, fmt.Errorf("%s: %v", k, err)
			}
			mounts = append(mounts, mount{mountAt(k.Name), fs})
		case policy.Env:
			mc = mc.WithEnv(k.Name, h.Env[k.Name])
		case policy.Clock:
			if !h.Deny["clock"] {
				mc = mc.WithSysWalltime().WithSysNanotime().WithSysNanosleep()
				if done := h.Done; done != nil {
					mc = mc.WithNanosleep(func(ns int64) {
						t := time.NewTimer(time.Duration(ns))
						defer t.Stop()
						select {
						case <-t.C:
						case <-done:
						}
					})
				}
			}
		case policy.Random:
			if !h.Deny["random"] {
				entropy = crand.Reader
			}
		case policy.Stdio:
			if h.Deny[k.Name] {
				continue
			}
			switch k.Name {
			case "stdin":
				mc = mc.WithStdin(orEmpty(h.Stdin))
			case "stdout":
				mc = mc.WithStdout(orDiscard(h.Stdout))
			case "stderr":
				mc = mc.WithStderr(orDiscard(h.Stderr))
			}
		}
	}
	// Pre-opened in the order of their guest paths, so that a slot at /
	// comes first: Go's wasip1 takes the first pre-open for its working
	// directory (wasi-libc's is always /).
	slices.SortFunc(mounts, func(a, b mount) int { return strings.Compare(a.at, b.at) })
	fsc := wazero.NewFSConfig()
	for _, m := range mounts {
		fsc = fsc.(sysfs.FSConfig).WithSysFSMount(m.fs, m.at)
	}
	return mc.WithRandSource(entropy).WithFSConfig(fsc), nil
}

// A MissingSubError is a sub-directory that an fs key names, which does
// not exist in the operator's directory, and which the nanoprocess may not
// make: its key is read-only, or the operator's directory is.
type MissingSubError struct {
	Key         policy.Key
	Slot        string // the root's slot of the operator's directory
	Sub         string // the sub-path in it
	ReadOnlyDir bool   // the operator's directory is read-only
}

// Error returns the message of the MissingSubError.
func (e *MissingSubError) Error() string {
	why := "a read-only key does not make it"
	if e.ReadOnlyDir {
		why = "the operator's directory is read-only"
	}
	return fmt.Sprintf("%s: %s does not exist in the directory of fs slot %s, and %s", e.Key, e.Sub, e.Slot, why)
}

// A mount is a directory and where the guest sees it.
type mount struct {
	at string
	fs experimentalsys.FS
}

// closeMounts releases the directories of mounts that no module got.
func closeMounts(mounts []mount) {
	for _, m := range mounts {
		if c, ok := m.fs.(io.Closer); ok {
			c.Close()
		}
	}
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
