package lockfile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// agree checks that parseFast, when it accepts data, gives what the slow
// way gives, and that it accepts whatever Marshal writes.
func agree(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := parseFast(data)
	slow, err := parseSlow("nano.lock", data)
	if !ok {
		if err == nil && string(slow.Marshal()) == string(data) {
			t.Errorf("parseFast(%q) = false, but it is what Marshal writes", data)
		}
		return
	}
	if err != nil {
		t.Fatalf("parseFast accepted %q, which the slow way rejects: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("parseFast(%q) =\n%s\nthe slow way gives\n%s", data, dump(fast), dump(slow))
	}
}

// TestFastAgrees runs parseFast and the slow way on the test locks, the
// goldens, and the bad locks of TestParseBad.
func TestFastAgrees(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.[lg]o*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		agree(t, data)
		if l, err := Parse(file, data); err == nil {
			agree(t, l.Marshal())
		}
	}
	agree(t, []byte(base))
	for _, tt := range badTests {
		data := []byte(strings.Replace(base, tt.old, tt.new, 1))
		agree(t, data)
		if _, ok := parseFast(data); ok {
			t.Errorf("parseFast accepted the bad lock %q", data)
		}
	}
}

// FuzzFast checks parseFast against the slow way on any input.
func FuzzFast(f *testing.F) {
	for _, data := range seeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { agree(t, data) })
}
