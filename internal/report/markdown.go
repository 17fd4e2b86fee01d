package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nanoproc/nano/policy"
)

// markdownHandler writes a pull-request comment: a summary line that states
// the baseline, then per package a table of its keys (each added or
// removed, its finding, whether it blocks) and the reasons folded in a
// <details> element. Everything a module or manifest chose (keys, imports,
// reasons) is escaped: it cannot end the table, open HTML, or forge a line.
type markdownHandler struct {
	w      io.Writer
	hd     Header
	groups []mdGroup
}

type mdGroup struct {
	head     string
	findings []*policy.Finding
}

func (h *markdownHandler) Start(hd *Header) error {
	h.hd = *hd
	return nil
}

func (h *markdownHandler) Finding(f *policy.Finding) error {
	hd := heading(f, "→")
	if n := len(h.groups); n == 0 || h.groups[n-1].head != hd {
		h.groups = append(h.groups, mdGroup{head: hd})
	}
	g := &h.groups[len(h.groups)-1]
	g.findings = append(g.findings, f)
	return nil
}

func (h *markdownHandler) End(s *Summary) error {
	w := bufio.NewWriter(h.w)
	fmt.Fprintf(w, "**nano %s**: ", mdText(h.hd.Command))
	switch {
	case s.Total() == 0:
		fmt.Fprint(w, "no findings")
	case h.hd.Gate:
		fmt.Fprintf(w, "%d blocking, %d approved, %d reported", s.Blocking, s.Approved, s.Reported)
	default:
		fmt.Fprintf(w, "%d would block an audit, %d reported", s.Blocking, s.Reported)
	}
	if h.hd.Baseline != "" {
		fmt.Fprintf(w, "; baseline: %s", mdText(h.hd.Baseline))
	}
	fmt.Fprintln(w)
	for _, g := range h.groups {
		fmt.Fprintf(w, "\n#### %s\n\n", mdText(g.head))
		fmt.Fprintln(w, "| | key | finding | status |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, f := range g.findings {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", sign(f), mdCode(subject(f), true), mdText(label(f)), mdStatus(f, h.hd.Gate))
		}
		fmt.Fprintln(w, "\n<details><summary>Reasons</summary>")
		fmt.Fprintln(w)
		for _, f := range g.findings {
			fmt.Fprintf(w, "- %s %s: %s", mdCode(subject(f), false), mdText(label(f)), mdText(f.Reason))
			if a := f.Approval; a != nil {
				fmt.Fprintf(w, "; approved by %s: %s", mdText(orSomeone(a.By)), mdText(a.Reason))
				if !a.Expires.IsZero() {
					fmt.Fprintf(w, " (until %s)", a.Expires.Format(time.DateOnly))
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "\n</details>")
	}
	return w.Flush()
}

// mdSpecial are the characters mdText escapes.
const mdSpecial = "\\`*_[]<>|&~#$@!"

// mdStatus says whether a finding blocks, was approved, or is reported.
func mdStatus(f *policy.Finding, gate bool) string {
	switch {
	case f.Blocks && gate:
		return "**blocking**"
	case f.Blocks:
		return "**would block**"
	case f.Approval != nil:
		return "approved by " + mdText(orSomeone(f.Approval.By))
	}
	return "reported"
}

// mdText escapes s as Markdown text on one line. The characters that
// could open emphasis, a link, an image, HTML, an entity, math, a mention
// (@name) or a reference (#1), or end a table cell, are backslash-escaped
// (CommonMark's escapes, which GitHub's tables also use for "|"); control
// characters become spaces. Text never starts a line, so the characters
// that only matter there (-, +, =, a digit) stay as they are.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune(mdSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode writes s as a code span: fenced by more backticks than s holds in
// a row, control characters made spaces, and in a table cell "|" escaped
// (GitHub splits cells before it parses code spans, and drops the "\").
func mdCode(s string, cell bool) string {
	var b strings.Builder
	run, longest := 0, 0
	for _, r := range s {
		switch {
		case r == '`':
			run++
			longest = max(longest, run)
			b.WriteRune(r)
			continue
		case r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == '|' && cell:
			b.WriteString(`\|`)
		default:
			b.WriteRune(r)
		}
		run = 0
	}
	body := b.String()
	if strings.HasPrefix(body, "`") || strings.HasSuffix(body, "`") {
		body = " " + body + " "
	}
	fence := strings.Repeat("`", longest+1)
	return fence + body + fence
}
