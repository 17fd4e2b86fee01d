package iface

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseWAVE parses text, a value of type t in WAVE, the WebAssembly Value
// Encoding, of which nano reads and writes this subset:
//
//	bool            true, false
//	integer         42, -7 (decimal)
//	float           3.5, -0.25, 1e-9, 7, nan, inf, -inf
//	char            'x', '\n', '\u{1F600}'
//	string          "hello\n"
//	list            [1, 2, 3]
//	tuple           (1, "a")
//	record          {name: "x", size: 3}
//	variant         name, name(payload)
//	enum            name
//	option          some(1), none
//	result          ok, ok(1), err, err("x")
//	flags           {read, write}, {}
//
// Escapes in chars and strings are \n \r \t \\ \' \" and \u{X} with 1 to 6
// hex digits. Record fields may come in any order; a field of an option
// type may be left out, for none. A case has a payload exactly when its
// type gives it one (ok and err included). Names are WIT identifiers; a
// name may be written %name, as a keyword (true, false, some, none, ok,
// err, nan, inf) must be where it is a name. Spaces, tabs and newlines may
// surround any token; lists, tuples, records and flags may end with a
// comma.
//
// The value is as described on Value.
func ParseWAVE(t *Type, text string) (Value, error) {
	p := &waveParser{s: text}
	v, err := p.value(t)
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.errorf("unexpected %s after the value", p.near())
		}
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

type waveParser struct {
	s string
	i int
}

func (p *waveParser) errorf(format string, args ...any) error {
	return fmt.Errorf("WAVE at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// near describes the text at p.i for errors.
func (p *waveParser) near() string {
	if p.i >= len(p.s) {
		return "end of text"
	}
	rest := p.s[p.i:]
	if len(rest) > 12 {
		rest = rest[:12] + "..."
	}
	return strconv.Quote(rest)
}

func (p *waveParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// peek skips spaces and returns the next byte, or 0 at the end.
func (p *waveParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *waveParser) expect(c byte) error {
	if p.peek() != c {
		return p.errorf("want %q, found %s", c, p.near())
	}
	p.i++
	return nil
}

func isNameByte(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// name reads a name or keyword; escaped reports a leading %.
func (p *waveParser) name() (name string, escaped bool, err error) {
	p.space()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '%' {
		p.i++
		escaped = true
	}
	j := p.i
	for j < len(p.s) && isNameByte(p.s[j]) {
		j++
	}
	if j == p.i {
		p.i = start
		return "", false, p.errorf("want a name, found %s", p.near())
	}
	name = p.s[p.i:j]
	p.i = j
	return name, escaped, nil
}

// keyword reads a bare word that must be one of words.
func (p *waveParser) keyword(what string, words ...string) (string, error) {
	start := p.i
	w, escaped, err := p.name()
	if err == nil && !escaped {
		for _, x := range words {
			if w == x {
				return w, nil
			}
		}
	}
	p.i = start
	p.space()
	return "", p.errorf("want %s, found %s", what, p.near())
}

// number reads the text of a number: sign, digits, point, exponent.
func (p *waveParser) number() string {
	p.space()
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	for j < len(p.s) {
		c := p.s[j]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' ||
			(c == '+' || c == '-') && (p.s[j-1] == 'e' || p.s[j-1] == 'E') {
			j++
			continue
		}
		if isNameByte(c) { // "inf", "-inf", "nan", or junk: take the word
			for j < len(p.s) && isNameByte(p.s[j]) {
				j++
			}
		}
		break
	}
	tok := p.s[p.i:j]
	p.i = j
	return tok
}

func (p *waveParser) value(t *Type) (Value, error) {
	switch t.Kind {
	case Bool:
		w, err := p.keyword("true or false", "true", "false")
		return w == "true", err
	case S8, S16, S32, S64, U8, U16, U32, U64:
		return p.integer(t)
	case F32, F64:
		return p.float(t)
	case Char:
		start := p.i
		s, err := p.quoted('\'')
		if err != nil {
			return nil, err
		}
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 || size != len(s) {
			p.i = start
			p.space()
			return nil, p.errorf("a char is one character")
		}
		return r, nil
	case String:
		return p.quoted('"')
	case List:
		vs := []Value{}
		err := p.seq('[', ']', func() error {
			v, err := p.value(t.Elem)
			vs = append(vs, v)
			return err
		})
		return vs, err
	case Tuple:
		vs := []Value{}
		err := p.seq('(', ')', func() error {
			if len(vs) == len(t.Fields) {
				return p.errorf("%s has %d elements, found more", t, len(t.Fields))
			}
			v, err := p.value(t.Fields[len(vs)].Type)
			vs = append(vs, v)
			return err
		})
		if err == nil && len(vs) != len(t.Fields) {
			err = p.errorf("%s has %d elements, found %d", t, len(t.Fields), len(vs))
		}
		return vs, err
	case Record:
		return p.record(t)
	case Flags:
		var set []string
		seen := map[int]bool{}
		err := p.seq('{', '}', func() error {
			start := p.i
			n, _, err := p.name()
			if err != nil {
				return err
			}
			for i, c := range t.Cases {
				if c.Name == n {
					if seen[i] {
						p.i = start
						return p.errorf("flag %s is set twice", n)
					}
					seen[i] = true
					return nil
				}
			}
			p.i = start
			p.space()
			return p.errorf("%s has no flag %s", t, n)
		})
		for i, c := range t.Cases {
			if seen[i] {
				set = append(set, c.Name)
			}
		}
		return set, err
	case Variant, Enum, Option, Result:
		return p.cased(t)
	}
	return nil, p.errorf("unsupported type %s", t)
}

func (p *waveParser) integer(t *Type) (Value, error) {
	p.space()
	start := p.i
	tok := p.number()
	bits := 8 * int(t.Size())
	if t.Kind == S8 || t.Kind == S16 || t.Kind == S32 || t.Kind == S64 {
		n, err := strconv.ParseInt(tok, 10, bits)
		if err != nil {
			p.i = start
			return nil, p.errorf("want %s, found %s", t, p.near())
		}
		return n, nil
	}
	n, err := strconv.ParseUint(tok, 10, bits)
	if err != nil || tok == "" || tok[0] == '+' {
		p.i = start
		return nil, p.errorf("want %s, found %s", t, p.near())
	}
	return n, nil
}

func (p *waveParser) float(t *Type) (Value, error) {
	p.space()
	start := p.i
	tok := p.number()
	bits := 64
	if t.Kind == F32 {
		bits = 32
	}
	switch tok {
	case "nan":
		return math.NaN(), nil
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	ok := tok != "" && tok != "-"
	for _, c := range tok {
		if !(c >= '0' && c <= '9' || strings.ContainsRune(".eE+-", c)) {
			ok = false
		}
	}
	f, err := strconv.ParseFloat(tok, bits)
	if !ok || err != nil {
		p.i = start
		return nil, p.errorf("want %s, found %s", t, p.near())
	}
	return f, nil
}

// quoted reads a char or string literal between q quotes.
func (p *waveParser) quoted(q byte) (string, error) {
	if p.peek() != q {
		return "", p.errorf("want %c, found %s", q, p.near())
	}
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated %c", q)
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\n' || c == '\r':
			return "", p.errorf("newline in a literal (write \\n)")
		case c != '\\':
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errorf("invalid UTF-8")
			}
			b.WriteString(p.s[p.i : p.i+size])
			p.i += size
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.errorf("unterminated escape")
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'u':
			end := strings.IndexByte(p.s[p.i:], '}')
			if !strings.HasPrefix(p.s[p.i:], "{") || end < 2 || end > 7 {
				return "", p.errorf("want \\u{X} with 1 to 6 hex digits")
			}
			n, err := strconv.ParseUint(p.s[p.i+1:p.i+end], 16, 32)
			if err != nil || !validChar(uint32(n)) {
				return "", p.errorf("invalid escape \\u%s", p.s[p.i:p.i+end+1])
			}
			b.WriteRune(rune(n))
			p.i += end + 1
		default:
			p.i -= 2
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
}

// seq reads open, items separated by commas (a trailing one allowed),
// close.
func (p *waveParser) seq(open, close byte, item func() error) error {
	if err := p.expect(open); err != nil {
		return err
	}
	for {
		if p.peek() == close {
			p.i++
			return nil
		}
		if err := item(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case close:
		default:
			return p.errorf("want ',' or %q, found %s", close, p.near())
		}
	}
}

func (p *waveParser) record(t *Type) (Value, error) {
	vs := make([]Value, len(t.Fields))
	seen := make([]bool, len(t.Fields))
	err := p.seq('{', '}', func() error {
		start := p.i
		n, _, err := p.name()
		if err != nil {
			return err
		}
		i := -1
		for j, f := range t.Fields {
			if f.Name == n {
				i = j
			}
		}
		if i < 0 || seen[i] {
			p.i = start
			p.space()
			if i < 0 {
				return p.errorf("%s has no field %s", t, n)
			}
			return p.errorf("field %s is given twice", n)
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		seen[i] = true
		vs[i], err = p.value(t.Fields[i].Type)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, f := range t.Fields {
		if !seen[i] {
			if f.Type.Kind != Option {
				return nil, p.errorf("field %s is missing", f.Name)
			}
			vs[i] = OptionValue{}
		}
	}
	return vs, nil
}

// caseLayout is the part of t's layout that names its cases, made without
// walking the types its cases hold: a value is written or read in time
// linear in the value, whatever the type holds.
func caseLayout(t *Type) *layout {
	l := &layout{t: t, kind: t.Kind}
	switch t.Kind {
	case Option:
		l.names = []string{"none", "some"}
	case Result:
		l.names = []string{"ok", "err"}
	default:
		l.names = make([]string, len(t.Cases))
		for i, c := range t.Cases {
			l.names[i] = c.Name
		}
	}
	return l
}

// cased reads a case of a variant, enum, option or result.
func (p *waveParser) cased(t *Type) (Value, error) {
	start := p.i
	n, escaped, err := p.name()
	if err != nil {
		return nil, err
	}
	l := caseLayout(t)
	d := -1
	for i, c := range l.names {
		if c == n && (t.Kind == Variant || t.Kind == Enum || !escaped) {
			d = i
		}
	}
	if d < 0 {
		p.i = start
		p.space()
		return nil, p.errorf("%s has no case %s", t, n)
	}
	var payload Value
	if pt := t.payloads()[d]; pt != nil {
		if err := p.expect('('); err != nil {
			return nil, err
		}
		if payload, err = p.value(pt); err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
	} else if p.peek() == '(' {
		return nil, p.errorf("case %s has no payload", n)
	}
	return variantValue(l, d, payload), nil
}

// FormatWAVE formats v, a value of type t, in WAVE (see ParseWAVE), which
// ParseWAVE reads back. A value that does not match the type is written
// <TYPE: VALUE>.
func FormatWAVE(t *Type, v Value) string {
	var b strings.Builder
	writeWAVE(&b, t, v)
	return b.String()
}

var waveKeywords = map[string]bool{"true": true, "false": true, "some": true, "none": true, "ok": true, "err": true, "nan": true, "inf": true}

func waveName(b *strings.Builder, n string) {
	if waveKeywords[n] {
		b.WriteByte('%')
	}
	b.WriteString(n)
}

func writeWAVE(b *strings.Builder, t *Type, v Value) {
	bad := func() { fmt.Fprintf(b, "<%s: %#v>", t, v) }
	switch t.Kind {
	case Bool:
		x, ok := v.(bool)
		if !ok {
			bad()
			return
		}
		b.WriteString(strconv.FormatBool(x))
	case S8, S16, S32, S64:
		x, ok := asInt(v)
		if !ok {
			bad()
			return
		}
		b.WriteString(strconv.FormatInt(x, 10))
	case U8, U16, U32, U64:
		x, ok := asUint(v)
		if !ok {
			bad()
			return
		}
		b.WriteString(strconv.FormatUint(x, 10))
	case F32, F64:
		var x float64
		switch f := v.(type) {
		case float64:
			x = f
		case float32:
			x = float64(f)
		default:
			bad()
			return
		}
		switch {
		case math.IsNaN(x):
			b.WriteString("nan")
		case math.IsInf(x, 1):
			b.WriteString("inf")
		case math.IsInf(x, -1):
			b.WriteString("-inf")
		case t.Kind == F32:
			b.WriteString(strconv.FormatFloat(x, 'g', -1, 32))
		default:
			b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		}
	case Char:
		r, ok := v.(rune)
		if !ok {
			bad()
			return
		}
		b.WriteByte('\'')
		writeEscaped(b, r, '\'')
		b.WriteByte('\'')
	case String:
		s, ok := v.(string)
		if !ok {
			bad()
			return
		}
		b.WriteByte('"')
		for _, r := range s {
			writeEscaped(b, r, '"')
		}
		b.WriteByte('"')
	case List, Tuple, Record:
		vs, ok := v.([]Value)
		if bs, isBytes := v.([]byte); isBytes && t.Kind == List && t.Elem.Kind == U8 {
			vs, ok = make([]Value, len(bs)), true
			for i, c := range bs {
				vs[i] = uint64(c)
			}
		}
		if !ok || t.Kind != List && len(vs) != len(t.Fields) {
			bad()
			return
		}
		open, close := "[", "]"
		switch t.Kind {
		case Tuple:
			open, close = "(", ")"
		case Record:
			open, close = "{", "}"
		}
		b.WriteString(open)
		for i, x := range vs {
			if i > 0 {
				b.WriteString(", ")
			}
			switch t.Kind {
			case List:
				writeWAVE(b, t.Elem, x)
			case Tuple:
				writeWAVE(b, t.Fields[i].Type, x)
			default:
				waveName(b, t.Fields[i].Name)
				b.WriteString(": ")
				writeWAVE(b, t.Fields[i].Type, x)
			}
		}
		b.WriteString(close)
	case Flags:
		names, ok := v.([]string)
		if !ok && v != nil {
			bad()
			return
		}
		b.WriteString("{")
		for i, n := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			waveName(b, n)
		}
		b.WriteString("}")
	case Variant, Enum, Option, Result:
		l := caseLayout(t)
		d, payload, err := caseOf(l, v)
		if err != nil {
			bad()
			return
		}
		if t.Kind == Variant || t.Kind == Enum {
			waveName(b, l.names[d])
		} else {
			b.WriteString(l.names[d])
		}
		if pt := t.payloads()[d]; pt != nil {
			b.WriteByte('(')
			writeWAVE(b, pt, payload)
			b.WriteByte(')')
		}
	default:
		bad()
	}
}

func writeEscaped(b *strings.Builder, r rune, quote rune) {
	switch {
	case r == quote || r == '\\':
		b.WriteByte('\\')
		b.WriteRune(r)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r == '\t':
		b.WriteString(`\t`)
	case r < 0x20 || r == 0x7f || !strconv.IsPrint(r):
		fmt.Fprintf(b, `\u{%x}`, r)
	default:
		b.WriteRune(r)
	}
}
