// Command gohello is the Go hello world of cmd/nano's suggest.txtar: a
// package whose [capabilities] are what nano inspect --suggest prints for
// it must print its greeting under nano run. testdata/build.sh builds it
// with GOOS=wasip1 GOARCH=wasm.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
