package main

import (
	"context"
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// nano is a short-lived command that builds large graphs: trade
		// memory for less time in the garbage collector.
		debug.SetGCPercent(400)
	}
	os.Exit(run(context.Background(), ".", os.Args[1:], os.Stdout, os.Stderr))
}
