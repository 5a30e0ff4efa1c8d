#!/usr/bin/env bash
# Runs every test of psoxide on a fresh machine, installing what the tests need:
#   - the system tools used as independent sources (procps, iproute2, util-linux),
#   - a Python venv (.venv) with the newest psutil and pytest from PyPI,
# then checks formatting and lints, runs the Rust tests, builds the release binary
# and runs the differential tests against real psutil.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "system tools"
missing=()
for pair in ip:iproute2 free:procps ps:procps findmnt:util-linux df:coreutils nproc:coreutils getconf:libc-bin; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "missing tools (${missing[*]}) and not root: install them first" >&2
        exit 1
    fi
fi

step "python venv with psutil and pytest"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check --upgrade psutil pytest
"$VENV/bin/python" -c 'import psutil, sys; print("psutil", psutil.__version__, "python", sys.version.split()[0])'

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

export PSOXIDE_PYTHON="$VENV/bin/python"

step "cargo test"
cargo test --workspace --quiet 2>&1 | tee target/cargo-test.log
grep -q "test result: ok" target/cargo-test.log

step "release build"
cargo build --release --workspace --quiet

step "smoke: overview and dump"
target/release/psoxide --once --interval 0.2 >/dev/null
target/release/psoxide dump --json | "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), "keys")'

step "differential tests against psutil"
PSOXIDE_BIN="$ROOT/target/release/psoxide" "$VENV/bin/python" -m pytest -q tests/diff
