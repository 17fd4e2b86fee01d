package linker

import (
	"encoding/json"
	"fmt"

	"github.com/nanoproc/nano/iface"
)

// bundle.json holds the WIT functions of typed imports and of the root's
// exports with their types in one type table (see iface.TableType): every
// type once, referred to by its index, so that its size grows with the
// distinct types of the packages' WIT, not with their types written out in
// full, which can be exponentially larger.

// metaJSON is bundle.json as stored.
type metaJSON struct {
	Version   int                `json:"version"`
	Types     []iface.TableType  `json:"types,omitempty"`
	Instances []*instanceJSON    `json:"instances"`
	Exports   []*iface.TableFunc `json:"exports,omitempty"`
}

// instanceJSON is an Instance with its typed imports' functions as
// TableFuncs: its own Typed hides the Instance's.
type instanceJSON struct {
	*Instance
	Typed []*typedJSON `json:"typed,omitempty"`
}

// typedJSON is a TypedImport with its function as a TableFunc.
type typedJSON struct {
	*TypedImport
	Func *iface.TableFunc `json:"func"`
}

// encodeMeta returns bundle.json for b.
func encodeMeta(b *Bundle) ([]byte, error) {
	var tt iface.TypeTable
	m := metaJSON{Version: BundleVersion}
	for _, inst := range b.Instances {
		ij := &instanceJSON{Instance: inst}
		if inst != nil {
			for _, t := range inst.Typed {
				tj := &typedJSON{TypedImport: t}
				if t != nil && t.Func != nil {
					f, err := tt.Func(t.Func)
					if err != nil {
						return nil, fmt.Errorf("%s: typed import[%q.%q]: %v", inst.Path, t.Module, t.Name, err)
					}
					tj.Func = f
				}
				ij.Typed = append(ij.Typed, tj)
			}
		}
		m.Instances = append(m.Instances, ij)
	}
	for _, f := range b.Exports {
		var tf *iface.TableFunc
		if f != nil {
			var err error
			if tf, err = tt.Func(f); err != nil {
				return nil, fmt.Errorf("export %s: %v", f.Name, err)
			}
		}
		m.Exports = append(m.Exports, tf)
	}
	m.Types = tt.Types
	return json.MarshalIndent(m, "", "  ")
}

// decodeMeta reads bundle.json. Its types are decoded as
// iface.DecodeTypes does, in time linear in their table; a bundle of
// another version is returned with only its version.
func decodeMeta(data []byte) (*bundleJSON, error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	if v.Version != BundleVersion {
		return &bundleJSON{Version: v.Version}, nil
	}
	var m metaJSON
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	types, err := iface.DecodeTypes(m.Types)
	if err != nil {
		return nil, err
	}
	out := &bundleJSON{Version: m.Version}
	for _, ij := range m.Instances {
		if ij == nil {
			out.Instances = append(out.Instances, nil)
			continue
		}
		inst := ij.Instance
		if inst == nil {
			inst = new(Instance)
		}
		inst.Typed = nil
		for _, tj := range ij.Typed {
			if tj == nil {
				inst.Typed = append(inst.Typed, nil)
				continue
			}
			t := tj.TypedImport
			if t == nil {
				t = new(TypedImport)
			}
			t.Func = nil
			if tj.Func != nil {
				if t.Func, err = tj.Func.Decode(types); err != nil {
					return nil, fmt.Errorf("%s: typed import[%q.%q]: %v", inst.Path, t.Module, t.Name, err)
				}
			}
			inst.Typed = append(inst.Typed, t)
		}
		out.Instances = append(out.Instances, inst)
	}
	for _, tf := range m.Exports {
		var f *iface.Func
		if tf != nil {
			if f, err = tf.Decode(types); err != nil {
				return nil, fmt.Errorf("export %s: %v", tf.Name, err)
			}
		}
		out.Exports = append(out.Exports, f)
	}
	return out, nil
}
