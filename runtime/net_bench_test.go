package runtime_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
)

// startBench starts the benchmark guest (testdata/net/bench.wat) as the
// root, holding key.
func startBench(b *testing.B, key string) *runtime.Process {
	b.Helper()
	bundle := rootBundle(b, key, "bench.wasm", netSource{dir: "bench", pkg: "acme:netbench"})
	k, err := policy.ParseKey(key)
	if err != nil {
		b.Fatal(err)
	}
	c := runtime.Config{Net: []policy.Key{k}, Stdout: io.Discard, Stderr: io.Discard, Cache: runCache}
	p, err := runtime.Start(context.Background(), bundle, &c)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// benchBatch is how many calls one guest call makes: Invoke's cost is
// spread over them.
const benchBatch = 100

// BenchmarkNetFetch GETs a body of 1 KiB and of 1 MiB from a loopback
// server, through nano:net/http from a guest and with Go's own
// http.Client, side by side: each iteration makes benchBatch fetches of
// each. It reports ns per fetch of each and their ratio, nano/go.
func BenchmarkNetFetch(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%s", map[int]string{1 << 10: "1KiB", 1 << 20: "1MiB"}[size]), func(b *testing.B) {
			body := strings.Repeat("x", size)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/octet-stream")
				io.WriteString(w, body)
			}))
			b.Cleanup(srv.Close)
			port := srv.Listener.Addr().(*net.TCPAddr).Port
			p := startBench(b, fmt.Sprintf("net:127.0.0.1:%d", port))
			client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			b.Cleanup(client.CloseIdleConnections)
			args := []string{strconv.Quote(srv.URL + "/"), strconv.Itoa(benchBatch)}
			want := strconv.Itoa(benchBatch * size)
			var nanoT, goT time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := p.Invoke(context.Background(), "fetch-n", args)
				if err != nil || res[0] != want {
					b.Fatalf("fetch-n = %v, %v, want %s", res, err, want)
				}
				nanoT += time.Since(start)
				start = time.Now()
				for range benchBatch {
					resp, err := client.Get(srv.URL + "/")
					if err != nil {
						b.Fatal(err)
					}
					data, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || len(data) != size {
						b.Fatalf("Get = %d bytes, %v", len(data), err)
					}
				}
				goT += time.Since(start)
			}
			n := float64(b.N * benchBatch)
			b.ReportMetric(float64(nanoT.Nanoseconds())/n, "nano-ns/fetch")
			b.ReportMetric(float64(goT.Nanoseconds())/n, "go-ns/fetch")
			b.ReportMetric(float64(nanoT)/float64(goT), "nano/go")
		})
	}
}

// BenchmarkNetEcho sends 64 bytes and receives them back from a loopback
// echo server, through nano:net/tcp from a guest and through a Go
// net.Conn, side by side. It reports ns per round trip of each and their
// ratio, nano/go.
func BenchmarkNetEcho(b *testing.B) {
	const size = 64
	s := newEchoServer(b)
	port := s.port()
	p := startBench(b, fmt.Sprintf("net:127.0.0.1:%d", port))
	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	buf := make([]byte, size)
	const batch = 200
	args := []string{`"127.0.0.1"`, strconv.Itoa(port), strconv.Itoa(batch), strconv.Itoa(size)}
	var nanoT, goT time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := p.Invoke(context.Background(), "echo-n", args); err != nil {
			b.Fatal(err)
		}
		nanoT += time.Since(start)
		start = time.Now()
		for range batch {
			if _, err := conn.Write(buf); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(conn, buf); err != nil {
				b.Fatal(err)
			}
		}
		goT += time.Since(start)
	}
	n := float64(b.N * batch)
	b.ReportMetric(float64(nanoT.Nanoseconds())/n, "nano-ns/rtt")
	b.ReportMetric(float64(goT.Nanoseconds())/n, "go-ns/rtt")
	b.ReportMetric(float64(nanoT)/float64(goT), "nano/go")
}
