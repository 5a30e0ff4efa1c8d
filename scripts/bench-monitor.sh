#!/usr/bin/env bash
# Benchmark (not a test): CPU used by the full-screen monitor at a 1 s refresh with
# about 1,000 processes, against htop and btop doing the same, all from Debian's
# packages (installed here when missing). Each tool runs alone in a 200x50 tmux
# terminal; after a warm-up, its user + system CPU time (/proc/PID/stat fields 14-15)
# is read over DURATION seconds. Prints percent of one core and the ratio to psoxide.
#
#   bash scripts/bench-monitor.sh            # DURATION=30 ROUNDS=2 PROCS=1000
# Uses target/release/psoxide (or $PSOXIDE_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PSOXIDE_BIN:-$PWD/target/release/psoxide}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
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

# Top the machine up to about PROCS processes with idle sleepers.
have=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
for ((i = have; i < PROCS; i++)); do
    sleep 100000 &
    SLEEPERS+=($!)
done
total=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)

# Configuration: htop refreshes every 10 tenths (-d 10); btop's update_ms is 1000.
# Both get a private HOME so that no user configuration changes what they do.
mkdir -p "$TMP/home/.config/btop"
printf 'update_ms = 1000\n' >"$TMP/home/.config/btop/btop.conf"
HZ=$(getconf CLK_TCK)

ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# measure NAME COMMAND...: prints percent of one core.
measure() {
    local name=$1
    shift
    T kill-server 2>/dev/null || true
    T new-session -d -s b -x 200 -y 50 \
        "env -i PATH=/usr/bin:/bin HOME=$TMP/home TERM=xterm-256color LANG=C.UTF-8 $*"
    sleep 1
    local pane pid=""
    pane=$(T display -p -t b '#{pane_pid}')
    # The pane runs env, which execs the tool: the pane's PID is the tool's.
    pid=$pane
    sleep "$WARMUP"
    local t0 t1
    t0=$(ticks "$pid")
    sleep "$DURATION"
    t1=$(ticks "$pid")
    T kill-server 2>/dev/null || true
    awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v d="$DURATION" 'BEGIN { printf "%.3f", (b - a) / hz / d * 100 }'
}

declare -A sum
for tool in psoxide htop btop; do sum[$tool]=0; done
echo "processes: $total; refresh 1 s; $DURATION s per measurement, $ROUNDS rounds; $(nproc) CPUs, kernel $(uname -r)"
echo "versions: psoxide $("$BIN" --version | awk '{print $2}'), $(htop --version | head -1), btop $(btop --version | awk '{print $3}')"
for ((r = 1; r <= ROUNDS; r++)); do
    for tool in psoxide htop btop; do
        case $tool in
            psoxide) v=$(measure psoxide "$BIN" --interval 1) ;;
            htop) v=$(measure htop htop -d 10) ;;
            btop) v=$(measure btop btop --utf-force) ;;
        esac
        echo "round $r: $tool ${v}% of one core"
        sum[$tool]=$(awk -v s="${sum[$tool]}" -v v="$v" 'BEGIN { print s + v }')
    done
done
echo
printf '%-8s %18s %18s\n' tool "CPU (% of 1 core)" "ratio to psoxide"
p=$(awk -v s="${sum[psoxide]}" -v n="$ROUNDS" 'BEGIN { print s / n }')
for tool in psoxide htop btop; do
    m=$(awk -v s="${sum[$tool]}" -v n="$ROUNDS" 'BEGIN { print s / n }')
    awk -v t="$tool" -v m="$m" -v p="$p" 'BEGIN { printf "%-8s %17.2f%% %17.2fx\n", t, m, (p > 0 ? m / p : 0) }'
done
