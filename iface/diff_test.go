package iface

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/diff/*.txt")

// formatChanges prints changes as the want sections of testdata/diff/*.txt
// hold them.
func formatChanges(changes []Change) string {
	if len(changes) == 0 {
		return "no changes\n"
	}
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%s %s", c.Kind, c.What)
		if c.Breaking() {
			b.WriteString(" (breaking)")
		}
		b.WriteString("\n")
		if c.Old != "" {
			fmt.Fprintf(&b, "\told: %s\n", c.Old)
		}
		if c.New != "" {
			fmt.Fprintf(&b, "\tnew: %s\n", c.New)
		}
	}
	return b.String()
}

var packageLine = regexp.MustCompile(`(?m)^\s*package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)`)

// TestDiff runs the cases of testdata/diff: each a txtar archive with the
// WIT files of an old and a new version (old/..., new/...) and the changes
// Diff finds (want).
func TestDiff(t *testing.T) {
	files, err := filepath.Glob("testdata/diff/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/diff/*.txt")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var pkg string
			want := -1
			for i, f := range ar.Files {
				if f.Name == "want" {
					want = i
					continue
				}
				if !strings.HasPrefix(f.Name, "old/") && !strings.HasPrefix(f.Name, "new/") {
					t.Fatalf("unexpected section %q: want old/..., new/... and want", f.Name)
				}
				if m := packageLine.FindSubmatch(f.Data); m != nil && pkg == "" {
					pkg = string(m[1])
				}
				path := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, f.Data, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if pkg == "" {
				t.Fatal("no package line in the WIT sections")
			}
			old, err := Load(filepath.Join(dir, "old"), pkg)
			if err != nil {
				t.Fatal(err)
			}
			new, err := Load(filepath.Join(dir, "new"), pkg)
			if err != nil {
				t.Fatal(err)
			}
			got := formatChanges(Diff(old, new))
			if *update {
				if want < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					want = len(ar.Files) - 1
				}
				ar.Files[want].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want < 0 {
				t.Fatalf("no want section (run with -update):\n%s", got)
			}
			if w := string(ar.Files[want].Data); got != w {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, w)
			}
			// Diffing a version against itself finds nothing.
			if c := Diff(new, new); len(c) != 0 {
				t.Errorf("Diff(new, new) = %v", c)
			}
		})
	}
}

func TestChange(t *testing.T) {
	for _, tt := range []struct {
		c        Change
		breaking bool
		s        string
	}{
		{Change{Kind: Removed, What: "func version", Old: "func() -> string"}, true, "removed func version: func() -> string"},
		{Change{Kind: Added, What: "interface acme:zip/pack@1.6.2"}, false, "added interface acme:zip/pack@1.6.2"},
		{Change{Kind: Changed, What: "func version", Old: "func() -> string", New: "func() -> u32"}, true, "changed func version: func() -> string => func() -> u32"},
	} {
		if got := tt.c.Breaking(); got != tt.breaking {
			t.Errorf("%v.Breaking() = %v", tt.c, got)
		}
		if got := tt.c.String(); got != tt.s {
			t.Errorf("String() = %q, want %q", got, tt.s)
		}
	}
}

func TestSameType(t *testing.T) {
	u32 := &Type{Kind: U32}
	rec := func(names ...string) *Type {
		r := &Type{Kind: Record}
		for _, n := range names {
			r.Fields = append(r.Fields, Field{Name: n, Type: u32})
		}
		return r
	}
	for _, tt := range []struct {
		a, b *Type
		same bool
	}{
		{rec("a", "b"), rec("a", "b"), true},
		{rec("a", "b"), rec("b", "a"), false},
		{rec("a", "b"), rec("a"), false},
		{&Type{Kind: Option, Elem: u32}, &Type{Kind: List, Elem: u32}, false},
		{&Type{Kind: Result, Ok: u32}, &Type{Kind: Result, Err: u32}, false},
		{&Type{Kind: Variant, Cases: []Case{{Name: "a"}}}, &Type{Kind: Variant, Cases: []Case{{Name: "a", Type: u32}}}, false},
		{&Type{Kind: Enum, Cases: []Case{{Name: "a"}}}, &Type{Kind: Flags, Cases: []Case{{Name: "a"}}}, false},
	} {
		if got := sameType(tt.a, tt.b); got != tt.same {
			t.Errorf("sameType(%s, %s) = %v", tt.a, tt.b, got)
		}
		if (tt.a.String() == tt.b.String()) != tt.same {
			t.Errorf("%s and %s: String does not tell them apart", tt.a, tt.b)
		}
	}
}
