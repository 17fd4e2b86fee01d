package manifest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
)

// ParseVersion parses a SemVer 2.0.0 version, with no "v" prefix.
func ParseVersion(s string) (*semver.Version, error) {
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		hint := ""
		if strings.HasPrefix(s, "v") {
			hint = ` (drop the "v")`
		}
		return nil, fmt.Errorf("version %q is not SemVer 2.0.0 MAJOR.MINOR.PATCH%s", s, hint)
	}
	return v, nil
}

// A Requirement is a version requirement in Cargo's syntax.
type Requirement struct {
	c *semver.Constraints
	// pre holds the MAJOR.MINOR.PATCH of every pre-release a comparator
	// names: only pre-releases of those versions are admitted.
	pre map[[3]uint64]bool
}

// Check reports whether v satisfies the requirement.
func (r *Requirement) Check(v *semver.Version) bool {
	if v.Prerelease() != "" && !r.pre[[3]uint64{v.Major(), v.Minor(), v.Patch()}] {
		return false
	}
	return r.c.Check(v)
}

// comparatorRE is one comparator of a Cargo requirement: an optional
// operator and a version whose missing or wildcard parts come last.
var comparatorRE = regexp.MustCompile(`^(=|>=|<=|>|<|~|\^)?\s*` +
	`(0|[1-9][0-9]*)` +
	`(?:\.(0|[1-9][0-9]*|\*|x|X)` +
	`(?:\.(0|[1-9][0-9]*|\*|x|X)` +
	`(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$`)

// ParseRequirement parses a version requirement in Cargo's syntax: "1.4"
// and "^1.4" mean >=1.4.0, <2.0.0 (and "^0.3" means >=0.3.0, <0.4.0);
// "~1.4", "=1.4.2", "1.4.*", ">=1.2, <1.5" and "*" mean what they do in
// Cargo. A comma joins comparators that must all hold. As in Cargo, a
// pre-release is only admitted when a comparator names a pre-release of the
// same MAJOR.MINOR.PATCH.
func ParseRequirement(s string) (*Requirement, error) {
	if r, ok := requirements.Load(s); ok {
		return r.(*Requirement), nil // a Requirement is never modified
	}
	r, err := parseRequirement(s)
	if err == nil {
		requirements.Store(s, r)
	}
	return r, err
}

// requirements memoizes ParseRequirement: a registry repeats a few
// requirements thousands of times.
var requirements sync.Map

func parseRequirement(s string) (*Requirement, error) {
	r := &Requirement{pre: map[[3]uint64]bool{}}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("requirement %q has an empty part", s)
		}
		if strings.Contains(p, "||") || strings.Contains(p, " - ") || strings.HasPrefix(p, "~>") {
			return nil, fmt.Errorf("requirement %q is not Cargo syntax (no ||, ranges or ~>)", s)
		}
		if isWild(p) {
			continue
		}
		m := comparatorRE.FindStringSubmatch(p)
		if m == nil || isWild(m[3]) && m[4] != "" && !isWild(m[4]) {
			return nil, fmt.Errorf("requirement %q is not a Cargo version requirement", s)
		}
		wild := isWild(m[3]) || isWild(m[4])
		if m[1] == "" && !wild {
			p = "^" + p // Cargo's default operator
		}
		if m[5] != "" {
			v, err := semver.NewVersion(strings.TrimLeft(p, "=<>~^ "))
			if err == nil {
				r.pre[[3]uint64{v.Major(), v.Minor(), v.Patch()}] = true
			}
		}
		parts[i] = p
	}
	c, err := semver.NewConstraint(strings.Join(parts, ", "))
	if err != nil {
		return nil, fmt.Errorf("requirement %q is not a Cargo version requirement", s)
	}
	r.c = c
	return r, nil
}

func isWild(s string) bool { return s == "*" || s == "x" || s == "X" }

// Class returns v's compatibility class, in which Cargo allows one version
// per graph: the major version, or for 0.y.z the minor, or for 0.0.z the
// patch ("1", "0.3", "0.0.4").
func Class(v *semver.Version) string {
	switch {
	case v.Major() > 0:
		return strconv.FormatUint(v.Major(), 10)
	case v.Minor() > 0:
		return "0." + strconv.FormatUint(v.Minor(), 10)
	}
	return "0.0." + strconv.FormatUint(v.Patch(), 10)
}
