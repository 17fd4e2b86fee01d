#!/usr/bin/env bash
# Rebuilds the guest of rootfs_test.go: every FILE.wat into FILE.wasm.
# Needs wat2wasm (wabt).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
WAT2WASM=${WAT2WASM:-wat2wasm}

for wat in *.wat; do
	"$WAT2WASM" "$wat" -o "${wat%.wat}.wasm"
done
