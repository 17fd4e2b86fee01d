package suggest

import "testing"

func TestClosest(t *testing.T) {
	words := []string{"package", "capabilities", "dependencies", "grant", "registry", "path"}
	for _, c := range []struct{ word, want string }{
		{"capabilites", "capabilities"},
		{"capabilities", ""}, // exact: nothing to suggest
		{"dependecies", "dependencies"},
		{"grnat", "grant"},
		{"registy", "registry"},
		{"acme:zip", ""},
		{"data", ""}, // two edits from path, half its letters
		{"xyz", ""},
	} {
		if got := Closest(c.word, words); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"grant", "grnat", 1}, {"kitten", "sitting", 3}, {"acme:notfy", "acme:notify", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
