#!/usr/bin/env bash
# Rebuilds every wasm fixture of the repository from its source: each
# FILE.wat under a testdata directory into FILE.wasm with wat2wasm (Debian's
# wabt), then the guests of runtime/testdata/run (its WAT modules with
# function names, its Go guests with GOOS=wasip1 GOARCH=wasm, and its C
# guest with clang --target=wasm32-wasi), and the
# Go guest pair of linker/testdata/gopair (typed interfaces), and the
# processes example of testdata/jobs (a Go orchestrator spawning a C
# analyzer, its registry and its lock). The output
# is deterministic, so a committed .wasm only changes with its source (and,
# for Go guests, with the Go version). The tests check every .wasm against
# its .wat.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WAT2WASM=${WAT2WASM:-wat2wasm}

n=0
while IFS= read -r -d '' wat; do
	"$WAT2WASM" "$wat" -o "${wat%.wat}.wasm"
	n=$((n + 1))
done < <(find . -path ./runtime/testdata/run -prune -o -path '*/testdata/*' -name '*.wat' -type f -print0 | sort -z)
echo "built $n modules"
runtime/testdata/run/build.sh
linker/testdata/gopair/build.sh
testdata/jobs/build.sh
testdata/guests/rustcli/build.sh
testdata/guests/ccli/build.sh
# The Go guests depend on Go's version: TestGoGuests checks them with this one.
go env GOVERSION > runtime/testdata/GOVERSION
# The C guests depend on clang's: TestCGuests checks them with this one.
"${CLANG:-clang}" --version | head -n 1 > runtime/testdata/CLANGVERSION
# The Go guest of runtime's TestNetGoGuest: net/http over nano:net/tcp.
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o runtime/testdata/net/gofetch.wasm ./runtime/testdata/net/gofetch
# The Go hello world of cmd/nano's suggest.txtar.
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o testdata/guests/gohello/gohello.wasm ./testdata/guests/gohello
# The Go guest of runtime's BenchmarkInterruptGo (its WAT guests are built above).
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o runtime/testdata/interrupt/gowork.wasm ./runtime/testdata/interrupt/gowork
