package manifest

import (
	"strings"
	"testing"
)

// BenchmarkParseLimits parses a plain manifest of 20 dependencies, without
// limits and with limits on each: the plain reader reads both.
func BenchmarkParseLimits(b *testing.B) {
	for _, with := range []bool{false, true} {
		var s strings.Builder
		s.WriteString("[package]\nname = \"acme:app\"\nversion = \"1.0.0\"\nmodule = \"app.wasm\"\n")
		for i := range 20 {
			s.WriteString("\n[dependencies.\"acme:d" + string(rune('a'+i)) + "\"]\nversion = \"1\"\n")
			if with {
				s.WriteString("[dependencies.\"acme:d" + string(rune('a'+i)) + "\".limits]\nmemory = \"64MiB\"\ntime = \"5s\"\n")
			}
		}
		data := []byte(s.String())
		name := "without"
		if with {
			name = "with"
		}
		b.Run(name, func(b *testing.B) {
			if _, ok := readPlain(data); !ok {
				b.Fatal("not plain")
			}
			for b.Loop() {
				if _, err := Parse("nano.toml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
