//! One scrape = one pass over the kernel files, shared by concurrent requests.

use crate::config::Config;
use crate::expo::{Exposition, Kind};
use crate::groups::GroupTracker;
use psoxide::Host;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// The result of one pass, shared by every request that waited for it.
#[derive(Clone, Debug)]
pub struct ScrapeResult {
    /// The families.
    pub exposition: Arc<Exposition>,
    /// The pass number (1 for the first).
    pub generation: u64,
}

struct Shared {
    /// A pass is running.
    running: bool,
    /// Passes completed.
    generation: u64,
    /// The last result.
    last: Option<ScrapeResult>,
}

struct Inner {
    /// Process-group counters and the PID table, kept between scrapes.
    tracker: GroupTracker,
    /// Scrapes served, and the time spent in passes.
    passes: u64,
    pass_seconds: f64,
}

/// The exporter: the host context, the configuration and the state kept between
/// scrapes. Cheap to share (`Arc`); [`Exporter::scrape`] may be called from many
/// threads at once.
pub struct Exporter {
    host: Host,
    cfg: Config,
    shared: Mutex<Shared>,
    done: Condvar,
    inner: Mutex<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Exporter {
    /// An exporter reading through `host` with configuration `cfg`.
    pub fn new(host: Host, cfg: Config) -> Exporter {
        Exporter {
            host,
            cfg,
            shared: Mutex::new(Shared {
                running: false,
                generation: 0,
                last: None,
            }),
            done: Condvar::new(),
            inner: Mutex::new(Inner {
                tracker: GroupTracker::new(),
                passes: 0,
                pass_seconds: 0.0,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The families of a fresh pass. A request that arrives while a pass is running
    /// waits for that pass and shares its result instead of starting another, so
    /// concurrent scrapes cost one pass.
    pub fn scrape(&self) -> ScrapeResult {
        let mut s = lock(&self.shared);
        if s.running {
            let target = s.generation + 1;
            while s.generation < target {
                s = self.done.wait(s).unwrap_or_else(|p| p.into_inner());
            }
            if let Some(r) = &s.last {
                return r.clone();
            }
        }
        s.running = true;
        drop(s);
        // A panic in a pass (a bug) must not leave `running` set with waiters
        // blocked forever: it becomes an exposition that says so.
        let exposition = Arc::new(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.pass())).unwrap_or_else(|_| {
                let mut e = Exposition::new();
                e.add(
                    "psoxide_exporter_pass_panicked",
                    "1 when the last pass over the kernel files panicked (a bug; see standard error).",
                    Kind::Gauge,
                    vec![],
                    1.0,
                );
                e
            }),
        );
        let mut s = lock(&self.shared);
        s.generation += 1;
        s.running = false;
        let r = ScrapeResult {
            exposition,
            generation: s.generation,
        };
        s.last = Some(r.clone());
        self.done.notify_all();
        r
    }

    /// One pass over every collector.
    fn pass(&self) -> Exposition {
        let t0 = Instant::now();
        let cpu0 = self_cpu_seconds();
        let mut e = Exposition::new();
        let mut failed = crate::host::collect(&self.host, &self.cfg.node, &mut e);
        let mut inner = lock(&self.inner);
        if !self.cfg.process_names.is_empty() {
            if let Err(err) = inner.tracker.collect(&self.host, &self.cfg, &mut e) {
                failed.push(("processes", err.to_string()));
            }
        }
        match crate::cgroups::collect(&self.host, &self.cfg.cgroups, &mut e) {
            Ok(dropped) => {
                e.add(
                    "psoxide_exporter_cgroups_dropped",
                    "cgroups left out of the last scrape because cgroups.max was reached.",
                    Kind::Gauge,
                    vec![],
                    dropped as f64,
                );
            }
            Err(err) => failed.push(("cgroups", err.to_string())),
        }
        for c in crate::host::COLLECTORS
            .iter()
            .chain(["processes", "cgroups"].iter())
        {
            if *c == "exporter" {
                continue;
            }
            let ok = !failed.iter().any(|(f, _)| f == c);
            e.add(
                "psoxide_exporter_collector_success",
                "Whether a collector succeeded in the last scrape (1) or failed (0).",
                Kind::Gauge,
                vec![("collector", c.to_string())],
                if ok { 1.0 } else { 0.0 },
            );
        }
        let took = t0.elapsed();
        inner.passes += 1;
        inner.pass_seconds += took.as_secs_f64();
        e.add(
            "psoxide_exporter_scrape_duration_seconds",
            "Wall time of the last pass over the kernel files.",
            Kind::Gauge,
            vec![],
            took.as_secs_f64(),
        );
        if let (Some(a), Some(b)) = (cpu0, self_cpu_seconds()) {
            e.add(
                "psoxide_exporter_scrape_cpu_seconds",
                "CPU time (user + system, all threads of the exporter) of the last pass.",
                Kind::Gauge,
                vec![],
                (b - a).max(0.0),
            );
        }
        e.add(
            "psoxide_exporter_scrapes_total",
            "Passes over the kernel files since start (concurrent requests share one).",
            Kind::Counter,
            vec![],
            inner.passes as f64,
        );
        for (c, msg) in &failed {
            eprintln!("psoxide serve: collector {c} failed: {msg}");
        }
        e
    }
}

/// CPU time of this process so far (user + system of all its threads, seconds), from
/// `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`: no file read, nanosecond resolution.
fn self_cpu_seconds() -> Option<f64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Some(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
}
