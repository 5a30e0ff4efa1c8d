//! The kernel tables behind the exporter (`psoxide::kstats`), live, against other
//! sources: psutil-shaped functions of this crate, `stat -f`, `/sys/block`, the
//! thread count, `/proc/self/cgroup` read with std.

use psoxide::{Host, Process, ProcessStatus, Roots};
use std::process::Command;

#[test]
fn meminfo_fields_agree_with_virtual_memory() {
    let h = Host::new(Roots::new());
    let m = h.meminfo_fields().unwrap();
    let vm = h.virtual_memory().unwrap();
    let total = m["MemTotal"];
    assert!(total.kib);
    assert_eq!(total.value * 1024, vm.total);
    assert!(m.contains_key("Active(anon)"));
    // Unit-less lines exist on every kernel with hugetlb.
    if let Some(h) = m.get("HugePages_Total") {
        assert!(!h.kib);
    }
}

#[test]
fn vmstat_and_stat_activity() {
    let h = Host::new(Roots::new());
    let v = h.vmstat_fields().unwrap();
    let swap = h.swap_memory().unwrap();
    // swap_memory's sin is pswpin × 4096 (psutil's fixed page size).
    assert_eq!(v["pswpin"] * 4096, swap.sin);
    let a = h.stat_activity().unwrap();
    assert_eq!(a.btime.unwrap() as f64, h.boot_time().unwrap());
    let ctx = h.cpu_stats().unwrap().ctx_switches;
    let c = a.ctxt.unwrap();
    assert!(c <= ctx && ctx - c < 10_000_000, "{c} vs {ctx}");
    assert!(a.processes.unwrap() > 0 && a.procs_running.unwrap() >= 1);
}

#[test]
fn fs_stats_agree_with_stat_f() {
    let h = Host::new(Roots::new());
    let st = h.fs_stats("/").unwrap();
    let out = Command::new("stat")
        .args(["-f", "-c", "%S %b %c", "/"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let f: Vec<u64> = text.split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert_eq!(st.block_size, f[0]);
    assert_eq!(st.blocks, f[1]);
    assert_eq!(st.files, f[2]);
    let e = h.fs_stats("/nonexistent-psoxide").unwrap_err().to_string();
    assert!(e.contains("/nonexistent-psoxide"), "{e}");
}

#[test]
fn diskstats_and_net_dev_cover_the_devices() {
    let h = Host::new(Roots::new());
    let disks = h.diskstats_all().unwrap();
    for entry in std::fs::read_dir("/sys/block").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            disks.iter().any(|d| d.name == name),
            "{name} missing from diskstats_all"
        );
    }
    let perdisk = h.disk_io_counters_perdisk(false).unwrap();
    for d in &disks {
        if let Some(c) = perdisk.get(&d.name) {
            assert!(d.counters[0] <= c.read_count + 1000);
        }
    }
    let nics = h.net_dev_all().unwrap();
    for entry in std::fs::read_dir("/sys/class/net").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(nics.contains_key(&name), "{name} missing from net_dev_all");
    }
    let lo = h.net_io_counters_pernic(false).unwrap()["lo"];
    assert!(nics["lo"][0] <= lo.bytes_recv + (1 << 20));
}

/// (voluntary, nonvoluntary) context switches of thread `tid` of this process, by hand.
fn switches_by_hand(tid: u32) -> (u64, u64) {
    let t = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
    let get = |k: &str| -> u64 {
        t.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().parse().unwrap())
            .unwrap()
    };
    (
        get("voluntary_ctxt_switches:"),
        get("nonvoluntary_ctxt_switches:"),
    )
}

#[test]
fn thread_scheds_give_each_threads_state_and_switches() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let (s, tx) = (stop.clone(), tx.clone());
            std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions.
                tx.send(unsafe { libc::gettid() } as u32).unwrap();
                while !s.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            })
        })
        .collect();
    let mine: Vec<u32> = (0..3).map(|_| rx.recv().unwrap()).collect();
    std::thread::sleep(std::time::Duration::from_millis(30));
    let before: Vec<(u64, u64)> = mine.iter().map(|&t| switches_by_hand(t)).collect();
    let p = Process::current().unwrap();
    let scheds = p.thread_scheds().unwrap();
    let after: Vec<(u64, u64)> = mine.iter().map(|&t| switches_by_hand(t)).collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in hs {
        h.join().unwrap();
    }
    // In thread-ID order, this process's main thread among them.
    assert!(scheds.windows(2).all(|w| w[0].tid < w[1].tid), "{scheds:?}");
    assert!(scheds.iter().any(|t| t.tid == std::process::id()));
    for (i, tid) in mine.iter().enumerate() {
        let t = scheds.iter().find(|t| t.tid == *tid).expect("our thread listed");
        // The counters only grow: the library's read lies between the two by hand.
        let c = t.ctx_switches;
        assert!(
            (before[i].0..=after[i].0).contains(&c.voluntary)
                && (before[i].1..=after[i].1).contains(&c.involuntary),
            "tid {tid}: {c:?} not within {:?}..{:?}",
            before[i],
            after[i]
        );
        // Sleeping 2 ms at a time: tens of voluntary switches by now.
        assert!(c.voluntary >= 5, "tid {tid}: {c:?}");
        assert!(
            matches!(t.status, ProcessStatus::Sleeping | ProcessStatus::Running),
            "tid {tid}: {:?}",
            t.status
        );
    }
}

#[test]
fn cgroup_v2_of_this_process() {
    let p = Process::current().unwrap();
    let want = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_string));
    assert_eq!(p.cgroup_v2().unwrap(), want);
    let h = Host::new(Roots::new());
    // The cgroup2 mount may be absent (a v1-only host, a container without it).
    let paths = h.cgroup_paths(0).unwrap();
    if !paths.is_empty() {
        assert_eq!(paths, vec!["/".to_string()]);
        let st = h.cgroup_stats("/").unwrap();
        assert_eq!(st.path, "/");
    }
}

#[test]
fn memory_proportional_of_this_process() {
    let p = Process::current().unwrap();
    let (pss, swap_pss) = p.memory_proportional().unwrap();
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap();
    let kb = |key: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.split_whitespace().next().unwrap().parse::<u64>().unwrap() * 1024)
            .unwrap_or(0)
    };
    // Pss moves a little as this test allocates; SwapPss is 0 without swap here.
    let want = kb("Pss:");
    assert!(pss.abs_diff(want) <= want / 10 + (1 << 20), "{pss} vs {want}");
    assert!(swap_pss.abs_diff(kb("SwapPss:")) <= (1 << 20));
    assert!(pss > 0);
}

#[test]
fn memory_status_equals_statm_of_a_sleeping_child_and_of_kthreadd() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id();
    // Wait for the exec: before it the child still has the test's address space.
    let t0 = std::time::Instant::now();
    while !std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.starts_with(&format!("{pid} (sleep) S ")))
    {
        assert!(t0.elapsed().as_secs() < 10, "the child never slept");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let p = Process::new(pid).unwrap();
    let (rss, vms, swap) = p.memory_status().unwrap();
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
    let f: Vec<u64> = statm.split_whitespace().map(|x| x.parse().unwrap()).collect();
    let page = rustix::param::page_size() as u64;
    // A sleeping process's memory does not move: the two files agree exactly.
    assert_eq!((rss, vms), (f[1] * page, f[0] * page));
    let m = p.memory_info().unwrap();
    assert_eq!((rss, vms), (m.rss, m.vms));
    assert_eq!(swap, p.memory_info_ex().unwrap().swap);
    assert!(rss > 0 && vms > rss);
    child.kill().unwrap();
    child.wait().unwrap();
    // kthreadd has no address space: no Vm lines, zeros as in its statm.
    let k = Process::new(2).unwrap();
    assert_eq!(k.memory_status().unwrap(), (0, 0, 0));
    let m = k.memory_info().unwrap();
    assert_eq!((m.rss, m.vms), (0, 0));
}
