package main

import (
	"io"

	"github.com/nanoproc/nano/internal/report"
	"github.com/nanoproc/nano/policy"
)

// formatUsage is the usage of the --format flag.
const formatUsage = "output format: text, json, markdown or github"

// checkFormat makes an unknown --format bad usage, naming the formats.
func checkFormat(format string) error {
	if err := report.Check(format); err != nil {
		return &exitError{exitUsage, err}
	}
	return nil
}

// writeReport writes findings to w in format, and returns their summary,
// counted once for every format.
func writeReport(w io.Writer, format string, hd *report.Header, fs []policy.Finding) (report.Summary, error) {
	h, err := report.New(format, w)
	if err != nil {
		return report.Summary{}, &exitError{exitUsage, err}
	}
	return report.Write(h, hd, fs)
}

// writeText prints findings as text with no baseline: gate is true when
// they decide the exit status, false when they only say what would block
// an audit.
func writeText(w io.Writer, fs []policy.Finding, gate bool) error {
	_, err := writeReport(w, "text", &report.Header{Gate: gate}, fs)
	return err
}
