#!/usr/bin/env bash
# Rebuilds ccli.wasm from main.c with Debian's clang, wasm-ld and wasi-libc
# (packages clang, lld, wasi-libc, libclang-rt-14-dev-wasm32). The output is
# deterministic for a given clang and wasi-libc.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
CC=${CC:-clang}
"$CC" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-all -o ccli.wasm main.c
# TestToolchainGuestsBuilt rebuilds it only with this compiler.
"$CC" --version | head -1 > VERSION
echo "built ccli.wasm with $(cat VERSION)"
