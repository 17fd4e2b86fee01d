// Command child is acme:zip 1.4.0 written in Go: a reactor (built with
// -buildmode=c-shared) exporting the WIT interface acme:zip/unpack@1.4.0
// (wit/zip.wit) by the canonical ABI. Its bindings are in bindings.go.
//
// An archive is a sequence of entries, each a name's length in one byte,
// the name (UTF-8), and the entry's size as an unsigned LEB128 number.
// extract lists the entries it would write under dest, and refuses an
// archive whose entries would land outside of dest (ZipSlip).
package main

import (
	"encoding/binary"
	"errors"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func main() {}

func extract(archive []byte, dest string) ([]Entry, error) {
	if dest == "" {
		return nil, errors.New("dest is empty")
	}
	var entries []Entry
	for at := 0; at < len(archive); {
		n := int(archive[at])
		if at+1+n > len(archive) {
			return nil, errors.New("archive truncated at byte " + strconv.Itoa(at))
		}
		name := string(archive[at+1 : at+1+n])
		size, m := binary.Uvarint(archive[at+1+n:])
		if m <= 0 {
			return nil, errors.New("archive truncated at byte " + strconv.Itoa(at+1+n))
		}
		switch {
		case !utf8.ValidString(name):
			return nil, errors.New("entry at byte " + strconv.Itoa(at) + ": name is not UTF-8")
		case name == "" || path.IsAbs(name) || slices.Contains(strings.Split(name, "/"), ".."):
			return nil, errors.New("entry " + strconv.Quote(name) + " escapes " + dest)
		}
		entries = append(entries, Entry{Name: dest + "/" + name, Size: size})
		at += 1 + n + m
	}
	return entries, nil
}

func count(a, b uint32) uint32 { return a + b }
