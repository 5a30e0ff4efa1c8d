//! Leaks: every public system function and every `Process` method, called thousands of
//! times in groups; open file descriptors must not grow and RSS must stay within
//! [`RSS_BOUND`] per group.
//!
//! One test in its own binary, so nothing else allocates meanwhile. Each group runs a
//! few rounds to warm up (thread-local read buffers grow to the largest file, the
//! procfs root and the pidfd probe are opened once, `process_iter` fills its table,
//! the nowrap counters record their disks and NICs), then for `PSOXIDE_LEAK_SECS`
//! seconds (default 0.8) and at least its minimum number of rounds. RSS is read with
//! psoxide (`Process::current().memory_info().rss`) and cross-checked with `VmRSS` of
//! `/proc/self/status` read by hand; descriptors are the entries of `/proc/self/fd`.

// Children here are reaped through psoxide (`Process::wait`, `wait_procs`).
#![allow(clippy::zombie_processes)]

use psoxide::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Largest RSS growth accepted for one group, after its warm-up. The smallest leak
/// per round this catches is this bound divided by the group's rounds (printed).
const RSS_BOUND: u64 = 512 * 1024;
/// Fewest rounds of the cheap groups (debug builds make the directory-walking groups
/// too slow for that: they run for their time, at least 5 rounds).
const MIN_ITERS: u64 = 1000;

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
}

/// Runs `f` until the time is up and at least `min` rounds are done.
fn group(rows: &mut Vec<Row>, name: &'static str, min: u64, mut f: impl FnMut()) {
    for _ in 0..(min / 20).max(3) {
        f();
    }
    let fds0 = fd_count();
    let rss0 = rss();
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(secs());
    let mut iters = 0;
    while iters < min || Instant::now() < deadline {
        f();
        iters += 1;
    }
    let took = t0.elapsed().as_secs_f64();
    let fds1 = fd_count();
    let rss1 = rss();
    println!(
        "leak group {name:<26} {took:5.1} s  rounds {iters:>7}  fds {fds0} -> {fds1}  \
         rss {:.2} -> {:.2} MiB ({:+} KiB; catches >= {} B/round)",
        rss0 as f64 / 1048576.0,
        rss1 as f64 / 1048576.0,
        (rss1 as i64 - rss0 as i64) / 1024,
        RSS_BOUND / iters.max(1)
    );
    rows.push(Row {
        group: name,
        iters,
        fds: (fds0, fds1),
        rss: (rss0, rss1),
    });
}

/// A sleeping child for the getters and setters.
fn sleeper() -> std::process::Child {
    Command::new("sleep").arg("1000").spawn().unwrap()
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

#[test]
fn no_fd_or_memory_growth() {
    let mut rows = Vec::new();
    let me = Process::current().unwrap();
    let mut child = sleeper();
    let kid = Process::from_child(&child).unwrap();
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
    group(&mut rows, "system: net_connections", 5, || {
        for k in ConnectionKind::ALL {
            net_connections(k).unwrap();
        }
    });
    group(&mut rows, "process: light getters", MIN_ITERS, || {
        light_getters(&me);
        light_getters(&kid);
        light_getters(&dead);
    });
    group(&mut rows, "process: heavy getters", 5, || {
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
    group(&mut rows, "process: as_dict/oneshot", 5, || {
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
    group(&mut rows, "process: family/conns", 5, || {
        me.children(false).unwrap();
        me.children(true).unwrap();
        kid.parent().unwrap();
        kid.parents().unwrap();
        for k in ConnectionKind::ALL {
            me.net_connections(k).unwrap();
        }
    });
    let mut round = 0u64;
    group(&mut rows, "process_iter", 5, || {
        for p in process_iter(None).unwrap() {
            let _ = p.map(|p| p.name());
        }
        for p in process_iter(Some(&[Attr::Name, Attr::Cmdline, Attr::Username])).unwrap() {
            p.unwrap();
        }
        // Every tenth round (the first included, so the warm-up has one) with all
        // attributes.
        if round % 10 == 0 {
            for p in process_iter(Some(&Attr::ALL)).unwrap() {
                p.unwrap();
            }
        }
        round += 1;
    });
    let mut n = 0i32;
    group(&mut rows, "process: setters/signals", MIN_ITERS, || {
        n = (n + 1) % 20;
        kid.set_nice(n).unwrap();
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
    group(&mut rows, "process: wait children", 5, || {
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

    kid.kill().unwrap();
    kid.wait(None).unwrap();
    let _ = child.try_wait();

    let mut bad = Vec::new();
    for r in &rows {
        if r.fds.1 > r.fds.0 {
            bad.push(format!("{}: fds {} -> {}", r.group, r.fds.0, r.fds.1));
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
        "leaks: {} groups, {total} rounds, fds {} -> {}, rss {:.2} -> {:.2} MiB",
        rows.len(),
        rows[0].fds.0,
        rows.last().unwrap().fds.1,
        rows[0].rss.0 as f64 / 1048576.0,
        rows.last().unwrap().rss.1 as f64 / 1048576.0
    );
    assert!(bad.is_empty(), "growth: {bad:#?}");
}
