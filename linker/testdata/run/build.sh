#!/usr/bin/env bash
# Rebuilds the guests of run_test.go: every FILE.wat into FILE.wasm (the
# dotted ones with their function names), and every Go guest DIR/main.go
# into DIR.wasm (fsprobe a command, goadd a reactor). Needs wat2wasm (wabt)
# and Go; the output is deterministic for a given Go version.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
WAT2WASM=${WAT2WASM:-wat2wasm}

for wat in *.wat; do
	flags=()
	case $wat in dotted*.wat) flags=(--debug-names) ;; esac
	"$WAT2WASM" "${flags[@]}" "$wat" -o "${wat%.wat}.wasm"
done
export GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0
go build -trimpath -ldflags='-s -w' -o fsprobe.wasm ./fsprobe
go build -trimpath -ldflags='-s -w' -buildmode=c-shared -o goadd.wasm ./goadd
echo "built $(ls *.wat | wc -l) WAT modules, fsprobe.wasm and goadd.wasm"
