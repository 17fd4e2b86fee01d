package vtext

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

func TestString(t *testing.T) {
	for _, s := range []string{"0.0.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0+build.5", "1.0.0-alpha+001",
		"v1.2.3", "1.2", "1", "01.2.3", "1.2.3-" + string(make([]byte, 0)) + "x.y.z.long.prerelease.text.that.is.longer.than.sixty.four.bytes"} {
		v, err := semver.NewVersion(s)
		if err != nil {
			continue
		}
		if got, want := String(v), v.String(); got != want {
			t.Errorf("String(%q) = %q, want %q", s, got, want)
		}
		w := v.IncMinor()
		if got, want := String(&w), w.String(); got != want {
			t.Errorf("String(%q.IncMinor()) = %q, want %q", s, got, want)
		}
	}
	v := semver.MustParse("1.2.3")
	if n := testing.AllocsPerRun(100, func() { String(v) }); n != 0 {
		t.Errorf("String(1.2.3) allocates %v times, want 0", n)
	}
}
