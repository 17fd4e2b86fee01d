package main

import (
	"os"

	"github.com/nanoproc/nano/lockfile"
)

// Writes a baseline: the lock with the keys of 1% of packages dropped.
func main() {
	l, err := lockfile.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	for i, p := range l.Packages {
		if i%100 == 50 && len(p.Keys) > 0 {
			p.Keys = p.Keys[:len(p.Keys)-1]
		}
	}
	if err := lockfile.WriteFile(os.Args[2], l); err != nil {
		panic(err)
	}
}
