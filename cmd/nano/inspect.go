package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nanoproc/nano/internal/project"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

func inspectCommand(e *env, action func(func(*cli.Context) error) cli.ActionFunc) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print a module's imports and exports, each with the key it needs",
		ArgsUsage: "PATH (a .wasm file or a package directory)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "suggest", Usage: "print the [capabilities] the module's imports need instead"},
		},
		Action: action(e.inspect),
	}
}

// inspect prints what a module imports, with what each import needs, and
// what it exports. For a package directory it also compares the imports
// with the manifest, as nano audit does.
func (e *env) inspect(c *cli.Context) error {
	if c.NArg() != 1 {
		return failf(exitUsage, "inspect takes one PATH: a .wasm file or a package directory")
	}
	arg := c.Args().First()
	file := e.path(arg)
	info, err := os.Stat(file)
	if err != nil {
		return failf(exitUsage, "%v", err)
	}
	var m *manifest.Manifest
	if info.IsDir() {
		if m, err = manifest.ParseFile(filepath.Join(file, manifest.FileName)); err != nil {
			return usageIfMissing(err)
		}
		file = filepath.Join(m.Dir(), filepath.FromSlash(m.Module))
		arg = filepath.Join(arg, filepath.FromSlash(m.Module))
	}
	wasm, err := os.ReadFile(file)
	if err != nil {
		return failf(exitUsage, "%v", err)
	}
	mod, err := linker.Analyze(c.Context, wasm)
	if err != nil {
		return failf(exitUsage, "%s: %v", arg, err)
	}
	if c.Bool("suggest") {
		suggest(e.stdout, arg, mod)
		return nil
	}
	if m != nil {
		fmt.Fprintf(e.stdout, "%s: %s\n", m.ID(), m.Module)
		var mounts []string
		for _, k := range m.Keys {
			if k.Kind == policy.FS {
				mounts = append(mounts, fmt.Sprintf("fs.%s at %s", k.Name, m.Mount(k.Name)))
			}
		}
		if len(mounts) > 0 {
			fmt.Fprintf(e.stdout, "mounts: %s\n", strings.Join(slices.Compact(mounts), ", "))
		}
		for _, d := range m.Deps {
			if !d.Limits.IsZero() {
				fmt.Fprintf(e.stdout, "limits of %s: %s\n", d.Name, d.Limits)
			}
		}
	}
	for _, im := range mod.Imports {
		fmt.Fprintf(e.stdout, "%s %s: %s\n", im, im.Signature(), needText(im))
	}
	for _, s := range mod.ImportedNonFuncs {
		fmt.Fprintf(e.stdout, "%s: never links: nanoprocesses share no memory, table or global\n", s)
	}
	if len(mod.Imports)+len(mod.ImportedNonFuncs) == 0 {
		fmt.Fprintln(e.stdout, "no imports")
	}
	for _, ex := range mod.Exports {
		fmt.Fprintf(e.stdout, "%s %s\n", ex, ex.Signature())
	}
	if len(mod.Exports) == 0 {
		fmt.Fprintln(e.stdout, "no exports")
	}
	if m == nil {
		return nil
	}
	deps := make([]string, len(m.Deps))
	var handed []policy.Key
	for i, d := range m.Deps {
		deps[i] = d.Name
		handed = append(handed, d.Grant...)
	}
	fmt.Fprintln(e.stdout)
	return writeText(e.stdout, project.ImportFindings(m.Name, m.Version.String(), mod, deps, m.Keys, handed), false)
}

func needText(im linker.Import) string {
	switch im.Need.Kind {
	case linker.NeedUnknown:
		if im.Module == linker.WASI {
			return "unknown: not a WASI preview1 function"
		}
		return "unknown: neither a package, WASI, nor a nano host API"
	}
	return im.Need.String()
}

// suggest prints the [capabilities] table the module's imports need. The
// imports name kinds of keys, never their values: slots, hosts and variables
// are the author's to fill in.
func suggest(w io.Writer, file string, mod *linker.Module) {
	byKind := map[policy.Kind][]string{}
	var deps, unknown []string
	var writes, reads bool
	for _, im := range mod.Imports {
		switch im.Need.Kind {
		case linker.NeedKey:
			byKind[im.Need.Key] = append(byKind[im.Need.Key], im.Name)
		case linker.NeedDependency:
			if !slices.Contains(deps, im.Module) {
				deps = append(deps, im.Module)
			}
		case linker.NeedUnknown:
			unknown = append(unknown, fmt.Sprintf("%s never links: %s", im, strings.TrimPrefix(needText(im), "unknown: ")))
		case linker.NeedNone:
			writes = writes || im.Module == linker.WASI && im.Name == "fd_write"
			reads = reads || im.Module == linker.WASI && im.Name == "fd_read"
		}
	}
	fmt.Fprintf(w, "# The keys %s imports functions for. Its imports tell kinds of keys,\n# not which directories, hosts or variables: fill those in.\n", file)
	fmt.Fprintln(w, "[capabilities]")
	if len(byKind) == 0 && !writes && !reads {
		fmt.Fprintln(w, "# (no import needs a key)")
	}
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		fmt.Fprintf(w, "# %s: %s\n", k, strings.Join(byKind[k], ", "))
		switch k {
		case policy.FS:
			fmt.Fprintln(w, "# One slot per directory it needs, \"ro\" or \"rw\", mounted at /SLOT\n# or where [mounts] says (data = \"/\" for relative file names).\n# \"data\" is a placeholder: pick the slot names the module opens.")
			fmt.Fprintln(w, `fs.data = "rw"`)
		case policy.Net:
			fmt.Fprintln(w, "# The HOST:PORT patterns it connects to.")
			fmt.Fprintln(w, "net = []")
		case policy.Env:
			fmt.Fprintln(w, "# The environment variables it reads.")
			fmt.Fprintln(w, "env = []")
		default:
			fmt.Fprintf(w, "%s = true\n", k)
		}
	}
	if writes || reads {
		// Without a stream key, writes are discarded and reads see end of
		// file: a hello world would print nothing. The streams are given
		// to the root unless nano run --deny withholds them.
		var streams, from []string
		if reads {
			streams, from = append(streams, `"stdin"`), append(from, "fd_read")
		}
		if writes {
			streams, from = append(streams, `"stdout"`, `"stderr"`), append(from, "fd_write")
		}
		fmt.Fprintf(w, "# stdio: %s\n# The standard streams: drop the ones it does not use (fd_write and\n# fd_read also write and read files).\n", strings.Join(from, ", "))
		fmt.Fprintf(w, "stdio = [%s]\n", strings.Join(streams, ", "))
	}
	for _, d := range deps {
		fmt.Fprintf(w, "# It imports from %s: declare it under [dependencies].\n", d)
	}
	for _, u := range unknown {
		fmt.Fprintf(w, "# %s.\n", u)
	}
	for _, s := range mod.ImportedNonFuncs {
		fmt.Fprintf(w, "# %s never links: nanoprocesses share no memory, table or global.\n", s)
	}
}
