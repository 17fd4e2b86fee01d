package project

import (
	"errors"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/policy"
)

// TestLinkFindings checks that each link error becomes one blocking link
// finding naming the package, its version and the import or WIT function,
// and that an undeclared import, which ImportFindings reports, does not
// become a second finding.
func TestLinkFindings(t *testing.T) {
	l := &lockfile.Lock{Packages: []*lockfile.Package{
		{Name: "acme:app", Version: semver.MustParse("1.0.0")},
		{Name: "acme:dep", Version: semver.MustParse("1.1.0")},
	}}
	errs := []error{
		&linker.LinkError{Package: "acme:app 1.0.0", Module: "acme:dep", Name: "greet", Err: `acme:dep 1.1.0 exports no function "greet"`},
		&linker.LinkError{Package: "acme:app 1.0.0", Module: "acme:other", Name: "f", Err: "acme:other is not a dependency of acme:app", Undeclared: true},
		&linker.LinkError{Package: "acme:dep 1.1.0", Export: "stats", Err: `the module exports no function "stats", which its WIT declares`},
		errors.New("not a link error"),
	}
	got := LinkFindings(l, errs)
	want := []policy.Finding{
		{Kind: policy.Link, Package: "acme:app", To: "1.0.0", Import: `import["acme:dep"."greet"]`, Reason: `acme:dep 1.1.0 exports no function "greet"`, Blocks: true},
		{Kind: policy.Link, Package: "acme:dep", To: "1.1.0", Key: "wit:func stats", Reason: `the module exports no function "stats", which its WIT declares`, Blocks: true},
	}
	if len(got) != len(want) {
		t.Fatalf("LinkFindings = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !policy.Link.Blocks() || policy.Link.Approvable() {
		t.Errorf("a link finding must block and not be approvable")
	}
}
