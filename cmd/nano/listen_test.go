package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// A listener is a TCP server on loopback for scripts: it records what each
// connection sends until the connection ends.
type listener struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []*recorded
}

// A recorded connection: its bytes, and done closed at its end.
type recorded struct {
	data []byte
	done chan struct{}
}

// probe is what served sends on its own connection to learn that the
// listener accepted every connection made before it.
const probe = "\x00nano-script-probe\x00"

// listeners holds the scripts' listeners by script and name.
var listeners sync.Map // map[*testscript.TestScript]map[string]*listener

// listenCmd is the script command "listen NAME": start a TCP server on
// 127.0.0.1 at a free port, and set $NAME (upper-cased) to its ADDR:PORT.
// It stops when the script ends.
func listenCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listen NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("listen: %v", err)
	}
	l := &listener{ln: ln}
	m, _ := listeners.LoadOrStore(ts, map[string]*listener{})
	m.(map[string]*listener)[args[0]] = l
	ts.Defer(func() {
		ln.Close()
		listeners.Delete(ts)
	})
	go l.accept()
	ts.Setenv(strings.ToUpper(args[0]), ln.Addr().String())
}

func (l *listener) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		r := &recorded{done: make(chan struct{})}
		l.mu.Lock()
		l.conns = append(l.conns, r)
		l.mu.Unlock()
		go func() {
			defer close(r.done)
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			b, _ := io.ReadAll(io.LimitReader(c, 1<<20))
			l.mu.Lock()
			r.data = b
			l.mu.Unlock()
		}()
	}
}

// servedCmd is the script command "served NAME FILE": wait until the
// listener NAME has accepted every connection made so far and each has
// ended, then write to FILE one line per connection, in the order they
// were accepted: "conn N: " and its bytes, quoted as Go quotes them. No
// connection is an empty FILE.
func servedCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: served NAME FILE")
	}
	m, _ := listeners.Load(ts)
	l, ok := m.(map[string]*listener)[args[0]]
	if m == nil || !ok {
		ts.Fatalf("served: no listener %s", args[0])
	}
	// The backlog is first in, first out: once the probe is accepted, so
	// is every connection before it.
	c, err := net.Dial("tcp", l.ln.Addr().String())
	if err != nil {
		ts.Fatalf("served: %v", err)
	}
	_, err = io.WriteString(c, probe)
	c.Close()
	if err != nil {
		ts.Fatalf("served: %v", err)
	}
	deadline := time.After(30 * time.Second)
	var out strings.Builder
	i := 0
	for ; ; i++ {
		var r *recorded
		for r == nil {
			l.mu.Lock()
			if i < len(l.conns) {
				r = l.conns[i]
			}
			l.mu.Unlock()
			if r == nil {
				select {
				case <-deadline:
					ts.Fatalf("served: the probe was not accepted in 30s")
				case <-time.After(time.Millisecond):
				}
			}
		}
		select {
		case <-r.done:
		case <-deadline:
			ts.Fatalf("served: connection %d did not end in 30s", i+1)
		}
		l.mu.Lock()
		data := string(r.data)
		l.mu.Unlock()
		if data == probe {
			break
		}
		fmt.Fprintf(&out, "conn %d: %s\n", i+1, strconv.Quote(data))
	}
	// The next served reports the connections after the probe.
	l.mu.Lock()
	l.conns = l.conns[i+1:]
	l.mu.Unlock()
	if err := os.WriteFile(ts.MkAbs(args[1]), []byte(out.String()), 0o644); err != nil {
		ts.Fatalf("served: %v", err)
	}
}
