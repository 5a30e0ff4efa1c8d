//! A scan (or a oneshot) does not open `/proc/PID/cmdline` nor `/proc/PID/statm` of a
//! kernel thread: the `stat` it has already read says `PF_KTHREAD`, and the kernel
//! answers every read of such a `cmdline` with 0 bytes and of such a `statm` with
//! zeros (no address space). Checked on a fixture tree whose kernel thread has a
//! `cmdline` and a `statm` with content, which therefore must not show; a zombie with
//! the flag and an ordinary process are read as usual. And on the running kernel:
//! every kernel thread's files read by hand are empty and zero.

use psoxide::{Attr, Host, MemoryInfo, Roots};
use std::ffi::OsString;

/// A `/proc/PID/stat` line with the given state and `flags` (field 9).
fn stat_line(pid: u32, state: char, flags: u64) -> String {
    format!(
        "{pid} (p{pid}) {state} 2 0 0 0 -1 {flags} 1 0 0 0 7 2 0 0 20 0 1 0 500 1000 10 \
         18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 3 0 0\n"
    )
}

#[test]
fn kernel_threads_cmdline_comes_from_their_stat_flags() {
    let dir = tempfile::tempdir().unwrap();
    let roots = Roots::under(dir.path());
    let write = |rel: String, text: &str| {
        let p = roots.procfs.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "stat".into(),
        "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\nbtime 1700000000\n",
    );
    // 0x208040: PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC, as kworkers have.
    for (pid, state, flags, cmdline) in [
        (300, 'I', 0x0020_8040, "not-read\0"),
        (301, 'S', 0x0040_0100, "sleep\x00600\x00"),
        (302, 'Z', 0x0020_8040, "exiting\0"),
    ] {
        write(format!("{pid}/stat"), &stat_line(pid, state, flags));
        write(format!("{pid}/cmdline"), cmdline);
        write(format!("{pid}/statm"), "5 4 3 2 0 1 0\n");
    }
    let h = Host::new(roots.clone());
    let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
    // statm: zeros for the kernel thread without reading it; the others' as written.
    let pages = |n: u64| n * page_size();
    let written = MemoryInfo {
        rss: pages(4),
        vms: pages(5),
        shared: pages(3),
        text: pages(2),
        data: pages(1),
    };
    let scanned: Vec<(u32, Vec<OsString>, MemoryInfo)> = h
        .process_iter(Some(&[Attr::Cmdline, Attr::MemoryInfo]))
        .unwrap()
        .map(|p| {
            let p = p.unwrap();
            (p.pid(), p.cmdline().unwrap(), p.memory_info().unwrap())
        })
        .collect();
    assert_eq!(
        scanned,
        [
            (300, args(&[]), MemoryInfo::default()),
            (301, args(&["sleep", "600"]), written),
            (302, args(&["exiting"]), written),
        ]
    );
    // Inside a oneshot, once `stat` is read, the same.
    let k = h.process(300).unwrap();
    let in_oneshot = k.oneshot(|p| p.name().and_then(|_| p.memory_info())).unwrap();
    assert_eq!(in_oneshot, MemoryInfo::default());
    let in_oneshot = k.oneshot(|p| p.name().and_then(|_| p.cmdline())).unwrap();
    assert_eq!(in_oneshot, args(&[]));
    assert!(k.is_kernel_thread().unwrap());
    let u = h.process(301).unwrap();
    let in_oneshot = u.oneshot(|p| p.name().and_then(|_| p.cmdline())).unwrap();
    assert_eq!(in_oneshot, args(&["sleep", "600"]));
}

/// The page size in bytes (what `statm` counts in).
fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as u64 }
}

#[test]
fn live_kernel_threads_have_an_empty_cmdline_and_no_memory() {
    // kthreadd (PID 2) and its children, read both ways on the running kernel.
    let h = Host::current();
    let mut seen = 0;
    for p in h
        .process_iter(Some(&[Attr::Cmdline, Attr::Ppid]))
        .unwrap()
        .flatten()
    {
        if p.pid() == 2 || p.ppid().unwrap_or(0) == 2 {
            let by_hand = std::fs::read(format!("/proc/{}/cmdline", p.pid()));
            let statm = std::fs::read_to_string(format!("/proc/{}/statm", p.pid()));
            if let (Ok(raw), Ok(statm)) = (by_hand, statm) {
                assert!(raw.is_empty(), "pid {}: {raw:?}", p.pid());
                assert!(p.cmdline().unwrap().is_empty(), "pid {}", p.pid());
                assert_eq!(statm, "0 0 0 0 0 0 0\n", "pid {}", p.pid());
                let in_scan = p.oneshot(|q| q.name().and_then(|_| q.memory_info())).unwrap();
                assert_eq!(in_scan, MemoryInfo::default(), "pid {}", p.pid());
                seen += 1;
            }
        }
    }
    // A PID namespace without kernel threads (a container) has none to compare.
    if std::fs::read_to_string("/proc/2/stat").is_ok_and(|s| s.contains("(kthreadd)")) {
        assert!(seen > 0);
    }
}
