package process

import (
	"context"
	"errors"
	"io"
	"sync"
)

// PipeSize is how many bytes a pipe buffers: a writer blocks only when
// that many are unread (SPEC section 8: at least 64 KiB).
const PipeSize = 64 << 10

// errClosed is what a write to a pipe whose reader is gone returns.
var errClosed = errors.New("the stream is closed")

// A pipe is a buffered one-way stream between a parent and a child. Either
// end may block (a reader until there is a byte or the end, a writer until
// every byte is taken) and each wait ends when its context does, so a
// parent being killed never stays blocked on its child, nor a child on
// its parent.
type pipe struct {
	mu      sync.Mutex
	buf     []byte // unread bytes, at most PipeSize
	wclosed bool   // no more writes: the reader sees the end once buf is empty
	rclosed bool   // no more reads: writes fail
	changed chan struct{}
}

func newPipe() *pipe { return &pipe{changed: make(chan struct{})} }

// signal wakes every waiter; the caller holds mu.
func (p *pipe) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// wait releases mu until the pipe changes or ctx is done, and takes it
// again.
func (p *pipe) wait(ctx context.Context) error {
	ch := p.changed
	p.mu.Unlock()
	defer p.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// read reads up to max bytes, blocking until there is at least one or the
// end of the stream, which is an empty result.
func (p *pipe) read(ctx context.Context, max int) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.wclosed && !p.rclosed {
		if err := p.wait(ctx); err != nil {
			return nil, err
		}
	}
	n := min(max, len(p.buf))
	out := append([]byte(nil), p.buf[:n]...)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	if n > 0 {
		p.signal()
	}
	return out, nil
}

// write writes every byte of b, blocking while the pipe is full.
func (p *pipe) write(ctx context.Context, b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(b) > 0 {
		if p.rclosed || p.wclosed {
			return errClosed
		}
		if room := PipeSize - len(p.buf); room > 0 {
			n := min(room, len(b))
			p.buf = append(p.buf, b[:n]...)
			b = b[n:]
			p.signal()
			continue
		}
		if err := p.wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// closeWrite ends the stream: the reader sees the end after what is
// buffered.
func (p *pipe) closeWrite() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.wclosed {
		p.wclosed = true
		p.signal()
	}
}

// closeRead drops what is buffered and fails every later write.
func (p *pipe) closeRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.rclosed {
		p.rclosed = true
		p.buf = nil
		p.signal()
	}
}

// The child's ends of pipes, as the child's WASI streams see them: they
// wait without a context, and end when Close is called (the runtime closes
// a child's streams when it ends, is killed or times out).

// A childReader is the child's end of its stdin pipe.
type childReader struct{ p *pipe }

// Read reads what the parent wrote; io.EOF once it closed stdin.
func (r childReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	out, err := r.p.read(context.Background(), len(b))
	if err == nil && len(out) == 0 {
		return 0, io.EOF
	}
	return copy(b, out), err
}

// Close stops the child reading: the parent's writes fail.
func (r childReader) Close() error { r.p.closeRead(); return nil }

// A childWriter is the child's end of its stdout or stderr pipe (and the
// writer's end of a pipe made by NewPipe).
type childWriter struct{ p *pipe }

// Write writes every byte of b for the parent to read.
func (w childWriter) Write(b []byte) (int, error) {
	if err := w.p.write(context.Background(), b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close ends the stream: the parent reads the end after what is buffered.
func (w childWriter) Close() error { w.p.closeWrite(); return nil }

// NewPipe returns the two ends of a pipe for a child's stdin started from
// Go rather than from a guest: the child's end, for Streams.Stdin, and the
// writer's, whose Close is the end of the stream.
func NewPipe() (io.ReadCloser, io.WriteCloser) {
	p := newPipe()
	return childReader{p}, childWriter{p}
}
