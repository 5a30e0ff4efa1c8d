#!/usr/bin/env bash
# Runs every test of psoxide on a fresh machine, installing what the tests need:
#   - the system tools used as independent sources (procps, iproute2, util-linux),
#   - a Python venv (.venv) with the newest psutil and pytest from PyPI,
# then checks formatting and lints, runs the Rust tests, builds the release binary
# and runs the differential tests against real psutil, as root and (per-process
# test) as the unprivileged user psoxtest, created if missing; builds the Python
# module's wheel with maturin, installs it into the venv and runs tests/py.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "system tools"
missing=()
for pair in ip:iproute2 free:procps ps:procps pstree:psmisc pidof:sysvinit-utils findmnt:util-linux df:coreutils nproc:coreutils getconf:libc-bin valgrind:valgrind; do
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

step "cargo doc (broken links and doc errors fail)"
# The command crate first, on its own: its binary shares the library's name
# `psoxide`, so both document into target/doc/psoxide, and the library's pages,
# written second, are the ones left there.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet -p psoxide-cli
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet -p psoxide -p psoxide-exporter -p psoxide-bench -p psoxide-py

export PSOXIDE_PYTHON="$VENV/bin/python"

step "a target without a backend stops with one error"
scripts/check-unsupported.sh

step "cargo test"
cargo test --workspace --quiet 2>&1 | tee target/cargo-test.log
grep -q "test result: ok" target/cargo-test.log

step "root-only tests (PID namespaces, ns_last_pid): cargo test -- --ignored root_"
if [ "$(id -u)" = 0 ]; then
    cargo test --workspace --quiet -- --ignored root_ 2>&1 | tee target/cargo-test-root.log
    grep -q "test result: ok" target/cargo-test-root.log
else
    # Not passed: cargo lists them as ignored, with the reason, in the step above.
    echo "skipped: the root_ tests need root (running as uid $(id -u))"
fi

step "release build"
cargo build --release --workspace --quiet

step "a scan under valgrind (memcheck: no invalid access, no crash)"
# valgrind gives a process a synthetic auxiliary vector; psoxide must not depend on
# reading it by hand (rustix's own auxv parser crashed there before use-libc-auxv).
cargo build --release -p psoxide --example scan --quiet
valgrind -q --error-exitcode=1 target/release/examples/scan 2

step "smoke: overview and dump"
target/release/psoxide --once --interval 0.2 >/dev/null
target/release/psoxide dump --json | "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), "keys")'

step "monitor end-to-end in a pseudo-terminal (tmux)"; bash scripts/test-monitor.sh

step "differential tests against psutil"
PSOXIDE_BIN="$ROOT/target/release/psoxide" "$VENV/bin/python" -m pytest -q tests/diff

bash scripts/test-exporter.sh
step "psoxide subcommands under nice and as an unprivileged user"; scripts/test-cmds.sh

step "python module: build the wheel, install it into the venv, run tests/py"
# The same wheel a user gets from `pip install ./crates/psoxide-py` (maturin backend),
# built here with the venv's maturin so the workspace's target directory is reused.
"$VENV/bin/pip" install -q --disable-pip-version-check --upgrade "maturin>=1.9.4,<2"
rm -f target/wheels/psoxide-*.whl
"$VENV/bin/maturin" build --quiet --release -m crates/psoxide-py/Cargo.toml -o target/wheels
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/psoxide-*.whl
# Run from outside the checkout so that `import psoxide` is the installed wheel.
(cd / && "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/py")

step "per-process differential tests as an unprivileged user (CLI and Python module)"
# Other users' processes must give AccessDenied (null) exactly where psutil does,
# in the CLI's dump (tests/diff) and in the Python module (tests/py).
# Needs root to create the user and switch to it; elsewhere this step is skipped.
unprivileged_diff() {
    local user=psoxtest tmp py pypath="" site cand
    if [ "$(id -u)" != 0 ]; then
        echo "skipped: creating and switching to the user $user needs root (running as uid $(id -u))"
        return 0
    fi
    if ! id -u "$user" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
        echo "created user $user"
    fi
    as_user() {
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$user" -- "$@"
        else
            setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
        fi
    }
    # The repository may sit under a directory the user cannot traverse (/root):
    # copy the binary and tests/diff to a world-readable temporary directory.
    tmp=$(mktemp -d /tmp/psoxide-unpriv.XXXXXX)
    chmod 755 "$tmp"
    install -m 755 target/release/psoxide "$tmp/psoxide"
    mkdir "$tmp/diff"
    cp tests/diff/*.py tests/diff/pytest.ini "$tmp/diff/"
    mkdir "$tmp/py"
    cp tests/py/test_process_diff.py "$tmp/py/"
    # Python: the venv's interpreter if the user can run it and import psutil and
    # pytest; else a system python3 with a copy of the venv's site-packages
    # (psutil's extension is abi3, pytest is pure Python).
    py="$VENV/bin/python"
    if ! as_user "$py" -c 'import psutil, pytest' >/dev/null 2>&1; then
        site=$("$VENV/bin/python" -c 'import os, psutil; print(os.path.dirname(os.path.dirname(psutil.__file__)))')
        cp -r "$site" "$tmp/site"
        pypath="$tmp/site"
        py=""
        for cand in /usr/bin/python3 /usr/local/bin/python3; do
            if [ -x "$cand" ] && as_user env PYTHONPATH="$pypath" "$cand" -c 'import psutil, pytest' >/dev/null 2>&1; then
                py=$cand
                break
            fi
        done
    fi
    chmod -R a+rX "$tmp"
    if [ -z "$py" ]; then
        echo "no Python interpreter usable by $user can import psutil and pytest" >&2
        rm -rf "$tmp"
        return 1
    fi
    echo "running as $(as_user id -un) with $py${pypath:+ (PYTHONPATH=$pypath)}"
    local rc=0
    (cd "$tmp/diff" && as_user env PYTHONPATH="$pypath" PYTHONDONTWRITEBYTECODE=1 \
        PSOXIDE_BIN="$tmp/psoxide" "$py" -m pytest -q -p no:cacheprovider test_process_diff.py) || rc=$?
    # The venv (or its copy in $tmp/site) holds the wheel installed by the step above.
    (cd "$tmp/py" && as_user env PYTHONPATH="$pypath" PYTHONDONTWRITEBYTECODE=1 \
        "$py" -m pytest -q -p no:cacheprovider test_process_diff.py) || rc=$?
    rm -rf "$tmp"
    return $rc
}
unprivileged_diff
