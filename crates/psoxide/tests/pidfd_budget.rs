//! The pidfds that handles hold stay within their budget (a quarter of the soft
//! `RLIMIT_NOFILE`): a `process_iter` over more than 5,000 processes under a limit of
//! 256 descriptors works, leaves the program three quarters of its descriptors, and
//! every pidfd is closed once the handles and the host are dropped; and 2,000 procfs
//! roots used one after the other under the same limit leave no descriptor behind.
//!
//! One test in its own binary: it lowers this process's descriptor limit and forks
//! thousands of children, which no other test may see.

#![allow(clippy::zombie_processes)]

mod common;

use common::{pidfds_open, pidfds_or_skip, set_nofile};
use psoxide::{Attr, Host, Process};

/// Children that pause until killed; killed and reaped on drop.
struct Children(Vec<i32>);

impl Children {
    fn spawn(n: usize) -> Children {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            // SAFETY: the child only calls pause(2), which is async-signal-safe.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                loop {
                    // SAFETY: as above.
                    unsafe { libc::pause() };
                }
            }
            assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
            v.push(pid);
        }
        Children(v)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for &pid in &self.0 {
            // SAFETY: signalling and reaping our own children.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        for &pid in &self.0 {
            let mut st = 0;
            // SAFETY: as above, with a pointer to a local int.
            unsafe { libc::waitpid(pid, &mut st, 0) };
        }
    }
}

#[test]
fn handles_stay_within_the_descriptor_budget() {
    if !pidfds_or_skip("handles hold no pidfd") {
        return;
    }
    set_nofile(256);
    let listed = psoxide::pids().unwrap().len();
    let kids = Children::spawn(5_100usize.saturating_sub(listed));
    assert_eq!(pidfds_open(), 0);

    let host = Host::default();
    let attrs = [Attr::Name, Attr::Username, Attr::Ppid, Attr::NumThreads];
    let scan: Vec<_> = host
        .process_iter(Some(&attrs))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .expect("a scan under ulimit -n 256 must not fail");
    assert!(scan.len() >= 5_000, "scanned {} processes", scan.len());
    let held = pidfds_open();
    println!(
        "{} processes scanned under a limit of 256 descriptors; {held} pidfds held",
        scan.len()
    );
    assert!((1..=64).contains(&held), "{held} pidfds held, the budget is 64");

    // Every handle answers, with or without a pidfd; our children's too.
    let mine: Vec<_> = scan
        .iter()
        .filter(|p| kids.0.contains(&(p.pid() as i32)))
        .collect();
    assert_eq!(mine.len(), kids.0.len());
    for p in &mine {
        assert_eq!(p.ppid().unwrap(), std::process::id());
        assert!(p.is_running());
        p.send_signal(0).unwrap();
    }
    // A second scan keeps the handles; the budget is not exceeded.
    let again = host.process_iter(Some(&attrs)).unwrap().count();
    assert!(again >= 5_000);
    assert!(pidfds_open() <= 64);

    // The program keeps three quarters of its descriptors: 150 more files open.
    let files: Vec<_> = (0..150)
        .map(|i| std::fs::File::open("/dev/null").unwrap_or_else(|e| panic!("file {i}: {e}")))
        .collect();
    // Scans still work with (nearly) no descriptor left to open a transient one.
    assert!(host.process_iter(Some(&attrs)).unwrap().all(|p| p.is_ok()));
    drop(files);

    // Dropping the handles and the host closes every pidfd.
    drop(mine);
    drop(scan);
    drop(host);
    assert_eq!(
        pidfds_open(),
        0,
        "pidfds left open after the handles were dropped"
    );

    // A handle made with Process::new holds one, released with it.
    let one = Process::new(kids.0[0] as u32).unwrap();
    assert_eq!(pidfds_open(), 1);
    drop(one);
    assert_eq!(pidfds_open(), 0);

    // Raising the limit raises the budget at the next scan.
    set_nofile(4096);
    let host = Host::default();
    let scan: Vec<_> = host.process_iter(None).unwrap().collect();
    let held = pidfds_open();
    assert!(
        (65..=1024).contains(&held),
        "{held} pidfds held after raising the limit to 4096 (budget 1024)"
    );
    drop(scan);
    drop(host);
    assert_eq!(pidfds_open(), 0);
    drop(kids);

    // Many procfs roots, one after the other, under a limit of 256 descriptors
    // (psutil's PROCFS_PATH changed 2,000 times): each host is dropped with its
    // directory descriptor when the next replaces it, so none accumulates.
    set_nofile(256);
    let dir = tempfile::tempdir().unwrap();
    let fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    let before = fds();
    for i in 0..2_000 {
        let root = dir.path().join(i.to_string());
        std::fs::create_dir_all(root.join("42")).unwrap();
        psoxide::set_procfs_path(&root);
        assert_eq!(psoxide::pids().unwrap(), [42], "root {i}");
    }
    assert!(
        fds() <= before + 2,
        "{} descriptors open after 2,000 roots, {before} before",
        fds()
    );
    psoxide::set_procfs_path("/proc");
}
