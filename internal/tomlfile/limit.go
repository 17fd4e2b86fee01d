package tomlfile

import (
	"fmt"
	"unicode/utf8"
)

// Limits bound what Decode accepts, checked in one linear pass over the
// text before the TOML decoder sees it. BurntSushi/toml does work
// proportional to the length of a key's whole path for every key, table
// and nesting level: a few kilobytes of inline tables nested thousands
// deep take seconds, and a dotted key of thousands of parts as long. Under
// these limits every key path is short, so decoding is linear in the size
// of the text. Each limit is far above what nano's files need: their
// deepest key is dependencies."NS:NAME".grant.fs.SLOT, five parts and
// about 150 bytes.
type Limits struct {
	// Bytes is the largest file.
	Bytes int
	// Depth is the deepest nesting: every part of a key's path (its
	// table header's and its own dotted parts) and every array and inline
	// table it is in count one level.
	Depth int
	// KeyBytes is the longest key path, in bytes of text: its table
	// header's key and its own, and those of the inline tables it is in.
	KeyBytes int
}

// DefaultLimits are the limits of Decode: nano.toml and the policy file.
// A manifest is a few kilobytes, its deepest key five levels deep; a
// policy file of 512 KiB holds about 3,000 approvals. At these limits
// the slowest shape, inline tables 16 levels deep throughout, decodes at
// about 2 µs a byte: 1 s for the largest file.
var DefaultLimits = Limits{Bytes: 512 << 10, Depth: 16, KeyBytes: 1024}

// Check checks data, the contents of file, against lim in one pass
// without decoding it, and returns a List with the first place where it
// exceeds one, or nil.
func Check(file string, data []byte, lim Limits) error {
	if e := scan(file, data, lim); e != nil {
		return List{e}
	}
	return nil
}

// scan checks data against lim, without decoding it: it follows only
// strings, comments, table headers, keys and brackets, which is enough to
// know each key's path depth and length. It returns the first place where
// data exceeds a limit, or nil. Text that is not TOML passes or fails
// scan as it may: the decoder reports it.
func scan(file string, data []byte, lim Limits) *Error {
	if len(data) > lim.Bytes {
		return &Error{File: file, Msg: fmt.Sprintf("file is %d bytes, more than the limit of %d", len(data), lim.Bytes)}
	}
	s := scanner{data: data, lim: lim, line: 1}
	if !s.run() {
		col := utf8.RuneCount(data[s.lineStart:s.errAt]) + 1
		return &Error{File: file, Line: s.line, Col: col, Msg: s.msg}
	}
	return nil
}

// A level is one step of the path to where the scan is: a key (of a
// key = value line or an inline table's entry), an array, or an inline
// table.
type level struct {
	kind        byte // 'k' key, '[' array, '{' inline table
	depth, size int  // of the path up to here
}

type scanner struct {
	data      []byte
	lim       Limits
	i         int
	line      int
	lineStart int

	errAt int
	msg   string
	steps int // loop iterations, for the tests: at most one per byte and call
}

func (s *scanner) fail(at int, format string, args ...any) bool {
	// Count the lines up to at: s.line is the line of s.i, at most.
	for j := s.lineStart; j < at; j++ {
		if s.data[j] == '\n' {
			s.line++
			s.lineStart = j + 1
		}
	}
	s.errAt, s.msg = at, fmt.Sprintf(format, args...)
	return false
}

func (s *scanner) newline(at int) {
	s.line++
	s.lineStart = at + 1
}

// run scans the whole text and reports whether it is within the limits.
func (s *scanner) run() bool {
	top := level{} // the current table header's path
	var stack []level
	expectKey := true // at the start of a key (or a header, at the top level)
	for s.i < len(s.data) {
		s.steps++
		c := s.data[s.i]
		switch {
		case c == '\n':
			s.newline(s.i)
			s.i++
			if len(stack) == 0 {
				expectKey = true
			}
		case c == ' ' || c == '\t' || c == '\r':
			s.i++
		case c == '#':
			s.skipComment()
		case expectKey && len(stack) == 0 && c == '[':
			// A table header: [a.b] or [[a.b]].
			s.i++
			if s.i < len(s.data) && s.data[s.i] == '[' {
				s.i++
			}
			depth, size, ok := s.key(level{}, ']')
			if !ok {
				return false
			}
			top = level{depth: depth, size: size}
			for s.i < len(s.data) && s.data[s.i] == ']' {
				s.i++
			}
			expectKey = false
		case expectKey:
			depth, size, ok := s.key(top, '=')
			if !ok {
				return false
			}
			if s.i < len(s.data) && s.data[s.i] == '=' {
				s.i++
			}
			// The value's own nesting starts from the key's path.
			stack = append(stack, level{kind: 'k', depth: depth, size: size})
			expectKey = false
			if !s.value(&stack) {
				return false
			}
		default:
			s.i++ // text the decoder will reject
		}
	}
	return true
}

// value scans a value and, through inline tables, the keys in it. On
// entry the top of stack is the key's level; on return the stack is as
// it was before the key.
func (s *scanner) value(stack *[]level) bool {
	base := len(*stack) - 1
	top := func() level { return (*stack)[len(*stack)-1] }
	pop := func() { *stack = (*stack)[:len(*stack)-1] }
	for s.i < len(s.data) {
		s.steps++
		c := s.data[s.i]
		switch {
		case c == '\n':
			if len(*stack)-1 == base {
				pop()
				return true // the end of a key = value line
			}
			s.newline(s.i)
			s.i++
		case c == ' ' || c == '\t' || c == '\r':
			s.i++
		case c == '#':
			s.skipComment()
		case c == '"' || c == '\'':
			if !s.skipString() {
				*stack = (*stack)[:base]
				return true // unterminated: the decoder reports it
			}
		case c == '[':
			cur := top()
			if cur.depth+1 > s.lim.Depth {
				return s.fail(s.i, "nested more than %d levels deep", s.lim.Depth)
			}
			*stack = append(*stack, level{kind: '[', depth: cur.depth + 1, size: cur.size})
			s.i++
		case c == '{':
			// The table's keys add the levels, as in a table header.
			cur := top()
			*stack = append(*stack, level{kind: '{', depth: cur.depth, size: cur.size})
			s.i++
			if !s.inlineKey(stack) {
				return false
			}
		case c == ']':
			s.i++
			if len(*stack)-1 > base && top().kind == '[' {
				pop()
			}
		case c == '}':
			s.i++
			if len(*stack)-1 > base && top().kind == 'k' {
				pop() // the table's last entry
			}
			if len(*stack)-1 > base && top().kind == '{' {
				pop()
			}
		case c == ',':
			s.i++
			if len(*stack)-1 > base && top().kind == 'k' {
				pop() // the entry ends: the next key starts from the table
				if !s.inlineKey(stack) {
					return false
				}
			}
		default:
			s.i++
		}
	}
	*stack = (*stack)[:base]
	return true
}

// inlineKey scans the key of an inline table's next entry, if there is
// one, and pushes its level.
func (s *scanner) inlineKey(stack *[]level) bool {
	for s.i < len(s.data) {
		s.steps++
		switch s.data[s.i] {
		case ' ', '\t', '\r':
			s.i++
			continue
		case '\n':
			s.newline(s.i)
			s.i++
			continue
		case '}', '#', ',':
			return true // an empty table, or text the decoder rejects
		}
		break
	}
	depth, size, ok := s.key((*stack)[len(*stack)-1], '=')
	if !ok {
		return false
	}
	if s.i < len(s.data) && s.data[s.i] == '=' {
		s.i++
	}
	*stack = append(*stack, level{kind: 'k', depth: depth, size: size})
	return true
}

// key scans a dotted key up to end ('=' or ']'), from the path of at, and
// returns the depth and size of its whole path.
func (s *scanner) key(at level, end byte) (depth, size int, ok bool) {
	depth, size = at.depth, at.size
	part := false
	for s.i < len(s.data) {
		s.steps++
		c := s.data[s.i]
		switch {
		case c == end || c == '\n' || c == '#':
			return depth, size, true
		case c == ' ' || c == '\t' || c == '\r':
			s.i++
			continue
		case c == '.':
			part = false
			size++
			s.i++
			continue
		}
		if !part {
			part = true
			if depth++; depth > s.lim.Depth {
				return 0, 0, s.fail(s.i, "key nested more than %d levels deep", s.lim.Depth)
			}
		}
		start := s.i
		if c == '"' || c == '\'' {
			if !s.skipString() {
				return depth, size, true
			}
		} else {
			s.i++
		}
		if size += s.i - start; size > s.lim.KeyBytes {
			return 0, 0, s.fail(start, "key path longer than %d bytes", s.lim.KeyBytes)
		}
	}
	return depth, size, true
}

func (s *scanner) skipComment() {
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.steps++
		s.i++
	}
}

// skipString skips a basic or literal string, single or multi-line,
// starting at its opening quote. It reports false when the string does
// not end before the end of its line (single-line) or of the text.
func (s *scanner) skipString() bool {
	q := s.data[s.i]
	multi := s.i+2 < len(s.data) && s.data[s.i+1] == q && s.data[s.i+2] == q
	if multi {
		s.i += 3
	} else {
		s.i++
	}
	for s.i < len(s.data) {
		s.steps++
		c := s.data[s.i]
		switch {
		case c == '\\' && q == '"':
			s.i += 2
			if s.i <= len(s.data) && s.data[s.i-1] == '\n' {
				s.newline(s.i - 1)
			}
			continue
		case c == '\n':
			if !multi {
				return false
			}
			s.newline(s.i)
		case c == q && !multi:
			s.i++
			return true
		case c == q && s.i+2 < len(s.data) && s.data[s.i+1] == q && s.data[s.i+2] == q:
			s.i += 3
			// Up to two more quotes belong to the string: """a""""".
			for n := 0; n < 2 && s.i < len(s.data) && s.data[s.i] == q; n++ {
				s.i++
			}
			return true
		}
		s.i++
	}
	return false
}
