package tomlfile

import (
	"strings"
	"testing"
)

const doc = `# a comment
[package]
name = "acme:app"
version = "1.0.0"
bogus = 1

[dependencies."acme:zip".grant]
  fs.out = "data"

[[edge]]
parent = "a"

[[edge]]
child = "b"
colour = 1

[[edge]]
parent = "c"
`

func TestPositions(t *testing.T) {
	var v struct {
		Package struct {
			Name, Version string
		}
		Dependencies map[string]struct {
			Grant struct {
				FS map[string]string `toml:"fs"`
			}
		}
		Edge []struct{ Parent, Child string }
	}
	d, err := Decode("nano.toml", []byte(doc), &v)
	if err != nil {
		t.Fatal(err)
	}
	d.Unknown()
	d.Errorf([]any{"package", "version"}, "bad version")
	d.Errorf([]any{"dependencies", "acme:zip", "grant", "fs", "out"}, "bad grant")
	d.Errorf([]any{"edge", 2, "parent"}, "third edge")
	d.Errorf([]any{"edge", 1}, "second edge has no parent")
	d.Errorf([]any{"registry", "path"}, "missing")
	got := d.Err().Error()
	want := strings.Join([]string{
		"nano.toml:1:1: registry.path: missing",
		"nano.toml:4:12: package.version: bad version",
		"nano.toml:5:9: package.bogus: unknown key",
		`nano.toml:8:13: dependencies."acme:zip".grant.fs.out: bad grant`,
		"nano.toml:13:1: edge[1]: second edge has no parent",
		"nano.toml:15:10: edge[1].colour: unknown key",
		"nano.toml:18:11: edge[2].parent: third edge",
	}, "\n")
	if got != want {
		t.Errorf("Err() =\n%s\nwant\n%s", got, want)
	}
}

func TestSyntaxError(t *testing.T) {
	var v map[string]any
	_, err := Decode("x.toml", []byte("a = 1\nb = \n"), &v)
	if err == nil || !strings.HasPrefix(err.Error(), "x.toml:2:") {
		t.Fatalf("Decode = %v, want a position on line 2", err)
	}
	var w struct{ A string }
	_, err = Decode("x.toml", []byte("\na = 1\n"), &w)
	if err == nil || !strings.HasPrefix(err.Error(), "x.toml:2:1: a: ") {
		t.Fatalf("Decode = %v, want x.toml:2:1: a: ...", err)
	}
}
