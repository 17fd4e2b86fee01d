package linker

import (
	"strings"
	"testing"

	"github.com/nanoproc/nano/iface"
)

// TestBundleCheck edits a valid bundle the ways a hostile bundle.json
// could, and checks that each edit is refused before anything runs.
func TestBundleCheck(t *testing.T) {
	small := []byte("\x00asm\x01\x00\x00\x00")
	valid := func() *Bundle {
		return bundleOf(
			instSpec{path: "acme:app > acme:zip", wasm: small, keys: []string{"fs:out=data/uploads:ro", "clock"}},
			instSpec{path: "acme:app > acme:log", wasm: small, keys: []string{"fs:logs=data/logs:rw"}},
			instSpec{path: "acme:app", wasm: small, keys: []string{"fs:data=data:rw", "clock"}, imports: map[string]int{"acme:zip": 0, "acme:log": 1}},
		)
	}
	if err := valid().check(); err != nil {
		t.Fatalf("check(valid) = %v", err)
	}
	str := &iface.Type{Kind: iface.String}
	for _, tt := range []struct {
		name string
		edit func(b *Bundle)
		want string
	}{
		{"a child holds a key the root lacks", func(b *Bundle) { b.Instances[0].Keys = append(b.Instances[0].Keys, "random") },
			"acme:app > acme:zip: holds random, which acme:app does not"},
		{"a child writes where the root only reads", func(b *Bundle) {
			b.Instances[2].Keys[0] = "fs:data=data:ro"
			b.Instances[1].Keys[0] = "fs:logs=data:rw"
		}, "acme:app > acme:log: holds fs:logs=data:rw, which acme:app does not"},
		{"a child's slot outside the root's", func(b *Bundle) { b.Instances[1].Keys[0] = "fs:logs=etc:rw" },
			"acme:app > acme:log: holds fs:logs=etc:rw, which acme:app does not"},
		{"a sibling path is not inside", func(b *Bundle) { b.Instances[2].Keys[0] = "fs:data=da:rw" },
			"the root's key fs:data=da:rw is not its own slot"},
		{"an unparsable key", func(b *Bundle) { b.Instances[0].Keys = []string{"teleport"} }, `unknown kind "teleport"`},
		{"a child shared by two parents", func(b *Bundle) { b.Instances[2].Imports["acme:other"] = 0 }, "not a child of its own"},
		{"an instance nothing imports", func(b *Bundle) { delete(b.Instances[2].Imports, "acme:log") }, "acme:app > acme:log: no instance imports it"},
		{"an import of a later instance", func(b *Bundle) { b.Instances[0].Imports = map[string]int{"acme:app": 2} }, "not a child of its own"},
		{"a null instance", func(b *Bundle) { b.Instances[1] = nil }, "instance 1 is null"},
		{"a missing module", func(b *Bundle) { b.Instances[0].Module = "sha256:00" }, "module sha256:00 is missing"},
		{"a null typed import", func(b *Bundle) { b.Instances[2].Typed = []*TypedImport{nil} }, "a typed import is null"},
		{"a typed import of a child it does not import", func(b *Bundle) {
			b.Instances[2].Typed = []*TypedImport{{Module: "acme:tar/x", Name: "f", Child: "acme:tar", Func: &iface.Func{Name: "f"}}}
		}, "names acme:tar, which it does not import"},
		{"a list without an element type", func(b *Bundle) {
			b.Instances[2].Typed = []*TypedImport{{Module: "acme:zip/x", Name: "f", Child: "acme:zip",
				Func: &iface.Func{Name: "f", Params: []iface.Field{{Name: "l", Type: &iface.Type{Kind: iface.List}}}}}}
		}, "parameter l: list without an element type"},
		{"a null export", func(b *Bundle) { b.Exports = []*iface.Func{nil} }, "an export is null"},
		{"two results", func(b *Bundle) { b.Exports = []*iface.Func{{Name: "f", Results: []*iface.Type{str, str}}} }, "f has 2 results"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.edit(b)
			err := b.check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
