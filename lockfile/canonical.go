package lockfile

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// parseCanonical reads a lock in exactly the form Marshal writes, an order
// of magnitude faster than a TOML decoder: one key per line, strings
// without escapes, lists one element per line. It reports false for
// anything else, which Parse then decodes as TOML; for the inputs it
// accepts, it yields what the TOML decoder would.
func parseCanonical(data []byte) (lockFile, bool) {
	var f lockFile
	var (
		pkg   *pkgFile
		edge  *edgeFile
		list  *[]string           // the list being read, between "key = [" and "]"
		seen  = map[string]bool{} // the keys of the current table
		lines = bytes.Split(data, []byte("\n"))
	)
	for _, line := range lines {
		if list != nil {
			switch {
			case string(line) == "]":
				list = nil
			case len(line) > 4 && string(line[:2]) == "  " && line[len(line)-1] == ',':
				s, ok := plainString(line[2 : len(line)-1])
				if !ok {
					return f, false
				}
				*list = append(*list, s)
			default:
				return f, false
			}
			continue
		}
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			if !plainComment(line) {
				return f, false
			}
			continue
		}
		switch string(line) {
		case "[[package]]":
			f.Package = append(f.Package, pkgFile{})
			pkg, edge = &f.Package[len(f.Package)-1], nil
			clear(seen)
			continue
		case "[[edge]]":
			f.Edge = append(f.Edge, edgeFile{})
			pkg, edge = nil, &f.Edge[len(f.Edge)-1]
			clear(seen)
			continue
		}
		key, value, ok := bytes.Cut(line, []byte(" = "))
		if !ok || seen[string(key)] {
			return f, false
		}
		seen[string(key)] = true
		if string(value) == "[" {
			switch {
			case pkg != nil && string(key) == "keys":
				list = &pkg.Keys
			case pkg != nil && string(key) == "dependencies":
				list = &pkg.Dependencies
			case edge != nil && string(key) == "grant":
				list = &edge.Grant
			default:
				return f, false
			}
			*list = []string{}
			continue
		}
		if pkg == nil && edge == nil {
			n, err := strconv.ParseInt(string(value), 10, 64)
			if string(key) != "version" || err != nil || strconv.FormatInt(n, 10) != string(value) {
				return f, false
			}
			f.Version = &n
			continue
		}
		s, ok := plainString(value)
		if !ok {
			return f, false
		}
		dst := stringField(pkg, edge, string(key))
		if dst == nil {
			return f, false
		}
		*dst = &s
	}
	return f, list == nil
}

// plainString unquotes a basic TOML string that has no escapes and no
// control characters.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	b = b[1 : len(b)-1]
	if !utf8.Valid(b) {
		return "", false
	}
	for _, c := range b {
		if c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	return string(b), true
}

// plainComment reports whether a comment line has only characters TOML
// allows in comments.
func plainComment(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}

// stringField returns the string field of the current package or edge named key.
func stringField(pkg *pkgFile, edge *edgeFile, key string) **string {
	if pkg != nil {
		switch key {
		case "name":
			return &pkg.Name
		case "version":
			return &pkg.Version
		case "source":
			return &pkg.Source
		case "manifest":
			return &pkg.Manifest
		case "module":
			return &pkg.Module
		case "wit":
			return &pkg.WIT
		}
		return nil
	}
	switch key {
	case "parent":
		return &edge.Parent
	case "child":
		return &edge.Child
	}
	return nil
}
