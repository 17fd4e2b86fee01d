package main

import (
	"context"
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// nano is a short-lived command that builds large graphs: trade
		// memory for less time in the garbage collector, up to 1 GiB.
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(1 << 30)
	}
	os.Exit(run(context.Background(), ".", os.Args[1:], os.Stdout, os.Stderr))
}
