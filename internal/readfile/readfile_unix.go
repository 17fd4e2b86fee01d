//go:build unix

package readfile

import (
	"io"
	"io/fs"
	"sync"
	"syscall"
)

func open(path string) (int, error) { return openFlags(path, 0) }

func openFlags(path string, flags int) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|flags, 0)
		if err != syscall.EINTR {
			if err != nil {
				return -1, &fs.PathError{Op: "open", Path: path, Err: err}
			}
			return fd, nil
		}
	}
}

func read(fd int, path string, b []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, b)
		if err != syscall.EINTR {
			if err != nil {
				return 0, &fs.PathError{Op: "read", Path: path, Err: err}
			}
			return n, nil
		}
	}
}

func readFile(path string) ([]byte, error) {
	fd, err := open(path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	size := 512
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) == nil && st.Size > 0 && st.Size < 1<<30 {
		size = int(st.Size) + 1 // one more byte, to see the end at once
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := read(fd, path, data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return data, nil
		}
	}
}

var buffers = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

func copyFile(w io.Writer, path string) error {
	fd, err := open(path)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	for {
		n, err := read(fd, path, *buf)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := w.Write((*buf)[:n]); err != nil {
			return err
		}
	}
}

// readSmall reads into a pooled buffer, then copies what it read out: one
// allocation of the file's size.
func readSmall(path string) ([]byte, error) {
	fd, err := openFlags(path, syscall.O_NOFOLLOW)
	if err != nil {
		// ELOOP on Linux and macOS, EMLINK on FreeBSD and NetBSD.
		if pe := err.(*fs.PathError); pe.Err == syscall.ELOOP || pe.Err == syscall.EMLINK {
			return nil, ErrLink
		}
		return nil, err
	}
	defer syscall.Close(fd)
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	n := 0
	for {
		if n == len(*buf) {
			// Larger than the buffer: read the rest as readFile does.
			data := make([]byte, n, 2*n)
			copy(data, *buf)
			for {
				if len(data) == cap(data) {
					data = append(data, 0)[:len(data)]
				}
				m, err := read(fd, path, data[len(data):cap(data)])
				data = data[:len(data)+m]
				if err != nil {
					return nil, err
				}
				if m == 0 {
					return data, nil
				}
			}
		}
		m, err := read(fd, path, (*buf)[n:])
		if err != nil {
			return nil, err
		}
		if m == 0 {
			data := make([]byte, n)
			copy(data, *buf)
			return data, nil
		}
		n += m
	}
}
