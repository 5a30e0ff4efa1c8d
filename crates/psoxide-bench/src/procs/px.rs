//! The psoxide column: the library used as an application would use it.

use super::rows::{Lite, Row};
use psoxide::{Attr, ConnectionKind, Process};
use std::hint::black_box;
use std::sync::Arc;

/// W1's attributes, psutil's names.
pub const W1_ATTRS: [Attr; 10] = [
    Attr::Pid,
    Attr::Ppid,
    Attr::Name,
    Attr::Status,
    Attr::CpuTimes,
    Attr::MemoryInfo,
    Attr::NumThreads,
    Attr::CreateTime,
    Attr::Cmdline,
    Attr::Username,
];

/// W2's attributes.
pub const W2_ATTRS: [Attr; 3] = [Attr::Pid, Attr::Name, Attr::MemoryInfo];

/// The psoxide runner's state: one handle of the current process for W3, and the
/// host of the cache-cleared W1 (its own handle table, so that clearing it at each
/// of its scans leaves the other columns' kept handles alone, as two programs
/// would).
pub struct Px {
    me: Process,
    cold: psoxide::Host,
}

impl Default for Px {
    fn default() -> Self {
        Self::new()
    }
}

impl Px {
    /// Opens the handle of the current process.
    pub fn new() -> Px {
        Px {
            me: Process::current().expect("Process::current"),
            cold: psoxide::Host::default(),
        }
    }

    /// W1 as owned rows built from the prefetched values (the getters serve them).
    pub fn w1(&mut self) -> Vec<Row> {
        w1_on(&psoxide::Host::current())
    }

    /// W1 keeping only the handles: the values stay in each handle's prefetch store,
    /// as psutil's `[p.info for p in process_iter(attrs)]` keeps references to them.
    pub fn w1_handles(&mut self) -> usize {
        let Ok(it) = psoxide::process_iter(Some(&W1_ATTRS)) else {
            return 0;
        };
        let v: Vec<Arc<Process>> = it.flatten().collect();
        black_box(&v).len()
    }

    /// W1 with fresh handles at every scan (psutil's `process_iter.cache_clear()`), on a
    /// host of its own. Its handles are dropped after the scan (in the timed run)
    /// rather than before the next one, so that they hold no descriptors while the
    /// other columns run.
    pub fn w1_cold(&mut self) -> Vec<Row> {
        let rows = w1_on(&self.cold);
        self.cold.process_iter_cache_clear();
        rows
    }

    /// W2: pid, name, rss.
    pub fn w2(&mut self) -> Vec<Lite> {
        let Ok(it) = psoxide::process_iter(Some(&W2_ATTRS)) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(it.size_hint().1.unwrap_or(0));
        for p in it.flatten() {
            out.push(Lite {
                pid: p.pid(),
                name: p.name().unwrap_or_default(),
                rss: p.memory_info().map(|m| m.rss).unwrap_or(0),
            });
        }
        out
    }

    /// One W3 call (or `net`/`pids`); the number of items, `None` if unknown.
    pub fn call(&mut self, w: &str) -> Option<usize> {
        let me = &self.me;
        Some(match w {
            "w3.name" => black_box(me.name().ok()?).len(),
            "w3.cpu_times" => black_box(me.cpu_times().ok()?).user as usize & 1,
            "w3.memory_info" => black_box(me.memory_info().ok()?).rss as usize & 1,
            "w3.memory_full_info" => {
                let (m, f) = (me.memory_info().ok()?, me.memory_footprint().ok()?);
                black_box((m, f)).1.uss as usize & 1
            }
            "w3.num_fds" => me.num_fds().ok()? as usize,
            "w3.open_files" => black_box(me.open_files().ok()?).len(),
            "w3.cmdline" => black_box(me.cmdline().ok()?).len(),
            "w3.oneshot" => me.oneshot(|p| {
                let r = (
                    p.name().ok()?,
                    p.cpu_times().ok()?,
                    p.memory_info().ok()?,
                    p.memory_footprint().ok()?,
                    p.num_fds().ok()?,
                    p.open_files().ok()?,
                    p.cmdline().ok()?,
                );
                black_box(r);
                Some(7)
            })?,
            "net" => black_box(psoxide::net_connections(ConnectionKind::Inet).ok()?).len(),
            "pids" => black_box(psoxide::pids().ok()?).len(),
            _ => return None,
        })
    }
}

/// W1 on `host`: owned rows built from the prefetched values (the getters serve them).
fn w1_on(host: &psoxide::Host) -> Vec<Row> {
    let Ok(it) = host.process_iter(Some(&W1_ATTRS)) else {
        return Vec::new();
    };
    // As the floor does: room for every listed PID.
    let mut out = Vec::with_capacity(it.size_hint().1.unwrap_or(0));
    for p in it.flatten() {
        let t = p.cpu_times().unwrap_or_default();
        let m = p.memory_info().unwrap_or_default();
        out.push(Row {
            pid: p.pid(),
            ppid: p.ppid().unwrap_or(0),
            name: p.name().unwrap_or_default(),
            status: p.status().map(|s| s.value()).unwrap_or("?"),
            utime: t.user,
            stime: t.system,
            rss: m.rss,
            vms: m.vms,
            num_threads: p.num_threads().unwrap_or(0),
            create_time: p.create_time().unwrap_or(0.0),
            cmdline: p
                .cmdline()
                .unwrap_or_default()
                .into_iter()
                // moves the buffer when it is UTF-8 (no copy)
                .map(|s| {
                    s.into_string()
                        .unwrap_or_else(|s| s.to_string_lossy().into_owned())
                })
                .collect(),
            username: p.username().unwrap_or_default(),
        });
    }
    out
}
