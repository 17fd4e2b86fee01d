// Package limits holds the memory and time ceilings of nanoprocesses
// (SPEC section 10): how they are written in nano.toml and nano.lock, and
// how a ceiling compares with the one above it.
package limits

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PageSize is the size of a WebAssembly memory page: a memory ceiling is a
// whole number of pages.
const PageSize = 65536

// MaxMemory is the largest memory ceiling, 4 GiB: all a 32-bit memory can
// address.
const MaxMemory = 4 << 30

// MaxTime is the longest time ceiling.
const MaxTime = 24 * time.Hour

// Limits are the ceilings of a nanoprocess. A zero field is no ceiling.
type Limits struct {
	Memory uint64        // bytes of linear memory, a multiple of PageSize; 0 = none
	Time   time.Duration // wall-clock time, whole milliseconds; 0 = none
}

// IsZero reports whether l sets no ceiling.
func (l Limits) IsZero() bool { return l.Memory == 0 && l.Time == 0 }

// Within reports whether every ceiling of l fits under outer's: a ceiling
// outer lacks bounds nothing, and one l lacks is unbounded, so it fits
// only where outer has none either.
func (l Limits) Within(outer Limits) bool {
	return within(l.Memory, outer.Memory) && within(uint64(l.Time), uint64(outer.Time))
}

func within(inner, outer uint64) bool {
	return outer == 0 || inner != 0 && inner <= outer
}

// Min returns the lower of each ceiling of a and b, a missing one counting
// as unbounded: the ceilings of a nanoprocess under both.
func Min(a, b Limits) Limits {
	return Limits{Memory: lower(a.Memory, b.Memory), Time: time.Duration(lower(uint64(a.Time), uint64(b.Time)))}
}

func lower(a, b uint64) uint64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// String returns the ceilings as "memory 64MiB, time 5s", or "none".
func (l Limits) String() string {
	var parts []string
	if l.Memory != 0 {
		parts = append(parts, "memory "+FormatSize(l.Memory))
	}
	if l.Time != 0 {
		parts = append(parts, "time "+FormatDuration(l.Time))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Check reports whether l's ceilings are well formed: what ParseSize and
// ParseDuration accept, or zero.
func (l Limits) Check() error {
	if l.Memory != 0 {
		if err := checkSize(l.Memory); err != nil {
			return err
		}
	}
	if l.Time != 0 {
		if err := checkDuration(l.Time); err != nil {
			return err
		}
	}
	return nil
}

// The units of sizes, largest first.
var sizeUnits = []struct {
	name string
	n    uint64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}

// ParseSize parses a memory size: a positive whole number and a unit, KiB,
// MiB or GiB ("64MiB", "1GiB"), or a number of bytes without one. It must
// be a whole number of 64 KiB WebAssembly pages, at most 4GiB.
func ParseSize(s string) (uint64, error) {
	digits, unit := splitNumber(s)
	mult := uint64(0)
	switch unit {
	case "":
		mult = 1
	case "KiB", "MiB", "GiB":
		for _, u := range sizeUnits {
			if u.name == unit {
				mult = u.n
			}
		}
	}
	if digits == "" || mult == 0 || leadingZero(digits) {
		return 0, fmt.Errorf("size %q is not a whole number and a unit: KiB, MiB or GiB, as in \"64MiB\"", s)
	}
	n, ok := number(digits)
	if !ok || n > MaxMemory/mult {
		return 0, fmt.Errorf("size %q is more than the 4GiB a wasm memory can have", s)
	}
	if err := checkSize(n * mult); err != nil {
		return 0, fmt.Errorf("size %q: %v", s, err)
	}
	return n * mult, nil
}

func checkSize(n uint64) error {
	switch {
	case n == 0:
		return errors.New("a memory ceiling must be positive")
	case n > MaxMemory:
		return fmt.Errorf("%d bytes is more than the 4GiB a wasm memory can have", n)
	case n%PageSize != 0:
		return fmt.Errorf("%d bytes is not a whole number of 64KiB wasm pages (try %s)", n, FormatSize((n/PageSize+1)*PageSize))
	}
	return nil
}

// FormatSize returns the canonical form of a size: in the largest unit
// that divides it ("64MiB", "1GiB", "192KiB"), or in bytes.
func FormatSize(n uint64) string {
	for _, u := range sizeUnits {
		if n != 0 && n%u.n == 0 {
			return strconv.FormatUint(n/u.n, 10) + u.name
		}
	}
	return strconv.FormatUint(n, 10)
}

// The units of durations, largest first.
var timeUnits = []struct {
	name string
	d    time.Duration
}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}}

// ParseDuration parses a time ceiling: a positive whole number and a unit,
// ms, s, m or h ("500ms", "30s", "5m", "1h"), at most 24h. Go's other forms
// ("1h30m", "1.5s", "-5m") are refused: one number, one unit.
func ParseDuration(s string) (time.Duration, error) {
	digits, unit := splitNumber(s)
	var d time.Duration
	for _, u := range timeUnits {
		if u.name == unit {
			d = u.d
		}
	}
	if digits == "" || d == 0 || leadingZero(digits) {
		return 0, fmt.Errorf("duration %q is not a whole number and a unit: ms, s, m or h, as in \"30s\"", s)
	}
	n, ok := number(digits)
	if !ok || n > uint64(MaxTime/d) {
		return 0, fmt.Errorf("duration %q is more than 24h", s)
	}
	if err := checkDuration(time.Duration(n) * d); err != nil {
		return 0, fmt.Errorf("duration %q: %v", s, err)
	}
	return time.Duration(n) * d, nil
}

func checkDuration(d time.Duration) error {
	switch {
	case d <= 0:
		return errors.New("a time ceiling must be positive")
	case d > MaxTime:
		return fmt.Errorf("%s is more than 24h", d)
	case d%time.Millisecond != 0:
		return fmt.Errorf("%s is not a whole number of milliseconds", d)
	}
	return nil
}

// FormatDuration returns the canonical form of a duration: in the largest
// unit that divides it ("5s", "90s", "1500ms", "2h").
func FormatDuration(d time.Duration) string {
	for _, u := range timeUnits {
		if d != 0 && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

// splitNumber splits s into its leading decimal digits and the rest.
func splitNumber(s string) (digits, unit string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// leadingZero reports whether digits has a zero before others: "064".
func leadingZero(digits string) bool { return len(digits) > 1 && digits[0] == '0' }

// number parses decimal digits; false when they overflow.
func number(digits string) (uint64, bool) {
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// limitsJSON is the form of Limits in a bundle: bytes and milliseconds.
type limitsJSON struct {
	Memory uint64 `json:"memory,omitempty"`
	TimeMS uint64 `json:"time_ms,omitempty"`
}

// MarshalJSON writes {"memory": BYTES, "time_ms": MILLISECONDS}, each
// omitted when there is no such ceiling.
func (l Limits) MarshalJSON() ([]byte, error) {
	return json.Marshal(limitsJSON{Memory: l.Memory, TimeMS: uint64(l.Time / time.Millisecond)})
}

// UnmarshalJSON reads what MarshalJSON writes and checks it: a bundle is
// hostile input.
func (l *Limits) UnmarshalJSON(data []byte) error {
	var j limitsJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if j.TimeMS > uint64(MaxTime/time.Millisecond) {
		return fmt.Errorf("limits: time_ms %d is more than 24h", j.TimeMS)
	}
	v := Limits{Memory: j.Memory, Time: time.Duration(j.TimeMS) * time.Millisecond}
	if err := v.Check(); err != nil {
		return fmt.Errorf("limits: %v", err)
	}
	*l = v
	return nil
}
