//! The floor: for every system-wide call, the fewest reads and syscalls that give the
//! same answer as psutil/psoxide on this machine, written by hand. Buffers are reused
//! across calls; the output is built as owned values of the same shape (strings, maps,
//! vectors), because a real API has to hand those to its caller too.
//!
//! What the floor deliberately leaves out (documented in BENCHMARKS.md):
//! - `nowrap` bookkeeping for the I/O counters (no counter wraps in a benchmark run);
//! - `/dev/root` device resolution in `disk_partitions` (absent here);
//! - the sysfs mode of `cpu_freq` (this machine has no cpufreq policies: the floor
//!   reports itself unavailable there rather than measuring something else);
//! - `/proc/zoneinfo` fallback of `virtual_memory` (only when `MemAvailable` is missing).

use super::raw::{self, Eof, PathBuf256};
use indexmap::IndexMap;
use serde::Serialize;
use std::ffi::CStr;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Result of a floor call: the error text if it failed.
pub type R<T> = Result<T, String>;

fn e(path: &str, err: io::Error) -> String {
    format!("{path}: {err}")
}

/// psutil's `scputimes` (8.0 order), seconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct CpuTimes {
    user: f64,
    system: f64,
    idle: f64,
    nice: f64,
    iowait: f64,
    irq: f64,
    softirq: f64,
    steal: f64,
    guest: f64,
    guest_nice: f64,
}

impl CpuTimes {
    fn fields(&self) -> [f64; 10] {
        [
            self.user,
            self.system,
            self.idle,
            self.nice,
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
            self.guest,
            self.guest_nice,
        ]
    }
    fn from_fields(f: [f64; 10]) -> Self {
        CpuTimes {
            user: f[0],
            system: f[1],
            idle: f[2],
            nice: f[3],
            iowait: f[4],
            irq: f[5],
            softirq: f[6],
            steal: f[7],
            guest: f[8],
            guest_nice: f[9],
        }
    }
}

/// psutil's `scpustats`.
#[derive(Debug, Serialize)]
pub struct CpuStats {
    ctx_switches: u64,
    interrupts: u64,
    soft_interrupts: u64,
    syscalls: u64,
}

/// psutil's `scpufreq`, MHz.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CpuFreq {
    current: f64,
    min: f64,
    max: f64,
}

/// psutil's `svmem`.
#[derive(Debug, Serialize)]
pub struct VirtualMemory {
    total: u64,
    available: u64,
    percent: f64,
    used: u64,
    free: u64,
    active: u64,
    inactive: u64,
    buffers: u64,
    cached: u64,
    shared: u64,
    slab: u64,
}

/// psutil's `sswap`.
#[derive(Debug, Serialize)]
pub struct SwapMemory {
    total: u64,
    used: u64,
    free: u64,
    percent: f64,
    sin: u64,
    sout: u64,
}

/// psutil's `sdiskpart`.
#[derive(Debug, Serialize)]
pub struct DiskPart {
    device: String,
    mountpoint: String,
    fstype: String,
    opts: String,
}

/// psutil's `sdiskusage`.
#[derive(Debug, Serialize)]
pub struct DiskUsage {
    total: u64,
    used: u64,
    free: u64,
    percent: f64,
}

/// psutil's `sdiskio` (Linux 8.0 order).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct DiskIo {
    read_count: u64,
    write_count: u64,
    read_bytes: u64,
    write_bytes: u64,
    read_time: u64,
    write_time: u64,
    read_merged_count: u64,
    write_merged_count: u64,
    busy_time: u64,
}

/// psutil's `snetio`.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct NetIo {
    bytes_sent: u64,
    bytes_recv: u64,
    packets_sent: u64,
    packets_recv: u64,
    errin: u64,
    errout: u64,
    dropin: u64,
    dropout: u64,
}

/// psutil's `snicaddr`; family as its number.
#[derive(Debug, Serialize)]
pub struct NicAddr {
    family: i32,
    address: Option<String>,
    netmask: Option<String>,
    broadcast: Option<String>,
    ptp: Option<String>,
}

/// psutil's `snicstats`; duplex as psutil's value (2 full, 1 half, 0 unknown).
#[derive(Debug, Serialize)]
pub struct NicStats {
    isup: bool,
    duplex: i32,
    speed: u64,
    mtu: u64,
    flags: String,
}

/// psutil's `shwtemp`, °C.
#[derive(Debug, Serialize)]
pub struct Temp {
    label: String,
    current: f64,
    high: Option<f64>,
    critical: Option<f64>,
}

/// psutil's `sfan`, RPM.
#[derive(Debug, Serialize)]
pub struct Fan {
    label: String,
    current: i64,
}

/// psutil's `sbattery`; secsleft as psutil's integer (-1 unknown, -2 unlimited).
#[derive(Debug, Serialize)]
pub struct Battery {
    percent: f64,
    secsleft: i64,
    power_plugged: Option<bool>,
}

/// psutil's `suser`.
#[derive(Debug, Serialize)]
pub struct User {
    name: String,
    terminal: Option<String>,
    host: String,
    started: f64,
    pid: i32,
}

/// psutil's `pheap`.
#[derive(Debug, Serialize)]
pub struct HeapInfo {
    heap_used: u64,
    mmap_used: u64,
}

/// How `cpu_freq` finds its data, decided once at start-up as psutil decides at import.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FreqMode {
    /// `/proc/cpuinfo` MHz lines, min = max = 0.
    Cpuinfo,
    /// cpufreq policies in sysfs (not implemented by the floor).
    Sysfs,
}

/// State of the floor: reused buffers and the cpu_percent baselines.
pub struct Floor {
    buf: Vec<u8>,
    buf2: Vec<u8>,
    dents: Vec<u8>,
    names: Vec<u8>,
    ticks: f64,
    freq_mode: FreqMode,
    pct_total: CpuTimes,
    pct_percpu: Vec<CpuTimes>,
    tp_total: CpuTimes,
    tp_percpu: Vec<CpuTimes>,
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}

impl Floor {
    /// Sets up buffers, `CLK_TCK`, the cpu_freq mode and the cpu_percent baselines.
    pub fn new() -> Self {
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let exists = |p: &CStr| {
            // SAFETY: valid C string.
            unsafe { libc::access(p.as_ptr(), libc::F_OK) == 0 }
        };
        let freq_mode = if exists(c"/sys/devices/system/cpu/cpufreq/policy0")
            || exists(c"/sys/devices/system/cpu/cpu0/cpufreq")
        {
            FreqMode::Sysfs
        } else {
            FreqMode::Cpuinfo
        };
        let mut f = Floor {
            buf: Vec::with_capacity(64 * 1024),
            buf2: Vec::with_capacity(16 * 1024),
            dents: vec![0; 32 * 1024],
            names: Vec::new(),
            ticks: if ticks > 0.0 { ticks } else { 100.0 },
            freq_mode,
            pct_total: CpuTimes::default(),
            pct_percpu: Vec::new(),
            tp_total: CpuTimes::default(),
            tp_percpu: Vec::new(),
        };
        if let Ok(t) = f.cpu_times() {
            f.pct_total = t;
            f.tp_total = t;
        }
        if let Ok(t) = f.cpu_times_percpu() {
            f.pct_percpu.clone_from(&t);
            f.tp_percpu = t;
        }
        f
    }

    /// The cpu_freq data source chosen at start-up.
    pub fn freq_mode(&self) -> FreqMode {
        self.freq_mode
    }

    fn proc_stat(&mut self) -> R<usize> {
        raw::read(c"/proc/stat", &mut self.buf, Eof::Short).map_err(|x| e("/proc/stat", x))
    }

    fn parse_cpu_line(&self, line: &[u8]) -> CpuTimes {
        let mut v = [0f64; 10];
        for (i, f) in raw::fields(line).skip(1).take(10).enumerate() {
            v[i] = raw::parse_u64(f).unwrap_or(0) as f64 / self.ticks;
        }
        // kernel order: user nice system idle iowait irq softirq steal guest guest_nice
        CpuTimes::from_fields([v[0], v[2], v[3], v[1], v[4], v[5], v[6], v[7], v[8], v[9]])
    }

    /// `cpu_times()`: first line of /proc/stat.
    pub fn cpu_times(&mut self) -> R<CpuTimes> {
        let n = self.proc_stat()?;
        let line = self.buf[..n].split(|&c| c == b'\n').next().unwrap_or(b"");
        Ok(self.parse_cpu_line(line))
    }

    /// `cpu_times(percpu=True)`: the `cpuN` lines of /proc/stat.
    pub fn cpu_times_percpu(&mut self) -> R<Vec<CpuTimes>> {
        let n = self.proc_stat()?;
        let mut out = Vec::with_capacity(8);
        for line in self.buf[..n].split(|&c| c == b'\n').skip(1) {
            if !line.starts_with(b"cpu") {
                break;
            }
            out.push(self.parse_cpu_line(line));
        }
        Ok(out)
    }

    /// `cpu_percent()`: busy share since the previous call.
    pub fn cpu_percent(&mut self) -> R<f64> {
        let now = self.cpu_times()?;
        let r = busy_pct(&self.pct_total, &now);
        self.pct_total = now;
        Ok(r)
    }

    /// `cpu_percent(percpu=True)`.
    pub fn cpu_percent_percpu(&mut self) -> R<Vec<f64>> {
        let now = self.cpu_times_percpu()?;
        let r = now
            .iter()
            .enumerate()
            .map(|(i, t)| busy_pct(self.pct_percpu.get(i).unwrap_or(&CpuTimes::default()), t))
            .collect();
        self.pct_percpu = now;
        Ok(r)
    }

    /// `cpu_times_percent()`.
    pub fn cpu_times_percent(&mut self) -> R<CpuTimes> {
        let now = self.cpu_times()?;
        let r = fields_pct(&self.tp_total, &now);
        self.tp_total = now;
        Ok(r)
    }

    /// `cpu_times_percent(percpu=True)`.
    pub fn cpu_times_percent_percpu(&mut self) -> R<Vec<CpuTimes>> {
        let now = self.cpu_times_percpu()?;
        let r = now
            .iter()
            .enumerate()
            .map(|(i, t)| fields_pct(self.tp_percpu.get(i).unwrap_or(&CpuTimes::default()), t))
            .collect();
        self.tp_percpu = now;
        Ok(r)
    }

    /// `cpu_count()`: sysconf(_SC_NPROCESSORS_ONLN) (glibc reads /sys/.../cpu/online).
    pub fn cpu_count(&mut self) -> Option<u32> {
        // SAFETY: no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        (n >= 1).then_some(n as u32)
    }

    /// `cpu_count(logical=False)`: distinct `core_cpus_list` contents over
    /// /sys/devices/system/cpu/cpu[0-9]*/topology (thread_siblings_list if none).
    pub fn cpu_count_physical(&mut self) -> R<Option<u32>> {
        let dir = raw::open_at(libc::AT_FDCWD, c"/sys/devices/system/cpu", libc::O_DIRECTORY)
            .map_err(|x| e("/sys/devices/system/cpu", x))?;
        self.names.clear();
        let names = &mut self.names;
        let r = raw::for_each_dent(dir, &mut self.dents, |name, _| {
            if name.len() > 3 && name.starts_with(b"cpu") && name[3..].iter().all(u8::is_ascii_digit) {
                names.extend_from_slice(name);
                names.push(b'\n');
            }
        });
        if let Err(x) = r {
            raw::close(dir);
            return Err(e("/sys/devices/system/cpu", x));
        }
        let mut seen: Vec<Vec<u8>> = Vec::new();
        for file in [&b"core_cpus_list"[..], b"thread_siblings_list"] {
            for name in self.names.split(|&c| c == b'\n').filter(|n| !n.is_empty()) {
                let p = PathBuf256::new(&[name, b"/topology/", file]);
                if let Ok(n) = raw::read_at(dir, p.c(), &mut self.buf, Eof::Short) {
                    let v = self.buf[..n].trim_ascii();
                    if !seen.iter().any(|s| s == v) {
                        seen.push(v.to_vec());
                    }
                }
            }
            if !seen.is_empty() {
                break;
            }
        }
        raw::close(dir);
        Ok((!seen.is_empty()).then_some(seen.len() as u32))
    }

    /// `cpu_stats()`: ctxt, intr total, softirq total from /proc/stat.
    pub fn cpu_stats(&mut self) -> R<CpuStats> {
        let n = self.proc_stat()?;
        let d = &self.buf[..n];
        Ok(CpuStats {
            ctx_switches: raw::number_after(d, b"\nctxt ").unwrap_or(0),
            interrupts: raw::number_after(d, b"\nintr ").unwrap_or(0),
            soft_interrupts: raw::number_after(d, b"\nsoftirq ").unwrap_or(0),
            syscalls: 0,
        })
    }

    /// `cpu_freq(percpu=True)` in cpuinfo mode: the MHz lines of /proc/cpuinfo.
    pub fn cpu_freq_percpu(&mut self) -> R<Vec<CpuFreq>> {
        if self.freq_mode != FreqMode::Cpuinfo {
            return Err("floor: sysfs cpufreq mode not implemented".into());
        }
        let n = raw::read(c"/proc/cpuinfo", &mut self.buf, Eof::Zero).map_err(|x| e("/proc/cpuinfo", x))?;
        let mut out = Vec::with_capacity(8);
        for line in self.buf[..n].split(|&c| c == b'\n') {
            let Some(c) = line.iter().position(|&c| c == b':') else {
                continue;
            };
            let key = line[..c].trim_ascii();
            let is = |k: &[u8]| key.eq_ignore_ascii_case(k);
            if is(b"cpu mhz") || is(b"clock") || is(b"cpu mhz dynamic") {
                let mut v = line[c + 1..].trim_ascii();
                if let Some(s) = v.strip_suffix(b"MHz") {
                    v = s.trim_ascii();
                }
                if let Some(x) = std::str::from_utf8(v).ok().and_then(|s| s.parse::<f64>().ok()) {
                    out.push(CpuFreq {
                        current: x,
                        min: 0.0,
                        max: 0.0,
                    });
                }
            }
        }
        Ok(out)
    }

    /// `cpu_freq()`: mean over the per-CPU entries.
    pub fn cpu_freq(&mut self) -> R<Option<CpuFreq>> {
        let v = self.cpu_freq_percpu()?;
        Ok(match v.len() {
            0 => None,
            1 => Some(v[0]),
            n => {
                let n = n as f64;
                Some(CpuFreq {
                    current: v.iter().map(|f| f.current).sum::<f64>() / n,
                    min: v.iter().map(|f| f.min).sum::<f64>() / n,
                    max: v.iter().map(|f| f.max).sum::<f64>() / n,
                })
            }
        })
    }

    /// `getloadavg()`: sysinfo(2), as glibc's getloadavg does (loads / 2^16); one
    /// syscall, no /proc/loadavg.
    pub fn getloadavg(&mut self) -> R<[f64; 3]> {
        // SAFETY: zeroed sysinfo is a valid out-parameter.
        let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
        // SAFETY: valid out pointer.
        if unsafe { libc::sysinfo(&mut si) } != 0 {
            return Err(format!("sysinfo: {}", io::Error::last_os_error()));
        }
        Ok(si.loads.map(|l| l as f64 / 65536.0))
    }

    /// `boot_time()`: btime of /proc/stat.
    pub fn boot_time(&mut self) -> R<f64> {
        let n = self.proc_stat()?;
        raw::number_after(&self.buf[..n], b"\nbtime ")
            .map(|v| v as f64)
            .ok_or_else(|| "no btime".into())
    }

    fn meminfo(&mut self, keys: &[&[u8]], out: &mut [Option<u64>]) -> R<()> {
        let n = raw::read(c"/proc/meminfo", &mut self.buf, Eof::Short).map_err(|x| e("/proc/meminfo", x))?;
        for line in self.buf[..n].split(|&c| c == b'\n') {
            let Some(c) = line.iter().position(|&c| c == b':') else {
                continue;
            };
            if let Some(i) = keys.iter().position(|k| *k == &line[..c]) {
                out[i] = raw::parse_u64(&line[c + 1..]).map(|v| v * 1024);
            }
        }
        Ok(())
    }

    /// `virtual_memory()`: /proc/meminfo.
    pub fn virtual_memory(&mut self) -> R<VirtualMemory> {
        const K: [&[u8]; 10] = [
            b"MemTotal",
            b"MemFree",
            b"MemAvailable",
            b"Buffers",
            b"Cached",
            b"SReclaimable",
            b"Shmem",
            b"Active",
            b"Inactive",
            b"Slab",
        ];
        let mut v = [None; 10];
        self.meminfo(&K, &mut v)?;
        let g = |i: usize| v[i].unwrap_or(0);
        let total = g(0);
        let free = g(1);
        let cached = g(4) + g(5);
        let mut available = match v[2] {
            Some(a) if a > 0 => a,
            _ => free + cached, // floor: no zoneinfo estimate (not reached on this kernel)
        };
        if available > total {
            available = free;
        }
        let used = total.saturating_sub(available);
        Ok(VirtualMemory {
            total,
            available,
            percent: if total == 0 {
                0.0
            } else {
                raw::round1(used as f64 / total as f64 * 100.0)
            },
            used,
            free,
            active: g(7),
            inactive: g(8),
            buffers: g(3),
            cached,
            shared: g(6),
            slab: g(9),
        })
    }

    /// `swap_memory()`: /proc/meminfo + /proc/vmstat.
    pub fn swap_memory(&mut self) -> R<SwapMemory> {
        let mut v = [None; 2];
        self.meminfo(&[b"SwapTotal", b"SwapFree"], &mut v)?;
        let (total, free) = (v[0].unwrap_or(0), v[1].unwrap_or(0));
        let n = raw::read(c"/proc/vmstat", &mut self.buf, Eof::Short).map_err(|x| e("/proc/vmstat", x))?;
        let d = &self.buf[..n];
        let sin = raw::number_after(d, b"\npswpin ").unwrap_or(0) * 4096;
        let sout = raw::number_after(d, b"\npswpout ").unwrap_or(0) * 4096;
        let used = total.saturating_sub(free);
        Ok(SwapMemory {
            total,
            used,
            free,
            percent: if total == 0 {
                0.0
            } else {
                raw::round1(used as f64 / total as f64 * 100.0)
            },
            sin,
            sout,
        })
    }

    /// `disk_partitions(all)`: /proc/filesystems (all=False) + /proc/self/mounts.
    pub fn disk_partitions(&mut self, all: bool) -> R<Vec<DiskPart>> {
        let mut nphys = 0;
        if !all {
            nphys = raw::read(c"/proc/filesystems", &mut self.buf2, Eof::Zero)
                .map_err(|x| e("/proc/filesystems", x))?;
        }
        // the physical types, split once (not once per mount line)
        let phys: Vec<&[u8]> = self.buf2[..nphys]
            .split(|&c| c == b'\n')
            .filter(|l| !l.starts_with(b"nodev"))
            .map(|l| l.trim_ascii())
            .filter(|t| !t.is_empty())
            .collect();
        let is_phys = |t: &[u8]| t == b"zfs" || phys.contains(&t);
        let n = raw::read(c"/proc/self/mounts", &mut self.buf, Eof::Zero)
            .map_err(|x| e("/proc/self/mounts", x))?;
        let mut out = Vec::new();
        for line in self.buf[..n].split(|&c| c == b'\n') {
            let mut f = line.split(|&c| c == b' ');
            let (Some(dev), Some(mnt), Some(fs), Some(opts)) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let dev: &[u8] = if dev == b"none" { b"" } else { dev };
            if !all && (dev.is_empty() || !is_phys(fs)) {
                continue;
            }
            out.push(DiskPart {
                device: unescape(dev),
                mountpoint: unescape(mnt),
                fstype: unescape(fs),
                opts: unescape(opts),
            });
        }
        Ok(out)
    }

    /// `disk_usage(path)`: statvfs.
    pub fn disk_usage(&mut self, path: &CStr) -> R<DiskUsage> {
        // SAFETY: zeroed statvfs is a valid out-parameter.
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: valid path and out pointer.
        if unsafe { libc::statvfs(path.as_ptr(), &mut s) } != 0 {
            return Err(format!("statvfs: {}", io::Error::last_os_error()));
        }
        let fr = s.f_frsize;
        let total = s.f_blocks * fr;
        let used = (s.f_blocks - s.f_bfree) * fr;
        let free = s.f_bavail * fr;
        let d = used + free;
        Ok(DiskUsage {
            total,
            used,
            free,
            percent: if d == 0 {
                0.0
            } else {
                raw::round1(used as f64 / d as f64 * 100.0)
            },
        })
    }

    fn diskstats(&mut self, mut f: impl FnMut(&[u8], DiskIo)) -> R<()> {
        let n =
            raw::read(c"/proc/diskstats", &mut self.buf, Eof::Zero).map_err(|x| e("/proc/diskstats", x))?;
        for line in self.buf[..n].split(|&c| c == b'\n') {
            let mut v = [0u64; 11];
            let mut name: &[u8] = b"";
            let mut nf = 0;
            for (i, x) in raw::fields(line).enumerate() {
                if i == 2 {
                    name = x;
                } else if (3..14).contains(&i) {
                    v[i - 3] = raw::parse_u64(x).unwrap_or(0);
                }
                nf = i + 1;
            }
            if nf == 0 {
                continue;
            }
            if nf != 14 && nf < 18 {
                return Err(format!("diskstats: {nf} columns not handled by the floor"));
            }
            // v[0..11] = reads, rmerged, rsect, rms, writes, wmerged, wsect, wms, inflight, busy, weighted
            f(
                name,
                DiskIo {
                    read_count: v[0],
                    write_count: v[4],
                    read_bytes: v[2] * 512,
                    write_bytes: v[6] * 512,
                    read_time: v[3],
                    write_time: v[7],
                    read_merged_count: v[1],
                    write_merged_count: v[5],
                    busy_time: v[9],
                },
            );
        }
        Ok(())
    }

    /// `disk_io_counters(perdisk=True)`: /proc/diskstats.
    pub fn disk_io_counters_perdisk(&mut self) -> R<IndexMap<String, DiskIo>> {
        let mut m = IndexMap::new();
        self.diskstats(|name, d| {
            m.insert(String::from_utf8_lossy(name).into_owned(), d);
        })?;
        Ok(m)
    }

    /// `disk_io_counters()`: sum over the names that exist under /sys/block (one
    /// listing of /sys/block instead of one stat per name: same answer, fewer syscalls).
    pub fn disk_io_counters(&mut self) -> R<Option<DiskIo>> {
        self.names.clear();
        let names = &mut self.names;
        raw::list_dir(libc::AT_FDCWD, c"/sys/block", &mut self.dents, |n, _| {
            names.extend_from_slice(n);
            names.push(b'\n');
        })
        .map_err(|x| e("/sys/block", x))?;
        let blocks = std::mem::take(&mut self.names);
        let mut sum = DiskIo::default();
        let mut any = false;
        self.diskstats(|name, d| {
            let known = blocks.split(|&c| c == b'\n').any(|b| {
                b.len() == name.len()
                    && b.iter()
                        .zip(name)
                        .all(|(x, y)| x == y || (*x == b'!' && *y == b'/'))
            });
            if known {
                any = true;
                sum.read_count += d.read_count;
                sum.write_count += d.write_count;
                sum.read_bytes += d.read_bytes;
                sum.write_bytes += d.write_bytes;
                sum.read_time += d.read_time;
                sum.write_time += d.write_time;
                sum.read_merged_count += d.read_merged_count;
                sum.write_merged_count += d.write_merged_count;
                sum.busy_time += d.busy_time;
            }
        })?;
        self.names = blocks;
        Ok(any.then_some(sum))
    }

    fn netdev(&mut self, mut f: impl FnMut(&[u8], NetIo)) -> R<()> {
        let n = raw::read(c"/proc/net/dev", &mut self.buf, Eof::Zero).map_err(|x| e("/proc/net/dev", x))?;
        for line in self.buf[..n].split(|&c| c == b'\n').skip(2) {
            let Some(c) = line.iter().rposition(|&c| c == b':') else {
                continue;
            };
            let mut v = [0u64; 12];
            for (i, x) in raw::fields(&line[c + 1..]).take(12).enumerate() {
                v[i] = raw::parse_u64(x).unwrap_or(0);
            }
            f(
                line[..c].trim_ascii(),
                NetIo {
                    bytes_sent: v[8],
                    bytes_recv: v[0],
                    packets_sent: v[9],
                    packets_recv: v[1],
                    errin: v[2],
                    errout: v[10],
                    dropin: v[3],
                    dropout: v[11],
                },
            );
        }
        Ok(())
    }

    /// `net_io_counters(pernic=True)`: /proc/net/dev.
    pub fn net_io_counters_pernic(&mut self) -> R<IndexMap<String, NetIo>> {
        let mut m = IndexMap::new();
        self.netdev(|name, v| {
            m.insert(String::from_utf8_lossy(name).into_owned(), v);
        })?;
        Ok(m)
    }

    /// `net_io_counters()`: the sum of /proc/net/dev.
    pub fn net_io_counters(&mut self) -> R<Option<NetIo>> {
        let mut s = NetIo::default();
        let mut any = false;
        self.netdev(|_, v| {
            any = true;
            s.bytes_sent += v.bytes_sent;
            s.bytes_recv += v.bytes_recv;
            s.packets_sent += v.packets_sent;
            s.packets_recv += v.packets_recv;
            s.errin += v.errin;
            s.errout += v.errout;
            s.dropin += v.dropin;
            s.dropout += v.dropout;
        })?;
        Ok(any.then_some(s))
    }

    /// `net_if_addrs()`: getifaddrs + freeifaddrs, formatted.
    pub fn net_if_addrs(&mut self) -> R<IndexMap<String, Vec<NicAddr>>> {
        let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
        // SAFETY: out pointer.
        if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
            return Err(format!("getifaddrs: {}", io::Error::last_os_error()));
        }
        let mut rows: Vec<(String, NicAddr)> = Vec::with_capacity(32);
        let mut p = ifap;
        while !p.is_null() {
            // SAFETY: getifaddrs returned a valid list.
            let ifa = unsafe { &*p };
            p = ifa.ifa_next;
            // SAFETY: ifa_name is a valid C string.
            let name = unsafe { CStr::from_ptr(ifa.ifa_name) }
                .to_string_lossy()
                .into_owned();
            let flags = ifa.ifa_flags;
            let fam = if ifa.ifa_addr.is_null() {
                0
            } else {
                // SAFETY: non-null sockaddr.
                unsafe { (*ifa.ifa_addr).sa_family as i32 }
            };
            let address = fmt_sockaddr(ifa.ifa_addr, &name);
            let Some(address) = address else {
                rows.push((
                    name,
                    NicAddr {
                        family: 0,
                        address: None,
                        netmask: None,
                        broadcast: None,
                        ptp: None,
                    },
                ));
                continue;
            };
            let netmask = if fam == libc::AF_PACKET {
                None
            } else {
                fmt_sockaddr(ifa.ifa_netmask, &name)
            };
            let other = fmt_sockaddr(ifa.ifa_ifu, &name);
            let mut broadcast = None;
            let mut ptp = None;
            if flags & libc::IFF_BROADCAST as u32 != 0 {
                broadcast = other;
                if fam == libc::AF_INET && netmask.as_deref() == Some("255.255.255.255") {
                    broadcast = None;
                }
            } else if flags & libc::IFF_POINTOPOINT as u32 != 0 {
                ptp = other;
            }
            rows.push((
                name,
                NicAddr {
                    family: fam,
                    address: Some(address),
                    netmask,
                    broadcast,
                    ptp,
                },
            ));
        }
        // SAFETY: list from getifaddrs, freed once.
        unsafe { libc::freeifaddrs(ifap) };
        rows.sort_by_key(|r| r.1.family);
        let mut m: IndexMap<String, Vec<NicAddr>> = IndexMap::new();
        for (name, a) in rows {
            m.entry(name).or_default().push(a);
        }
        Ok(m)
    }

    /// `net_if_stats()`: NIC names from /proc/net/dev, one AF_INET datagram socket,
    /// SIOCGIFMTU + SIOCGIFFLAGS + SIOCETHTOOL per NIC.
    pub fn net_if_stats(&mut self) -> R<IndexMap<String, NicStats>> {
        let n = raw::read(c"/proc/net/dev", &mut self.buf, Eof::Zero).map_err(|x| e("/proc/net/dev", x))?;
        // SAFETY: plain socket call.
        let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if sock < 0 {
            return Err(format!("socket: {}", io::Error::last_os_error()));
        }
        let mut m = IndexMap::new();
        let mut err = None;
        for line in self.buf[..n].split(|&c| c == b'\n').skip(2) {
            let Some(c) = line.iter().rposition(|&c| c == b':') else {
                continue;
            };
            let name = line[..c].trim_ascii();
            match nic_stats(sock, name) {
                Ok(Some(s)) => {
                    m.insert(String::from_utf8_lossy(name).into_owned(), s);
                }
                Ok(None) => {}
                Err(x) => {
                    err = Some(x);
                    break;
                }
            }
        }
        raw::close(sock);
        match err {
            Some(x) => Err(x),
            None => Ok(m),
        }
    }

    /// `sensors_temperatures()`: hwmon `temp*_*` files, else thermal zones.
    pub fn sensors_temperatures(&mut self) -> R<IndexMap<String, Vec<Temp>>> {
        let prefixes = self.hwmon_prefixes(b"temp", true);
        let mut m: IndexMap<String, Vec<Temp>> = IndexMap::new();
        if !prefixes.is_empty() {
            for p in &prefixes {
                let read_f = |suffix: &[u8], buf: &mut Vec<u8>| {
                    let path = PathBuf256::new(&[b"/sys/class/hwmon/", p, suffix]);
                    raw::read_i64(libc::AT_FDCWD, path.c(), buf).map(|v| v as f64 / 1000.0)
                };
                let Some(current) = read_f(b"_input", &mut self.buf) else {
                    continue;
                };
                let dir = &p[..p.iter().rposition(|&c| c == b'/').unwrap_or(0)];
                let name_p = PathBuf256::new(&[b"/sys/class/hwmon/", dir, b"/name"]);
                let Some(name) = raw::read_text(libc::AT_FDCWD, name_p.c(), &mut self.buf) else {
                    continue;
                };
                let high = read_f(b"_max", &mut self.buf);
                let critical = read_f(b"_crit", &mut self.buf);
                let label_p = PathBuf256::new(&[b"/sys/class/hwmon/", p, b"_label"]);
                let label = raw::read_text(libc::AT_FDCWD, label_p.c(), &mut self.buf).unwrap_or_default();
                m.entry(name).or_default().push(fill_high_crit(Temp {
                    label,
                    current,
                    high,
                    critical,
                }));
            }
            return Ok(m);
        }
        // thermal-zone fallback
        self.names.clear();
        let names = &mut self.names;
        let _ = raw::list_dir(libc::AT_FDCWD, c"/sys/class/thermal", &mut self.dents, |n, _| {
            if n.starts_with(b"thermal_zone") {
                names.extend_from_slice(n);
                names.push(b'\n');
            }
        });
        if self.names.is_empty() {
            return Ok(m);
        }
        let mut zones: Vec<Vec<u8>> = self
            .names
            .split(|&c| c == b'\n')
            .filter(|n| !n.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        zones.sort();
        for z in zones {
            let base = |s: &[u8]| PathBuf256::new(&[b"/sys/class/thermal/", &z, b"/", s]);
            let Some(cur) = raw::read_i64(libc::AT_FDCWD, base(b"temp").c(), &mut self.buf) else {
                continue;
            };
            let Some(name) = raw::read_text(libc::AT_FDCWD, base(b"type").c(), &mut self.buf) else {
                continue;
            };
            let mut t = Temp {
                label: String::new(),
                current: cur as f64 / 1000.0,
                high: None,
                critical: None,
            };
            let mut trips = Vec::new();
            let zp = PathBuf256::new(&[b"/sys/class/thermal/", &z]);
            let _ = raw::list_dir(libc::AT_FDCWD, zp.c(), &mut self.dents, |n, _| {
                if n.starts_with(b"trip_point_") && n.ends_with(b"_type") {
                    trips.push(n[..n.len() - 5].to_vec());
                }
            });
            trips.sort();
            for tp in trips {
                let ty = raw::read_text(
                    libc::AT_FDCWD,
                    base(&[&tp[..], b"_type"].concat()).c(),
                    &mut self.buf,
                );
                let temp = |buf: &mut Vec<u8>| {
                    raw::read_i64(libc::AT_FDCWD, base(&[&tp[..], b"_temp"].concat()).c(), buf)
                        .map(|x| x as f64 / 1000.0)
                };
                match ty.as_deref() {
                    Some("critical") => t.critical = temp(&mut self.buf),
                    Some("high") => t.high = temp(&mut self.buf),
                    _ => {}
                }
            }
            m.entry(name).or_default().push(fill_high_crit(t));
        }
        Ok(m)
    }

    /// Sorted `hwmonN/<kind>K` (or `hwmonN/device/<kind>K`) prefixes of files
    /// `<kind>K_*`. For temperatures both places are used; for fans the device
    /// directories only when the first glob is empty.
    fn hwmon_prefixes(&mut self, kind: &[u8], both: bool) -> Vec<Vec<u8>> {
        let mut hw: Vec<Vec<u8>> = Vec::new();
        if raw::list_dir(libc::AT_FDCWD, c"/sys/class/hwmon", &mut self.dents, |n, _| {
            if n.starts_with(b"hwmon") {
                hw.push(n.to_vec());
            }
        })
        .is_err()
        {
            return Vec::new();
        }
        let mut out: Vec<Vec<u8>> = Vec::new();
        let scan = |sub: &[u8], out: &mut Vec<Vec<u8>>, dents: &mut Vec<u8>| {
            for h in &hw {
                let dir = PathBuf256::new(&[b"/sys/class/hwmon/", h, sub]);
                let _ = raw::list_dir(libc::AT_FDCWD, dir.c(), dents, |n, _| {
                    if n.starts_with(kind) {
                        if let Some(u) = n.iter().position(|&c| c == b'_') {
                            out.push([&h[..], sub, b"/", &n[..u]].concat());
                        }
                    }
                });
            }
        };
        scan(b"", &mut out, &mut self.dents);
        if both || out.is_empty() {
            scan(b"/device", &mut out, &mut self.dents);
        }
        out.sort();
        out.dedup();
        out
    }

    /// `sensors_fans()`: hwmon `fan*_input`.
    pub fn sensors_fans(&mut self) -> R<IndexMap<String, Vec<Fan>>> {
        let prefixes = self.hwmon_prefixes(b"fan", false);
        let mut m: IndexMap<String, Vec<Fan>> = IndexMap::new();
        for p in &prefixes {
            let ip = PathBuf256::new(&[b"/sys/class/hwmon/", p, b"_input"]);
            let Some(current) = raw::read_i64(libc::AT_FDCWD, ip.c(), &mut self.buf) else {
                continue;
            };
            let dir = &p[..p.iter().rposition(|&c| c == b'/').unwrap_or(0)];
            let np = PathBuf256::new(&[b"/sys/class/hwmon/", dir, b"/name"]);
            let Some(name) = raw::read_text(libc::AT_FDCWD, np.c(), &mut self.buf) else {
                continue;
            };
            let lp = PathBuf256::new(&[b"/sys/class/hwmon/", p, b"_label"]);
            let label = raw::read_text(libc::AT_FDCWD, lp.c(), &mut self.buf).unwrap_or_default();
            m.entry(name).or_default().push(Fan { label, current });
        }
        Ok(m)
    }

    /// `sensors_battery()`: /sys/class/power_supply.
    pub fn sensors_battery(&mut self) -> R<Option<Battery>> {
        let mut best: Option<Vec<u8>> = None;
        raw::list_dir(
            libc::AT_FDCWD,
            c"/sys/class/power_supply",
            &mut self.dents,
            |n, _| {
                let is_bat =
                    n.starts_with(b"BAT") || n.to_ascii_lowercase().windows(7).any(|w| w == b"battery");
                if is_bat && best.as_deref().map_or(true, |b| n < b) {
                    best = Some(n.to_vec());
                }
            },
        )
        .map_err(|x| e("/sys/class/power_supply", x))?;
        let Some(bat) = best else {
            return Ok(None);
        };
        let mut rd = |f: &[u8]| {
            let p = PathBuf256::new(&[b"/sys/class/power_supply/", &bat, b"/", f]);
            raw::read_i64(libc::AT_FDCWD, p.c(), &mut self.buf)
        };
        let now = rd(b"energy_now").or_else(|| rd(b"charge_now"));
        let power = rd(b"power_now").or_else(|| rd(b"current_now"));
        let full = rd(b"energy_full").or_else(|| rd(b"charge_full"));
        let tte = rd(b"time_to_empty_now");
        let percent = match (now, full) {
            (Some(n), Some(f)) => {
                if f == 0 {
                    0.0
                } else {
                    100.0 * n as f64 / f as f64
                }
            }
            _ => match rd(b"capacity") {
                Some(c) => c as f64,
                None => return Ok(None),
            },
        };
        let ac = raw::read_i64(
            libc::AT_FDCWD,
            c"/sys/class/power_supply/AC0/online",
            &mut self.buf,
        )
        .or_else(|| {
            raw::read_i64(
                libc::AT_FDCWD,
                c"/sys/class/power_supply/AC/online",
                &mut self.buf,
            )
        });
        let plugged = match ac {
            Some(v) => Some(v == 1),
            None => {
                let p = PathBuf256::new(&[b"/sys/class/power_supply/", &bat, b"/status"]);
                match raw::read_text(libc::AT_FDCWD, p.c(), &mut self.buf)
                    .map(|s| s.to_lowercase())
                    .as_deref()
                {
                    Some("discharging") => Some(false),
                    Some("charging") | Some("full") => Some(true),
                    _ => None,
                }
            }
        };
        let secsleft = if plugged == Some(true) {
            -2
        } else if let (Some(n), Some(p)) = (now, power) {
            if p == 0 {
                -1
            } else {
                (n as f64 / (p as f64).abs() * 3600.0) as i64
            }
        } else if let Some(t) = tte {
            if t < 0 {
                -1
            } else {
                t * 60
            }
        } else {
            -1
        };
        Ok(Some(Battery {
            percent,
            secsleft,
            power_plugged: plugged,
        }))
    }

    /// `users()`: the USER_PROCESS records of /var/run/utmp (384-byte glibc records).
    pub fn users(&mut self) -> R<Vec<User>> {
        let n = match raw::read(c"/var/run/utmp", &mut self.buf, Eof::Zero) {
            Ok(n) => n,
            // glibc's getutxent on a missing utmp yields no records: psutil returns [].
            Err(x) if x.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(x) => return Err(e("/var/run/utmp", x)),
        };
        let cstr = |b: &[u8]| {
            let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
            String::from_utf8_lossy(b).into_owned()
        };
        let i32_at = |r: &[u8], o: usize| i32::from_ne_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]]);
        let mut out = Vec::new();
        for r in self.buf[..n].chunks_exact(384) {
            if i16::from_ne_bytes([r[0], r[1]]) != libc::USER_PROCESS {
                continue;
            }
            let line = cstr(&r[8..40]);
            let host = cstr(&r[76..332]);
            out.push(User {
                name: cstr(&r[44..76]),
                terminal: (!line.is_empty()).then_some(line),
                host: if host.is_empty() || host == ":0" || host == ":0.0" {
                    "localhost".into()
                } else {
                    host
                },
                started: i32_at(r, 340) as f64,
                pid: i32_at(r, 4),
            });
        }
        Ok(out)
    }

    /// `heap_info()`: mallinfo2.
    pub fn heap_info(&mut self) -> R<HeapInfo> {
        // SAFETY: glibc call without preconditions.
        let m = unsafe { libc::mallinfo2() };
        Ok(HeapInfo {
            heap_used: m.uordblks as u64,
            mmap_used: m.hblkhd as u64,
        })
    }

    /// `heap_trim()`: malloc_trim(0).
    pub fn heap_trim(&mut self) -> R<()> {
        // SAFETY: glibc call without preconditions.
        unsafe { libc::malloc_trim(0) };
        Ok(())
    }
}

fn fill_high_crit(mut t: Temp) -> Temp {
    let truthy = |x: Option<f64>| x.is_some_and(|v| v != 0.0);
    if truthy(t.high) && !truthy(t.critical) {
        t.critical = t.high;
    }
    if truthy(t.critical) && !truthy(t.high) {
        t.high = t.critical;
    }
    t
}

fn deltas(old: &CpuTimes, new: &CpuTimes) -> ([f64; 10], f64) {
    let (o, n) = (old.fields(), new.fields());
    let mut d = [0.0; 10];
    for i in 0..10 {
        d[i] = (n[i] - o[i]).max(0.0);
    }
    let total = d.iter().sum::<f64>() - d[8] - d[9];
    (d, total)
}

fn busy_pct(old: &CpuTimes, new: &CpuTimes) -> f64 {
    let (d, total) = deltas(old, new);
    let busy = total - d[2] - d[4];
    if total <= 0.0 {
        0.0
    } else {
        raw::round1(busy / total * 100.0)
    }
}

fn fields_pct(old: &CpuTimes, new: &CpuTimes) -> CpuTimes {
    let (d, total) = deltas(old, new);
    let scale = 100.0 / total.max(1.0);
    let mut f = [0.0; 10];
    for i in 0..10 {
        f[i] = raw::round1(d[i] * scale).clamp(0.0, 100.0);
    }
    CpuTimes::from_fields(f)
}

/// getmntent's octal escapes: `\040` space, `\011` tab, `\012` newline, `\134` backslash.
fn unescape(b: &[u8]) -> String {
    if !b.contains(&b'\\') {
        return String::from_utf8_lossy(b).into_owned();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a sockaddr as psutil does; `None` for no address, an unknown family or a
/// zero-length hardware address.
fn fmt_sockaddr(sa: *const libc::sockaddr, ifname: &str) -> Option<String> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: non-null sockaddr from getifaddrs; the family says which struct it is.
    unsafe {
        match (*sa).sa_family as i32 {
            libc::AF_INET => {
                let s = &*(sa as *const libc::sockaddr_in);
                Some(Ipv4Addr::from(u32::from_be(s.sin_addr.s_addr)).to_string())
            }
            libc::AF_INET6 => {
                let s = &*(sa as *const libc::sockaddr_in6);
                let a = Ipv6Addr::from(s.sin6_addr.s6_addr);
                let seg0 = a.segments()[0];
                // getnameinfo adds %ifname for link-local unicast/multicast scopes
                if s.sin6_scope_id != 0 && ((seg0 & 0xffc0) == 0xfe80 || (seg0 & 0xff0f) == 0xff02) {
                    Some(format!("{a}%{ifname}"))
                } else {
                    Some(a.to_string())
                }
            }
            libc::AF_PACKET => {
                let s = &*(sa as *const libc::sockaddr_ll);
                let len = (s.sll_halen as usize).min(8);
                if len == 0 {
                    return None;
                }
                let mut out = String::with_capacity(17);
                for (i, b) in s.sll_addr[..len].iter().enumerate() {
                    if i > 0 {
                        out.push(':');
                    }
                    push_hex(&mut out, *b);
                }
                for _ in len..6 {
                    out.push_str(":00");
                }
                Some(out)
            }
            _ => None,
        }
    }
}

fn push_hex(s: &mut String, b: u8) {
    const H: &[u8; 16] = b"0123456789abcdef";
    s.push(H[(b >> 4) as usize] as char);
    s.push(H[(b & 15) as usize] as char);
}

const FLAG_NAMES: [&str; 16] = [
    "up",
    "broadcast",
    "debug",
    "loopback",
    "pointopoint",
    "notrailers",
    "running",
    "noarp",
    "promisc",
    "allmulti",
    "master",
    "slave",
    "multicast",
    "portsel",
    "automedia",
    "dynamic",
];

fn ifreq(name: &[u8]) -> libc::ifreq {
    // SAFETY: ifreq is plain data; zero is a valid value.
    let mut r: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in r.ifr_name.iter_mut().zip(name.iter().take(libc::IFNAMSIZ - 1)) {
        *d = *s as libc::c_char;
    }
    r
}

#[repr(C)]
#[derive(Default)]
struct EthtoolCmd {
    cmd: u32,
    supported: u32,
    advertising: u32,
    speed: u16,
    duplex: u8,
    port: u8,
    phy_address: u8,
    transceiver: u8,
    autoneg: u8,
    mdio_support: u8,
    maxtxpkt: u32,
    maxrxpkt: u32,
    speed_hi: u16,
    eth_tp_mdix: u8,
    eth_tp_mdix_ctrl: u8,
    lp_advertising: u32,
    reserved: [u32; 2],
}

const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GSET: u32 = 1;

/// mtu, flags and ethtool duplex/speed of one NIC; `None` if it vanished (ENODEV).
fn nic_stats(sock: libc::c_int, name: &[u8]) -> R<Option<NicStats>> {
    let ioctl = |req: libc::c_ulong, r: &mut libc::ifreq| -> io::Result<()> {
        // SAFETY: `r` is a valid ifreq for these requests.
        if unsafe { libc::ioctl(sock, req as _, r as *mut libc::ifreq) } < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    let gone = |x: &io::Error| x.raw_os_error() == Some(libc::ENODEV);
    let mut r = ifreq(name);
    if let Err(x) = ioctl(libc::SIOCGIFMTU, &mut r) {
        return if gone(&x) {
            Ok(None)
        } else {
            Err(format!("SIOCGIFMTU: {x}"))
        };
    }
    // SAFETY: the union member written by SIOCGIFMTU.
    let mtu = unsafe { r.ifr_ifru.ifru_mtu } as u64;
    let mut r = ifreq(name);
    if let Err(x) = ioctl(libc::SIOCGIFFLAGS, &mut r) {
        return if gone(&x) {
            Ok(None)
        } else {
            Err(format!("SIOCGIFFLAGS: {x}"))
        };
    }
    // SAFETY: the union member written by SIOCGIFFLAGS.
    let fl = unsafe { r.ifr_ifru.ifru_flags } as u16;
    let mut flags = String::with_capacity(48);
    for (i, n) in FLAG_NAMES.iter().enumerate() {
        if fl & (1 << i) != 0 {
            if !flags.is_empty() {
                flags.push(',');
            }
            flags.push_str(n);
        }
    }
    let mut cmd = EthtoolCmd {
        cmd: ETHTOOL_GSET,
        ..Default::default()
    };
    let mut r = ifreq(name);
    r.ifr_ifru.ifru_data = (&mut cmd as *mut EthtoolCmd).cast();
    let (duplex, speed) = match ioctl(SIOCETHTOOL, &mut r) {
        Ok(()) => {
            let d = match cmd.duplex {
                0 => 1,
                1 => 2,
                _ => 0,
            };
            let s = ((cmd.speed_hi as u64) << 16) | cmd.speed as u64;
            (
                d,
                if s == 0xFFFF_FFFF || s > i32::MAX as u64 {
                    0
                } else {
                    s
                },
            )
        }
        Err(x)
            if matches!(
                x.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EINVAL | libc::EBUSY)
            ) =>
        {
            (0, 0)
        }
        Err(x) if gone(&x) => return Ok(None),
        Err(x) => return Err(format!("SIOCETHTOOL: {x}")),
    };
    Ok(Some(NicStats {
        isup: fl as i32 & libc::IFF_RUNNING != 0,
        duplex,
        speed,
        mtu,
        flags,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_octal() {
        assert_eq!(unescape(br"/mnt/a\040b"), "/mnt/a b");
        assert_eq!(unescape(br"x\134y"), "x\\y");
        assert_eq!(unescape(br"trail\04"), "trail\\04");
        assert_eq!(unescape(b"plain"), "plain");
    }

    #[test]
    fn percent_formulas() {
        let a = CpuTimes::default();
        let b = CpuTimes::from_fields([3.0, 1.0, 4.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        // busy = 10 - idle 4 - iowait 2 = 4 of 10
        assert_eq!(busy_pct(&a, &b), 40.0);
        let p = fields_pct(&a, &b);
        assert_eq!(p.user, 30.0);
        assert_eq!(p.idle, 40.0);
        assert_eq!(busy_pct(&b, &b), 0.0);
    }

    #[test]
    fn floor_reads_this_machine() {
        let mut f = Floor::new();
        let t = f.cpu_times().unwrap();
        assert!(t.user > 0.0);
        assert_eq!(f.cpu_times_percpu().unwrap().len() as u32, f.cpu_count().unwrap());
        assert!(f.boot_time().unwrap() > 1e9);
        assert!(f.virtual_memory().unwrap().total > 0);
    }
}
