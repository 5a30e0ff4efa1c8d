//! Churn: `process_iter(Some(&Attr::ALL))` in a loop while helper threads fork, exec
//! and reap short-lived processes (and start and join threads) as fast as they can.
//!
//! Every process the test forks names itself after its own PID: the child sets its
//! `comm` to `psxK<pid>` (K = f, s or L) with `prctl(PR_SET_NAME)` right after the fork,
//! and the exec'ing ones exec `/bin/sleep` through a symlink `DIR/psxK<pid>`, so that
//! after the exec both `name()` (the basename of the exec'd path) and `cmdline()[0]`
//! carry the PID. The forking thread reads the child's start ticks from
//! `/proc/PID/stat` by hand before reaping it. After the run, every scanned process
//! whose name or command line matches the pattern must carry its own PID there, have
//! this test as parent, and have start ticks and a `create_time` of a process this
//! test really forked with that PID: data of one process is never attributed to
//! another. Ten long-lived children (`psxL<pid>`) must be in every scan exactly once
//! with their exact identity and values.
//!
//! What iteration may yield (decided here, asserted below): per attribute, only
//! `AccessDenied` and `ZombieProcess` are stored as errors (anything else fails
//! `as_dict`); as items, `Ok` always when running as root, and `Err(AccessDenied)`
//! only as an unprivileged user (from reading another user's `/proc/PID/stat`, which
//! Linux does not refuse, so in practice never). `NoSuchProcess` is never yielded: a
//! process that vanishes is skipped.
//!
//! Duration: `PSOXIDE_CHURN_SECS` (default 20 s).

use psoxide::{process_iter, Attr, AttrValue, Error, Process, ProcessStatus};
use std::collections::{HashMap, HashSet};
use std::ffi::{CStr, CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LONG_LIVED: usize = 10;

/// Writes the decimal digits of `v` into `out`, returns how many (no allocation:
/// used between fork and exec).
fn digits(mut v: u32, out: &mut [u8; 10]) -> usize {
    let mut tmp = [0u8; 10];
    let mut n = 0;
    loop {
        tmp[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in 0..n {
        out[i] = tmp[n - 1 - i];
    }
    n
}

/// What a forked child does after naming itself.
#[derive(Clone, Copy)]
enum Then<'a> {
    /// `_exit(0)` at once (no exec).
    Exit,
    /// exec `target` through the symlink `dir/<name>` with one argument.
    Exec {
        dir: &'a [u8],
        target: &'a CStr,
        arg: &'a CStr,
    },
}

/// Forks a child named `<prefix><its pid>`. Between fork and exec the child only makes
/// raw system calls on stack buffers (async-signal-safe: this process has threads).
fn fork_named(prefix: &[u8], then: Then<'_>) -> libc::pid_t {
    assert!(prefix.len() <= 4);
    if let Then::Exec { dir, .. } = then {
        assert!(dir.len() < 200);
    }
    // SAFETY: fork; the child below only calls getpid, prctl, symlink, execv, _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid > 0 {
        return pid;
    }
    // Child.
    // SAFETY: all calls take stack buffers that outlive them; none allocates.
    unsafe {
        let me = libc::getpid() as u32;
        let mut d = [0u8; 10];
        let nd = digits(me, &mut d);
        let mut name = [0u8; 16];
        name[..prefix.len()].copy_from_slice(prefix);
        name[prefix.len()..prefix.len() + nd].copy_from_slice(&d[..nd]);
        let name_len = prefix.len() + nd;
        libc::prctl(libc::PR_SET_NAME, name.as_ptr() as libc::c_ulong, 0, 0, 0);
        match then {
            Then::Exit => libc::_exit(0),
            Then::Exec { dir, target, arg } => {
                let mut path = [0u8; 256];
                path[..dir.len()].copy_from_slice(dir);
                path[dir.len()] = b'/';
                path[dir.len() + 1..dir.len() + 1 + name_len].copy_from_slice(&name[..name_len]);
                let p = path.as_ptr() as *const libc::c_char;
                // EEXIST (a recycled PID whose link is still there) is fine: same target.
                libc::symlink(target.as_ptr(), p);
                let argv = [p, arg.as_ptr(), std::ptr::null()];
                libc::execv(p, argv.as_ptr());
                libc::_exit(127)
            }
        }
    }
}

/// Field 22 (start ticks) of `/proc/PID/stat`, read by hand.
fn start_ticks_by_hand(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

fn btime_by_hand() -> f64 {
    let s = std::fs::read_to_string("/proc/stat").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn clk_tck() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// `waitpid(pid, 0)`, restarted on EINTR; panics unless the child is reaped.
fn reap(pid: libc::pid_t) {
    loop {
        let mut st = 0;
        // SAFETY: a valid out pointer.
        let r = unsafe { libc::waitpid(pid, &mut st, 0) };
        if r == pid {
            return;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EINTR), "waitpid({pid}): {e}");
    }
}

/// Every (pid -> start ticks) this test forked, all generations of a PID.
type Records = Arc<Mutex<HashMap<u32, Vec<u64>>>>;

fn record(records: &Records, pid: libc::pid_t) {
    if let Some(t) = start_ticks_by_hand(pid as u32) {
        records.lock().unwrap().entry(pid as u32).or_default().push(t);
    }
}

/// Kills and reaps the long-lived children if the test fails half-way (they would
/// otherwise outlive it holding its stdout). Emptied once they are reaped normally.
struct LongLived(Vec<libc::pid_t>);

impl Drop for LongLived {
    fn drop(&mut self) {
        for &pid in &self.0 {
            // SAFETY: our own unreaped children (the list is emptied after reaping).
            unsafe { libc::kill(pid, libc::SIGKILL) };
            reap(pid);
        }
    }
}

/// `psxK<digits>` -> (K, digits).
fn parse_tag(s: &[u8]) -> Option<(u8, u32)> {
    let rest = s.strip_prefix(b"psx")?;
    let (&kind, num) = rest.split_first()?;
    if !matches!(kind, b'f' | b's' | b'L') || num.is_empty() || !num.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((kind, std::str::from_utf8(num).ok()?.parse().ok()?))
}

/// One scanned process whose name or command line carries a tag.
struct Seen {
    pid: u32,
    start_ticks: u64,
    create_time: Option<f64>,
}

fn name_of(info: &psoxide::ProcessInfo) -> Option<String> {
    match info.get(Attr::Name) {
        Some(AttrValue::Name(n)) => Some(n.clone()),
        _ => None,
    }
}

fn secs() -> f64 {
    std::env::var("PSOXIDE_CHURN_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0)
}

#[test]
fn process_iter_under_churn() {
    let me = std::process::id();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let tmp = tempfile::Builder::new().prefix("psxc").tempdir().unwrap();
    let dir = tmp.path().as_os_str().as_bytes().to_vec();
    let sleep_bin = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no sleep binary");
    let target = CString::new(sleep_bin).unwrap();
    let btime = btime_by_hand();
    let tck = clk_tck();

    // Long-lived children, each `DIR/psxL<pid> 1000`.
    let long_arg = CString::new("1000").unwrap();
    let mut long: HashMap<u32, u64> = HashMap::new();
    let mut guard = LongLived(Vec::new());
    for _ in 0..LONG_LIVED {
        let pid = fork_named(
            b"psxL",
            Then::Exec {
                dir: &dir,
                target: &target,
                arg: &long_arg,
            },
        ) as u32;
        guard.0.push(pid as libc::pid_t);
        // Wait for the exec (the comm becomes the link's name, the exe sleep's).
        let t = Instant::now();
        loop {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            if exe.file_name().is_some_and(|n| n == "sleep") {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(5), "child {pid} never exec'd");
            std::thread::sleep(Duration::from_millis(2));
        }
        long.insert(pid, start_ticks_by_hand(pid).unwrap());
    }
    let long_path = |pid: u32| -> OsString {
        let mut p = dir.clone();
        p.extend_from_slice(format!("/psxL{pid}").as_bytes());
        OsString::from_vec(p)
    };

    let stop = Arc::new(AtomicBool::new(false));
    let records: Records = Arc::new(Mutex::new(HashMap::new()));
    let forked = Arc::new(AtomicU64::new(0));
    let threads_made = Arc::new(AtomicU64::new(0));
    let mut helpers = Vec::new();
    // Two exec churners, three children in flight each, sleeping 0-5 ms.
    for _ in 0..2 {
        let (stop, records, forked, dir, target) = (
            stop.clone(),
            records.clone(),
            forked.clone(),
            dir.clone(),
            target.clone(),
        );
        helpers.push(std::thread::spawn(move || {
            let args: Vec<CString> = ["0", "0.002", "0.005"]
                .iter()
                .map(|a| CString::new(*a).unwrap())
                .collect();
            while !stop.load(Ordering::Relaxed) {
                let kids: Vec<libc::pid_t> = args
                    .iter()
                    .map(|a| {
                        let pid = fork_named(
                            b"psxs",
                            Then::Exec {
                                dir: &dir,
                                target: &target,
                                arg: a,
                            },
                        );
                        record(&records, pid);
                        pid
                    })
                    .collect();
                for pid in kids {
                    reap(pid);
                    let mut link = dir.clone();
                    link.extend_from_slice(format!("/psxs{pid}").as_bytes());
                    let _ = std::fs::remove_file(OsString::from_vec(link));
                    forked.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    // One exec churner with lifetimes of 0.7-3 s, up to 8 children in flight, so that
    // scans (which reach the newest, highest PIDs last) catch some alive.
    {
        let (stop, records, forked, dir, target) = (
            stop.clone(),
            records.clone(),
            forked.clone(),
            dir.clone(),
            target.clone(),
        );
        helpers.push(std::thread::spawn(move || {
            let args: Vec<CString> = ["0.7", "1.5", "0.9", "3", "0.8", "2"]
                .iter()
                .map(|a| CString::new(*a).unwrap())
                .collect();
            let mut in_flight: Vec<libc::pid_t> = Vec::new();
            let mut next = 0;
            loop {
                let stopping = stop.load(Ordering::Relaxed);
                if !stopping && in_flight.len() < 8 {
                    let pid = fork_named(
                        b"psxs",
                        Then::Exec {
                            dir: &dir,
                            target: &target,
                            arg: &args[next % args.len()],
                        },
                    );
                    next += 1;
                    record(&records, pid);
                    in_flight.push(pid);
                    continue;
                }
                if stopping && in_flight.is_empty() {
                    break;
                }
                let before = in_flight.len();
                in_flight.retain(|&pid| {
                    let mut st = 0;
                    // SAFETY: a valid out pointer.
                    let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
                    if r == pid {
                        let mut link = dir.clone();
                        link.extend_from_slice(format!("/psxs{pid}").as_bytes());
                        let _ = std::fs::remove_file(OsString::from_vec(link));
                        forked.fetch_add(1, Ordering::Relaxed);
                        false
                    } else {
                        true
                    }
                });
                if in_flight.len() == before {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }));
    }
    // One plain fork churner: the child names itself and exits at once.
    {
        let (stop, records, forked) = (stop.clone(), records.clone(), forked.clone());
        helpers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let pid = fork_named(b"psxf", Then::Exit);
                record(&records, pid);
                reap(pid);
                forked.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // One thread churner: threads of this process come and go (threads(),
    // num_threads() of this process are read under it).
    {
        let (stop, threads_made) = (stop.clone(), threads_made.clone());
        helpers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let hs: Vec<_> = (0..4)
                    .map(|i| std::thread::spawn(move || std::thread::sleep(Duration::from_micros(200 * i))))
                    .collect();
                for h in hs {
                    h.join().unwrap();
                    threads_made.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }

    let deadline = Instant::now() + Duration::from_secs_f64(secs());
    let mut scans = 0u64;
    let mut yielded = 0u64;
    let mut item_errors: HashMap<&'static str, u64> = HashMap::new();
    let mut attr_errors: HashMap<&'static str, u64> = HashMap::new();
    let mut tagged: Vec<Seen> = Vec::new();
    let mut tagged_pids: HashSet<u32> = HashSet::new();
    let mut scan_times = Vec::new();
    // Past the deadline the scans go on until the checks below have had enough to
    // check (a loaded machine scans and forks more slowly), for at most 5 more minutes.
    let hard_deadline = deadline + Duration::from_secs(300);
    let enough = |scans: u64, tagged: usize, pids: usize| {
        scans >= 10 && tagged >= 20 && pids >= 5 && forked.load(Ordering::Relaxed) >= 1000
    };
    while Instant::now() < deadline
        || (!enough(scans, tagged.len(), tagged_pids.len()) && Instant::now() < hard_deadline)
    {
        let t0 = Instant::now();
        let mut last = 0u32;
        let mut long_seen: HashMap<u32, usize> = HashMap::new();
        for item in process_iter(Some(&Attr::ALL)).expect("process_iter") {
            let p = match item {
                Ok(p) => p,
                Err(e @ Error::AccessDenied { .. }) if !root => {
                    *item_errors.entry(e.exception_name()).or_default() += 1;
                    continue;
                }
                Err(e) => panic!("process_iter yielded an undocumented error: {e:?}"),
            };
            yielded += 1;
            let pid = p.pid();
            assert!(pid > last, "PIDs not strictly ascending: {pid} after {last}");
            last = pid;
            let info = p.prefetched().expect("prefetch store filled");
            assert_eq!(info.pid, pid);
            assert_eq!(
                info.values.len(),
                Attr::ALL.len(),
                "pid {pid}: {:?}",
                info.values.iter().map(|(a, _)| *a).collect::<Vec<_>>()
            );
            for (a, r) in &info.values {
                if let Err(e) = r {
                    assert!(
                        matches!(e, Error::AccessDenied { .. } | Error::ZombieProcess { .. }),
                        "pid {pid} attr {a}: stored {e:?}"
                    );
                    *attr_errors.entry(e.exception_name()).or_default() += 1;
                    if std::env::var_os("PSOXIDE_CHURN_DEBUG").is_some() {
                        eprintln!("pid {pid} {:?} attr {a}: {e}", name_of(&info));
                    }
                }
            }
            assert_eq!(info.get(Attr::Pid), Some(&AttrValue::Pid(pid)));
            let name = match info.get(Attr::Name) {
                Some(AttrValue::Name(n)) => Some(n.clone()),
                _ => None,
            };
            let cmdline = match info.get(Attr::Cmdline) {
                Some(AttrValue::Cmdline(c)) => Some(c.clone()),
                _ => None,
            };
            let ppid = match info.get(Attr::Ppid) {
                Some(AttrValue::Ppid(pp)) => Some(*pp),
                _ => None,
            };
            let create_time = match info.get(Attr::CreateTime) {
                Some(AttrValue::CreateTime(t)) => Some(*t),
                _ => None,
            };

            if let Some(&ticks) = long.get(&pid) {
                *long_seen.entry(pid).or_default() += 1;
                assert_eq!(p.start_ticks(), ticks, "long-lived {pid}: identity");
                let errs: Vec<_> = info.values.iter().filter(|(_, r)| r.is_err()).collect();
                if root {
                    assert!(errs.is_empty(), "long-lived {pid}: {errs:?}");
                }
                assert_eq!(name.as_deref(), Some(format!("psxL{pid}").as_str()));
                assert_eq!(cmdline, Some(vec![long_path(pid), OsString::from("1000")]));
                assert_eq!(ppid, Some(me));
                let want = btime + ticks as f64 / tck;
                assert!((create_time.unwrap() - want).abs() < 1e-6, "long-lived {pid}");
                assert_eq!(
                    info.get(Attr::Status),
                    Some(&AttrValue::Status(ProcessStatus::Sleeping))
                );
                assert_eq!(info.get(Attr::NumThreads), Some(&AttrValue::NumThreads(1)));
                continue;
            }

            // Any tag in the name or in cmdline[0] must be this PID's.
            let mut tag = false;
            if let Some(n) = &name {
                if let Some((_, n_pid)) = parse_tag(n.as_bytes()) {
                    assert_eq!(n_pid, pid, "name {n:?} reported for pid {pid}");
                    tag = true;
                }
            }
            if let Some(first) = cmdline.as_ref().and_then(|c| c.first()) {
                let b = first.as_bytes();
                if b.starts_with(&dir) {
                    let base = &b[dir.len() + 1..];
                    let (_, c_pid) = parse_tag(base).expect("cmdline under the test dir");
                    assert_eq!(c_pid, pid, "cmdline {first:?} reported for pid {pid}");
                    tag = true;
                }
            }
            if tag {
                assert_eq!(ppid, Some(me), "tagged pid {pid}: parent");
                tagged.push(Seen {
                    pid,
                    start_ticks: p.start_ticks(),
                    create_time,
                });
                tagged_pids.insert(pid);
            }
            if pid == me {
                // This process, under thread churn.
                match info.get(Attr::Threads) {
                    Some(AttrValue::Threads(t)) => assert!(!t.is_empty()),
                    other => panic!("own threads: {other:?}"),
                }
            }
        }
        for (&pid, _) in long.iter() {
            assert_eq!(
                long_seen.get(&pid).copied(),
                Some(1),
                "scan {scans}: long-lived {pid} not seen exactly once"
            );
        }
        scans += 1;
        scan_times.push(t0.elapsed().as_secs_f64());
    }
    stop.store(true, Ordering::Relaxed);
    for h in helpers {
        h.join().unwrap();
    }

    // Tagged processes: start ticks of a process this test forked with that PID, and
    // the matching create_time.
    let records = records.lock().unwrap();
    for s in &tagged {
        let gens = records
            .get(&s.pid)
            .unwrap_or_else(|| panic!("tagged pid {} was never forked here", s.pid));
        assert!(
            gens.contains(&s.start_ticks),
            "pid {}: start ticks {} not among {gens:?}",
            s.pid,
            s.start_ticks
        );
        if let Some(ct) = s.create_time {
            let want = btime + s.start_ticks as f64 / tck;
            assert!(
                (ct - want).abs() < 1e-6,
                "pid {}: create_time {ct} vs {want}",
                s.pid
            );
        }
    }
    let reused = records.values().filter(|g| g.len() > 1).count();

    // The long-lived children end here; every scan saw each exactly once.
    for (&pid, &ticks) in &long {
        let p = Process::new(pid).unwrap();
        assert_eq!(p.start_ticks(), ticks);
        p.kill().unwrap();
        assert!(p.wait(None).unwrap().is_some());
    }
    guard.0.clear();
    let _ = std::fs::remove_dir_all(PathBuf::from(OsString::from_vec(dir)));

    let mean = scan_times.iter().sum::<f64>() / scan_times.len() as f64;
    let max = scan_times.iter().cloned().fold(0.0, f64::max);
    println!(
        "churn: {:.1} s, processes forked and reaped {}, threads started and joined {}, \
         PIDs forked more than once {reused}",
        secs(),
        forked.load(Ordering::Relaxed),
        threads_made.load(Ordering::Relaxed)
    );
    println!(
        "churn: scans {scans} (mean {mean:.3} s, max {max:.3} s), processes yielded {yielded}, \
         tagged short-lived sightings {} ({} distinct PIDs), long-lived {LONG_LIVED} seen in every scan",
        tagged.len(),
        tagged_pids.len()
    );
    println!("churn: item errors {item_errors:?}, stored attribute errors {attr_errors:?}");
    // The checks above must have had something to check: on this 2-vCPU VM a run
    // makes ~120 scans, ~900 tagged sightings of ~110 short-lived PIDs and ~20,000
    // forks in 20 s; a slower or loaded machine scans longer to reach these floors.
    assert!(scans >= 10, "only {scans} scans");
    assert!(
        tagged.len() >= 20 && tagged_pids.len() >= 5,
        "only {} tagged sightings of {} PIDs were cross-checked",
        tagged.len(),
        tagged_pids.len()
    );
    assert!(
        forked.load(Ordering::Relaxed) >= 1000,
        "only {} forks",
        forked.load(Ordering::Relaxed)
    );
}
