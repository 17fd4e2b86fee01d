// Package vtext formats semantic versions without fmt: a lock and a
// registry name versions by the ten thousand.
package vtext

import (
	"strconv"

	"github.com/Masterminds/semver/v3"
)

// String returns v.String(). A version parsed from that text returns the
// text it was parsed from, without allocating.
func String(v *semver.Version) string {
	var a [64]byte
	b := strconv.AppendUint(a[:0], v.Major(), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, v.Minor(), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, v.Patch(), 10)
	if pre := v.Prerelease(); pre != "" {
		b = append(append(b, '-'), pre...)
	}
	if meta := v.Metadata(); meta != "" {
		b = append(append(b, '+'), meta...)
	}
	if o := v.Original(); string(b) == o {
		return o
	}
	return string(b)
}
