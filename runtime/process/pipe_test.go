package process

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPipeMiB sends 1 MiB through a pipe in writes and reads of random
// sizes, with the writer blocking whenever PipeSize is unread, and gets
// it back byte for byte, then the end.
func TestPipeMiB(t *testing.T) {
	ctx := context.Background()
	want := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(r.Uint32())
	}
	p := newPipe()
	go func() {
		w := childWriter{p}
		for rest := want; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(100_000))
			if _, err := w.Write(rest[:n]); err != nil {
				t.Error(err)
				return
			}
			rest = rest[n:]
		}
		w.Close()
	}()
	var got []byte
	for {
		b, err := p.read(ctx, 1+rand.IntN(70_000))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			break
		}
		got = append(got, b...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, not the %d sent", len(got), len(want))
	}
}

func TestPipeBuffersAndBlocks(t *testing.T) {
	p := newPipe()
	ctx := context.Background()
	if err := p.write(ctx, make([]byte, PipeSize)); err != nil {
		t.Fatalf("a write of PipeSize bytes blocked or failed: %v", err)
	}
	// Full: the next write blocks until its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := p.write(short, []byte{1}); err != context.DeadlineExceeded {
		t.Fatalf("write to a full pipe = %v, want it to block until its context ends", err)
	}
	// A reader that closes its end fails the writer.
	p.closeRead()
	if err := p.write(ctx, []byte{1}); err != errClosed {
		t.Fatalf("write after closeRead = %v, want %v", err, errClosed)
	}
}

func TestPipeReadBlocksThenEnds(t *testing.T) {
	p := newPipe()
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.read(short, 10); err != context.DeadlineExceeded {
		t.Fatalf("read of an empty pipe = %v, want it to block", err)
	}
	p.write(context.Background(), []byte("ab"))
	p.closeWrite()
	if b, _ := p.read(context.Background(), 10); string(b) != "ab" {
		t.Fatalf("read %q, want the bytes written before the end", b)
	}
	if b, err := p.read(context.Background(), 10); len(b) != 0 || err != nil {
		t.Fatalf("read after the end = %q, %v; want the end", b, err)
	}
	if n, err := (childReader{p}).Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("child read after the end = %d, %v", n, err)
	}
	if err := p.write(context.Background(), []byte("x")); err != errClosed {
		t.Fatalf("write after closeWrite = %v", err)
	}
}
