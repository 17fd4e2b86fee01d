package manifest

import (
	"os"
	"testing"
	"github.com/BurntSushi/toml"
)

func BenchmarkParseSynth(b *testing.B) {
	data, err := os.ReadFile("/tmp/syn10000/registry/syn/p0500/1.2.0/nano.toml")
	if err != nil {
		b.Skip(err)
	}
	b.Run("nano", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse("nano.toml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("toml-only", func(b *testing.B) {
		for b.Loop() {
			var v fileTOML
			if _, err := toml.Decode(string(data), &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			os.ReadFile("/tmp/syn10000/registry/syn/p0500/1.2.0/nano.toml")
		}
	})
}
