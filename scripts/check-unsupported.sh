#!/usr/bin/env bash
# Checks that building psoxide for a target without a backend stops with exactly one
# clear error (the compile_error! of lib.rs), not a cascade. No second toolchain
# target is needed: `--cfg psoxide_unsupported` makes this Linux build take the
# unsupported-target path.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(RUSTFLAGS="--cfg psoxide_unsupported" cargo check -p psoxide --quiet \
    --target-dir target/unsupported 2>&1)
errors=$(grep -c '^error' <<<"$out")
if [ "$errors" -ne 2 ] || ! grep -q '^error: psoxide supports Linux only' <<<"$out"; then
    echo "expected one compile_error! (plus cargo's 'could not compile'), got $errors errors:" >&2
    echo "$out" >&2
    exit 1
fi
echo "unsupported target: one error, as intended"
