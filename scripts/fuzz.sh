#!/usr/bin/env bash
# Fuzzes psoxide's pure parsers with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each TARGET (default: every target of fuzz/Cargo.toml) for SECONDS (default 600),
# one after the other, one libFuzzer job each (-jobs=1, one core). New inputs go
# into fuzz/corpus/<target>/, crashes into fuzz/artifacts/<target>/. Prints per target:
# seconds, executions, corpus files and size before/after, crashes.
#
# Environment:
#   FUZZ_CMIN=1      minimise each corpus with `cargo fuzz cmin` after its run, keeping
#                    a set cover of the edges only (no hit counts, no comparison
#                    operands: that keeps the committed corpus a few KiB per target)
#   FUZZ_LOG_DIR=D   where libFuzzer's logs go (default: fuzz/logs, git-ignored)
#   FUZZ_ARGS="..."  extra libFuzzer flags
#
# Only stable Rust is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
# The targets are built without a sanitizer (-s none): the parsers are safe Rust, so
# AddressSanitizer would find nothing a panic does not, at a third of the speed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export RUSTC_BOOTSTRAP=1

SECONDS_PER=600
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
    SECONDS_PER=$1
    shift
elif [[ ${1:-} == -* ]]; then
    echo "usage: $0 [SECONDS] [TARGET...]" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

ALL=$(sed -n 's/^name = "\(fuzz_[a-z0-9_]*\)"$/\1/p' fuzz/Cargo.toml)
if (($#)); then
    TARGETS=("$@")
    for t in "${TARGETS[@]}"; do
        grep -qx "$t" <<<"$ALL" || { echo "unknown target $t; known: $(echo $ALL)" >&2; exit 2; }
    done
else
    read -r -a TARGETS <<<"$(echo $ALL)"
fi

LOGS=${FUZZ_LOG_DIR:-$ROOT/fuzz/logs}
mkdir -p "$LOGS"
# A timeout or OOM on a parser input is a bug like a panic: keep both limits tight.
LIBFUZZER_FLAGS=(-jobs=1 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1)

echo "==> building ${#TARGETS[@]} target(s)"
if ((${#TARGETS[@]} == 1)); then
    cargo fuzz build --fuzz-dir "$ROOT/fuzz" -s none "${TARGETS[0]}"
else
    cargo fuzz build --fuzz-dir "$ROOT/fuzz" -s none
fi

count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
bytes() { find "$1" -maxdepth 1 -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}'; }

SUMMARY=()
status=0
for t in "${TARGETS[@]}"; do
    corpus=$ROOT/fuzz/corpus/$t
    arts=$ROOT/fuzz/artifacts/$t
    mkdir -p "$corpus" "$arts"
    c0=$(count "$corpus") b0=$(bytes "$corpus") a0=$(count "$arts")
    echo "==> $t: ${SECONDS_PER}s, corpus $c0 files"
    start=$(date +%s)
    # libFuzzer with -jobs writes fuzz-0.log in its working directory: one directory
    # per target, so that several runs of this script can fuzz side by side.
    rc=0
    work=$LOGS/$t.work
    mkdir -p "$work"
    (cd "$work" && rm -f fuzz-0.log &&
        cargo fuzz run --fuzz-dir "$ROOT/fuzz" -s none "$t" "$corpus" -- \
            -max_total_time="$SECONDS_PER" "${LIBFUZZER_FLAGS[@]}" ${FUZZ_ARGS:-} \
            >"$LOGS/$t.out" 2>&1) || rc=$?
    [ -f "$work/fuzz-0.log" ] && mv "$work/fuzz-0.log" "$LOGS/$t.log"
    rmdir "$work" 2>/dev/null || true
    secs=$(($(date +%s) - start))
    log=$LOGS/$t.log
    [ -f "$log" ] || log=$LOGS/$t.out
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)
    c1=$(count "$corpus") b1=$(bytes "$corpus") a1=$(count "$arts")
    if [ "${FUZZ_CMIN:-0}" = 1 ]; then
        cargo fuzz cmin --fuzz-dir "$ROOT/fuzz" -s none "$t" "$corpus" -- \
            -set_cover_merge=1 -use_counters=0 -use_cmp=0 >"$LOGS/$t.cmin" 2>&1 || true
    fi
    c2=$(count "$corpus") b2=$(bytes "$corpus")
    crashes=$((a1 - a0))
    line=$(printf '%-16s %5ss  %12s execs  corpus %4s -> %4s files (+%s new; %s -> %s bytes)' \
        "$t" "$secs" "${execs:-?}" "$c0" "$c1" "$((c1 - c0))" "$b0" "$b1")
    [ "${FUZZ_CMIN:-0}" = 1 ] && line+=$(printf ', cmin %s files %s bytes' "$c2" "$b2")
    line+="  crashes $crashes"
    if ((crashes > 0 || rc != 0)); then
        status=1
        line+="  (exit $rc; see $log, $arts)"
    fi
    echo "$line"
    SUMMARY+=("$line")
done

echo
echo "==> summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r))"
printf '%s\n' "${SUMMARY[@]}"
exit $status
