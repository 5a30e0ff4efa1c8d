//! One bad field fails only what needs it (issue 10, defect 3). psutil converts each
//! field of a kernel file when a function uses it, so one process's out-of-range
//! `utime` fails that process's `cpu_times()` and nothing else, a bad `ctxt` line of
//! `/proc/stat` fails `cpu_stats()` and not `boot_time()`, and an overflow (a `statm`
//! of u64::MAX pages) is an error naming the file, never a saturated number.
//!
//! Each case is a fixture tree built at test time and read through a `Host`. Only
//! file-based getters are called: the fixture's PIDs are no processes of the kernel's.

mod common;

use common::err_naming as names;
use psoxide::*;
use std::path::PathBuf;

const BTIME: u64 = 1_700_000_000;

/// A `/proc/PID/stat` line with the given parent, start ticks and utime text.
fn stat_line(pid: u32, ppid: &str, start: u64, utime: &str, state: &str) -> String {
    format!(
        "{pid} (p{pid}) {state} {ppid} {pid} {pid} 0 -1 4194560 1 0 0 0 {utime} 2 0 0 20 0 1 0 {start} 1000 10 \
         18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 3 0 0\n"
    )
}

struct Tree {
    _dir: tempfile::TempDir,
    roots: Roots,
}

impl Tree {
    /// `/proc/stat`, `/proc/meminfo` and processes 100 (parent), 101 and 102 (its
    /// children), 103 (child of 101) and 200 (unrelated).
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let roots = Roots::under(dir.path());
        std::fs::create_dir_all(&roots.procfs).unwrap();
        let t = Tree { _dir: dir, roots };
        t.write("stat", &format!("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 7 0\nctxt 5\nbtime {BTIME}\nsoftirq 9 0\n"));
        t.write(
            "meminfo",
            "MemTotal: 1000000 kB\nMemFree: 500000 kB\nMemAvailable: 600000 kB\nBuffers: 1 kB\nCached: 2 kB\n",
        );
        for (pid, ppid, start) in [
            (100, 1, 500),
            (101, 100, 510),
            (102, 100, 520),
            (103, 101, 530),
            (200, 1, 600),
        ] {
            t.process(pid, &stat_line(pid, &ppid.to_string(), start, "7", "S"));
        }
        t
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.roots.procfs.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A process with the given `stat` and valid `status`, `statm`, task directory.
    fn process(&self, pid: u32, stat: &str) {
        self.write(&format!("{pid}/stat"), stat);
        self.write(&format!("{pid}/task/{pid}/stat"), stat);
        self.write(
            &format!("{pid}/status"),
            &format!(
                "Name:\tp{pid}\nTgid:\t{pid}\nPPid:\t1\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nVmPeak:\t 200 kB\nVmSize:\t 100 kB\n\
                 VmHWM:\t 60 kB\nVmRSS:\t 40 kB\nRssAnon:\t 10 kB\nRssFile:\t 20 kB\nRssShmem:\t 10 kB\nVmData:\t 8 kB\n\
                 VmStk:\t 4 kB\nVmExe:\t 4 kB\nVmSwap:\t 0 kB\nHugetlbPages:\t 0 kB\nThreads:\t1\n\
                 Cpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t11\nnonvoluntary_ctxt_switches:\t12\n"
            ),
        );
        self.write(&format!("{pid}/statm"), "25 10 5 1 0 3 0\n");
    }

    fn host(&self) -> Host {
        Host::new(self.roots.clone())
    }
}

fn pids(v: Vec<Process>) -> Vec<u32> {
    v.iter().map(Process::pid).collect()
}

#[test]
fn an_unrelated_bad_utime_fails_only_its_own_cpu_times() {
    let t = Tree::new();
    t.process(200, &stat_line(200, "1", 600, "99999999999999999999", "S"));
    let h = t.host();
    let p = h.process(100).unwrap();
    assert_eq!(pids(p.children(false).unwrap()), [101, 102]);
    assert_eq!(pids(p.children(true).unwrap()), [101, 102, 103]);
    let q = h.process(200).unwrap();
    names(
        q.cpu_times(),
        &t.path("200/stat"),
        "field 14 (utime): \"99999999999999999999\"",
    );
    names(q.cpu_percent(None), &t.path("200/stat"), "utime");
    names(q.threads(), &t.path("200/task/200/stat"), "utime");
    // Its other attributes are all there.
    assert_eq!(q.name().unwrap(), "p200");
    assert_eq!(q.ppid().unwrap(), 1);
    assert_eq!(q.status().unwrap(), ProcessStatus::Sleeping);
    assert_eq!(q.page_faults().unwrap(), PageFaults { minor: 1, major: 0 });
    assert_eq!(q.cpu_num().unwrap(), 1);
    assert!(q.children(false).unwrap().is_empty());
    let ticks = psoxide_clk_tck();
    assert_eq!(q.create_time().unwrap(), BTIME as f64 + 600.0 / ticks);
    // A scan yields the error for that process only.
    let mut ok = Vec::new();
    for item in h.process_iter(Some(&[Attr::Name, Attr::CpuTimes])).unwrap() {
        match item {
            Ok(p) => ok.push(p.pid()),
            Err(e) => assert!(e.to_string().contains("200/stat"), "{e}"),
        }
    }
    assert_eq!(ok, [100, 101, 102, 103]);
    // Without cpu_times, process 200 is a normal item.
    let all: Vec<u32> = h
        .process_iter(Some(&[Attr::Name, Attr::Ppid, Attr::Status]))
        .unwrap()
        .map(|p| p.unwrap().pid())
        .collect();
    assert_eq!(all, [100, 101, 102, 103, 200]);
}

/// `sysconf(_SC_CLK_TCK)` (100 on Linux everywhere that matters).
fn psoxide_clk_tck() -> f64 {
    rustix::param::clock_ticks_per_second() as f64
}

#[test]
fn other_bad_stat_fields_fail_their_getters_only() {
    let t = Tree::new();
    // A bad state letter: status() fails; the rest works, children too.
    t.process(200, &stat_line(200, "1", 600, "7", "SS"));
    let q = t.host().process(200).unwrap();
    names(q.status(), &t.path("200/stat"), "field 3 (state): \"SS\"");
    assert_eq!(q.cpu_times().unwrap().user, 7.0 / psoxide_clk_tck());
    assert_eq!(
        pids(t.host().process(100).unwrap().children(false).unwrap()),
        [101, 102]
    );
    // A bad ppid: that process's ppid() and parent() fail, and so does every
    // children() (it needs every process's parent), naming the file.
    t.process(200, &stat_line(200, "x", 600, "7", "S"));
    let h = t.host();
    let q = h.process(200).unwrap();
    names(q.ppid(), &t.path("200/stat"), "field 4 (ppid): \"x\"");
    names(q.parent(), &t.path("200/stat"), "ppid");
    names(
        h.process(100).unwrap().children(false),
        &t.path("200/stat"),
        "ppid",
    );
    assert_eq!(q.cpu_times().unwrap().system, 2.0 / psoxide_clk_tck());
    // A bad start time: no handle can be made (it is half of the identity).
    t.process(200, &stat_line(200, "1", 600, "7", "S").replace(" 600 ", " 6x0 "));
    names(t.host().process(200), &t.path("200/stat"), "field 22 (starttime)");
}

#[test]
fn a_bad_ctxt_line_fails_cpu_stats_only() {
    let t = Tree::new();
    t.write(
        "stat",
        &format!("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 7 0\nctxt 5x\nbtime {BTIME}\nsoftirq 9 0\n"),
    );
    let h = t.host();
    assert_eq!(h.boot_time().unwrap(), BTIME as f64);
    let p = h.process(100).unwrap();
    assert_eq!(p.create_time().unwrap(), BTIME as f64 + 500.0 / psoxide_clk_tck());
    assert_eq!(h.cpu_times().unwrap().user, 1.0 / psoxide_clk_tck());
    assert_eq!(h.cpu_times_percpu().unwrap().len(), 1);
    names(
        h.cpu_stats(),
        &t.path("stat"),
        "'ctxt' line: expected a number, got \"5x\"",
    );
    // A bad btime line: the other way round.
    t.write(
        "stat",
        "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 7 0\nctxt 5\nbtime soon\nsoftirq 9 0\n",
    );
    let h = t.host();
    names(h.boot_time(), &t.path("stat"), "'btime' line");
    names(
        h.process(100).unwrap().create_time(),
        &t.path("stat"),
        "'btime' line",
    );
    assert_eq!(h.cpu_stats().unwrap().ctx_switches, 5);
    // A file cut in its last line: only that line is in doubt.
    t.write(
        "stat",
        &format!("cpu  1 2 3 4 5 6 7 8 9 10\nbtime {BTIME}\nctxt 12"),
    );
    let h = t.host();
    assert_eq!(h.boot_time().unwrap(), BTIME as f64);
    names(h.cpu_stats(), &t.path("stat"), "'ctxt' line: truncated");
}

#[test]
fn statm_overflow_is_an_error_not_a_saturated_number() {
    let t = Tree::new();
    let max = u64::MAX;
    t.write("100/statm", &format!("{max} {max} 5 1 0 3 0\n"));
    let h = t.host();
    let p = h.process(100).unwrap();
    names(p.memory_info(), &t.path("100/statm"), "pages of");
    names(p.memory_percent(MemType::Rss), &t.path("100/statm"), "overflow");
    names(p.memory_percent(MemType::Vms), &t.path("100/statm"), "overflow");
    // The largest count that fits is fine, and status-based values are unaffected.
    let page = rustix::param::page_size() as u64;
    t.write("100/statm", &format!("{} 10 5 1 0 3 0\n", max / page));
    assert_eq!(p.memory_info().unwrap().vms, max / page * page);
    assert_eq!(p.memory_info_ex().unwrap().peak_rss, 60 * 1024);
    let pct = p.memory_percent(MemType::Rss).unwrap();
    assert_eq!(pct, (10 * page) as f64 / (1_000_000.0 * 1024.0) * 100.0);
}

#[test]
fn a_bad_status_line_fails_only_its_getters() {
    let t = Tree::new();
    let status = t.path("100/status");
    let good = std::fs::read_to_string(&status).unwrap();
    // A bad VmHWM: memory_info_ex (peak_rss) fails; uids, gids, num_threads,
    // num_ctx_switches and memory_info do not.
    t.write("100/status", &good.replace("VmHWM:\t 60 kB", "VmHWM:\t 6x0 kB"));
    let p = t.host().process(100).unwrap();
    names(p.memory_info_ex(), &status, "VmHWM: \"6x0 kB\"");
    assert_eq!(p.uids().unwrap().real, 1);
    assert_eq!(p.gids().unwrap().effective, 6);
    assert_eq!(p.num_threads().unwrap(), 1);
    assert_eq!(p.num_ctx_switches().unwrap().voluntary, 11);
    assert_eq!(
        p.memory_info().unwrap().rss,
        10 * rustix::param::page_size() as u64
    );
    // A bad Uid line: uids and username fail, the rest does not.
    t.write(
        "100/status",
        &good.replace("Uid:\t1\t2\t3\t4", "Uid:\t1\tx\t3\t4"),
    );
    let p = t.host().process(100).unwrap();
    names(p.uids(), &status, "Uid: ");
    names(p.username(), &status, "Uid: ");
    assert_eq!(p.gids().unwrap().real, 5);
    assert_eq!(p.num_threads().unwrap(), 1);
    assert_eq!(p.memory_info_ex().unwrap().rss_file, 20 * 1024);
    // Inside a oneshot (the snapshot keeps the parsed file), the same.
    p.oneshot(|p| {
        names(p.uids(), &status, "Uid: ");
        assert_eq!(p.num_threads().unwrap(), 1);
        // memory_info may come from status here: its lines are valid.
        assert_eq!(p.memory_info().unwrap().vms, 100 * 1024);
    });
    // A bad VmRSS inside a oneshot: memory_info falls back to statm.
    t.write("100/status", &good.replace("VmRSS:\t 40 kB", "VmRSS:\t 4o kB"));
    let p = t.host().process(100).unwrap();
    p.oneshot(|p| {
        assert_eq!(p.num_threads().unwrap(), 1);
        assert_eq!(
            p.memory_info().unwrap().rss,
            10 * rustix::param::page_size() as u64
        );
    });
    // A bad context-switch line: num_ctx_switches only.
    t.write(
        "100/status",
        &good.replace(
            "nonvoluntary_ctxt_switches:\t12",
            "nonvoluntary_ctxt_switches:\t-12",
        ),
    );
    let p = t.host().process(100).unwrap();
    names(p.num_ctx_switches(), &status, "nonvoluntary_ctxt_switches");
    assert_eq!(p.uids().unwrap().saved, 3);
}

#[test]
fn a_thread_with_a_bad_unrelated_field() {
    let t = Tree::new();
    t.write("100/task/101/stat", &stat_line(101, "x", 510, "9", "S"));
    let p = t.host().process(100).unwrap();
    let th = p.threads().unwrap();
    assert_eq!(th.len(), 2);
    assert_eq!(th[1].id, 101);
    assert_eq!(th[1].user_time, 9.0 / psoxide_clk_tck());
    t.write("100/task/101/stat", &stat_line(101, "1", 510, "-9", "S"));
    names(
        p.threads(),
        &t.path("100/task/101/stat"),
        "field 14 (utime): \"-9\"",
    );
}

#[test]
fn a_missing_socket_table_is_named_not_the_fd_directory() {
    // Process 100 has a socket descriptor; the tree has no `net/` tables. The error
    // must name the table that is missing (it used to be reported as `100/fd`).
    let t = Tree::new();
    std::fs::create_dir_all(t.path("100/fd")).unwrap();
    std::os::unix::fs::symlink("socket:[4242]", t.path("100/fd/3")).unwrap();
    let p = t.host().process(100).unwrap();
    names(
        p.net_connections(ConnectionKind::Tcp4),
        &t.path("net/tcp"),
        "No such file",
    );
    // Once the table is there, the socket is found.
    t.write(
        "net/tcp",
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
         0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n",
    );
    let c = p.net_connections(ConnectionKind::Tcp4).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].fd, 3);
}
