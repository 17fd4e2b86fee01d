package report

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nanoproc/nano/policy"
)

func findings(blocking, approved, reported int) []policy.Finding {
	var fs []policy.Finding
	for i := range blocking {
		fs = append(fs, policy.Finding{Kind: policy.Escalation, Package: "acme:b", From: "1.0.0", To: "1.1.0",
			Key: fmt.Sprintf("env:B%02d", i), Change: "added", Reason: "added in a minor upgrade", Blocks: true})
	}
	for i := range approved {
		fs = append(fs, policy.Finding{Kind: policy.Escalation, Package: "acme:c", From: "1.0.0", To: "1.1.0",
			Key: fmt.Sprintf("env:C%02d", i), Change: "added", Reason: "added", Approval: &policy.Approval{Reason: "fine"}})
	}
	for i := range reported {
		fs = append(fs, policy.Finding{Kind: policy.Reduction, Package: "acme:d", From: "1.0.0", To: "1.1.0",
			Key: fmt.Sprintf("env:D%02d", i), Change: "dropped", Reason: "dropped"})
	}
	return fs
}

func TestCount(t *testing.T) {
	got := Count(findings(3, 2, 4))
	if want := (Summary{Blocking: 3, Approved: 2, Reported: 4}); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
}

// Every format is fed the same summary, and Write returns it.
func TestWriteSummary(t *testing.T) {
	fs := findings(3, 2, 4)
	for _, format := range Formats {
		var buf bytes.Buffer
		h, err := New(format, &buf)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Write(h, &Header{Command: "audit", Gate: true, Baseline: "nano.lock at HEAD"}, fs)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Summary{3, 2, 4}); s != want {
			t.Errorf("%s: Write = %+v, want %+v", format, s, want)
		}
		if !strings.Contains(buf.String(), "nano.lock at HEAD") {
			t.Errorf("%s: the baseline is not stated:\n%s", format, buf.String())
		}
	}
}

func TestNewUnknown(t *testing.T) {
	_, err := New("sarif2", new(bytes.Buffer))
	var ue *UnknownFormatError
	if !errors.As(err, &ue) {
		t.Fatalf("New(sarif2) = %v, want an UnknownFormatError", err)
	}
	if want := `--format "sarif2": want text, json, markdown or github`; err.Error() != want {
		t.Errorf("New(sarif2) = %q, want %q", err, want)
	}
	if err := Check("markdown"); err != nil {
		t.Errorf("Check(markdown) = %v", err)
	}
}

func github(t *testing.T, gate bool, fs []policy.Finding) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(newGitHub(&buf), &Header{Command: "audit", Gate: gate, Baseline: "none"}, fs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// At most AnnotationLimit annotations of each level; the rest counted in
// the last line. Approved findings are never annotated.
func TestGitHubLimits(t *testing.T) {
	for _, tc := range []struct {
		gate                  bool
		blocking, reported    int
		errors, warns, notice int
		last                  string
	}{
		{true, 25, 13, 10, 0, 10, "nano audit: not annotated: 15 blocking, 3 reported "},
		{false, 25, 13, 0, 10, 10, "nano audit: not annotated: 15 that would block an audit, 3 reported "},
		{true, 10, 10, 10, 0, 10, "nano audit: 10 blocking, 4 approved, 10 reported"},
		{true, 0, 0, 0, 0, 0, "nano audit: 0 blocking, 4 approved, 0 reported"},
	} {
		out := github(t, tc.gate, findings(tc.blocking, 4, tc.reported))
		if n := strings.Count(out, "\n::error "); n != tc.errors {
			t.Errorf("%d blocking (gate %v): %d ::error, want %d", tc.blocking, tc.gate, n, tc.errors)
		}
		if n := strings.Count(out, "\n::warning "); n != tc.warns {
			t.Errorf("%d blocking (gate %v): %d ::warning, want %d", tc.blocking, tc.gate, n, tc.warns)
		}
		if n := strings.Count(out, "\n::notice "); n != tc.notice {
			t.Errorf("%d reported: %d ::notice, want %d", tc.reported, n, tc.notice)
		}
		if strings.Contains(out, "env:C") {
			t.Errorf("an approved finding is annotated:\n%s", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, tc.last) {
			t.Errorf("last line = %q, want prefix %q", last, tc.last)
		}
	}
}

// Text chosen by a module, a manifest or a policy file cannot start a
// workflow command of its own, nor end the message or a property early.
func TestGitHubEscapes(t *testing.T) {
	f := policy.Finding{Kind: policy.UndeclaredImport, Package: "acme:x", To: "1.0.0",
		Import: "a%0A\r\n::add-mask::b", Reason: "x\n::error::forged,1:2%", Blocks: true}
	out := github(t, true, []policy.Finding{f})
	want := "::error title=nano audit%3A undeclared-import::acme:x 1.0.0: ! a%250A%0D%0A::add-mask::b: x%0A::error::forged,1:2%25\n"
	if !strings.Contains(out, want) {
		t.Errorf("github = %q, want it to hold %q", out, want)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("github wrote %d lines, want 3:\n%s", n, out)
	}
	// A baseline given on the command line stays on its own plain line.
	var buf bytes.Buffer
	if _, err := Write(newGitHub(&buf), &Header{Command: "audit", Gate: true, Baseline: "x\n::error::y"}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "nano audit: baseline: x%0A::error::y\nnano audit: no findings\n"; got != want {
		t.Errorf("github = %q, want %q", got, want)
	}
	for _, tc := range []struct{ in, data, prop string }{
		{"a%b", "a%25b", "a%25b"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k:v,w", "k:v,w", "k%3Av%2Cw"},
	} {
		if got := escapeData(tc.in); got != tc.data {
			t.Errorf("escapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := escapeProperty(tc.in); got != tc.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"acme:app 1.0.0 → 1.1.0", "acme:app 1.0.0 → 1.1.0"},
		{"a|b", `a\|b`},
		{"</details><img src=x>", `\</details\>\<img src=x\>`},
		{"@team #1 **b** _i_ [l](u) ![i](u) $x$ ~s~ &amp; `c` \\", `\@team \#1 \*\*b\*\* \_i\_ \[l\](u) \!\[i\](u) \$x\$ \~s\~ \&amp; \` + "`c\\` " + `\\`},
		{"line\nbreak\r\u2028x", "line break  x"},
	} {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		cell bool
		want string
	}{
		{"net:a.example:443", true, "`net:a.example:443`"},
		{"a|b", true, "`a\\|b`"},
		{"a|b", false, "`a|b`"},
		{"a``b", true, "```a``b```"},
		{"`a", false, "`` `a ``"},
		{"a\nb", false, "`a b`"},
	} {
		if got := mdCode(tc.in, tc.cell); got != tc.want {
			t.Errorf("mdCode(%q, %v) = %q, want %q", tc.in, tc.cell, got, tc.want)
		}
	}
}

// A table row holds exactly its four cells, whatever a key or a reason
// holds, and nothing a finding holds opens or closes HTML.
func TestMarkdownTable(t *testing.T) {
	fs := []policy.Finding{{Kind: policy.UndeclaredImport, Package: "acme:x", To: "1.0.0",
		Import: "a|b|`c`|</details>", Reason: "r|s\n| forged | row |", Blocks: true}}
	var buf bytes.Buffer
	if _, err := Write(&markdownHandler{w: &buf}, &Header{Command: "audit", Gate: true, Baseline: "none"}, fs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| |") {
			if cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); cells != 5 {
				t.Errorf("row %q has %d unescaped |, want 5", line, cells)
			}
		}
	}
	// Inside a code span, HTML is text.
	text := strings.NewReplacer(mdCode(fs[0].Import, true), "", mdCode(fs[0].Import, false), "").Replace(out)
	if strings.Count(text, "</details>") != 1 || strings.Count(text, "<details>") != 1 {
		t.Errorf("markdown opens or closes <details> for a finding:\n%s", out)
	}
	if strings.Contains(out, "\n| forged") {
		t.Errorf("a reason forged a row:\n%s", out)
	}
}

// An annotation names the finding's file and line, the file alone when
// the finding has no line, and neither when it has no position; a file
// name is escaped as a property.
func TestGitHubPositions(t *testing.T) {
	at := func(file string, line int) policy.Finding {
		return policy.Finding{Kind: policy.Escalation, Package: "acme:x", To: "1.0.0", Key: "clock", Reason: "added", Blocks: true, File: file, Line: line}
	}
	for _, tc := range []struct {
		f    policy.Finding
		want string
	}{
		{at("nano.toml", 12), "::error file=nano.toml,line=12,title=nano audit%3A escalation::acme:x 1.0.0: ! clock: added\n"},
		{at("nano.lock", 0), "::error file=nano.lock,title=nano audit%3A escalation::"},
		{at("", 0), "::error title=nano audit%3A escalation::"},
		{at("sub,dir/a:b.toml", 3), "::error file=sub%2Cdir/a%3Ab.toml,line=3,title="},
	} {
		if out := github(t, true, []policy.Finding{tc.f}); !strings.Contains(out, tc.want) {
			t.Errorf("github of a finding at %q:%d = %q, want it to hold %q", tc.f.File, tc.f.Line, out, tc.want)
		}
	}
	// The root's directory in the repository comes first.
	var buf bytes.Buffer
	if _, err := Write(newGitHub(&buf), &Header{Command: "audit", Gate: true, Dir: "app/"}, []policy.Finding{at("nano.toml", 12)}); err != nil {
		t.Fatal(err)
	}
	if want := "::error file=app/nano.toml,line=12,title="; !strings.Contains(buf.String(), want) {
		t.Errorf("github with Dir app/ = %q, want it to hold %q", buf.String(), want)
	}
}
