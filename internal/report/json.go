package report

import (
	"encoding/json"
	"io"

	"github.com/nanoproc/nano/policy"
)

// Version is the version of the JSON report's schema. Fields are only ever
// added; Version changes when one changes meaning.
const Version = 1

// jsonReport is the JSON report of audit, diff and update.
type jsonReport struct {
	Version  int              `json:"version"`
	Command  string           `json:"command"`
	Base     string           `json:"base,omitempty"`
	Baseline string           `json:"baseline,omitempty"`
	Findings []policy.Finding `json:"findings"`
	Summary  Summary          `json:"summary"`
}

// jsonHandler writes one JSON object, for programs.
type jsonHandler struct {
	w io.Writer
	r jsonReport
}

func (h *jsonHandler) Start(hd *Header) error {
	h.r = jsonReport{Version: Version, Command: hd.Command, Base: hd.Base, Baseline: hd.Baseline, Findings: []policy.Finding{}}
	return nil
}

func (h *jsonHandler) Finding(f *policy.Finding) error {
	h.r.Findings = append(h.r.Findings, *f)
	return nil
}

func (h *jsonHandler) End(s *Summary) error {
	h.r.Summary = *s
	enc := json.NewEncoder(h.w)
	enc.SetIndent("", "  ")
	return enc.Encode(&h.r)
}
