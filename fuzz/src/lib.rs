//! Fuzz checks for psoxide's pure parsers (`psoxide::linux::parse`).
//!
//! Each `fuzz_<target>` function feeds one input to a family of parser functions and
//! asserts that they return (`Ok` or `Err`) without panicking, plus cheap invariants
//! that must hold whenever a parser accepts its input: numbers re-serialize to the
//! digits they were read from, slices borrowed from the input sit where the format
//! says, two entry points that read the same data agree, a list format round-trips.
//!
//! Two targets reach past `linux::parse`: `fuzz_sys_tree` and `fuzz_proc_tree` build a
//! small procfs/sysfs tree from the input (see [`Tree`]) and call every system
//! function (sensors, CPU, memory, disks, network, users) or the PID listing and every
//! `Process` getter on a `Host` pointed at it: the area modules' own reading, globbing
//! and arithmetic must give values or errors, never a panic, a hang or an abort.
//!
//! The same functions serve two drivers: the libFuzzer targets in `fuzz_targets/`
//! (one per function here) and the stable replay test
//! `crates/psoxide/tests/fuzz_corpus.rs`, which includes this file as a module and
//! runs every file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`.
//! So this file may only use `std` and `psoxide`.

use psoxide::linux::parse::{
    cpuinfo, cpulist, diskstats, kstats, loadavg, meminfo, mounts, netdev, num, pid_files, pid_stat,
    pid_status, proc_stat, procnet, smaps, sockdiag, userdb, utmp, vmstat, zoneinfo,
};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A check: feeds one input to a parser family, panics on a violated invariant.
pub type Check = fn(&[u8]);

/// Every target: its name (the directory under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("fuzz_proc_stat", fuzz_proc_stat),
    ("fuzz_cpuinfo", fuzz_cpuinfo),
    ("fuzz_cpulist", fuzz_cpulist),
    ("fuzz_loadavg", fuzz_loadavg),
    ("fuzz_meminfo", fuzz_meminfo),
    ("fuzz_vmstat", fuzz_vmstat),
    ("fuzz_zoneinfo", fuzz_zoneinfo),
    ("fuzz_diskstats", fuzz_diskstats),
    ("fuzz_mounts", fuzz_mounts),
    ("fuzz_netdev", fuzz_netdev),
    ("fuzz_procnet", fuzz_procnet),
    ("fuzz_sockdiag", fuzz_sockdiag),
    ("fuzz_utmp", fuzz_utmp),
    ("fuzz_pid_stat", fuzz_pid_stat),
    ("fuzz_pid_status", fuzz_pid_status),
    ("fuzz_pid_files", fuzz_pid_files),
    ("fuzz_smaps", fuzz_smaps),
    ("fuzz_num", fuzz_num),
    ("fuzz_sys_tree", fuzz_sys_tree),
    ("fuzz_proc_tree", fuzz_proc_tree),
    ("fuzz_kstats", fuzz_kstats),
    ("fuzz_userdb", fuzz_userdb),
];

fn path() -> &'static Path {
    Path::new("/fuzz/input")
}

/// Renders an error: its message is built from the input, so formatting it is part of
/// what must not panic.
fn touch<T>(r: &psoxide::Result<T>) {
    if let Err(e) = r {
        assert!(!e.to_string().is_empty(), "empty error message");
    }
}

fn lines(data: &[u8]) -> std::slice::Split<'_, u8, impl FnMut(&u8) -> bool> {
    data.split(|&c| c == b'\n')
}

fn ws_fields(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    b.split(|c| c.is_ascii_whitespace()).filter(|t| !t.is_empty())
}

fn strip_zeros(d: &[u8]) -> &[u8] {
    let i = d.iter().position(|&c| c != b'0').unwrap_or(d.len());
    if i == d.len() {
        b"0"
    } else {
        &d[i..]
    }
}

/// Asserts that `v` printed in decimal gives the digits of `tok` (leading zeros
/// aside; a leading `+` is allowed only when `plus`, for the parsers built on
/// `str::parse`, which accepts it).
fn same_digits(tok: &[u8], v: u64, plus: bool, what: &str) {
    let t = if plus {
        tok.strip_prefix(b"+").unwrap_or(tok)
    } else {
        tok
    };
    assert!(
        t.iter().all(u8::is_ascii_digit),
        "{what}: accepted non-digit token {:?}",
        String::from_utf8_lossy(tok)
    );
    assert_eq!(
        strip_zeros(t),
        v.to_string().as_bytes(),
        "{what}: {v} does not re-serialize to {:?}",
        String::from_utf8_lossy(tok)
    );
}

/// [`same_digits`] for a signed value read with `num::i64_dec` (optional `-`/`+`).
fn same_signed_digits(tok: &[u8], v: i64, what: &str) {
    let (neg, d) = match tok.first() {
        Some(b'-') => (true, &tok[1..]),
        Some(b'+') => (false, &tok[1..]),
        _ => (false, tok),
    };
    same_digits(d, v.unsigned_abs(), false, what);
    assert_eq!(
        v < 0,
        neg && v != 0,
        "{what}: sign of {v} vs {:?}",
        String::from_utf8_lossy(tok)
    );
}

fn is_subslice(inner: &[u8], outer: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

fn offset_in(inner: &[u8], outer: &[u8]) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

// ------------------------------------------------------------------ /proc/stat

/// `/proc/stat`: `parse_proc_stat` for every line alone and for all of them,
/// `count_cpu_lines`.
pub fn fuzz_proc_stat(data: &[u8]) {
    use proc_stat::Want;
    let all = proc_stat::parse_proc_stat(data, path(), Want::ALL);
    touch(&all);
    let n = proc_stat::count_cpu_lines(data);
    assert!(n as usize <= lines(data).count());
    // Each line alone: accepted whenever all of them are (a line is checked only when
    // wanted), with the same value, and nothing else filled in.
    let singles = [
        Want::CPU,
        Want::CPUS,
        Want::CTXT,
        Want::INTR,
        Want::SOFTIRQ,
        Want::BTIME,
    ];
    let mut each_ok = true;
    for want in singles {
        let one = proc_stat::parse_proc_stat(data, path(), want);
        touch(&one);
        let Ok(one) = one else {
            each_ok = false;
            assert!(all.is_err(), "{want:?} alone rejected what Want::ALL accepted");
            continue;
        };
        let key = |s: &proc_stat::ProcStat| (s.cpu, s.cpus.clone(), s.ctxt, s.intr, s.softirq, s.btime);
        let mut want_only = proc_stat::ProcStat::default();
        if let Ok(all) = &all {
            // Take from the full parse exactly the field of this line.
            match want {
                Want::CPU => want_only.cpu = all.cpu,
                Want::CPUS => want_only.cpus = all.cpus.clone(),
                Want::CTXT => want_only.ctxt = all.ctxt,
                Want::INTR => want_only.intr = all.intr,
                Want::SOFTIRQ => want_only.softirq = all.softirq,
                _ => want_only.btime = all.btime,
            }
            assert_eq!(
                key(&one),
                key(&want_only),
                "{want:?} alone differs from Want::ALL"
            );
        }
    }
    // Conversely: every line accepted alone means all of them are accepted.
    assert_eq!(each_ok, all.is_ok(), "lines accepted one by one but not together");
    if let Ok(full) = &all {
        assert!(full.cpus.len() <= n as usize, "more cpuN records than cpuN lines");
        for c in full.cpus.iter().chain(full.cpu.iter()) {
            assert!((proc_stat::CPU_MIN_COLUMNS..=proc_stat::CPU_COLUMNS).contains(&c.columns));
            assert!(c.ticks[c.columns..].iter().all(|&t| t == 0));
        }
        // Labels end at the first blank; an unterminated last line is never used.
        let body = data.strip_suffix(b"\n").unwrap_or(data);
        let split = stat_line;
        let singles = [
            (&b"ctxt"[..], full.ctxt),
            (b"intr", full.intr),
            (b"softirq", full.softirq),
            (b"btime", full.btime),
        ];
        for (label, v) in singles {
            let last = lines(body).map(split).rfind(|(l, _)| *l == label);
            match (last, v) {
                (Some((_, toks)), Some(v)) => same_digits(toks[0], v, false, "proc_stat single"),
                (None, None) => {}
                (l, v) => panic!("{:?}: line present {} but value {v:?}", label, l.is_some()),
            }
        }
        if let Some(cpu) = full.cpu {
            let (_, toks) = lines(body)
                .map(split)
                .find(|(l, _)| *l == b"cpu")
                .expect("cpu line");
            for (t, v) in toks.iter().zip(&cpu.ticks[..cpu.columns]) {
                same_digits(t, *v, false, "proc_stat cpu tick");
            }
        }
    }
}

/// A `/proc/stat` line: its label (up to the first blank) and its tokens.
fn stat_line(l: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let e = l.iter().position(blank).unwrap_or(l.len());
    (&l[..e], l[e..].split(blank).filter(|t| !t.is_empty()).collect())
}

// ------------------------------------------------------------------ cpuinfo, cpulist

/// `/proc/cpuinfo`: `count_processors`, `parse_cpuinfo_mhz`, `parse_cpuinfo_cores`.
pub fn fuzz_cpuinfo(data: &[u8]) {
    let nlines = lines(data).count();
    assert!(cpuinfo::count_processors(data) as usize <= nlines);
    let mhz = cpuinfo::parse_cpuinfo_mhz(data, path());
    touch(&mhz);
    if let Ok(v) = &mhz {
        assert!(v.len() <= nlines);
        // Digits and dots only: never negative or NaN (+inf for a huge number).
        assert!(v.iter().all(|m| *m >= 0.0), "{v:?}");
    }
    touch(&cpuinfo::parse_cpuinfo_cores(data, path()));
}

/// The cpulist format (`0-3,8`) and cpufreq's word list (`0 1 2 3`): both parsers
/// on the same input; an accepted list printed back in either format parses to the
/// same numbers.
pub fn fuzz_cpulist(data: &[u8]) {
    let join = |v: &[u32], sep: &str| v.iter().map(u32::to_string).collect::<Vec<_>>().join(sep);
    let list = cpulist::parse_cpulist(data, path());
    touch(&list);
    if let Ok(v) = &list {
        assert!(v.len() <= cpulist::MAX_CPU as usize);
        assert!(v.iter().all(|&c| c <= cpulist::MAX_CPU));
        if v.len() <= 4096 {
            let again = cpulist::parse_cpulist(join(v, ",").as_bytes(), path()).expect("round trip");
            assert_eq!(&again, v);
        }
    }
    let words = cpulist::parse_cpu_words(data, path());
    touch(&words);
    if let Ok(v) = &words {
        assert_eq!(v.len(), ws_fields(data).count());
        assert!(v.iter().all(|&c| c <= cpulist::MAX_CPU));
        let again = cpulist::parse_cpu_words(join(v, " ").as_bytes(), path()).expect("round trip");
        assert_eq!(&again, v);
        let as_list = cpulist::parse_cpulist(join(v, ",").as_bytes(), path()).expect("words as cpulist");
        assert_eq!(&as_list, v);
    }
}

// ------------------------------------------------------------------ memory files

/// `/proc/loadavg`.
pub fn fuzz_loadavg(data: &[u8]) {
    let r = loadavg::parse_loadavg(data, path());
    touch(&r);
    if let Ok(v) = r {
        assert!(ws_fields(data).count() >= 3);
        // A number too long for f64 reads as +inf, as Python's float() reads it.
        assert!(v.iter().all(|x| *x >= 0.0), "{v:?}");
    }
}

/// `/proc/meminfo`: every value found is in whole KiB and re-serializes to the
/// first token after the colon of the last line with its key; a key that is `None`
/// has no line.
pub fn fuzz_meminfo(data: &[u8]) {
    let r = meminfo::parse_meminfo(data, path());
    touch(&r);
    let Ok(m) = r else { return };
    let table: [(&[u8], Option<u64>); 18] = [
        (b"MemTotal", m.mem_total),
        (b"MemFree", m.mem_free),
        (b"MemAvailable", m.mem_available),
        (b"Buffers", m.buffers),
        (b"Cached", m.cached),
        (b"Active", m.active),
        (b"Inactive", m.inactive),
        (b"Active(file)", m.active_file),
        (b"Inactive(file)", m.inactive_file),
        (b"Inact_dirty", m.inact_dirty),
        (b"Inact_clean", m.inact_clean),
        (b"Inact_laundry", m.inact_laundry),
        (b"Shmem", m.shmem),
        (b"MemShared", m.mem_shared),
        (b"Slab", m.slab),
        (b"SReclaimable", m.sreclaimable),
        (b"SwapTotal", m.swap_total),
        (b"SwapFree", m.swap_free),
    ];
    for (key, v) in table {
        let last = lines(data).rev().find_map(|l| {
            let c = l.iter().position(|&b| b == b':')?;
            (l[..c].trim_ascii() == key).then(|| &l[c + 1..])
        });
        match (last, v) {
            (Some(rest), Some(v)) => {
                assert_eq!(v % 1024, 0);
                let tok = ws_fields(rest).next().expect("value token");
                same_digits(tok, v / 1024, true, "meminfo");
            }
            (None, None) => {}
            (l, v) => panic!("meminfo {:?}: line present {} but value {v:?}", key, l.is_some()),
        }
    }
}

/// `/proc/vmstat` (swap counters).
pub fn fuzz_vmstat(data: &[u8]) {
    let r = vmstat::parse_vmstat_swap(data, path());
    touch(&r);
    let Ok(s) = r else { return };
    for (key, v) in [(&b"pswpin"[..], s.pswpin), (b"pswpout", s.pswpout)] {
        let mut values = lines(data).filter_map(|l| {
            let mut it = ws_fields(l);
            (it.next() == Some(key)).then(|| it.next())
        });
        match v {
            // The parser stops once both keys are seen, so some line with the key
            // (not necessarily the last) holds the value.
            Some(v) => assert!(
                values.any(|t| t.is_some_and(|t| {
                    let t = t.strip_prefix(b"+").unwrap_or(t);
                    t.iter().all(u8::is_ascii_digit) && strip_zeros(t) == v.to_string().as_bytes()
                })),
                "vmstat: no {:?} line holds {v}",
                String::from_utf8_lossy(key)
            ),
            None => assert!(values.next().is_none(), "vmstat: key line present but value None"),
        }
    }
}

/// `/proc/zoneinfo` (sum of `low` watermarks): appending one more `low 1` line adds
/// one; appending a bad `low` line is an error.
pub fn fuzz_zoneinfo(data: &[u8]) {
    let r = zoneinfo::parse_zoneinfo_low_pages(data, path());
    touch(&r);
    let Ok(sum) = r else { return };
    let mut more = data.to_vec();
    more.extend_from_slice(b"\n  low 1\n");
    let r2 = zoneinfo::parse_zoneinfo_low_pages(&more, path());
    match sum.checked_add(1) {
        Some(s) => assert_eq!(r2.ok(), Some(s)),
        None => assert!(r2.is_err()),
    }
    let mut bad = data.to_vec();
    bad.extend_from_slice(b"\nlow x\n");
    assert!(zoneinfo::parse_zoneinfo_low_pages(&bad, path()).is_err());
}

// ------------------------------------------------------------------ disks, mounts

/// `/proc/diskstats` and sysfs block `stat`.
pub fn fuzz_diskstats(data: &[u8]) {
    let r = diskstats::parse_diskstats(data, path());
    touch(&r);
    if let Ok(recs) = &r {
        let body = data.strip_suffix(b"\n").unwrap_or(data);
        let ls: Vec<&[u8]> = if body.is_empty() {
            Vec::new()
        } else {
            lines(body).collect()
        };
        assert_eq!(recs.len(), ls.len());
        for (rec, line) in recs.iter().zip(ls) {
            assert!(!rec.name.is_empty());
            assert!(!rec.name.chars().any(|c| c.is_ascii_whitespace()));
            let f: Vec<&[u8]> = ws_fields(line).collect();
            let (reads, name) = match f.len() {
                15 => (f[2], f[3]),
                _ => (f[3], f[2]),
            };
            same_digits(reads, rec.reads, true, "diskstats reads");
            assert_eq!(rec.name, String::from_utf8_lossy(name));
        }
    }
    let s = diskstats::parse_sysfs_block_stat(data, path(), "sda");
    touch(&s);
    if let Ok(rec) = &s {
        assert_eq!(rec.name, "sda");
        let f: Vec<&[u8]> = ws_fields(data).collect();
        same_digits(f[0], rec.reads, true, "sysfs stat reads");
        same_digits(f[9], rec.busy_time, true, "sysfs stat busy");
    }
}

/// Mount tables, `/proc/filesystems`, mountinfo, `/proc/partitions`, `uevent`.
pub fn fuzz_mounts(data: &[u8]) {
    let un = mounts::unescape_mount_field(data);
    assert!(un.len() <= data.len());
    if !data.contains(&b'\\') {
        assert_eq!(un, data);
    }

    let r = mounts::parse_mounts(data, path());
    touch(&r);
    if let Ok(v) = &r {
        let entries = lines(data)
            .filter(|l| {
                let h = l.trim_ascii_start();
                !h.is_empty() && h[0] != b'#'
            })
            .count();
        assert_eq!(v.len(), entries);
        for e in v {
            assert!(!e.device.is_empty() && !e.mountpoint.is_empty());
            assert!(!e.fstype.is_empty() && !e.opts.is_empty());
        }
    }

    let r = mounts::parse_filesystems(data, path());
    touch(&r);
    if let Ok(v) = &r {
        for t in v {
            assert!(!t.is_empty() && t != "nodev");
            assert!(!t.chars().any(|c| c.is_ascii_whitespace()));
        }
    }

    let r = mounts::parse_mountinfo_fstypes(data, path());
    touch(&r);
    if let Ok(v) = &r {
        assert_eq!(
            v.len(),
            lines(data).filter(|l| !l.trim_ascii().is_empty()).count()
        );
    }

    // /proc/partitions: a fixed pair, and the pair of the first entry line (which
    // must be found when that line is complete).
    let name_ok = |n: &str| !n.is_empty() && !n.chars().any(|c| c.is_ascii_whitespace());
    if let Some(n) = mounts::find_partition_name(data, 8, 0) {
        assert!(name_ok(&n));
    }
    if let Some(l) = lines(data).nth(2) {
        let f: Vec<&[u8]> = ws_fields(l).collect();
        let num = |t: &[u8]| std::str::from_utf8(t).ok().and_then(|s| s.parse::<u32>().ok());
        if let [ma, mi, _, _, ..] = f.as_slice() {
            if let (Some(ma), Some(mi)) = (num(ma), num(mi)) {
                let n = mounts::find_partition_name(data, ma, mi).expect("first entry not found");
                assert!(name_ok(&n));
            }
        }
    }

    if let Some(v) = mounts::parse_uevent_devname(data) {
        assert!(!v.is_empty());
        assert_eq!(v.trim_matches(|c: char| c.is_ascii_whitespace()), v);
    }
}

// ------------------------------------------------------------------ network

/// `/proc/net/dev`: names are trimmed and non-empty; each interface's counters
/// re-serialize to the columns of the last line with its name.
pub fn fuzz_netdev(data: &[u8]) {
    let r = netdev::parse_net_dev(data, path());
    touch(&r);
    let Ok(m) = r else { return };
    let body: Vec<&[u8]> = lines(data)
        .skip(2)
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    assert!(m.len() <= body.len());
    for (name, vals) in &m {
        assert!(!name.is_empty());
        assert_eq!(name.trim_matches(|c: char| c.is_ascii_whitespace()), name);
        let rest = body
            .iter()
            .rev()
            .find_map(|l| {
                let c = l.iter().rposition(|&b| b == b':')?;
                (String::from_utf8_lossy(l[..c].trim_ascii()) == name.as_str()).then(|| &l[c + 1..])
            })
            .expect("line of a parsed interface");
        let cols: Vec<&[u8]> = ws_fields(rest).collect();
        assert!(cols.len() >= 16);
        for (i, col) in [8, 0, 9, 1, 2, 10, 3, 11].into_iter().enumerate() {
            same_digits(cols[col], vals[i], false, "net/dev");
        }
    }
}

/// `/proc/net/{tcp,tcp6,udp,udp6,unix}` and the UNIX name helpers.
pub fn fuzz_procnet(data: &[u8]) {
    for v6 in [false, true] {
        let r = procnet::parse_proc_net_inet(data, path(), v6);
        touch(&r);
        let Ok(socks) = r else { continue };
        let body: Vec<&[u8]> = lines(data)
            .skip(1)
            .filter(|l| ws_fields(l).next().is_some())
            .collect();
        assert_eq!(socks.len(), body.len());
        for (s, line) in socks.iter().zip(body) {
            assert_eq!(s.local_ip.is_ipv6(), v6);
            assert_eq!(s.remote_ip.is_ipv6(), v6);
            let toks: Vec<&[u8]> = ws_fields(line).collect();
            same_digits(toks[9], s.inode, false, "procnet inode");
            let local = toks[1];
            let c = local.iter().position(|&b| b == b':').expect("colon");
            let port = std::str::from_utf8(&local[c + 1..])
                .ok()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            assert_eq!(port, Some(s.local_port));
            if let IpAddr::V4(ip) = s.local_ip {
                let w = std::str::from_utf8(&local[..c])
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                assert_eq!(w.map(u32::to_ne_bytes), Some(ip.octets()));
            }
        }
    }

    let r = procnet::parse_proc_net_unix(data, path());
    touch(&r);
    if let Ok(socks) = &r {
        assert!(socks.len() <= lines(data).count());
        for s in socks {
            assert!(!s.path.chars().any(procnet::py_isspace), "{:?}", s.path);
        }
    }

    let laddr = procnet::unix_laddr(data);
    assert!(!laddr.chars().any(procnet::py_isspace));
    assert!(String::from_utf8_lossy(data).contains(laddr.as_str()));

    let text = procnet::unix_name_text(data);
    assert!(!text.contains(&0));
    let want = match data.first() {
        None => 0,
        Some(0) => data.len(),
        Some(_) => data.len() - 1,
    };
    assert_eq!(text.len(), want);
}

/// Netlink sock_diag replies. Input layout: byte 0 selects the dump (`% 3`: inet
/// IPv4, inet IPv6, UNIX), bytes 1..5 are the expected sequence number (little
/// endian), the rest is one reply datagram.
pub fn fuzz_sockdiag(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((seq, dgram)) = rest.split_first_chunk::<4>() else {
        return;
    };
    let seq = u32::from_le_bytes(*seq);
    match sel % 3 {
        k @ (0 | 1) => {
            let family = if k == 0 { AF_INET } else { AF_INET6 };
            let mut out = Vec::new();
            let r = sockdiag::parse_inet_diag(dgram, path(), seq, family, &mut out);
            touch(&r);
            for s in &out {
                assert_eq!(s.local_ip.is_ipv6(), k == 1);
                assert_eq!(s.remote_ip.is_ipv6(), k == 1);
            }
            // Each record takes a 72-byte inet_diag_msg after a 16-byte header.
            assert!(out.len() <= dgram.len() / (16 + 72));
        }
        _ => {
            let mut out = Vec::new();
            let r = sockdiag::parse_unix_diag(dgram, path(), seq, &mut out);
            touch(&r);
            assert!(out.len() <= dgram.len() / (16 + 16));
            for s in &out {
                assert!(s.sock_type <= 255);
                assert!(!s.path.chars().any(procnet::py_isspace));
            }
        }
    }
}

/// `AF_INET` (Linux).
const AF_INET: u8 = 2;
/// `AF_INET6` (Linux).
const AF_INET6: u8 = 10;

// ------------------------------------------------------------------ utmp

/// The utmp database: one record per whole 384-byte chunk; text fields are cut at
/// their first NUL and fit their field.
pub fn fuzz_utmp(data: &[u8]) {
    let r = utmp::parse_utmp(data, path());
    touch(&r);
    let recs = r.expect("parse_utmp never fails");
    assert_eq!(recs.len(), data.len() / utmp::UTMP_RECORD_SIZE);
    for (rec, raw) in recs.iter().zip(data.chunks_exact(utmp::UTMP_RECORD_SIZE)) {
        assert_eq!(rec.ut_type, i16::from_ne_bytes([raw[0], raw[1]]));
        for (f, max) in [
            (&rec.ut_line, 32),
            (&rec.ut_id, 4),
            (&rec.ut_user, 32),
            (&rec.ut_host, 256),
        ] {
            assert!(f.len() <= max && !f.contains(&0));
        }
        assert!(raw[8..40].starts_with(&rec.ut_line));
        assert!(raw[76..332].starts_with(&rec.ut_host));
    }
}

// ------------------------------------------------------------------ per-process files

/// `/proc/PID/stat`: `comm` is the sub-slice between the first `(` and the last `)`;
/// numeric fields re-serialize to their tokens unless recorded as bad, and a bad
/// field holds 0.
pub fn fuzz_pid_stat(data: &[u8]) {
    use pid_stat::field;
    let r = pid_stat::parse_pid_stat(data, path());
    touch(&r);
    let Ok(s) = r else { return };
    let open = data
        .iter()
        .position(|&c| c == b'(')
        .expect("accepted without '('");
    let close = data
        .iter()
        .rposition(|&c| c == b')')
        .expect("accepted without ')'");
    assert!(is_subslice(s.comm, data));
    assert_eq!(offset_in(s.comm, data), open + 1);
    assert_eq!(open + 1 + s.comm.len(), close);
    let f: Vec<&[u8]> = ws_fields(&data[close + 1..]).collect();
    assert!(f.len() >= 20);
    let bad = s.bad.mask();
    // Every bad field names itself and fails exactly the checks that include it.
    for bit in (0..64).map(|b| 1u64 << b).filter(|b| bad & b != 0) {
        let e = s
            .bad
            .check(bit, path())
            .expect_err("a bad field passed its check");
        assert!(!e.to_string().is_empty());
    }
    s.bad.check(!bad, path()).expect("a good field failed its check");
    let ok = |bit: u64| bad & bit == 0;
    if ok(field::STATE) {
        assert_eq!(f[0], [s.state]);
    } else {
        assert_eq!(s.state, 0);
        assert_ne!(f[0].len(), 1);
    }
    let signed = [(1, field::PPID, s.ppid), (16, field::NICE, s.nice)];
    for (i, bit, v) in signed {
        if ok(bit) {
            same_signed_digits(f[i], v, "pid_stat signed");
        } else {
            assert_eq!(v, 0);
        }
    }
    let unsigned = [
        (6, field::FLAGS, s.flags),
        (11, field::UTIME, s.utime),
        (12, field::STIME, s.stime),
        (19, field::STARTTIME, s.starttime),
    ];
    for (i, bit, v) in unsigned {
        if ok(bit) {
            same_digits(f[i], v, false, "pid_stat unsigned");
        } else {
            assert_eq!(v, 0);
        }
    }
    match s.processor {
        Some(p) if ok(field::PROCESSOR) => same_signed_digits(f[36], p, "pid_stat processor"),
        Some(p) => assert_eq!(p, 0),
        None => assert!(f.len() <= 36 && ok(field::PROCESSOR)),
    }
}

/// `/proc/PID/status`: `Cpus_allowed_list` borrows the input and goes through the
/// cpulist parser (as the library does); numbers re-serialize to the last line with
/// their key.
pub fn fuzz_pid_status(data: &[u8]) {
    let r = pid_status::parse_pid_status(data, path());
    touch(&r);
    // The head-only parse is the full one when it did not stop; when it stopped, it
    // stopped at a Threads line.
    let head = pid_status::parse_pid_status_head(data, path());
    touch(&head);
    match (&head, &r) {
        (Ok(h), Ok(f)) if h.tail_parsed => assert_eq!(h, f),
        (Ok(h), _) if h.tail_parsed => panic!("head parsed all of it, full failed"),
        (Ok(h), _) => {
            // It stopped at a Threads line: a valid one, or one recorded as bad.
            assert!(h.threads.is_some() || h.bad.mask() & pid_status::line::THREADS != 0);
            assert!(lines(data).any(|l| l.starts_with(b"Threads:")));
        }
        (Err(_), _) => {}
    }
    let Ok(s) = r else { return };
    let bad = s.bad.mask();
    assert!(
        s.uids.is_some() || s.tgid.is_some() || bad & (pid_status::line::UID | pid_status::line::TGID) != 0
    );
    s.bad.check(!bad, path()).expect("a good line failed its check");
    if let Some(list) = s.cpus_allowed_list {
        assert!(is_subslice(list, data));
        touch(&cpulist::parse_cpulist(list, path()));
    }
    for (key, bit, v) in [
        (&b"Tgid"[..], pid_status::line::TGID, s.tgid),
        (b"PPid", pid_status::line::PPID, s.ppid),
        (b"Threads", pid_status::line::THREADS, s.threads),
        (
            b"voluntary_ctxt_switches",
            pid_status::line::VOLUNTARY,
            s.voluntary_ctxt_switches,
        ),
    ] {
        let last = lines(data).rev().find_map(|l| {
            let c = l.iter().position(|&b| b == b':')?;
            (&l[..c] == key).then(|| l[c + 1..].trim_ascii())
        });
        match (last, v) {
            // The last line of a key decides: a bad one leaves the value out and is
            // reported.
            (Some(_), None) if bad & bit != 0 => {
                assert!(s.bad.check(bit, path()).is_err());
            }
            (Some(tok), Some(v)) => {
                assert_eq!(bad & bit, 0);
                same_digits(tok, v, false, "pid_status")
            }
            (None, None) => assert_eq!(bad & bit, 0),
            (l, v) => panic!("status {:?}: line {} value {v:?}", key, l.is_some()),
        }
    }
}

/// The small per-process files: `statm`, `io`, `fdinfo`, `cmdline`, `environ`,
/// `cgroup`.
pub fn fuzz_pid_files(data: &[u8]) {
    let r = pid_files::parse_pid_cgroup(data, path());
    touch(&r);
    if let Ok(groups) = r {
        // One entry per non-empty line, each field the line's text.
        let lines: Vec<&[u8]> = data.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
        assert_eq!(groups.len(), lines.len(), "cgroup entries vs lines");
        for (g, l) in groups.iter().zip(&lines) {
            let mut parts = l.splitn(3, |&c| c == b':');
            let (id, ctl, cg) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            same_digits(id, g.hierarchy_id, false, "cgroup hierarchy id");
            assert_eq!(g.path, String::from_utf8_lossy(cg), "cgroup path");
            let want: Vec<String> = ctl
                .split(|&c| c == b',')
                .filter(|c| !c.is_empty())
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            assert_eq!(g.controllers, want, "cgroup controllers");
        }
    }

    let r = pid_files::parse_statm(data, path());
    touch(&r);
    if let Ok(m) = r {
        let f: Vec<&[u8]> = ws_fields(data).take(7).collect();
        let v = [m.size, m.resident, m.shared, m.text, m.lib, m.data, m.dt];
        for (t, v) in f.iter().zip(v) {
            same_digits(t, v, false, "statm");
        }
    }

    let r = pid_files::parse_pid_io(data, path());
    touch(&r);
    if let Ok(io) = r {
        let last = lines(data)
            .rev()
            .filter_map(num::key_value)
            .find(|(k, _)| *k == b"rchar")
            .expect("rchar line");
        same_digits(last.1, io.rchar, false, "io rchar");
    }

    let r = pid_files::parse_fdinfo(data, path());
    touch(&r);
    if let Ok(fd) = r {
        let kv: Vec<(&[u8], &[u8])> = lines(data).filter_map(num::key_value).collect();
        assert!(kv
            .iter()
            .any(|(k, v)| *k == b"pos" && strip_zeros(v) == fd.pos.to_string().as_bytes()));
        let oct = format!("{:o}", fd.flags);
        assert!(kv
            .iter()
            .any(|(k, v)| *k == b"flags" && strip_zeros(v) == oct.as_bytes()));
    }

    let args = pid_files::split_cmdline(data);
    if data.is_empty() {
        assert!(args.is_empty());
    } else {
        let sep = if data.last() == Some(&0) { 0u8 } else { b' ' };
        let body = data.strip_suffix(&[sep]).unwrap_or(data);
        // The pieces never hold the separator they were split on, and re-joined
        // they give the body back.
        let used = if sep == 0 && !body.contains(&0) && body.contains(&b' ') {
            b' '
        } else {
            sep
        };
        for a in &args {
            assert!(
                !a.contains(&used),
                "piece {:?} holds the separator",
                String::from_utf8_lossy(a)
            );
            assert!(is_subslice(a, data));
        }
        assert_eq!(args.join(&used), body);
    }

    let env = pid_files::split_environ(data);
    assert!(env.len() <= data.split(|&c| c == 0).count());
    for (k, v) in env {
        assert!(!k.contains(&b'=') && !k.contains(&0) && !v.contains(&0));
        assert!(is_subslice(k, data) && is_subslice(v, data));
    }
}

/// `/proc/PID/smaps` and `smaps_rollup`: the totals are the saturating sum of the
/// mappings; headers borrow the input.
pub fn fuzz_smaps(data: &[u8]) {
    let maps = smaps::parse_smaps(data, path());
    let totals = smaps::parse_smaps_totals(data, path());
    touch(&maps);
    touch(&totals);
    assert_eq!(maps.is_ok(), totals.is_ok());
    let (Ok(maps), Ok(totals)) = (maps, totals) else {
        return;
    };
    let mut sum = smaps::SmapsCounters::default();
    for m in &maps {
        sum.add(&m.counters);
        assert!(is_subslice(m.addr, data) && is_subslice(m.perms, data) && is_subslice(m.path, data));
        let dash = m.addr.iter().position(|&c| c == b'-').expect("addr without '-'");
        assert!(dash > 0 && dash + 1 < m.addr.len());
        assert!(m
            .addr
            .iter()
            .enumerate()
            .all(|(i, c)| i == dash || c.is_ascii_hexdigit()));
        assert!(!m.perms.contains(&b' '));
        assert_eq!(num::trim(m.path), m.path);
        assert!(m.counters.uss() >= m.counters.private_clean);
    }
    assert_eq!(sum, totals);
}

// ------------------------------------------------------------------ number helpers

/// The shared number helpers of `parse::num`, differentially against `std`.
pub fn fuzz_num(data: &[u8]) {
    let text = std::str::from_utf8(data).ok();
    let digits = !data.is_empty() && data.iter().all(u8::is_ascii_digit);
    let std_u64 = text.and_then(|s| s.parse::<u64>().ok()).filter(|_| digits);
    assert_eq!(num::u64_dec(data), std_u64);
    assert_eq!(num::i64_dec(data), text.and_then(|s| s.parse::<i64>().ok()));
    let octal = !data.is_empty() && data.iter().all(|c| (b'0'..=b'7').contains(c));
    let std_oct = text
        .and_then(|s| u64::from_str_radix(s, 8).ok())
        .filter(|_| octal);
    assert_eq!(num::u64_oct(data), std_oct);
    let hex = !data.is_empty() && data.len() <= 16 && data.iter().all(u8::is_ascii_hexdigit);
    let std_hex = text.and_then(|s| u64::from_str_radix(s, 16).ok()).filter(|_| hex);
    assert_eq!(num::u64_hex(data), std_hex);

    let t = num::trim(data);
    assert!(is_subslice(t, data));
    assert_eq!(t, data.trim_ascii());
    let f: Vec<&[u8]> = num::fields(data).collect();
    assert_eq!(f, ws_fields(data).collect::<Vec<_>>());
    match num::key_value(data) {
        Some((k, v)) => {
            let c = data.iter().position(|&b| b == b':').expect("colon");
            assert_eq!((k, v), (data[..c].trim_ascii(), data[c + 1..].trim_ascii()));
        }
        None => assert!(!data.contains(&b':')),
    }
    if let Some(b) = num::kb_bytes(data) {
        let first = ws_fields(data).next().expect("a number token");
        let n = num::u64_dec(first).expect("digits");
        assert!(b == n || Some(b) == n.checked_mul(1024));
    }
}

// ------------------------------------------------------------------ whole trees

/// Where a record of a tree input goes: a path under the tree's root.
#[derive(Clone, Copy)]
enum Slot {
    /// A file (or, by the record's kind, a directory or a link) at this path.
    At(&'static str),
    /// An entry of `proc/` named by the record's content (the PID listing).
    ProcEntry,
    /// A link `proc/42/fd/N` whose target is the record's content, any text (N from
    /// the kind; such links are read and `stat`ed, never opened).
    FdLink,
}

/// A fixture tree made from one fuzz input, in a directory of its own per thread
/// (under `/dev/shm` when it exists), emptied for each input.
///
/// The input is a list of records separated by the two bytes `0xFF 0xFE`. In a
/// record, byte 0 picks the slot (modulo the target's table), byte 1 the kind of
/// entry, and the rest is the content:
///
/// | kind % 8 | entry |
/// |---|---|
/// | 0-3 | a regular file holding the content |
/// | 4 | a directory |
/// | 5 | a symbolic link to the content, when it is a relative path without `..` |
/// | 6 | a symbolic link to `/dev/null` |
/// | 7 | a symbolic link to `/dev/zero` (an endless device: reads must be bounded) |
///
/// A record for a path that already exists replaces it. The baseline written first
/// (a valid `proc/stat` and, for the process target, PIDs 42 and 43 with valid
/// `stat`/`status`) lets inputs reach past the first checks.
pub struct Tree {
    root: PathBuf,
}

const SEP: &[u8] = b"\xff\xfe";

fn split_records(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(2).position(|w| w == SEP) {
        out.push(&rest[..i]);
        rest = &rest[i + 2..];
    }
    out.push(rest);
    out
}

/// A name usable as one path component: no `/`, no NUL, not `.`/`..`, at most 200
/// bytes, not empty.
fn component(b: &[u8]) -> Option<&std::ffi::OsStr> {
    use std::os::unix::ffi::OsStrExt;
    let b = &b[..b.len().min(200)];
    if b.is_empty() || b == b"." || b == b".." || b.contains(&b'/') || b.contains(&0) {
        return None;
    }
    Some(std::ffi::OsStr::from_bytes(b))
}

thread_local! {
    static TREE_DIR: TreeDir = TreeDir::new();
}

/// This thread's directory, removed when the thread ends.
struct TreeDir(PathBuf);

impl TreeDir {
    fn new() -> TreeDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let n = N.fetch_add(1, Ordering::Relaxed);
        TreeDir(base.join(format!("psoxide-fuzz-{}-{n}", std::process::id())))
    }
}

impl Drop for TreeDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Tree {
    /// Builds the tree for `data` with the slots of `table`, on top of `baseline`
    /// (path, content) files.
    fn build(data: &[u8], table: &[Slot], baseline: &[(&str, &[u8])]) -> Tree {
        let root = TREE_DIR.with(|d| d.0.clone());
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("tree directory");
        let t = Tree { root };
        for (rel, content) in baseline {
            t.put(Path::new(rel), 0, content);
        }
        for rec in split_records(data) {
            let [slot, kind, content @ ..] = rec else { continue };
            match table[*slot as usize % table.len()] {
                Slot::At(rel) => t.put(Path::new(rel), *kind, content),
                Slot::ProcEntry => {
                    if let Some(name) = component(content) {
                        t.put(&Path::new("proc").join(name), 4, b"");
                    }
                }
                Slot::FdLink => {
                    // `fd/N` links are only read (`readlink`) and `stat`ed, never
                    // opened, so their target may be any text ("socket:[42]",
                    // "/tmp/x (deleted)", ...).
                    let rel = format!("proc/42/fd/{}", kind % 16);
                    t.fd_link(Path::new(&rel), content);
                }
            }
        }
        t
    }

    /// Writes one entry (see the kinds above); failures (a file where a directory
    /// is needed, a target with a NUL) are ignored: the tree is what it is.
    fn put(&self, rel: &Path, kind: u8, content: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            let _ = if m.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
        let link = |target: &[u8]| {
            if !target.contains(&0) && !target.is_empty() {
                let _ = std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &p);
            }
        };
        // A link made from the input stays inside the tree (relative, no `..`): an
        // arbitrary absolute target could name a device whose reads act on hardware
        // (`/dev/port`). Links out of the tree are the fixed ones of kinds 6 and 7.
        let inside = |t: &[u8]| !t.starts_with(b"/") && !t.split(|&c| c == b'/').any(|c| c == b"..");
        let _ = match kind % 8 {
            4 => std::fs::create_dir(&p),
            5 => {
                if inside(content) {
                    link(content);
                }
                Ok(())
            }
            6 => {
                link(b"/dev/null");
                Ok(())
            }
            7 => {
                link(b"/dev/zero");
                Ok(())
            }
            _ => std::fs::write(&p, content),
        };
    }

    /// A link at `rel` to `target`, whatever it says (see [`Slot::FdLink`]).
    fn fd_link(&self, rel: &Path, target: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::remove_file(&p);
        if !target.contains(&0) && !target.is_empty() {
            let _ = std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &p);
        }
    }

    fn host(&self) -> psoxide::Host {
        psoxide::Host::new(psoxide::Roots::under(&self.root))
    }
}

/// Checks a result from a tree: an error renders to a message naming something
/// (every error of a tree read names a path, a field or a value).
fn tree_touch<T>(r: psoxide::Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let s = e.to_string();
            assert!(!s.is_empty(), "empty error message");
            assert!(!e.exception_name().is_empty());
            None
        }
    }
}

const STAT_BASE: &[u8] = b"cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 0\nctxt 2\nbtime 1700000000\nsoftirq 3 0\n";

const SYS_TABLE: &[Slot] = &[
    Slot::At("proc/stat"),
    Slot::At("proc/meminfo"),
    Slot::At("proc/vmstat"),
    Slot::At("proc/zoneinfo"),
    Slot::At("proc/loadavg"),
    Slot::At("proc/cpuinfo"),
    Slot::At("proc/diskstats"),
    Slot::At("proc/partitions"),
    Slot::At("proc/filesystems"),
    Slot::At("proc/self/mounts"),
    Slot::At("proc/self/mountinfo"),
    Slot::At("proc/net/dev"),
    Slot::At("proc/net/tcp"),
    Slot::At("proc/net/tcp6"),
    Slot::At("proc/net/udp"),
    Slot::At("proc/net/udp6"),
    Slot::At("proc/net/unix"),
    Slot::At("etc/mtab"),
    Slot::At("var/run/utmp"),
    Slot::At("sys/class/hwmon/hwmon0/name"),
    Slot::At("sys/class/hwmon/hwmon0/temp1_input"),
    Slot::At("sys/class/hwmon/hwmon0/temp1_label"),
    Slot::At("sys/class/hwmon/hwmon0/temp1_max"),
    Slot::At("sys/class/hwmon/hwmon0/temp1_crit"),
    Slot::At("sys/class/hwmon/hwmon0/temp2_input"),
    Slot::At("sys/class/hwmon/hwmon0/fan1_input"),
    Slot::At("sys/class/hwmon/hwmon0/fan1_label"),
    Slot::At("sys/class/hwmon/hwmon1/device/name"),
    Slot::At("sys/class/hwmon/hwmon1/device/temp1_input"),
    Slot::At("sys/class/hwmon/hwmon1/device/fan2_input"),
    Slot::At("sys/class/hwmon/hwmon2"),
    Slot::At("sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_input"),
    Slot::At("sys/class/thermal/thermal_zone0/type"),
    Slot::At("sys/class/thermal/thermal_zone0/temp"),
    Slot::At("sys/class/thermal/thermal_zone0/trip_point_0_type"),
    Slot::At("sys/class/thermal/thermal_zone0/trip_point_0_temp"),
    Slot::At("sys/class/thermal/thermal_zone0/trip_point_1_type"),
    Slot::At("sys/class/thermal/thermal_zone0/trip_point_1_temp"),
    Slot::At("sys/class/thermal/thermal_zone1/temp"),
    Slot::At("sys/class/power_supply/BAT0/status"),
    Slot::At("sys/class/power_supply/BAT0/capacity"),
    Slot::At("sys/class/power_supply/BAT0/energy_now"),
    Slot::At("sys/class/power_supply/BAT0/energy_full"),
    Slot::At("sys/class/power_supply/BAT0/power_now"),
    Slot::At("sys/class/power_supply/BAT0/charge_now"),
    Slot::At("sys/class/power_supply/BAT0/charge_full"),
    Slot::At("sys/class/power_supply/BAT0/current_now"),
    Slot::At("sys/class/power_supply/BAT0/time_to_empty_now"),
    Slot::At("sys/class/power_supply/battery/capacity"),
    Slot::At("sys/class/power_supply/AC/online"),
    Slot::At("sys/class/power_supply/AC0/online"),
    Slot::At("sys/devices/system/cpu/online"),
    Slot::At("sys/devices/system/cpu/present"),
    Slot::At("sys/devices/system/cpu/possible"),
    Slot::At("sys/devices/system/cpu/cpu0/online"),
    Slot::At("sys/devices/system/cpu/cpu1/online"),
    Slot::At("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"),
    Slot::At("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq"),
    Slot::At("sys/devices/system/cpu/cpu0/cpufreq/scaling_min_freq"),
    Slot::At("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq"),
    Slot::At("sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq"),
    Slot::At("sys/devices/system/cpu/cpufreq/policy0/scaling_min_freq"),
    Slot::At("sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq"),
    Slot::At("sys/devices/system/cpu/cpufreq/policy1/scaling_cur_freq"),
    Slot::At("sys/devices/system/cpu/cpu0/topology/core_cpus_list"),
    Slot::At("sys/devices/system/cpu/cpu0/topology/thread_siblings_list"),
    Slot::At("sys/devices/system/cpu/cpu1/topology/core_cpus_list"),
    Slot::At("sys/block/sda/stat"),
    Slot::At("sys/block/sda/sda1/stat"),
    Slot::At("sys/class/block/sda/dev"),
    Slot::At("sys/dev/block/8:0/uevent"),
    Slot::ProcEntry,
];

/// Every system function of a `Host` on a tree made from `data` (see [`Tree`]):
/// sensors (hwmon, thermal zones, power supplies), CPU, memory, disks, network,
/// users and the PID listing.
pub fn fuzz_sys_tree(data: &[u8]) {
    let t = Tree::build(data, SYS_TABLE, &[("proc/stat", STAT_BASE)]);
    let h = t.host();
    for fahrenheit in [false, true] {
        if let Some(m) = tree_touch(h.sensors_temperatures(fahrenheit)) {
            for (_, v) in m {
                for s in v {
                    let _ = (s.label.len(), s.current, s.high, s.critical);
                }
            }
        }
    }
    tree_touch(h.sensors_fans());
    tree_touch(h.sensors_battery());
    tree_touch(h.cpu_times());
    tree_touch(h.cpu_times_percpu());
    tree_touch(h.cpu_percent(None));
    tree_touch(h.cpu_percent_percpu(None));
    tree_touch(h.cpu_times_percent(None));
    tree_touch(h.cpu_times_percent_percpu(None));
    tree_touch(h.cpu_stats());
    tree_touch(h.cpu_freq());
    tree_touch(h.cpu_freq_percpu());
    let _ = (h.cpu_count(), h.cpu_count_physical());
    tree_touch(h.getloadavg());
    tree_touch(h.boot_time());
    if let Some(m) = tree_touch(h.virtual_memory()) {
        assert!(
            (0.0..=100.0).contains(&m.percent) || m.total == 0,
            "percent {}",
            m.percent
        );
    }
    tree_touch(h.swap_memory());
    tree_touch(h.disk_partitions(false));
    tree_touch(h.disk_partitions(true));
    tree_touch(h.disk_io_counters(false));
    tree_touch(h.disk_io_counters_perdisk(false));
    tree_touch(h.net_io_counters(false));
    tree_touch(h.net_io_counters_pernic(false));
    tree_touch(h.net_connections(psoxide::ConnectionKind::All));
    tree_touch(h.users());
    if let Some(p) = tree_touch(h.pids()) {
        assert!(p.windows(2).all(|w| w[0] < w[1]), "pids not ascending: {p:?}");
    }
}

const PROC_TABLE: &[Slot] = &[
    Slot::At("proc/42/stat"),
    Slot::At("proc/42/status"),
    Slot::At("proc/42/statm"),
    Slot::At("proc/42/cmdline"),
    Slot::At("proc/42/environ"),
    Slot::At("proc/42/io"),
    Slot::At("proc/42/smaps"),
    Slot::At("proc/42/smaps_rollup"),
    Slot::At("proc/42/maps"),
    Slot::At("proc/42/limits"),
    Slot::At("proc/42/exe"),
    Slot::At("proc/42/cwd"),
    Slot::At("proc/42/fd"),
    Slot::FdLink,
    Slot::At("proc/42/fdinfo/3"),
    Slot::At("proc/42/fdinfo/5"),
    Slot::At("proc/42/task/42/stat"),
    Slot::At("proc/42/task/44/stat"),
    Slot::At("proc/42/task/x/stat"),
    Slot::At("proc/43/stat"),
    Slot::At("proc/43/status"),
    Slot::At("proc/43/cmdline"),
    Slot::At("proc/44/stat"),
    Slot::At("proc/stat"),
    Slot::At("proc/meminfo"),
    Slot::At("proc/net/tcp"),
    Slot::At("proc/net/unix"),
    Slot::At("dev/pts/0"),
    Slot::ProcEntry,
];

const STAT_42: &[u8] = b"42 (fuzzed) S 1 42 42 34816 -1 4194560 10 0 1 0 5 3 0 0 20 0 2 0 500 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 7 0 0\n";
const STAT_43: &[u8] = b"43 (child) S 42 42 42 0 -1 4194560 10 0 1 0 5 3 0 0 20 0 1 0 510 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
const STATUS_42: &[u8] = b"Name:\tfuzzed\nTgid:\t42\nPPid:\t1\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nVmSize:\t 100 kB\nVmRSS:\t 40 kB\nThreads:\t2\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t2\n";

/// The PID listing and every `Process` getter that reads the tree, on a tree made
/// from `data` (see [`Tree`]); then `process_iter` with every attribute. Only
/// getters: the tree's PIDs are not the kernel's, so nothing is sent to them, and the
/// getters that are system calls (nice, ionice, rlimit, affinity) are left out.
pub fn fuzz_proc_tree(data: &[u8]) {
    let t = Tree::build(
        data,
        PROC_TABLE,
        &[
            ("proc/stat", STAT_BASE),
            ("proc/42/stat", STAT_42),
            ("proc/42/status", STATUS_42),
            ("proc/42/task/42/stat", STAT_42),
            ("proc/43/stat", STAT_43),
        ],
    );
    let h = t.host();
    let pids = tree_touch(h.pids()).unwrap_or_default();
    for &pid in pids.iter().take(4) {
        let _ = h.pid_exists(pid);
        let Some(p) = tree_touch(h.process(pid)) else {
            continue;
        };
        assert_eq!(p.pid(), pid);
        let _ = p.is_running();
        let _ = p.to_string();
        tree_touch(p.name());
        tree_touch(p.exe());
        tree_touch(p.cmdline());
        tree_touch(p.environ());
        tree_touch(p.status());
        tree_touch(p.ppid());
        tree_touch(p.create_time());
        tree_touch(p.cwd());
        tree_touch(p.terminal());
        tree_touch(p.uids());
        tree_touch(p.gids());
        tree_touch(p.username());
        tree_touch(p.is_kernel_thread());
        tree_touch(p.cpu_times());
        tree_touch(p.cpu_percent(None));
        tree_touch(p.cpu_num());
        tree_touch(p.num_ctx_switches());
        tree_touch(p.num_threads());
        tree_touch(p.threads());
        tree_touch(p.memory_info());
        tree_touch(p.memory_info_ex());
        tree_touch(p.memory_footprint());
        tree_touch(p.memory_maps(true));
        tree_touch(p.memory_maps(false));
        for m in [
            psoxide::MemType::Rss,
            psoxide::MemType::Vms,
            psoxide::MemType::Uss,
        ] {
            if let Some(v) = tree_touch(p.memory_percent(m)) {
                assert!(v >= 0.0 || v.is_nan(), "memory_percent {v}");
            }
        }
        tree_touch(p.page_faults());
        tree_touch(p.io_counters());
        tree_touch(p.open_files());
        tree_touch(p.num_fds());
        tree_touch(p.net_connections(psoxide::ConnectionKind::All));
        tree_touch(p.parent());
        tree_touch(p.parents());
        tree_touch(p.children(false));
        tree_touch(p.children(true));
        p.oneshot(|q| {
            tree_touch(q.name());
            tree_touch(q.memory_info());
            tree_touch(q.num_threads());
        });
    }
    let attrs = [
        psoxide::Attr::Pid,
        psoxide::Attr::Ppid,
        psoxide::Attr::Name,
        psoxide::Attr::Cmdline,
        psoxide::Attr::Environ,
        psoxide::Attr::Status,
        psoxide::Attr::CpuTimes,
        psoxide::Attr::MemoryInfo,
        psoxide::Attr::MemoryInfoEx,
        psoxide::Attr::NumThreads,
        psoxide::Attr::NumCtxSwitches,
        psoxide::Attr::Uids,
        psoxide::Attr::Username,
        psoxide::Attr::CreateTime,
        psoxide::Attr::OpenFiles,
        psoxide::Attr::MemoryMaps,
        psoxide::Attr::Threads,
    ];
    if let Some(it) = tree_touch(h.process_iter(Some(&attrs))) {
        let mut last = 0;
        for item in it {
            if let Some(p) = tree_touch(item) {
                assert!(p.pid() > last || last == 0, "process_iter out of order");
                last = p.pid();
                let _ = p.prefetched();
            }
        }
    }
}

/// The whole-table parsers of `kstats` (meminfo, vmstat, stat activity, diskstats,
/// net/dev, cgroup files), all on the same input: accepted tables have no more
/// entries than lines, diskstats rows at least 11 counters, every key is a token of
/// the input, and a cgroup limit is the trimmed input's digits.
pub fn fuzz_kstats(data: &[u8]) {
    let nlines = lines(data).count();
    let r = kstats::parse_meminfo_all(data, path());
    touch(&r);
    if let Ok(m) = &r {
        assert!(m.len() <= nlines, "meminfo: more entries than lines");
        for k in m.keys() {
            assert!(!k.is_empty(), "meminfo: empty key");
        }
    }
    let r = kstats::parse_vmstat_all(data, path());
    touch(&r);
    if let Ok(m) = &r {
        assert!(m.len() <= nlines, "vmstat: more entries than lines");
        assert!(m.keys().all(|k| !k.is_empty()), "vmstat: empty key");
    }
    touch(&kstats::parse_stat_activity(data, path()));
    let r = kstats::parse_diskstats_all(data, path());
    touch(&r);
    if let Ok(rows) = &r {
        assert!(rows.len() <= nlines);
        assert!(
            rows.iter().all(|d| d.counters.len() >= 11),
            "diskstats: short row accepted"
        );
    }
    let r = kstats::parse_net_dev_all(data, path());
    touch(&r);
    if let Ok(m) = &r {
        assert!(m.len() <= nlines);
    }
    let r = kstats::parse_cgroup_limit(data, path());
    touch(&r);
    if let Ok(Some(v)) = r {
        let t: Vec<u8> = data
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        assert_eq!(
            strip_zeros(&t),
            v.to_string().as_bytes(),
            "cgroup limit: value is not the input's digits"
        );
    }
    touch(&kstats::parse_cgroup_cpu_max(data, path()));
    touch(&kstats::parse_cgroup_keyed(data, path()));
}

/// `nsswitch.conf` and `passwd`: a name found is the first field of a line of the
/// input, and the UID asked for is that line's third field; a `passwd` lookup never
/// reads past a NUL it reports as unsure.
pub fn fuzz_userdb(data: &[u8]) {
    let _ = userdb::passwd_files_first(data);
    // UIDs worth asking for: 0, and every number the input spells after a colon.
    let mut uids = vec![0u32];
    for f in data.split(|&b| b == b':').skip(1) {
        let d: Vec<u8> = f.iter().copied().take_while(u8::is_ascii_digit).collect();
        if let Some(v) = std::str::from_utf8(&d).ok().and_then(|s| s.parse().ok()) {
            uids.push(v);
        }
        if uids.len() > 64 {
            break;
        }
    }
    for uid in uids {
        if let userdb::PasswdLookup::Found(name) = userdb::passwd_name(data, uid) {
            let found = data.split(|&b| b == b'\n').any(|l| {
                let start = l
                    .iter()
                    .position(|b| !b" \t\x0b\x0c\r".contains(b))
                    .unwrap_or(l.len());
                let mut f = l[start..].split(|&b| b == b':');
                f.next() == Some(name)
                    && f.nth(1)
                        .and_then(|t| std::str::from_utf8(t).ok()?.parse::<u64>().ok())
                        == Some(u64::from(uid))
            });
            assert!(found, "no line names {name:?} with uid {uid}");
        }
    }
}
