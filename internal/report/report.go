// Package report writes the findings of nano audit, diff and update in each
// output format. A command picks one Handler with New, from --format, and
// feeds it with Write: a Header, every finding in order, then the Summary,
// counted once by Write for every format and for the exit status.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/nanoproc/nano/policy"
)

// Formats are the names New accepts, the default first.
var Formats = []string{"text", "json", "markdown", "github"}

// A Handler writes one report in one format. Write calls Start once, then
// Finding for each finding, then End once; a Handler may write as it goes
// or hold everything until End, and has written it all when End returns.
type Handler interface {
	Start(h *Header) error
	Finding(f *policy.Finding) error
	End(s *Summary) error
}

// A Header says what a report is about.
type Header struct {
	// Command is the command reporting: audit, diff, update or lock.
	Command string
	// Gate is true when the findings decide the exit status (audit,
	// lock --check), false when they only say what would block an audit
	// (diff, update).
	Gate bool
	// Base is the baseline as given on the command line, "" when none
	// was: the JSON report's "base".
	Base string
	// Baseline describes what the findings are measured against, such as
	// "nano.lock at HEAD", a file, or "none". Every format states it; ""
	// states nothing, for a report with no baseline to speak of (lock
	// --check).
	Baseline string
	// Dir is the root's directory relative to the repository, slash
	// separated with a trailing slash, or "" for the repository's top:
	// the github format puts it before each finding's file, since GitHub
	// reads an annotation's file from the top of the repository, while a
	// finding's file is relative to the root.
	Dir string
}

// A Summary counts the findings of a report. Every finding is counted in
// exactly one of its fields.
type Summary struct {
	Blocking int `json:"blocking"` // blocking and not approved
	Approved int `json:"approved"` // blocking kinds lifted by an approval
	Reported int `json:"reported"` // never blocking
}

// Count counts findings.
func Count(fs []policy.Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch {
		case f.Blocks:
			s.Blocking++
		case f.Approval != nil:
			s.Approved++
		default:
			s.Reported++
		}
	}
	return s
}

// Total is the number of findings counted.
func (s *Summary) Total() int { return s.Blocking + s.Approved + s.Reported }

// line is the summary line of the text and github formats.
func (s *Summary) line(gate bool) string {
	if gate {
		return fmt.Sprintf("%d blocking, %d approved, %d reported", s.Blocking, s.Approved, s.Reported)
	}
	return fmt.Sprintf("%d would block an audit, %d reported", s.Blocking, s.Reported)
}

// An UnknownFormatError is a format New does not know.
type UnknownFormatError struct{ Format string }

// Error returns the message of the UnknownFormatError.
func (e *UnknownFormatError) Error() string {
	return fmt.Sprintf("--format %q: want %s or %s", e.Format,
		strings.Join(Formats[:len(Formats)-1], ", "), Formats[len(Formats)-1])
}

// New returns the handler for format, writing to w.
func New(format string, w io.Writer) (Handler, error) {
	switch format {
	case "text":
		return newText(w), nil
	case "json":
		return &jsonHandler{w: w}, nil
	case "markdown":
		return &markdownHandler{w: w}, nil
	case "github":
		return newGitHub(w), nil
	}
	return nil, &UnknownFormatError{format}
}

// Check reports whether New knows format, with New's error.
func Check(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return &UnknownFormatError{format}
}

// Write feeds h the header, the findings in order and their summary, and
// returns the summary: the exit status follows from it, the same in every
// format.
func Write(h Handler, hd *Header, fs []policy.Finding) (Summary, error) {
	s := Count(fs)
	if err := h.Start(hd); err != nil {
		return s, err
	}
	for i := range fs {
		if err := h.Finding(&fs[i]); err != nil {
			return s, err
		}
	}
	return s, h.End(&s)
}

// Heading names the package of a finding and its version change, with
// arrow between the versions: the heading of its group.
func heading(f *policy.Finding, arrow string) string {
	switch {
	case f.From != "" && f.To != "" && f.From != f.To:
		return fmt.Sprintf("%s %s %s %s", f.Package, f.From, arrow, f.To)
	case f.To == "" && f.From != "":
		return fmt.Sprintf("%s %s (removed)", f.Package, f.From)
	case f.Kind == policy.NewPackage:
		return fmt.Sprintf("%s %s (new)", f.Package, f.To)
	}
	return strings.TrimSpace(f.Package + " " + f.To)
}

// sign is a finding's mark, as in a diff: + added, - removed, ~ changed,
// ! anything else.
func sign(f *policy.Finding) string {
	switch f.Change {
	case "added", "widened", "raised":
		return "+"
	case "dropped", "narrowed", "removed":
		return "-"
	case "changed":
		return "~"
	}
	return "!"
}

// subject is what a finding is about: its key, else its import, else "*".
func subject(f *policy.Finding) string {
	switch {
	case f.Key != "":
		return f.Key
	case f.Import != "":
		return f.Import
	}
	return "*"
}

// label is a finding's kind, and "breaking" when it is.
func label(f *policy.Finding) string {
	if f.Breaking {
		return string(f.Kind) + ", breaking"
	}
	return string(f.Kind)
}

func orSomeone(by string) string {
	if by == "" {
		return "(unnamed)"
	}
	return by
}
