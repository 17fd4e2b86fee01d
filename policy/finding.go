package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/tomlfile"
	"github.com/nanoproc/nano/limits"
)

// A FindingKind is a kind of audit finding (SPEC section 6).
type FindingKind string

// The kinds of findings.
const (
	Escalation       FindingKind = "escalation"
	GrantChange      FindingKind = "grant-change"
	NewPackage       FindingKind = "new-package"
	Integrity        FindingKind = "integrity"
	StaleLock        FindingKind = "stale-lock"
	UndeclaredImport FindingKind = "undeclared-import"
	UnusedKey        FindingKind = "unused-key"
	Reduction        FindingKind = "reduction"
	// Breaking: a function or interface removed from a package's WIT, or
	// its signature changed, in an upgrade that is not a major bump.
	Breaking FindingKind = "breaking"
	// InterfaceChange: any other change of a package's WIT, such as an
	// added function, reported only.
	InterfaceChange FindingKind = "interface-change"
	// LimitChange: an edge's memory or time ceiling raised or removed
	// (SPEC section 10), reported only.
	LimitChange FindingKind = "limit-change"
	// StaleApproval: an approval in the policy file that matches no
	// finding, reported only so that it can be removed.
	StaleApproval FindingKind = "stale-approval"
	// Link: a link check of nano build (SPEC section 7) that the locked
	// tree fails: a dependency that does not export what its parent
	// imports, or exports it with another signature, or a WIT function
	// that the package's module does not export. Blocking, and never
	// approvable: the tree does not build.
	Link FindingKind = "link"
)

// Blocks reports whether a finding of kind k fails the audit unless approved.
// An undeclared-import of a WASI function whose kind of key the package
// does not declare is the exception: it is reported only, so its
// Finding.Blocks is false.
func (k FindingKind) Blocks() bool {
	return k != UnusedKey && k != Reduction && k != InterfaceChange && k != LimitChange && k != StaleApproval
}

// Approvable reports whether a reviewer can approve a finding of kind k.
func (k FindingKind) Approvable() bool {
	return k == Escalation || k == GrantChange || k == NewPackage || k == Breaking
}

// A Finding is one result of an audit.
type Finding struct {
	Kind    FindingKind `json:"kind"`
	Package string      `json:"package"`
	From    string      `json:"from,omitempty"`   // version in the baseline
	To      string      `json:"to,omitempty"`     // version now
	Parent  string      `json:"parent,omitempty"` // for grant-change: the granting package
	Key     string      `json:"key,omitempty"`    // canonical key text; "wit:func NAME" for a WIT function
	Import  string      `json:"import,omitempty"` // for undeclared-import and link: import["MODULE"."NAME"]
	Change  string      `json:"change,omitempty"` // added, widened, narrowed or dropped
	Was     string      `json:"was,omitempty"`    // the key before, when widened or narrowed
	// Breaking marks an escalation in an upgrade that is not a major bump.
	Breaking bool   `json:"breaking,omitempty"`
	Reason   string `json:"reason"`
	// Blocks reports whether the finding fails the audit: its kind blocks
	// and no valid approval covers it.
	Blocks   bool      `json:"blocks"`
	Approval *Approval `json:"approval,omitempty"`
	// File and Line are where the finding is in the root's own files:
	// File is slash-separated and relative to the root ("nano.toml",
	// "nano.lock"), Line counts from 1, and 0 means the whole file. Both
	// are unset when nothing in the root's files says where it is.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Path is the way from the root to the package, by name:
	// "acme:app > acme:report > acme:fmt"; "" when the package is not
	// in the lock.
	Path string `json:"path,omitempty"`
}

// PackageFindings returns the findings for one package whose keys changed
// between the baseline (version from) and now (version to). from is "" for
// a package new since the baseline; major reports a major version bump.
func PackageFindings(name, from, to string, major bool, deltas []Delta) []Finding {
	var out []Finding
	for _, d := range deltas {
		f := newFinding(d, name, to)
		f.From = from
		switch {
		case from == "" && d.Escalates():
			f.Kind, f.Reason = NewPackage, "held by a new package"
		case d.Escalates() && from == to:
			f.Kind = Escalation
			f.Reason += " at the same version"
		case d.Escalates():
			f.Kind, f.Breaking = Escalation, !major
			f.Reason += " in a " + bump(from, to)
		default:
			f.Kind = Reduction
		}
		f.Blocks = f.Kind.Blocks()
		out = append(out, f)
	}
	return out
}

// EdgeFindings returns the findings for an edge whose grant changed: parent
// hands child (now at version to) more, or less, than before.
func EdgeFindings(parent, child, to string, deltas []Delta) []Finding {
	var out []Finding
	for _, d := range deltas {
		f := newFinding(d, child, to)
		f.Parent = parent
		f.Kind = Reduction
		if d.Escalates() {
			f.Kind = GrantChange
		}
		switch d.Op {
		case Added:
			f.Reason = parent + " now hands it down"
		case Dropped:
			f.Reason = parent + " no longer hands it down"
		default:
			f.Reason = parent + " hands it down " + f.Reason
		}
		f.Blocks = f.Kind.Blocks()
		out = append(out, f)
	}
	return out
}

// LimitFindings returns the findings for an edge whose limits changed from
// old to now: one limit-change for each ceiling raised or removed. A
// ceiling lowered or added is no finding.
func LimitFindings(parent, child, to string, old, now limits.Limits) []Finding {
	var out []Finding
	add := func(what string, was, is uint64, format func(uint64) string) {
		f := Finding{Kind: LimitChange, Package: child, To: to, Parent: parent, Key: "limit:" + what}
		switch {
		case was == 0 || is != 0 && is <= was:
			return
		case is == 0:
			f.Change, f.Was = "removed", format(was)
			f.Key += "=" + f.Was
			f.Reason = fmt.Sprintf("%s no longer limits its %s (was %s)", parent, what, f.Was)
		default:
			f.Change, f.Was = "raised", format(was)
			f.Key += "=" + format(is)
			f.Reason = fmt.Sprintf("%s raises its %s limit from %s to %s", parent, what, f.Was, format(is))
		}
		out = append(out, f)
	}
	add("memory", old.Memory, now.Memory, limits.FormatSize)
	add("time", uint64(old.Time), uint64(now.Time), func(d uint64) string { return limits.FormatDuration(time.Duration(d)) })
	return out
}

func newFinding(d Delta, pkg, to string) Finding {
	f := Finding{Package: pkg, To: to, Key: d.Key.String(), Change: d.Op.String(), Reason: d.Op.String()}
	if d.Op == Widened || d.Op == Narrowed {
		f.Was = d.Old.String()
		f.Reason += " from " + f.Was
	}
	return f
}

// bump names the kind of version change from a to b: "patch upgrade",
// "minor downgrade".
func bump(a, b string) string {
	av, aerr := semver.StrictNewVersion(a)
	bv, berr := semver.StrictNewVersion(b)
	if aerr != nil || berr != nil {
		return "version change"
	}
	dir := " upgrade"
	if bv.LessThan(av) {
		dir = " downgrade"
	}
	switch {
	case av.Major() != bv.Major():
		return "major" + dir
	case av.Minor() != bv.Minor():
		return "minor" + dir
	case av.Patch() != bv.Patch():
		return "patch" + dir
	}
	return "pre-release" + dir
}

// SortFindings orders findings by package, kind and key.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmpStrings(a.Package, b.Package, a.To, b.To, string(a.Kind), string(b.Kind), a.Parent, b.Parent, a.Key, b.Key)
	})
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// An Approval is a reviewer's [[approve]] entry in the policy file: it lets
// one key of one pinned package version through the audit.
type Approval struct {
	Package string    `json:"package"`
	Version string    `json:"version"`
	Key     string    `json:"key"`
	Reason  string    `json:"reason"`
	By      string    `json:"by,omitempty"`
	Expires time.Time `json:"-"`
	// Line is the line of the approval's [[approve]] header in the
	// policy file, 0 when unknown.
	Line int `json:"-"`
}

// MarshalJSON writes Expires as a date, as in the policy file.
func (a *Approval) MarshalJSON() ([]byte, error) {
	type plain Approval
	var out = struct {
		*plain
		Expires string `json:"expires,omitempty"`
	}{plain: (*plain)(a)}
	if !a.Expires.IsZero() {
		out.Expires = a.Expires.Format(time.DateOnly)
	}
	return json.Marshal(out)
}

// A Policy is a parsed policy file, nano-policy.toml.
type Policy struct {
	File      string
	Approvals []*Approval
}

// PolicyFile is the default name of the policy file, next to the root manifest.
const PolicyFile = "nano-policy.toml"

// ReadPolicy reads and parses a policy file.
func ReadPolicy(file string) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(file, data)
}

// ParsePolicy parses a policy file, reporting every problem at once.
func ParsePolicy(file string, data []byte) (*Policy, error) {
	var f struct {
		Approve []struct {
			Package string `toml:"package"`
			Version string `toml:"version"`
			Key     string `toml:"key"`
			Reason  string `toml:"reason"`
			By      string `toml:"by"`
			Expires any    `toml:"expires"` // a TOML date; checked below
		} `toml:"approve"`
	}
	doc, err := tomlfile.Decode(file, data, &f)
	if err != nil {
		return nil, err
	}
	p := &Policy{File: file}
	for i, a := range f.Approve {
		at := func(k string) []any { return []any{"approve", i, k} }
		if err := CheckName(a.Package); err != nil {
			doc.Errorf(at("package"), "%v", err)
		}
		if a.Version == "" {
			doc.Errorf(at("version"), "missing: an approval is pinned to one version")
		} else if strings.ContainsAny(a.Version, "^~*<>=, ") || strings.Count(a.Version, ".") < 2 {
			doc.Errorf(at("version"), "version %q is not one exact version", a.Version)
		}
		if a.Key == "" {
			doc.Errorf(at("key"), "missing")
		} else if _, err := ParseKey(a.Key); err != nil && !(strings.HasPrefix(a.Key, "wit:") && len(a.Key) > len("wit:")) { // a grant too: fs:out=data:rw; or a WIT change
			doc.Errorf(at("key"), "%v", err)
		}
		if strings.TrimSpace(a.Reason) == "" {
			doc.Errorf(at("reason"), "missing: say why the key is needed")
		}
		expires, ok := a.Expires.(time.Time)
		switch v := a.Expires.(type) {
		case nil, time.Time:
		case string:
			if _, err := time.Parse(time.DateOnly, v); err == nil {
				doc.Errorf(at("expires"), "a string, not a date: write the date without quotes, expires = %s", v)
			} else {
				doc.Errorf(at("expires"), "a string, not a date: write a TOML date without quotes, such as expires = 2027-06-30")
			}
		default:
			doc.Errorf(at("expires"), "not a date: write a TOML date, such as expires = 2027-06-30")
		}
		if !ok {
			expires = time.Time{}
		}
		line, _ := doc.Line([]any{"approve", i})
		p.Approvals = append(p.Approvals, &Approval{Package: a.Package, Version: a.Version, Key: a.Key, Reason: a.Reason, By: a.By, Expires: expires, Line: line})
	}
	doc.Unknown("approve", "deny", "package", "version", "key", "reason", "by", "expires")
	if err := doc.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// matches reports whether the approval a is for the finding f: its
// package, its new version exactly, and its key.
func (a *Approval) matches(f *Finding) bool {
	return f.Kind.Approvable() && a.Package == f.Package && a.Version == f.To && a.Key == f.Key
}

// Stale returns a stale-approval finding, reported only, for each approval
// that matches none of fs, expired or not: what the baseline already
// held, or a version no longer locked, needs no approval.
func (p *Policy) Stale(fs []Finding) []Finding {
	if p == nil {
		return nil
	}
	var out []Finding
	for _, a := range p.Approvals {
		if slices.ContainsFunc(fs, func(f Finding) bool { return a.matches(&f) }) {
			continue
		}
		where := filepath.Base(p.File)
		if a.Line > 0 {
			where += ":" + strconv.Itoa(a.Line)
		}
		out = append(out, Finding{Kind: StaleApproval, Package: a.Package, To: a.Version, Key: a.Key,
			Reason: "no finding matches this approval: remove it from " + where})
	}
	return out
}

// Apply marks each approvable finding that an unexpired approval covers as
// approved and no longer blocking. An approval matches the finding's
// package, its new version exactly, and its key.
func (p *Policy) Apply(fs []Finding, today time.Time) {
	if p == nil {
		return
	}
	for i := range fs {
		f := &fs[i]
		if !f.Kind.Approvable() || !f.Blocks {
			continue
		}
		for _, a := range p.Approvals {
			if !a.matches(f) {
				continue
			}
			if !a.Expires.IsZero() && today.After(a.Expires) {
				f.Reason += fmt.Sprintf(" (approval expired %s)", a.Expires.Format(time.DateOnly))
				continue
			}
			f.Approval, f.Blocks = a, false
			break
		}
	}
}
