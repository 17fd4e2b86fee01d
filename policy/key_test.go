package policy

import (
	"strings"
	"testing"
)

// testKey parses s in its canonical text form, or as a grant "fs:SLOT=SOURCE"
// that leaves the access to the child, and checks that String gives s back.
func testKey(t testing.TB, s string) Key {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		slot, src, ok := strings.Cut(strings.TrimPrefix(s, "fs:"), "=")
		if !strings.HasPrefix(s, "fs:") || !ok {
			t.Fatalf("ParseKey(%q): %v", s, err)
		}
		if k, err = ParseGrantFS(slot, src); err != nil {
			t.Fatalf("ParseGrantFS(%q, %q): %v", slot, src, err)
		}
	}
	if got := k.String(); got != s {
		t.Fatalf("key(%q).String() = %q, want %q", s, got, s)
	}
	return k
}

// testKeys parses a space-separated list of keys, as testKey does.
func testKeys(t testing.TB, list string) []Key {
	t.Helper()
	var out []Key
	for _, s := range strings.Fields(list) {
		out = append(out, testKey(t, s))
	}
	return out
}

// keyString prints keys space-separated, the inverse of testKeys.
func keyString[S ~[]Key](ks S) string {
	var b []string
	for _, k := range ks {
		b = append(b, k.String())
	}
	return strings.Join(b, " ")
}

// roundTripKeys are keys in canonical text form and what they parse to.
var roundTripKeys = []struct {
	in   string
	want Key
}{
	{"fs:data:ro", Key{Kind: FS, Name: "data", Access: RO}},
	{"fs:data:rw", Key{Kind: FS, Name: "data", Access: RW}},
	{"fs:cache_1-x:ro", Key{Kind: FS, Name: "cache_1-x", Access: RO}},
	{"fs:" + strings.Repeat("a", 63) + ":rw", Key{Kind: FS, Name: strings.Repeat("a", 63), Access: RW}},
	{"fs:out=data:rw", Key{Kind: FS, Name: "out", Source: "data", Access: RW}},
	{"fs:out=data/uploads:ro", Key{Kind: FS, Name: "out", Source: "data/uploads", Access: RO}},
	{"fs:out=data/uploads/2024.d/x_y:rw", Key{Kind: FS, Name: "out", Source: "data/uploads/2024.d/x_y", Access: RW}},
	{"fs:out=data/a=b:ro", Key{Kind: FS, Name: "out", Source: "data/a=b", Access: RO}},
	{"net:api.example.com:443", Key{Kind: Net, Name: "api.example.com", Port: "443"}},
	{"net:localhost:8080", Key{Kind: Net, Name: "localhost", Port: "8080"}},
	{"net:a-b.c0.example:1", Key{Kind: Net, Name: "a-b.c0.example", Port: "1"}},
	{"net:123.example.com:65535", Key{Kind: Net, Name: "123.example.com", Port: "65535"}},
	{"net:xn--bcher-kva.example:443", Key{Kind: Net, Name: "xn--bcher-kva.example", Port: "443"}},
	{"net:*.cdn.example.com:443", Key{Kind: Net, Name: "*.cdn.example.com", Port: "443"}},
	{"net:*.com:*", Key{Kind: Net, Name: "*.com", Port: "*"}},
	{"net:api.example.com:*", Key{Kind: Net, Name: "api.example.com", Port: "*"}},
	{"net:1.2.3.4:80", Key{Kind: Net, Name: "1.2.3.4", Port: "80"}},
	{"net:0.0.0.0:*", Key{Kind: Net, Name: "0.0.0.0", Port: "*"}},
	{"net:255.255.255.255:443", Key{Kind: Net, Name: "255.255.255.255", Port: "443"}},
	{"net:[::1]:443", Key{Kind: Net, Name: "[::1]", Port: "443"}},
	{"net:[2001:db8::1]:*", Key{Kind: Net, Name: "[2001:db8::1]", Port: "*"}},
	{"net:[::102:304]:80", Key{Kind: Net, Name: "[::102:304]", Port: "80"}},
	{"net:1e3.example:80", Key{Kind: Net, Name: "1e3.example", Port: "80"}},
	{"net:0x1.example:80", Key{Kind: Net, Name: "0x1.example", Port: "80"}},
	{"env:LANG", Key{Kind: Env, Name: "LANG"}},
	{"env:_x9", Key{Kind: Env, Name: "_x9"}},
	{"env:lower_Case", Key{Kind: Env, Name: "lower_Case"}},
	{"clock", Key{Kind: Clock}},
	{"random", Key{Kind: Random}},
	{"stdio:stdin", Key{Kind: Stdio, Name: "stdin"}},
	{"stdio:stdout", Key{Kind: Stdio, Name: "stdout"}},
	{"stdio:stderr", Key{Kind: Stdio, Name: "stderr"}},
	{"spawn:acme:worker", Key{Kind: Spawn, Name: "acme:worker"}},
	{"spawn:a:b-2", Key{Kind: Spawn, Name: "a:b-2"}},
}

func TestParseKey(t *testing.T) {
	for _, tt := range roundTripKeys {
		k, err := ParseKey(tt.in)
		if err != nil || k != tt.want {
			t.Errorf("ParseKey(%q) = %#v, %v, want %#v", tt.in, k, err, tt.want)
			continue
		}
		if got := k.String(); got != tt.in {
			t.Errorf("ParseKey(%q).String() = %q, want %q", tt.in, got, tt.in)
		}
	}
}

const badHost = ` is not a lowercase DNS name, *.NAME or IP literal`

// badKeyTests are malformed keys and the error each gives.
var badKeyTests = []struct{ in, err string }{
	// kinds
	{"", `key "": not a kind of key (fs, net, env, clock, random, stdio, spawn)`},
	{"disk:x", `key "disk:x": unknown kind "disk"`},
	{"FS:data:rw", `key "FS:data:rw": unknown kind "FS"`},
	{"clock:x", `key "clock:x": clock takes no argument`},
	{"clock:", `key "clock:": clock takes no argument`},
	{"random:true", `key "random:true": random takes no argument`},
	// fs
	{"fs:data", `key "fs:data": fs key has no :ro or :rw`},
	{"fs:", `key "fs:": fs key has no :ro or :rw`},
	{"fs:data:rx", `key "fs:data:rx": access "rx" is not "ro" or "rw"`},
	{"fs:data:RW", `key "fs:data:RW": access "RW" is not "ro" or "rw"`},
	{"fs:data:", `key "fs:data:": access "" is not "ro" or "rw"`},
	{"fs::rw", `key "fs::rw": fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:Data:rw", `key "fs:Data:rw": fs slot "Data" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:1data:rw", `key "fs:1data:rw": fs slot "1data" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:da.ta:rw", `key "fs:da.ta:rw": fs slot "da.ta" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:out=:rw", `key "fs:out=:rw": fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:out=Data:rw", `key "fs:out=Data:rw": fs slot "Data" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:out=/data:rw", `key "fs:out=/data:rw": fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
	{"fs:out=data/:rw", `key "fs:out=data/:rw": empty sub-path`},
	{"fs:out=data//x:rw", `key "fs:out=data//x:rw": sub-path "/x" has an empty or absolute part`},
	{"fs:out=data/x/:rw", `key "fs:out=data/x/:rw": sub-path "x/" has an empty or absolute part`},
	{"fs:out=data/..:ro", `key "fs:out=data/..:ro": sub-path ".." has a ".." part`},
	{"fs:out=data/a/../b:ro", `key "fs:out=data/a/../b:ro": sub-path "a/../b" has a ".." part`},
	{"fs:out=data/./b:ro", `key "fs:out=data/./b:ro": sub-path "./b" has a "." part`},
	{"fs:out=data/a\\b:ro", `key "fs:out=data/a\\b:ro": sub-path "a\\b" has a backslash, colon or NUL`},
	{"fs:out=data/a:b:rw", `key "fs:out=data/a:b:rw": sub-path "a:b" has a backslash, colon or NUL`},
	{"fs:out=data/a\x00b:ro", `key "fs:out=data/a\x00b:ro": sub-path "a\x00b" has a backslash, colon or NUL`},
	{"fs:out=data", `key "fs:out=data": fs key has no :ro or :rw`},
	// net: host
	{"net:API.example.com:443", `net pattern "API.example.com:443": host "API.example.com"` + badHost},
	{"net:api.Example.com:443", `net pattern "api.Example.com:443": host "api.Example.com"` + badHost},
	{"net::443", `net pattern ":443": host "" is empty or too long`},
	{"net:*.:443", `net pattern "*.:443": host "*." is empty or too long`},
	{"net:*:443", `net pattern "*:443": host "*"` + badHost},
	{"net:**.example.com:443", `net pattern "**.example.com:443": host "**.example.com"` + badHost},
	{"net:a.*.example.com:443", `net pattern "a.*.example.com:443": host "a.*.example.com"` + badHost},
	{"net:-a.com:443", `net pattern "-a.com:443": host "-a.com"` + badHost},
	{"net:a-.com:443", `net pattern "a-.com:443": host "a-.com"` + badHost},
	{"net:a..com:443", `net pattern "a..com:443": host "a..com"` + badHost},
	{"net:.a.com:443", `net pattern ".a.com:443": host ".a.com"` + badHost},
	{"net:a.com.:443", `net pattern "a.com.:443": host "a.com."` + badHost},
	{"net:a_b.com:443", `net pattern "a_b.com:443": host "a_b.com"` + badHost},
	{"net:" + strings.Repeat("a", 64) + ".com:443", `net pattern "` + strings.Repeat("a", 64) + `.com:443": host "` + strings.Repeat("a", 64) + `.com"` + badHost},
	{"net:" + strings.Repeat("a.", 127) + "ab:443", `net pattern "` + strings.Repeat("a.", 127) + `ab:443": host "` + strings.Repeat("a.", 127) + `ab" is empty or too long`},
	// net: IP literals
	{"net:*.1.2.3.4:443", `net pattern "*.1.2.3.4:443": host "*.1.2.3.4" is not a valid IPv4 literal`},
	{"net:*.3.4:443", `net pattern "*.3.4:443": host "*.3.4" is not a valid IPv4 literal`},
	{"net:1.2.3:80", `net pattern "1.2.3:80": host "1.2.3" is not a valid IPv4 literal`},
	{"net:256.1.1.1:80", `net pattern "256.1.1.1:80": host "256.1.1.1" is not a valid IPv4 literal`},
	{"net:01.2.3.4:80", `net pattern "01.2.3.4:80": host "01.2.3.4" is not a valid IPv4 literal`},
	{"net:1.2.3.4.5:80", `net pattern "1.2.3.4.5:80": host "1.2.3.4.5" is not a valid IPv4 literal`},
	{"net:::1:443", `net pattern "::1:443": host "::1"` + badHost},
	{"net:[::01]:443", `net pattern "[::01]:443": host "[::01]" is not a canonical IPv6 literal`},
	{"net:[0:0:0:0:0:0:0:1]:443", `net pattern "[0:0:0:0:0:0:0:1]:443": host "[0:0:0:0:0:0:0:1]" is not a canonical IPv6 literal`},
	{"net:[2001:DB8::1]:443", `net pattern "[2001:DB8::1]:443": host "[2001:DB8::1]" is not a canonical IPv6 literal`},
	{"net:[::1%eth0]:443", `net pattern "[::1%eth0]:443": host "[::1%eth0]" is not a canonical IPv6 literal`},
	{"net:[1.2.3.4]:443", `net pattern "[1.2.3.4]:443": host "[1.2.3.4]" is not a canonical IPv6 literal`},
	{"net:[::1:443", `net pattern "[::1:443": host "[::1" is not a canonical IPv6 literal`},
	{"net:[::1]", `net pattern "[::1]": port "1]" is not 1-65535 or *`},
	// net: one spelling per address: the IPv4-mapped form and IPv4 other
	// than dotted decimal are refused (a host whose last label is a number
	// is an IPv4 literal to URL parsers and inet_aton, never a DNS name)
	{"net:[::ffff:1.2.3.4]:80", `net pattern "[::ffff:1.2.3.4]:80": host "[::ffff:1.2.3.4]" is an IPv4-mapped IPv6 address: write it as 1.2.3.4`},
	{"net:[::ffff:127.0.0.1]:443", `net pattern "[::ffff:127.0.0.1]:443": host "[::ffff:127.0.0.1]" is an IPv4-mapped IPv6 address: write it as 127.0.0.1`},
	{"net:[::ffff:7f00:1]:443", `net pattern "[::ffff:7f00:1]:443": host "[::ffff:7f00:1]" is an IPv4-mapped IPv6 address: write it as 127.0.0.1`},
	{"net:[::FFFF:7F00:1]:443", `net pattern "[::FFFF:7F00:1]:443": host "[::FFFF:7F00:1]" is an IPv4-mapped IPv6 address: write it as 127.0.0.1`},
	{"net:[::ffff:127.0.0.1%eth0]:443", `net pattern "[::ffff:127.0.0.1%eth0]:443": host "[::ffff:127.0.0.1%eth0]" is not a canonical IPv6 literal`},
	{"net:[::1.2.3.4]:80", `net pattern "[::1.2.3.4]:80": host "[::1.2.3.4]" is not a canonical IPv6 literal`},
	{"net:127.1:80", `net pattern "127.1:80": host "127.1" is not a valid IPv4 literal`},
	{"net:127.0.1:80", `net pattern "127.0.1:80": host "127.0.1" is not a valid IPv4 literal`},
	{"net:2130706433:80", `net pattern "2130706433:80": host "2130706433" is not a valid IPv4 literal`},
	{"net:0177.0.0.1:80", `net pattern "0177.0.0.1:80": host "0177.0.0.1" is not a valid IPv4 literal`},
	{"net:0x7f.0.0.1:80", `net pattern "0x7f.0.0.1:80": host "0x7f.0.0.1" is not a valid IPv4 literal`},
	{"net:0x7f000001:80", `net pattern "0x7f000001:80": host "0x7f000001" is not a valid IPv4 literal`},
	{"net:127.0.0.0x1:80", `net pattern "127.0.0.0x1:80": host "127.0.0.0x1" is not a valid IPv4 literal`},
	{"net:a.0x:80", `net pattern "a.0x:80": host "a.0x" is not a valid IPv4 literal`},
	{"net:example.1:80", `net pattern "example.1:80": host "example.1" is not a valid IPv4 literal`},
	{"net:*.example.0xff:80", `net pattern "*.example.0xff:80": host "*.example.0xff" is not a valid IPv4 literal`},
	// net: port
	{"net:example.com", `net pattern "example.com" has no :PORT`},
	{"net:", `net pattern "" has no :PORT`},
	{"net:example.com:", `net pattern "example.com:": port "" is not 1-65535 or *`},
	{"net:example.com:0", `net pattern "example.com:0": port "0" is not 1-65535 or *`},
	{"net:example.com:65536", `net pattern "example.com:65536": port "65536" is not 1-65535 or *`},
	{"net:example.com:08", `net pattern "example.com:08": port "08" is not 1-65535 or *`},
	{"net:example.com:+80", `net pattern "example.com:+80": port "+80" is not 1-65535 or *`},
	{"net:example.com:-1", `net pattern "example.com:-1": port "-1" is not 1-65535 or *`},
	{"net:example.com:**", `net pattern "example.com:**": port "**" is not 1-65535 or *`},
	{"net:example.com:http", `net pattern "example.com:http": port "http" is not 1-65535 or *`},
	{"net:example.com:443:443", `net pattern "example.com:443:443": host "example.com:443"` + badHost},
	// env
	{"env:", `key "env:": env name "" is not [A-Za-z_][A-Za-z0-9_]*`},
	{"env:1A", `key "env:1A": env name "1A" is not [A-Za-z_][A-Za-z0-9_]*`},
	{"env:A-B", `key "env:A-B": env name "A-B" is not [A-Za-z_][A-Za-z0-9_]*`},
	{"env:A=B", `key "env:A=B": env name "A=B" is not [A-Za-z_][A-Za-z0-9_]*`},
	{"env:A:B", `key "env:A:B": env name "A:B" is not [A-Za-z_][A-Za-z0-9_]*`},
	// stdio
	{"stdio:", `key "stdio:": stdio stream "" is not stdin, stdout or stderr`},
	{"stdio:stdlog", `key "stdio:stdlog": stdio stream "stdlog" is not stdin, stdout or stderr`},
	{"stdio:STDOUT", `key "stdio:STDOUT": stdio stream "STDOUT" is not stdin, stdout or stderr`},
	// spawn
	{"spawn:", `key "spawn:": package name "" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
	{"spawn:acme", `key "spawn:acme": package name "acme" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
	{"spawn:acme:", `key "spawn:acme:": package name "acme:" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
	{"spawn:Acme:zip", `key "spawn:Acme:zip": package name "Acme:zip" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
	{"spawn:acme:zip:1", `key "spawn:acme:zip:1": package name "acme:zip:1" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
	{"spawn:acme_x:zip", `key "spawn:acme_x:zip": package name "acme_x:zip" is not namespace:name, each part [a-z][a-z0-9-]{0,62}`},
}

func TestParseKeyErrors(t *testing.T) {
	for _, tt := range badKeyTests {
		k, err := ParseKey(tt.in)
		if err == nil {
			t.Errorf("ParseKey(%q) = %q, want error %q", tt.in, k, tt.err)
		} else if err.Error() != tt.err {
			t.Errorf("ParseKey(%q) error = %q, want %q", tt.in, err, tt.err)
		}
	}
}

func TestParseGrantFS(t *testing.T) {
	for _, tt := range []struct{ slot, value, want, err string }{
		{"out", "data", "fs:out=data", ""},
		{"out", "data/uploads", "fs:out=data/uploads", ""},
		{"out", "data/uploads/x:ro", "fs:out=data/uploads/x:ro", ""},
		{"out", "data:rw", "fs:out=data:rw", ""},
		{"Out", "data", "", `fs slot "Out" is not [a-z][a-z0-9_-]{0,62}`},
		{"", "data", "", `fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
		{"out", "", "", `fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
		{"out", ":rw", "", `fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
		{"out", "/data", "", `fs slot "" is not [a-z][a-z0-9_-]{0,62}`},
		{"out", "data:", "", `access "" is not "ro" or "rw"`},
		{"out", "data:RW", "", `access "RW" is not "ro" or "rw"`},
		{"out", "data:ro:rw", "", `access "ro:rw" is not "ro" or "rw"`},
		{"out", "data/", "", `empty sub-path`},
		{"out", "data/a//b", "", `sub-path "a//b" has an empty or absolute part`},
		{"out", "data/../x", "", `sub-path "../x" has a ".." part`},
		{"out", "data/./x:rw", "", `sub-path "./x" has a "." part`},
		{"out", "data/a\\b", "", `sub-path "a\\b" has a backslash, colon or NUL`},
	} {
		k, err := ParseGrantFS(tt.slot, tt.value)
		var got, gotErr string
		if err != nil {
			gotErr = err.Error()
		} else {
			got = k.String()
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("ParseGrantFS(%q, %q) = %q, %q, want %q, %q", tt.slot, tt.value, got, gotErr, tt.want, tt.err)
		}
	}
	// The grant key is what ParseKey gives for the same text form.
	k, _ := ParseGrantFS("out", "data/uploads:rw")
	if want := (Key{Kind: FS, Name: "out", Source: "data/uploads", Access: RW}); k != want {
		t.Errorf("ParseGrantFS(%q, %q) = %#v, want %#v", "out", "data/uploads:rw", k, want)
	}
	if got := k.SourceSlot(); got != "data" {
		t.Errorf("SourceSlot(%q) = %q, want %q", k, got, "data")
	}
}

// checkAll runs one of the Check functions over good (want "") and bad inputs.
func checkAll(t *testing.T, name string, check func(string) error, tests []struct{ in, err string }) {
	t.Helper()
	for _, tt := range tests {
		var got string
		if err := check(tt.in); err != nil {
			got = err.Error()
		}
		if got != tt.err {
			t.Errorf("%s(%q) = %q, want %q", name, tt.in, got, tt.err)
		}
	}
}

func TestCheckName(t *testing.T) {
	const bad = ` is not namespace:name, each part [a-z][a-z0-9-]{0,62}`
	long := strings.Repeat("a", 63)
	checkAll(t, "CheckName", CheckName, []struct{ in, err string }{
		{"acme:app", ""},
		{"a:b", ""},
		{"a-1:b-2", ""},
		{long + ":" + long, ""},
		{"", `package name ""` + bad},
		{"acme", `package name "acme"` + bad},
		{"acme:", `package name "acme:"` + bad},
		{":app", `package name ":app"` + bad},
		{"Acme:app", `package name "Acme:app"` + bad},
		{"acme:App", `package name "acme:App"` + bad},
		{"1acme:app", `package name "1acme:app"` + bad},
		{"-acme:app", `package name "-acme:app"` + bad},
		{"acme_x:app", `package name "acme_x:app"` + bad},
		{"acme:app:x", `package name "acme:app:x"` + bad},
		{"acme/app", `package name "acme/app"` + bad},
		{long + "a:app", `package name "` + long + `a:app"` + bad},
	})
}

func TestCheckSlot(t *testing.T) {
	const bad = ` is not [a-z][a-z0-9_-]{0,62}`
	long := strings.Repeat("a", 63)
	checkAll(t, "CheckSlot", CheckSlot, []struct{ in, err string }{
		{"data", ""},
		{"a", ""},
		{"cache_1-x", ""},
		{long, ""},
		{"", `fs slot ""` + bad},
		{"Data", `fs slot "Data"` + bad},
		{"1data", `fs slot "1data"` + bad},
		{"_data", `fs slot "_data"` + bad},
		{"da ta", `fs slot "da ta"` + bad},
		{"da.ta", `fs slot "da.ta"` + bad},
		{"da/ta", `fs slot "da/ta"` + bad},
		{long + "a", `fs slot "` + long + `a"` + bad},
	})
}

func TestCheckEnv(t *testing.T) {
	const bad = ` is not [A-Za-z_][A-Za-z0-9_]*`
	checkAll(t, "CheckEnv", CheckEnv, []struct{ in, err string }{
		{"LANG", ""},
		{"_", ""},
		{"a1", ""},
		{"A_B_9", ""},
		{strings.Repeat("X", 300), ""},
		{"", `env name ""` + bad},
		{"1A", `env name "1A"` + bad},
		{"A-B", `env name "A-B"` + bad},
		{"A B", `env name "A B"` + bad},
		{"A\n", `env name "A\n"` + bad},
		{"É", `env name "É"` + bad},
	})
}

func TestCheckStream(t *testing.T) {
	const bad = ` is not stdin, stdout or stderr`
	checkAll(t, "CheckStream", CheckStream, []struct{ in, err string }{
		{"stdin", ""},
		{"stdout", ""},
		{"stderr", ""},
		{"", `stdio stream ""` + bad},
		{"Stdout", `stdio stream "Stdout"` + bad},
		{"stdlog", `stdio stream "stdlog"` + bad},
	})
}

func TestCheckSubPath(t *testing.T) {
	checkAll(t, "CheckSubPath", CheckSubPath, []struct{ in, err string }{
		{"a", ""},
		{"uploads/2024", ""},
		{"a.b/..c/c..", ""},
		{"A B/ü", ""},
		{"", `empty sub-path`},
		{"/", `sub-path "/" has an empty or absolute part`},
		{"/a", `sub-path "/a" has an empty or absolute part`},
		{"a/", `sub-path "a/" has an empty or absolute part`},
		{"a//b", `sub-path "a//b" has an empty or absolute part`},
		{".", `sub-path "." has a "." part`},
		{"a/./b", `sub-path "a/./b" has a "." part`},
		{"..", `sub-path ".." has a ".." part`},
		{"a/..", `sub-path "a/.." has a ".." part`},
		{"../a", `sub-path "../a" has a ".." part`},
		{"a\\b", `sub-path "a\\b" has a backslash, colon or NUL`},
		{"a/\x00", `sub-path "a/\x00" has a backslash, colon or NUL`},
	})
}

func TestParseAccess(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Access
		err  string
	}{
		{"ro", RO, ""},
		{"rw", RW, ""},
		{"", 0, `access "" is not "ro" or "rw"`},
		{"RO", 0, `access "RO" is not "ro" or "rw"`},
		{"wo", 0, `access "wo" is not "ro" or "rw"`},
	} {
		a, err := ParseAccess(tt.in)
		var gotErr string
		if err != nil {
			gotErr = err.Error()
		}
		if a != tt.want || gotErr != tt.err {
			t.Errorf("ParseAccess(%q) = %q, %q, want %q, %q", tt.in, a, gotErr, tt.want, tt.err)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tt := range []struct {
		v    interface{ String() string }
		want string
	}{
		{FS, "fs"}, {Net, "net"}, {Env, "env"}, {Clock, "clock"},
		{Random, "random"}, {Stdio, "stdio"}, {Spawn, "spawn"},
		{Kind(0), "Kind(0)"}, {Kind(8), "Kind(8)"}, {Kind(255), "Kind(255)"},
		{AsDeclared, ""}, {RO, "ro"}, {RW, "rw"}, {Access(3), ""},
		{Key{Kind: FS, Name: "out", Source: "data/x"}, "fs:out=data/x"},
		{Key{Kind: FS, Name: "data"}, "fs:data"},
	} {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestKeyCovers(t *testing.T) {
	for _, tt := range []struct {
		k, c string
		want bool
	}{
		// fs: same slot, rw covers ro
		{"fs:data:rw", "fs:data:rw", true},
		{"fs:data:ro", "fs:data:ro", true},
		{"fs:data:rw", "fs:data:ro", true},
		{"fs:data:ro", "fs:data:rw", false},
		{"fs:data:rw", "fs:cache:ro", false},
		{"fs:data:rw", "fs:database:rw", false},
		// fs: sub-path inside
		{"fs:out=data:rw", "fs:out=data:rw", true},
		{"fs:out=data:rw", "fs:out=data/uploads:rw", true},
		{"fs:out=data:rw", "fs:out=data/uploads/x:ro", true},
		{"fs:out=data/uploads:rw", "fs:out=data/uploads/x:rw", true},
		{"fs:out=data/uploads:rw", "fs:out=data:rw", false},
		{"fs:out=data/uploads:rw", "fs:out=data/uploads2:rw", false},
		{"fs:out=data/uploads2:rw", "fs:out=data/uploads:rw", false},
		{"fs:out=data:rw", "fs:out=database:rw", false},
		{"fs:out=data:rw", "fs:out=cache:rw", false},
		{"fs:out=data:rw", "fs:in=data:rw", false},
		{"fs:out=data/uploads:ro", "fs:out=data/uploads/a:rw", false},
		{"fs:out=data:rw", "fs:out=data/a:ro", true},
		// fs: a declared key and a grant key never cover each other
		{"fs:out:rw", "fs:out=data:rw", false},
		{"fs:out=data:rw", "fs:out:rw", false},
		// fs: AsDeclared never covers and is never covered
		{"fs:out=data", "fs:out=data", false},
		{"fs:out=data", "fs:out=data:ro", false},
		{"fs:out=data", "fs:out=data/x:ro", false},
		{"fs:out=data:rw", "fs:out=data", false},
		{"fs:out=data:ro", "fs:out=data/x", false},
		// net: exact
		{"net:a.example.com:443", "net:a.example.com:443", true},
		{"net:a.example.com:443", "net:b.example.com:443", false},
		{"net:a.example.com:443", "net:a.example.com:80", false},
		{"net:example.com:443", "net:a.example.com:443", false},
		{"net:1.2.3.4:80", "net:1.2.3.4:80", true},
		{"net:1.2.3.4:80", "net:1.2.3.5:80", false},
		{"net:[::1]:443", "net:[::1]:443", true},
		{"net:[::1]:443", "net:[::2]:443", false},
		// net: *. wildcards
		{"net:*.example.com:443", "net:a.example.com:443", true},
		{"net:*.example.com:443", "net:a.b.example.com:443", true},
		{"net:*.example.com:443", "net:*.b.example.com:443", true},
		{"net:*.example.com:443", "net:*.example.com:443", true},
		{"net:*.com:443", "net:a.example.com:443", true},
		{"net:*.example.com:443", "net:example.com:443", false},
		{"net:*.example.com:443", "net:badexample.com:443", false},
		{"net:*.example.com:443", "net:*.badexample.com:443", false},
		{"net:*.example.com:443", "net:example.com.evil.org:443", false},
		{"net:*.example.com:443", "net:a.example.com:80", false},
		{"net:*.b.example.com:443", "net:*.example.com:443", false},
		{"net:*.b.example.com:443", "net:a.example.com:443", false},
		{"net:a.example.com:443", "net:*.example.com:443", false},
		{"net:*.example.com:443", "net:[::1]:443", false},
		// net: port *
		{"net:a.example.com:*", "net:a.example.com:80", true},
		{"net:a.example.com:*", "net:a.example.com:*", true},
		{"net:a.example.com:80", "net:a.example.com:*", false},
		{"net:*.example.com:*", "net:a.b.example.com:1", true},
		{"net:*.example.com:*", "net:*.a.example.com:*", true},
		{"net:a.example.com:*", "net:b.example.com:80", false},
		{"net:1.2.3.4:*", "net:1.2.3.4:65535", true},
		// env, stdio, spawn: by name
		{"env:LANG", "env:LANG", true},
		{"env:LANG", "env:lang", false},
		{"env:LANG", "env:LANGUAGE", false},
		{"stdio:stdout", "stdio:stdout", true},
		{"stdio:stdout", "stdio:stderr", false},
		{"spawn:acme:worker", "spawn:acme:worker", true},
		{"spawn:acme:worker", "spawn:acme:work", false},
		{"spawn:acme:worker", "spawn:other:worker", false},
		// clock, random
		{"clock", "clock", true},
		{"random", "random", true},
		// different kinds never cover
		{"clock", "random", false},
		{"random", "clock", false},
		{"env:stdout", "stdio:stdout", false},
		{"stdio:stdout", "env:stdout", false},
		{"fs:data:rw", "env:data", false},
		{"env:data", "fs:data:ro", false},
		{"net:*.example.com:*", "env:x", false},
		{"spawn:acme:zip", "env:acme", false},
	} {
		k, c := testKey(t, tt.k), testKey(t, tt.c)
		if got := k.Covers(c); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.k, tt.c, got, tt.want)
		}
		// A set of one key covers what the key covers.
		if got := NewSet(k).Covers(c); got != tt.want {
			t.Errorf("Set{%q}.Covers(%q) = %v, want %v", tt.k, tt.c, got, tt.want)
		}
	}
}

func TestSetCovers(t *testing.T) {
	const set = "fs:data:ro fs:out=data/uploads:rw net:*.example.com:443 net:api.example.org:* env:LANG clock stdio:stdout spawn:acme:worker"
	for _, tt := range []struct {
		set, c string
		want   bool
	}{
		{set, "fs:data:ro", true},
		{set, "fs:data:rw", false},
		{set, "fs:cache:ro", false},
		{set, "fs:out=data/uploads/x:rw", true},
		{set, "fs:out=data:ro", false},
		{set, "net:a.b.example.com:443", true},
		{set, "net:example.com:443", false},
		{set, "net:a.example.com:80", false},
		{set, "net:api.example.org:8443", true},
		{set, "net:www.example.org:443", false},
		{set, "env:LANG", true},
		{set, "env:TZ", false},
		{set, "clock", true},
		{set, "random", false},
		{set, "stdio:stdout", true},
		{set, "stdio:stdin", false},
		{set, "spawn:acme:worker", true},
		{set, "spawn:acme:zip", false},
		{"", "clock", false},
		{"", "fs:data:ro", false},
		// Two keys never add up to a wider one.
		{"net:a.com:80 net:a.com:443", "net:a.com:*", false},
		{"fs:data:ro fs:data:rw", "fs:data:rw", true},
	} {
		s := NewSet(testKeys(t, tt.set)...)
		if got := s.Covers(testKey(t, tt.c)); got != tt.want {
			t.Errorf("Set{%s}.Covers(%q) = %v, want %v", tt.set, tt.c, got, tt.want)
		}
	}
}

func TestSet(t *testing.T) {
	in := []string{"spawn:acme:w", "clock", "env:TZ", "net:b.com:443", "fs:data:rw", "env:LANG", "clock",
		"fs:data:ro", "stdio:stderr", "random", "net:a.com:443", "fs:out=data/x:rw", "net:a.com:*", "env:TZ"}
	s, err := ParseSet(in)
	if err != nil {
		t.Fatalf("ParseSet(%q): %v", in, err)
	}
	const want = "fs:data:ro fs:data:rw fs:out=data/x:rw net:a.com:* net:a.com:443 net:b.com:443 env:LANG env:TZ clock random stdio:stderr spawn:acme:w"
	if got := keyString(s); got != want {
		t.Errorf("ParseSet(%q) = %q, want %q", in, got, want)
	}
	if got := strings.Join(s.Strings(), " "); got != want {
		t.Errorf("Strings(%q) = %q, want %q", want, got, want)
	}
	if got := keyString(NewSet(testKeys(t, strings.Join(in, " "))...)); got != want {
		t.Errorf("NewSet(%q) = %q, want %q", in, got, want)
	}
	for _, k := range s {
		if !s.Contains(k) {
			t.Errorf("Contains(%q) = false, want true", k)
		}
	}
	for _, c := range []string{"fs:data=data:rw", "net:c.com:443", "env:HOME", "stdio:stdout", "fs:out:rw"} {
		if s.Contains(testKey(t, c)) {
			t.Errorf("Contains(%q) = true, want false", c)
		}
	}
	for _, tt := range []struct{ slot, want string }{
		{"data", "fs:data:ro"}, // the first of two
		{"out", ""},            // only a grant key
		{"cache", ""},
	} {
		var got string
		if k, ok := s.FS(tt.slot); ok {
			got = k.String()
		}
		if got != tt.want {
			t.Errorf("FS(%q) = %q, want %q", tt.slot, got, tt.want)
		}
	}
	if got, err := ParseSet([]string{"clock", "env:1"}); err == nil || err.Error() != `key "env:1": env name "1" is not [A-Za-z_][A-Za-z0-9_]*` {
		t.Errorf("ParseSet(%q) = %q, %v, want error", []string{"clock", "env:1"}, got, err)
	}
	if got, err := ParseSet(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseSet(nil) = %q, %v, want empty", got, err)
	}
}
