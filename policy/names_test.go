package policy

import (
	"regexp"
	"strings"
	"testing"
)

// The expressions the hand-written checks stand for.
var nameChecks = []struct {
	name  string
	re    *regexp.Regexp
	check func(string) bool
}{
	{"isSlot", regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`), isSlot},
	{"isEnv", regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`), isEnv},
	{"isPart", regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`), isPart},
	{"isDNSLabel", regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`), isDNSLabel},
}

// TestNameChecks compares each check with its expression on every string
// of up to three characters from an alphabet of each class of character,
// and on lengths around the limits.
func TestNameChecks(t *testing.T) {
	alphabet := []string{"", "a", "z", "A", "Z", "0", "9", "_", "-", ".", ":", "\n", "é", "\x00"}
	var inputs []string
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range alphabet {
				inputs = append(inputs, a+b+c)
			}
		}
	}
	for _, n := range []int{61, 62, 63, 64, 65} {
		for _, c := range []string{"a", "0", "-", "_"} {
			inputs = append(inputs, "a"+strings.Repeat(c, n-2)+"a", "a"+strings.Repeat(c, n-1), strings.Repeat(c, n))
		}
	}
	for _, nc := range nameChecks {
		for _, s := range inputs {
			if got, want := nc.check(s), nc.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, want %v", nc.name, s, got, want)
			}
		}
	}
}

func FuzzNameChecks(f *testing.F) {
	for _, s := range []string{"", "a", "ab-c", "a_b", "-a", "a-", "A", "_x", "9a", strings.Repeat("a", 63), strings.Repeat("a", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, nc := range nameChecks {
			if got, want := nc.check(s), nc.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, want %v", nc.name, s, got, want)
			}
		}
	})
}
