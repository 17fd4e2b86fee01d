#!/usr/bin/env bash
# Rebuilds rustcli.wasm from main.rs with Debian's rustc (1.63, package
# rustc and libstd-rust-dev-wasm32) for wasm32-wasi, std only. Called by full
# path: a rustup rustc on PATH is another compiler. The output is
# deterministic for a given rustc; debug info is stripped, names are kept.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
RUSTC=${RUSTC:-/usr/bin/rustc}
"$RUSTC" --edition 2021 --target wasm32-wasi -C opt-level=s -C strip=debuginfo \
	--remap-path-prefix="$PWD"=. -o rustcli.wasm main.rs
# TestToolchainGuestsBuilt rebuilds it only with this compiler.
"$RUSTC" --version > VERSION
echo "built rustcli.wasm with $(cat VERSION)"
