//! Which file a scan takes `memory_info` from: `statm`, unless `status` is read for
//! another attribute anyway (then its `VmRSS`, `VmSize`, ... lines, the same kernel
//! counters, and `statm` is not opened). Checked on a fixture tree whose `statm` and
//! `status` disagree on purpose, so the values show which one was read. Without
//! `PIDFD_GET_INFO` (a captured tree never has it) the IDs come from `status`;
//! `num_threads` never needs it (field 20 of `stat`), and asking for it with
//! `memory_info` must not make the scan read `status` (it did, at the cost of a file
//! that takes the kernel about 2.5 times as long to produce as `statm`).

use psoxide::{Attr, Host, MemoryInfo, Roots};

fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

fn tree() -> (tempfile::TempDir, Host) {
    let dir = tempfile::tempdir().unwrap();
    let roots = Roots::under(dir.path());
    let write = |rel: &str, text: &str| {
        let p = roots.procfs.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "stat",
        "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nbtime 1700000000\n",
    );
    write(
        "400/stat",
        "400 (p400) S 1 400 400 0 -1 4194560 1 0 0 0 7 2 0 0 20 0 3 0 500 20480 4 \
         18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 3 0 0\n",
    );
    write("400/statm", "5 4 3 2 0 1 0\n");
    write(
        "400/status",
        "Name:\tp400\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t400\nNgid:\t0\nPid:\t400\n\
         PPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n\
         Groups:\t\nVmPeak:\t    9000 kB\nVmSize:\t    8000 kB\nVmLck:\t       0 kB\n\
         VmPin:\t       0 kB\nVmHWM:\t    7000 kB\nVmRSS:\t    6000 kB\nRssAnon:\t    1000 kB\n\
         RssFile:\t    2000 kB\nRssShmem:\t    3000 kB\nVmData:\t     400 kB\n\
         VmStk:\t     100 kB\nVmExe:\t     200 kB\nVmLib:\t     300 kB\nVmPTE:\t      40 kB\n\
         VmSwap:\t       0 kB\nThreads:\t3\nvoluntary_ctxt_switches:\t5\n\
         nonvoluntary_ctxt_switches:\t6\n",
    );
    let h = Host::new(roots);
    (dir, h)
}

fn scanned(h: &Host, attrs: &[Attr]) -> MemoryInfo {
    let p = h.process_iter(Some(attrs)).unwrap().next().unwrap().unwrap();
    assert_eq!(p.pid(), 400);
    p.memory_info().unwrap()
}

fn from_statm() -> MemoryInfo {
    let pages = |n: u64| n * page_size();
    MemoryInfo {
        rss: pages(4),
        vms: pages(5),
        shared: pages(3),
        text: pages(2),
        data: pages(1),
    }
}

fn from_status() -> MemoryInfo {
    let kib = |n: u64| n * 1024;
    MemoryInfo {
        rss: kib(6000),
        vms: kib(8000),
        shared: kib(2000 + 3000),
        text: kib(200),
        data: kib(400 + 100),
    }
}

#[test]
fn num_threads_does_not_make_a_scan_read_status() {
    let (_dir, h) = tree();
    assert_eq!(scanned(&h, &[Attr::MemoryInfo]), from_statm());
    assert_eq!(scanned(&h, &[Attr::MemoryInfo, Attr::NumThreads]), from_statm());
    let p = h
        .process_iter(Some(&[Attr::NumThreads]))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(p.num_threads().unwrap(), 3);
}

#[test]
fn status_read_for_the_ids_gives_memory_info_too() {
    let (_dir, h) = tree();
    assert_eq!(scanned(&h, &[Attr::MemoryInfo, Attr::Username]), from_status());
    assert_eq!(
        scanned(&h, &[Attr::MemoryInfo, Attr::NumCtxSwitches]),
        from_status()
    );
}
