package linker

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// withModuleName returns wasm with its name section's module name set to
// name, so that wazero's stack traces name the package of every frame: a
// trap can then be traced to the nanoprocess it happened in. The rest of
// the name section (function and local names) is kept.
func withModuleName(wasm []byte, name string) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(wasm)+len(name)+16))
	var rest []byte // the old name section's subsections other than the module name
	err := eachSection(wasm, out, func(id byte, section, payload []byte) error {
		if id == 0 {
			if sname, body, ok := customName(payload); ok && sname == "name" {
				rest = dropModuleName(body)
				return nil
			}
		}
		out.Write(section)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sub bytes.Buffer
	writeName(&sub, name)
	var names bytes.Buffer
	writeName(&names, "name")
	names.WriteByte(0) // subsection 0: the module name
	names.Write(binary.AppendUvarint(nil, uint64(sub.Len())))
	names.Write(sub.Bytes())
	names.Write(rest)
	out.WriteByte(0) // a custom section, at the end
	out.Write(binary.AppendUvarint(nil, uint64(names.Len())))
	out.Write(names.Bytes())
	return out.Bytes(), nil
}

// eachSection writes the module header of wasm to out, then calls f with
// every section: its id, its bytes and its payload.
func eachSection(wasm []byte, out *bytes.Buffer, f func(id byte, section, payload []byte) error) error {
	if len(wasm) < 8 {
		return errors.New("not a wasm module")
	}
	out.Write(wasm[:8])
	for r := wasm[8:]; len(r) > 0; {
		size, n := binary.Uvarint(r[1:])
		if n <= 0 || size > uint64(len(r)-1-n) {
			return errors.New("malformed section")
		}
		section := r[:1+n+int(size)]
		r = r[len(section):]
		if err := f(section[0], section, section[1+n:]); err != nil {
			return err
		}
	}
	return nil
}

// customName splits a custom section's payload into its name and body.
func customName(payload []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(payload)
	if k <= 0 || n > uint64(len(payload)-k) {
		return "", nil, false
	}
	return string(payload[k : k+int(n)]), payload[k+int(n):], true
}

// dropModuleName returns a name section's subsections without the module
// name (subsection 0). Malformed subsections are dropped with the rest.
func dropModuleName(body []byte) []byte {
	var out []byte
	for len(body) > 0 {
		size, k := binary.Uvarint(body[1:])
		if k <= 0 || size > uint64(len(body)-1-k) {
			break
		}
		sub := body[:1+k+int(size)]
		if body[0] != 0 {
			out = append(out, sub...)
		}
		body = body[len(sub):]
	}
	return out
}

func writeName(b *bytes.Buffer, s string) {
	b.Write(binary.AppendUvarint(nil, uint64(len(s))))
	b.WriteString(s)
}
