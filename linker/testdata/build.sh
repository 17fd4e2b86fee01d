#!/usr/bin/env bash
# Rebuilds the fixtures of linker's tests: every FILE.wat into FILE.wasm, and
# broken.wasm, a module cut short in its import section. Needs wat2wasm
# (wabt); the output is deterministic.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
WAT2WASM=${WAT2WASM:-wat2wasm}

for wat in *.wat; do
	"$WAT2WASM" "$wat" -o "${wat%.wat}.wasm"
done
head -c 100 wasi.wasm >broken.wasm
echo "built $(ls *.wat | wc -l) modules and broken.wasm"
