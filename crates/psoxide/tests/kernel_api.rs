//! Each [`KernelApi`] gives the same answers: the paths older kernels take (no
//! `PIDFD_GET_INFO`: IDs from `/proc/PID/status`; no pidfds: identity by start ticks,
//! waiting by polling) are run here on this kernel, against each other and against
//! the kernel read another way.

#![allow(clippy::zombie_processes)]

use psoxide::{Attr, AttrValue, ExitStatus, Host, KernelApi, Pid, Roots};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

const APIS: [KernelApi; 4] = [
    KernelApi::Newest,
    KernelApi::NewestUnheld,
    KernelApi::NoPidfdInfo,
    KernelApi::NoPidfd,
];

/// The `Uid:`/`Gid:` line of `/proc/PID/status` (real, effective, saved), read by hand.
fn status_ids(pid: Pid, key: &str) -> Option<[u32; 3]> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find_map(|l| l.strip_prefix(key))?;
    let v: Vec<u32> = line
        .split_whitespace()
        .take(3)
        .map(|t| t.parse().unwrap())
        .collect();
    Some([v[0], v[1], v[2]])
}

type Row = (Vec<u32>, Vec<u32>, String, u32);

fn scan(api: KernelApi) -> BTreeMap<Pid, Row> {
    let host = Host::with_kernel_api(Roots::default(), api);
    assert_eq!(host.kernel_api(), api);
    let attrs = [Attr::Uids, Attr::Gids, Attr::Username, Attr::Ppid];
    let mut out = BTreeMap::new();
    for p in host.process_iter(Some(&attrs)).unwrap() {
        let p = p.unwrap();
        let info = p.prefetched().unwrap();
        let (
            Some(AttrValue::Uids(u)),
            Some(AttrValue::Gids(g)),
            Some(AttrValue::Username(n)),
            Some(AttrValue::Ppid(pp)),
        ) = (
            info.get(Attr::Uids),
            info.get(Attr::Gids),
            info.get(Attr::Username),
            info.get(Attr::Ppid),
        )
        else {
            panic!("pid {}: {info:?}", p.pid())
        };
        out.insert(
            p.pid(),
            (
                vec![u.real, u.effective, u.saved],
                vec![g.real, g.effective, g.saved],
                n.clone(),
                *pp,
            ),
        );
    }
    out
}

#[test]
fn ids_and_parents_agree_across_kernel_apis() {
    let scans: Vec<_> = APIS.iter().map(|&a| scan(a)).collect();
    let mut compared = 0;
    for (pid, row) in &scans[0] {
        if !scans[1..].iter().all(|s| s.contains_key(pid)) {
            continue; // born or gone between the scans
        }
        for (i, s) in scans.iter().enumerate().skip(1) {
            assert_eq!(&s[pid], row, "pid {pid}: {:?} and {:?} differ", APIS[0], APIS[i]);
        }
        // And the kernel's own text, for processes still there.
        if let (Some(u), Some(g)) = (status_ids(*pid, "Uid:"), status_ids(*pid, "Gid:")) {
            assert_eq!(row.0, u, "pid {pid} uids");
            assert_eq!(row.1, g, "pid {pid} gids");
        }
        compared += 1;
    }
    assert!(compared > 10, "only {compared} processes compared");
    println!("{compared} processes: the same IDs, user names and parents with every kernel API");
}

#[test]
fn scanned_nice_values_are_getpriority_s() {
    // A scan takes nice from the `stat` it read; `getpriority(2)` (psutil's source)
    // asks the kernel directly. A child with a nice of its own makes one value
    // that is not the default.
    let mut c = Command::new("nice")
        .args(["-n", "7", "sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // `nice -n 7` adds to this process's own nice (the suite may run under `nice`).
    // SAFETY: a plain system call.
    let want = (unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) } + 7).min(19);
    for api in APIS {
        let host = Host::with_kernel_api(Roots::default(), api);
        let mut compared = 0;
        let mut child = None;
        for p in host.process_iter(Some(&[Attr::Nice])).unwrap() {
            let p = p.unwrap();
            let Some(AttrValue::Nice(n)) = p.prefetched().unwrap().get(Attr::Nice).cloned() else {
                panic!("{api:?}: pid {}: no nice", p.pid())
            };
            // SAFETY: a plain system call; errno is read right after it.
            let (prio, err) = unsafe {
                *libc::__errno_location() = 0;
                let v = libc::getpriority(libc::PRIO_PROCESS, p.pid());
                (v, *libc::__errno_location())
            };
            if err != 0 {
                continue; // gone since
            }
            assert_eq!(n, prio, "{api:?}: pid {}", p.pid());
            if p.pid() == c.id() {
                child = Some(n);
            }
            compared += 1;
        }
        assert!(compared > 10, "{api:?}: only {compared} compared");
        assert_eq!(child, Some(want), "{api:?}: the niced child");
    }
    let _ = c.kill();
    let _ = c.wait();
}

#[test]
fn signals_and_wait_work_with_each_kernel_api() {
    for api in APIS {
        let host = Host::with_kernel_api(Roots::default(), api);
        // A child that exits by itself: wait gives its code.
        let c = Command::new("sh")
            .args(["-c", "sleep 0.1; exit 7"])
            .spawn()
            .unwrap();
        let p = host.process(c.id()).unwrap();
        assert_eq!(
            p.wait(Some(Duration::from_secs(10))).unwrap(),
            Some(ExitStatus::Code(7)),
            "{api:?}"
        );
        assert!(!p.is_running(), "{api:?}");
        // A child terminated through the handle: the negated signal.
        let c = Command::new("sleep").arg("30").spawn().unwrap();
        let p = host.process(c.id()).unwrap();
        assert!(p.is_running(), "{api:?}");
        p.suspend().unwrap();
        p.resume().unwrap();
        p.terminate().unwrap();
        assert_eq!(
            p.wait(Some(Duration::from_secs(10))).unwrap(),
            Some(ExitStatus::NegSignal(-15)),
            "{api:?}"
        );
        // Reaped: every action now refuses.
        assert!(p.kill().unwrap_err().is_no_such_process(), "{api:?}");
        assert_eq!(
            p.wait(Some(Duration::ZERO)).unwrap(),
            Some(ExitStatus::NegSignal(-15))
        );
    }
}
