package nethost

import (
	"context"
	"strings"
	"testing"

	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/policy"
)

// TestRequest checks a request record before anything is sent: the body
// limit, the scheme, the key, the method and the headers.
func TestRequest(t *testing.T) {
	keys, err := policy.ParseSet([]string{"net:api.example.com:443", "net:api.example.com:80"})
	if err != nil {
		t.Fatal(err)
	}
	who := Holder{Path: "acme:app > acme:notify", Keys: keys}
	rec := func(method, url string, body int, headers ...string) []iface.Value {
		var hs []iface.Value
		for i := 0; i+1 < len(headers); i += 2 {
			hs = append(hs, []iface.Value{headers[i], headers[i+1]})
		}
		return []iface.Value{method, url, hs, make([]byte, body)}
	}
	ok := []struct {
		rec  []iface.Value
		want string
	}{
		{rec("", "https://api.example.com/v1", 0), "GET https://api.example.com/v1"},
		{rec("POST", "http://API.example.com/v1", MaxBody, "X-Token", "a\tb"), "POST http://API.example.com/v1"},
	}
	for _, c := range ok {
		r, err := request(context.Background(), who, c.rec)
		if err != nil || r.Method+" "+r.URL.String() != c.want {
			t.Errorf("request(%v) = %v, want %s", c.rec[:2], err, c.want)
		}
	}
	bad := []struct {
		rec  []iface.Value
		want string
	}{
		{rec("POST", "https://api.example.com/", MaxBody+1), "the request body of 16777217 bytes is larger than the limit of 16 MiB"},
		{rec("GET", "https://api.example.com:8443/", 0), "net:api.example.com:8443 is not a key of acme:app > acme:notify"},
		{rec("GET", "https://example.com/", 0), "net:example.com:443 is not a key of acme:app > acme:notify"},
		{rec("GET", "file:///etc/passwd", 0), `scheme "file" is not http or https`},
		{rec("GET", "https:///x", 0), "the URL has no host"},
		{rec("GET", "https://api.example.com:0/", 0), `port "0" is not 1-65535`},
		{rec("CONNECT", "https://api.example.com/", 0), `method "CONNECT" is not one nano sends`},
		{rec("GE T", "https://api.example.com/", 0), `method "GE T" is not one nano sends`},
		{rec("GET", "https://api.example.com/", 0, "Transfer-Encoding", "chunked"), "header Transfer-Encoding is nano's to set, not the guest's"},
		{rec("GET", "https://api.example.com/", 0, "X-A", "1\r\nContent-Length: 5"), "the value of header X-A holds a control character (CR, LF, NUL...)"},
		{rec("GET", "https://api.example.com/", 0, "", "x"), `header name "" is not a token`},
	}
	for _, c := range bad {
		if _, err := request(context.Background(), who, c.rec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("request(%v) = %v, want %q", c.rec[:2], err, c.want)
		}
	}
}
