//! The detail view: everything the library tells about one process, read through the
//! selected row's handle (so it is never another process that reused the PID).
//! Each section that cannot be read shows one line naming the error and psutil's
//! exception instead.

use super::fmt::{clean, cpu_time, human};
use super::sample::section_err;
use psoxide::{Addr, ConnectionKind, Pid, Process, Rlimit};
use std::fmt::Write as _;
use std::sync::Arc;

/// A line of the detail view.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A section heading.
    Title(String),
    /// A value.
    Text(String),
    /// Why a section or value could not be read.
    Error(String),
}

/// The detail view's state.
pub struct Detail {
    /// The process's handle.
    pub proc: Arc<Process>,
    /// Its PID.
    pub pid: Pid,
    /// Its name when the view was opened.
    pub name: String,
    /// The content, rebuilt on every refresh.
    pub lines: Vec<Line>,
    /// First line shown.
    pub scroll: usize,
}

impl Detail {
    /// Opens the view for `proc` and reads everything once.
    pub fn open(proc: Arc<Process>, name: String) -> Detail {
        let mut d = Detail {
            pid: proc.pid(),
            proc,
            name,
            lines: Vec::new(),
            scroll: 0,
        };
        d.refresh();
        d
    }

    /// Reads everything again.
    pub fn refresh(&mut self) {
        self.lines = gather(&self.proc);
    }

    /// Scrolls by `delta` lines within the content.
    pub fn scroll_by(&mut self, delta: isize, page: usize) {
        let max = self.lines.len().saturating_sub(page.max(1)) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max.max(0)) as usize;
    }
}

/// Appends `Text(f(value))` or the error line.
fn val<T>(out: &mut Vec<Line>, what: &str, r: psoxide::Result<T>, f: impl FnOnce(T) -> String) {
    match r {
        Ok(v) => out.push(Line::Text(clean(&format!("{what:<16} {}", f(v))))),
        Err(e) => out.push(Line::Error(clean(&section_err(what, &e)))),
    }
}

/// Appends a section: its title, then either `f`'s lines or the error line.
fn section<T>(
    out: &mut Vec<Line>,
    title: &str,
    what: &str,
    r: psoxide::Result<T>,
    f: impl FnOnce(T, &mut Vec<Line>),
) {
    out.push(Line::Title(title.to_string()));
    match r {
        Ok(v) => {
            let before = out.len();
            f(v, out);
            if out.len() == before {
                out.push(Line::Text("(none)".into()));
            }
            for l in &mut out[before..] {
                if let Line::Text(t) = l {
                    *t = clean(t);
                }
            }
        }
        Err(e) => out.push(Line::Error(clean(&section_err(what, &e)))),
    }
}

fn addr(a: &Addr) -> String {
    match a {
        Addr::Inet { .. } => {
            let ip = a.ip_text().unwrap_or_default();
            let port = a.port().unwrap_or(0);
            if ip.contains(':') {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            }
        }
        Addr::Unix(s) => s.clone(),
        Addr::Empty => "-".into(),
    }
}

fn lossy(s: &std::ffi::OsStr) -> String {
    clean(&s.to_string_lossy())
}

/// Everything about `p`, as lines.
pub fn gather(p: &Process) -> Vec<Line> {
    let mut o = Vec::new();
    o.push(Line::Title("Process".into()));
    o.push(Line::Text(format!("{:<16} {}", "pid", p.pid())));
    val(&mut o, "ppid", p.ppid(), |v| v.to_string());
    val(&mut o, "name", p.name(), |v| v);
    val(&mut o, "exe", p.exe(), |v| v.display().to_string());
    val(&mut o, "cwd", p.cwd(), |v| v.display().to_string());
    val(&mut o, "status", p.status(), |v| v.to_string());
    val(&mut o, "username", p.username(), |v| v);
    val(&mut o, "uids", p.uids(), |u| {
        format!("real {} effective {} saved {}", u.real, u.effective, u.saved)
    });
    val(&mut o, "gids", p.gids(), |g| {
        format!("real {} effective {} saved {}", g.real, g.effective, g.saved)
    });
    val(&mut o, "terminal", p.terminal(), |t| {
        t.map(|t| t.display().to_string()).unwrap_or_else(|| "-".into())
    });
    val(&mut o, "create_time", p.create_time(), |t| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        format!("{t:.2} (started {} ago)", super::fmt::duration(now - t))
    });
    val(&mut o, "nice", p.nice(), |v| v.to_string());
    val(&mut o, "ionice", p.ionice(), |v| {
        format!("class {} value {}", v.ioclass.name(), v.value)
    });
    val(&mut o, "cpu_num", p.cpu_num(), |v| v.to_string());
    val(&mut o, "cpu_affinity", p.cpu_affinity(), |v| {
        v.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
    });
    val(&mut o, "cpu_times", p.cpu_times(), |t| {
        format!(
            "user {} system {} children_user {} children_system {} iowait {}",
            cpu_time(t.user),
            cpu_time(t.system),
            cpu_time(t.children_user),
            cpu_time(t.children_system),
            cpu_time(t.iowait)
        )
    });
    val(&mut o, "num_threads", p.num_threads(), |v| v.to_string());
    val(&mut o, "num_fds", p.num_fds(), |v| v.to_string());
    val(&mut o, "num_ctx_switches", p.num_ctx_switches(), |c| {
        format!("voluntary {} involuntary {}", c.voluntary, c.involuntary)
    });
    val(&mut o, "page_faults", p.page_faults(), |f| {
        format!("minor {} major {}", f.minor, f.major)
    });
    val(&mut o, "io_counters", p.io_counters(), |c| {
        format!(
            "read {} ({} calls) written {} ({} calls); chars read {} written {}",
            human(c.read_bytes),
            c.read_count,
            human(c.write_bytes),
            c.write_count,
            human(c.read_chars),
            human(c.write_chars)
        )
    });
    val(&mut o, "memory_info_ex", p.memory_info_ex(), |m| {
        format!(
            "rss {} vms {} shared {} text {} data {} peak_rss {} swap {} (anon {} file {} shmem {})",
            human(m.rss),
            human(m.vms),
            human(m.shared),
            human(m.text),
            human(m.data),
            human(m.peak_rss),
            human(m.swap),
            human(m.rss_anon),
            human(m.rss_file),
            human(m.rss_shmem)
        )
    });

    section(&mut o, "Command line", "cmdline", p.cmdline(), |args, o| {
        for (i, a) in args.iter().enumerate() {
            o.push(Line::Text(format!("[{i}] {}", lossy(a))));
        }
    });
    section(&mut o, "Environment", "environ", p.environ(), |env, o| {
        for (k, v) in &env {
            o.push(Line::Text(format!("{}={}", lossy(k), lossy(v))));
        }
    });
    section(&mut o, "Open files", "open_files", p.open_files(), |files, o| {
        for f in files {
            o.push(Line::Text(format!(
                "fd {:<4} {:<2} pos {:<10} {}",
                f.fd,
                f.mode,
                f.position,
                f.path.display()
            )));
        }
    });
    section(
        &mut o,
        "Connections",
        "net_connections",
        p.net_connections(ConnectionKind::All),
        |conns, o| {
            for c in conns {
                o.push(Line::Text(format!(
                    "fd {:<4} {:?}/{:?} {} -> {} {}",
                    c.fd,
                    c.family,
                    c.type_,
                    addr(&c.laddr),
                    addr(&c.raddr),
                    c.status
                )));
            }
        },
    );
    section(&mut o, "Threads", "threads", p.threads(), |threads, o| {
        for t in threads {
            o.push(Line::Text(format!(
                "tid {:<8} user {:>10} system {:>10}",
                t.id,
                cpu_time(t.user_time),
                cpu_time(t.system_time)
            )));
        }
    });
    o.push(Line::Title("Limits (soft / hard, -1 = unlimited)".into()));
    for r in Rlimit::ALL {
        match p.rlimit(r) {
            Ok((soft, hard)) => o.push(Line::Text(format!("{:<18} {soft} / {hard}", r.as_str()))),
            Err(e) => o.push(Line::Error(clean(&section_err(r.as_str(), &e)))),
        }
    }
    section(&mut o, "Control groups", "cgroups", p.cgroups(), |groups, o| {
        for g in groups {
            let mut s = format!("{}:", g.hierarchy_id);
            let _ = write!(s, "{}:{}", g.controllers.join(","), g.path);
            o.push(Line::Text(s));
        }
    });
    section(
        &mut o,
        "Memory maps (grouped by path)",
        "memory_maps",
        p.memory_maps(true),
        |maps, o| {
            for m in maps {
                o.push(Line::Text(format!(
                    "rss {:>7} pss {:>7} swap {:>7} {}",
                    human(m.rss),
                    human(m.pss),
                    human(m.swap),
                    if m.path.is_empty() { "[anon]" } else { &m.path }
                )));
            }
        },
    );
    o
}
