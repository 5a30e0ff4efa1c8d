//! Handles keep their process's `stat`, `statm` and `cmdline` open (see
//! `process/kept.rs`): a scanned handle from the second `process_iter` that yields it,
//! a handle made with `Process::new` from its first read. Checked here by hand in
//! `/proc/self/fd`: which descriptors exist and when; that the values read through
//! them are the kernel's (against the files read by path); that a reaped process
//! answers NoSuchProcess through them and its next scan drops the handle with its
//! descriptors; that the caller's own `open_files()` does not list them; and that
//! they stay within the descriptor budget.
//!
//! One test in its own binary: it lowers the descriptor limit, and counts this
//! process's descriptors, which another test's handles would change.

#![allow(clippy::zombie_processes)]

mod common;

use common::{pidfds_or_skip, set_nofile};
use psoxide::{Attr, Host, Process, Rlimit, RlimitValue};
use std::process::{Child, Command};

/// The kept files of `pid` among this process's descriptors (their names, sorted).
fn kept_of(pid: u32) -> Vec<String> {
    let prefix = format!("/proc/{pid}/");
    let mut v: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|t| t.to_str()?.strip_prefix(&prefix).map(str::to_string))
        .filter(|n| !n.is_empty())
        .collect();
    v.sort();
    v
}

/// The pidfds and the files of other processes' `/proc/N` this process holds: what
/// the library's handles hold (this listing's own descriptor of `/proc/self/fd`, which
/// it reads as `/proc/N/fd`, is not counted).
fn library_fds() -> usize {
    let own = format!("/proc/{}", std::process::id());
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| {
            let s = t.to_string_lossy();
            s == "anon_inode:[pidfd]"
                || (!s.starts_with(&own)
                    && s.strip_prefix("/proc/")
                        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())))
        })
        .count()
}

/// Where this process's descriptors lead, for failure messages.
fn links() -> Vec<std::path::PathBuf> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .collect()
}

fn sleeper() -> Child {
    Command::new("sleep").arg("600").spawn().unwrap()
}

/// Raises the descriptor limits as far as this process may (root: 262,144; others:
/// the soft limit to the hard one) and returns the soft limit.
fn raise_nofile() -> u64 {
    let me = Process::current().unwrap();
    let want = RlimitValue::Limited(1 << 18);
    if me.set_rlimit(Rlimit::Nofile, want, want).is_err() {
        set_nofile(u64::MAX);
    }
    match me.rlimit(Rlimit::Nofile).unwrap().0 {
        RlimitValue::Limited(n) => n,
        RlimitValue::Infinity => u64::MAX,
    }
}

/// `statm`'s first two fields (pages) read by path now.
fn statm_by_path(pid: u32) -> (u64, u64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
    let mut it = s.split_whitespace().map(|x| x.parse::<u64>().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

#[test]
fn handles_keep_their_files_and_let_them_go() {
    if !pidfds_or_skip("handles keep no files") {
        return;
    }
    // Room in the budget (a quarter of the soft limit, at most 65,536) for a pidfd
    // and three files for every process here, whatever else runs on the machine.
    let soft = raise_nofile();
    let budget = (soft / 4).min(1 << 16);
    let listed = psoxide::pids().unwrap().len() as u64;
    if (listed + 64) * 4 > budget * 7 / 8 {
        assert!(
            std::env::var_os("CI").is_none(),
            "{listed} processes need more descriptors than the limit {soft} allows"
        );
        println!("SKIPPED: {listed} processes need more descriptors than the limit {soft} allows");
        return;
    }
    let mut child = sleeper();
    let pid = child.id();
    let page = rustix::param::page_size() as u64;
    let attrs = [Attr::Name, Attr::Cmdline, Attr::MemoryInfo];
    let host = Host::default();
    let find = |host: &Host| {
        host.process_iter(Some(&attrs))
            .unwrap()
            .flatten()
            .find(|p| p.pid() == pid)
            .expect("the child is listed")
    };

    // A one-off scan keeps nothing.
    let first = find(&host);
    assert_eq!(kept_of(pid), Vec::<String>::new(), "after one scan");
    // The second scan reads through kept files: the ones its attributes read.
    let second = find(&host);
    assert!(std::sync::Arc::ptr_eq(&first, &second), "the same handle");
    assert_eq!(kept_of(pid), ["cmdline", "stat", "statm"], "after two scans");
    // A third scan opens nothing more.
    drop(find(&host));
    assert_eq!(kept_of(pid), ["cmdline", "stat", "statm"]);
    // A scan without attributes yields the handle without a prefetch store: its
    // getters read now, through the kept files, the kernel's values.
    let live = host
        .process_iter(None)
        .unwrap()
        .flatten()
        .find(|p| p.pid() == pid)
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &live), "the same handle");
    assert!(live.prefetched().is_none());
    assert_eq!(
        live.cmdline().unwrap(),
        ["sleep", "600"].map(std::ffi::OsString::from)
    );
    let (vms, rss) = statm_by_path(pid);
    let m = live.memory_info().unwrap();
    assert_eq!((m.vms, m.rss), (vms * page, rss * page));
    assert_eq!(live.name().unwrap(), "sleep");
    assert_eq!(kept_of(pid), ["cmdline", "stat", "statm"]);
    // Not the caller's files: its own open_files() does not list them.
    let own = Process::current().unwrap().open_files().unwrap();
    let prefix = format!("/proc/{pid}/");
    assert!(
        !own.iter().any(|f| f.path.to_string_lossy().starts_with(&prefix)),
        "own open_files lists a kept file: {own:?}"
    );

    // Reaped: the kept files answer NoSuchProcess (never another process's data),
    // and the next scan drops the handle and its descriptors.
    child.kill().unwrap();
    child.wait().unwrap();
    let e = live.memory_info().unwrap_err();
    assert!(e.is_no_such_process(), "memory_info after reaping: {e:?}");
    let e = live.cmdline().unwrap_err();
    assert!(e.is_no_such_process(), "cmdline after reaping: {e:?}");
    let e = live.cpu_times().unwrap_err();
    assert!(e.is_no_such_process(), "cpu_times after reaping: {e:?}");
    assert!(!live.is_running());
    drop((first, second, live));
    assert!(host
        .process_iter(Some(&attrs))
        .unwrap()
        .flatten()
        .all(|p| p.pid() != pid));
    assert_eq!(
        kept_of(pid),
        Vec::<String>::new(),
        "after the reaped process's scan"
    );

    // A handle made for one process keeps its files from its first reads, and
    // closes them when dropped.
    let mut child = sleeper();
    let pid = child.id();
    let one = Process::new(pid).unwrap();
    one.memory_info().unwrap();
    one.cpu_times().unwrap();
    assert_eq!(kept_of(pid), ["stat", "statm"], "Process::new after two reads");
    drop(one);
    assert_eq!(kept_of(pid), Vec::<String>::new(), "dropped");
    child.kill().unwrap();
    child.wait().unwrap();

    // Dropping the host's handles closes everything the library held.
    host.process_iter_cache_clear();
    drop(host);
    assert_eq!(
        library_fds(),
        0,
        "descriptors left after the host was dropped: {:?}",
        links()
    );

    // The budget: under a limit of 64 descriptors (budget 16), repeated scans hold
    // at most 16 between pidfds and kept files, and every scan succeeds.
    set_nofile(64);
    let host = Host::default();
    for _ in 0..3 {
        assert!(host.process_iter(Some(&attrs)).unwrap().all(|p| p.is_ok()));
        let held = library_fds();
        assert!(held <= 16, "{held} descriptors held, the budget is 16");
    }
    drop(host);
    assert_eq!(library_fds(), 0);
}
