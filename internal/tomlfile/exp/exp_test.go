package exp

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nanoproc/nano/lockfile"
	"github.com/nanoproc/nano/manifest"
)

var head = "[package]\nname = \"acme:x\"\nversion = \"1.0.0\"\nmodule = \"x.wasm\"\n"

var shapes = map[string]func(n int) string{
	"inline": func(n int) string {
		return head + "[capabilities]\nx = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n"
	},
	"array": func(n int) string {
		return head + "[capabilities]\nx = " + strings.Repeat("[", n) + "1" + strings.Repeat("]", n) + "\n"
	},
	"dotted1": func(n int) string { return head + "[capabilities]\n" + strings.Repeat("a.", n) + "b = 1\n" },
	"dottedN": func(n int) string {
		var b strings.Builder
		b.WriteString(head + "[capabilities]\n")
		for i := range n {
			fmt.Fprintf(&b, "x.k%d = 1\n", i)
		}
		return b.String()
	},
	"nestedN": func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			fmt.Fprintf(&b, "x.k%d.y = 1\n", i)
		}
		return b.String()
	},
	"header": func(n int) string { return head + "[" + strings.Repeat("a.", n) + "b]\nc = 1\n" },
	"tables": func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			fmt.Fprintf(&b, "[t%d]\nx = 1\n", i)
		}
		return b.String()
	},
	"keys": func(n int) string {
		var b strings.Builder
		b.WriteString(head + "[x]\n")
		for i := range n {
			fmt.Fprintf(&b, "k%d = 1\n", i)
		}
		return b.String()
	},
	"arrtables": func(n int) string {
		var b strings.Builder
		b.WriteString(head)
		for range n {
			fmt.Fprintf(&b, "[[t]]\nx = 1\n")
		}
		return b.String()
	},
	"longkey": func(n int) string {
		var b strings.Builder
		b.WriteString(head + "[" + strings.Repeat("a", n) + "]\n")
		for i := range n / 10 {
			fmt.Fprintf(&b, "k%d = 1\n", i)
		}
		return b.String()
	},
}

func TestShapes(t *testing.T) {
	for _, name := range strings.Fields(os.Getenv("SHAPES")) {
		f := shapes[name]
		for _, n := range []int{500, 1000, 2000, 4000} {
			data := f(n)
			start := time.Now()
			_, err := manifest.Parse("x.toml", []byte(data))
			d := time.Since(start)
			msg := ""
			if err != nil {
				msg = err.Error()
				if len(msg) > 80 {
					msg = msg[:80]
				}
			}
			fmt.Printf("%-10s n=%5d bytes=%7d %8.3fs %s\n", name, n, len(data), d.Seconds(), msg)
			if d > 10*time.Second {
				break
			}
		}
	}
	_ = lockfile.Parse
}
