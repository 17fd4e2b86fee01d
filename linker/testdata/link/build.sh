#!/usr/bin/env bash
# Rebuilds the link-check modules from the .wat beside them (Debian's wabt).
set -euo pipefail
cd "$(dirname "$0")"
for wat in *.wat; do
  wat2wasm "$wat" -o "${wat%.wat}.wasm"
done
