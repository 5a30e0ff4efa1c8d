//! Process groups with process-exporter's metric names and semantics: recipes matched
//! once per process (first match wins), children joining their tracked parent's
//! group, counters that grow by what each process consumed since it was first seen
//! (so they never go backwards when processes exit), gauges summed over the live
//! members.

use crate::config::{Config, GroupRule, Piece};
use crate::expo::{Exposition, Kind};
use psoxide::{Attr, Host, Pid, Process, ProcessStatus, Rlimit, RlimitValue};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::sync::Arc;

/// Go's zero `time.Time` in Unix seconds (0001-01-01T00:00:00Z).
const GO_ZERO_TIME: f64 = -62_135_596_800.0;

/// Counters of one process (or the accumulated counters of a group).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counters {
    user: f64,
    system: f64,
    read_bytes: u64,
    write_bytes: u64,
    major_faults: u64,
    minor_faults: u64,
    voluntary: u64,
    involuntary: u64,
}

impl Counters {
    /// `self - old`, each field saturating at 0 (a counter that went backwards adds
    /// nothing).
    fn since(&self, old: &Counters) -> Counters {
        Counters {
            user: (self.user - old.user).max(0.0),
            system: (self.system - old.system).max(0.0),
            read_bytes: self.read_bytes.saturating_sub(old.read_bytes),
            write_bytes: self.write_bytes.saturating_sub(old.write_bytes),
            major_faults: self.major_faults.saturating_sub(old.major_faults),
            minor_faults: self.minor_faults.saturating_sub(old.minor_faults),
            voluntary: self.voluntary.saturating_sub(old.voluntary),
            involuntary: self.involuntary.saturating_sub(old.involuntary),
        }
    }

    fn add(&mut self, d: &Counters) {
        self.user += d.user;
        self.system += d.system;
        self.read_bytes = self.read_bytes.saturating_add(d.read_bytes);
        self.write_bytes = self.write_bytes.saturating_add(d.write_bytes);
        self.major_faults = self.major_faults.saturating_add(d.major_faults);
        self.minor_faults = self.minor_faults.saturating_add(d.minor_faults);
        self.voluntary = self.voluntary.saturating_add(d.voluntary);
        self.involuntary = self.involuntary.saturating_add(d.involuntary);
    }
}

/// What the tracker remembers of one process between scrapes.
#[derive(Clone, Debug)]
struct Tracked {
    /// Start time (seconds since the epoch), to tell a recycled PID apart.
    start: f64,
    /// The group, or `None` for a process that is not tracked.
    group: Option<Arc<str>>,
    /// The counters at the last scrape (for the deltas).
    last: Option<Counters>,
}

/// Gauges of one group in one scrape.
#[derive(Clone, Debug, Default)]
struct Gauges {
    procs: u64,
    resident: u64,
    virt: u64,
    swapped: u64,
    pss: u64,
    swap_pss: u64,
    fds: u64,
    worst_fd_ratio: f64,
    oldest: Option<f64>,
    threads: u64,
    running: u64,
    sleeping: u64,
    waiting: u64,
    zombie: u64,
    other: u64,
}

/// The process-group state kept between scrapes.
#[derive(Debug, Default)]
pub struct GroupTracker {
    procs: HashMap<Pid, Tracked>,
    /// Accumulated counters per group, kept after the group's last process exits.
    accum: HashMap<Arc<str>, Counters>,
    /// Reads that failed other than by the process exiting (process-exporter's
    /// `namedprocess_scrape_procread_errors`).
    read_errors: u64,
    /// Values that could not be read for a live process (access denied on `io`, ...).
    partial_errors: u64,
    /// Processes not tracked because `max_groups` was reached (last scrape).
    untracked: u64,
}

/// The per-process static facts used to name a group.
struct Facts {
    comm: String,
    argv: Vec<OsString>,
    user: Option<String>,
    cgroup: Option<String>,
    pid: Pid,
    start: f64,
}

impl GroupRule {
    /// The group name when this recipe matches.
    fn match_name(&self, f: &Facts) -> Option<String> {
        if let Some(comms) = &self.comm {
            if !comms.contains(&f.comm) {
                return None;
            }
        }
        let argv0 = f.argv.first().map(|a| a.to_string_lossy().into_owned());
        if let Some(exes) = &self.exe {
            let a0 = argv0.as_deref()?;
            let base = a0.rsplit('/').next().unwrap_or(a0);
            let ok = exes
                .iter()
                .any(|e| if e.contains('/') { e == a0 } else { e == base });
            if !ok {
                return None;
            }
        }
        let mut matches: HashMap<String, String> = HashMap::new();
        if let Some(res) = &self.cmdline {
            let joined = f
                .argv
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ");
            for re in res {
                let caps = re.captures(&joined)?;
                for name in re.capture_names().flatten() {
                    let v = caps
                        .name(name)
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default();
                    matches.insert(name.to_string(), v);
                }
            }
        }
        if let Some(users) = &self.user {
            let u = f.user.as_deref()?;
            if !users.iter().any(|x| x == u) {
                return None;
            }
        }
        if let Some(res) = &self.cgroup {
            let cg = f.cgroup.as_deref()?;
            if !res.iter().any(|r| r.is_match(cg)) {
                return None;
            }
        }
        let (exe_full, exe_base) = match &argv0 {
            Some(a) => (a.clone(), a.rsplit('/').next().unwrap_or(a).to_string()),
            None => (f.comm.clone(), f.comm.clone()),
        };
        let mut name = String::new();
        for p in &self.name.0 {
            match p {
                Piece::Text(t) => name.push_str(t),
                Piece::Comm => name.push_str(&f.comm),
                Piece::ExeBase => name.push_str(&exe_base),
                Piece::ExeFull => name.push_str(&exe_full),
                Piece::Username => name.push_str(f.user.as_deref().unwrap_or("")),
                Piece::Pid => name.push_str(&f.pid.to_string()),
                Piece::StartTime => name.push_str(&format!("{}", f.start as i64)),
                Piece::Cgroups => name.push_str(f.cgroup.as_deref().unwrap_or("")),
                Piece::Match(m) => name.push_str(matches.get(m).map(String::as_str).unwrap_or("")),
            }
        }
        Some(name)
    }
}

/// The kernel's `comm` (at most 15 bytes) from psutil's name, which extends a
/// truncated `comm` from the command line: the first 15 bytes are the `comm`.
fn comm_of(name: &str) -> String {
    if name.len() <= 15 {
        return name.to_string();
    }
    let mut end = 15;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// One process seen in this scrape.
struct Seen {
    proc: Arc<Process>,
    pid: Pid,
    ppid: Pid,
    start: f64,
    status: ProcessStatus,
    counters_stat: (f64, f64, u64, u64),
    threads: u64,
}

impl GroupTracker {
    /// A tracker with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scans every process once, updates the groups and adds the families to `e`.
    pub fn collect(&mut self, host: &Host, cfg: &Config, e: &mut Exposition) -> psoxide::Result<()> {
        let attrs = [
            Attr::Name,
            Attr::Ppid,
            Attr::Status,
            Attr::CpuTimes,
            Attr::CreateTime,
            Attr::NumThreads,
            Attr::PageFaults,
        ];
        let needs_user = cfg
            .process_names
            .iter()
            .any(|r| r.user.is_some() || r.name.0.contains(&Piece::Username));
        let needs_cgroup = cfg
            .process_names
            .iter()
            .any(|r| r.cgroup.is_some() || r.name.0.contains(&Piece::Cgroups));
        let needs_argv = cfg.process_names.iter().any(|r| {
            r.exe.is_some()
                || r.cmdline.is_some()
                || r.name
                    .0
                    .iter()
                    .any(|p| matches!(p, Piece::ExeBase | Piece::ExeFull))
        });

        let mut seen: Vec<Seen> = Vec::new();
        let mut names: HashMap<Pid, String> = HashMap::new();
        for p in host.process_iter(Some(&attrs))? {
            let p = match p {
                Ok(p) => p,
                Err(psoxide::Error::NoSuchProcess { .. }) => continue,
                Err(_) => {
                    self.read_errors += 1;
                    continue;
                }
            };
            let pid = p.pid();
            let vals = (|| -> psoxide::Result<_> {
                let t = p.cpu_times()?;
                let pf = p.page_faults()?;
                Ok((
                    p.name()?,
                    p.ppid()?,
                    p.status()?,
                    p.create_time()?,
                    (t.user, t.system, pf.major, pf.minor),
                    p.num_threads()?,
                ))
            })();
            match vals {
                Ok((name, ppid, status, start, counters_stat, threads)) => {
                    names.insert(pid, name);
                    seen.push(Seen {
                        proc: p,
                        pid,
                        ppid,
                        start,
                        status,
                        counters_stat,
                        threads,
                    })
                }
                Err(psoxide::Error::NoSuchProcess { .. }) => {}
                Err(_) => self.read_errors += 1,
            }
        }

        // Forget processes that are gone (or whose PID was recycled).
        let live: HashMap<Pid, f64> = seen.iter().map(|s| (s.pid, s.start)).collect();
        self.procs
            .retain(|pid, t| live.get(pid).is_some_and(|&st| (st - t.start).abs() < 0.5));

        // Name the new processes: their own recipe first, then (children) the group
        // of their nearest tracked ancestor.
        let mut groups_now: HashSet<Arc<str>> = self.accum.keys().cloned().collect();
        let mut own: HashMap<Pid, Option<String>> = HashMap::new();
        for s in &seen {
            if self.procs.contains_key(&s.pid) {
                continue;
            }
            let facts = Facts {
                comm: comm_of(names.get(&s.pid).map(String::as_str).unwrap_or("")),
                argv: if needs_argv {
                    s.proc.cmdline().unwrap_or_default()
                } else {
                    Vec::new()
                },
                user: if needs_user { s.proc.username().ok() } else { None },
                cgroup: if needs_cgroup {
                    s.proc.cgroup_v2().ok().flatten()
                } else {
                    None
                },
                pid: s.pid,
                start: s.start,
            };
            let g = cfg.process_names.iter().find_map(|r| r.match_name(&facts));
            own.insert(s.pid, g);
        }
        let ppids: HashMap<Pid, Pid> = seen.iter().map(|s| (s.pid, s.ppid)).collect();
        self.untracked = 0;
        let new_pids: Vec<(Pid, f64)> = seen
            .iter()
            .filter(|s| !self.procs.contains_key(&s.pid))
            .map(|s| (s.pid, s.start))
            .collect();
        for (pid, start) in new_pids {
            let mut group = own.get(&pid).cloned().flatten();
            if group.is_none() && cfg.children {
                // Walk up: the first ancestor that is tracked (from an earlier scrape)
                // or has its own recipe this scrape gives the group; an ancestor seen
                // before and not tracked ends the walk.
                let mut cur = ppids.get(&pid).copied();
                for _ in 0..64 {
                    let Some(a) = cur.filter(|&a| a > 0) else { break };
                    if let Some(t) = self.procs.get(&a) {
                        group = t.group.as_deref().map(str::to_string);
                        break;
                    }
                    if let Some(Some(g)) = own.get(&a) {
                        group = Some(g.clone());
                        break;
                    }
                    cur = ppids.get(&a).copied();
                }
            }
            let group: Option<Arc<str>> = match group {
                Some(g) => {
                    if let Some(existing) = groups_now.get(g.as_str()) {
                        Some(existing.clone())
                    } else if groups_now.len() < cfg.max_groups {
                        let a: Arc<str> = Arc::from(g.as_str());
                        groups_now.insert(a.clone());
                        Some(a)
                    } else {
                        self.untracked += 1;
                        None
                    }
                }
                None => None,
            };
            self.procs.insert(
                pid,
                Tracked {
                    start,
                    group,
                    last: None,
                },
            );
        }

        // Read the tracked processes and fold them into their groups.
        let mut gauges: HashMap<Arc<str>, Gauges> = HashMap::new();
        for g in &groups_now {
            gauges.entry(g.clone()).or_default();
        }
        for s in &seen {
            let Some(t) = self.procs.get_mut(&s.pid) else {
                continue;
            };
            let Some(group) = t.group.clone() else { continue };
            let (user, system, major, minor) = s.counters_stat;
            let mut partial = false;
            let r = s.proc.oneshot(|p| -> psoxide::Result<_> {
                // Resident, virtual and swapped memory from `status`, which the
                // context switches need anyway (equal to `statm`'s: one file less).
                let (rss, vms, swap) = p.memory_status()?;
                let ctx = p.num_ctx_switches().ok();
                let io = p.io_counters().ok();
                let fds = p.num_fds().ok();
                let limit = p.rlimit(Rlimit::Nofile).ok();
                let pss = if cfg.gather_smaps {
                    p.memory_proportional().ok()
                } else {
                    None
                };
                Ok(((rss, vms), Some(swap), ctx, io, fds, limit, pss))
            });
            let ((rss, vms), swap, ctx, io, fds, limit, pss) = match r {
                Ok(v) => v,
                Err(psoxide::Error::NoSuchProcess { .. }) => continue,
                Err(psoxide::Error::ZombieProcess { .. }) => ((0, 0), None, None, None, None, None, None),
                Err(_) => {
                    self.read_errors += 1;
                    continue;
                }
            };
            let zombie = s.status == ProcessStatus::Zombie;
            if !zombie && (swap.is_none() || ctx.is_none() || io.is_none() || fds.is_none()) {
                partial = true;
            }
            if partial {
                self.partial_errors += 1;
            }
            // A multi-threaded process: every thread's state and context switches
            // (`task/TID/status`), as process-exporter counts them (`status` of the
            // process is its main thread's alone). Else, or when the threads cannot be
            // read, the process's own.
            let scheds = if s.threads > 1 {
                s.proc.thread_scheds().ok().filter(|t| !t.is_empty())
            } else {
                None
            };
            let ctx = match &scheds {
                Some(ts) => {
                    Some(
                        ts.iter()
                            .fold(psoxide::CtxSwitches::default(), |a, t| psoxide::CtxSwitches {
                                voluntary: a.voluntary.saturating_add(t.ctx_switches.voluntary),
                                involuntary: a.involuntary.saturating_add(t.ctx_switches.involuntary),
                            }),
                    )
                }
                None => ctx,
            };
            let now = Counters {
                user,
                system,
                read_bytes: io.map_or(0, |i| i.read_bytes),
                write_bytes: io.map_or(0, |i| i.write_bytes),
                major_faults: major,
                minor_faults: minor,
                voluntary: ctx.map_or(0, |c| c.voluntary),
                involuntary: ctx.map_or(0, |c| c.involuntary),
            };
            let delta = match &t.last {
                Some(old) => now.since(old),
                None => Counters::default(),
            };
            t.last = Some(now);
            self.accum.entry(group.clone()).or_default().add(&delta);
            let g = gauges.entry(group).or_default();
            g.procs += 1;
            g.resident += rss;
            g.virt += vms;
            g.swapped += swap.unwrap_or(0);
            g.pss += pss.map_or(0, |p| p.0);
            g.swap_pss += pss.map_or(0, |p| p.1);
            let nfds = fds.unwrap_or(0);
            g.fds += nfds;
            if let Some((RlimitValue::Limited(soft), _)) = limit {
                if soft > 0 {
                    g.worst_fd_ratio = g.worst_fd_ratio.max(nfds as f64 / soft as f64);
                }
            }
            g.oldest = Some(g.oldest.map_or(s.start, |o: f64| o.min(s.start)));
            g.threads += s.threads;
            // process-exporter counts threads by state; a single-threaded process's
            // one thread is the process itself.
            let states: Vec<ProcessStatus> = match &scheds {
                Some(ts) => ts.iter().map(|t| t.status).collect(),
                None => vec![s.status],
            };
            for st in states {
                match st {
                    ProcessStatus::Running => g.running += 1,
                    ProcessStatus::Sleeping => g.sleeping += 1,
                    ProcessStatus::DiskSleep => g.waiting += 1,
                    ProcessStatus::Zombie => g.zombie += 1,
                    _ => g.other += 1,
                }
            }
        }

        self.write(cfg, gauges, e);
        Ok(())
    }

    fn write(&self, cfg: &Config, gauges: HashMap<Arc<str>, Gauges>, e: &mut Exposition) {
        let mut names: Vec<&Arc<str>> = gauges.keys().collect();
        names.sort();
        for name in names {
            let g = &gauges[name];
            let c = self.accum.get(name).copied().unwrap_or_default();
            let gl = || vec![("groupname", name.to_string())];
            let with = |k: &'static str, v: &str| vec![("groupname", name.to_string()), (k, v.to_string())];
            e.add(
                "namedprocess_namegroup_num_procs",
                "number of processes in this group",
                Kind::Gauge,
                gl(),
                g.procs as f64,
            );
            for (mode, v) in [("user", c.user), ("system", c.system)] {
                e.add(
                    "namedprocess_namegroup_cpu_seconds_total",
                    "Cpu user usage in seconds",
                    Kind::Counter,
                    with("mode", mode),
                    v,
                );
            }
            e.add(
                "namedprocess_namegroup_read_bytes_total",
                "number of bytes read by this group",
                Kind::Counter,
                gl(),
                c.read_bytes as f64,
            );
            e.add(
                "namedprocess_namegroup_write_bytes_total",
                "number of bytes written by this group",
                Kind::Counter,
                gl(),
                c.write_bytes as f64,
            );
            e.add(
                "namedprocess_namegroup_major_page_faults_total",
                "Major page faults",
                Kind::Counter,
                gl(),
                c.major_faults as f64,
            );
            e.add(
                "namedprocess_namegroup_minor_page_faults_total",
                "Minor page faults",
                Kind::Counter,
                gl(),
                c.minor_faults as f64,
            );
            for (t, v) in [("voluntary", c.voluntary), ("nonvoluntary", c.involuntary)] {
                e.add(
                    "namedprocess_namegroup_context_switches_total",
                    "Context switches",
                    Kind::Counter,
                    with("ctxswitchtype", t),
                    v as f64,
                );
            }
            let mut mem = vec![
                ("resident", g.resident),
                ("virtual", g.virt),
                ("swapped", g.swapped),
            ];
            if cfg.gather_smaps {
                mem.push(("proportionalResident", g.pss));
                mem.push(("proportionalSwapped", g.swap_pss));
            }
            for (t, v) in mem {
                e.add(
                    "namedprocess_namegroup_memory_bytes",
                    "number of bytes of memory in use",
                    Kind::Gauge,
                    with("memtype", t),
                    v as f64,
                );
            }
            e.add(
                "namedprocess_namegroup_open_filedesc",
                "number of open file descriptors for this group",
                Kind::Gauge,
                gl(),
                g.fds as f64,
            );
            e.add(
                "namedprocess_namegroup_worst_fd_ratio",
                "the worst (closest to 1) ratio between open fds and max fds among all procs in this group",
                Kind::Gauge,
                gl(),
                g.worst_fd_ratio,
            );
            e.add(
                "namedprocess_namegroup_oldest_start_time_seconds",
                "start time in seconds since 1970/01/01 of oldest process in group",
                Kind::Gauge,
                gl(),
                // process-exporter writes Go's zero time for a group without live
                // processes; the same value keeps the two comparable.
                g.oldest.map_or(GO_ZERO_TIME, f64::floor),
            );
            e.add(
                "namedprocess_namegroup_num_threads",
                "Number of threads",
                Kind::Gauge,
                gl(),
                g.threads as f64,
            );
            for (st, v) in [
                ("Running", g.running),
                ("Sleeping", g.sleeping),
                ("Waiting", g.waiting),
                ("Zombie", g.zombie),
                ("Other", g.other),
            ] {
                e.add(
                    "namedprocess_namegroup_states",
                    "Number of processes in states Running, Sleeping, Waiting, Zombie, or Other",
                    Kind::Gauge,
                    with("state", st),
                    v as f64,
                );
            }
        }
        e.add(
            "namedprocess_scrape_procread_errors",
            "incremented each time a proc's metrics collection fails",
            Kind::Counter,
            vec![],
            self.read_errors as f64,
        );
        e.add(
            "namedprocess_scrape_partial_errors",
            "incremented each time a tracked proc's metrics collection fails partially, e.g. unreadable I/O stats",
            Kind::Counter,
            vec![],
            self.partial_errors as f64,
        );
        e.add(
            "psoxide_exporter_untracked_processes",
            "Processes left out of the process groups in the last scrape because max_groups was reached.",
            Kind::Gauge,
            vec![],
            self.untracked as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn facts(comm: &str, argv: &[&str]) -> Facts {
        Facts {
            comm: comm.into(),
            argv: argv.iter().map(OsString::from).collect(),
            user: Some("root".into()),
            cgroup: Some("/system.slice/ssh.service".into()),
            pid: 42,
            start: 1000.7,
        }
    }

    #[test]
    fn recipes_match_like_process_exporter() {
        let c = Config::parse(
            "process_names:\n  - comm: [bash]\n  - exe: [postgres, /usr/local/bin/prometheus]\n  - name: \"{{.ExeFull}}:{{.Matches.Cfgfile}}\"\n    cmdline: ['-config.path\\s+(?P<Cfgfile>\\S+)']\n  - name: '{{.Username}}@{{.Cgroups}}:{{.PID}}'\n    user: [root]\n    cgroup: ['^/system.slice/']\n",
            "t.yml",
        )
        .unwrap();
        let first = |f: &Facts| c.process_names.iter().find_map(|r| r.match_name(f));
        assert_eq!(first(&facts("bash", &["-bash"])).as_deref(), Some("-bash"));
        assert_eq!(
            first(&facts("postgres", &["/usr/lib/postgres", "-D"])).as_deref(),
            Some("postgres")
        );
        assert_eq!(
            first(&facts("prometheus", &["/usr/local/bin/prometheus"])).as_deref(),
            Some("prometheus")
        );
        assert_eq!(
            first(&facts("pe", &["/usr/bin/pe", "-config.path", "/etc/x.yml"])).as_deref(),
            Some("/usr/bin/pe:/etc/x.yml")
        );
        assert_eq!(
            first(&facts("sshd", &["/usr/sbin/sshd"])).as_deref(),
            Some("root@/system.slice/ssh.service:42")
        );
        let mut f = facts("sshd", &["/usr/sbin/sshd"]);
        f.cgroup = Some("/user.slice".into());
        assert_eq!(first(&f), None);
        // exe with a slash must equal argv[0]
        let mut f = facts("prometheus", &["/opt/prometheus"]);
        f.cgroup = None;
        assert_eq!(first(&f), None);
    }

    #[test]
    fn default_recipe_skips_kernel_threads() {
        let c = Config::default_config();
        let r = &c.process_names[0];
        assert_eq!(r.match_name(&facts("kworker/0:1", &[])), None);
        assert_eq!(
            r.match_name(&facts("sleep", &["sleep", "10"])).as_deref(),
            Some("sleep")
        );
    }

    #[test]
    fn comm_truncation() {
        assert_eq!(comm_of("prometheus-node-exporter"), "prometheus-node");
        assert_eq!(comm_of("bash"), "bash");
        assert_eq!(comm_of("ééééééééé"), "ééééééé");
    }

    #[test]
    fn counter_deltas_never_go_back() {
        let a = Counters {
            user: 2.0,
            read_bytes: 10,
            ..Default::default()
        };
        let b = Counters {
            user: 1.0,
            read_bytes: 30,
            ..Default::default()
        };
        let d = b.since(&a);
        assert_eq!(d.user, 0.0);
        assert_eq!(d.read_bytes, 20);
    }
}
