//go:build unix

package readfile

import (
	"io"
	"io/fs"
	"sync"
	"syscall"
)

func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
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
