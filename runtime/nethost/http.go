package nethost

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/policy"
)

// maxRedirects is the most redirects one fetch follows, each checked.
const maxRedirects = 10

// forbidden are the request headers a guest may not set: nano's HTTP
// client writes them itself, and one set by the guest could frame a
// second request inside the first or change the connection's fate.
var forbidden = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"keep-alive": true, "proxy-connection": true, "upgrade": true, "te": true, "trailer": true,
	"expect": true,
}

func (h *Host) fetch(ctx context.Context, caller api.Module, args []iface.Value) ([]iface.Value, error) {
	who, found := h.holders.Holder(caller)
	if !found {
		return iface.Refuse(errNotHolder), nil
	}
	rec := args[0].([]iface.Value)
	raw := rec[hostapi.ReqURL].(string)
	req, err := request(ctx, who, rec)
	if err != nil {
		return iface.Refuse(fmt.Errorf("fetch %s: %v", raw, err)), nil
	}
	resp, err := h.client(caller, who).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller itself is being stopped
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return iface.Refuse(fmt.Errorf("fetch %s: %v", raw, err)), nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return iface.Refuse(fmt.Errorf("fetch %s: the response body: %v", raw, err)), nil
	}
	if len(body) > MaxBody {
		return iface.Refuse(fmt.Errorf("fetch %s: the response body is larger than the limit of %d MiB", raw, MaxBody>>20)), nil
	}
	var headers []iface.Value
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range resp.Header {
			if !yield(n) {
				return
			}
		}
	}) {
		lower := strings.ToLower(name)
		for _, v := range resp.Header[name] {
			headers = append(headers, []iface.Value{lower, v})
		}
	}
	return iface.Ok([]iface.Value{uint64(resp.StatusCode), headers, body}), nil
}

// request builds the request of a nano:net/http request record, checked:
// an http or https URL to a destination who holds a key to, a method and
// headers that frame exactly one request, a body within MaxBody.
func request(ctx context.Context, who Holder, rec []iface.Value) (*http.Request, error) {
	method := rec[hostapi.ReqMethod].(string)
	if method == "" {
		method = http.MethodGet
	}
	if !token(method) || strings.EqualFold(method, http.MethodConnect) {
		return nil, fmt.Errorf("method %q is not one nano sends", method)
	}
	u, err := url.Parse(rec[hostapi.ReqURL].(string))
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if err := checkURL(who, u); err != nil {
		return nil, err
	}
	body := rec[hostapi.ReqBody].([]byte)
	if len(body) > MaxBody {
		return nil, fmt.Errorf("the request body of %d bytes is larger than the limit of %d MiB", len(body), MaxBody>>20)
	}
	var r io.Reader
	if len(body) > 0 {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	for _, kv := range rec[hostapi.ReqHeaders].([]iface.Value) {
		kv := kv.([]iface.Value)
		name, value := kv[0].(string), kv[1].(string)
		if !token(name) {
			return nil, fmt.Errorf("header name %q is not a token", name)
		}
		if forbidden[strings.ToLower(name)] {
			return nil, fmt.Errorf("header %s is nano's to set, not the guest's", name)
		}
		if !fieldValue(value) {
			return nil, fmt.Errorf("the value of header %s holds a control character (CR, LF, NUL...)", name)
		}
		req.Header.Add(name, value)
	}
	return req, nil
}

// checkURL checks that u is an http or https URL to a destination who
// holds a key to.
func checkURL(who Holder, u *url.URL) error {
	port := 0
	switch u.Scheme {
	case "http":
		port = 80
	case "https":
		port = 443
	default:
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("the URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("port %q is not 1-65535", p)
		}
		port = int(n)
	}
	k, err := policy.NetTarget(u.Hostname(), uint16(port))
	if err != nil {
		return err
	}
	if !who.Keys.Covers(k) {
		return fmt.Errorf("%s is not a key of %s", k, who.Path)
	}
	return nil
}

// client returns caller's HTTP client, made at its first fetch: it
// connects through the checked dialer with who's keys, ignores proxy
// settings, verifies https with the Host's roots, and checks every
// redirect before following it. Its connections live until End.
func (h *Host) client(caller api.Module, who Holder) *http.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.clients[caller]; c != nil {
		return c
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			p, err := strconv.ParseUint(port, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("port %q is not 1-65535", port)
			}
			return h.dial(ctx, who, host, uint16(p))
		},
		TLSClientConfig:        &tls.Config{RootCAs: h.cfg.RootCAs},
		TLSHandshakeTimeout:    10 * time.Second,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: MaxHeader,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           MaxConns,
	}
	c := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		hop := len(via)
		if hop > maxRedirects {
			return fmt.Errorf("redirect %d to %s: more than %d redirects", hop, req.URL, maxRedirects)
		}
		if err := checkURL(who, req.URL); err != nil {
			return fmt.Errorf("redirect %d to %s: %v", hop, req.URL, err)
		}
		return nil
	}}
	h.clients[caller] = c
	return c
}

// token reports whether s is an HTTP token (RFC 9110): a method or a
// header name.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// fieldValue reports whether s may be a header's value: no control
// character but the tab, so no CR, LF or NUL.
func fieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
