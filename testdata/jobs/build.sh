#!/usr/bin/env bash
# Rebuilds the jobs example from its sources: orch/orch.wasm (acme:orch, a
# Go command) with the standard Go toolchain (GOOS=wasip1 GOARCH=wasm),
# analyzer/analyzer.wasm (acme:analyzer, C) with analyzer/build.sh, then
# the published copy of acme:analyzer in registry/ and orch/nano.lock,
# whose digests name them. The output is deterministic for given versions
# of Go and clang: runtime's TestGoGuests and cmd/nano's
# TestToolchainGuestsBuilt rebuild the modules and compare the bytes, and
# jobs.txtar checks that the registry and the lock are current.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o orch/orch.wasm ./orch
analyzer/build.sh
go build -o "${TMPDIR:-/tmp}/nano-jobs-build" ../../cmd/nano
nano=${TMPDIR:-/tmp}/nano-jobs-build
rm -rf registry/acme/analyzer/1.0.0 orch/nano.lock
"$nano" -C analyzer publish --registry ../registry
"$nano" -C orch lock
rm "$nano"
echo "built orch/orch.wasm with $(go env GOVERSION), analyzer/analyzer.wasm, registry/ and orch/nano.lock"
