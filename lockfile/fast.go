package lockfile

import (
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/nanoproc/nano/internal/vtext"
	"github.com/nanoproc/nano/limits"
	"github.com/nanoproc/nano/policy"
)

// parseFast reads and checks a lock in exactly the form Marshal writes,
// straight into a Lock, with a few allocations for the whole file rather
// than a few for each line. It reports false for anything it does not
// read, and for any lock with a problem: Parse then reads the text the
// slow way (parseCanonical or the TOML decoder, then every check), which
// names each problem. For the locks it accepts it yields what the slow way
// yields (fast_test.go checks both on the same inputs).
func parseFast(data []byte) (*Lock, bool) { return parseFastText(string(data)) }

// parseFastText is parseFast of the text: every string the Lock holds is
// a part of it.
func parseFastText(text string) (*Lock, bool) {
	full := text
	// Size the arrays from the text, as Marshal writes it: a lock has
	// about 800 bytes of text a package, 160 an edge and 80 a dependency
	// (each package has about as many dependencies as edges).
	nPkgs, nEdges, nItems := len(text)/700, len(text)/140, len(text)/70
	var (
		pkgs     = make([]Package, 0, nPkgs+1)
		edges    = make([]Edge, 0, nEdges+1)
		items    = make([]string, 0, nItems+1) // the elements of every list, one array
		keyTexts []string                      // the keys or grant being read
		depFrom  = make([]int32, 0, nPkgs+1)   // where each package's dependencies start in items
		depLen   = make([]int32, 0, nPkgs+1)   // how many there are; -1 for no list
		versions = map[string]*semver.Version{}
		vstrings = map[*semver.Version]string{} // each version's String, as the slow way builds IDs
		keys     = map[string]policy.Key{}
		// The sets read, by the text of their list: thousands of edges
		// grant the same keys. One map for packages' own keys, one for
		// grants.
		sets    = [2]map[string]policy.Set{{}, {}}
		listAt  int  // where in full the items of the list being read start
		version bool // version = 1 was read

		pkg  *Package
		edge *Edge
		list int    // what the list being read is: 0 none, 'k' keys, 'd' dependencies, 'g' grant
		from int    // where in items the list began
		seen uint16 // the keys of the current table, one bit each
		line string
	)
	// done checks that the table just read has every key it needs.
	done := func() bool {
		switch {
		case pkg != nil:
			const need = 1<<1 | 1<<0 | 1<<2 | 1<<3 | 1<<4 // name, version, source, manifest, module
			return seen&need == need
		case edge != nil:
			const need = 1<<8 | 1<<9 // parent, child
			return seen&need == need
		}
		return true
	}
	// setKeys parses the keys just read.
	setKeys := func(dst *policy.Set, own bool, span string) bool {
		if len(keyTexts) == 0 {
			return true // policy.NewSet of nothing is nil
		}
		o := 0
		if own {
			o = 1
		}
		if set, ok := sets[o][span]; ok {
			*dst = set
			return true
		}
		ks := make([]policy.Key, len(keyTexts))
		for i, t := range keyTexts {
			k, ok := keys[t]
			if !ok {
				var err error
				if k, err = policy.ParseKey(t); err != nil {
					return false
				}
				keys[t] = k
			}
			if own && k.Source != "" {
				return false
			}
			ks[i] = k
		}
		// Capped: an append to one package's keys copies them.
		set := policy.NewSet(ks...)
		set = set[:len(set):len(set)]
		sets[o][span] = set
		*dst = set
		return true
	}
	for text != "" {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		if list != 0 {
			if line == "]" {
				span := full[listAt : len(full)-len(text)]
				switch list {
				case 'k':
					if !setKeys(&pkg.Keys, true, span) {
						return nil, false
					}
				case 'g':
					if !setKeys(&edge.Grant, false, span) {
						return nil, false
					}
				case 'd':
					depFrom[len(pkgs)-1], depLen[len(pkgs)-1] = int32(from), int32(len(items)-from)
				}
				list, keyTexts = 0, keyTexts[:0]
				continue
			}
			if len(line) <= 4 || line[0] != ' ' || line[1] != ' ' || line[len(line)-1] != ',' {
				return nil, false
			}
			s, ok := plainString(line[2 : len(line)-1])
			if !ok {
				return nil, false
			}
			if list == 'd' {
				items = append(items, s)
			} else {
				keyTexts = append(keyTexts, s)
			}
			continue
		}
		if len(line) == 0 {
			continue
		}
		switch line[0] {
		case '#':
			if !plainComment(line) {
				return nil, false
			}
			continue
		case '[':
			if !done() {
				return nil, false
			}
			switch line {
			case "[[package]]":
				pkgs = append(pkgs, Package{})
				depFrom, depLen = append(depFrom, 0), append(depLen, -1)
				pkg, edge = &pkgs[len(pkgs)-1], nil
			case "[[edge]]":
				edges = append(edges, Edge{})
				pkg, edge = nil, &edges[len(edges)-1]
			default:
				return nil, false
			}
			seen = 0
			continue
		}
		i := strings.Index(line, " = ")
		if i < 0 {
			return nil, false
		}
		key, value := line[:i], line[i+3:]
		bit := keyBit(key)
		if bit == 0 || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if value == "[" {
			switch {
			case pkg != nil && key == "keys":
				list, listAt = 'k', len(full)-len(text)
			case pkg != nil && key == "dependencies":
				list, from = 'd', len(items)
			case edge != nil && key == "grant":
				list, listAt = 'g', len(full)-len(text)
			default:
				return nil, false
			}
			continue
		}
		if pkg == nil && edge == nil {
			if key != "version" || value != "1" {
				return nil, false // another version, or not in the form of Marshal: Parse says which
			}
			version = true
			continue
		}
		s, ok := plainString(value)
		if !ok {
			return nil, false
		}
		if edge != nil {
			switch key {
			case "parent":
				edge.Parent = s
			case "child":
				edge.Child = s
			case "memory":
				n, err := limits.ParseSize(s)
				if err != nil {
					return nil, false
				}
				edge.Limits.Memory = n
			case "time":
				d, err := limits.ParseDuration(s)
				if err != nil {
					return nil, false
				}
				edge.Limits.Time = d
			default:
				return nil, false
			}
			continue
		}
		switch key {
		case "name":
			if policy.CheckName(s) != nil {
				return nil, false
			}
			pkg.Name = s
		case "version":
			v := versions[s]
			if v == nil {
				var err error
				if v, err = semver.StrictNewVersion(s); err != nil {
					return nil, false
				}
				versions[s] = v
			}
			pkg.Version = v
		case "source":
			if s != "registry" && checkSource(s) != nil {
				return nil, false
			}
			pkg.Source = s
		case "manifest", "module", "wit":
			if !isDigest(s) {
				return nil, false
			}
			switch key {
			case "manifest":
				pkg.Manifest = s
			case "module":
				pkg.Module = s
			default:
				pkg.WIT = s
			}
		default:
			return nil, false
		}
	}
	if list != 0 || !done() || !version {
		return nil, false
	}

	// Every package once; every dependency a package of the lock, once;
	// every edge along a dependency, once.
	l := &Lock{Packages: make([]*Package, len(pkgs)), Edges: make([]*Edge, len(edges))}
	ids := make(map[string]int32, len(pkgs))
	deps := make([]int32, len(items)) // the package each element of items names
	used := make([]bool, len(items))  // whether an edge goes along that dependency
	for i := range pkgs {
		p := &pkgs[i]
		l.Packages[i] = p
		if n := int(depLen[i]); n >= 0 {
			from := int(depFrom[i])
			p.Dependencies = items[from : from+n : from+n]
		}
		vs, ok := vstrings[p.Version]
		if !ok {
			vs = vtext.String(p.Version)
			vstrings[p.Version] = vs
		}
		id := p.Name + " " + vs
		if _, dup := ids[id]; dup {
			return nil, false
		}
		ids[id] = int32(i)
	}
	for i := range pkgs {
		p := &pkgs[i]
		from := depFrom[i]
		for j, dep := range p.Dependencies {
			c, ok := ids[dep]
			if !ok || slices.Contains(p.Dependencies[:j], dep) {
				return nil, false
			}
			deps[int(from)+j] = c
		}
	}
	for i := range edges {
		e := &edges[i]
		l.Edges[i] = e
		pi, ok := ids[e.Parent]
		if !ok {
			return nil, false
		}
		c, ok := ids[e.Child]
		if !ok {
			return nil, false
		}
		from := int(depFrom[pi])
		j := slices.Index(deps[from:from+len(pkgs[pi].Dependencies)], c)
		if j < 0 || used[from+j] {
			return nil, false
		}
		used[from+j] = true
	}
	return l, true
}

// isDigest reports whether s is "sha256:" and 64 lowercase hex digits.
func isDigest(s string) bool {
	if len(s) != len("sha256:")+64 || s[:7] != "sha256:" {
		return false
	}
	for i := 7; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
