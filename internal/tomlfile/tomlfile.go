// Package tomlfile decodes nano's TOML files with BurntSushi/toml and reports
// every problem as FILE:LINE:COL: KEY: message.
//
// BurntSushi/toml records the position of every key but only reveals it in
// the errors it returns. Decode therefore collects problems by key path, and
// Err finds each key's position by decoding the file once more into a type
// built for that one key, whose decoding fails on purpose.
package tomlfile

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// An Error is one problem in a file.
type Error struct {
	File      string
	Line, Col int    // 0 when unknown
	Key       string // dotted key path, "" for the whole file
	Msg       string
}

// Error returns the message of the Error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// A List is every problem found in one or more files, in file order.
type List []*Error

// Error returns the message of the List.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// A Doc is a decoded file and the problems found in it so far.
type Doc struct {
	File string
	MD   toml.MetaData
	data string
	raw  map[string]any
	errs List
	keys [][]any
}

// Decode decodes data, the contents of file, into v. A syntax or type error is
// returned as a List at once; problems found afterwards are added with Errorf
// and returned by Err.
func Decode(file string, data []byte, v any) (*Doc, error) {
	d := &Doc{File: file, data: string(data)}
	md, err := toml.Decode(d.data, v)
	if err != nil {
		return nil, List{d.fromDecode(err)}
	}
	d.MD = md
	return d, nil
}

// NewDoc returns a Doc for data that the caller decoded by other means, to
// record problems with their positions. Its MD is empty.
func NewDoc(file string, data []byte) *Doc {
	return &Doc{File: file, data: string(data)}
}

func (d *Doc) fromDecode(err error) *Error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: d.File, Line: pe.Position.Line, Col: pe.Position.Col, Key: pe.LastKey, Msg: pe.Message}
	}
	msg := err.Error()
	e := &Error{File: d.File, Msg: msg}
	// Type errors read "toml: line N (last key "K"): message".
	if rest, ok := strings.CutPrefix(msg, "toml: line "); ok {
		n, rest, _ := strings.Cut(rest, " ")
		e.Line, _ = strconv.Atoi(n)
		e.Col = 1
		if k, m, ok := strings.Cut(rest, "): "); ok {
			e.Key, _ = strconv.Unquote(strings.TrimPrefix(k, "(last key "))
			e.Msg = m
		}
	} else {
		e.Msg = strings.TrimPrefix(msg, "toml: ")
	}
	return e
}

// Errorf records a problem at the key path, whose elements are table keys
// (string) and indexes into arrays of tables (int).
func (d *Doc) Errorf(path []any, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.File, Key: keyString(path), Msg: fmt.Sprintf(format, args...)})
	d.keys = append(d.keys, path)
}

// Unknown records every key of the file that decoding did not use.
func (d *Doc) Unknown() {
	seen := map[string]int{}
	undecoded := d.MD.Undecoded()
	for _, k := range undecoded {
		if t := d.MD.Type(k...); (t == "Hash" || t == "ArrayHash") && slices.ContainsFunc(undecoded, func(sub toml.Key) bool {
			return len(sub) > len(k) && slices.Equal(sub[:len(k)], k)
		}) {
			continue // a table with keys is unknown through its keys
		}
		path := make([]any, 0, len(k)+1)
		for _, s := range k {
			path = append(path, s)
		}
		if len(k) == 2 && d.MD.Type(k[0]) == "ArrayHash" {
			// The n-th time this key is undecoded, it is in the n-th
			// element of the array that has it.
			n := seen[k.String()]
			seen[k.String()]++
			if elems := d.elementsWith(k[0], k[1]); n < len(elems) {
				path = []any{k[0], elems[n], k[1]}
			}
		}
		d.Errorf(path, "unknown key")
	}
}

// elementsWith returns the indexes of the elements of the array of tables
// name that set key.
func (d *Doc) elementsWith(name, key string) []int {
	var out []int
	for i := 0; ; i++ {
		line, _, ok := d.inArray([]any{name, i})
		if !ok {
			return out
		}
		if kl, _, _ := d.inArray([]any{name, i, key}); kl != line {
			out = append(out, i)
		}
	}
}

// maxErrors bounds the problems reported for one file: finding a position
// decodes the file again.
const maxErrors = 50

// Err returns the problems recorded so far as a List sorted by position, or nil.
func (d *Doc) Err() error {
	if len(d.errs) == 0 {
		return nil
	}
	errs, more := d.errs, len(d.errs)-maxErrors
	if more > 0 {
		errs = errs[:maxErrors:maxErrors]
	}
	for i, e := range errs {
		e.Line, e.Col = d.position(d.keys[i])
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	if more > 0 {
		errs = append(errs, &Error{File: d.File, Msg: fmt.Sprintf("and %d more problems", more)})
	}
	return errs
}

func keyString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" && p != "" {
				b.WriteString(p)
			} else {
				b.WriteString(strconv.Quote(p))
			}
		}
	}
	return b.String()
}

// The probe: decoding into a type whose only field is at the key path, of
// a type whose UnmarshalTOML always fails, makes the decoder report that
// key's position.
var errProbe = errors.New("tomlfile: position probe")

type probe struct{}

func (*probe) UnmarshalTOML(any) error { return errProbe }

var probeType = reflect.TypeFor[probe]()

// position returns the line and column of the key path, 1:1 when the file
// has no such key (a required key that is missing, say): then it falls back
// to the nearest enclosing key that exists.
func (d *Doc) position(path []any) (int, int) {
	if d.raw == nil {
		toml.Decode(d.data, &d.raw) // the file already decoded once
	}
	for len(path) > 0 {
		if len(path) > 1 {
			if _, ok := path[1].(int); ok {
				if line, col, ok := d.inArray(path); ok {
					return line, col
				}
			}
		}
		if line, col, ok := d.probe(path); ok && line > 0 {
			return line, col
		}
		path = path[:len(path)-1]
	}
	return 1, 1
}

// inArray finds the position of a path into an array of tables, such as
// ["package", 3, "version"]. The decoder keys positions by dotted name, so
// every element's "version" shares one position, the last one's; instead,
// find the element's [[header]] in the text and the key's line below it.
func (d *Doc) inArray(path []any) (line, col int, ok bool) {
	name, ok1 := path[0].(string)
	index, ok2 := path[1].(int)
	if !ok1 || !ok2 || len(path) > 4 {
		return 0, 0, false
	}
	header := regexp.MustCompile(`^\s*\[\[\s*"?` + regexp.QuoteMeta(name) + `"?\s*\]\]`)
	lines := strings.Split(d.data, "\n")
	n := -1
	for i, l := range lines {
		if !header.MatchString(l) {
			continue
		}
		if n++; n < index {
			continue
		}
		line, col = i+1, strings.Index(l, "[")+1
		rest := path[2:]
		if len(rest) == 2 {
			// A key of a sub-table: find the element's [name.sub] header.
			sub := regexp.MustCompile(`^\s*\[\s*"?` + regexp.QuoteMeta(name) + `"?\s*\.\s*"?` + regexp.QuoteMeta(fmt.Sprint(rest[0])) + `"?\s*\]`)
			for i++; i < len(lines) && !header.MatchString(lines[i]); i++ {
				if sub.MatchString(lines[i]) {
					line, col = i+1, strings.Index(lines[i], "[")+1
					rest = rest[1:]
					break
				}
			}
		}
		if len(rest) == 1 {
			key := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(fmt.Sprint(rest[0])) + `"?\s*=`)
			for j := line; j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), "["); j++ {
				if key.MatchString(lines[j]) {
					return j + 1, valueCol(lines[j]), true
				}
			}
		}
		return line, col, true
	}
	return 0, 0, false
}

// valueCol returns the column of the value on a key = value line, inside
// its opening quote or bracket, as the decoder reports positions.
func valueCol(line string) int {
	i := strings.Index(line, "=") + 1
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i < len(line) && (line[i] == '"' || line[i] == '[') {
		i++
	}
	return i + 1
}

func (d *Doc) probe(path []any) (line, col int, ok bool) {
	t := probeType
	v := any(d.raw)
	for _, p := range path {
		key, isKey := p.(string)
		m, isTable := v.(map[string]any)
		if !isKey || !isTable {
			return 0, 0, false // arrays of tables are inArray's
		}
		if v, ok = m[key]; !ok {
			return 0, 0, false
		}
	}
	for i := len(path) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{
			Name: "F",
			Type: t,
			Tag:  reflect.StructTag(`toml:` + strconv.Quote(path[i].(string))),
		}})
	}
	_, err := toml.Decode(d.data, reflect.New(t).Interface())
	var pe toml.ParseError
	// ParseError has no Unwrap: recognise the probe by its message.
	if !errors.As(err, &pe) || pe.Message != errProbe.Error() {
		return 0, 0, false
	}
	return pe.Position.Line, pe.Position.Col, true
}

// Errs returns the problems recorded so far, without positions.
func (d *Doc) Errs() List { return d.errs }
