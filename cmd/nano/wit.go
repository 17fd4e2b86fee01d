package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/nanoproc/nano/hostapi"
)

// wit prints the WIT of nano's host APIs: every package, or the one named.
func (e *env) wit(c *cli.Context) error {
	if c.NArg() > 1 {
		return failf(exitUsage, "wit takes at most one package name")
	}
	want := c.Args().First()
	var names []string
	printed := false
	for _, f := range hostapi.WIT() {
		first, _, _ := strings.Cut(f.Text, "\n")
		pkg, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(first, "package "), ";"), "@")
		names = append(names, pkg)
		if want != "" && want != pkg {
			continue
		}
		if printed {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, f.Text)
		printed = true
	}
	if !printed {
		return failf(exitUsage, "%s is not a host API of nano; there are: %s", want, strings.Join(names, ", "))
	}
	return nil
}
