package manifest

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nanoproc/nano/internal/tomlfile"
)

// readPlain reads a manifest written the plain way, as nano init and
// people write them, several times faster than the TOML decoder: one
// key = value a line, only the tables and keys of nano.toml spelled as
// nano's own files spell them, strings without escapes, arrays of strings
// on one line. For anything else (another spelling, an unknown key, a
// duplicate, a value of the wrong type) it reports false, and Parse
// decodes the text as TOML, which reports the problems with their
// positions. For the text it accepts it yields what the decoder would.
func readPlain(data []byte) (*decoded, bool) {
	if len(data) > tomlfile.DefaultLimits.Bytes || !utf8.Valid(data) {
		return nil, false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return nil, false // a control character or a \r: the decoder's
		}
	}
	r := plainReader{d: &decoded{deps: map[string]*depEntry{}}}
	// One copy of the text: every key and value read is a part of it.
	for text := string(data); len(text) > 0; {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		r.n++
		r.lead = len(line) - len(trimLeft(line))
		if !r.line(trimSpace(line)) {
			return nil, false
		}
	}
	return r.d, true
}

type plainReader struct {
	d      *decoded
	table  string          // "", "package", "registry", "capabilities", "dependencies", "dep", "grant", "limits"
	dep    *depEntry       // in "dep", "grant" and "limits"
	fixed  uint8           // the headers of [package], [registry], [capabilities] and [dependencies] seen, a bit each
	tables map[string]bool // the headers of dependency tables seen, made when one is
	keys   []plainID       // the keys of the current table, but for [dependencies]

	entries []depEntry // where entry takes them from

	n    int // the number of the line being read, from 1
	lead int // the spaces and tabs that start it
}

// entry returns a new dependency entry, from an array of them.
func (r *plainReader) entry() *depEntry {
	if len(r.entries) == cap(r.entries) {
		r.entries = make([]depEntry, 0, max(8, 2*cap(r.entries)))
	}
	r.entries = append(r.entries, depEntry{})
	return &r.entries[len(r.entries)-1]
}

// A plainID is a key, and its sub-key for fs.SLOT.
type plainID struct{ key, sub string }

func trimLeft(b string) string {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func trimSpace(b string) string {
	b = trimLeft(b)
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func (r *plainReader) line(l string) bool {
	if len(l) == 0 || l[0] == '#' {
		return true
	}
	if l[0] == '[' {
		return r.header(l)
	}
	key, rest, ok := plainKey(l)
	if !ok {
		return false
	}
	sub := ""
	if len(rest) > 0 && rest[0] == '.' {
		// Only fs.SLOT is dotted.
		if key != "fs" || (r.table != "capabilities" && r.table != "grant") {
			return false
		}
		if sub, rest, ok = plainKey(rest[1:]); !ok {
			return false
		}
	}
	rest = trimSpace(rest)
	if len(rest) == 0 || rest[0] != '=' {
		return false
	}
	value := trimLeft(rest[1:])
	v, ok := plainValue(trimSpace(value))
	if !ok {
		return false
	}
	if sub == "" && key == "fs" {
		return false
	}
	// A key of [dependencies] is a dependency, which r.d.deps holds once.
	if r.table != "dependencies" {
		id := plainID{key, sub}
		if slices.Contains(r.keys, id) {
			return false
		}
		r.keys = append(r.keys, id)
	}
	switch r.table {
	case "package":
		p := &r.d.f.Package
		var dst *string
		switch key {
		case "name":
			dst = &p.Name
		case "version":
			dst = &p.Version
		case "module":
			dst = &p.Module
		case "wit":
			dst = &p.WIT
		case "description":
			dst = &p.Description
		case "license":
			dst = &p.License
		}
		return dst != nil && v.str(dst)
	case "registry":
		return key == "path" && v.str(&r.d.f.Registry.Path)
	case "capabilities":
		return v.keys(&r.d.f.Capabilities, key, sub)
	case "grant":
		return v.keys(&r.dep.t.Grant, key, sub)
	case "limits":
		if v.kind != 's' {
			return false
		}
		// Where the decoder puts a string: its first byte inside the quote.
		at := plainPos{r.n, r.lead + len(l) - len(value) + 2}
		switch key {
		case "memory":
			r.dep.t.Limits.Memory, r.dep.at[0] = v.s, at
		case "time":
			r.dep.t.Limits.Time, r.dep.at[1] = v.s, at
		default:
			return false
		}
		return true
	case "dependencies":
		if r.d.deps[key] != nil {
			return false
		}
		e := r.entry()
		e.short = true
		r.d.deps[key] = e
		return v.str(&e.req)
	case "dep":
		switch key {
		case "version":
			return v.str(&r.dep.t.Version)
		case "path":
			return v.str(&r.dep.t.Path)
		}
	}
	return false
}

// header reads [package], [registry], [capabilities], [dependencies],
// [dependencies."NAME"], [dependencies."NAME".grant] and
// [dependencies."NAME".limits].
func (r *plainReader) header(l string) bool {
	end := strings.IndexByte(l, ']')
	if end < 0 {
		return false
	}
	if rest := trimSpace(l[end+1:]); len(rest) > 0 && rest[0] != '#' {
		return false
	}
	r.keys = r.keys[:0]
	r.dep = nil
	var bit uint8
	var name string
	switch l[1:end] {
	case "package":
		bit, name = 1, "package"
	case "registry":
		bit, name = 2, "registry"
	case "capabilities":
		bit, name = 4, "capabilities"
	case "dependencies":
		bit, name = 8, "dependencies"
	}
	if bit != 0 {
		if r.fixed&bit != 0 {
			return false
		}
		r.fixed |= bit
		r.d.hasPackage = r.d.hasPackage || name == "package"
		r.table = name
		return true
	}
	rest, ok := strings.CutPrefix(l[1:end], "dependencies.")
	if !ok {
		return false
	}
	dep, rest, ok := plainKey(rest)
	if !ok || len(rest) > 0 && rest != ".grant" && rest != ".limits" {
		return false
	}
	// A table is named by its keys, however they are quoted.
	if r.tables == nil {
		r.tables = map[string]bool{}
	}
	if id := rest + "\x00" + dep; r.tables[id] {
		return false
	} else {
		r.tables[id] = true
	}
	e := r.d.deps[dep]
	if e == nil {
		e = r.entry()
		r.d.deps[dep] = e
	}
	if e.short {
		return false
	}
	r.dep = e
	r.table = "dep"
	if len(rest) > 0 {
		r.table = rest[1:]
	}
	return true
}

// plainKey reads a bare key or a quoted one without escapes, and returns
// what follows it.
func plainKey(b string) (key string, rest string, ok bool) {
	if len(b) > 0 && b[0] == '"' {
		end := strings.IndexByte(b[1:], '"')
		if end < 0 || strings.IndexByte(b[1:end+1], '\\') >= 0 {
			return "", "", false
		}
		return b[1 : end+1], b[end+2:], true
	}
	i := 0
	for i < len(b) && (b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= '0' && b[i] <= '9' || b[i] == '_' || b[i] == '-') {
		i++
	}
	return b[:i], b[i:], i > 0
}

// A plainVal is a value: a string, a boolean or an array of strings.
type plainVal struct {
	kind byte // 's', 'b', 'a'
	s    string
	b    bool
	a    []string
}

func (v plainVal) str(dst *string) bool {
	*dst = v.s
	return v.kind == 's'
}

func (v plainVal) keys(k *keysTOML, key, sub string) bool {
	switch key {
	case "fs":
		if v.kind != 's' {
			return false
		}
		if k.FS == nil {
			k.FS = map[string]string{}
		}
		k.FS[sub] = v.s
		return true
	case "clock":
		k.Clock = v.b
		return v.kind == 'b'
	case "random":
		k.Random = v.b
		return v.kind == 'b'
	}
	var dst *[]string
	switch key {
	case "net":
		dst = &k.Net
	case "env":
		dst = &k.Env
	case "stdio":
		dst = &k.Stdio
	case "spawn":
		dst = &k.Spawn
	}
	if dst == nil || v.kind != 'a' {
		return false
	}
	*dst = v.a
	return true
}

// plainValue reads a value and what may follow it on its line: spaces
// and a comment.
func plainValue(b string) (plainVal, bool) {
	var v plainVal
	var rest string
	switch {
	case len(b) > 0 && b[0] == '"':
		s, r, ok := plainString(b)
		if !ok {
			return v, false
		}
		v, rest = plainVal{kind: 's', s: s}, r
	case strings.HasPrefix(b, "true"):
		v, rest = plainVal{kind: 'b', b: true}, b[4:]
	case strings.HasPrefix(b, "false"):
		v, rest = plainVal{kind: 'b'}, b[5:]
	case len(b) > 0 && b[0] == '[':
		v = plainVal{kind: 'a', a: make([]string, 0, 2)}
		rest = trimSpace(b[1:])
		for len(rest) > 0 && rest[0] != ']' {
			s, r, ok := plainString(rest)
			if !ok {
				return v, false
			}
			v.a = append(v.a, s)
			rest = trimSpace(r)
			if len(rest) > 0 && rest[0] == ',' {
				rest = trimSpace(rest[1:])
			} else if len(rest) > 0 && rest[0] != ']' {
				return v, false
			}
		}
		if len(rest) == 0 {
			return v, false
		}
		rest = rest[1:]
	default:
		return v, false
	}
	rest = trimSpace(rest)
	return v, len(rest) == 0 || rest[0] == '#'
}

// plainString reads a basic string without escapes.
func plainString(b string) (string, string, bool) {
	if len(b) == 0 || b[0] != '"' || strings.HasPrefix(b, `"""`) {
		return "", "", false
	}
	end := strings.IndexByte(b[1:], '"')
	if end < 0 || strings.IndexByte(b[1:end+1], '\\') >= 0 {
		return "", "", false
	}
	return b[1 : end+1], b[end+2:], true
}
