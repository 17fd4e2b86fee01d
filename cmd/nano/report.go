package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/nanoproc/nano/policy"
)

// reportVersion is the version of the JSON report schema.
const reportVersion = 1

func blocking(fs []policy.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Blocks {
			n++
		}
	}
	return n
}

// writeText prints findings grouped by package, one +/- line per key, like
// a diff, and a summary line: for an audit, or for a diff, which blocks
// nothing itself.
func writeText(w io.Writer, fs []policy.Finding, base string, audit bool) {
	if base != "" {
		fmt.Fprintf(w, "baseline: %s\n", base)
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	head := ""
	approved, reported := 0, 0
	for _, f := range fs {
		if h := heading(f); h != head {
			tw.Flush()
			fmt.Fprintln(w, h)
			head = h
		}
		key := f.Key
		if key == "" {
			key = f.Import
		}
		if key == "" {
			key = "*"
		}
		label := string(f.Kind)
		if f.Breaking {
			label += ", breaking"
		}
		line := fmt.Sprintf("  %s %s\t%s: %s", sign(f), key, label, f.Reason)
		switch {
		case f.Approval != nil:
			approved++
			line += fmt.Sprintf("; approved by %s: %s", orSomeone(f.Approval.By), f.Approval.Reason)
		case !f.Blocks:
			reported++
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	if len(fs) == 0 {
		fmt.Fprintln(w, "no findings")
		return
	}
	if audit {
		fmt.Fprintf(w, "%d blocking, %d approved, %d reported\n", blocking(fs), approved, reported)
	} else {
		fmt.Fprintf(w, "%d would block an audit, %d reported\n", blocking(fs), reported)
	}
}

func heading(f policy.Finding) string {
	switch {
	case f.From != "" && f.To != "" && f.From != f.To:
		return fmt.Sprintf("%s %s -> %s", f.Package, f.From, f.To)
	case f.To == "" && f.From != "":
		return fmt.Sprintf("%s %s (removed)", f.Package, f.From)
	case f.Kind == policy.NewPackage:
		return fmt.Sprintf("%s %s (new)", f.Package, f.To)
	}
	return strings.TrimSpace(f.Package + " " + f.To)
}

func sign(f policy.Finding) string {
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

func orSomeone(by string) string {
	if by == "" {
		return "(unnamed)"
	}
	return by
}

// jsonReport is the JSON schema of audit and diff reports. Fields are only
// ever added; Version changes when one changes meaning.
type jsonReport struct {
	Version  int              `json:"version"`
	Command  string           `json:"command"`
	Base     string           `json:"base,omitempty"`
	Findings []policy.Finding `json:"findings"`
	Summary  struct {
		Blocking int `json:"blocking"`
		Approved int `json:"approved"`
		Reported int `json:"reported"`
	} `json:"summary"`
}

func writeJSON(w io.Writer, command, base string, fs []policy.Finding) error {
	r := jsonReport{Version: reportVersion, Command: command, Base: base, Findings: fs}
	if r.Findings == nil {
		r.Findings = []policy.Finding{}
	}
	for _, f := range fs {
		switch {
		case f.Blocks:
			r.Summary.Blocking++
		case f.Approval != nil:
			r.Summary.Approved++
		default:
			r.Summary.Reported++
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
