package report

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/nanoproc/nano/policy"
)

// textHandler writes findings for people: grouped by package, one +/- line
// per key like a diff, and a summary line.
type textHandler struct {
	w    *bufio.Writer // thousands of findings: one write, not one a line
	tw   *tabwriter.Writer
	gate bool
	head string
}

func newText(w io.Writer) *textHandler {
	b := bufio.NewWriter(w)
	return &textHandler{w: b, tw: tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)}
}

func (h *textHandler) Start(hd *Header) error {
	h.gate = hd.Gate
	if hd.Baseline != "" {
		fmt.Fprintf(h.w, "baseline: %s\n", hd.Baseline)
	}
	return nil
}

func (h *textHandler) Finding(f *policy.Finding) error {
	if hd := heading(f, "->"); hd != h.head {
		h.tw.Flush()
		fmt.Fprintln(h.w, hd)
		h.head = hd
	}
	line := fmt.Sprintf("  %s %s\t%s: %s", sign(f), subject(f), label(f), f.Reason)
	if f.Approval != nil {
		line += fmt.Sprintf("; approved by %s: %s", orSomeone(f.Approval.By), f.Approval.Reason)
	}
	_, err := fmt.Fprintln(h.tw, line)
	return err
}

func (h *textHandler) End(s *Summary) error {
	h.tw.Flush()
	if s.Total() == 0 {
		fmt.Fprintln(h.w, "no findings")
	} else {
		fmt.Fprintln(h.w, s.line(h.gate))
	}
	return h.w.Flush()
}
