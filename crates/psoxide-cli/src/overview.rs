//! The default view: a live overview of this machine.

use crate::term;
use psoxide::IndexMap;
use std::fmt::Write as _;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Counters sampled at one moment, used to compute rates between frames.
struct Sample {
    at: Instant,
    nics: IndexMap<String, psoxide::NetIoCounters>,
    disks: IndexMap<String, psoxide::DiskIoCounters>,
}

fn sample() -> Sample {
    Sample {
        at: Instant::now(),
        nics: psoxide::net_io_counters_pernic(true).unwrap_or_default(),
        disks: psoxide::disk_io_counters_perdisk(true).unwrap_or_default(),
    }
}

fn uname() -> (String, String) {
    let u = rustix::system::uname();
    let f = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
    (f(u.nodename()), format!("{} {}", f(u.sysname()), f(u.release())))
}

/// Writes an error line for a section that could not be read.
fn err_line(out: &mut String, what: &str, e: &psoxide::Error) {
    let _ = writeln!(out, "  {what}: {} ({})", e, e.exception_name());
}

fn render(prev: &Sample, cur: &Sample, width: usize) -> String {
    let mut o = String::new();
    let dt = cur.at.duration_since(prev.at).as_secs_f64().max(1e-3);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);

    // Header: host, kernel, uptime, load, users.
    let (host, kernel) = uname();
    let up = psoxide::boot_time()
        .map(|b| term::duration(now - b))
        .unwrap_or_else(|_| "?".into());
    let load = psoxide::getloadavg()
        .map(|l| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]))
        .unwrap_or_else(|_| "?".into());
    let users = psoxide::users();
    let nusers = users
        .as_ref()
        .map(|u| u.len().to_string())
        .unwrap_or_else(|_| "?".into());
    let _ = writeln!(o, "{host}  {kernel}  up {up}  load {load}  users {nusers}");
    let _ = writeln!(o);

    // CPU.
    let logical = psoxide::cpu_count()
        .map(|n| n.to_string())
        .unwrap_or_else(|| "?".into());
    let physical = psoxide::cpu_count_physical()
        .map(|n| n.to_string())
        .unwrap_or_else(|| "?".into());
    let freq = match psoxide::cpu_freq() {
        Ok(Some(f)) if f.current > 0.0 => format!(", {:.0} MHz", f.current),
        _ => String::new(),
    };
    let inner = width.saturating_sub(12).clamp(10, 100);
    match psoxide::cpu_percent(None) {
        Ok(p) => {
            let _ = writeln!(
                o,
                "CPU   {}  {logical} logical, {physical} physical{freq}",
                term::bar(p, inner.saturating_sub(30).max(10), &format!("{p:.1}%"))
            );
        }
        Err(e) => err_line(&mut o, "cpu_percent", &e),
    }
    if let Ok(percpu) = psoxide::cpu_percent_percpu(None) {
        for (i, p) in percpu.iter().enumerate() {
            let _ = writeln!(
                o,
                "{:>5} {}",
                format!("{i}"),
                term::bar(*p, inner, &format!("{p:.1}%"))
            );
        }
    }
    if let Ok(t) = psoxide::cpu_times_percent(None) {
        let _ = writeln!(
            o,
            "      user {:.1}%  system {:.1}%  nice {:.1}%  iowait {:.1}%  irq {:.1}%  softirq {:.1}%  steal {:.1}%  idle {:.1}%",
            t.user, t.system, t.nice, t.iowait, t.irq, t.softirq, t.steal, t.idle
        );
    }
    let _ = writeln!(o);

    // Memory and swap.
    match psoxide::virtual_memory() {
        Ok(m) => {
            let _ = writeln!(
                o,
                "Mem   {}  avail {}  cached {}  buffers {}  shared {}",
                term::bar(
                    m.percent,
                    inner.saturating_sub(40).max(10),
                    &format!(
                        "{}/{} {:.1}%",
                        term::human(m.used),
                        term::human(m.total),
                        m.percent
                    )
                ),
                term::human(m.available),
                term::human(m.cached),
                term::human(m.buffers),
                term::human(m.shared)
            );
        }
        Err(e) => err_line(&mut o, "virtual_memory", &e),
    }
    match psoxide::swap_memory() {
        Ok(s) => {
            let _ = writeln!(
                o,
                "Swap  {}  in {}  out {}",
                term::bar(
                    s.percent,
                    inner.saturating_sub(40).max(10),
                    &format!(
                        "{}/{} {:.1}%",
                        term::human(s.used),
                        term::human(s.total),
                        s.percent
                    )
                ),
                term::human(s.sin),
                term::human(s.sout)
            );
        }
        Err(e) => err_line(&mut o, "swap_memory", &e),
    }
    let _ = writeln!(o);

    // Disks: mounted physical filesystems, with I/O rates of their devices.
    let _ = writeln!(o, "Disks");
    match psoxide::disk_partitions(false) {
        Ok(parts) => {
            for p in parts {
                let usage = match psoxide::disk_usage(&p.mountpoint) {
                    Ok(u) => format!(
                        "{} {}/{}",
                        term::bar(u.percent, 12, &format!("{:.0}%", u.percent)),
                        term::human(u.used),
                        term::human(u.total)
                    ),
                    Err(e) => format!("({})", e.exception_name()),
                };
                let dev = p.device.rsplit('/').next().unwrap_or("").to_string();
                let io = match (prev.disks.get(&dev), cur.disks.get(&dev)) {
                    (Some(a), Some(b)) => format!(
                        "  read {}  write {}",
                        term::rate(b.read_bytes.saturating_sub(a.read_bytes) as f64 / dt),
                        term::rate(b.write_bytes.saturating_sub(a.write_bytes) as f64 / dt)
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(
                    o,
                    "  {:<20} {:<16} {:<6} {usage}{io}",
                    p.device, p.mountpoint, p.fstype
                );
            }
        }
        Err(e) => err_line(&mut o, "disk_partitions", &e),
    }
    let _ = writeln!(o);

    // Network interfaces.
    let _ = writeln!(o, "Network");
    let stats = psoxide::net_if_stats().unwrap_or_default();
    let addrs = psoxide::net_if_addrs().unwrap_or_default();
    for (name, c) in &cur.nics {
        let (rx, tx) = match prev.nics.get(name) {
            Some(a) => (
                c.bytes_recv.saturating_sub(a.bytes_recv) as f64 / dt,
                c.bytes_sent.saturating_sub(a.bytes_sent) as f64 / dt,
            ),
            None => (0.0, 0.0),
        };
        let st = stats
            .get(name)
            .map(|s| {
                let speed = if s.speed > 0 {
                    format!(" {}Mb/s", s.speed)
                } else {
                    String::new()
                };
                format!("{}{speed} mtu {}", if s.isup { "up" } else { "down" }, s.mtu)
            })
            .unwrap_or_default();
        let ips: Vec<String> = addrs
            .get(name)
            .map(|v| {
                v.iter()
                    .filter(|a| {
                        matches!(
                            a.family,
                            psoxide::AddressFamily::Inet | psoxide::AddressFamily::Inet6
                        )
                    })
                    .filter_map(|a| a.address.clone())
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {:<12} {:<22} rx {:>9} tx {:>9}  total rx {} tx {}  {}",
            name,
            st,
            term::rate(rx),
            term::rate(tx),
            term::human(c.bytes_recv),
            term::human(c.bytes_sent),
            ips.join(" ")
        );
    }
    let _ = writeln!(o);

    // Sensors, only when there are any.
    let temps = psoxide::sensors_temperatures(false).unwrap_or_default();
    let fans = psoxide::sensors_fans().unwrap_or_default();
    let battery = psoxide::sensors_battery().ok().flatten();
    if !temps.is_empty() || !fans.is_empty() || battery.is_some() {
        let _ = writeln!(o, "Sensors");
        for (chip, list) in &temps {
            for t in list {
                let mut extra = String::new();
                if let Some(h) = t.high {
                    let _ = write!(extra, "  high {h:.0}°C");
                }
                if let Some(c) = t.critical {
                    let _ = write!(extra, "  crit {c:.0}°C");
                }
                let _ = writeln!(o, "  {chip:<14} {:<16} {:>6.1}°C{extra}", t.label, t.current);
            }
        }
        for (chip, list) in &fans {
            for f in list {
                let _ = writeln!(o, "  {chip:<14} {:<16} {:>6} RPM", f.label, f.current);
            }
        }
        if let Some(b) = battery {
            let plugged = match b.power_plugged {
                Some(true) => "plugged in",
                Some(false) => "on battery",
                None => "power source unknown",
            };
            let left = match b.secsleft {
                psoxide::BatteryTime::Seconds(s) => format!(", {} left", term::duration(s as f64)),
                _ => String::new(),
            };
            let _ = writeln!(o, "  battery        {:.1}% {plugged}{left}", b.percent);
        }
        let _ = writeln!(o);
    }

    // Top processes by CPU and by memory. The handles persist across frames inside
    // psoxide's process_iter, so cpu_percent measures the time since the last frame.
    render_top(&mut o, width);

    // Users.
    if let Ok(list) = users {
        if !list.is_empty() {
            let _ = writeln!(o, "Users");
            for u in list {
                let _ = writeln!(
                    o,
                    "  {:<12} {:<8} {:<20} since {}",
                    u.name,
                    u.terminal.unwrap_or_default(),
                    u.host,
                    term::duration(now - u.started) + " ago"
                );
            }
        }
    }
    o
}

/// One row of the process tables.
struct Row {
    pid: u32,
    name: String,
    user: String,
    cpu: f64,
    rss: u64,
    mem: f64,
    threads: u64,
}

fn scan() -> Vec<Row> {
    use psoxide::{Attr, AttrValue};
    let attrs = [
        Attr::Name,
        Attr::Username,
        Attr::CpuPercent,
        Attr::MemoryInfo,
        Attr::MemoryPercent,
        Attr::NumThreads,
    ];
    let Ok(iter) = psoxide::process_iter(Some(&attrs)) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for p in iter.flatten() {
        let Some(info) = p.prefetched() else { continue };
        let mut r = Row {
            pid: p.pid(),
            name: String::new(),
            user: String::new(),
            cpu: 0.0,
            rss: 0,
            mem: 0.0,
            threads: 0,
        };
        for (k, v) in &info.values {
            match (k, v) {
                (_, Err(_)) => {}
                (Attr::Name, Ok(AttrValue::Name(n))) => r.name = n.clone(),
                (Attr::Username, Ok(AttrValue::Username(u))) => r.user = u.clone(),
                (Attr::CpuPercent, Ok(AttrValue::CpuPercent(c))) => r.cpu = *c,
                (Attr::MemoryInfo, Ok(AttrValue::MemoryInfo(m))) => r.rss = m.rss,
                (Attr::MemoryPercent, Ok(AttrValue::MemoryPercent(m))) => r.mem = *m,
                (Attr::NumThreads, Ok(AttrValue::NumThreads(t))) => r.threads = *t,
                _ => {}
            }
        }
        rows.push(r);
    }
    rows
}

fn render_top(o: &mut String, width: usize) {
    let mut rows = scan();
    if rows.is_empty() {
        return;
    }
    let n = 8;
    let name_w = width.saturating_sub(52).clamp(10, 60);
    let header = format!(
        "  {:>7} {:<10} {:>6} {:>6} {:>8} {:>4}  {}",
        "PID", "USER", "CPU%", "MEM%", "RSS", "THR", "NAME"
    );
    let line = |r: &Row| {
        let mut name = r.name.clone();
        if name.chars().count() > name_w {
            name = name.chars().take(name_w).collect();
        }
        let mut user = r.user.clone();
        if user.chars().count() > 10 {
            user = user.chars().take(10).collect();
        }
        format!(
            "  {:>7} {:<10} {:>6.1} {:>6.1} {:>8} {:>4}  {}",
            r.pid,
            user,
            r.cpu,
            r.mem,
            term::human(r.rss),
            r.threads,
            name
        )
    };
    let _ = writeln!(o, "Top processes by CPU ({} processes)", rows.len());
    let _ = writeln!(o, "{header}");
    rows.sort_by(|a, b| b.cpu.total_cmp(&a.cpu).then(b.rss.cmp(&a.rss)));
    for r in rows.iter().take(n) {
        let _ = writeln!(o, "{}", line(r));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Top processes by memory");
    let _ = writeln!(o, "{header}");
    rows.sort_by_key(|r| std::cmp::Reverse(r.rss));
    for r in rows.iter().take(n) {
        let _ = writeln!(o, "{}", line(r));
    }
    let _ = writeln!(o);
}

/// Runs the overview: live (refreshing) on a terminal, one frame otherwise.
pub fn run(once: bool, interval: f64) -> std::io::Result<()> {
    let live = !once && term::stdout_is_tty();
    let pause = Duration::from_secs_f64(interval);
    // Baselines for the non-blocking CPU percentages and the I/O rates.
    let _ = psoxide::cpu_percent(None);
    let _ = psoxide::cpu_percent_percpu(None);
    let _ = psoxide::cpu_times_percent(None);
    // Baselines for the per-process CPU percentages.
    let _ = scan();
    let mut prev = sample();
    let mut stdout = std::io::stdout();
    loop {
        std::thread::sleep(pause);
        let cur = sample();
        let frame = render(&prev, &cur, term::width());
        if live {
            // Home the cursor and clear the screen, then draw.
            stdout.write_all(b"\x1b[H\x1b[2J")?;
        }
        stdout.write_all(frame.as_bytes())?;
        stdout.flush()?;
        if !live {
            return Ok(());
        }
        prev = cur;
    }
}
