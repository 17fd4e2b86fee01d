package policy

import (
	"strings"
	"testing"
	"time"
)

func TestStale(t *testing.T) {
	p, err := ParsePolicy("nano-policy.toml", []byte(policyFile))
	if err != nil {
		t.Fatal(err)
	}
	fs := []Finding{
		// The first approval's key, at another version: it does not match.
		{Kind: Escalation, Package: "acme:notify", To: "1.2.5", Key: "net:hooks.evil.example:443", Blocks: true},
		// The second approval's, expired: it still matches.
		{Kind: Escalation, Package: "acme:notify", To: "1.2.4", Key: "env:WALLET_SEED", Blocks: true},
		// The third's key in a finding no approval can lift: no match.
		{Kind: Integrity, Package: "acme:zip", To: "1.4.0", Key: "fs:out=data:rw", Blocks: true},
	}
	p.Apply(fs, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	var got []string
	for _, f := range p.Stale(fs) {
		got = append(got, findingString(f))
	}
	want := []string{
		"stale-approval acme:notify ->1.2.4 net:hooks.evil.example:443: no finding matches this approval: remove it from nano-policy.toml:1",
		"stale-approval acme:zip ->1.4.0 fs:out=data:rw: no finding matches this approval: remove it from nano-policy.toml:15",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Stale =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if (*Policy)(nil).Stale(fs) != nil {
		t.Errorf("nil policy: Stale != nil")
	}
}

func TestPolicyDateString(t *testing.T) {
	in := `[[approve]]
package = "acme:x"
version = "1.0.0"
key = "clock"
reason = "ok"
expires = 2027-01-01

[[approve]]
package = "acme:y"
version = "1.0.0"
key = "clock"
reason = "ok"
expires = "2027-01-01"

[[approve]]
package = "acme:z"
version = "1.0.0"
key = "clock"
reason = "ok"
expires = "next year"

[[approve]]
package = "acme:w"
version = "1.0.0"
key = "clock"
reason = "ok"
expires = 20270101
`
	_, err := ParsePolicy("p.toml", []byte(in))
	want := strings.Join([]string{
		`p.toml:13:12: approve[1].expires: a string, not a date: write the date without quotes, expires = 2027-01-01`,
		`p.toml:20:12: approve[2].expires: a string, not a date: write a TOML date without quotes, such as expires = 2027-06-30`,
		`p.toml:27:11: approve[3].expires: not a date: write a TOML date, such as expires = 2027-06-30`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("ParsePolicy errors =\n%v\nwant\n%s", err, want)
	}
	p, err := ParsePolicy("p.toml", []byte(in[:strings.Index(in, "\n\n")]))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Approvals[0].Expires.Format(time.DateOnly); got != "2027-01-01" {
		t.Errorf("Expires = %s, want 2027-01-01", got)
	}
}
