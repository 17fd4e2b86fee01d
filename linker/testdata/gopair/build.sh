#!/usr/bin/env bash
# Rebuilds the Go guest pair: child/zip.wasm (acme:zip, exporting
# acme:zip/unpack@1.4.0) and parent/app.wasm (acme:app, importing it), both
# reactors, with the standard Go toolchain. The output is deterministic for
# a given Go version. See README.md for why the bindings are written by hand.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0
for guest in child:zip parent:app; do
	dir=${guest%%:*}
	go build -trimpath -ldflags='-s -w' -buildmode=c-shared -o "$dir/${guest#*:}.wasm" "./$dir"
done
echo "built child/zip.wasm and parent/app.wasm with $(go env GOVERSION)"
