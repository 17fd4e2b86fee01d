// Package registry reads and publishes packages in a local registry: a
// directory in which REGISTRY/NAMESPACE/NAME/VERSION/ holds a package's files
// exactly as published.
package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/manifest"
	"github.com/nanoproc/nano/policy"
)

// A Registry is a local registry directory. It implements graph.Source.
type Registry struct {
	Dir string

	// real holds the directories under Dir, NAMESPACE, NAMESPACE/NAME and
	// NAMESPACE/NAME/VERSION, found not to be symbolic links.
	real sync.Map
}

// Path returns the directory of one version of a package.
func (r *Registry) Path(name string, v *semver.Version) string {
	ns, n, _ := strings.Cut(name, ":")
	return filepath.Join(r.Dir, ns, n, vtext.String(v))
}

// Versions lists the published versions of a package. Entries that are not
// versions, such as an interrupted publish, are ignored.
func (r *Registry) Versions(name string) ([]*semver.Version, error) {
	ns, n, _ := strings.Cut(name, ":")
	entries, err := os.ReadDir(filepath.Join(r.Dir, ns, n))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vs := make([]*semver.Version, 0, len(entries))
	for _, e := range entries {
		if v, err := semver.StrictNewVersion(e.Name()); err == nil && e.IsDir() {
			vs = append(vs, v)
		}
	}
	return vs, nil
}

// Names lists the packages of the registry, NAMESPACE:NAME, sorted: the
// directories two levels down whose names are valid package names.
func (r *Registry) Names() ([]string, error) {
	nss, err := os.ReadDir(r.Dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ns := range nss {
		if !ns.IsDir() {
			continue
		}
		names, err := os.ReadDir(filepath.Join(r.Dir, ns.Name()))
		if err != nil {
			continue
		}
		for _, n := range names {
			if name := ns.Name() + ":" + n.Name(); n.IsDir() && policy.CheckName(name) == nil {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// Manifest reads the manifest of one version. Its module and WIT must be
// inside the version's directory (manifest.ParsePublished): a registry
// names nothing else on the host.
func (r *Registry) Manifest(name string, v *semver.Version) (*manifest.Manifest, error) {
	if err := r.realDirs(name, v); err != nil {
		return nil, err
	}
	return manifest.ParsePublished(filepath.Join(r.Path(name, v), manifest.FileName))
}

// realDirs refuses a package whose namespace, name or version directory
// is a symbolic link, which could lead out of the registry: a registry's
// packages are real directories, as publish makes them. A directory that
// does not exist is left for reading the manifest to report.
func (r *Registry) realDirs(name string, v *semver.Version) error {
	ns, n, _ := strings.Cut(name, ":")
	for _, rel := range [...]string{ns, filepath.Join(ns, n), filepath.Join(ns, n, vtext.String(v))} {
		if _, ok := r.real.Load(rel); ok {
			continue
		}
		dir := filepath.Join(r.Dir, rel)
		info, err := os.Lstat(dir)
		if err != nil {
			return nil
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			// Malformed registry content, as a manifest naming a file
			// outside its directory is.
			return tomlfile.List{{File: dir, Msg: "a symbolic link; a registry's packages are real directories"}}
		}
		r.real.Store(rel, true)
	}
	return nil
}

// ErrExists is returned by Publish for a version that is already published.
var ErrExists = errors.New("version already published; published versions are immutable")

// Publish copies the package of m, its manifest, module and WIT, into the
// registry and returns the new directory. The copy appears all at once.
func (r *Registry) Publish(m *manifest.Manifest) (string, error) {
	for _, d := range m.Deps {
		if d.Path != "" {
			return "", fmt.Errorf("%s: dependency %s has a path; a published package must use the registry", m.File, d.Name)
		}
	}
	files := []string{manifest.FileName, m.Module}
	if m.WIT != "" {
		files = append(files, m.WIT)
	}
	for _, f := range files {
		if manifest.CheckInside(f) != nil {
			return "", fmt.Errorf("%s: %s is outside the package directory", m.File, f)
		}
	}
	dst := r.Path(m.Name, m.Version)
	if _, err := os.Lstat(dst); err == nil {
		return "", fmt.Errorf("%s %s: %w", m.Name, m.Version, ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".publish-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		if err := copyTree(filepath.Join(m.Dir(), filepath.FromSlash(f)), filepath.Join(tmp, filepath.FromSlash(f))); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		if _, serr := os.Lstat(dst); serr == nil {
			return "", fmt.Errorf("%s %s: %w", m.Name, m.Version, ErrExists)
		}
		return "", err
	}
	return dst, nil
}

// copyTree copies a regular file or a directory of them. Anything else,
// such as a symbolic link, is an error: a package is plain files.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}
