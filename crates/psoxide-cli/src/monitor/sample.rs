//! Data sampling: one pass over the system functions and one `process_iter` scan per
//! refresh, through the psoxide library only.
//!
//! Rates (disk and network bytes per second) are the difference of two counter
//! samples divided by the time between them; CPU percentages come from the library's
//! baselines (`cpu_percent_percpu(None)` for the cores, each kept process handle's
//! `cpu_percent(None)` for the processes), so the first refresh shows 0 and every later
//! one the share since the refresh before.

use super::fmt::clean;
use psoxide::{Attr, IndexMap, Pid, Process, ProcessStatus};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A section's value, or the line that says why it could not be read: the function,
/// the error's message and the exception psutil would raise.
pub type Section<T> = Result<T, String>;

/// Formats a library error for a section line.
pub fn section_err(what: &str, e: &psoxide::Error) -> String {
    format!("{what}: {e} ({})", e.exception_name())
}

/// One mounted filesystem of the Disks panel.
#[derive(Clone, Debug, PartialEq)]
pub struct DiskLine {
    /// Where it is mounted.
    pub mountpoint: String,
    /// The device's kernel name (`sda1`, `vda`, `dm-0`), the key of its I/O counters.
    pub device: String,
    /// Used space in percent (`disk_usage`), `None` when it could not be read.
    pub percent: Option<f64>,
    /// Bytes read per second since the previous refresh.
    pub read: f64,
    /// Bytes written per second since the previous refresh.
    pub write: f64,
}

/// One network interface of the Network panel.
#[derive(Clone, Debug, PartialEq)]
pub struct NetLine {
    /// The interface name.
    pub name: String,
    /// Whether it is up (`net_if_stats`); `None` when unknown.
    pub up: Option<bool>,
    /// Bytes received per second since the previous refresh.
    pub rx: f64,
    /// Bytes sent per second since the previous refresh.
    pub tx: f64,
}

/// One line of the Sensors panel: a temperature, a fan or the battery.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorLine {
    /// Chip and label, e.g. `coretemp Package id 0`, `battery`.
    pub label: String,
    /// The reading with its unit, e.g. `45.0°C`, `1200 RPM`, `87% plugged in`.
    pub value: String,
    /// True when a temperature reached its `high` or `critical` threshold.
    pub alarm: bool,
}

/// Counts of the processes of the last scan by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tasks {
    /// Processes listed.
    pub total: usize,
    /// In state running.
    pub running: usize,
    /// In a sleeping or idle state.
    pub sleeping: usize,
    /// Stopped or traced.
    pub stopped: usize,
    /// Zombies.
    pub zombie: usize,
    /// Threads of all processes.
    pub threads: u64,
}

/// What the header shows, from one refresh.
#[derive(Clone, Debug)]
pub struct SysSample {
    /// The node name (`uname -n`).
    pub host: String,
    /// `sysname release` (`uname -sr`).
    pub kernel: String,
    /// Seconds since boot, from `boot_time()`.
    pub uptime: Section<f64>,
    /// Load averages over 1, 5 and 15 minutes (`getloadavg`).
    pub load: Section<[f64; 3]>,
    /// Busy percent of all CPUs since the previous refresh (`cpu_percent`).
    pub cpu_total: Section<f64>,
    /// Busy percent per logical CPU since the previous refresh (`cpu_percent_percpu`).
    pub percpu: Section<Vec<f64>>,
    /// `virtual_memory()`.
    pub mem: Section<psoxide::VirtualMemory>,
    /// `swap_memory()`.
    pub swap: Section<psoxide::SwapMemory>,
    /// Mounted physical filesystems with their devices' I/O rates.
    pub disks: Section<Vec<DiskLine>>,
    /// Network interfaces with their rates.
    pub nets: Section<Vec<NetLine>>,
    /// Temperatures, fans and the battery; empty when the machine has none.
    pub sensors: Vec<SensorLine>,
    /// Process counts of the last scan.
    pub tasks: Tasks,
    /// Logged-in users (`users()`).
    pub users: Section<usize>,
}

impl SysSample {
    /// A sample with nothing read yet (every section says so).
    pub fn empty() -> SysSample {
        fn none<T>() -> Section<T> {
            Err("not sampled yet".to_string())
        }
        SysSample {
            host: String::new(),
            kernel: String::new(),
            uptime: none(),
            load: none(),
            cpu_total: none(),
            percpu: none(),
            mem: none(),
            swap: none(),
            disks: none(),
            nets: none(),
            sensors: Vec::new(),
            tasks: Tasks::default(),
            users: none(),
        }
    }
}

/// One process of the table. Kept in PID order; the view sorts indices into it.
#[derive(Clone, Debug)]
pub struct Row {
    /// The handle from `process_iter`'s cache: actions go through it, so a process
    /// that exited (and whose PID another process may have) is never acted on.
    pub proc: Arc<Process>,
    /// The PID.
    pub pid: Pid,
    /// The parent's PID, `None` when it could not be read.
    pub ppid: Option<Pid>,
    /// `name()`.
    pub name: String,
    /// `username()` (the real user); empty when not fetched yet, `?` when unreadable.
    pub user: String,
    /// The command line joined by spaces, or `[name]` when it is empty (kernel
    /// threads, zombies).
    pub cmd: String,
    /// Whether `cmd` is final: a non-empty command line, or a kernel thread's
    /// `[name]`. Else (a process caught during `exec`, a zombie) it is read again.
    pub cmd_known: bool,
    /// `status()`.
    pub status: ProcessStatus,
    /// `nice()`, `None` when unreadable or not fetched.
    pub nice: Option<i32>,
    /// `num_threads()`. This and the values below are `None` when they could not be
    /// read (the table shows `?`, never a made-up 0), and the memory values also when
    /// no memory column is shown.
    pub threads: Option<u64>,
    /// `cpu_percent(None)`: percent of one CPU since the previous refresh.
    pub cpu: Option<f64>,
    /// `memory_percent()` (RSS over total memory), percent.
    pub mem: Option<f64>,
    /// Resident set size, bytes.
    pub rss: Option<u64>,
    /// Virtual memory size, bytes.
    pub vms: Option<u64>,
    /// User + system CPU seconds.
    pub time: Option<f64>,
}

/// The letter `ps` shows for a state.
pub fn state_letter(s: ProcessStatus) -> char {
    match s {
        ProcessStatus::Running => 'R',
        ProcessStatus::Sleeping => 'S',
        ProcessStatus::DiskSleep => 'D',
        ProcessStatus::Stopped => 'T',
        ProcessStatus::TracingStop => 't',
        ProcessStatus::Zombie => 'Z',
        ProcessStatus::Dead => 'X',
        ProcessStatus::WakeKill => 'K',
        ProcessStatus::Waking => 'W',
        ProcessStatus::Idle => 'I',
        ProcessStatus::Parked => 'P',
        _ => '?',
    }
}

/// Counters of one refresh, kept for the rates of the next.
struct Counters {
    at: Instant,
    disks: IndexMap<String, psoxide::DiskIoCounters>,
    nics: IndexMap<String, psoxide::NetIoCounters>,
}

/// Reads the system sections and scans the processes, keeping what the next refresh
/// needs (counters, handles, static information).
pub struct Sampler {
    host: String,
    kernel: String,
    boot_time: Section<f64>,
    prev: Option<Counters>,
    /// Mounted partitions (device name, mountpoint), re-read every `SLOW` refreshes.
    partitions: Section<Vec<(String, String)>>,
    /// Interface up/down, re-read every `SLOW` refreshes.
    nic_up: IndexMap<String, bool>,
    users: Section<usize>,
    refreshes: u64,
    scans: u64,
    /// The process table of the last scan, in PID order.
    pub rows: Vec<Row>,
    /// The error of the last scan, if it failed or skipped a process.
    pub scan_error: Option<String>,
}

/// Refreshes between re-reads of what rarely changes (mounts, link states, users).
const SLOW: u64 = 10;

/// Scans between reads of every process's memory (`/proc/PID/statm`): the one file
/// besides `stat` a scan reads per process, skipped every other refresh to keep the
/// monitor's own CPU use low (docs/monitor.md, BENCHMARKS.md).
const MEM_EVERY: u64 = 2;

impl Default for Sampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Sampler {
    /// A sampler that reads the static information once.
    pub fn new() -> Sampler {
        let u = rustix::system::uname();
        let f = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
        Sampler {
            host: f(u.nodename()),
            kernel: format!("{} {}", f(u.sysname()), f(u.release())),
            boot_time: psoxide::boot_time().map_err(|e| section_err("boot_time", &e)),
            prev: None,
            partitions: Ok(Vec::new()),
            nic_up: IndexMap::new(),
            users: Ok(0),
            refreshes: 0,
            scans: 0,
            rows: Vec::new(),
            scan_error: None,
        }
    }

    /// Reads every system section once and returns what the header shows; rates
    /// are since the previous call (0 on the first).
    pub fn sample_system(&mut self) -> SysSample {
        let slow = self.refreshes % SLOW == 0;
        self.refreshes += 1;
        let now_wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let cur = Counters {
            at: Instant::now(),
            disks: psoxide::disk_io_counters_perdisk(true).unwrap_or_default(),
            nics: psoxide::net_io_counters_pernic(true).unwrap_or_default(),
        };
        let dt = self
            .prev
            .as_ref()
            .map(|p| cur.at.duration_since(p.at).as_secs_f64())
            .filter(|d| *d > 1e-3);
        let rate = |a: u64, b: u64| dt.map(|d| b.saturating_sub(a) as f64 / d).unwrap_or(0.0);

        if slow {
            self.partitions = psoxide::disk_partitions(false)
                .map(|parts| {
                    parts
                        .into_iter()
                        .map(|p| {
                            let dev = p.device.rsplit('/').next().unwrap_or("").to_string();
                            (dev, clean(&p.mountpoint))
                        })
                        .collect()
                })
                .map_err(|e| section_err("disk_partitions", &e));
            self.nic_up = psoxide::net_if_stats()
                .map(|m| m.into_iter().map(|(k, v)| (k, v.isup)).collect())
                .unwrap_or_default();
            self.users = psoxide::users()
                .map(|u| u.len())
                .map_err(|e| section_err("users", &e));
        }
        let disks = self.partitions.clone().map(|parts| {
            parts
                .into_iter()
                .map(|(device, mountpoint)| {
                    let percent = psoxide::disk_usage(&mountpoint).ok().map(|u| u.percent);
                    let (read, write) = match (
                        self.prev.as_ref().and_then(|p| p.disks.get(&device)),
                        cur.disks.get(&device),
                    ) {
                        (Some(a), Some(b)) => (
                            rate(a.read_bytes, b.read_bytes),
                            rate(a.write_bytes, b.write_bytes),
                        ),
                        _ => (0.0, 0.0),
                    };
                    DiskLine {
                        mountpoint,
                        device,
                        percent,
                        read,
                        write,
                    }
                })
                .collect()
        });
        let nets = if cur.nics.is_empty() {
            psoxide::net_io_counters_pernic(true)
                .map(|_| Vec::new())
                .map_err(|e| section_err("net_io_counters", &e))
        } else {
            Ok(cur
                .nics
                .iter()
                .map(|(name, c)| {
                    let (rx, tx) = match self.prev.as_ref().and_then(|p| p.nics.get(name)) {
                        Some(a) => (rate(a.bytes_recv, c.bytes_recv), rate(a.bytes_sent, c.bytes_sent)),
                        None => (0.0, 0.0),
                    };
                    NetLine {
                        name: clean(name),
                        up: self.nic_up.get(name).copied(),
                        rx,
                        tx,
                    }
                })
                .collect())
        };
        let s = SysSample {
            host: self.host.clone(),
            kernel: self.kernel.clone(),
            uptime: self.boot_time.clone().map(|b| (now_wall - b).max(0.0)),
            load: psoxide::getloadavg().map_err(|e| section_err("getloadavg", &e)),
            cpu_total: psoxide::cpu_percent(None).map_err(|e| section_err("cpu_percent", &e)),
            percpu: psoxide::cpu_percent_percpu(None).map_err(|e| section_err("cpu_percent_percpu", &e)),
            mem: psoxide::virtual_memory().map_err(|e| section_err("virtual_memory", &e)),
            swap: psoxide::swap_memory().map_err(|e| section_err("swap_memory", &e)),
            disks,
            nets,
            sensors: sensors(),
            tasks: tasks(&self.rows),
            users: self.users.clone(),
        };
        self.prev = Some(cur);
        s
    }

    /// One `process_iter` pass with `attrs`, replacing [`Sampler::rows`]. A process
    /// seen before (same handle) keeps its command line unless its name changed (an
    /// `exec`), so `cmdline` is read once per process, not once per refresh. The user
    /// name is treated alike, except that every [`SLOW`]th scan fetches it for all
    /// processes (a daemon may switch users without an `exec`). Memory (`statm`) is
    /// read every [`MEM_EVERY`]th scan, and at once for a process not seen before.
    pub fn scan(&mut self, attrs: &[Attr]) {
        self.scans += 1;
        let mut attrs = attrs.to_vec();
        let wants_user = attrs.contains(&Attr::Username);
        let all_users = wants_user && (self.scans % SLOW == 1 || self.rows.is_empty());
        if !all_users {
            attrs.retain(|a| *a != Attr::Username);
        }
        let wants_mem = attrs.contains(&Attr::MemoryInfo) && attrs.contains(&Attr::MemoryPercent);
        let all_mem = wants_mem && (self.scans % MEM_EVERY == 1 || self.rows.is_empty());
        if !all_mem {
            attrs.retain(|a| !matches!(a, Attr::MemoryInfo | Attr::MemoryPercent));
        }
        let want = Want {
            mem: wants_mem,
            all_mem,
            user: wants_user,
            all_users,
            nice: attrs.contains(&Attr::Nice),
        };
        let old = std::mem::take(&mut self.rows);
        let mut rows = Vec::with_capacity(old.len() + 16);
        let mut old = old.into_iter().peekable();
        self.scan_error = None;
        let iter = match psoxide::process_iter(Some(&attrs)) {
            Ok(it) => it,
            Err(e) => {
                self.scan_error = Some(section_err("process_iter", &e));
                return;
            }
        };
        for p in iter {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    self.scan_error = Some(section_err("process_iter", &e));
                    continue;
                }
            };
            let pid = p.pid();
            while old.peek().is_some_and(|r| r.pid < pid) {
                old.next();
            }
            let prev = old.next_if(|r| r.pid == pid).filter(|r| Arc::ptr_eq(&r.proc, &p));
            rows.push(make_row(p, prev, want));
        }
        self.rows = rows;
    }
}

/// The attributes every scan fetches: all come from `/proc/PID/stat`, which the scan
/// reads anyway to check each handle's identity (`nice`, a `getpriority` call, is
/// fetched only for the NI column).
pub const STAT_ATTRS: [Attr; 6] = [
    Attr::Name,
    Attr::Ppid,
    Attr::Status,
    Attr::NumThreads,
    Attr::CpuPercent,
    Attr::CpuTimes,
];

/// Which optional attributes the scan fetched (their getters are called only then,
/// so that no getter reads a file the prefetch did not).
#[derive(Clone, Copy)]
struct Want {
    mem: bool,
    /// Memory was prefetched for every process in this scan.
    all_mem: bool,
    /// The user name is wanted.
    user: bool,
    /// It was prefetched for every process in this scan.
    all_users: bool,
    nice: bool,
}

/// Builds a table row from a handle whose prefetch store holds this scan's values.
fn make_row(p: Arc<Process>, prev: Option<Row>, want: Want) -> Row {
    let name = clean(&p.name().unwrap_or_default());
    let kept_mem = prev.as_ref().map(|r| (r.rss, r.vms, r.mem));
    let ppid = p.ppid().ok();
    // Kernel threads are kthreadd (PID 2) and its children.
    let kthread = p.pid() == 2 || ppid == Some(2);
    let (cmd, cmd_known, user) = match prev {
        Some(r) if r.cmd_known && r.name == name => (r.cmd, true, r.user),
        // A kernel thread renamed itself (kworkers do): no command line to read.
        Some(r) if kthread => (format!("[{name}]"), true, r.user),
        Some(r) => {
            let (cmd, known) = command_line(&p, &name);
            (cmd, known || kthread, r.user)
        }
        None => {
            let (cmd, known) = command_line(&p, &name);
            (cmd, known || kthread, String::new())
        }
    };
    // Prefetched for all this scan; else kept from the last scan, or read now for a
    // new process (one `PIDFD_GET_INFO` or `status` read).
    let user = if want.all_users || (want.user && user.is_empty()) {
        p.username().map(|u| clean(&u)).unwrap_or_else(|_| "?".into())
    } else {
        user
    };
    let (rss, vms, mem) = match (want.mem, want.all_mem, kept_mem) {
        (false, _, _) => (None, None, None),
        // Kept from the last scan when it had all three (not after memory was off or
        // unreadable: then read now, so that `?` only ever means unreadable).
        (true, false, Some((Some(r), Some(v), Some(m)))) => (Some(r), Some(v), Some(m)),
        // Prefetched in this scan, or a process not seen before (read now).
        _ => {
            let m = p.memory_info().ok();
            let pct = p.memory_percent(psoxide::MemType::Rss).ok();
            (m.map(|m| m.rss), m.map(|m| m.vms), pct)
        }
    };
    Row {
        pid: p.pid(),
        ppid,
        user,
        cmd,
        cmd_known,
        status: p.status().unwrap_or(ProcessStatus::Unknown),
        nice: if want.nice { p.nice().ok() } else { None },
        threads: p.num_threads().ok(),
        cpu: p.cpu_percent(None).ok(),
        mem,
        rss,
        vms,
        time: p.cpu_times().map(|t| t.user + t.system).ok(),
        name,
        proc: p,
    }
}

/// The command line joined by spaces, and true; `[name]` and false when it is empty
/// or unreadable.
pub fn command_line(p: &Process, name: &str) -> (String, bool) {
    let s = match p.cmdline() {
        Ok(args) if !args.is_empty() => {
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(&a.to_string_lossy());
            }
            // Control characters would drive the terminal: show them as spaces.
            clean(&s)
        }
        _ => return (format!("[{name}]"), false),
    };
    (s, true)
}

fn tasks(rows: &[Row]) -> Tasks {
    let mut t = Tasks {
        total: rows.len(),
        ..Tasks::default()
    };
    for r in rows {
        // The header's total counts the threads that could be read.
        t.threads += r.threads.unwrap_or(0);
        match r.status {
            ProcessStatus::Running => t.running += 1,
            ProcessStatus::Sleeping | ProcessStatus::DiskSleep | ProcessStatus::Idle => t.sleeping += 1,
            ProcessStatus::Stopped | ProcessStatus::TracingStop => t.stopped += 1,
            ProcessStatus::Zombie => t.zombie += 1,
            _ => {}
        }
    }
    t
}

fn sensors() -> Vec<SensorLine> {
    let mut out = Vec::new();
    if let Ok(temps) = psoxide::sensors_temperatures(false) {
        for (chip, list) in temps {
            for t in list {
                let alarm = t.high.is_some_and(|h| h > 0.0 && t.current >= h)
                    || t.critical.is_some_and(|c| c > 0.0 && t.current >= c);
                let label = if t.label.is_empty() {
                    chip.clone()
                } else {
                    format!("{chip} {}", t.label)
                };
                out.push(SensorLine {
                    label: clean(&label),
                    value: format!("{:.1}°C", t.current),
                    alarm,
                });
            }
        }
    }
    if let Ok(fans) = psoxide::sensors_fans() {
        for (chip, list) in fans {
            for f in list {
                out.push(SensorLine {
                    label: clean(&format!("{chip} {}", f.label)),
                    value: format!("{} RPM", f.current),
                    alarm: false,
                });
            }
        }
    }
    if let Ok(Some(b)) = psoxide::sensors_battery() {
        let plugged = match b.power_plugged {
            Some(true) => "plugged in",
            Some(false) => "on battery",
            None => "",
        };
        out.push(SensorLine {
            label: "battery".into(),
            value: format!("{:.0}% {plugged}", b.percent).trim_end().to_string(),
            alarm: false,
        });
    }
    out
}
