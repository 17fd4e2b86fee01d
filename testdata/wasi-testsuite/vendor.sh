#!/usr/bin/env bash
# Re-vendors the WASI preview1 testsuite from a checkout of
# github.com/WebAssembly/wasi-testsuite at its prod/testsuite-base branch
# (the branch that holds the prebuilt modules):
#
#	git clone -b prod/testsuite-base https://github.com/WebAssembly/wasi-testsuite
#	testdata/wasi-testsuite/vendor.sh wasi-testsuite
#
# For each language it copies every module of tests/LANG/testsuite/wasm32-wasip1
# with its .json and the directories the tests use, and strips the modules'
# custom sections (names and DWARF, 95 of the 100 MB) with wasm-strip (wabt).
# It writes the checkout's commit to COMMIT.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CHECKOUT" >&2
	exit 2
fi
src=$(cd "$1" && pwd)
dst=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WASM_STRIP=${WASM_STRIP:-wasm-strip}

for lang in c rust assemblyscript; do
	from="$src/tests/$lang/testsuite/wasm32-wasip1"
	[ -d "$from" ] || { echo "$from: not a directory" >&2; exit 1; }
	rm -rf "${dst:?}/$lang"
	mkdir -p "$dst/$lang"
	(cd "$from" && find . -name manifest.json -prune -o \( -name '*.wasm' -o -name '*.json' -o -path './*.dir/*' \) -type f -print0 |
		xargs -0 cp --parents -t "$dst/$lang")
	find "$dst/$lang" -name '*.wasm' -print0 | xargs -0 -n1 "$WASM_STRIP"
	chmod -R a-x+X "$dst/$lang"
done
cp "$src/LICENSE" "$dst/LICENSE"
git -C "$src" rev-parse HEAD > "$dst/COMMIT"
echo "vendored $(find "$dst" -name '*.wasm' | wc -l) modules at $(cat "$dst/COMMIT")"
