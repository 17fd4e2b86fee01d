package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/nanoproc/nano", Version: "v0.4.0"},
		Deps: []*debug.Module{
			{Path: "github.com/BurntSushi/toml", Version: "v1.6.0"},
			{Path: "github.com/tetratelabs/wazero", Version: "v1.12.0"},
			{Path: "go.bytecodealliance.org", Version: "v0.7.0", Replace: &debug.Module{Path: "go.bytecodealliance.org", Version: "v0.7.1"}},
		},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "4f5125a0c0ffee"},
			{Key: "vcs.time", Value: "2026-11-27T16:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b strings.Builder
	writeVersion(&b, bi)
	want := `nano v0.4.0
revision 4f5125a0c0ffee (2026-11-27T16:00:00Z, modified)
go 1.26.8
runtime: github.com/tetratelabs/wazero v1.12.0
WIT parser: go.bytecodealliance.org v0.7.1
`
	if b.String() != want {
		t.Errorf("writeVersion =\n%s\nwant\n%s", b.String(), want)
	}
	// A build without VCS information and without a module version.
	b.Reset()
	writeVersion(&b, &debug.BuildInfo{GoVersion: "go1.26.8"})
	if want := "nano (devel)\ngo 1.26.8\n"; b.String() != want {
		t.Errorf("writeVersion, no information =\n%s\nwant\n%s", b.String(), want)
	}
}
