package lockfile

import (
	"strings"
	"testing"
)

// TestLimits checks that Parse refuses a lock beyond its limits before
// decoding it, naming the place: deep nesting (issue 7: nano lock took
// 17 s on inline tables 4,000 deep), a decoded lock over 16 MiB, any lock
// over 64 MiB.
func TestLimits(t *testing.T) {
	comments := func(n int) string {
		return strings.Repeat("# padding padding padding padding padding padding\n", n/50+1)
	}
	for _, tt := range []struct {
		name, data, want string
	}{
		{"inline tables 4000 deep", "version = 1\n\n[[package]]\nname = " + strings.Repeat("{a = ", 4000) + strings.Repeat("}", 4000) + "\n",
			"nano.lock:4:79: key nested more than 16 levels deep"},
		{"arrays 4000 deep", "version = 1\n\n[[package]]\nkeys = " + strings.Repeat("[", 4000) + strings.Repeat("]", 4000) + "\n",
			"nano.lock:4:22: nested more than 16 levels deep"},
		{"dotted key of 10000 parts", "version = 1\n" + strings.Repeat("a.", 10000) + "b = 1\n",
			"nano.lock:2:33: key nested more than 16 levels deep"},
		{"decoded, over 16 MiB", "version  =  1\n" + comments(16<<20),
			"nano.lock: file is 16777264 bytes and not in the form nano writes, more than the limit of 16777216 for such a lock: run nano lock to rewrite it"},
		{"over 64 MiB", "version = 1\n" + comments(64<<20),
			"nano.lock: file is 67108912 bytes, more than the limit of 67108864"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("nano.lock", []byte(tt.data))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse = %.300v, want %s", err, tt.want)
			}
		})
	}
	// The canonical form is read up to 64 MiB.
	if _, err := Parse("nano.lock", []byte("version = 1\n"+comments(20<<20))); err != nil {
		t.Errorf("Parse(20 MiB, canonical) = %.300v", err)
	}
}
