//! Leaks: every public system function and every `Process` method, called thousands of
//! times in groups, on the live roots and on fixture trees; open file descriptors must
//! not grow, the C heap's bytes in use must not grow more than [`HEAP_BOUND`] and RSS
//! not more than [`RSS_BOUND`] per group.
//!
//! One test in its own binary, so nothing else allocates meanwhile. Each group runs a
//! few rounds to warm up (thread-local read buffers grow to the largest file, the
//! procfs root and the pidfd probe are opened once, the nowrap counters record their
//! disks and NICs), then for `PSOXIDE_LEAK_SECS` seconds (default 0.8) and at least
//! its minimum number of rounds. Every minimum is above `HEAP_BOUND / 1 KiB`, so a
//! leak of 1 KiB per round (per call of any function of the group) fails every group;
//! `leaks_are_seen` below checks that arithmetic, and the commit that set it up
//! proved it by injecting such a leak.
//!
//! Bytes in use are glibc's (`heap_info()`: `uordblks + hblkhd`, after `heap_trim()`
//! dropped psoxide's per-thread read buffers): every Rust allocation goes through
//! `malloc`, and unlike RSS they move by exactly what was allocated and not freed,
//! provided malloc's per-thread cache is off (glibc counts the chunks it caches as in
//! use, up to ~230 KiB that fill slowly). So the test re-runs its own binary with
//! `GLIBC_TUNABLES=glibc.malloc.tcache_count=0`; bytes in use then stay exactly
//! constant over hundreds of scans. RSS is read with psoxide
//! (`Process::current().memory_info().rss`) and cross-checked with `VmRSS` of
//! `/proc/self/status` read by hand; it would also see memory mapped without `malloc`.
//! Descriptors are the entries of `/proc/self/fd`.

// Children here are reaped through psoxide (`Process::wait`, `wait_procs`).
#![allow(clippy::zombie_processes)]

use psoxide::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Largest growth of the C heap's bytes in use accepted for one group, after its
/// warm-up (what legitimately stays: a user name or a NIC seen for the first time).
const HEAP_BOUND: u64 = 32 * 1024;
/// Largest RSS growth accepted for one group, after its warm-up (RSS moves by pages
/// and with the allocator's arenas, so this bound is wider).
const RSS_BOUND: u64 = 512 * 1024;
/// The per-round leak every group must be able to see.
const LEAK_TO_SEE: u64 = 1024;
/// Fewest rounds of the cheap groups: also enough for RSS alone to see 1 KiB a round.
const MIN_ITERS: u64 = 1000;
/// Fewest rounds of the groups that walk directories or every process (debug builds
/// make them slow): enough for the heap bound to see 1 KiB a round.
const MIN_HEAVY: u64 = 100;

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn vmrss_by_hand() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

/// RSS with psoxide, checked against VmRSS (read right after; nothing else runs).
fn rss() -> u64 {
    let a = Process::current().unwrap().memory_info().unwrap().rss;
    let b = vmrss_by_hand();
    assert!(
        a.abs_diff(b) <= 256 * 1024,
        "psoxide rss {a} vs VmRSS {b}: more than 256 KiB apart"
    );
    a
}

/// The C heap's bytes in use (small and large allocations), psoxide's reusable read
/// buffers of this thread dropped first.
fn heap() -> u64 {
    heap_trim().unwrap();
    let h = heap_info().expect("heap_info (glibc) is needed to see small leaks");
    h.heap_used + h.mmap_used
}

fn secs() -> f64 {
    std::env::var("PSOXIDE_LEAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.8)
}

struct Row {
    group: &'static str,
    iters: u64,
    fds: (usize, usize),
    rss: (u64, u64),
    heap: (u64, u64),
}

/// Runs `f` until the time is up and at least `min` rounds are done.
fn group(rows: &mut Vec<Row>, name: &'static str, min: u64, mut f: impl FnMut()) {
    assert!(
        min * LEAK_TO_SEE > HEAP_BOUND,
        "{name}: {min} rounds cannot show a leak of {LEAK_TO_SEE} B a round"
    );
    for _ in 0..(min / 20).max(10) {
        f();
    }
    let fds0 = fd_count();
    let rss0 = rss();
    let heap0 = heap();
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(secs());
    let mut iters = 0;
    while iters < min || Instant::now() < deadline {
        f();
        iters += 1;
    }
    let took = t0.elapsed().as_secs_f64();
    let heap1 = heap();
    let fds1 = fd_count();
    let rss1 = rss();
    println!(
        "leak group {name:<28} {took:5.1} s  rounds {iters:>7}  fds {fds0} -> {fds1}  \
         heap {:+} B (sees >= {} B/round)  rss {:.2} -> {:.2} MiB ({:+} KiB; sees >= {} B/round)",
        heap1 as i64 - heap0 as i64,
        HEAP_BOUND / iters.max(1) + 1,
        rss0 as f64 / 1048576.0,
        rss1 as f64 / 1048576.0,
        (rss1 as i64 - rss0 as i64) / 1024,
        RSS_BOUND / iters.max(1) + 1
    );
    rows.push(Row {
        group: name,
        iters,
        fds: (fds0, fds1),
        rss: (rss0, rss1),
        heap: (heap0, heap1),
    });
}

/// A sleeping child for the getters and setters, killed when dropped (also when the
/// test panics: it must not outlive the test holding its output pipe).
struct Sleeper(std::process::Child);

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper() -> Sleeper {
    Sleeper(
        Command::new("sleep")
            .arg("1000")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The getters served from `stat`, `status`, `statm`, `io` and syscalls.
fn light_getters(p: &Process) {
    let _ = p.name();
    let _ = p.status();
    let _ = p.ppid();
    let _ = p.create_time();
    let _ = p.cpu_times();
    let _ = p.cpu_num();
    let _ = p.page_faults();
    let _ = p.tty_nr();
    let _ = p.uids();
    let _ = p.gids();
    let _ = p.username();
    let _ = p.num_threads();
    let _ = p.num_ctx_switches();
    let _ = p.memory_info();
    let _ = p.memory_info_ex();
    let _ = p.io_counters();
    let _ = p.cmdline();
    let _ = p.is_kernel_thread();
    let _ = p.is_running();
    let _ = p.terminal();
    let _ = p.nice();
    let _ = p.memory_percent(MemType::Rss);
    let _ = p.cpu_percent(None);
    let _ = p.ionice();
    let _ = p.rlimit(Rlimit::Nofile);
    let _ = p.cpu_affinity();
    let _ = p.returncode();
    let _ = p.to_string();
}

/// The getters that read directories, links, `smaps` or `environ`.
fn heavy_getters(p: &Process) {
    let _ = p.environ();
    let _ = p.num_fds();
    let _ = p.exe();
    let _ = p.cwd();
    let _ = p.threads();
    let _ = p.memory_footprint();
    let _ = p.memory_maps(true);
    let _ = p.memory_maps(false);
    let _ = p.memory_percent(MemType::Uss);
    let _ = p.open_files();
}

fn getters(p: &Process) {
    light_getters(p);
    heavy_getters(p);
}

const CHILD_ENV: &str = "PSOXIDE_LEAKS_CHILD";

#[test]
fn no_fd_or_memory_growth() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return run_groups();
    }
    // Re-run this test alone in a new process with malloc's thread cache off (it
    // must be set before the process starts).
    let mut tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    if !tunables.is_empty() {
        tunables.push(':');
    }
    tunables.push_str("glibc.malloc.tcache_count=0");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "no_fd_or_memory_growth",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GLIBC_TUNABLES", tunables)
        .env(CHILD_ENV, "1")
        .status()
        .unwrap();
    assert!(status.success(), "the leak groups failed: {status}");
}

fn run_groups() {
    let mut rows = Vec::new();
    let me = Process::current().unwrap();
    let mut child = sleeper();
    let kid = Process::from_child(&child.0).unwrap();
    let dead = {
        let mut c = Command::new("true").spawn().unwrap();
        let p = Process::from_child(&c).unwrap();
        c.wait().unwrap();
        p
    };

    group(&mut rows, "system: cpu", MIN_ITERS, || {
        cpu_times().unwrap();
        cpu_times_percpu().unwrap();
        cpu_percent(None).unwrap();
        cpu_percent_percpu(None).unwrap();
        cpu_times_percent(None).unwrap();
        cpu_times_percent_percpu(None).unwrap();
        let _ = cpu_count();
        let _ = cpu_count_physical();
        cpu_stats().unwrap();
        let _ = cpu_freq();
        let _ = cpu_freq_percpu();
        getloadavg().unwrap();
        boot_time().unwrap();
    });
    group(&mut rows, "system: memory/disk", MIN_ITERS, || {
        virtual_memory().unwrap();
        swap_memory().unwrap();
        disk_partitions(false).unwrap();
        disk_partitions(true).unwrap();
        disk_usage("/").unwrap();
        let _ = disk_usage("/nonexistent/psoxide");
        disk_io_counters(true).unwrap();
        disk_io_counters(false).unwrap();
        disk_io_counters_perdisk(true).unwrap();
    });
    group(&mut rows, "system: net/sensors", MIN_ITERS, || {
        net_io_counters(true).unwrap();
        net_io_counters(false).unwrap();
        net_io_counters_pernic(true).unwrap();
        net_if_addrs().unwrap();
        net_if_stats().unwrap();
        sensors_temperatures(false).unwrap();
        sensors_temperatures(true).unwrap();
        sensors_fans().unwrap();
        sensors_battery().unwrap();
        users().unwrap();
        heap_info().unwrap();
    });
    group(&mut rows, "system: pids", MIN_ITERS, || {
        pids().unwrap();
        pid_exists(1).unwrap();
        pid_exists(i32::MAX as u32).unwrap();
        pid_exists(0).unwrap();
    });
    group(&mut rows, "system: net_connections", MIN_HEAVY, || {
        for k in ConnectionKind::ALL {
            net_connections(k).unwrap();
        }
    });
    group(&mut rows, "process: light getters", MIN_ITERS, || {
        light_getters(&me);
        light_getters(&kid);
        light_getters(&dead);
    });
    group(&mut rows, "process: heavy getters", MIN_HEAVY, || {
        heavy_getters(&me);
        heavy_getters(&kid);
        heavy_getters(&dead);
    });
    group(&mut rows, "process: new/errors", MIN_ITERS, || {
        Process::current().unwrap();
        let _ = Process::new(1).map(|p| p.name());
        // Error paths build messages: they must not leak either.
        let _ = Process::new(i32::MAX as u32);
        let _ = Process::new(u32::MAX);
        let _ = Process::new(0);
        let _ = dead.name();
        let _ = dead.cmdline();
        let _ = dead.kill();
        let _ = "nope".parse::<Attr>();
        let _ = "nope".parse::<ConnectionKind>();
        let _ = "nope".parse::<MemType>();
        let _ = "nope".parse::<Rlimit>();
    });
    group(&mut rows, "process: as_dict/oneshot", MIN_HEAVY, || {
        me.as_dict(None).unwrap();
        kid.as_dict(Some(&[Attr::Name, Attr::Cmdline, Attr::MemoryInfo]))
            .unwrap();
        kid.oneshot(|p| {
            getters(p);
            p.oneshot(|q| q.name().unwrap());
        });
        let info = kid.as_dict(Some(&Attr::ALL)).unwrap();
        kid.set_prefetched(Some(info));
        getters(&kid);
        let _ = kid.prefetched();
        kid.set_prefetched(None);
    });
    group(&mut rows, "process: family/conns", MIN_HEAVY, || {
        me.children(false).unwrap();
        me.children(true).unwrap();
        kid.parent().unwrap();
        kid.parents().unwrap();
        for k in ConnectionKind::ALL {
            me.net_connections(k).unwrap();
        }
    });
    group(&mut rows, "process_iter", MIN_HEAVY, || {
        for p in process_iter(None).unwrap() {
            let _ = p.map(|p| p.name());
        }
        // All attributes, every round, on the handles the scan above kept.
        for p in process_iter(Some(&Attr::ALL)).unwrap() {
            p.unwrap();
        }
        // A new host: a new handle table and procfs descriptor.
        let h = Host::new(Roots::default());
        for p in h
            .process_iter(Some(&[Attr::Name, Attr::Cmdline, Attr::Username]))
            .unwrap()
        {
            p.unwrap();
        }
        // The table follows the machine's process list, which other jobs change:
        // forget it, so that what stays allocated does not depend on them.
        process_iter_cache_clear();
    });
    let mut n = 0i32;
    // A user other than root may not lower a nice value: it sets the highest each time.
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    group(&mut rows, "process: setters/signals", MIN_ITERS, || {
        n = (n + 1) % 20;
        kid.set_nice(if root { n } else { 19 }).unwrap();
        kid.set_ionice(IoPriorityClass::Be, Some((n % 8) as i64)).unwrap();
        let _ = kid.set_ionice(IoPriorityClass::Idle, Some(3));
        kid.set_rlimit(
            Rlimit::Nofile,
            RlimitValue::Limited(100 + n as u64),
            RlimitValue::Limited(4096),
        )
        .unwrap();
        let _ = kid.set_rlimit(Rlimit::Nofile, RlimitValue::Limited(9), RlimitValue::Limited(8));
        kid.set_cpu_affinity(&[0]).unwrap();
        kid.set_cpu_affinity(&[]).unwrap();
        let _ = kid.set_cpu_affinity(&[4096]);
        kid.send_signal(0).unwrap();
        kid.suspend().unwrap();
        kid.resume().unwrap();
        let _ = dead.kill();
    });
    group(&mut rows, "process: wait children", MIN_HEAVY, || {
        let mut c = Command::new("true").stdout(Stdio::null()).spawn().unwrap();
        let p = Process::from_child(&c).unwrap();
        assert!(p.wait(None).unwrap().is_some());
        assert!(p.wait(Some(Duration::ZERO)).unwrap().is_some());
        // std's handle: already reaped through psoxide.
        let _ = c.try_wait();
        let c2 = Command::new("true").spawn().unwrap();
        let p2 = Process::from_child(&c2).unwrap();
        let (gone, alive) = wait_procs([&p2], Some(Duration::from_secs(5)), None).unwrap();
        assert_eq!((gone.len(), alive.len()), (1, 0));
        let _ = kid.wait(Some(Duration::ZERO));
    });
    group(&mut rows, "heap_trim", MIN_ITERS, || {
        heap_trim().unwrap();
        heap_info().unwrap();
    });

    fixture_groups(&mut rows);

    kid.kill().unwrap();
    kid.wait(None).unwrap();
    let _ = child.0.try_wait();

    let mut bad = Vec::new();
    for r in &rows {
        if r.fds.1 > r.fds.0 {
            bad.push(format!("{}: fds {} -> {}", r.group, r.fds.0, r.fds.1));
        }
        if r.heap.1 > r.heap.0 + HEAP_BOUND {
            bad.push(format!(
                "{}: heap bytes in use {} -> {} (+{} B) after {} rounds",
                r.group,
                r.heap.0,
                r.heap.1,
                r.heap.1 - r.heap.0,
                r.iters
            ));
        }
        if r.rss.1 > r.rss.0 + RSS_BOUND {
            bad.push(format!(
                "{}: rss {} -> {} after {} rounds",
                r.group, r.rss.0, r.rss.1, r.iters
            ));
        }
    }
    let total: u64 = rows.iter().map(|r| r.iters).sum();
    println!(
        "leaks: {} groups, {total} rounds, fds {} -> {}, rss {:.2} -> {:.2} MiB, fewest rounds {}",
        rows.len(),
        rows[0].fds.0,
        rows.last().unwrap().fds.1,
        rows[0].rss.0 as f64 / 1048576.0,
        rows.last().unwrap().rss.1 as f64 / 1048576.0,
        rows.iter().map(|r| r.iters).min().unwrap()
    );
    assert!(bad.is_empty(), "growth: {bad:#?}");
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The same functions on fixture roots: a hand-made process tree
/// (`fixtures/proc-tree`, three processes with every file psoxide reads), the sensor,
/// battery, CPU-frequency, memory, disk, network and utmp fixtures. Only getters: the
/// fixture's PIDs are not the kernel's, so nothing may be sent to them.
fn fixture_groups(rows: &mut Vec<Row>) {
    let tree = Roots {
        procfs: fixture("proc-tree/proc"),
        sysfs: fixture("sensors-hwmon/sys"),
        utmp: fixture("users-mixed/var/run/utmp"),
        ..Roots::default()
    };
    let host = Host::new(tree.clone());
    let under = |name: &str| Host::new(Roots::under(fixture(name)));
    let (mem, disk, net, freq, thermal, bat) = (
        under("mem-live"),
        under("disk-live"),
        under("net-capture"),
        under("cpu-freq-policy"),
        under("sensors-thermal"),
        under("sensors-bat-charging"),
    );
    // The fixtures give real values (a group that only met errors would test less).
    assert_eq!(host.pids().unwrap(), [1, 40, 41]);
    assert_eq!(host.boot_time().unwrap(), 1_700_000_000.0);
    assert!(!host.sensors_temperatures(false).unwrap().is_empty());
    assert!(!host.sensors_fans().unwrap().is_empty());
    assert!(!thermal.sensors_temperatures(false).unwrap().is_empty());
    assert!(bat.sensors_battery().unwrap().is_some());
    assert!(!host.users().unwrap().is_empty());
    assert!(freq.cpu_freq().unwrap().is_some());
    assert!(!disk.disk_io_counters_perdisk(false).unwrap().is_empty());
    assert!(!net.net_io_counters_pernic(false).unwrap().is_empty());
    group(rows, "fixture: system", MIN_ITERS, || {
        host.cpu_times().unwrap();
        host.cpu_times_percpu().unwrap();
        host.cpu_stats().unwrap();
        host.cpu_percent(None).unwrap();
        host.cpu_times_percent_percpu(None).unwrap();
        let _ = host.cpu_count_physical();
        freq.cpu_freq().unwrap();
        freq.cpu_freq_percpu().unwrap();
        host.getloadavg().unwrap();
        host.boot_time().unwrap();
        host.virtual_memory().unwrap();
        mem.virtual_memory().unwrap();
        mem.swap_memory().unwrap();
        disk.disk_partitions(true).unwrap();
        disk.disk_io_counters(false).unwrap();
        disk.disk_io_counters_perdisk(false).unwrap();
        net.net_io_counters(false).unwrap();
        net.net_io_counters_pernic(false).unwrap();
        host.sensors_temperatures(false).unwrap();
        host.sensors_fans().unwrap();
        host.sensors_battery().unwrap();
        thermal.sensors_temperatures(true).unwrap();
        bat.sensors_battery().unwrap();
        host.users().unwrap();
        host.pids().unwrap();
    });
    let p = host.process(40).unwrap();
    assert_eq!(p.cmdline().unwrap(), ["/usr/bin/fixtured", "--fixture", "40"]);
    assert_eq!(p.threads().unwrap().len(), 2);
    assert_eq!(p.memory_maps(false).unwrap().len(), 3);
    assert_eq!(p.num_fds().unwrap(), 3);
    assert_eq!(p.children(true).unwrap().len(), 1);
    group(rows, "fixture: process getters", MIN_ITERS, || {
        for pid in [1, 40, 41] {
            let p = host.process(pid).unwrap();
            let _ = p.name();
            let _ = p.status();
            let _ = p.ppid();
            let _ = p.create_time();
            let _ = p.cpu_times();
            let _ = p.cpu_num();
            let _ = p.page_faults();
            let _ = p.terminal();
            let _ = p.uids();
            let _ = p.gids();
            let _ = p.username();
            let _ = p.num_threads();
            let _ = p.num_ctx_switches();
            let _ = p.memory_info();
            let _ = p.memory_info_ex();
            let _ = p.memory_percent(MemType::Rss);
            let _ = p.io_counters();
            let _ = p.cmdline();
            let _ = p.environ();
            let _ = p.exe();
            let _ = p.cwd();
            let _ = p.num_fds();
            let _ = p.open_files();
            let _ = p.threads();
            let _ = p.memory_footprint();
            let _ = p.memory_maps(true);
            let _ = p.memory_maps(false);
            let _ = p.is_kernel_thread();
            let _ = p.to_string();
        }
    });
    group(rows, "fixture: as_dict/family/iter", MIN_HEAVY, || {
        p.as_dict(None).unwrap();
        p.oneshot(|p| {
            let _ = p.name();
            let _ = p.memory_info();
            let _ = p.cpu_times();
        });
        p.children(true).unwrap();
        p.parents().unwrap();
        for q in host.process_iter(Some(&Attr::ALL)).unwrap() {
            q.unwrap();
        }
        for q in Host::new(tree.clone())
            .process_iter(Some(&[Attr::Name, Attr::Cmdline]))
            .unwrap()
        {
            q.unwrap();
        }
    });
}
