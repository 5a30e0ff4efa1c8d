#!/usr/bin/env bash
# The classic-view subcommands (crates/psoxide-cli/tests/cmds.rs) as the other callers
# they must serve: under `nice`, and as the unprivileged user psoxtest (created if
# missing), both on the release binary target/release/psoxide. (The suite itself runs
# as the invoking user in `cargo test`.) Installs the independent sources it compares
# with: procps (ps, free), psmisc (pstree), sysvinit-utils (pidof), coreutils (df).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pair in ps:procps free:procps pstree:psmisc pidof:sysvinit-utils df:coreutils; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "missing tools (${missing[*]}) and not root: install them first" >&2
        exit 1
    fi
fi

BIN="$(pwd)/target/release/psoxide"
[ -x "$BIN" ] || cargo build --release -p psoxide-cli --quiet
exe=$(cargo test -p psoxide-cli --test cmds --no-run --quiet 2>&1 | sed -n 's/.*Executable tests\/cmds.rs (\(.*\))/\1/p' | tail -1)
if [ -z "$exe" ]; then
    exe=$(ls -t target/debug/deps/cmds-* | grep -v '\.d$' | head -1)
fi

echo "cmds suite under nice -n 10 (release binary)"
nice -n 10 env PSOXIDE_BIN="$BIN" "$exe" --quiet

if [ "$(id -u)" != 0 ]; then
    echo "skipped: running the cmds suite as the user psoxtest needs root (running as uid $(id -u))"
    exit 0
fi
user=psoxtest
if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
tmp=$(mktemp -d /tmp/psoxide-cmds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
install -m 755 "$BIN" "$tmp/psoxide"
install -m 755 "$exe" "$tmp/cmds"
echo "cmds suite as $user (release binary)"
if command -v runuser >/dev/null 2>&1; then
    (cd "$tmp" && runuser -u "$user" -- env PSOXIDE_BIN="$tmp/psoxide" "$tmp/cmds" --quiet)
else
    (cd "$tmp" && setpriv --reuid="$user" --regid="$user" --init-groups -- env PSOXIDE_BIN="$tmp/psoxide" "$tmp/cmds" --quiet)
fi
