package limits

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in    string
		want  uint64
		canon string
	}{
		{"64KiB", 64 << 10, "64KiB"},
		{"65536", 65536, "64KiB"},
		{"128KiB", 128 << 10, "128KiB"},
		{"1024KiB", 1 << 20, "1MiB"},
		{"64MiB", 64 << 20, "64MiB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"4GiB", 4 << 30, "4GiB"},
		{"4096MiB", 4 << 30, "4GiB"},
		{"192KiB", 192 << 10, "192KiB"},
	} {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
			continue
		}
		if s := FormatSize(got); s != tt.canon {
			t.Errorf("FormatSize(%d) = %q, want %q", got, s, tt.canon)
		}
	}
	for _, tt := range []struct{ in, err string }{
		{"", "not a whole number and a unit"},
		{"MiB", "not a whole number and a unit"},
		{"64", "not a whole number of 64KiB wasm pages (try 64KiB)"},
		{"100KiB", "not a whole number of 64KiB wasm pages (try 128KiB)"},
		{"0", "must be positive"},
		{"0MiB", "must be positive"},
		{"064MiB", "not a whole number and a unit"},
		{"64 MiB", "not a whole number and a unit"},
		{"64mib", "not a whole number and a unit"},
		{"64MB", "not a whole number and a unit"},
		{"1.5GiB", "not a whole number and a unit"},
		{"-64MiB", "not a whole number and a unit"},
		{"+64MiB", "not a whole number and a unit"},
		{"5GiB", "more than the 4GiB"},
		{"4097MiB", "more than the 4GiB"},
		{"99999999999999999999999", "more than the 4GiB"},
		{"18446744073709551615GiB", "more than the 4GiB"},
	} {
		got, err := ParseSize(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseSize(%q) = %d, %v, want an error saying %q", tt.in, got, err, tt.err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in    string
		want  time.Duration
		canon string
	}{
		{"500ms", 500 * time.Millisecond, "500ms"},
		{"1000ms", time.Second, "1s"},
		{"1500ms", 1500 * time.Millisecond, "1500ms"},
		{"30s", 30 * time.Second, "30s"},
		{"90s", 90 * time.Second, "90s"},
		{"120s", 2 * time.Minute, "2m"},
		{"5m", 5 * time.Minute, "5m"},
		{"60m", time.Hour, "1h"},
		{"1h", time.Hour, "1h"},
		{"24h", 24 * time.Hour, "24h"},
		{"1ms", time.Millisecond, "1ms"},
	} {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			continue
		}
		if s := FormatDuration(got); s != tt.canon {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, s, tt.canon)
		}
	}
	for _, tt := range []struct{ in, err string }{
		{"", "not a whole number and a unit"},
		{"30", "not a whole number and a unit"},
		{"s", "not a whole number and a unit"},
		{"1h-5m", "not a whole number and a unit"},
		{"1h30m", "not a whole number and a unit"},
		{"1.5s", "not a whole number and a unit"},
		{"-5m", "not a whole number and a unit"},
		{"5us", "not a whole number and a unit"},
		{"5ns", "not a whole number and a unit"},
		{"5d", "not a whole number and a unit"},
		{"05s", "not a whole number and a unit"},
		{"5 s", "not a whole number and a unit"},
		{"0s", "must be positive"},
		{"0ms", "must be positive"},
		{"25h", "more than 24h"},
		{"86400001ms", "more than 24h"},
		{"1441m", "more than 24h"},
		{"99999999999999999999h", "more than 24h"},
	} {
		got, err := ParseDuration(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseDuration(%q) = %v, %v, want an error saying %q", tt.in, got, err, tt.err)
		}
	}
}

func TestWithinMin(t *testing.T) {
	const mib = 1 << 20
	none := Limits{}
	m64 := Limits{Memory: 64 * mib}
	m128 := Limits{Memory: 128 * mib}
	t5 := Limits{Time: 5 * time.Second}
	both := Limits{Memory: 64 * mib, Time: 5 * time.Second}
	for _, tt := range []struct {
		inner, outer Limits
		want         bool
	}{
		{none, none, true},
		{m64, none, true},
		{m64, m64, true},
		{m64, m128, true},
		{m128, m64, false},
		{none, m64, false}, // no ceiling is unbounded
		{t5, m64, false},
		{both, m64, true},
		{both, both, true},
		{m64, both, false},
		{Limits{Memory: 64 * mib, Time: 6 * time.Second}, both, false},
	} {
		if got := tt.inner.Within(tt.outer); got != tt.want {
			t.Errorf("%v.Within(%v) = %v, want %v", tt.inner, tt.outer, got, tt.want)
		}
	}
	for _, tt := range []struct{ a, b, want Limits }{
		{none, none, none},
		{m64, none, m64},
		{none, m64, m64},
		{m64, m128, m64},
		{m128, t5, Limits{Memory: 128 * mib, Time: 5 * time.Second}},
		{both, Limits{Memory: 128 * mib, Time: time.Second}, Limits{Memory: 64 * mib, Time: time.Second}},
	} {
		if got := Min(tt.a, tt.b); got != tt.want {
			t.Errorf("Min(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Min(tt.a, tt.b); !got.Within(tt.a) && !tt.a.IsZero() {
			t.Errorf("Min(%v, %v) = %v, not within %v", tt.a, tt.b, got, tt.a)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tt := range []struct {
		l    Limits
		json string
	}{
		{Limits{}, `{}`},
		{Limits{Memory: 64 << 20}, `{"memory":67108864}`},
		{Limits{Time: 1500 * time.Millisecond}, `{"time_ms":1500}`},
		{Limits{Memory: 65536, Time: time.Hour}, `{"memory":65536,"time_ms":3600000}`},
	} {
		data, err := json.Marshal(tt.l)
		if err != nil || string(data) != tt.json {
			t.Errorf("json.Marshal(%v) = %s, %v, want %s", tt.l, data, err, tt.json)
		}
		var back Limits
		if err := json.Unmarshal(data, &back); err != nil || back != tt.l {
			t.Errorf("json.Unmarshal(%s) = %v, %v, want %v", data, back, err, tt.l)
		}
	}
	for _, in := range []string{
		`{"memory":100}`,
		`{"memory":8589934592}`,
		`{"memory":-65536}`,
		`{"time_ms":86400001}`,
		`{"time_ms":18446744073709551615}`,
		`{"time_ms":-1}`,
		`{"memory":"64MiB"}`,
		`[]`,
	} {
		var l Limits
		if err := json.Unmarshal([]byte(in), &l); err == nil {
			t.Errorf("json.Unmarshal(%s) = %v, nil, want an error", in, l)
		}
	}
}

// FuzzParseSize checks that what ParseSize accepts is a valid size whose
// canonical form parses back to it, and that FormatSize of any valid size
// parses back.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64KiB", "65536", "1GiB", "4GiB", "100KiB", "0", "064MiB", "5GiB", "1.5MiB", "18446744073709551615GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			if n != 0 {
				t.Errorf("ParseSize(%q) = %d with an error", s, n)
			}
			return
		}
		if checkSize(n) != nil {
			t.Fatalf("ParseSize(%q) = %d, not a valid size", s, n)
		}
		c := FormatSize(n)
		back, err := ParseSize(c)
		if err != nil || back != n {
			t.Fatalf("ParseSize(FormatSize(%d) = %q) = %d, %v", n, c, back, err)
		}
		if FormatSize(back) != c {
			t.Fatalf("FormatSize is not stable on %q", c)
		}
	})
}

// FuzzParseDuration is FuzzParseSize for durations.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"500ms", "30s", "5m", "1h", "24h", "1h-5m", "1.5s", "0s", "25h", "99999999999999999999h", "86400000ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Errorf("ParseDuration(%q) = %v with an error", s, d)
			}
			return
		}
		if checkDuration(d) != nil {
			t.Fatalf("ParseDuration(%q) = %v, not a valid duration", s, d)
		}
		c := FormatDuration(d)
		back, err := ParseDuration(c)
		if err != nil || back != d {
			t.Fatalf("ParseDuration(FormatDuration(%v) = %q) = %v, %v", d, c, back, err)
		}
		if FormatDuration(back) != c {
			t.Fatalf("FormatDuration is not stable on %q", c)
		}
	})
}
