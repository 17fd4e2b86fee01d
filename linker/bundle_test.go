package linker

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/lockfile"
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
	if err := valid().Check(); err != nil {
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
		{"a child's path that shares the root's as a prefix", func(b *Bundle) { b.Instances[1].Keys[0] = "fs:logs=database:rw" },
			"acme:app > acme:log: holds fs:logs=database:rw, which acme:app does not"},
		{"a child's fs key without a path", func(b *Bundle) { b.Instances[1].Keys[0] = "fs:logs:rw" },
			"acme:app > acme:log: holds fs:logs:rw, which acme:app does not"},
		{"a sibling path is not inside", func(b *Bundle) { b.Instances[2].Keys[0] = "fs:data=da:rw" },
			"the root's key fs:data=da:rw is not its own slot"},
		{"an unparsable key", func(b *Bundle) { b.Instances[0].Keys = []string{"teleport"} }, `key "teleport": not a kind of key`},
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
			err := b.Check()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// allocated returns the bytes f allocates on the heap: an upper bound of
// the peak it adds to the heap, whatever the garbage collector does.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An entry is one zip entry of a hand-made bundle. With raw set, data is
// written as the entry's compressed bytes, under the sizes and checksum
// given, true or not.
type entry struct {
	name string
	data []byte
	raw  *zip.FileHeader
}

// zipFile writes entries as a zip file and returns its name.
func zipFile(t testing.TB, entries ...entry) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "hostile.nano")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for _, e := range entries {
		var w io.Writer
		if e.raw != nil {
			h := *e.raw
			h.Name = e.name
			w, err = z.CreateRaw(&h)
		} else {
			w, err = z.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		}
		if err == nil {
			_, err = w.Write(e.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

// deflate returns data deflated, as a zip entry holds it.
func deflate(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// metaOf returns a bundle.json whose instances use each module: a root
// that imports one child per module beyond the first.
func metaOf(t testing.TB, digests ...string) []byte {
	var insts []*Instance
	imports := map[string]int{}
	for i, d := range digests[1:] {
		name := fmt.Sprintf("acme:m%d", i)
		insts = append(insts, &Instance{Path: "acme:app > " + name, Package: name, Version: "1.0.0", Module: d})
		imports[name] = i
	}
	insts = append(insts, &Instance{Path: "acme:app", Package: "acme:app", Version: "1.0.0", Module: digests[0], Imports: imports})
	data, err := json.Marshal(bundleJSON{Version: BundleVersion, Instances: insts})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func modName(d string) string { return "modules/" + strings.TrimPrefix(d, "sha256:") + ".wasm" }

// TestReadBundleHostile reads the hostile bundles of issue 7 and checks
// each is refused, and having allocated no more than a bound: nothing is
// inflated before bundle.json and the sizes the zip declares are checked.
func TestReadBundleHostile(t *testing.T) {
	small := []byte("\x00asm\x01\x00\x00\x00")
	smallD := lockfile.Digest(small)
	// Six zero-filled modules with correct digests, deflated: at the
	// default limits, 1000 MiB each declared (hashing that much in a test
	// takes too long, so their digests are of what they declare only at
	// the lowered limits below).
	const mib = 1 << 20
	zeros := make([]byte, 3*mib)
	var six []entry
	var sixD []string
	for i := range 6 {
		data := zeros[:len(zeros)-i]
		d := lockfile.Digest(data)
		sixD = append(sixD, d)
		six = append(six, entry{name: modName(d), data: data})
	}
	deflatedZeros := deflate(t, zeros)
	crcZeros := crc32.ChecksumIEEE(zeros)
	var sixHuge []entry
	var sixHugeD []string
	for i := range 6 {
		d := fmt.Sprintf("sha256:%064x", i)
		sixHugeD = append(sixHugeD, d)
		sixHuge = append(sixHuge, entry{name: modName(d), data: deflatedZeros,
			raw: &zip.FileHeader{Method: zip.Deflate, CRC32: crcZeros, CompressedSize64: uint64(len(deflatedZeros)), UncompressedSize64: 1000*mib - uint64(i)}})
	}
	bigJSON := bytes.Repeat([]byte(" "), 17*mib) // whitespace: valid JSON around a value
	copy(bigJSON[len(bigJSON)-len(`{"version":1}`):], `{"version":1}`)
	lowered := bundleLimits{json: MaxBundleJSON, module: 4 * mib, modules: 8 * mib}
	for _, tt := range []struct {
		name    string
		entries []entry
		lim     bundleLimits
		want    string
		bound   uint64 // bytes it may allocate
	}{
		{"six 1000 MiB modules of zeros", append([]entry{{name: "bundle.json", data: metaOf(t, sixHugeD...)}}, sixHuge...), defaultLimits,
			"more than the 536870912 a module may have", mib},
		{"six zero-filled modules with correct digests, over the total", append([]entry{{name: "bundle.json", data: metaOf(t, sixD...)}}, six...), lowered,
			"the modules have more than the 8388608 bytes a bundle may have", mib},
		{"a module that inflates past the size it declares", []entry{{name: "bundle.json", data: metaOf(t, smallD)},
			{name: modName(smallD), data: deflatedZeros, raw: &zip.FileHeader{Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(small),
				CompressedSize64: uint64(len(deflatedZeros)), UncompressedSize64: uint64(len(small))}}}, defaultLimits,
			"zip: not a valid zip file", mib},
		{"a module that declares more than it holds", []entry{{name: "bundle.json", data: metaOf(t, smallD)},
			{name: modName(smallD), data: deflate(t, small), raw: &zip.FileHeader{Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(small),
				CompressedSize64: uint64(len(deflate(t, small))), UncompressedSize64: 500 * mib}}}, defaultLimits,
			"unexpected EOF", mib},
		{"a bundle.json over the limit", []entry{{name: "bundle.json", data: bigJSON}}, defaultLimits,
			"bundle.json: 17825792 bytes, more than the 16777216 a bundle may have", mib},
		{"a bundle.json that inflates past the size it declares", []entry{{name: "bundle.json", data: deflate(t, bigJSON),
			raw: &zip.FileHeader{Method: zip.Deflate, CompressedSize64: uint64(len(deflate(t, bigJSON))), UncompressedSize64: 1000}}}, defaultLimits,
			"bundle.json: zip: not a valid zip file", mib},
		{"two bundle.json", []entry{{name: "bundle.json", data: metaOf(t, smallD)}, {name: modName(smallD), data: small},
			{name: "bundle.json", data: []byte(`{"version":1}`)}}, defaultLimits,
			"two entries bundle.json", mib},
		{"a key twice in bundle.json", []entry{{name: "bundle.json", data: []byte(`{"version":1,"instances":[],"Instances":[{"path":"x"}]}`)}},
			defaultLimits, `bundle.json: key "Instances" twice in one object`, mib},
		{"an import twice in bundle.json", []entry{{name: "bundle.json", data: bytes.Replace(metaOf(t, smallD, smallD),
			[]byte(`"imports":{"acme:m0":0}`), []byte(`"imports":{"acme:m0":0,"acme:m0":0}`), 1)}, {name: modName(smallD), data: small}},
			defaultLimits, `bundle.json: key "acme:m0" twice in one object`, mib},
		{"two entries of one module", []entry{{name: "bundle.json", data: metaOf(t, smallD)}, {name: modName(smallD), data: small},
			{name: modName(smallD), data: zeros}}, defaultLimits,
			"two entries modules/", mib},
		{"an entry nano does not write", []entry{{name: "bundle.json", data: metaOf(t, smallD)}, {name: modName(smallD), data: small},
			{name: "modules/../../x.wasm", data: small}}, defaultLimits,
			`unexpected entry "modules/../../x.wasm"`, mib},
		{"a module no instance uses", append([]entry{{name: "bundle.json", data: metaOf(t, smallD)}, {name: modName(smallD), data: small}}, six[0]),
			defaultLimits, "no instance uses it", mib},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := zipFile(t, tt.entries...)
			var err error
			n := allocated(func() { _, err = readBundle(file, tt.lim) })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readBundle = %v, want an error containing %q", err, tt.want)
			}
			if n > tt.bound {
				t.Errorf("readBundle allocated %d bytes, want at most %d", n, tt.bound)
			}
		})
	}
}

// TestReadBundleJSON reads a bundle.json of 1 MB, a star of thousands of
// nanoprocesses, and checks that reading it allocates in proportion.
func TestReadBundleJSON(t *testing.T) {
	small := []byte("\x00asm\x01\x00\x00\x00")
	d := lockfile.Digest(small)
	digests := []string{d}
	meta := metaOf(t, d)
	for len(meta) < 1<<20 {
		digests = append(digests, slices.Repeat([]string{d}, 1000)...)
		meta = metaOf(t, digests...)
	}
	file := zipFile(t, entry{name: "bundle.json", data: meta}, entry{name: modName(d), data: small})
	var b *Bundle
	var err error
	n := allocated(func() { b, err = readBundle(file, defaultLimits) })
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Instances) != len(digests) {
		t.Errorf("readBundle: %d instances, want %d", len(b.Instances), len(digests))
	}
	if bound := 32 * uint64(len(meta)); n > bound {
		t.Errorf("readBundle of a %d-byte bundle.json allocated %d bytes, want at most %d", len(meta), n, bound)
	}
	t.Logf("a %d-byte bundle.json of %d instances: %d bytes allocated", len(meta), len(b.Instances), n)
}

// TestBundleCheckSpawns edits a valid bundle with a spawned child the ways
// a hostile bundle.json could: each is refused before anything runs.
func TestBundleCheckSpawns(t *testing.T) {
	small := []byte("\x00asm\x01\x00\x00\x00")
	valid := func() *Bundle {
		b := bundleOf(
			instSpec{path: "acme:app > acme:worker", wasm: small, keys: []string{"fs:tmp=data/jobs:rw", "clock"}},
			instSpec{path: "acme:app", wasm: small, keys: []string{"fs:data=data:rw", "clock", "spawn:acme:worker"}},
		)
		b.Instances[0].Package = "acme:worker"
		b.Instances[0].Grant = []string{"fs:tmp=data/jobs:rw", "clock"}
		b.Instances[1].Spawns = map[string]int{"acme:worker": 0}
		return b
	}
	if err := valid().Check(); err != nil {
		t.Fatalf("Check(valid) = %v", err)
	}
	for _, tt := range []struct {
		name string
		edit func(b *Bundle)
		want string
	}{
		{"a grant wider than the keys", func(b *Bundle) { b.Instances[0].Grant = []string{"fs:tmp=data:rw", "clock"} },
			"its grant fs:tmp=data:rw, clock, rooted, is"},
		{"a grant left out", func(b *Bundle) { b.Instances[0].Grant = nil }, "rooted, is , not its keys"},
		{"a grant the parent does not hold", func(b *Bundle) { b.Instances[0].Grant = []string{"fs:tmp=data/jobs:rw", "random"} },
			"random is not a key of its parent"},
		{"a spawn without the key", func(b *Bundle) { b.Instances[1].Keys = []string{"fs:data=data:rw", "clock"} },
			"spawns acme:worker without holding spawn:acme:worker"},
		{"a spawn of another package", func(b *Bundle) { b.Instances[0].Package = "acme:other" }, `spawn "acme:worker" names an instance of acme:other`},
		{"imported and spawned", func(b *Bundle) { b.Instances[1].Imports = map[string]int{"acme:worker": 0} }, "not a child of its own"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.edit(b)
			if err := b.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
