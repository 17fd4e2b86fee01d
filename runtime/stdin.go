package runtime

import (
	"io"
	"sync"
)

// A stdinPump reads one stream for every child that inherits it. Reading
// the operator's stdin cannot be interrupted, so no child reads it
// directly: one goroutine does, and a child killed or timed out while it
// waits for input stops waiting, leaving what it did not take to the next
// reader.
type stdinPump struct {
	src    io.Reader
	once   sync.Once
	chunks chan []byte // closed at the end of src

	mu   sync.Mutex
	rest []byte // taken from chunks, not yet read
	err  error  // src's error at its end
}

// pump returns the pump of src, made on first use.
func (p *Process) pump(src io.Reader) *stdinPump {
	p.pumpsMu.Lock()
	defer p.pumpsMu.Unlock()
	if p.pumps == nil {
		p.pumps = map[io.Reader]*stdinPump{}
	}
	s := p.pumps[src]
	if s == nil {
		s = &stdinPump{src: src, chunks: make(chan []byte)}
		p.pumps[src] = s
	}
	return s
}

// run reads src to its end, a chunk at a time, each when a reader takes
// the one before.
func (s *stdinPump) run() {
	for {
		buf := make([]byte, 32<<10)
		n, err := s.src.Read(buf)
		if n > 0 {
			s.chunks <- buf[:n]
		}
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			close(s.chunks)
			return
		}
	}
}

// An inheritedStdin is one child's view of a pumped stream: it ends when
// done is closed.
type inheritedStdin struct {
	s    *stdinPump
	done <-chan struct{}
}

// Read reads what the pump has, or waits for its next chunk, the end of
// the stream or the end of the child.
func (r inheritedStdin) Read(b []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	if len(s.rest) > 0 {
		n := copy(b, s.rest)
		s.rest = s.rest[n:]
		s.mu.Unlock()
		return n, nil
	}
	s.mu.Unlock()
	s.once.Do(func() { go s.run() })
	select {
	case c, ok := <-s.chunks:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.err == io.EOF || s.err == nil {
				return 0, io.EOF
			}
			return 0, s.err
		}
		n := copy(b, c)
		if n < len(c) {
			s.mu.Lock()
			s.rest = append(s.rest, c[n:]...)
			s.mu.Unlock()
		}
		return n, nil
	case <-r.done:
		return 0, io.EOF
	}
}
