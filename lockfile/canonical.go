package lockfile

import (
	"strconv"
	"strings"
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
		pkg  *pkgFile
		edge *edgeFile
		list *[]string // the list being read, between "key = [" and "]"
		seen uint16    // the keys of the current table, one bit each
		// One copy of the text: every string read is a part of it.
		text = string(data)
		line string
	)
	for text != "" {
		line, text, _ = strings.Cut(text, "\n")
		if list != nil {
			switch {
			case line == "]":
				list = nil
			case len(line) > 4 && line[:2] == "  " && line[len(line)-1] == ',':
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
		switch line {
		case "[[package]]":
			f.Package = append(f.Package, pkgFile{})
			pkg, edge = &f.Package[len(f.Package)-1], nil
			seen = 0
			continue
		case "[[edge]]":
			f.Edge = append(f.Edge, edgeFile{})
			pkg, edge = nil, &f.Edge[len(f.Edge)-1]
			seen = 0
			continue
		}
		key, value, ok := strings.Cut(line, " = ")
		bit := keyBit(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return f, false
		}
		seen |= bit
		if value == "[" {
			switch {
			case pkg != nil && key == "keys":
				list = &pkg.Keys
			case pkg != nil && key == "dependencies":
				list = &pkg.Dependencies
			case edge != nil && key == "grant":
				list = &edge.Grant
			default:
				return f, false
			}
			*list = []string{}
			continue
		}
		if pkg == nil && edge == nil {
			n, err := strconv.ParseInt(value, 10, 64)
			if key != "version" || err != nil || strconv.FormatInt(n, 10) != value {
				return f, false
			}
			f.Version = &n
			continue
		}
		s, ok := plainString(value)
		if !ok {
			return f, false
		}
		dst := stringField(pkg, edge, key)
		if dst == nil {
			return f, false
		}
		*dst = &s
	}
	return f, list == nil
}

// keyBit returns the bit of a key of the format in a set of keys, 0 for
// any other key.
func keyBit(key string) uint16 {
	switch key {
	case "version":
		return 1 << 0
	case "name":
		return 1 << 1
	case "source":
		return 1 << 2
	case "manifest":
		return 1 << 3
	case "module":
		return 1 << 4
	case "wit":
		return 1 << 5
	case "keys":
		return 1 << 6
	case "dependencies":
		return 1 << 7
	case "parent":
		return 1 << 8
	case "child":
		return 1 << 9
	case "grant":
		return 1 << 10
	case "memory":
		return 1 << 11
	case "time":
		return 1 << 12
	}
	return 0
}

// plainString unquotes a basic TOML string that has no escapes and no
// control characters.
func plainString(b string) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	b = b[1 : len(b)-1]
	for i := 0; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	return b, utf8.ValidString(b)
}

// plainComment reports whether a comment line has only characters TOML
// allows in comments.
func plainComment(b string) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(b)
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
	case "memory":
		return &edge.Memory
	case "time":
		return &edge.Time
	}
	return nil
}
