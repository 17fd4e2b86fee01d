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

	"github.com/nanoproc/nano/internal/suggest"
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
	// decoded is whether MD is the decoder's, with every key's position.
	decoded bool
	errs    List
	keys    [][]any
	split   []string // the lines of data, once needed
}

// Decode decodes data, the contents of file, into v, within DefaultLimits.
// A syntax or type error, or text beyond a limit, is returned as a List at
// once; problems found afterwards are added with Errorf and returned by Err.
func Decode(file string, data []byte, v any) (*Doc, error) {
	return DecodeLimits(file, data, v, DefaultLimits)
}

// DecodeLimits is Decode within lim.
func DecodeLimits(file string, data []byte, v any, lim Limits) (*Doc, error) {
	if err := Check(file, data, lim); err != nil {
		return nil, err
	}
	d := &Doc{File: file, data: string(data)}
	md, err := toml.Decode(d.data, v)
	if err != nil {
		return nil, List{d.fromDecode(err)}
	}
	d.MD, d.decoded = md, true
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

// Unknown records every key of the file that decoding did not use. It
// takes time linear in the number of keys: only the first maxErrors of
// them, the ones Err reports, are looked up in the text. vocabulary lists
// the file's own table and key names: an unknown key with a part one or
// two typos away from one of them is reported with the key it likely
// meant ("did you mean capabilities.clock?").
func (d *Doc) Unknown(vocabulary ...string) {
	undecoded := d.MD.Undecoded()
	// A table with keys is unknown through its keys: mark every table
	// that is a proper prefix of an undecoded key.
	hasKeys := map[string]bool{}
	var b strings.Builder
	for _, k := range undecoded {
		b.Reset()
		for i, part := range k[:max(len(k)-1, 0)] {
			if i > 0 {
				b.WriteByte(0)
			}
			b.WriteString(part)
			hasKeys[b.String()] = true
		}
	}
	seen := map[string]int{}
	elems := map[[2]string][]int{}
	for _, k := range undecoded {
		// Only a table has keys, but an array of inline tables too has
		// keys under its name.
		if hasKeys[strings.Join(k, "\x00")] {
			if t := d.MD.Type(k...); t == "Hash" || t == "ArrayHash" {
				continue
			}
		}
		path := make([]any, 0, len(k)+1)
		for _, s := range k {
			path = append(path, s)
		}
		if len(k) == 2 && len(d.errs) < maxErrors && d.MD.Type(k[0]) == "ArrayHash" {
			// The n-th time this key is undecoded, it is in the n-th
			// element of the array that has it.
			n := seen[k.String()]
			seen[k.String()]++
			pair := [2]string{k[0], k[1]}
			if _, ok := elems[pair]; !ok {
				elems[pair] = d.elementsWith(k[0], k[1])
			}
			if e := elems[pair]; n < len(e) {
				path = []any{k[0], e[n], k[1]}
			}
		}
		if meant := didYouMean(path, vocabulary); meant != "" {
			d.Errorf(path, "unknown key; did you mean %s?", meant)
			continue
		}
		d.Errorf(path, "unknown key")
	}
}

// didYouMean returns path with its first part that is not a word of
// vocabulary but is close to one replaced by that word, or "" if it has
// no such part.
func didYouMean(path []any, vocabulary []string) string {
	if len(vocabulary) == 0 {
		return ""
	}
	for i, p := range path {
		s, ok := p.(string)
		if !ok || slices.Contains(vocabulary, s) {
			continue
		}
		if w := suggest.Closest(s, vocabulary); w != "" {
			meant := slices.Clone(path)
			meant[i] = w
			return keyString(meant)
		}
	}
	return ""
}

// lines returns the text's lines, split once.
func (d *Doc) lines() []string {
	if d.split == nil {
		d.split = strings.Split(d.data, "\n")
	}
	return d.split
}

// elementsWith returns the indexes of the elements of the array of tables
// name that set key, in one pass over the text.
func (d *Doc) elementsWith(name, key string) []int {
	header := arrayHeader(name)
	keyLine := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	var out []int
	elem, in := -1, false
	for _, l := range d.lines() {
		switch {
		case header.MatchString(l):
			elem, in = elem+1, true
		case strings.HasPrefix(strings.TrimSpace(l), "["):
			in = false
		case in && keyLine.MatchString(l) && (len(out) == 0 || out[len(out)-1] != elem):
			out = append(out, elem)
		}
	}
	return out
}

func arrayHeader(name string) *regexp.Regexp {
	return regexp.MustCompile(`^\s*\[\[\s*"?` + regexp.QuoteMeta(name) + `"?\s*\]\]`)
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

// position returns the line and column of the key path, 1:1 when the file
// has no such key (a required key that is missing, say): then it falls back
// to the nearest enclosing key that exists.
func (d *Doc) position(path []any) (int, int) {
	for len(path) > 0 {
		if len(path) > 1 {
			if _, ok := path[1].(int); ok {
				if line, col, ok := d.inArray(path); ok {
					return line, col
				}
			}
		}
		if line, col, ok := d.keyPosition(path); ok && line > 0 {
			return line, col
		}
		path = path[:len(path)-1]
	}
	return 1, 1
}

// keyPosition returns the position the decoder recorded for a key path
// of table keys. BurntSushi/toml records the position of every key in its
// MetaData but reveals it only in the errors it returns, where a decoding
// error at a key reports that key's recorded position: read the record
// instead, through reflection (reading, never writing, an unexported
// field), which costs one map lookup instead of decoding the file again
// for each key. TestPositions checks it against the errors.
func (d *Doc) keyPosition(path []any) (line, col int, ok bool) {
	key := make(toml.Key, len(path))
	for i, p := range path {
		s, isKey := p.(string)
		if !isKey {
			return 0, 0, false // arrays of tables are inArray's
		}
		key[i] = s
	}
	if !d.decoded {
		// A Doc from NewDoc: decode once for the positions.
		d.MD, _ = toml.Decode(d.data, new(map[string]any))
		d.decoded = true
	}
	info := reflect.ValueOf(&d.MD).Elem().FieldByName("keyInfo")
	if info.Kind() != reflect.Map || info.Type().Key().Kind() != reflect.String {
		return 0, 0, false
	}
	ki := info.MapIndex(reflect.ValueOf(key.String()))
	if !ki.IsValid() {
		return 0, 0, false
	}
	pos := ki.FieldByName("pos")
	if !pos.IsValid() {
		return 0, 0, false
	}
	line = int(pos.FieldByName("Line").Int())
	start := int(pos.FieldByName("Start").Int())
	if line <= 0 || start < 0 || start > len(d.data) {
		return 0, 0, false
	}
	// The column as the decoder's errors give it: counted from the start
	// of the first line whose end (its newline included) reaches start.
	// A key at the very start of a line thus reads as one past the end of
	// the line before, as in every error the decoder reports.
	lineStart := 0
	if start > 0 {
		lineStart = strings.LastIndexByte(d.data[:start-1], '\n') + 1
	}
	return line, start - lineStart + 1, true
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
	header := arrayHeader(name)
	lines := d.lines()
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

// Errs returns the problems recorded so far, without positions.
func (d *Doc) Errs() List { return d.errs }

// Position returns where the key path is in the file, "FILE:LINE:COL", as
// a problem there would be reported: for messages about a value found
// wrong only later, such as a limit above another package's.
func (d *Doc) Position(path []any) string {
	line, col := d.position(path)
	return fmt.Sprintf("%s:%d:%d", d.File, line, col)
}

// Line returns the line of the key path in the file, and false when the
// file has no such key.
func (d *Doc) Line(path []any) (int, bool) {
	if len(path) > 1 {
		if _, ok := path[1].(int); ok {
			line, _, ok := d.inArray(path)
			return line, ok
		}
	}
	line, _, ok := d.keyPosition(path)
	return line, ok && line > 0
}
