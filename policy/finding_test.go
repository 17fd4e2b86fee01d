package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nanoproc/nano/limits"
)

func mustSet(t *testing.T, texts ...string) Set {
	t.Helper()
	s, err := ParseSet(texts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// findingString is a compact form of a finding for comparisons.
func findingString(f Finding) string {
	s := string(f.Kind) + " " + f.Package + " " + f.From + "->" + f.To + " " + f.Key
	if f.Breaking {
		s += " breaking"
	}
	if f.Blocks {
		s += " blocks"
	}
	return s + ": " + f.Reason
}

func TestPackageFindings(t *testing.T) {
	for _, tt := range []struct {
		name     string
		from, to string
		major    bool
		old, new []string
		want     []string
	}{
		{
			name: "patch adds keys",
			from: "1.2.3", to: "1.2.4",
			old: []string{"stdio:stderr"}, new: []string{"env:WALLET_SEED", "net:hooks.evil.example:443", "stdio:stderr"},
			want: []string{
				"escalation acme:x 1.2.3->1.2.4 net:hooks.evil.example:443 breaking blocks: added in a patch upgrade",
				"escalation acme:x 1.2.3->1.2.4 env:WALLET_SEED breaking blocks: added in a patch upgrade",
			},
		},
		{
			name: "minor widens a slot",
			from: "1.2.3", to: "1.3.0",
			old: []string{"fs:data:ro"}, new: []string{"fs:data:rw"},
			want: []string{"escalation acme:x 1.2.3->1.3.0 fs:data:rw breaking blocks: widened from fs:data:ro in a minor upgrade"},
		},
		{
			name: "major bump is an escalation but not breaking",
			from: "1.2.3", to: "2.0.0", major: true,
			old: nil, new: []string{"clock"},
			want: []string{"escalation acme:x 1.2.3->2.0.0 clock blocks: added in a major upgrade"},
		},
		{
			name: "downgrade",
			from: "1.2.4", to: "1.2.3",
			old: nil, new: []string{"random"},
			want: []string{"escalation acme:x 1.2.4->1.2.3 random breaking blocks: added in a patch downgrade"},
		},
		{
			name: "same version",
			from: "0.3.0", to: "0.3.0",
			old: nil, new: []string{"clock"},
			want: []string{"escalation acme:x 0.3.0->0.3.0 clock blocks: added at the same version"},
		},
		{
			name: "new package",
			from: "", to: "1.0.0",
			old: nil, new: []string{"env:HOME"},
			want: []string{"new-package acme:x ->1.0.0 env:HOME blocks: held by a new package"},
		},
		{
			name: "reductions never block",
			from: "1.0.0", to: "1.1.0",
			old: []string{"net:*.example.com:443", "env:HOME"}, new: []string{"net:api.example.com:443"},
			want: []string{
				"reduction acme:x 1.0.0->1.1.0 net:api.example.com:443: narrowed from net:*.example.com:443",
				"reduction acme:x 1.0.0->1.1.0 env:HOME: dropped",
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			deltas := Diff(mustSet(t, tt.old...), mustSet(t, tt.new...))
			var got []string
			for _, f := range PackageFindings("acme:x", tt.from, tt.to, tt.major, deltas) {
				got = append(got, findingString(f))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("PackageFindings(%q -> %q) =\n%s\nwant\n%s", tt.old, tt.new, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestEdgeFindings(t *testing.T) {
	deltas := Diff(mustSet(t, "fs:out=data/uploads:rw", "env:LANG"), mustSet(t, "fs:out=data:rw", "clock"))
	var got []string
	for _, f := range EdgeFindings("acme:app", "acme:zip", "1.4.0", deltas) {
		got = append(got, findingString(f))
	}
	want := []string{
		"grant-change acme:zip ->1.4.0 fs:out=data:rw blocks: acme:app hands it down widened from fs:out=data/uploads:rw",
		"grant-change acme:zip ->1.4.0 clock blocks: acme:app now hands it down",
		"reduction acme:zip ->1.4.0 env:LANG: acme:app no longer hands it down",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("EdgeFindings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const policyFile = `[[approve]]
package = "acme:notify"
version = "1.2.4"
key = "net:hooks.evil.example:443"
reason = "posts build notifications"
by = "reviewer@example.com"

[[approve]]
package = "acme:notify"
version = "1.2.4"
key = "env:WALLET_SEED"
reason = "temporary"
expires = 2026-06-30

[[approve]]
package = "acme:zip"
version = "1.4.0"
key = "fs:out=data:rw"
reason = "needs the whole data slot"
`

func TestApply(t *testing.T) {
	p, err := ParsePolicy("nano-policy.toml", []byte(policyFile))
	if err != nil {
		t.Fatal(err)
	}
	fs := []Finding{
		{Kind: Escalation, Package: "acme:notify", To: "1.2.4", Key: "net:hooks.evil.example:443", Blocks: true},
		{Kind: Escalation, Package: "acme:notify", To: "1.2.4", Key: "env:WALLET_SEED", Blocks: true},
		{Kind: Escalation, Package: "acme:notify", To: "1.2.5", Key: "net:hooks.evil.example:443", Blocks: true},
		{Kind: GrantChange, Package: "acme:zip", To: "1.4.0", Key: "fs:out=data:rw", Blocks: true},
		{Kind: Integrity, Package: "acme:zip", To: "1.4.0", Key: "fs:out=data:rw", Blocks: true},
	}
	p.Apply(fs, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	for i, want := range []bool{false, true, true, false, true} {
		if fs[i].Blocks != want {
			t.Errorf("after Apply, finding %d (%s %s %s) blocks = %v, want %v", i, fs[i].Kind, fs[i].To, fs[i].Key, fs[i].Blocks, want)
		}
	}
	if !strings.Contains(fs[1].Reason, "approval expired 2026-06-30") {
		t.Errorf("expired approval: reason = %q, want it to say so", fs[1].Reason)
	}
	if fs[0].Approval == nil || fs[0].Approval.By != "reviewer@example.com" {
		t.Errorf("finding 0 Approval = %+v, want the reviewer's", fs[0].Approval)
	}
	// On its last day an approval still holds.
	last := []Finding{{Kind: Escalation, Package: "acme:notify", To: "1.2.4", Key: "env:WALLET_SEED", Blocks: true}}
	p.Apply(last, time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))
	if last[0].Blocks {
		t.Errorf("approval on its expiry day: blocks = true, want false")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	in := `[[approve]]
package = "Acme:x"
version = "^1.2"
key = "net:nope"
reason = ""

[[approve]]
package = "acme:y"
key = "clock"
reason = "ok"
color = "red"
`
	_, err := ParsePolicy("p.toml", []byte(in))
	want := strings.Join([]string{
		`p.toml:2:12: approve[0].package: package name "Acme:x" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`,
		`p.toml:3:12: approve[0].version: version "^1.2" is not one exact version`,
		`p.toml:4:8: approve[0].key: net pattern "nope" has no :PORT`,
		`p.toml:5:11: approve[0].reason: missing: say why the key is needed`,
		`p.toml:7:1: approve[1].version: missing: an approval is pinned to one version`,
		`p.toml:11:10: approve[1].color: unknown key`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("ParsePolicy errors =\n%v\nwant\n%s", err, want)
	}
}

func TestLimitFindings(t *testing.T) {
	const mib = 1 << 20
	m64, m128 := limits.Limits{Memory: 64 * mib}, limits.Limits{Memory: 128 * mib}
	both := limits.Limits{Memory: 64 * mib, Time: 5 * time.Second}
	for _, tt := range []struct {
		name     string
		old, now limits.Limits
		want     []string
	}{
		{"raised", m64, m128, []string{"limit-change acme:zip ->1.4.0 limit:memory=128MiB: acme:app raises its memory limit from 64MiB to 128MiB"}},
		{"removed", both, m64, []string{"limit-change acme:zip ->1.4.0 limit:time=5s: acme:app no longer limits its time (was 5s)"}},
		{"both", both, limits.Limits{Time: 6 * time.Second}, []string{
			"limit-change acme:zip ->1.4.0 limit:memory=64MiB: acme:app no longer limits its memory (was 64MiB)",
			"limit-change acme:zip ->1.4.0 limit:time=6s: acme:app raises its time limit from 5s to 6s",
		}},
		{"lowered", m128, m64, nil},
		{"added", limits.Limits{}, both, nil},
		{"same", both, both, nil},
		{"none", limits.Limits{}, limits.Limits{}, nil},
	} {
		var got []string
		for _, f := range LimitFindings("acme:app", "acme:zip", "1.4.0", tt.old, tt.now) {
			if f.Blocks || f.Kind.Blocks() || f.Kind.Approvable() {
				t.Errorf("%s: LimitFindings gives %+v, which blocks or is approvable", tt.name, f)
			}
			got = append(got, findingString(f))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: LimitFindings(%v, %v) =\n%q\nwant\n%q", tt.name, tt.old, tt.now, got, tt.want)
		}
	}
}
