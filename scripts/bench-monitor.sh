#!/usr/bin/env bash
# Benchmark (not a test): CPU used by the full-screen monitor at a 1 s refresh with
# about 1,000 processes, against htop and btop doing the same, all from Debian's
# packages (installed here when missing). The three run at the same time, each in
# its own 200x50 tmux terminal; after a warm-up, each one's user + system CPU time
# (/proc/PID/stat fields 14-15, all threads) is read over DURATION seconds. Prints
# percent of one core and the ratio to psoxide.
#
#   bash scripts/bench-monitor.sh            # DURATION=60 ROUNDS=3 PROCS=1000 WARMUP=4
# Uses target/release/psoxide (or $PSOXIDE_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PSOXIDE_BIN:-$PWD/target/release/psoxide}
DURATION=${DURATION:-60}
ROUNDS=${ROUNDS:-3}
PROCS=${PROCS:-1000}
WARMUP=${WARMUP:-4}
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p psoxide-cli" >&2; exit 1; }

need=()
for pair in tmux:tmux htop:htop btop:btop; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if ((${#need[@]})); then
    [ "$(id -u)" = 0 ] || { echo "missing ${need[*]} and not root" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

TMP=$(mktemp -d /tmp/psoxide-bench-monitor.XXXXXX)
SOCK=psoxide-bench-$$
T() { tmux -L "$SOCK" "$@"; }
SLEEPERS=()
cleanup() {
    T kill-server 2>/dev/null || true
    ((${#SLEEPERS[@]})) && kill "${SLEEPERS[@]}" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

count_procs() { local a=(/proc/[0-9]*); echo "${#a[@]}"; }
# Top the machine up to about PROCS processes with idle sleepers.
have=$(count_procs)
for ((i = have; i < PROCS; i++)); do
    sleep 100000 &
    SLEEPERS+=($!)
done
total=$(count_procs)

# Configuration: htop refreshes every 10 tenths (-d 10); btop's update_ms is 1000.
# Both get a private HOME so that no user configuration changes what they do.
mkdir -p "$TMP/home/.config/btop"
printf 'update_ms = 1000\n' >"$TMP/home/.config/btop/btop.conf"
HZ=$(getconf CLK_TCK)

ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# The three run at the same time, each in its own 200x50 tmux terminal, so that
# whatever else the machine does weighs on all of them alike.
start() {
    local name=$1
    shift
    T new-session -d -s "$name" -x 200 -y 50 \
        "exec env -i PATH=/usr/bin:/bin HOME=$TMP/home TERM=xterm-256color LANG=C.UTF-8 $*"
}

declare -A sum
for tool in psoxide htop btop; do sum[$tool]=0; done
echo "processes: $total; refresh 1 s; $DURATION s per round, $ROUNDS rounds; $(nproc) CPUs, kernel $(uname -r)"
echo "versions: psoxide $("$BIN" --version | awk '{print $2}'), $(htop --version | head -1), btop $(btop --version | awk '{print $3}')"
for ((r = 1; r <= ROUNDS; r++)); do
    T kill-server 2>/dev/null || true
    start psoxide "$BIN" --interval 1
    start htop htop -d 10
    start btop btop --utf-force
    sleep "$WARMUP"
    declare -A pid t0
    for tool in psoxide htop btop; do
        # The pane's command execs the tool: the pane's PID is the tool's.
        pid[$tool]=$(T display -p -t "$tool" '#{pane_pid}')
        t0[$tool]=$(ticks "${pid[$tool]}")
    done
    sleep "$DURATION"
    line="round $r:"
    for tool in psoxide htop btop; do
        t1=$(ticks "${pid[$tool]}")
        v=$(awk -v a="${t0[$tool]}" -v b="$t1" -v hz="$HZ" -v d="$DURATION" 'BEGIN { printf "%.3f", (b - a) / hz / d * 100 }')
        line+=" $tool ${v}%"
        sum[$tool]=$(awk -v s="${sum[$tool]}" -v v="$v" 'BEGIN { print s + v }')
    done
    echo "$line (of one core)"
    T kill-server 2>/dev/null || true
done
echo
printf '%-8s %18s %18s\n' tool "CPU (% of 1 core)" "ratio to psoxide"
p=$(awk -v s="${sum[psoxide]}" -v n="$ROUNDS" 'BEGIN { print s / n }')
for tool in psoxide htop btop; do
    m=$(awk -v s="${sum[$tool]}" -v n="$ROUNDS" 'BEGIN { print s / n }')
    awk -v t="$tool" -v m="$m" -v p="$p" 'BEGIN { printf "%-8s %17.2f%% %17.2fx\n", t, m, (p > 0 ? m / p : 0) }'
done
