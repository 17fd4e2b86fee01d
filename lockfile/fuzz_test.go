package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// seeds returns the locks every fuzz target starts from: the .lock and
// .golden files of testdata, base, and the bad locks of TestParseBad.
func seeds(tb testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/*.[lg]o*")
	var out [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	out = append(out, []byte(base))
	for _, tt := range badTests {
		out = append(out, []byte(strings.Replace(base, tt.old, tt.new, 1)))
	}
	return out
}

// FuzzParse checks that Parse never panics, and that a lock it accepts
// marshals to text that parses again and marshals to the same bytes.
func FuzzParse(f *testing.F) {
	for _, data := range seeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("nano.lock", data)
		if err != nil {
			return
		}
		out := l.Marshal()
		l2, err := Parse("nano.lock", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(%q))) = %v, want success; Marshal =\n%s", data, err, out)
		}
		if out2 := l2.Marshal(); !bytes.Equal(out, out2) {
			t.Fatalf("Marshal(Parse(%q)) =\n%s\nwant\n%s", out, out2, out)
		}
	})
}

// FuzzCanonical checks the fast reader against the TOML decoder: whatever
// it accepts, the decoder decodes to the same values.
func FuzzCanonical(f *testing.F) {
	for _, name := range []string{"app", "messy", "empty"} {
		for _, ext := range []string{".lock", ".golden"} {
			if data, err := os.ReadFile(filepath.Join("testdata", name+ext)); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("version = 1\n[[package]]\nname = \"a:b\"\nkeys = [\n  \"clock\",\n]\n"))
	f.Add([]byte("version = 1\n[[edge]]\nparent = \"a\\u0041\"\n"))
	f.Add([]byte("version = 01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseCanonical(data)
		if !ok {
			return
		}
		var slow lockFile
		if _, err := toml.Decode(string(data), &slow); err != nil {
			t.Fatalf("parseCanonical accepted %q, which TOML rejects: %v", data, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("parseCanonical(%q) = %+v, TOML decodes %+v", data, fast, slow)
		}
	})
}

func TestCanonicalGoldens(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := parseCanonical(data); !ok {
			t.Errorf("parseCanonical(%s) = false: Marshal's output must take the fast path", file)
		}
	}
}
