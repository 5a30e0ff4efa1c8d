#!/usr/bin/env bash
# Benchmark (not a test): `psoxide serve` side by side with Debian's
# prometheus-node-exporter + prometheus-process-exporter on the same host, in one run.
# Raises the host to about 1,000 processes (sleepers under 20 command names), then
# scrapes each exporter in turn for ROUNDS rounds and prints, per exporter, the CPU
# time (user + system, from /proc/PID/stat) and wall time per full scrape, the CPU
# share of a core at a 15 s scrape interval (per-scrape CPU / 15 s, plus what it
# burns idle over 15 s without scrapes) and the RSS afterwards; then the ratio of
# psoxide to the two reference exporters together. Results go in BENCHMARKS.md.
#   usage: bash scripts/bench-exporter.sh [ROUNDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-30}
BIN=target/release/psoxide
[ -x "$BIN" ] || cargo build --release -p psoxide-cli --quiet
for c in prometheus-node-exporter prometheus-process-exporter; do
    command -v "$c" >/dev/null || { echo "needs $c (apt-get install -y $c)" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/psoxide-bench-exporter.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

have=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
want=1000
n=$((want > have ? want - have - 5 : 0))
for k in $(seq 0 19); do cp /bin/sleep "$WORK/worker-$k"; done
for i in $(seq 1 "$n"); do
    "$WORK/worker-$((i % 20))" 3600 &
    pids+=($!)
done
cat >"$WORK/groups.yml" <<'EOF'
process_names:
  - name: "{{.Comm}}"
    cmdline:
      - '.+'
EOF
read -r P1 P2 P3 P4 < <(python3 -c '
import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
"$BIN" serve --listen "127.0.0.1:$P1" --config "$WORK/groups.yml" 2>/dev/null &
pids+=($!); PSOX=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$P2" >/dev/null 2>&1 &
pids+=($!); NODE=$!
prometheus-process-exporter -web.listen-address="127.0.0.1:$P3" -config.path "$WORK/groups.yml" >/dev/null 2>&1 &
pids+=($!); PROC=$!
prometheus-process-exporter -web.listen-address="127.0.0.1:$P4" -config.path "$WORK/groups.yml" \
    -threads=false -gather-smaps=false >/dev/null 2>&1 &
pids+=($!); PROCLITE=$!
for port in "$P1" "$P2" "$P3" "$P4"; do
    for _ in $(seq 300); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/metrics" 2>/dev/null && break
        sleep 0.1
    done
done
python3 - "$ROUNDS" "$PSOX:$P1" "$NODE:$P2" "$PROC:$P3" "$PROCLITE:$P4" <<'EOF'
import os, sys, time, urllib.request

rounds = int(sys.argv[1])
names = ["psoxide serve", "node_exporter", "process-exporter (defaults)", "process-exporter (-threads=false -gather-smaps=false)"]
ex = [tuple(map(int, a.split(":"))) for a in sys.argv[2:]]
tck = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tck

def rss(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) / 1024

def scrape(port):
    t = time.perf_counter()
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60).read()
    return time.perf_counter() - t, len(body)

procs = sum(1 for d in os.listdir("/proc") if d.isdigit())
for _ in range(3):
    for pid, port in ex:
        scrape(port)
c0 = [cpu(p) for p, _ in ex]
wall = [0.0] * len(ex)
size = [0] * len(ex)
for _ in range(rounds):
    for i, (pid, port) in enumerate(ex):
        w, n = scrape(port)
        wall[i] += w
        size[i] = n
c1 = [cpu(p) for p, _ in ex]
per = [(c1[i] - c0[i]) / rounds for i in range(len(ex))]
idle0 = [cpu(p) for p, _ in ex]
time.sleep(15)
idle = [cpu(p) - idle0[i] for i, (p, _) in enumerate(ex)]
print(f"host: {procs} processes, {os.cpu_count()} CPUs; {rounds} rounds, scrapes in turn")
print(f"{'exporter':58} {'CPU/scrape':>11} {'wall/scrape':>12} {'CPU% @15s':>10} {'RSS MiB':>8} {'bytes':>8}")
for i, n in enumerate(names):
    share = (per[i] + idle[i]) / 15 * 100
    print(f"{n:58} {per[i]*1000:9.1f}ms {wall[i]/rounds*1000:10.1f}ms {share:9.2f}% {rss(ex[i][0]):8.1f} {size[i]:8}")
ref = per[1] + per[2]
ref_lite = per[1] + per[3]
print(f"psoxide / (node_exporter + process-exporter defaults): CPU {per[0]/ref:.2f}x, wall {wall[0]/(wall[1]+wall[2]):.2f}x, RSS {rss(ex[0][0])/(rss(ex[1][0])+rss(ex[2][0])):.2f}x")
print(f"psoxide / (node_exporter + process-exporter lite):     CPU {per[0]/ref_lite:.2f}x, wall {wall[0]/(wall[1]+wall[3]):.2f}x")
EOF
