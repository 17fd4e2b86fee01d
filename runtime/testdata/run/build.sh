#!/usr/bin/env bash
# Rebuilds the guests of run_test.go and realfs_test.go: every FILE.wat into
# FILE.wasm (the dotted ones with their function names), every Go guest
# DIR/main.go into DIR.wasm (fsprobe and goroot commands, goadd a reactor),
# and the C guest cfs/cfs.c into cfs.wasm with Debian's clang, wasm-ld and
# wasi-libc (packages clang, lld, wasi-libc, libclang-rt-14-dev-wasm32,
# which finds the sysroot in /usr/include/wasm32-wasi and
# /usr/lib/wasm32-wasi). Needs wat2wasm (wabt), Go and clang; the output is
# deterministic for given versions of Go and clang.
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
go build -trimpath -ldflags='-s -w' -o goroot.wasm ./goroot
go build -trimpath -ldflags='-s -w' -buildmode=c-shared -o goadd.wasm ./goadd
CLANG=${CLANG:-clang}
"$CLANG" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-all -o cfs.wasm cfs/cfs.c
echo "built $(ls *.wat | wc -l) WAT modules, fsprobe.wasm, goroot.wasm, goadd.wasm and cfs.wasm"
