// Package policy is nano's key algebra: the keys a package can hold, when one
// key covers another and when an fs path nests in another (Within), how keys
// flow down a dependency edge (CheckFlow) and into a child started while its
// parent runs (SpawnEdge), how a key traces back along a path of edges
// (Trace) and maps onto the root's directories (Rooted), how two key sets
// differ, and the audit findings and approvals built on top of that. It is
// the one place that decides these: other packages ask it.
package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// A Kind is the kind of a key.
type Kind uint8

// The kinds of keys, in the order they sort and print.
const (
	FS Kind = iota + 1
	Net
	Env
	Clock
	Random
	Stdio
	Spawn
)

var kindNames = [...]string{FS: "fs", Net: "net", Env: "env", Clock: "clock", Random: "random", Stdio: "stdio", Spawn: "spawn"}

// String returns the Kind's text form.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// An Access is the access an fs key gives to its directory.
type Access uint8

// The accesses of an fs key. AsDeclared is only valid in a grant: the child
// gets the access it declares.
const (
	AsDeclared Access = iota
	RO
	RW
)

// String returns the Access's text form.
func (a Access) String() string {
	switch a {
	case RO:
		return "ro"
	case RW:
		return "rw"
	}
	return ""
}

// ParseAccess parses "ro" or "rw".
func ParseAccess(s string) (Access, error) {
	switch s {
	case "ro":
		return RO, nil
	case "rw":
		return RW, nil
	}
	return 0, fmt.Errorf("access %q is not \"ro\" or \"rw\"", s)
}

// A Key is one capability. Which fields are set depends on the kind:
//
//	FS      Name is the slot, Access its access; in a grant, Source is the
//	        granting package's slot and sub-path ("data/uploads").
//	Net     Name is the host pattern, Port the port or "*".
//	Env     Name is the variable.
//	Stdio   Name is the stream.
//	Spawn   Name is the package.
//	Clock, Random: no fields.
type Key struct {
	Kind   Kind
	Name   string
	Port   string
	Source string
	Access Access
}

// String returns the key's canonical text form, used in reports, lockfiles
// and approvals: fs:SLOT:ro, fs:SLOT=SOURCE:rw, net:HOST:PORT, env:NAME,
// clock, random, stdio:STREAM, spawn:NS:NAME.
func (k Key) String() string {
	switch k.Kind {
	case FS:
		s := "fs:" + k.Name
		if k.Source != "" {
			s += "=" + k.Source
		}
		if k.Access != AsDeclared {
			s += ":" + k.Access.String()
		}
		return s
	case Net:
		return "net:" + k.Name + ":" + k.Port
	case Clock, Random:
		return k.Kind.String()
	}
	return k.Kind.String() + ":" + k.Name
}

// Covers reports whether k is equal to or wider than c: a holder of k may
// hand c down. Both keys must be effective: a grant's AsDeclared access never
// covers and is never covered.
func (k Key) Covers(c Key) bool {
	if k.Kind != c.Kind {
		return false
	}
	switch k.Kind {
	case FS:
		return k.Name == c.Name && Within(c.Source, k.Source) &&
			c.Access != AsDeclared && k.Access >= c.Access
	case Net:
		return hostCovers(k.Name, c.Name) && (k.Port == "*" || k.Port == c.Port)
	case Clock, Random:
		return true
	}
	return k.Name == c.Name
}

// Within reports whether the fs path names base or a directory inside it.
// Both are slash-separated and clean, as the Source of an fs key: a slot and
// an optional sub-path ("data/uploads"), in the terms of a grant (the
// granting package's slot) or of a rooted key (the root's slot).
// "data/uploads2" is not within "data/uploads". The empty Source of a
// declared key is within itself only: a key without a source never covers
// one with a source, nor the other way round. Within is the one test of fs
// nesting: every comparison of fs sources goes through it.
func Within(path, base string) bool {
	return path == base || base != "" && strings.HasPrefix(path, base+"/")
}

// hostCovers reports whether host pattern p covers host pattern h.
func hostCovers(p, h string) bool {
	if p == h {
		return true
	}
	suffix, ok := strings.CutPrefix(p, "*")
	return ok && strings.HasSuffix(h, suffix) && len(h) > len(suffix)
}

// The names of keys and packages are checked by hand rather than by
// regular expressions: a lock or a registry repeats them by the thousand.
// key_test.go checks each against the expression it stands for.

func lower(c byte) bool { return c >= 'a' && c <= 'z' }
func digit(c byte) bool { return c >= '0' && c <= '9' }

// isSlot matches ^[a-z][a-z0-9_-]{0,62}$.
func isSlot(s string) bool {
	if len(s) == 0 || len(s) > 63 || !lower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !lower(c) && !digit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isEnv matches ^[A-Za-z_][A-Za-z0-9_]*$.
func isEnv(s string) bool {
	if len(s) == 0 || digit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !lower(c) && !(c >= 'A' && c <= 'Z') && !digit(c) && c != '_' {
			return false
		}
	}
	return true
}

// isPart matches ^[a-z][a-z0-9-]{0,62}$.
func isPart(s string) bool {
	if len(s) == 0 || len(s) > 63 || !lower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !lower(c) && !digit(c) && c != '-' {
			return false
		}
	}
	return true
}

// isDNSLabel matches ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$.
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !lower(c) && !digit(c) && c != '-' {
			return false
		}
	}
	return true
}

// CheckName reports whether name is a valid package name, namespace:name,
// each part [a-z][a-z0-9-]{0,62}.
func CheckName(name string) error {
	ns, n, ok := strings.Cut(name, ":")
	if !ok || !isPart(ns) || !isPart(n) {
		return fmt.Errorf("package name %q is not namespace:name, each part [a-z][a-z0-9-]{0,62}", name)
	}
	return nil
}

// CheckSlot reports whether slot is a valid fs slot name.
func CheckSlot(slot string) error {
	if !isSlot(slot) {
		return fmt.Errorf("fs slot %q is not [a-z][a-z0-9_-]{0,62}", slot)
	}
	return nil
}

// CheckEnv reports whether name is a valid environment variable name.
func CheckEnv(name string) error {
	if !isEnv(name) {
		return fmt.Errorf("env name %q is not [A-Za-z_][A-Za-z0-9_]*", name)
	}
	return nil
}

// CheckStream reports whether s names a standard stream.
func CheckStream(s string) error {
	switch s {
	case "stdin", "stdout", "stderr":
		return nil
	}
	return fmt.Errorf("stdio stream %q is not stdin, stdout or stderr", s)
}

// CheckSubPath reports whether p is a relative, clean path with no "..",
// empty or absolute parts.
func CheckSubPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty sub-path")
	}
	for part := range strings.SplitSeq(p, "/") {
		switch part {
		case "":
			return fmt.Errorf("sub-path %q has an empty or absolute part", p)
		case ".", "..":
			return fmt.Errorf("sub-path %q has a %q part", p, part)
		}
		if strings.ContainsAny(part, "\\:\x00") {
			return fmt.Errorf("sub-path %q has a backslash, colon or NUL", p)
		}
	}
	return nil
}

// ParseNet parses a network pattern HOST:PORT. HOST is a lowercase DNS name,
// "*." and a DNS name, an IPv4 literal in dotted decimal or a bracketed IPv6
// literal in its canonical form; PORT is a number from 1 to 65535 or "*".
// Keys match parsed addresses, not their spelling, so every address has one
// spelling: a host whose last label is a number (127.1, 0x7f.0.0.1) must be
// dotted-decimal IPv4, and the IPv4-mapped form [::ffff:127.0.0.1] is refused
// with the IPv4 form to write instead.
func ParseNet(s string) (Key, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return Key{}, fmt.Errorf("net pattern %q has no :PORT", s)
	}
	host, port := s[:i], s[i+1:]
	if port != "*" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return Key{}, fmt.Errorf("net pattern %q: port %q is not 1-65535 or *", s, port)
		}
	}
	if err := checkHost(host); err != nil {
		return Key{}, fmt.Errorf("net pattern %q: %v", s, err)
	}
	return Key{Kind: Net, Name: host, Port: port}, nil
}

func checkHost(host string) error {
	if inner, ok := strings.CutPrefix(host, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		a, err := netip.ParseAddr(inner)
		if ok && err == nil && a.Is4In6() && a.Zone() == "" {
			return fmt.Errorf("host %q is an IPv4-mapped IPv6 address: write it as %s", host, a.Unmap())
		}
		if !ok || err != nil || !a.Is6() || a.Zone() != "" || a.String() != inner {
			return fmt.Errorf("host %q is not a canonical IPv6 literal", host)
		}
		return nil
	}
	name, wild := strings.CutPrefix(host, "*.")
	if name == "" || len(name) > 253 {
		return fmt.Errorf("host %q is empty or too long", host)
	}
	for label := range strings.SplitSeq(name, ".") {
		if !isDNSLabel(label) {
			return fmt.Errorf("host %q is not a lowercase DNS name, *.NAME or IP literal", host)
		}
	}
	if numericHost(name) {
		if a, err := netip.ParseAddr(name); wild || err != nil || !a.Is4() {
			return fmt.Errorf("host %q is not a valid IPv4 literal", host)
		}
	}
	return nil
}

// numericHost reports whether a host of DNS labels is an IPv4 literal in
// some spelling: its last label is a decimal or 0x hexadecimal number, as
// URL parsers and inet_aton read it (127.1, 2130706433, 0x7f.0.0.1,
// 0177.0.0.1). No top-level domain is a number, so such a host is never a
// DNS name, and nano reads it only in dotted decimal.
func numericHost(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if hex, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// NetTarget returns the key of a concrete destination: the host a guest
// passes to connect, or that a URL names, and a port. Set.Covers tells
// whether a holder of some keys may reach it. A DNS name is lowercased,
// loses one trailing dot (the root: "example.com." is example.com) and is
// checked as in ParseNet. An IP literal is parsed and written canonically:
// IPv6, bare or bracketed, in brackets as in keys ("::1" is [::1]), and
// IPv4-mapped IPv6 as its IPv4 address (::ffff:127.0.0.1 is 127.0.0.1).
// IPv4 is read only in dotted decimal: other spellings (2130706433,
// 0x7f.0.0.1, 0177.0.0.1, 127.1), and any name whose last label is a
// number, are refused, never misread; so are zones, wildcards, port 0 and
// names that are not ASCII.
func NetTarget(host string, port uint16) (Key, error) {
	if port == 0 {
		return Key{}, fmt.Errorf("destination %q: port 0 is not 1-65535", host)
	}
	k := Key{Kind: Net, Port: strconv.Itoa(int(port))}
	if strings.ContainsRune(host, ':') {
		lit := host
		if inner, ok := strings.CutPrefix(host, "["); ok {
			if lit, ok = strings.CutSuffix(inner, "]"); !ok {
				return Key{}, fmt.Errorf("destination host %q has no closing bracket", host)
			}
		}
		a, err := netip.ParseAddr(lit)
		switch {
		case err != nil:
			return Key{}, fmt.Errorf("destination host %q is not an IP address or DNS name", host)
		case a.Zone() != "":
			return Key{}, fmt.Errorf("destination host %q: an IPv6 zone is not allowed", host)
		case a.Is4In6():
			k.Name = a.Unmap().String()
		default:
			k.Name = "[" + a.String() + "]"
		}
		return k, nil
	}
	// ASCII only: strings.ToLower would fold the Kelvin sign into "k".
	name := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSuffix(host, "."))
	if name == "" || len(name) > 253 {
		return Key{}, fmt.Errorf("destination host %q is empty or too long", host)
	}
	for label := range strings.SplitSeq(name, ".") {
		if !isDNSLabel(label) {
			return Key{}, fmt.Errorf("destination host %q is not an IP address or DNS name (ASCII letters, digits and hyphens; xn-- for other scripts)", host)
		}
	}
	if numericHost(name) {
		if a, err := netip.ParseAddr(name); err != nil || !a.Is4() {
			return Key{}, fmt.Errorf("destination host %q is not an IPv4 address in dotted decimal (four numbers 0-255, no leading zeros): nano does not read other spellings", host)
		}
	}
	k.Name = name
	return k, nil
}

// ParseKey parses a key in its canonical text form (see Key.String).
func ParseKey(s string) (Key, error) {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "clock", "random":
		if s != kind {
			return Key{}, fmt.Errorf("key %q: %s takes no argument", s, kind)
		}
		if kind == "clock" {
			return Key{Kind: Clock}, nil
		}
		return Key{Kind: Random}, nil
	case "fs":
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return Key{}, fmt.Errorf("key %q: fs key has no :ro or :rw", s)
		}
		access, err := ParseAccess(rest[i+1:])
		if err != nil {
			return Key{}, fmt.Errorf("key %q: %v", s, err)
		}
		slot, source, hasSource := strings.Cut(rest[:i], "=")
		if err := CheckSlot(slot); err != nil {
			return Key{}, fmt.Errorf("key %q: %v", s, err)
		}
		k := Key{Kind: FS, Name: slot, Access: access}
		if hasSource {
			if k.Source, err = parseSource(source); err != nil {
				return Key{}, fmt.Errorf("key %q: %v", s, err)
			}
		}
		return k, nil
	case "net":
		return ParseNet(rest)
	case "env":
		return nameKey(s, Env, rest, CheckEnv)
	case "stdio":
		return nameKey(s, Stdio, rest, CheckStream)
	case "spawn":
		return nameKey(s, Spawn, rest, CheckName)
	}
	if kind == s {
		return Key{}, fmt.Errorf("key %q: not a kind of key (fs, net, env, clock, random, stdio, spawn)", s)
	}
	return Key{}, fmt.Errorf("key %q: unknown kind %q", s, kind)
}

func nameKey(s string, kind Kind, name string, check func(string) error) (Key, error) {
	if err := check(name); err != nil {
		return Key{}, fmt.Errorf("key %q: %v", s, err)
	}
	return Key{Kind: kind, Name: name}, nil
}

// ParseGrantFS parses the value of an fs grant, SLOT[/SUB/PATH][:ro|:rw],
// into the grant key for the child's slot.
func ParseGrantFS(childSlot, value string) (Key, error) {
	if err := CheckSlot(childSlot); err != nil {
		return Key{}, err
	}
	k := Key{Kind: FS, Name: childSlot}
	if src, acc, ok := strings.Cut(value, ":"); ok {
		a, err := ParseAccess(acc)
		if err != nil {
			return Key{}, err
		}
		value, k.Access = src, a
	}
	var err error
	k.Source, err = parseSource(value)
	return k, err
}

// parseSource checks a grant source: a slot and an optional sub-path.
func parseSource(src string) (string, error) {
	slot, sub, hasSub := strings.Cut(src, "/")
	if err := CheckSlot(slot); err != nil {
		return "", err
	}
	if hasSub {
		if err := CheckSubPath(sub); err != nil {
			return "", err
		}
	}
	return src, nil
}

// SourceSlot returns the slot that an fs key's Source names: the granting
// package's, in a grant, or the root's, in rooted form.
func (k Key) SourceSlot() string {
	slot, _, _ := strings.Cut(k.Source, "/")
	return slot
}

// SubPath returns the sub-path in SourceSlot that an fs key's Source names,
// or "" for the whole slot.
func (k Key) SubPath() string {
	_, sub, _ := strings.Cut(k.Source, "/")
	return sub
}

// compare orders keys by kind, then their text fields.
func compare(a, b Key) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	return int(a.Access) - int(b.Access)
}

// A Set is a sorted list of distinct keys. The zero Set is empty.
type Set []Key

// NewSet returns the set of the given keys, sorted and without duplicates.
func NewSet(keys ...Key) Set {
	s := slices.Clone(keys)
	slices.SortFunc(s, compare)
	return slices.Compact(s)
}

// Covers reports whether some key of s covers c.
func (s Set) Covers(c Key) bool {
	return slices.ContainsFunc(s, func(k Key) bool { return k.Covers(c) })
}

// Contains reports whether s holds exactly k.
func (s Set) Contains(k Key) bool {
	_, ok := slices.BinarySearchFunc(s, k, compare)
	return ok
}

// FS returns the fs key of slot, if s holds one.
func (s Set) FS(slot string) (Key, bool) {
	for _, k := range s {
		if k.Kind == FS && k.Name == slot && k.Source == "" {
			return k, true
		}
	}
	return Key{}, false
}

// Strings returns the canonical text form of every key.
func (s Set) Strings() []string {
	out := make([]string, len(s))
	for i, k := range s {
		out[i] = k.String()
	}
	return out
}

// ParseSet parses keys in canonical text form into a set.
func ParseSet(texts []string) (Set, error) {
	keys := make([]Key, 0, len(texts))
	for _, t := range texts {
		k, err := ParseKey(t)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return NewSet(keys...), nil
}
