package manifest

import (
	"fmt"
	"strings"

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

// ParseRequirement parses a version requirement in Cargo's syntax: "1.4"
// and "^1.4" mean >=1.4.0, <2.0.0 (and "^0.3" means >=0.3.0, <0.4.0);
// "~1.4", "=1.4.2", ">=1.2, <1.5" and "*" mean what they do in Cargo. A
// comma joins requirements that must all hold.
func ParseRequirement(s string) (*semver.Constraints, error) {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, fmt.Errorf("requirement %q has an empty part", s)
		case strings.Contains(p, "||") || strings.Contains(p, " - ") || strings.HasPrefix(p, "~>"):
			return nil, fmt.Errorf("requirement %q is not Cargo syntax (no ||, ranges or ~>)", s)
		case p[0] >= '0' && p[0] <= '9':
			p = "^" + p // Cargo's default operator
		case strings.ContainsRune(p, 'v'):
			return nil, fmt.Errorf("requirement %q is not Cargo syntax", s)
		}
		parts[i] = p
	}
	c, err := semver.NewConstraint(strings.Join(parts, ", "))
	if err != nil {
		return nil, fmt.Errorf("requirement %q is not a Cargo version requirement", s)
	}
	return c, nil
}

// Class returns v's compatibility class, in which Cargo allows one version
// per graph: the major version, or for 0.y.z the minor, or for 0.0.z the
// patch ("1", "0.3", "0.0.4").
func Class(v *semver.Version) string {
	switch {
	case v.Major() > 0:
		return fmt.Sprint(v.Major())
	case v.Minor() > 0:
		return fmt.Sprintf("0.%d", v.Minor())
	}
	return fmt.Sprintf("0.0.%d", v.Patch())
}
