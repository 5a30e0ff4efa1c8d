#!/usr/bin/env bash
# End-to-end test of the full-screen monitor (`psoxide` with no subcommand) in a real
# pseudo-terminal: tmux runs it in a shell, keys are sent with send-keys and the
# screen is read with capture-pane. Checks: start, sort, search, detail view, quit
# with q; quit with Ctrl-C; SIGTERM; NO_COLOR; after each exit the terminal is
# restored (main screen, cursor visible, the shell answers).
# Installs tmux with apt-get when missing. Uses target/release/psoxide (or $PSOXIDE_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PSOXIDE_BIN:-$PWD/target/release/psoxide}
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --release -p psoxide-cli)" >&2; exit 1; }

if ! command -v tmux >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux
    else
        echo "skipped: tmux is missing and installing it needs root (uid $(id -u))"
        [ -z "${CI:-}" ] || exit 1
        exit 0
    fi
fi

SOCK=psoxide-e2e-$$
T() { tmux -L "$SOCK" "$@"; }
MARK_PID=""
cleanup() {
    T kill-server 2>/dev/null || true
    [ -n "$MARK_PID" ] && kill "$MARK_PID" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "---- screen ----" >&2
    T capture-pane -p -t e2e >&2 || true
    exit 1
}
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
    local text=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 10; i++)); do
        if T capture-pane -p -t e2e | grep -qF -- "$text"; then return 0; fi
        sleep 0.1
    done
    fail "waited ${limit}s for \"$text\""
}
# wait_until_gone TEXT: until the screen no longer shows TEXT.
wait_until_gone() {
    local text=$1 i
    for ((i = 0; i < 100; i++)); do
        if ! T capture-pane -p -t e2e | grep -qF -- "$text"; then return 0; fi
        sleep 0.1
    done
    fail "\"$text\" still on screen after 10s"
}
flags() { T display -p -t e2e '#{alternate_on} #{cursor_flag}'; }
check_restored() {
    local what=$1 i
    # Wait for the monitor to leave the alternate screen (keys sent before that
    # would go to it), then for the shell to answer a command.
    for ((i = 0; i < 100; i++)); do
        [ "$(flags | cut -d' ' -f1)" = 0 ] && ! pgrep -P "$(T display -p -t e2e '#{pane_pid}')" -x psoxide >/dev/null && break
        sleep 0.1
    done
    T send-keys -t e2e "echo restored-\$((40+2))" Enter
    wait_for "restored-42"
    [ "$(flags)" = "0 1" ] || fail "$what: terminal not restored (alternate_on cursor_flag = $(flags))"
    # Cooked mode again: the line discipline echoes and handles ^U.
    T send-keys -t e2e "stty -a | grep -o ' icanon' | head -1" Enter
    wait_for " icanon"
    echo "ok: $what: main screen, cursor visible, cooked mode"
}
start_monitor() {
    T send-keys -t e2e "clear; $* $BIN" Enter
    wait_for "Processes"
    [ "$(flags | cut -d' ' -f1)" = 1 ] || fail "not in the alternate screen"
}

# A process to find: its command line is unique.
sleep 31337 &
MARK_PID=$!

T new-session -d -s e2e -x 120 -y 40 "env TERM=xterm-256color PS1='$ ' bash --norc --noprofile"
wait_for '$' 5

# 1. start, sort, search, detail, quit with q.
start_monitor
wait_for "sort CPU% v"
T send-keys -t e2e M
wait_for "sort MEM% v"
T send-keys -t e2e /
wait_for "Search:"
T send-keys -t e2e -l "31337"
wait_for "Search: 31337_"
T send-keys -t e2e Enter
wait_until_gone "Search:"
T send-keys -t e2e Enter
wait_for "Process $MARK_PID sleep"
wait_for "Command line"
wait_for "[1] 31337"
echo "ok: started, sorted by MEM%, searched, opened the detail view of PID $MARK_PID"
# Resize: the frame is redrawn at the new size, no line wider than it.
T send-keys -t e2e Escape
wait_for "Processes"
T resize-window -t e2e -x 70 -y 22
for ((i = 0; i < 50; i++)); do
    width=$(T capture-pane -p -t e2e | python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in sys.stdin), default=0))')
    [ "$width" -le 70 ] && T capture-pane -p -t e2e | grep -qF "Processes" && break
    sleep 0.1
done
[ "$width" -le 70 ] || fail "a line of $width columns after resizing to 70"
T capture-pane -p -t e2e | grep -qF "Disks" || fail "no Disks panel at 70x22"
T resize-window -t e2e -x 120 -y 40
T send-keys -t e2e Enter
wait_for "Command line"
echo "ok: resized to 70x22 and back"
T send-keys -t e2e q
check_restored "quit with q from the detail view"

# 2. help, then Ctrl-C.
start_monitor
T send-keys -t e2e '?'
wait_for "incremental search"
T send-keys -t e2e Escape
wait_until_gone "incremental search"
T send-keys -t e2e C-c
check_restored "Ctrl-C"

# 3. SIGTERM from outside.
start_monitor
shell=$(T display -p -t e2e '#{pane_pid}')
mon=$(pgrep -P "$shell" -x psoxide | head -1)
[ -n "$mon" ] || fail "no psoxide child of the pane's shell $shell"
kill -TERM "$mon"
check_restored "SIGTERM"

# 4. Colours: SGR colour codes with a colour terminal, none with NO_COLOR.
colour_codes() { T capture-pane -p -e -t e2e | grep -cE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)[0-9;]*m' || true; }
start_monitor
sleep 1.5
[ "$(colour_codes)" -gt 0 ] || fail "no colour on a colour terminal"
T send-keys -t e2e q
check_restored "quit with q"
start_monitor "NO_COLOR=1"
sleep 1.5
[ "$(colour_codes)" = 0 ] || fail "colours with NO_COLOR set"
T send-keys -t e2e q
check_restored "NO_COLOR run"
echo "ok: colours only without NO_COLOR"

# 5. The terminal goes away (its window is closed): the monitor exits, no spinning.
T new-session -d -s gone -x 100 -y 30 "exec $BIN"
for ((i = 0; i < 50; i++)); do
    T capture-pane -p -t gone 2>/dev/null | grep -qF Processes && break
    sleep 0.1
done
mon=$(T display -p -t gone '#{pane_pid}')
T kill-session -t gone
for ((i = 0; i < 30; i++)); do
    if ! kill -0 "$mon" 2>/dev/null || grep -q '^State:.*Z' "/proc/$mon/status" 2>/dev/null; then break; fi
    sleep 0.1
done
if kill -0 "$mon" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$mon/status" 2>/dev/null; then
    kill -9 "$mon" 2>/dev/null || true
    fail "the monitor (PID $mon) still runs 3 s after its terminal was closed"
fi
echo "ok: the monitor exits when its terminal is closed"
echo "monitor end-to-end: all checks passed"
