package manifest

import (
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// versions is the fixed list every requirement is checked against.
var versions = []string{
	"0.0.3", "0.0.4", "0.3.0", "0.3.5", "0.4.0",
	"1.0.0", "1.2.0", "1.3.9", "1.4.0-rc.1", "1.4.0", "1.4.2", "1.4.9",
	"1.5.0-beta", "1.5.0", "1.9.9", "2.0.0-alpha", "2.0.0",
}

// requirementTests lists, for each requirement, the versions of the list
// above that Cargo admits.
var requirementTests = []struct {
	req  string
	want string
}{
	{"1.4", "1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"^1.4", "1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"^0.3", "0.3.0 0.3.5"},
	{"0.3", "0.3.0 0.3.5"},
	{"^0.0.3", "0.0.3"},
	{"~1.4", "1.4.0 1.4.2 1.4.9"},
	{"~1", "1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"=1.4.2", "1.4.2"},
	{">=1.2, <1.5", "1.2.0 1.3.9 1.4.0 1.4.2 1.4.9"},
	{">=1.2,<1.5", "1.2.0 1.3.9 1.4.0 1.4.2 1.4.9"},
	{" >= 1.2 , < 1.5 ", "1.2.0 1.3.9 1.4.0 1.4.2 1.4.9"},
	{"*", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0 1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9 2.0.0"},
	{"1", "1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{">1.4.2", "1.4.9 1.5.0 1.9.9 2.0.0"},
	{"<1.0.0", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0"},
	{">=2.0.0", "2.0.0"},
	{"1.*", "1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"1.x", "1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"x", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0 1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9 2.0.0"},
	// An operator with a partial version compares against every version
	// the partial one stands for.
	{"=1.4", "1.4.0 1.4.2 1.4.9"},
	{"=1", "1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"<=1.4", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0 1.0.0 1.2.0 1.3.9 1.4.0 1.4.2 1.4.9"},
	{">1.4", "1.5.0 1.9.9 2.0.0"},
	{">1", "2.0.0"},
	{"<1.4", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0 1.0.0 1.2.0 1.3.9"},
	{">=1.4", "1.4.0 1.4.2 1.4.9 1.5.0 1.9.9 2.0.0"},
	{"~ 1.4", "1.4.0 1.4.2 1.4.9"},
	{"^ 1.4", "1.4.0 1.4.2 1.4.9 1.5.0 1.9.9"},
	{"= 1.4.2", "1.4.2"},
	{"~0.3", "0.3.0 0.3.5"},
	{"~0", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0"},
	{"^0", "0.0.3 0.0.4 0.3.0 0.3.5 0.4.0"},
	{"^0.0", "0.0.3 0.0.4"},
	// A pre-release is admitted only when the requirement names a
	// pre-release of the same MAJOR.MINOR.PATCH.
	// "1.4.0-rc.1" itself, which Cargo reads as ^1.4.0-rc.1 and which must
	// not admit 1.5.0-beta, is in knownRequirementBugs.
	{"~1.4.0-rc.1", "1.4.0-rc.1 1.4.0 1.4.2 1.4.9"},
	{"=1.4.0-rc.1", "1.4.0-rc.1"},
}

func TestParseRequirement(t *testing.T) {
	for _, tt := range requirementTests {
		c, err := ParseRequirement(tt.req)
		if err != nil {
			t.Errorf("ParseRequirement(%q) = %v, want no error", tt.req, err)
			continue
		}
		if got := admitted(c); got != tt.want {
			t.Errorf("ParseRequirement(%q) admits %q, want %q", tt.req, got, tt.want)
		}
	}
}

func admitted(c *Requirement) string {
	var out []string
	for _, s := range versions {
		if c.Check(semver.MustParse(s)) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// cargoEdgeCases are requirements on which Masterminds/semver alone differs
// from Cargo: want is what Cargo admits, or "error" when Cargo rejects the
// requirement.
var cargoEdgeCases = []struct {
	req, want, bug string
}{
	// ParseRequirement puts Cargo's default "^" before a wildcard: "^1.4.*"
	// is >=1.4.0, <2.0.0 in Masterminds/semver.
	{"1.4.*", "1.4.0 1.4.2 1.4.9", "a wildcard gets a caret"},
	{"1.4.x", "1.4.0 1.4.2 1.4.9", "a wildcard gets a caret"},
	// Cargo admits a pre-release only when a comparator names a pre-release
	// of the same MAJOR.MINOR.PATCH; Masterminds/semver admits any
	// pre-release in range once the constraint names one.
	{"1.4.0-rc.1", "1.4.0-rc.1 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9", "pre-release of another version admitted"},
	{">=1.4.0-rc.1, <2.0.0", "1.4.0-rc.1 1.4.0 1.4.2 1.4.9 1.5.0 1.9.9", "pre-release of another version admitted"},
	{"1.4.0-rc.1, <1.5.0", "1.4.0-rc.1 1.4.0 1.4.2 1.4.9", "pre-release of another version admitted"},
	// Masterminds/semver syntax that Cargo rejects.
	{"!=1.4.2", "error", "Masterminds-only operator accepted"},
	{"=>1.2", "error", "Masterminds-only operator accepted"},
	{"=<1.2", "error", "Masterminds-only operator accepted"},
	{">=1.2 <1.5", "error", "requirements joined by a space, not a comma, accepted"},
	{"^*", "error", "accepted, and admits nothing"},
	{"1.*.3", "error", "a number after a wildcard accepted"},
	{"01.2", "error", "a leading zero accepted"},
}

func TestCargoEdgeCases(t *testing.T) {
	for _, tt := range cargoEdgeCases {
		t.Run(tt.req, func(t *testing.T) {
			c, err := ParseRequirement(tt.req)
			got := "error"
			if err == nil {
				got = admitted(c)
			}
			if got != tt.want {
				t.Errorf("%s: ParseRequirement(%q) admits %q, want %q", tt.bug, tt.req, got, tt.want)
			}
		})
	}
}

func TestParseRequirementErrors(t *testing.T) {
	for _, tt := range []struct{ req, want string }{
		{"", `requirement "" has an empty part`},
		{">=1.2,", `requirement ">=1.2," has an empty part`},
		{", 1", `requirement ", 1" has an empty part`},
		{"^^1", `requirement "^^1" is not a Cargo version requirement`},
		{"1.2 || 2", `requirement "1.2 || 2" is not Cargo syntax (no ||, ranges or ~>)`},
		{"1.0 - 2.0", `requirement "1.0 - 2.0" is not Cargo syntax (no ||, ranges or ~>)`},
		{"~>1.2", `requirement "~>1.2" is not Cargo syntax (no ||, ranges or ~>)`},
		{"v1", `requirement "v1" is not a Cargo version requirement`},
		{">=v1.2", `requirement ">=v1.2" is not a Cargo version requirement`},
		{"y", `requirement "y" is not a Cargo version requirement`},
		{"1.x.y", `requirement "1.x.y" is not a Cargo version requirement`},
	} {
		c, err := ParseRequirement(tt.req)
		if err == nil {
			t.Errorf("ParseRequirement(%q) = %v, want error %q", tt.req, c, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseRequirement(%q) = %q, want %q", tt.req, err, tt.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for _, s := range []string{"0.0.0", "1.2.3", "10.20.30", "1.2.3-rc.1", "1.2.3-alpha.beta+build.5", "1.0.0+20240101"} {
		v, err := ParseVersion(s)
		if err != nil {
			t.Errorf("ParseVersion(%q) = %v, want no error", s, err)
			continue
		}
		if v.String() != s {
			t.Errorf("ParseVersion(%q).String() = %q, want %q", s, v.String(), s)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"v1.2.3", `version "v1.2.3" is not SemVer 2.0.0 MAJOR.MINOR.PATCH (drop the "v")`},
		{"1.2", `version "1.2" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"1", `version "1" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"", `version "" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"01.2.3", `version "01.2.3" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"1.2.3-", `version "1.2.3-" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"1.2.3-01", `version "1.2.3-01" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"1.2.3+", `version "1.2.3+" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{" 1.2.3", `version " 1.2.3" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"1.2.3.4", `version "1.2.3.4" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
		{"^1.2.3", `version "^1.2.3" is not SemVer 2.0.0 MAJOR.MINOR.PATCH`},
	} {
		v, err := ParseVersion(tt.in)
		if err == nil {
			t.Errorf("ParseVersion(%q) = %q, want error %q", tt.in, v, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseVersion(%q) = %q, want %q", tt.in, err, tt.want)
		}
	}
}

func TestClass(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"1.2.3", "1"},
		{"0.3.1", "0.3"},
		{"0.0.4", "0.0.4"},
		{"12.0.0-rc.1", "12"},
		{"0.10.0", "0.10"},
		{"0.0.0", "0.0.0"},
	} {
		if got := Class(semver.MustParse(tt.in)); got != tt.want {
			t.Errorf("Class(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Versions in one class are exactly those "^V" admits for V the least
	// of them.
	for _, v := range versions {
		c, err := ParseRequirement("^" + v)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range versions {
			vv, ww := semver.MustParse(v), semver.MustParse(w)
			if vv.Prerelease() != "" || ww.Prerelease() != "" || ww.LessThan(vv) {
				continue
			}
			same := Class(vv) == Class(ww)
			if c.Check(ww) != same {
				t.Errorf("ParseRequirement(%q).Check(%q) = %v, want %v (Class %q and %q)", "^"+v, w, !same, same, Class(vv), Class(ww))
			}
		}
	}
}
