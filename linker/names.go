package linker

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// nameModule returns wasm with a name section that names the module name
// and nothing else, so that wazero's stack traces name the module of every
// frame (a trap can then be traced to the nanoprocess it happened in), and
// every function by its index alone: a guest's own names, which could
// forge the lines of a stack trace, are dropped.
func nameModule(wasm []byte, name string) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(wasm)+len(name)+16))
	err := eachSection(wasm, out, func(id byte, section, payload []byte) error {
		if id == 0 {
			if sname, _, ok := customName(payload); ok && sname == "name" {
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

func writeName(b *bytes.Buffer, s string) {
	b.Write(binary.AppendUvarint(nil, uint64(len(s))))
	b.WriteString(s)
}
