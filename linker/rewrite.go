package linker

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// An importName is an import's module and name.
type importName struct{ Module, Name string }

// renameImports returns wasm with the imports named in renames imported
// under their new names instead: how nano binds a typed import straight to
// a child's export, or to the adapter that copies its values. Nothing else
// of the module changes.
func renameImports(wasm []byte, renames map[importName]importName) ([]byte, error) {
	if len(renames) == 0 {
		return wasm, nil
	}
	out := bytes.NewBuffer(make([]byte, 0, len(wasm)+256))
	err := eachSection(wasm, out, func(id byte, section, payload []byte) error {
		if id != 2 {
			out.Write(section)
			return nil
		}
		body, err := renameSection(payload, renames)
		if err != nil {
			return err
		}
		out.WriteByte(2)
		out.Write(binary.AppendUvarint(nil, uint64(len(body))))
		out.Write(body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// renameSection rewrites an import section's payload: each import is a
// module name, a name, and a description that is copied as it is.
func renameSection(p []byte, renames map[importName]importName) ([]byte, error) {
	var out []byte
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return nil, errors.New("malformed import section")
	}
	out = binary.AppendUvarint(out, count)
	p = p[n:]
	for range count {
		var name importName
		var err error
		if name.Module, p, err = readName(p); err != nil {
			return nil, err
		}
		if name.Name, p, err = readName(p); err != nil {
			return nil, err
		}
		desc, rest, err := skipImportDesc(p)
		if err != nil {
			return nil, err
		}
		p = rest
		if to, ok := renames[name]; ok {
			name = to
		}
		out = appendName(out, name.Module)
		out = appendName(out, name.Name)
		out = append(out, desc...)
	}
	if len(p) != 0 {
		return nil, errors.New("malformed import section: trailing bytes")
	}
	return out, nil
}

func readName(p []byte) (string, []byte, error) {
	size, n := binary.Uvarint(p)
	if n <= 0 || size > uint64(len(p)-n) {
		return "", nil, errors.New("malformed import name")
	}
	return string(p[n : n+int(size)]), p[n+int(size):], nil
}

func appendName(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// skipImportDesc splits an import description from what follows it.
func skipImportDesc(p []byte) (desc, rest []byte, err error) {
	if len(p) == 0 {
		return nil, nil, errors.New("malformed import description")
	}
	i := 1
	uleb := func() bool {
		if i >= len(p) {
			return false
		}
		_, n := binary.Uvarint(p[i:])
		i += n
		return n > 0
	}
	limits := func() bool {
		if i >= len(p) {
			return false
		}
		flags := p[i]
		i++
		if !uleb() {
			return false
		}
		if flags&1 != 0 {
			return uleb()
		}
		return true
	}
	ok := true
	switch p[0] {
	case 0: // func: type index
		ok = uleb()
	case 1: // table: reftype, limits
		i++
		ok = limits()
	case 2: // memory: limits
		ok = limits()
	case 3: // global: valtype, mutability
		i += 2
	case 4: // tag: attribute, type index
		i++
		ok = uleb()
	default:
		return nil, nil, errors.New("unknown import kind")
	}
	if !ok || i > len(p) {
		return nil, nil, errors.New("malformed import description")
	}
	return p[:i], p[i:], nil
}
