// Command goroot is a WASI command built with Go (GOOS=wasip1): it uses the
// filesystem the way Go programs do. Each mode prints one line per step,
// "STEP: ok ..." or "STEP: err MESSAGE", and exits 0; run_test.go compares
// the lines.
//
//	goroot root DIR     os.OpenRoot(DIR), then Create, Mkdir, Stat, Open,
//	                    Rename and Remove in it, and a path out of it
//	goroot cat FILE...  os.ReadFile each FILE, relative or absolute
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: goroot root|cat ARG...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "root":
		root(os.Args[2])
	case "cat":
		for _, f := range os.Args[2:] {
			b, err := os.ReadFile(f)
			report(f, err, string(b))
		}
	default:
		fmt.Fprintln(os.Stderr, "goroot: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func report(step string, err error, ok string) {
	if err != nil {
		fmt.Printf("%s: err %v\n", step, err)
		return
	}
	if ok != "" {
		ok = " " + ok
	}
	fmt.Printf("%s: ok%s\n", step, ok)
}

func root(dir string) {
	r, err := os.OpenRoot(dir)
	report("OpenRoot", err, "")
	if err != nil {
		return
	}
	defer r.Close()

	f, err := r.Open("input.txt")
	if err == nil {
		var b []byte
		b, err = io.ReadAll(f)
		f.Close()
		report("Open input.txt", err, string(b))
	} else {
		report("Open input.txt", err, "")
	}
	fi, err := r.Stat("input.txt")
	if err == nil {
		report("Stat input.txt", nil, fmt.Sprintf("%d bytes", fi.Size()))
	} else {
		report("Stat input.txt", err, "")
	}
	report("Mkdir made", r.Mkdir("made", 0o755), "")
	f, err = r.Create("made/new.txt")
	if err == nil {
		_, err = f.WriteString("written")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	report("Create made/new.txt", err, "")
	if fi, err := r.Stat("made/new.txt"); err == nil {
		report("Stat made/new.txt", nil, fmt.Sprintf("%d bytes", fi.Size()))
	} else {
		report("Stat made/new.txt", err, "")
	}
	if fi, err := r.Stat("made"); err == nil {
		report("Stat made", nil, fmt.Sprintf("dir %v", fi.IsDir()))
	} else {
		report("Stat made", err, "")
	}
	report("Rename", r.Rename("made/new.txt", "made/renamed.txt"), "")
	report("Remove file", r.Remove("made/renamed.txt"), "")
	report("Remove dir", r.Remove("made"), "")

	// Out of the root: refused by os.Root itself, and by nano.
	_, err = r.Stat("../escape.txt")
	report("Stat ../escape.txt", err, "")
	f, err = r.Create("../escape.txt")
	if err == nil {
		f.Close()
	}
	report("Create ../escape.txt", err, "")
}
