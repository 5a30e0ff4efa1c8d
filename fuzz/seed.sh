#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/<target>/ from the fixture files of
# crates/psoxide/tests/fixtures/ and from this machine's live files, plus a few
# hand-written edge cases. Existing corpus files are kept (seeds are added).
#
# Run once when setting up a corpus, then minimise with `cargo fuzz cmin`.
# /proc/PID/environ is never copied from the live system (it may hold secrets);
# its seeds are synthetic.
set -euo pipefail
cd "$(dirname "$0")"
FIX=../crates/psoxide/tests/fixtures
C=corpus

seed() { # seed TARGET NAME < data
    mkdir -p "$C/$1"
    cat >"$C/$1/$2"
}
# copy TARGET PREFIX FILE...: every readable file, named PREFIX-<path with / as _>.
copy() {
    local t=$1 p=$2
    shift 2
    for f in "$@"; do
        [ -f "$f" ] && [ -r "$f" ] || continue
        local n=${f#"$FIX"/}
        n=${n#/}
        # Cap each seed at 16 KiB: libFuzzer's max_len follows the largest seed.
        head -c 16384 "$f" 2>/dev/null | seed "$t" "$p-${n//\//_}" || true
    done
}

shopt -s nullglob globstar

copy fuzz_proc_stat fix $FIX/*/proc/stat
copy fuzz_proc_stat live /proc/stat

copy fuzz_cpuinfo fix $FIX/*/proc/cpuinfo
copy fuzz_cpuinfo live /proc/cpuinfo

copy fuzz_cpulist fix $FIX/*/sys/devices/system/cpu/{online,offline,possible,present} \
    $FIX/*/sys/devices/system/cpu/cpu*/topology/*_list \
    $FIX/*/sys/devices/system/cpu/cpufreq/policy*/{affected_cpus,related_cpus}
copy fuzz_cpulist live /sys/devices/system/cpu/{online,possible,present} \
    /sys/devices/system/cpu/cpu0/topology/core_cpus_list
printf '0-3,8,10-11\n' | seed fuzz_cpulist hand-ranges
printf '\n' | seed fuzz_cpulist hand-empty
printf '0 1 2 3\n' | seed fuzz_cpulist hand-words
printf '0-1048576\n' | seed fuzz_cpulist hand-max

copy fuzz_loadavg live /proc/loadavg
printf '0.09 0.13 0.05 3/97 5306\n' | seed fuzz_loadavg hand-typical
printf '1234567.99 0 .5 1/1 1\n' | seed fuzz_loadavg hand-odd

copy fuzz_meminfo fix $FIX/*/proc/meminfo
copy fuzz_meminfo live /proc/meminfo

copy fuzz_vmstat fix $FIX/*/proc/vmstat
copy fuzz_vmstat live /proc/vmstat

copy fuzz_userdb live /etc/nsswitch.conf /etc/passwd
printf 'root:x:0:0:root:/root:/bin/sh\n+nis::::::\n# c\n  a:x:1000:1000\nb:x: 7:7::/:\n' | seed fuzz_userdb hand-mixed
printf 'passwd: files [NOTFOUND=return] systemd\n' | seed fuzz_userdb hand-nss

copy fuzz_kstats live /proc/meminfo /proc/vmstat /proc/stat /proc/diskstats /proc/net/dev /proc/self/cgroup

copy fuzz_zoneinfo fix $FIX/*/proc/zoneinfo
copy fuzz_zoneinfo live /proc/zoneinfo

copy fuzz_diskstats fix $FIX/*/proc/diskstats $FIX/disk-wrap/diskstats.* $FIX/**/block/**/stat
copy fuzz_diskstats live /proc/diskstats /sys/block/vda/stat /sys/block/loop0/stat

copy fuzz_mounts fix $FIX/*/proc/self/mounts $FIX/*/etc/mtab $FIX/*/proc/filesystems \
    $FIX/*/proc/partitions $FIX/**/uevent
copy fuzz_mounts live /proc/self/mounts /proc/self/mountinfo /proc/filesystems /proc/partitions \
    /sys/dev/block/253:0/uevent /sys/dev/block/7:0/uevent
printf '/dev/sda1 /mnt/a\\040b ext4 rw,relatime 0 0\n# comment\n\n' | seed fuzz_mounts hand-escape

copy fuzz_netdev fix $FIX/*/proc/net/dev
copy fuzz_netdev live /proc/net/dev

copy fuzz_procnet fix $FIX/*/proc/net/{tcp,tcp6,udp,udp6,unix}
copy fuzz_procnet live /proc/net/{tcp,tcp6,udp,udp6,unix}

# sockdiag: the captured netlink replies (fixture format: seq u32 LE, then each
# datagram as length u32 LE + bytes) turned into target inputs: selector byte
# (0 inet4, 1 inet6, 2 unix), seq u32 LE, one datagram.
mkdir -p "$C/fuzz_sockdiag"
python3 - "$FIX/conn-capture/netlink" "$C/fuzz_sockdiag" <<'EOF'
import struct, sys, pathlib
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
sel = {"tcp": 0, "udp": 0, "tcp6": 1, "udp6": 1, "unix": 2}
for f in sorted(src.glob("*.bin")):
    b = f.read_bytes()
    seq = struct.unpack_from("<I", b, 0)[0]
    off, i = 4, 0
    while off < len(b):
        n = struct.unpack_from("<I", b, off)[0]
        dg = b[off + 4: off + 4 + n]
        off += 4 + n
        out = bytes([sel[f.stem]]) + struct.pack("<I", seq) + dg
        (dst / f"fix-{f.stem}-{i}").write_bytes(out)
        i += 1
EOF

copy fuzz_utmp fix $FIX/*/var/run/utmp
copy fuzz_utmp live /var/run/utmp

copy fuzz_pid_stat live /proc/self/stat /proc/1/stat /proc/2/stat
printf '7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 0 0 -3 -4 20 0 1 0 5 0 0\n' | seed fuzz_pid_stat hand-parens
printf '9 (x) Z 1 9 9 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 3 0 0\n' \
    | seed fuzz_pid_stat hand-zombie

copy fuzz_pid_status live /proc/self/status /proc/1/status /proc/2/status

copy fuzz_pid_files live /proc/self/statm /proc/self/io /proc/self/fdinfo/0 /proc/self/cmdline /proc/self/cgroup
printf '12:cpu,cpuacct:/a:b\n1:name=systemd:/init.scope\n0::/user.slice\n' | seed fuzz_pid_files hand-cgroup
printf 'ls\0-l\0/tmp\0' | seed fuzz_pid_files hand-cmdline
printf 'nginx: worker process ' | seed fuzz_pid_files hand-cmdline-title
printf 'HOME=/root\0LANG=C.UTF-8\0A=b=c\0NOEQ\0\0TAIL=x\0' | seed fuzz_pid_files hand-environ
printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t25\nino:\t7\n' | seed fuzz_pid_files hand-fdinfo

# smaps: the first mappings only (the whole file is tens of KiB).
head -n 80 /proc/self/smaps | seed fuzz_smaps live-proc_self_smaps-head
copy fuzz_smaps live /proc/self/smaps_rollup

for s in 0 18446744073709551615 18446744073709551616 -9223372036854775808 +12 ffffffffffffffff 0777 \
    '  key : value  ' '12 kB'; do
    printf '%s' "$s" | seed fuzz_num "hand-$(printf '%s' "$s" | md5sum | cut -c1-8)"
done

# Whole trees (fuzz_sys_tree, fuzz_proc_tree): one record per slot of the target's
# table in src/lib.rs whose file exists in a fixture tree (or, for the process
# tree, under /proc/self, environ excepted). Record: slot byte, kind 0
# (a regular file), content; records separated by 0xFF 0xFE (see `Tree`).
slots() { # slots TABLE: the table's slots in order, a path or the variant name
    sed -n "/^const $1: &\[Slot\] = &\[/,/^\];/p" src/lib.rs |
        sed -n 's/^ *Slot::At("\([^"]*\)"),$/\1/p; s/^ *Slot::\([A-Za-z]*\),$/\1/p'
}
tree_seed() { # tree_seed TARGET TABLE NAME SRC [SED]: SED maps a slot path to SRC's
    local t=$1 table=$2 name=$3 src=$4 expr=${5:-} i=0 sep= out f rel
    out=$(mktemp)
    while IFS= read -r rel; do
        f=$src/$rel
        [ -n "$expr" ] && f=$src/$(printf '%s' "$rel" | sed "$expr")
        if [ -f "$f" ] && [ -r "$f" ]; then
            printf "$sep\\x$(printf %02x $i)\\x00" >>"$out"
            head -c 4096 "$f" >>"$out"
            sep='\xff\xfe'
        fi
        i=$((i + 1))
    done < <(slots "$table")
    [ -s "$out" ] && seed "$t" "$name" <"$out"
    rm -f "$out"
}
for d in "$FIX"/*/; do
    tree_seed fuzz_sys_tree SYS_TABLE "fix-$(basename "$d")" "${d%/}"
done
tree_seed fuzz_sys_tree SYS_TABLE live ""
tree_seed fuzz_proc_tree PROC_TABLE fix-proc-tree "$FIX/proc-tree" 's#^proc/42/#proc/40/#; s#^proc/43/#proc/41/#'
tree_seed fuzz_proc_tree PROC_TABLE live "" 's#^proc/42/environ$#nonexistent#; s#^proc/4[23]/#proc/self/#'
# Hand-made: cmdline -> /dev/zero (kind 7), a FIFO-free odd listing, fd links.
printf '\x03\x07' | seed fuzz_proc_tree hand-cmdline-dev-zero
printf '\x1c\x00007\xff\xfe\x1c\x0099999999999\xff\xfe\x1c\x00self\xff\xfe\x0d\x03socket:[42]\xff\xfe\x0d\x05pipe:[7]' \
    | seed fuzz_proc_tree hand-listing-fds
printf '\x14\x07\xff\xfe\x13\x04' | seed fuzz_sys_tree hand-hwmon-dev-zero

du -sh "$C"
for d in "$C"/*/; do printf '%-18s %3d files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
