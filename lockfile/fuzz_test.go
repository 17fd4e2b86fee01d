package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, and that a lock it accepts
// marshals to text that parses again and marshals to the same bytes.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	for _, tt := range badTests {
		f.Add([]byte(strings.Replace(base, tt.old, tt.new, 1)))
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
