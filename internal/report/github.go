package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/nanoproc/nano/policy"
)

// AnnotationLimit is how many annotations of each level (error, warning,
// notice) GitHub shows for one step; the github format writes no more of
// each, and counts the rest in its last line.
const AnnotationLimit = 10

// githubHandler writes GitHub Actions workflow commands: an ::error
// annotation for each blocking finding, a ::notice for each reported one
// (approved findings are only counted), at most AnnotationLimit of each,
// between a first line stating the baseline and the summary line. In a
// report that decides nothing (diff, update) a finding that would block an
// audit is a ::warning: the step passes.
//
// An annotation names the finding's file and line (file=F,line=N), so that
// GitHub shows it on that line of the pull request's files; a finding with
// a file but no line names the file alone, and one with no position
// neither. The file is prefixed with Header.Dir.
type githubHandler struct {
	w                 *bufio.Writer
	hd                Header
	blocking, notices int
}

func newGitHub(w io.Writer) *githubHandler {
	return &githubHandler{w: bufio.NewWriter(w)}
}

func (h *githubHandler) Start(hd *Header) error {
	h.hd = *hd
	if hd.Baseline != "" {
		h.plain("baseline: " + hd.Baseline)
	}
	return nil
}

func (h *githubHandler) Finding(f *policy.Finding) error {
	level := ""
	switch {
	case f.Blocks:
		h.blocking++
		if h.blocking <= AnnotationLimit {
			level = "error"
			if !h.hd.Gate {
				level = "warning"
			}
		}
	case f.Approval == nil:
		h.notices++
		if h.notices <= AnnotationLimit {
			level = "notice"
		}
	}
	if level == "" {
		return nil
	}
	title := fmt.Sprintf("nano %s: %s", h.hd.Command, label(f))
	msg := fmt.Sprintf("%s: %s %s: %s", heading(f, "->"), sign(f), subject(f), f.Reason)
	var where string
	if f.File != "" {
		where = "file=" + escapeProperty(h.hd.Dir+f.File) + ","
		if f.Line > 0 {
			where += fmt.Sprintf("line=%d,", f.Line)
		}
	}
	_, err := fmt.Fprintf(h.w, "::%s %stitle=%s::%s\n", level, where, escapeProperty(title), escapeData(msg))
	return err
}

func (h *githubHandler) End(s *Summary) error {
	if s.Total() == 0 {
		h.plain("no findings")
	} else {
		h.plain(s.line(h.hd.Gate))
	}
	moreBlocking, moreNotices := max(h.blocking-AnnotationLimit, 0), max(h.notices-AnnotationLimit, 0)
	if moreBlocking+moreNotices > 0 {
		blocking := "blocking"
		if !h.hd.Gate {
			blocking = "that would block an audit"
		}
		h.plain(fmt.Sprintf("not annotated: %d %s, %d reported (GitHub shows %d annotations of each level per step; --format text lists every finding)",
			moreBlocking, blocking, moreNotices, AnnotationLimit))
	}
	return h.w.Flush()
}

// plain writes a line of the log that is not a workflow command: prefixed
// with "nano COMMAND: " so that it never starts with "::", and on one line.
func (h *githubHandler) plain(s string) {
	fmt.Fprintf(h.w, "nano %s: %s\n", escapeData(h.hd.Command), escapeData(s))
}

// escapeData escapes a workflow command's message, as GitHub's toolkit
// does (@actions/core escapeData): "%", CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value, as GitHub's
// toolkit does (@actions/core escapeProperty): "%", CR, LF, ":" and ",".
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
