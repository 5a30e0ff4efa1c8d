//! PID reuse: a handle whose PID now belongs to another process is refused by every
//! action and setter, and nothing reaches the new process.
//!
//! * `root_same_tick_reuse_in_a_pid_namespace` (root, ignored unless asked for:
//!   `scripts/test.sh` runs the `root_` tests with `--ignored` as root): as PID 1 of a
//!   new PID namespace, 100 cycles for each action (every signal 1-64, suspend,
//!   resume, terminate, kill, wait, the nice/ionice/rlimit/affinity setters, and
//!   getters that read the process's files: name, cmdline, memory_info, num_fds,
//!   cpu_times, open_files) of: a
//!   child at PID N and a handle on it, the child killed and reaped, N-1 written to
//!   `ns_last_pid` and a new child forked at once, so that it gets N, mostly within
//!   the same clock tick; then the action through the stale handle must fail with
//!   `NoSuchProcess`, and the new child (which blocks every signal, so a delivered one
//!   stays pending) must show no pending signal, no stop, no death, no changed
//!   setting. The same cycles with start-ticks identity only (`KernelApi::NoPidfd`)
//!   must let exactly the same-tick actions through, which shows the checks see an
//!   action that lands.
//! * `root_real_reuse_in_a_pid_namespace` (root, ignored likewise): re-runs this binary as PID 1 of a new PID
//!   and mount namespace (`unshare --pid --fork --mount`), mounts a fresh procfs for it
//!   in a temporary directory and points psoxide there (`set_procfs_path`). There it
//!   takes handles for a child at PID N, kills and reaps that child, writes N-1 to
//!   `ns_last_pid` so that the next child gets PID N again, and checks every action
//!   through the old handles against the new process.
//! * `faked_identity_every_action_refused` (any user): the same checks with a handle
//!   made by `Process::with_identity_for_tests(pid, wrong ticks)`.
//! * `process_iter_replaces_a_recycled_handle` (any user): a fixture procfs whose
//!   `PID/stat` is rewritten with another start time between two `process_iter_at`
//!   calls.
//!
//! The new process is a shell that traps TERM, INT, HUP, USR1 and CONT and logs each
//! one to a file, so a delivered signal is seen even if it does not kill it; SIGSTOP
//! and SIGKILL show in its state.

#![allow(clippy::zombie_processes)]

mod common;

use common::pidfds_open;
use psoxide::Host;
use psoxide::{
    set_procfs_path, Attr, AttrValue, Error, IoPriorityClass, Process, Rlimit, RlimitValue, Roots,
};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REUSED: &str = "process no longer exists and its PID has been reused";

/// A child killed (SIGKILL) and reaped when dropped unless already reaped, so a
/// failed assertion leaves nothing behind (std's `Child` never signals a reaped PID).
struct Target(Child);

impl Drop for Target {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Target {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Target {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// A shell that logs every trapped signal to `log` and loops on short sleeps.
fn trap_shell(log: &Path) -> Target {
    let l = log.display();
    let script = format!(
        "for s in TERM INT HUP USR1 CONT; do trap \"echo $s >> {l}\" $s; done; \
         echo ready >> {l}; while :; do sleep 0.05; done"
    );
    let c = Target(
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let t = Instant::now();
    while std::fs::read_to_string(log).unwrap_or_default() != "ready\n" {
        assert!(t.elapsed() < Duration::from_secs(5), "trap shell not ready");
        std::thread::sleep(Duration::from_millis(5));
    }
    c
}

/// Field `n` (proc(5) numbering, n >= 3) of `PROCFS/PID/stat`, read by hand.
fn stat_field(procfs: &Path, pid: u32, n: usize) -> String {
    let s = std::fs::read_to_string(procfs.join(format!("{pid}/stat"))).unwrap();
    let rest = &s[s.rfind(')').unwrap() + 2..];
    rest.split_whitespace().nth(n - 3).unwrap().to_string()
}

fn status_line(procfs: &Path, pid: u32, key: &str) -> String {
    let s = std::fs::read_to_string(procfs.join(format!("{pid}/status"))).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap()
        .trim()
        .to_string()
}

fn limits_line(procfs: &Path, pid: u32, key: &str) -> String {
    let s = std::fs::read_to_string(procfs.join(format!("{pid}/limits"))).unwrap();
    s.lines().find(|l| l.starts_with(key)).unwrap().to_string()
}

/// What the target looks like from outside: state, nice, I/O priority, NOFILE limits,
/// allowed CPUs.
#[derive(Debug, PartialEq)]
struct Snapshot {
    nice: String,
    ionice: String,
    nofile: String,
    cpus: String,
}

fn snapshot(procfs: &Path, pid: u32) -> Snapshot {
    // SAFETY: ioprio_get(IOPRIO_WHO_PROCESS, pid) takes integers.
    let io = unsafe { libc::syscall(libc::SYS_ioprio_get, 1, pid as libc::c_int) };
    Snapshot {
        nice: stat_field(procfs, pid, 19),
        ionice: io.to_string(),
        nofile: limits_line(procfs, pid, "Max open files"),
        cpus: status_line(procfs, pid, "Cpus_allowed_list"),
    }
}

fn assert_reused<T: std::fmt::Debug>(r: Result<T, Error>, pid: u32, what: &str) {
    match r {
        Err(ref e @ Error::NoSuchProcess { ref msg, .. }) => {
            assert_eq!(msg, REUSED, "{what}");
            assert!(e.to_string().contains(&format!("pid={pid}")), "{what}: {e}");
        }
        other => panic!("{what}: expected the PID-reused NoSuchProcess, got {other:?}"),
    }
}

/// Every action, setter and identity-checked getter through `stale()` (a fresh
/// handle each time, then one handle for all) must be refused; the process now at the
/// PID must have received nothing and be unchanged. Returns the number of calls.
fn check_refused(stale: &dyn Fn() -> Process, target: &mut Target, log: &Path, procfs: &Path) -> usize {
    let pid = target.id();
    let before = snapshot(procfs, pid);
    let mut calls = 0;
    for round in 0..2 {
        let shared = stale();
        macro_rules! each {
            ($name:literal, |$p:ident| $call:expr) => {{
                let fresh;
                let $p: &Process = if round == 0 {
                    fresh = stale();
                    &fresh
                } else {
                    &shared
                };
                assert_reused($call, pid, $name);
                calls += 1;
            }};
        }
        each!("send_signal(USR1)", |p| p.send_signal(libc::SIGUSR1));
        each!("send_signal(HUP)", |p| p.send_signal(libc::SIGHUP));
        each!("send_signal(INT)", |p| p.send_signal(libc::SIGINT));
        each!("suspend", |p| p.suspend());
        each!("resume", |p| p.resume());
        each!("terminate", |p| p.terminate());
        each!("kill", |p| p.kill());
        each!("set_nice", |p| p.set_nice(10));
        each!("set_ionice", |p| p.set_ionice(IoPriorityClass::Idle, None));
        each!("set_rlimit", |p| p.set_rlimit(
            Rlimit::Nofile,
            RlimitValue::Limited(5),
            RlimitValue::Limited(5)
        ));
        each!("set_cpu_affinity", |p| p.set_cpu_affinity(&[0]));
        each!("ppid", |p| p.ppid());
        each!("children", |p| p.children(false));
        each!("children(recursive)", |p| p.children(true));
        each!("parent", |p| p.parent());
        // wait(): the process it stood for is gone, so None at once, and the new
        // process (our child too) is not reaped.
        let fresh;
        let p: &Process = if round == 0 {
            fresh = stale();
            &fresh
        } else {
            &shared
        };
        let t = Instant::now();
        assert_eq!(p.wait(None).unwrap(), None, "wait");
        assert_eq!(p.wait(Some(Duration::from_secs(5))).unwrap(), None, "wait(5)");
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "wait took {:?}",
            t.elapsed()
        );
        assert!(!p.is_running());
        calls += 2;
    }
    // Give trapped signals time to be logged (the shell runs traps between sleeps).
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::read_to_string(log).unwrap(),
        "ready\n",
        "a signal reached pid {pid}"
    );
    assert!(
        target.try_wait().unwrap().is_none(),
        "pid {pid} ended or was reaped"
    );
    // Never stopped (T) or dead (Z); D shows up for an instant while dash vforks.
    for _ in 0..10 {
        let state = stat_field(procfs, pid, 3);
        assert!(
            matches!(state.as_str(), "S" | "R" | "D"),
            "pid {pid} state {state}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(snapshot(procfs, pid), before, "pid {pid} settings changed");
    // A fresh handle on the new process does work (the refusals were not blind).
    let now = Process::new(pid).unwrap();
    now.send_signal(libc::SIGUSR1).unwrap();
    let t = Instant::now();
    while std::fs::read_to_string(log).unwrap() != "ready\nUSR1\n" {
        assert!(t.elapsed() < Duration::from_secs(5), "USR1 never logged");
        std::thread::sleep(Duration::from_millis(10));
    }
    target.kill().unwrap();
    let st = target.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&st),
        Some(libc::SIGKILL)
    );
    calls
}

#[test]
fn faked_identity_every_action_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("signals");
    let mut target = trap_shell(&log);
    let pid = target.id();
    let ticks = Process::new(pid).unwrap().start_ticks();
    let stale = || Process::with_identity_for_tests(pid, ticks + 1).unwrap();
    let calls = check_refused(&stale, &mut target, &log, Path::new("/proc"));
    println!("faked identity: {calls} refused calls on pid {pid}, target untouched");
}

/// Writes a minimal fixture procfs: `proc/stat` (btime) and `proc/PID/stat`.
fn write_fixture_stat(procfs: &Path, pid: u32, comm: &str, start: u64) {
    std::fs::create_dir_all(procfs.join(pid.to_string())).unwrap();
    std::fs::write(
        procfs.join("stat"),
        "cpu  1 2 3 4 5 6 7 8 9 10\nbtime 1700000000\n",
    )
    .unwrap();
    let line = format!(
        "{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {start} \
         1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
    );
    std::fs::write(procfs.join(format!("{pid}/stat")), line).unwrap();
}

#[test]
fn process_iter_replaces_a_recycled_handle() {
    let dir = tempfile::tempdir().unwrap();
    let roots = Roots::under(dir.path());
    write_fixture_stat(&roots.procfs, 4242, "old", 1000);
    let attrs = [Attr::Name, Attr::CreateTime, Attr::Ppid];
    let first: Vec<_> = Host::new(roots.clone())
        .process_iter(Some(&attrs))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].start_ticks(), 1000);
    assert_eq!(first[0].create_time().unwrap(), 1700000000.0 + 10.0);
    // Same PID, another process.
    write_fixture_stat(&roots.procfs, 4242, "new", 5000);
    for attrs in [Some(&attrs[..]), None] {
        let second: Vec<_> = Host::new(roots.clone())
            .process_iter(attrs)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(second.len(), 1, "the new process at 4242 must be yielded");
        let p = &second[0];
        assert_eq!(p.start_ticks(), 5000, "identity of the new process");
        assert_eq!(p.name().unwrap(), "new");
        assert_eq!(p.create_time().unwrap(), 1700000000.0 + 50.0);
        assert_eq!(p.ppid().unwrap(), 1);
        if attrs.is_some() {
            let info = p.prefetched().unwrap();
            assert_eq!(
                info.get(Attr::CreateTime),
                Some(&AttrValue::CreateTime(1700000050.0))
            );
        }
    }
    // The first scan's handle saw its PID recycled.
    assert!(!first[0].is_running());
    assert_reused(first[0].kill(), 4242, "kill through the first scan's handle");
}

/// Runs as PID 1 of a new PID namespace (started by `root_real_reuse_in_a_pid_namespace`).
#[test]
#[ignore = "helper: started inside a new PID namespace by root_real_reuse_in_a_pid_namespace"]
fn helper_ns_reuse() {
    in_helper();
    let ns = NsProcfs::mount();
    let (dir, procfs) = (&ns.dir, ns.procfs.clone());
    set_procfs_path(&procfs);
    let roots = Roots {
        procfs: procfs.clone(),
        ..Roots::new()
    };
    // This namespace's procfs: we are PID 1 there.
    assert_eq!(
        std::fs::read_link(procfs.join("self")).unwrap(),
        PathBuf::from("1")
    );
    let log = dir.path().join("signals");
    let last_pid = procfs.join("sys/kernel/ns_last_pid");

    // A child at PID N, with handles taken while it lives (one per check of the
    // first round, plus one kept by process_iter).
    let mut a = Command::new("sleep").arg("1000").spawn().unwrap();
    let n = a.id();
    let a_ticks: u64 = stat_field(&procfs, n, 22).parse().unwrap();
    let handles: Vec<Process> = (0..64).map(|_| Process::new(n).unwrap()).collect();
    assert!(handles.iter().all(|h| h.start_ticks() == a_ticks));
    let scan1: Vec<_> = Host::new(roots.clone())
        .process_iter(Some(&Attr::ALL))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(scan1.iter().any(|p| p.pid() == n && p.start_ticks() == a_ticks));
    a.kill().unwrap();
    a.wait().unwrap();
    // Identity is (PID, start ticks): a PID recycled within the same clock tick
    // (10 ms) cannot be told apart, by psoxide or by psutil. Forced through
    // ns_last_pid without a pause, the new process did start in the same tick in 2
    // of 3 runs here; let the tick pass.
    std::thread::sleep(Duration::from_millis(25));
    assert!(!procfs.join(n.to_string()).exists());

    // Force PID N for the next child.
    let mut b = None;
    for _ in 0..5 {
        let _ = std::fs::remove_file(&log);
        std::fs::write(&last_pid, format!("{}", n - 1)).unwrap();
        let c = trap_shell(&log);
        if c.id() == n {
            b = Some(c);
            break;
        }
        let mut c = c;
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let mut b = b.expect("could not get the PID back through ns_last_pid");
    let b_ticks: u64 = stat_field(&procfs, n, 22).parse().unwrap();
    assert_ne!(a_ticks, b_ticks);
    println!("namespace: pid {n} reused (start ticks {a_ticks} -> {b_ticks})");

    // process_iter yields the new process at N with its own identity.
    for attrs in [Some(&Attr::ALL[..]), None] {
        let scan: Vec<_> = Host::new(roots.clone())
            .process_iter(attrs)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let at_n: Vec<_> = scan.iter().filter(|p| p.pid() == n).collect();
        assert_eq!(at_n.len(), 1, "process_iter must yield pid {n} once");
        assert_eq!(at_n[0].start_ticks(), b_ticks);
        assert_eq!(at_n[0].name().unwrap(), "sh");
    }

    // Real handles, taken while the first process lived.
    let pool = std::cell::RefCell::new(handles);
    let stale = || pool.borrow_mut().pop().expect("out of stale handles");
    // The same handles, used twice: the second call is refused too.
    for h in pool.borrow().iter().take(3) {
        assert_reused(h.kill(), n, "kill through an original handle");
        assert_reused(h.kill(), n, "kill again through an original handle");
        assert_eq!(h.wait(None).unwrap(), None);
    }
    let calls = check_refused(&stale, &mut b, &log, &procfs);
    println!("namespace: {calls} refused calls through stale handles; the new process got no signal");
}

/// A fresh procfs of the helper's PID namespace, mounted in a temporary directory of
/// its mount namespace; detached when dropped.
struct NsProcfs {
    dir: tempfile::TempDir,
    procfs: PathBuf,
}

impl NsProcfs {
    fn mount() -> NsProcfs {
        let dir = tempfile::tempdir().unwrap();
        let procfs = dir.path().join("proc");
        std::fs::create_dir(&procfs).unwrap();
        let c = |s: &str| std::ffi::CString::new(s).unwrap();
        let target = c(procfs.to_str().unwrap());
        // SAFETY: valid C strings; a fresh procfs for this PID namespace, in this mount
        // namespace only.
        let r = unsafe {
            libc::mount(
                c("proc").as_ptr(),
                target.as_ptr(),
                c("proc").as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "mount proc: {}", std::io::Error::last_os_error());
        NsProcfs { dir, procfs }
    }
}

impl Drop for NsProcfs {
    fn drop(&mut self) {
        if let Ok(target) = std::ffi::CString::new(self.procfs.as_os_str().as_encoded_bytes()) {
            // SAFETY: a valid C string.
            unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

/// Stops a helper test that was run by hand instead of by its runner (it would
/// otherwise act on the machine's real PID namespace).
fn in_helper() {
    assert!(
        std::env::var_os("PSOX_NS_HELPER").is_some(),
        "this helper runs only inside the PID namespace its root_ test makes"
    );
    assert_eq!(std::process::id(), 1, "the helper must be PID 1 of its namespace");
}

/// Runs the ignored test `helper` of this binary as PID 1 of a new PID and mount
/// namespace (`unshare --pid --fork --mount`); its output lines that contain
/// `namespace:`. Needs root.
fn run_in_namespace(helper: &str) -> Vec<String> {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "needs root (a PID namespace and ns_last_pid): run with --ignored as root"
    );
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["--pid", "--fork", "--mount", "--"])
        .arg(&exe)
        .args(["--exact", helper, "--ignored", "--nocapture", "--test-threads=1"])
        .env("PSOX_NS_HELPER", "1")
        .output()
        .expect("unshare(1) (util-linux) must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "helper {helper} failed:\n{text}\n{err}");
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.contains("namespace:"))
        .map(|l| l.trim_start_matches(&format!("test {helper} ... ")).to_string())
        .collect();
    assert!(!lines.is_empty(), "helper {helper} did not run:\n{text}");
    lines
}

#[test]
#[ignore = "needs root and PID namespaces: scripts/test.sh runs it as root (cargo test -- --ignored root_)"]
fn root_real_reuse_in_a_pid_namespace() {
    for l in run_in_namespace("helper_ns_reuse") {
        println!("{l}");
    }
}

/// The kernel's pending-signal masks of `pid`: thread (`SigPnd`) and process
/// (`ShdPnd`), as hex text.
fn pending(procfs: &Path, pid: u32) -> (String, String) {
    (
        status_line(procfs, pid, "SigPnd"),
        status_line(procfs, pid, "ShdPnd"),
    )
}

/// Forks a child that blocks every signal it can and pauses until killed: a signal
/// that reaches it stays pending (visible in `/proc/PID/status`), SIGSTOP stops it and
/// SIGKILL ends it (both visible to `waitpid`). The mask is set in this thread before
/// the fork, so the child has it from its first instruction.
fn fork_blocked() -> u32 {
    let all: u64 = !0;
    let mut old: u64 = 0;
    // SAFETY: rt_sigprocmask with pointers to two u64 masks of the size passed (8
    // bytes); fork in a test thread: the child only calls pause(2) and _exit(2),
    // which are async-signal-safe.
    unsafe {
        let r = libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &all as *const u64,
            &mut old as *mut u64,
            8,
        );
        assert_eq!(r, 0, "rt_sigprocmask: {}", std::io::Error::last_os_error());
        let pid = libc::fork();
        if pid == 0 {
            loop {
                libc::pause();
            }
        }
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &old as *const u64,
            std::ptr::null_mut::<u64>(),
            8,
        );
        assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
        pid as u32
    }
}

/// Kills (SIGKILL) and reaps our child `pid`.
fn kill_reap(pid: u32) {
    // SAFETY: kill and waitpid on our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGKILL);
        let mut st = 0;
        libc::waitpid(pid as i32, &mut st, 0);
    }
}

/// `waitpid(pid, WNOHANG | WUNTRACED | WCONTINUED)`: 0 while our child `pid` has
/// not stopped, continued or ended since we last asked.
fn wait_state(pid: u32) -> i32 {
    let mut st = 0;
    // SAFETY: waitpid on our own child with a pointer to a local int.
    unsafe {
        libc::waitpid(
            pid as i32,
            &mut st,
            libc::WNOHANG | libc::WUNTRACED | libc::WCONTINUED,
        )
    }
}

/// One stale-handle action of the same-tick test.
type Action = (String, Box<dyn Fn(&Process) -> Result<(), Error>>);

fn actions() -> Vec<Action> {
    let mut v: Vec<Action> = Vec::new();
    for sig in 1..=64 {
        v.push((
            format!("send_signal({sig})"),
            Box::new(move |p: &Process| p.send_signal(sig)),
        ));
    }
    v.push(("suspend".into(), Box::new(|p: &Process| p.suspend())));
    v.push(("resume".into(), Box::new(|p: &Process| p.resume())));
    v.push(("terminate".into(), Box::new(|p: &Process| p.terminate())));
    v.push(("kill".into(), Box::new(|p: &Process| p.kill())));
    v.push(("set_nice".into(), Box::new(|p: &Process| p.set_nice(10))));
    v.push((
        "set_ionice".into(),
        Box::new(|p: &Process| p.set_ionice(IoPriorityClass::Idle, None)),
    ));
    v.push((
        "set_rlimit".into(),
        Box::new(|p: &Process| {
            p.set_rlimit(Rlimit::Nofile, RlimitValue::Limited(5), RlimitValue::Limited(5))
        }),
    ));
    v.push((
        "set_cpu_affinity".into(),
        Box::new(|p: &Process| p.set_cpu_affinity(&[0])),
    ));
    // Getters read through the handle's own /proc/PID directory: once its process is
    // reaped they fail, instead of reading the new process's files.
    v.push(("name".into(), Box::new(|p: &Process| p.name().map(drop))));
    v.push(("cmdline".into(), Box::new(|p: &Process| p.cmdline().map(drop))));
    v.push((
        "memory_info".into(),
        Box::new(|p: &Process| p.memory_info().map(drop)),
    ));
    v.push(("num_fds".into(), Box::new(|p: &Process| p.num_fds().map(drop))));
    v.push((
        "cpu_times".into(),
        Box::new(|p: &Process| p.cpu_times().map(drop)),
    ));
    v.push((
        "open_files".into(),
        Box::new(|p: &Process| p.open_files().map(drop)),
    ));
    v.push((
        "wait".into(),
        Box::new(|p: &Process| {
            // The process the handle stands for is gone: None at once; the new one
            // (our child too) must not be reaped.
            let t = Instant::now();
            match p.wait(Some(Duration::from_secs(5)))? {
                None if t.elapsed() < Duration::from_secs(1) => Err(Error::no_such_process(p.pid(), None)),
                other => panic!("wait through a stale handle: {other:?} after {:?}", t.elapsed()),
            }
        }),
    ));
    v
}

/// Cycles per action of the same-tick test.
const CYCLES: usize = 100;

/// Runs as PID 1 of a new PID namespace (started by `root_same_tick_reuse_in_a_pid_namespace`).
#[test]
#[ignore = "helper: started inside a new PID namespace by root_same_tick_reuse_in_a_pid_namespace"]
fn helper_same_tick_reuse() {
    in_helper();
    let ns = NsProcfs::mount();
    let procfs = ns.procfs.clone();
    let roots = Roots {
        procfs: procfs.clone(),
        ..Roots::new()
    };
    let last_pid = procfs.join("sys/kernel/ns_last_pid");
    let newest = Host::new(roots.clone());
    let ticks_only = Host::with_kernel_api(roots.clone(), psoxide::KernelApi::NoPidfd);

    // One cycle: a child A at PID N and a handle on it; A killed and reaped; N-1
    // written to ns_last_pid and a child B forked at once, so B gets N, most often
    // within the clock tick A started in. Then `act` through the stale handle.
    // Returns None when B did not get N (the cycle is repeated), else whether B
    // started in A's tick and whether the action reached B.
    let cycle =
        |host: &Host, act: &dyn Fn(&Process) -> Result<(), Error>, what: &str| -> Option<(bool, bool)> {
            let a = fork_blocked();
            let before_fds = pidfds_open();
            let stale = host.process(a).unwrap();
            let held = pidfds_open() - before_fds;
            kill_reap(a);
            std::fs::write(&last_pid, format!("{}", a - 1)).unwrap();
            let b = fork_blocked();
            if b != a {
                kill_reap(b);
                return None;
            }
            let same_tick = stat_field(&procfs, b, 22).parse::<u64>().unwrap() == stale.start_ticks();
            let before = (snapshot(&procfs, b), pending(&procfs, b));
            let r = act(&stale);
            let state = wait_state(b);
            let reached = state != 0 || (snapshot(&procfs, b), pending(&procfs, b)) != before;
            if host.kernel_api() == psoxide::KernelApi::Newest {
                assert_eq!(held, 1, "{what}: the handle must hold one pidfd");
                assert!(
                    matches!(r, Err(Error::NoSuchProcess { pid, .. }) if pid == a),
                    "{what} through a stale handle (same tick: {same_tick}): {r:?}"
                );
                assert!(
                    !reached,
                    "{what} reached the new process at pid {b} (same tick: {same_tick})"
                );
            } else {
                assert_eq!(held, 0, "{what}: NoPidfd handles hold no pidfd");
            }
            if state == 0 {
                kill_reap(b);
            }
            Some((same_tick, reached))
        };

    let mut total_same = 0;
    let mut total = 0;
    for (what, act) in actions() {
        let mut done = 0;
        let mut same = 0;
        let mut tries = 0;
        while done < CYCLES {
            tries += 1;
            assert!(
                tries < CYCLES * 3,
                "{what}: PID N came back only {done} times in {tries} tries"
            );
            if let Some((same_tick, _)) = cycle(&newest, act.as_ref(), &what) {
                done += 1;
                same += same_tick as usize;
            }
        }
        total += done;
        total_same += same;
    }
    println!(
        "namespace: {total} stale-handle actions, {total_same} of them with the PID recycled in the same clock tick: all refused with NoSuchProcess, none reached the new process"
    );
    assert!(
        total_same > 0,
        "no cycle recycled the PID within one tick: the test proved nothing"
    );

    // The same cycles with identity by start ticks only (no pidfd): what psutil and
    // psoxide without pidfds can do. A same-tick recycle must pass the check and the
    // action must reach the new process, every time: this shows that the checks above
    // see an action that lands.
    let all = actions();
    for name in ["send_signal(10)", "set_nice"] {
        let act = &all.iter().find(|(n, _)| n == name).unwrap().1;
        let (mut same, mut reached_same, mut reached_other, mut done) = (0, 0, 0, 0);
        while done < CYCLES {
            if let Some((same_tick, reached)) = cycle(&ticks_only, act.as_ref(), name) {
                done += 1;
                same += same_tick as usize;
                if reached {
                    if same_tick {
                        reached_same += 1;
                    } else {
                        reached_other += 1;
                    }
                }
            }
        }
        println!("namespace: ticks only, {name}: {same} of {CYCLES} recycled in the same tick, and {reached_same} of those reached the new process");
        assert_eq!(
            reached_other, 0,
            "{name}: a check by ticks let an action through across ticks"
        );
        assert_eq!(
            reached_same, same,
            "{name}: the checks did not see an action that landed"
        );
    }
}

#[test]
#[ignore = "needs root and PID namespaces: scripts/test.sh runs it as root (cargo test -- --ignored root_)"]
fn root_same_tick_reuse_in_a_pid_namespace() {
    for l in run_in_namespace("helper_same_tick_reuse") {
        println!("{l}");
    }
}
