// Package synth generates synthetic registries for benchmarks: many packages,
// a realistic fan-out, and keys that flow correctly from the root down.
//
// The shape of a generated registry:
//
//   - Packages are syn:pNNNNN, numbered 0..n-1, each published as 1.0.0, 1.1.0
//     and 1.2.0. A package depends only on packages with a higher number, so
//     the graph is acyclic; 1.2.0 has about 5 dependencies, older versions one
//     and two fewer.
//   - About a third of the packages are "keyed": they declare keys of their
//     own (an fs slot, net destinations, env variables, clock, random, stdio),
//     drawn from a fixed pool. A keyed package declares its own keys plus every
//     key its dependencies declare (the same set in every version), and grants
//     each dependency exactly the keys it declares. An unkeyed package depends
//     only on unkeyed packages, so keys never have to pass through a package
//     that holds none.
//   - The root, syn:app at dir/app, declares the whole pool (net with
//     wildcards that cover the packages' concrete destinations), depends on
//     about 20 packages and grants each its keys, fs slots as sub-directories
//     of the root's own slots. Every package has at least one parent in 1.2.0,
//     so essentially all n packages are reachable.
//   - Requirements are all satisfied by 1.2.0 ("^1.0", "^1.1", "1.2", "~1.2",
//     ">=1.1, <2.0"), so resolution always succeeds and picks 1.2.0.
//
// Every module.wasm is the 8-byte empty module.
package synth

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// EmptyModule is the smallest valid WebAssembly core module.
var EmptyModule = []byte("\x00asm\x01\x00\x00\x00")

// Namespace is the namespace of every generated package.
const Namespace = "syn"

// Versions are the versions published for every package, oldest first.
var Versions = []string{"1.0.0", "1.1.0", "1.2.0"}

// rootDeps is how many packages the root depends on.
const rootDeps = 20

// The concrete keys packages declare, one bit each.
const (
	kFsDataRO = iota
	kFsDataRW
	kFsCacheRO
	kFsCacheRW
	kFsConfigRO
	kNetAPI
	kNetImg
	kNetStatic
	kNetDB
	kEnvLANG
	kEnvTZ
	kEnvHOME
	kClock
	kRandom
	kStdout
	kStderr
	numKeys
)

type fsSlot struct {
	name   string
	ro, rw int // bits; rw < 0 when the slot is read-only everywhere
}

var fsSlots = []fsSlot{
	{"data", kFsDataRO, kFsDataRW},
	{"cache", kFsCacheRO, kFsCacheRW},
	{"config", kFsConfigRO, -1},
}

type listKey struct {
	bit  int
	text string
}

var (
	netKeys = []listKey{
		{kNetAPI, "api.example.com:443"},
		{kNetImg, "img.cdn.example.com:443"},
		{kNetStatic, "static.cdn.example.com:443"},
		{kNetDB, "10.0.0.1:5432"},
	}
	envKeys   = []listKey{{kEnvLANG, "LANG"}, {kEnvTZ, "TZ"}, {kEnvHOME, "HOME"}}
	stdioKeys = []listKey{{kStdout, "stdout"}, {kStderr, "stderr"}}
)

// rootCapabilities is the root's [capabilities]: it covers every key above.
const rootCapabilities = `[capabilities]
fs.data = "rw"
fs.cache = "rw"
fs.config = "ro"
net = ["api.example.com:443", "*.cdn.example.com:443", "10.0.0.1:*"]
env = ["LANG", "TZ", "HOME"]
clock = true
random = true
stdio = ["stdout", "stderr"]
`

var requirements = []string{"^1.0", "^1.0", "^1.0", "^1.0", "^1.1", "^1.1", "^1.1", "1.2", "~1.2", ">=1.1, <2.0"}

type edge struct {
	to  int32
	req uint8 // index in requirements
	sub bool  // fs grants name a sub-directory of the parent's slot
}

type pkg struct {
	keyed bool
	keys  uint32 // declared keys, the same in every version
	deps  []edge // 1.2.0's; older versions drop the last one or two
}

// Name returns the name of package i of a registry of n packages.
func Name(i, n int) string { return Namespace + ":" + short(i, n) }

func short(i, n int) string {
	w := len(strconv.Itoa(max(n-1, 0)))
	s := strconv.Itoa(i)
	return "p" + strings.Repeat("0", max(w-len(s), 0)) + s
}

// Generate writes a registry of n packages under dir/registry and a root app
// at dir/app that depends on some of them, and returns the app directory.
func Generate(dir string, n int, seed int64) (app string, err error) {
	if n < 1 {
		return "", fmt.Errorf("synth: n must be at least 1, got %d", n)
	}
	pkgs, roots := graph(n, seed)

	reg := filepath.Join(dir, "registry")
	ns := filepath.Join(reg, Namespace)
	app = filepath.Join(dir, "app")
	for _, d := range []string{ns, app} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}

	// Write the packages in parallel; rendering draws no random numbers, so
	// the output does not depend on the scheduling.
	workers := runtime.GOMAXPROCS(0) * 2 // I/O bound
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
		next = make(chan int, 1024)
	)
	for range workers {
		wg.Go(func() {
			var b []byte
			for i := range next {
				var err error
				if b, err = writePackage(ns, pkgs, i, b); err != nil {
					mu.Lock()
					if errs == nil {
						errs = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if errs != nil {
		return "", errs
	}

	b := []byte("[package]\nname = \"syn:app\"\nversion = \"0.1.0\"\nmodule = \"app.wasm\"\n" +
		"description = \"Synthetic root application\"\n\n[registry]\npath = \"../registry\"\n\n" + rootCapabilities)
	b = appendDeps(b, pkgs, roots, n, true)
	if err := os.WriteFile(filepath.Join(app, "nano.toml"), b, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(app, "app.wasm"), EmptyModule, 0o644); err != nil {
		return "", err
	}
	return app, nil
}

// graph draws the packages and the root's dependencies.
func graph(n int, seed int64) ([]pkg, []edge) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	pkgs := make([]pkg, n)
	var unkeyed []int32 // ascending
	for i := range pkgs {
		if r.IntN(3) == 0 {
			pkgs[i].keyed = true
			pkgs[i].keys = ownKeys(r)
		} else {
			unkeyed = append(unkeyed, int32(i))
		}
	}
	newEdge := func(to int) edge {
		return edge{to: int32(to), req: uint8(r.IntN(len(requirements))), sub: r.IntN(2) == 0}
	}
	has := func(p *pkg, j int) bool {
		for _, e := range p.deps {
			if int(e.to) == j {
				return true
			}
		}
		return false
	}

	// The root depends on the first packages, and on at least one keyed one.
	nroot := min(rootDeps, n)
	roots := make([]edge, 0, nroot+1)
	for i := range nroot {
		roots = append(roots, newEdge(i))
	}

	// Every other package gets one parent first, so that it is reachable: a
	// lower package, keyed if it is keyed (these edges come first in a
	// package's list, so 1.2.0 always has them). Then everyone fills up to
	// its fan-out with random higher packages.
	var keyed []int32 // ascending, those below the current package
	for j := range n {
		if j >= nroot {
			var p int = -1
			if pkgs[j].keyed {
				if len(keyed) > 0 {
					p = int(keyed[r.IntN(len(keyed))])
				}
			} else {
				p = r.IntN(j)
			}
			if p < 0 {
				roots = append(roots, newEdge(j))
			} else {
				pkgs[p].deps = append(pkgs[p].deps, newEdge(j))
			}
		}
		if pkgs[j].keyed {
			keyed = append(keyed, int32(j))
		}
	}
	// A keyed package picks a keyed dependency one time in five, so that key
	// sets stay moderate; an unkeyed one picks unkeyed dependencies only.
	pick := func(list []int32, i int) (int, bool) {
		lo := sort.Search(len(list), func(k int) bool { return int(list[k]) > i })
		if lo == len(list) {
			return 0, false
		}
		return int(list[lo+r.IntN(len(list)-lo)]), true
	}
	for i := range pkgs {
		p := &pkgs[i]
		want := 3 + r.IntN(5) // 3..7, about 5
		for tries := 0; len(p.deps) < want && tries < 4*want; tries++ {
			list := unkeyed
			if p.keyed && r.IntN(5) == 0 {
				list = keyed
			}
			if j, ok := pick(list, i); ok && !has(p, j) {
				p.deps = append(p.deps, newEdge(j))
			}
		}
	}

	// Keys flow up: a keyed package declares what its dependencies declare.
	for i := n - 1; i >= 0; i-- {
		p := &pkgs[i]
		for _, e := range p.deps {
			p.keys |= pkgs[e.to].keys
		}
		p.keys = normalize(p.keys)
	}
	return pkgs, roots
}

// ownKeys draws a package's own keys: one, sometimes two or three.
func ownKeys(r *rand.Rand) uint32 {
	k := 1
	if r.IntN(10) < 4 {
		k++
	}
	if r.IntN(20) < 3 {
		k++
	}
	var m uint32
	for range k {
		m |= 1 << r.IntN(numKeys)
	}
	return normalize(m)
}

// normalize drops an fs slot's ro bit when its rw bit is set.
func normalize(m uint32) uint32 {
	for _, s := range fsSlots {
		if s.rw >= 0 && m&(1<<s.rw) != 0 {
			m &^= 1 << s.ro
		}
	}
	return m
}

func writePackage(ns string, pkgs []pkg, i int, b []byte) ([]byte, error) {
	n := len(pkgs)
	name := short(i, n)
	dir := filepath.Join(ns, name)
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return b, err
	}
	p := &pkgs[i]
	for v, version := range Versions {
		vdir := filepath.Join(dir, version)
		if err := os.Mkdir(vdir, 0o755); err != nil && !os.IsExist(err) {
			return b, err
		}
		b = append(b[:0], "[package]\nname = \""...)
		b = append(b, Namespace+":"+name...)
		b = append(b, "\"\nversion = \""...)
		b = append(b, version...)
		b = append(b, "\"\nmodule = \"module.wasm\"\n"...)
		if p.keys != 0 {
			b = append(b, "\n[capabilities]\n"...)
			b = appendKeys(b, p.keys, nil)
		}
		// 1.2.0 has every dependency, 1.1.0 all but the last, 1.0.0 all but
		// the last two; never fewer than one when there is one.
		k := len(p.deps) - (len(Versions) - 1 - v)
		if k < 1 {
			k = min(1, len(p.deps))
		}
		b = appendDeps(b, pkgs, p.deps[:k], n, false)
		if err := os.WriteFile(filepath.Join(vdir, "nano.toml"), b, 0o644); err != nil {
			return b, err
		}
		if err := os.WriteFile(filepath.Join(vdir, "module.wasm"), EmptyModule, 0o644); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendDeps writes [dependencies]: the short form for a dependency that
// declares no keys, a table with a grant for one that does.
func appendDeps(b []byte, pkgs []pkg, deps []edge, n int, root bool) []byte {
	if len(deps) == 0 {
		return b
	}
	b = append(b, "\n[dependencies]\n"...)
	for _, e := range deps {
		if pkgs[e.to].keys == 0 {
			b = append(b, '"')
			b = append(b, Name(int(e.to), n)...)
			b = append(b, "\" = \""...)
			b = append(b, requirements[e.req]...)
			b = append(b, "\"\n"...)
		}
	}
	for _, e := range deps {
		keys := pkgs[e.to].keys
		if keys == 0 {
			continue
		}
		dep := Name(int(e.to), n)
		b = append(b, "\n[dependencies.\""...)
		b = append(b, dep...)
		b = append(b, "\"]\nversion = \""...)
		b = append(b, requirements[e.req]...)
		b = append(b, "\"\n[dependencies.\""...)
		b = append(b, dep...)
		b = append(b, "\".grant]\n"...)
		sub := ""
		if root || e.sub {
			sub = short(int(e.to), n)
		}
		b = appendKeys(b, keys, &sub)
	}
	return b
}

// appendKeys writes the keys of m as TOML: as declared capabilities when sub
// is nil, else as a grant, fs slots handed down as the parent's slot of the
// same name, or its sub-directory *sub.
func appendKeys(b []byte, m uint32, sub *string) []byte {
	for _, s := range fsSlots {
		var access string
		switch {
		case s.rw >= 0 && m&(1<<s.rw) != 0:
			access = "rw"
		case m&(1<<s.ro) != 0:
			access = "ro"
		default:
			continue
		}
		b = append(b, "fs."+s.name+" = \""...)
		if sub == nil {
			b = append(b, access...)
		} else {
			b = append(b, s.name...)
			if *sub != "" {
				b = append(b, '/')
				b = append(b, *sub...)
			}
		}
		b = append(b, "\"\n"...)
	}
	list := func(b []byte, key string, keys []listKey) []byte {
		if m&mask(keys) == 0 {
			return b
		}
		b = append(b, key+" = ["...)
		first := true
		for _, k := range keys {
			if m&(1<<k.bit) != 0 {
				if !first {
					b = append(b, ", "...)
				}
				first = false
				b = strconv.AppendQuote(b, k.text)
			}
		}
		return append(b, "]\n"...)
	}
	b = list(b, "net", netKeys)
	b = list(b, "env", envKeys)
	if m&(1<<kClock) != 0 {
		b = append(b, "clock = true\n"...)
	}
	if m&(1<<kRandom) != 0 {
		b = append(b, "random = true\n"...)
	}
	b = list(b, "stdio", stdioKeys)
	return b
}

func mask(keys []listKey) uint32 {
	var m uint32
	for _, k := range keys {
		m |= 1 << k.bit
	}
	return m
}

// Stats describes a generated registry, for benchmark reports.
type Stats struct {
	Packages, Keyed, Edges int
	MeanKeys               float64
}

// Describe returns the statistics of the registry Generate(dir, n, seed)
// writes, without writing it.
func Describe(n int, seed int64) Stats {
	pkgs, roots := graph(n, seed)
	s := Stats{Packages: n, Edges: len(roots)}
	total := 0
	for _, p := range pkgs {
		s.Edges += len(p.deps)
		if p.keys != 0 {
			s.Keyed++
			total += bits.OnesCount32(p.keys)
		}
	}
	if s.Keyed > 0 {
		s.MeanKeys = float64(total) / float64(s.Keyed)
	}
	return s
}
