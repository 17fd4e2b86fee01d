package project

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
	"github.com/tetratelabs/wazero"
)

// CheckImports compares what the module of every package in the lock
// imports with what the package declares. It reports as undeclared-import
// an import from a module that is neither a declared dependency nor WASI
// (blocking), and a WASI import that needs a kind of key the package does
// not declare (reported only); as unused-key a declared key that the
// module never imports a function for and that the package hands to no
// dependency. A module that differs from the lock's digest is skipped:
// integrity or stale-lock findings report it. Modules are validated into
// cache, if not nil, as linker.NewCachingAnalyzer does.
func (p *Project) CheckImports(ctx context.Context, lock *lockfile.Lock, cache wazero.CompilationCache) []policy.Finding {
	imports, _ := p.checkModules(ctx, lock, cache)
	return imports
}

// CheckLinks makes the link checks of nano build on the locked tree, with
// linker.CheckLock, and reports each problem as a blocking link finding:
// an import that the dependency its edge binds it to does not export, or
// exports with another signature or otherwise than its WIT declares; a
// WIT function that the package's module does not export as its WIT
// declares. Imports that the package does not declare are left to
// CheckImports, and modules or WIT that differ from the lock's digests to
// integrity or stale-lock findings. Modules are validated into cache as
// CheckImports validates them.
func (p *Project) CheckLinks(ctx context.Context, lock *lockfile.Lock, cache wazero.CompilationCache) []policy.Finding {
	_, links := p.checkModules(ctx, lock, cache)
	return links
}

// checkModules analyzes the module of every package in the lock once, and
// returns the findings of CheckImports and of CheckLinks.
func (p *Project) checkModules(ctx context.Context, lock *lockfile.Lock, cache wazero.CompilationCache) (imports, links []policy.Finding) {
	handed := make(map[string][]policy.Key, len(lock.Packages)) // by parent ID
	for _, e := range lock.Edges {
		handed[e.Parent] = append(handed[e.Parent], e.Grant...)
	}
	// Locate each module and check its digest; analyze each distinct
	// module once.
	files := map[string]string{} // by digest
	for _, pkg := range lock.Packages {
		m, err := p.manifestOf(pkg)
		if err != nil {
			continue
		}
		file := filepath.Join(m.Dir(), filepath.FromSlash(m.Module))
		p.mu.Lock()
		fd, ok := p.files[m] // hashed while locking, most likely
		p.mu.Unlock()
		if ok && fd.module == pkg.Module {
			files[pkg.Module] = file
		} else if d, err := p.hash(file, lockfile.HashFile); err == nil && d == pkg.Module {
			files[pkg.Module] = file
		}
	}
	type result struct {
		m   *linker.Module
		err error
	}
	digests := slices.Sorted(maps.Keys(files))
	results := make([]result, len(digests))
	a := linker.NewCachingAnalyzer(ctx, cache)
	defer a.Close(ctx)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(runtime.GOMAXPROCS(0), len(digests)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(digests); i = int(next.Add(1) - 1) {
				r := &results[i]
				data, err := os.ReadFile(files[digests[i]])
				switch {
				case err != nil:
					r.err = err
				case lockfile.Digest(data) != digests[i]:
					r.err = fmt.Errorf("%s changed while nano read it", files[digests[i]])
				default:
					r.m, r.err = a.Analyze(ctx, data)
				}
			}
		})
	}
	wg.Wait()

	var out []policy.Finding
	linkables := make(map[string]linker.Linkable, len(lock.Packages))
	for _, pkg := range lock.Packages {
		i, ok := slices.BinarySearch(digests, pkg.Module)
		if !ok || files[pkg.Module] == "" {
			continue
		}
		if err := results[i].err; err != nil {
			out = append(out, policy.Finding{Kind: policy.UndeclaredImport, Package: pkg.Name, To: vtext.String(pkg.Version),
				Reason: "cannot read the module's imports: " + err.Error(), Blocks: true})
			continue
		}
		deps := make([]string, len(pkg.Dependencies))
		for j, d := range pkg.Dependencies {
			deps[j], _, _ = strings.Cut(d, " ")
		}
		out = append(out, ImportFindings(pkg.Name, vtext.String(pkg.Version), results[i].m, deps, pkg.Keys, handed[pkg.ID()])...)
		w, ok, err := p.lockedInterface(pkg)
		if err != nil {
			links = append(links, policy.Finding{Kind: policy.Link, Package: pkg.Name, To: vtext.String(pkg.Version),
				Reason: "cannot read its WIT: " + err.Error(), Blocks: true})
		}
		if ok && err == nil {
			linkables[pkg.ID()] = linker.Linkable{Module: results[i].m, WIT: w}
		}
	}
	_, errs := linker.CheckLock(lock, linkables)
	return out, append(links, LinkFindings(lock, errs)...)
}

// LinkFindings returns a blocking link finding for each *linker.LinkError
// among errs that linker.CheckLock returned for lock, but those about
// imports the package does not declare: ImportFindings reports those as
// undeclared-import.
func LinkFindings(lock *lockfile.Lock, errs []error) []policy.Finding {
	pkgs := make(map[string]*lockfile.Package, len(lock.Packages))
	for _, pkg := range lock.Packages {
		pkgs[pkg.ID()] = pkg
	}
	var out []policy.Finding
	for _, err := range errs {
		le, ok := err.(*linker.LinkError)
		if !ok || le.Undeclared {
			continue
		}
		f := policy.Finding{Kind: policy.Link, Package: le.Package, Reason: le.Err, Blocks: true}
		if pkg := pkgs[le.Package]; pkg != nil {
			f.Package, f.To = pkg.Name, vtext.String(pkg.Version)
		}
		switch {
		case le.Export != "":
			f.Key = "wit:func " + le.Export
		case le.Module != "":
			f.Import = linker.Import{Module: le.Module, Name: le.Name}.String()
		}
		out = append(out, f)
	}
	return out
}

// lockedInterface returns the WIT of a locked package, nil if it has none,
// and whether its files are those the lock pins: if not, integrity or
// stale-lock findings report it, and its links are not checked.
func (p *Project) lockedInterface(pkg *lockfile.Package) (*iface.Package, bool, error) {
	m, err := p.manifestOf(pkg)
	if err != nil || (m.WIT == "") != (pkg.WIT == "") {
		return nil, false, nil
	}
	if m.WIT == "" {
		return nil, true, nil
	}
	path := filepath.Join(m.Dir(), filepath.FromSlash(m.WIT))
	if got, err := p.hash(path, lockfile.HashTree); err != nil || got != pkg.WIT {
		return nil, false, nil
	}
	w, err := iface.Load(path, pkg.Name)
	return w, err == nil, err
}

// ImportFindings compares what the module m of package name at version
// imports with what the package declares: its dependencies (by name), its
// keys, and the keys it hands down its edges (fs keys naming its own slot in
// Source, as in a grant).
//
//   - An import from a module that is not a declared dependency, an import
//     of a function WASI preview1 does not have, and an imported memory,
//     table or global are undeclared-import, blocking: they never link.
//   - A WASI import that needs a kind of key the package does not declare is
//     undeclared-import, reported only: toolchains import functions that
//     the code never calls, and without the key the call fails anyway. One
//     finding per kind, naming the first such import; clock and random,
//     which Go's runtime imports whatever the program does, are one
//     finding when both are undeclared.
//   - A declared key of a kind the module imports no function for, and that
//     the package hands to no dependency, is unused-key, reported only.
//     stdio keys need no import of their own (fd_write is always there) and
//     spawn keys are about children, so neither is ever unused.
func ImportFindings(name, version string, m *linker.Module, deps []string, keys policy.Set, handed []policy.Key) []policy.Finding {
	var out []policy.Finding
	add := func(imp string, blocks bool, format string, args ...any) {
		out = append(out, policy.Finding{Kind: policy.UndeclaredImport, Package: name, To: version,
			Import: imp, Reason: fmt.Sprintf(format, args...), Blocks: blocks})
	}
	for _, s := range m.ImportedNonFuncs {
		add(s, true, "nanoprocesses share no memory, table or global")
	}
	imported := map[policy.Kind][]linker.Import{}
	for _, im := range m.Imports {
		switch im.Need.Kind {
		case linker.NeedDependency:
			if !slices.Contains(deps, im.Dependency()) {
				add(im.String(), true, "%s is not a dependency of %s", im.Dependency(), name)
			}
		case linker.NeedUnknown:
			_, _, hostErr := hostapi.Lookup(im.Module, im.Name)
			switch {
			case im.Module == linker.WASI:
				add(im.String(), true, "not a WASI preview1 function")
			case strings.HasPrefix(im.Module, hostapi.Prefix):
				add(im.String(), true, "%v", hostErr)
			default:
				add(im.String(), true, "%q is neither a dependency, WASI, nor a nano host API", im.Module)
			}
		case linker.NeedKey:
			imported[im.Need.Key] = append(imported[im.Need.Key], im)
		}
	}
	declares := func(kind policy.Kind) bool {
		return slices.ContainsFunc(keys, func(k policy.Key) bool { return k.Kind == kind })
	}
	// Go's runtime, and others, import the clock and entropy whatever the
	// program does: both undeclared are one finding, not two.
	both := len(imported[policy.Clock]) > 0 && len(imported[policy.Random]) > 0 && !declares(policy.Clock) && !declares(policy.Random)
	for _, kind := range slices.Sorted(maps.Keys(imported)) {
		if declares(kind) || both && kind == policy.Random {
			continue
		}
		ims := imported[kind]
		if both && kind == policy.Clock {
			ims = append(slices.Clip(ims), imported[policy.Random]...)
			add(ims[0].String(), false, "needs a clock key and a random key, which %s does not declare%s; reported only: runtimes such as Go's import both whether or not the program uses them, and without the keys the nanoprocess gets deterministic stand-ins",
				name, alsoText(ims))
			continue
		}
		without := "the call fails"
		if kind == policy.Clock || kind == policy.Random {
			without = "the nanoprocess gets deterministic stand-ins"
		}
		add(ims[0].String(), false, "needs %s %s key, which %s does not declare%s; reported only: toolchains import functions they never call, and without the key %s",
			article(kind), kind, name, alsoText(ims), without)
	}
	for _, k := range keys {
		if k.Kind == policy.Stdio || len(imported[k.Kind]) > 0 || policy.HandsDown(k, handed) {
			continue
		}
		out = append(out, policy.Finding{Kind: policy.UnusedKey, Package: name, To: version, Key: k.String(),
			Reason: unusedReason(k, name)})
	}
	return out
}

// alsoText names the imports after the first: " (also: a, b)", or "".
func alsoText(ims []linker.Import) string {
	if len(ims) < 2 {
		return ""
	}
	names := make([]string, len(ims)-1)
	for i, im := range ims[1:] {
		names[i] = im.Name
	}
	return " (also: " + strings.Join(names, ", ") + ")"
}

func article(k policy.Kind) string {
	if k == policy.FS || k == policy.Env {
		return "an"
	}
	return "a"
}

// unusedReason says why a declared key is unused.
func unusedReason(k policy.Key, name string) string {
	if k.Kind == policy.Spawn {
		return fmt.Sprintf("the module imports no function of %s, so %s never starts %s", hostapi.Spawn.Module, name, k.Name)
	}
	return fmt.Sprintf("the module imports no %s function, and %s hands it to no dependency", k.Kind, name)
}

// SilentWriters returns a warning for each package of lock whose module
// imports WASI's fd_write but that holds neither stdio:stdout nor
// stdio:stderr: whatever it prints is discarded, which a new user takes for
// a hang or a crash. A package holding an fs key is left alone: fd_write
// writes its files too. A module that cannot be read is left for build
// and audit to report.
func (p *Project) SilentWriters(lock *lockfile.Lock) []string {
	var out []string
	for _, pkg := range lock.Packages {
		if slices.ContainsFunc(pkg.Keys, func(k policy.Key) bool {
			return k.Kind == policy.FS || k.Kind == policy.Stdio && (k.Name == "stdout" || k.Name == "stderr")
		}) {
			continue
		}
		file, err := p.moduleFile(pkg)
		if err != nil {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		if ok, err := linker.ImportsFunc(data, linker.WASI, "fd_write"); err != nil || !ok {
			continue
		}
		fix := `its nano.toml must declare stdio = ["stdout", "stderr"] and its parent grant them`
		if pkg.Name == p.Root.Name && pkg.Source != "registry" {
			fix = `declare stdio = ["stdout", "stderr"] in nano.toml`
		}
		out = append(out, fmt.Sprintf("%s imports fd_write but holds no stdout or stderr key: what it prints is discarded; if it should print, %s", pkg.ID(), fix))
	}
	return out
}
