// Command parent is acme:app 0.1.0 written in Go: a reactor (built with
// -buildmode=c-shared) that imports acme:zip/unpack@1.4.0 from its
// dependency acme:zip (../child) by the canonical ABI; its bindings are in
// bindings.go. Its export run (a plain core export, () -> i32) calls
// extract and count with real values, prints what came back to stdout,
// and returns the number of values that were not what it expected: 0.
//
// To run the pair by hand, publish the child, then lock, build and run
// the parent:
//
//	(cd ../child && nano publish --registry ../reg)
//	nano lock && nano build && nano run app.nano --invoke run
package main

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"

	"github.com/nanoproc/nano/linker/testdata/gopair/cabi"
)

func main() {}

func init() {
	// Collect garbage now and then in cabi_realloc, which the host calls
	// once per string and list it copies in: the blocks handed out before
	// must survive until extract's results are lifted.
	cabi.GCEvery = 1000
}

// archive encodes entries as ../child reads them: for each, the name's
// length in a byte, the name, the size in unsigned LEB128.
func archive(entries ...Entry) []byte {
	var b []byte
	for _, e := range entries {
		b = append(b, byte(len(e.Name)))
		b = append(b, e.Name...)
		b = binary.AppendUvarint(b, e.Size)
	}
	return b
}

var (
	out      strings.Builder
	failures uint32
)

// check prints what a call returned, and whether it is what was wanted.
func check(call, got, want string) {
	out.WriteString(call + " = " + got + "\n")
	if got != want {
		failures++
		out.WriteString("FAIL: want " + want + "\n")
	}
}

func result(entries []Entry, err error) string {
	if err != nil {
		return "err(" + strconv.Quote(err.Error()) + ")"
	}
	var b strings.Builder
	b.WriteString("ok([")
	for i, e := range entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{" + strconv.Quote(e.Name) + ", " + strconv.FormatUint(e.Size, 10) + "}")
	}
	b.WriteString("])")
	return b.String()
}

//go:wasmexport run
func run() uint32 {
	out.Reset()
	failures = 0

	check("count(40, 2)", strconv.FormatUint(uint64(Count(40, 2)), 10), "42")
	check("count(4294967295, 2)", strconv.FormatUint(uint64(Count(1<<32-1, 2)), 10), "1")

	a := archive(
		Entry{"report.csv", 1<<40 + 5},
		Entry{"données/é.txt", 7},
		Entry{"empty", 0},
		Entry{"max", 1<<64 - 1},
	)
	check("extract(4 entries, \"data/uploads\")", result(Extract(a, "data/uploads")),
		`ok([{"data/uploads/report.csv", 1099511627781}, {"data/uploads/données/é.txt", 7}, {"data/uploads/empty", 0}, {"data/uploads/max", 18446744073709551615}])`)
	check("extract(ZipSlip, \"data\")", result(Extract(archive(Entry{"../../../home/user/.ssh/authorized_keys", 1}), "data")),
		`err("entry \"../../../home/user/.ssh/authorized_keys\" escapes data")`)
	check("extract([], \"\")", result(Extract(nil, "")), `err("dest is empty")`)
	check("extract([], \"x\")", result(Extract([]byte{}, "x")), `ok([])`)
	check("extract([5, 97], \"x\")", result(Extract([]byte{5, 97}, "x")), `err("archive truncated at byte 0")`)

	// Enough entries that both memories grow while the host copies: the
	// child's for the archive, the parent's for the list and its names.
	const n = 20000
	var big []Entry
	for i := range n {
		big = append(big, Entry{"f" + strconv.Itoa(100000 + i)[1:], uint64(i)<<33 | uint64(i)})
	}
	entries, err := Extract(archive(big...), "big")
	intact := err == nil && len(entries) == n
	for i := 0; intact && i < n; i++ {
		intact = entries[i].Name == "big/"+big[i].Name && entries[i].Size == big[i].Size
	}
	got := strconv.Itoa(len(entries)) + " entries, not intact"
	if err != nil {
		got = result(nil, err)
	} else if intact {
		got = strconv.Itoa(len(entries)) + " entries, every name and size intact"
	}
	check("extract("+strconv.Itoa(n)+" entries, \"big\")", got, strconv.Itoa(n)+" entries, every name and size intact")

	os.Stdout.WriteString(out.String())
	return failures
}
