// Command gofetch is a Go guest of the nano:net tests (net_test.go): it
// GETs the URL of its first argument with the standard net/http client,
// whose transport dials through nano:net/tcp (tcp.go), and prints the
// status and the body, or the error.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	client := &http.Client{Transport: &http.Transport{
		DialContext: dial,
		// One request per connection: a recv blocks the whole module,
		// so the transport's reader must never wait on a connection
		// that has no request in flight.
		DisableKeepAlives: true,
		Proxy:             nil,
	}}
	resp, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n%s\n", resp.Status, body)
}
