// Command orch is acme:orch 0.1.0, the root of the jobs example: an
// orchestrator, a Go command built with the standard toolchain
// (GOOS=wasip1 GOARCH=wasm), that starts one acme:analyzer child
// nanoprocess per job through nano:process (its bindings are in
// spawn.go) and reports what each said and how it ended.
//
// The jobs are the lines of /data/jobs.txt (its data slot): a job number
// N, then the analyzer's arguments, and optionally <FILE, a file of the
// data slot that orch pipes to the child's stdin. Job N's child gets the
// keys fs:tmp=data/jobs/N:rw, its own directory of the data slot, and its
// three streams: stdout and stderr piped back, stdin piped from FILE or
// null. No other key: no network and no other directory. Every child is
// started first and runs concurrently; then, in job order, orch reads
// each one's stdout and stderr to their end, waits for it, and prints its
// lines and its exit.
//
// It exits 0 when every job exited 0, 1 when one did not or could not
// start, 2 when jobs.txt cannot be read.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A job is a line of jobs.txt, and the child it runs in.
type job struct {
	n     int
	args  []string
	stdin string // the file of the data slot to pipe to its stdin, or ""
	keys  []string
	child uint32 // 0 when start failed
}

func main() {
	jobs, err := readJobs("/data/jobs.txt")
	if err != nil {
		fmt.Fprintf(os.Stderr, "orch: %v\n", err)
		os.Exit(2)
	}
	failed := 0
	for _, j := range jobs {
		j.keys = []string{fmt.Sprintf("fs:tmp=data/jobs/%d:rw", j.n), "stdio:stdin", "stdio:stdout", "stdio:stderr"}
		o := Options{Args: j.args, Keys: j.keys, Stdin: Null, Stdout: Pipe, Stderr: Pipe}
		if j.stdin != "" {
			o.Stdin = Pipe
		}
		j.child, err = Start("acme:analyzer", o)
		if err != nil {
			fmt.Printf("job %d: start: err(%q)\n", j.n, err.Error())
			failed++
			continue
		}
		fmt.Printf("job %d: started child %d: analyzer %s, with %s\n", j.n, j.child, strings.Join(j.args, " "), strings.Join(j.keys, " "))
		if j.stdin != "" {
			if err := pipeFile(j); err != nil {
				fmt.Printf("job %d: stdin: %v\n", j.n, err)
			}
		}
	}
	for _, j := range jobs {
		if j.child == 0 {
			continue
		}
		// Children write little: reading stdout to its end before stderr
		// never fills stderr's pipe (at least 64 KiB).
		for _, stderr := range []bool{false, true} {
			out, err := ReadAll(j.child, stderr)
			prefix := fmt.Sprintf("job %d: ", j.n)
			if stderr {
				prefix += "stderr: "
			}
			for line := range strings.Lines(string(out)) {
				fmt.Print(prefix + line)
			}
			if err != nil {
				fmt.Printf("%sread: err(%q)\n", prefix, err.Error())
			}
		}
		exit, err := Wait(j.child)
		if err != nil {
			fmt.Printf("job %d: wait: err(%q)\n", j.n, err.Error())
			failed++
			continue
		}
		fmt.Printf("job %d: %s\n", j.n, exit)
		if exit.Kind != Exited || exit.Code != 0 {
			failed++
		}
	}
	fmt.Printf("%d jobs, %d failed\n", len(jobs), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// pipeFile writes the file j.stdin of the data slot to the stdin of j's
// child, then closes it: the child reads end of file. The pipe buffers at
// least 64 KiB, so a small file is taken before the child reads it.
func pipeFile(j *job) error {
	data, err := os.ReadFile("/data/" + j.stdin)
	if err != nil {
		// The child reads end of file.
		CloseStdin(j.child)
		return err
	}
	if err := Write(j.child, data); err != nil {
		return fmt.Errorf("write: err(%q)", err.Error())
	}
	if err := CloseStdin(j.child); err != nil {
		return fmt.Errorf("close-stdin: err(%q)", err.Error())
	}
	fmt.Printf("job %d: piped %s to its stdin, %d bytes\n", j.n, j.stdin, len(data))
	return nil
}

// readJobs reads the job list: one job a line, its number, then the
// analyzer's arguments, separated by spaces, of which one may be <FILE;
// # begins a comment.
func readJobs(name string) ([]*job, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var jobs []*job
	s := bufio.NewScanner(f)
	for line := 1; s.Scan(); line++ {
		text, _, _ := strings.Cut(s.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s:%d: want a job number, got %q", name, line, fields[0])
		}
		j := &job{n: n}
		for _, f := range fields[1:] {
			if file, ok := strings.CutPrefix(f, "<"); ok {
				j.stdin = file
			} else {
				j.args = append(j.args, f)
			}
		}
		jobs = append(jobs, j)
	}
	return jobs, s.Err()
}
