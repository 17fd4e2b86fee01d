#!/usr/bin/env bash
# Rebuilds every .wasm under testdata/ from the .wat beside it (FILE.wat ->
# FILE.wasm). Needs wat2wasm (wabt). Output is deterministic, so the committed
# .wasm files only change when a .wat does.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
WAT2WASM=${WAT2WASM:-wat2wasm}

n=0
while IFS= read -r -d '' wat; do
	"$WAT2WASM" "$wat" -o "${wat%.wat}.wasm"
	n=$((n + 1))
done < <(find . -name '*.wat' -type f -print0 | sort -z)
echo "built $n modules"
