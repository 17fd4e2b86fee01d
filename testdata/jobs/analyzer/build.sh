#!/usr/bin/env bash
# Rebuilds analyzer.wasm from analyzer.c with Debian's clang, wasm-ld and
# wasi-libc (packages clang, lld, wasi-libc, libclang-rt-14-dev-wasm32).
# -nostartfiles -Wl,--no-entry: analyzer.c brings its own _start, so that
# wasm-ld does not wrap cabi_realloc in calls of the constructors and
# destructors (see analyzer.c). The output is deterministic for a given
# clang and wasi-libc.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
CC=${CC:-clang}
"$CC" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -nostartfiles -Wl,--no-entry -Wl,--strip-all -o analyzer.wasm analyzer.c
# TestToolchainGuestsBuilt rebuilds it only with this compiler.
"$CC" --version | head -1 > VERSION
echo "built analyzer.wasm with $(cat VERSION)"
