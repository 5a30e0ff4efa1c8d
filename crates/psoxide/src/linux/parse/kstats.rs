//! Whole-file parsers of kernel tables that psutil's API summarises: every line of
//! `/proc/meminfo` and `/proc/vmstat`, the activity lines of `/proc/stat`, every column
//! of `/proc/diskstats` and `/proc/net/dev`, and the cgroup v2 line of
//! `/proc/PID/cgroup` and the flat cgroup v2 interface files.

use super::num::{fields, trim, u64_dec};
use crate::error::{Error, Result};
use indexmap::IndexMap;
use std::path::Path;

/// Splits `bytes` into lines (no trailing empty line), numbered from 1.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = body.is_empty();
    body.split(|&c| c == b'\n')
        .enumerate()
        .filter(move |_| !empty)
        .map(|(i, l)| (i + 1, l))
}

fn bad(path: &Path, lineno: usize, what: &str, got: &[u8]) -> Error {
    Error::parse(
        path,
        format!("line {lineno}: {what}, got {:?}", String::from_utf8_lossy(got)),
    )
}

/// One line of `/proc/meminfo`: the value and whether it was given in kB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeminfoRaw {
    /// The number as written (kB for `kib` lines, a count otherwise).
    pub value: u64,
    /// True when the line ends in ` kB`.
    pub kib: bool,
}

/// Every `Key: value [kB]` line of `/proc/meminfo`, in file order.
pub fn parse_meminfo_all(bytes: &[u8], path: &Path) -> Result<IndexMap<String, MeminfoRaw>> {
    let mut out = IndexMap::new();
    for (n, line) in lines(bytes) {
        if trim(line).is_empty() {
            continue;
        }
        let colon = line
            .iter()
            .position(|&c| c == b':')
            .ok_or_else(|| bad(path, n, "expected `Key: value`", line))?;
        let key = trim(&line[..colon]);
        if key.is_empty() {
            return Err(bad(path, n, "expected a key before ':'", line));
        }
        let mut rest = fields(&line[colon + 1..]);
        let num = rest.next().ok_or_else(|| bad(path, n, "expected a number", line))?;
        let value = u64_dec(num).ok_or_else(|| bad(path, n, "expected an unsigned integer", num))?;
        let kib = match rest.next() {
            None => false,
            Some(b"kB") => true,
            Some(u) => return Err(bad(path, n, "expected the unit kB or none", u)),
        };
        out.insert(String::from_utf8_lossy(key).into_owned(), MeminfoRaw { value, kib });
    }
    Ok(out)
}

/// Every `name value` line of `/proc/vmstat`, in file order.
pub fn parse_vmstat_all(bytes: &[u8], path: &Path) -> Result<IndexMap<String, u64>> {
    let mut out = IndexMap::new();
    for (n, line) in lines(bytes) {
        let mut f = fields(line);
        let (Some(k), Some(v), None) = (f.next(), f.next(), f.next()) else {
            if trim(line).is_empty() {
                continue;
            }
            return Err(bad(path, n, "expected `name value`", line));
        };
        let v = u64_dec(v).ok_or_else(|| bad(path, n, "expected an unsigned integer", v))?;
        out.insert(String::from_utf8_lossy(k).into_owned(), v);
    }
    Ok(out)
}

/// The activity lines of `/proc/stat` (each `None` when the kernel does not print it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatActivity {
    /// `ctxt`: context switches since boot (count).
    pub ctxt: Option<u64>,
    /// `btime`: boot time (seconds since the epoch).
    pub btime: Option<u64>,
    /// `processes`: forks since boot (count).
    pub processes: Option<u64>,
    /// `procs_running`: runnable threads now (count).
    pub procs_running: Option<u64>,
    /// `procs_blocked`: threads blocked on I/O now (count).
    pub procs_blocked: Option<u64>,
    /// The first number of `intr`: interrupts since boot (count).
    pub intr: Option<u64>,
}

/// The activity lines of `/proc/stat` (the `cpu` lines are skipped).
pub fn parse_stat_activity(bytes: &[u8], path: &Path) -> Result<StatActivity> {
    let mut a = StatActivity::default();
    for (n, line) in lines(bytes) {
        let mut f = fields(line);
        let Some(key) = f.next() else { continue };
        let slot = match key {
            b"ctxt" => &mut a.ctxt,
            b"btime" => &mut a.btime,
            b"processes" => &mut a.processes,
            b"procs_running" => &mut a.procs_running,
            b"procs_blocked" => &mut a.procs_blocked,
            b"intr" => &mut a.intr,
            _ => continue,
        };
        let v = f.next().ok_or_else(|| bad(path, n, "expected a number after the key", line))?;
        *slot = Some(u64_dec(v).ok_or_else(|| bad(path, n, "expected an unsigned integer", v))?);
    }
    Ok(a)
}

/// One line of `/proc/diskstats`: the device and every counter column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskStatsRaw {
    /// Major device number.
    pub major: u32,
    /// Minor device number.
    pub minor: u32,
    /// Kernel device name (lossily decoded).
    pub name: String,
    /// The counters after the name, in kernel order (11 before Linux 4.18, 15 before
    /// 5.5, 17 since).
    pub counters: Vec<u64>,
}

/// Every line of `/proc/diskstats`.
pub fn parse_diskstats_all(bytes: &[u8], path: &Path) -> Result<Vec<DiskStatsRaw>> {
    let mut out = Vec::new();
    for (n, line) in lines(bytes) {
        let mut f = fields(line);
        let (Some(ma), Some(mi), Some(name)) = (f.next(), f.next(), f.next()) else {
            if trim(line).is_empty() {
                continue;
            }
            return Err(bad(path, n, "expected `major minor name counters...`", line));
        };
        let dev = |t: &[u8]| -> Result<u32> {
            u64_dec(t)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| bad(path, n, "expected a device number", t))
        };
        let (major, minor) = (dev(ma)?, dev(mi)?);
        let mut counters = Vec::with_capacity(17);
        for t in f {
            counters.push(u64_dec(t).ok_or_else(|| bad(path, n, "expected an unsigned integer", t))?);
        }
        if counters.len() < 11 {
            return Err(bad(path, n, "expected at least 11 counters", line));
        }
        out.push(DiskStatsRaw {
            major,
            minor,
            name: String::from_utf8_lossy(name).into_owned(),
            counters,
        });
    }
    Ok(out)
}

/// The 16 columns of `/proc/net/dev`: receive bytes, packets, errs, drop, fifo,
/// frame, compressed, multicast, then transmit bytes, packets, errs, drop, fifo,
/// colls, carrier, compressed.
pub const NET_DEV_COLUMNS: usize = 16;

/// Every interface line of `/proc/net/dev` (the two header lines are skipped).
pub fn parse_net_dev_all(bytes: &[u8], path: &Path) -> Result<IndexMap<String, [u64; NET_DEV_COLUMNS]>> {
    let mut out = IndexMap::new();
    for (n, line) in lines(bytes) {
        if n <= 2 {
            continue;
        }
        let Some(colon) = line.iter().rposition(|&c| c == b':') else {
            if trim(line).is_empty() {
                continue;
            }
            return Err(bad(path, n, "expected `name: counters`", line));
        };
        let name = trim(&line[..colon]);
        let mut vals = [0u64; NET_DEV_COLUMNS];
        let mut count = 0;
        for t in fields(&line[colon + 1..]) {
            let slot = vals
                .get_mut(count)
                .ok_or_else(|| bad(path, n, "expected 16 counters", line))?;
            *slot = u64_dec(t).ok_or_else(|| bad(path, n, "expected an unsigned integer", t))?;
            count += 1;
        }
        if count != NET_DEV_COLUMNS {
            return Err(bad(path, n, "expected 16 counters", line));
        }
        out.insert(String::from_utf8_lossy(name).into_owned(), vals);
    }
    Ok(out)
}

/// A cgroup v2 limit file (`memory.max`, `pids.max`): a number, or `None` for `max`.
pub fn parse_cgroup_limit(bytes: &[u8], path: &Path) -> Result<Option<u64>> {
    let t = trim(bytes);
    if t == b"max" {
        return Ok(None);
    }
    u64_dec(t)
        .map(Some)
        .ok_or_else(|| bad(path, 1, "expected an unsigned integer or `max`", t))
}

/// `cpu.max`: the quota (`None` for `max`) and the period, both in microseconds.
pub fn parse_cgroup_cpu_max(bytes: &[u8], path: &Path) -> Result<(Option<u64>, u64)> {
    let mut f = fields(bytes);
    let (Some(q), Some(p)) = (f.next(), f.next()) else {
        return Err(bad(path, 1, "expected `quota period`", bytes));
    };
    let quota = if q == b"max" {
        None
    } else {
        Some(u64_dec(q).ok_or_else(|| bad(path, 1, "expected a quota in µs or `max`", q))?)
    };
    let period = u64_dec(p).ok_or_else(|| bad(path, 1, "expected a period in µs", p))?;
    Ok((quota, period))
}

/// A flat-keyed cgroup v2 file (`cpu.stat`, `memory.stat`): `key value` lines.
pub fn parse_cgroup_keyed(bytes: &[u8], path: &Path) -> Result<IndexMap<String, u64>> {
    parse_vmstat_all(bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/proc/x")
    }

    #[test]
    fn meminfo_all_lines() {
        let m = parse_meminfo_all(
            b"MemTotal:       16000 kB\nActive(anon):     12 kB\nHugePages_Total:       3\n",
            p(),
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m["MemTotal"], MeminfoRaw { value: 16000, kib: true });
        assert_eq!(m["Active(anon)"], MeminfoRaw { value: 12, kib: true });
        assert_eq!(m["HugePages_Total"], MeminfoRaw { value: 3, kib: false });
        for bad in [&b"MemTotal 1 kB\n"[..], b"X: y kB\n", b"X: 1 MB\n", b": 1\n", b"X:\n"] {
            let e = parse_meminfo_all(bad, p()).unwrap_err().to_string();
            assert!(e.contains("line 1"), "{e}");
        }
        assert!(parse_meminfo_all(b"", p()).unwrap().is_empty());
    }

    #[test]
    fn vmstat_all_lines() {
        let v = parse_vmstat_all(b"nr_free_pages 5\npgpgin 7\n", p()).unwrap();
        assert_eq!(v["nr_free_pages"], 5);
        assert_eq!(v["pgpgin"], 7);
        assert!(parse_vmstat_all(b"a 1\nb x\n", p()).unwrap_err().to_string().contains("line 2"));
        assert!(parse_vmstat_all(b"a 1 2\n", p()).is_err());
    }

    #[test]
    fn stat_activity() {
        let s = b"cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 99 0 1\nctxt 5\nbtime 1700000000\nprocesses 42\nprocs_running 3\nprocs_blocked 1\nsoftirq 1 2\n";
        let a = parse_stat_activity(s, p()).unwrap();
        assert_eq!(
            a,
            StatActivity {
                ctxt: Some(5),
                btime: Some(1_700_000_000),
                processes: Some(42),
                procs_running: Some(3),
                procs_blocked: Some(1),
                intr: Some(99),
            }
        );
        assert!(parse_stat_activity(b"ctxt\n", p()).is_err());
        assert!(parse_stat_activity(b"ctxt -1\n", p()).is_err());
        assert_eq!(parse_stat_activity(b"", p()).unwrap(), StatActivity::default());
    }

    #[test]
    fn diskstats_all_columns() {
        let d = parse_diskstats_all(
            b" 254 0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n   7 0 loop0 0 0 0 0 0 0 0 0 0 0 0\n",
            p(),
        )
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].major, d[0].minor, d[0].name.as_str()), (254, 0, "vda"));
        assert_eq!(d[0].counters, (1..=17).collect::<Vec<u64>>());
        assert_eq!(d[1].counters.len(), 11);
        assert!(parse_diskstats_all(b"1 2 sda 1 2 3\n", p()).is_err());
        assert!(parse_diskstats_all(b"1 x sda 1 2 3 4 5 6 7 8 9 10 11\n", p()).is_err());
    }

    #[test]
    fn net_dev_all_columns() {
        let text = b"Inter-|   Receive\n face |bytes\n    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth0:17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1\n";
        let m = parse_net_dev_all(text, p()).unwrap();
        let lo: Vec<u64> = (1..=16).collect();
        assert_eq!(m["lo"].to_vec(), lo);
        assert_eq!(m["eth0"][0], 17);
        assert_eq!(m["eth0"][15], 1);
        assert!(parse_net_dev_all(b"h\nh\n lo: 1 2\n", p()).is_err());
        assert!(parse_net_dev_all(b"h\nh\n lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", p()).is_err());
    }

    #[test]
    fn cgroup_files() {
        assert_eq!(parse_cgroup_limit(b"max\n", p()).unwrap(), None);
        assert_eq!(parse_cgroup_limit(b"1024\n", p()).unwrap(), Some(1024));
        assert!(parse_cgroup_limit(b"-1\n", p()).is_err());
        assert_eq!(parse_cgroup_cpu_max(b"max 100000\n", p()).unwrap(), (None, 100_000));
        assert_eq!(parse_cgroup_cpu_max(b"50000 100000\n", p()).unwrap(), (Some(50_000), 100_000));
        assert!(parse_cgroup_cpu_max(b"50000\n", p()).is_err());
        let k = parse_cgroup_keyed(b"usage_usec 10\nuser_usec 4\n", p()).unwrap();
        assert_eq!(k["usage_usec"], 10);
    }
}
