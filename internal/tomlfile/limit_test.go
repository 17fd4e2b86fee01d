package tomlfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// hostile are the inputs of issue 7 and their kin: each takes
// BurntSushi/toml time that grows with the square of its size or worse.
var hostile = []struct {
	name, data string
	pos, msg   string
}{
	// nano lock took 0.85 s at 1,000 levels, 2.75 s at 2,000, 17.3 s at 4,000.
	{"inline tables 4000 deep", "x = " + strings.Repeat("{a = ", 4000) + "1" + strings.Repeat("}", 4000) + "\n",
		"1:81", "key nested more than 16 levels deep"},
	{"arrays 4000 deep", "x = " + strings.Repeat("[", 4000) + strings.Repeat("]", 4000) + "\n",
		"1:20", "nested more than 16 levels deep"},
	{"arrays of inline tables", "x = [" + strings.Repeat("{a = [", 100) + "\n",
		"1:49", "key nested more than 16 levels deep"},
	// 10,000 dotted keys took more than 60 s.
	{"dotted key of 10000 parts", "[t]\n" + strings.Repeat("a.", 10000) + "b = 1\n",
		"2:31", "key nested more than 16 levels deep"},
	{"header of 10000 parts", "[" + strings.Repeat("a.", 10000) + "b]\nc = 1\n",
		"1:34", "key nested more than 16 levels deep"},
	{"array header deep", "[[" + strings.Repeat("a.", 40) + "b]]\n",
		"1:35", "key nested more than 16 levels deep"},
	{"long key", "[" + strings.Repeat("a", 2000) + "]\nb = 1\n",
		"1:1026", "key path longer than 1024 bytes"},
	{"long key under a long header", "[" + strings.Repeat("a", 600) + "]\n" + strings.Repeat("b", 600) + " = 1\n",
		"2:425", "key path longer than 1024 bytes"},
	{"long quoted key", `"` + strings.Repeat("a", 2000) + `" = 1` + "\n",
		"1:1", "key path longer than 1024 bytes"},
	{"too big", "x = \"" + strings.Repeat("a", 512<<10) + "\"\n",
		"", "file is 524295 bytes, more than the limit of 524288"},
}

func TestLimitsRefuse(t *testing.T) {
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			var v map[string]any
			_, err := Decode("f.toml", []byte(tt.data), &v)
			var list List
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("Decode = %v, want one refusal", err)
			}
			e := list[0]
			pos := ""
			if e.Line > 0 {
				pos = fmt.Sprintf("%d:%d", e.Line, e.Col)
			}
			if pos != tt.pos || e.Msg != tt.msg || e.File != "f.toml" {
				t.Errorf("Decode = %q at %q, want %q at %q", e.Msg, pos, tt.msg, tt.pos)
			}
		})
	}
}

// TestLimitsPosition checks that a refusal names the first place that
// exceeds a limit, past strings and comments that look like nesting.
func TestLimitsPosition(t *testing.T) {
	deep := strings.Repeat("[", 33)
	data := "# " + deep + "\n" +
		`a = "` + deep + `"` + "\n" +
		"b = '" + deep + "'\n" +
		`c = """` + "\n" + deep + `\"""` + "\n" + `"""` + "\n" +
		"d = '''" + deep + "''''\n" +
		`"e.` + strings.Repeat(".", 40) + `" = 1` + "\n" +
		"f = [\n  1, # " + deep + "\n  2,\n]\n" +
		"g = {a = 1, b = {c = 2}, d = [{e = 1}]}\n" +
		"h = " + deep + "\n"
	err := Check("f.toml", []byte(data), DefaultLimits)
	want := "f.toml:14:20: nested more than 16 levels deep"
	if err == nil || err.Error() != want {
		t.Errorf("Check = %v, want %s", err, want)
	}
	// Without the last line the text is within the limits.
	cut := data[:strings.LastIndex(data, "h = ")]
	if err := Check("f.toml", []byte(cut), DefaultLimits); err != nil {
		t.Errorf("Check = %v, want nil", err)
	}
	var v map[string]any
	if _, err := toml.Decode(cut, &v); err != nil {
		t.Fatalf("the test's text is not TOML: %v", err)
	}
}

// TestLimitsAllowValid checks that every valid file of the TOML test
// suite that BurntSushi/toml ships is within the limits, and that the
// invalid ones are scanned without a panic.
func TestLimitsAllowValid(t *testing.T) {
	dir := filepath.Join(moduleDir(t, "github.com/BurntSushi/toml"), "internal", "toml-test", "tests")
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(path, data, DefaultLimits)
		if rel, _ := filepath.Rel(dir, path); strings.HasPrefix(rel, "valid"+string(filepath.Separator)) {
			if err != nil {
				t.Errorf("Check: %v", err)
			}
			n++
		}
		return nil
	})
	if n < 100 {
		t.Skipf("found %d valid files of the TOML test suite in %s", n, dir)
	}
}

func moduleDir(t *testing.T, mod string) string {
	t.Helper()
	gomod := os.Getenv("GOMODCACHE")
	if gomod == "" {
		gomod = filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod")
		if gp := os.Getenv("GOPATH"); gp != "" {
			gomod = filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "pkg", "mod")
		}
	}
	ver := ""
	if data, err := os.ReadFile("../../go.mod"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == mod {
				ver = f[1]
			}
		}
	}
	esc := strings.ReplaceAll(mod, "BurntSushi", "!burnt!sushi")
	return filepath.Join(gomod, esc+"@"+ver)
}

// TestScanLinear checks that the scan takes at most two steps per byte of
// the largest inputs the limits allow, whatever their shape, and of the
// hostile ones up to the refusal.
func TestScanLinear(t *testing.T) {
	d := DefaultLimits.Depth
	fill := func(line string) string { return strings.Repeat(line, DefaultLimits.Bytes/len(line)) }
	within := map[string]string{
		"keys":            fill("k = 1\n"),
		"deep tables":     fill("x = " + strings.Repeat("{a = ", d-1) + "1" + strings.Repeat("}", d-1) + "\n"),
		"deep arrays":     fill("x = " + strings.Repeat("[", d-1) + strings.Repeat("]", d-1) + "\n"),
		"dotted keys":     fill(strings.Repeat("a.", d-1) + "b = 1\n"),
		"long keys":       fill(strings.Repeat("a", DefaultLimits.KeyBytes) + " = 1\n"),
		"headers":         fill("[a.b]\n"),
		"strings":         fill(`x = "\\\"[{"` + "\n"),
		"multiline":       `x = """` + strings.Repeat(`\"[{`+"\n", DefaultLimits.Bytes/5-2) + `"""`,
		"unclosed string": `x = "` + strings.Repeat("[", DefaultLimits.Bytes-10),
	}
	for name, data := range within {
		if len(data) > DefaultLimits.Bytes {
			t.Fatalf("%s: %d bytes, more than the limit", name, len(data))
		}
		s := scanner{data: []byte(data), lim: DefaultLimits, line: 1}
		if !s.run() {
			t.Errorf("%s: refused at %d: %s", name, s.errAt, s.msg)
		}
		if s.steps > 2*len(data) {
			t.Errorf("%s: %d steps for %d bytes", name, s.steps, len(data))
		}
	}
	for _, tt := range hostile {
		if tt.pos == "" {
			continue // refused for its size, before the scan
		}
		s := scanner{data: []byte(tt.data), lim: DefaultLimits, line: 1}
		if s.run() {
			t.Errorf("%s: not refused", tt.name)
		}
		if s.steps > 2*s.i {
			t.Errorf("%s: %d steps to refuse at byte %d of %d, at %d", tt.name, s.steps, s.i, len(tt.data), s.errAt)
		}
	}
}

// TestKeyPosition checks the positions read from the decoder's record
// against the ones its errors report, for every key of a file.
func TestKeyPosition(t *testing.T) {
	data := "top = 1\n\n[package]\nname = \"x\"\n  sub.dotted.key = [1, 2]\n\"quoted.key\" = {a = 1, b = {c = 2}}\n\n" +
		"[dependencies.\"acme:zip\"]\nversion = \"1\"\n[dependencies.\"acme:zip\".grant]\nfs.out = \"data\"\n" +
		"[t]\n\n[u]\nx = 'é'\ny = 1 # é\n"
	var v map[string]any
	d, err := Decode("f.toml", []byte(data), &v)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range d.MD.Keys() {
		path := make([]any, len(k))
		for i, p := range k {
			path[i] = p
		}
		line, col, ok := d.keyPosition(path)
		wl, wc, wok := probe(data, k)
		if line != wl || col != wc || ok != wok {
			t.Errorf("keyPosition(%q) = %d:%d %v, want %d:%d %v", k, line, col, ok, wl, wc, wok)
		}
	}
}

// probe finds a key's position as the decoder's errors report it: decoding
// into a type whose only field is at the key, of a type whose
// UnmarshalTOML always fails.
func probe(data string, key toml.Key) (line, col int, ok bool) {
	t := reflect.TypeFor[failing]()
	for i := len(key) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{Name: "F", Type: t, Tag: reflect.StructTag(`toml:` + strconv.Quote(key[i]))}})
	}
	_, err := toml.Decode(data, reflect.New(t).Interface())
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Message != errFailing.Error() {
		return 0, 0, false
	}
	return pe.Position.Line, pe.Position.Col, true
}

var errFailing = errors.New("failing")

type failing struct{}

func (*failing) UnmarshalTOML(any) error { return errFailing }
