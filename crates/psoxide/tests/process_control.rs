//! Process actions and setters against children with known properties, checked with
//! the kernel's files (`/proc/PID/stat`, `status`, `limits`), procps/util-linux tools
//! (`ps`, `ionice`, `prlimit`, `taskset`) and psutil 7.2.2.

// Many children here are reaped by `Process::wait`, which is what is under test.
#![allow(clippy::zombie_processes)]

mod common;

use psoxide::{
    pid_exists, pids, wait_procs, Error, ExitStatus, IoPriorityClass, Process, ProcessStatus, Rlimit,
    RlimitValue, RLIM_INFINITY,
};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REUSED: &str = "process no longer exists and its PID has been reused";

fn sleeper(secs: &str) -> Child {
    Command::new("sleep").arg(secs).spawn().unwrap()
}

/// Fields of `/proc/PID/stat` after the command name; index 0 is field 3 (state).
fn stat_fields(pid: u32) -> Vec<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &s[s.rfind(')').unwrap() + 2..];
    rest.split_whitespace().map(str::to_string).collect()
}

/// Field `n` (1-based, proc(5) numbering) of `/proc/PID/stat`.
fn stat_field(pid: u32, n: usize) -> String {
    stat_fields(pid)[n - 3].clone()
}

fn status_field(pid: u32, key: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap()
        .trim()
        .to_string()
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Waits until the state letter of PID is `want` (2 s at most).
fn wait_state(pid: u32, want: &str) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) {
        if stat_field(pid, 3) == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("pid {pid} never reached state {want}: {}", stat_field(pid, 3));
}

/// `0-2,5` -> [0, 1, 2, 5].
fn cpulist(s: &str) -> Vec<u32> {
    s.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => (a.parse().unwrap()..=b.parse().unwrap()).collect::<Vec<u32>>(),
            None => vec![part.parse().unwrap()],
        })
        .collect()
}

fn finish(mut c: Child) {
    let _ = c.kill();
    let _ = c.wait();
}

fn assert_reused(r: Result<(), Error>, what: &str) {
    match r {
        Err(Error::NoSuchProcess { msg, .. }) => assert_eq!(msg, REUSED, "{what}"),
        other => panic!("{what}: expected the PID-reused NoSuchProcess, got {other:?}"),
    }
}

fn psutil() -> Option<String> {
    let py = common::psutil_python();
    if std::path::Path::new(&py).exists() {
        Some(py)
    } else {
        println!("skip psutil comparison: {py} is missing");
        None
    }
}

#[test]
fn nice_set_and_read_back() {
    // The child inherits this process's nice value (the suite may run under `nice`);
    // raising it needs no privilege.
    let base: i32 = stat_field(std::process::id(), 19).parse().unwrap();
    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    assert_eq!(p.nice().unwrap(), base);
    let target = (base + 2).min(19);
    p.set_nice(target).unwrap();
    assert_eq!(stat_field(c.id(), 19), target.to_string());
    assert_eq!(
        run("ps", &["-o", "ni=", "-p", &c.id().to_string()]).trim(),
        target.to_string()
    );
    assert_eq!(p.nice().unwrap(), target);
    // The kernel clamps.
    p.set_nice(100).unwrap();
    assert_eq!(stat_field(c.id(), 19), "19");
    finish(c);
}

#[test]
fn ionice_set_get_vs_util_linux() {
    let c = sleeper("30");
    let pid = c.id().to_string();
    let p = Process::new(c.id()).unwrap();
    p.set_ionice(IoPriorityClass::Be, Some(6)).unwrap();
    assert_eq!(run("ionice", &["-p", &pid]).trim(), "best-effort: prio 6");
    let io = p.ionice().unwrap();
    assert_eq!((io.ioclass, io.value), (IoPriorityClass::Be, 6));
    p.set_ionice(IoPriorityClass::Idle, None).unwrap();
    assert_eq!(run("ionice", &["-p", &pid]).trim(), "idle");
    assert_eq!(p.ionice().unwrap().ioclass, IoPriorityClass::Idle);
    // Set by the tool, read by us.
    run("ionice", &["-c", "2", "-n", "3", "-p", &pid]);
    let io = p.ionice().unwrap();
    assert_eq!((io.ioclass, io.value), (IoPriorityClass::Be, 3));
    // psutil's argument errors.
    let e = p.set_ionice(IoPriorityClass::Idle, Some(1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "<ProcessIOPriority.IOPRIO_CLASS_IDLE: 3> ioclass accepts no value"
    );
    assert_eq!(e.exception_name(), "ValueError");
    let e = p.set_ionice(IoPriorityClass::Be, Some(8)).unwrap_err();
    assert_eq!(e.to_string(), "value not in 0-7 range");
    // Nothing changed by the refused calls.
    assert_eq!(run("ionice", &["-p", &pid]).trim(), "best-effort: prio 3");
    #[cfg(feature = "serde")]
    assert_eq!(
        serde_json::to_string(&p.ionice().unwrap()).unwrap(),
        r#"{"ioclass":2,"value":3}"#
    );
    finish(c);
}

#[test]
fn rlimit_set_get_vs_proc_limits_and_prlimit() {
    let c = sleeper("30");
    let pid = c.id().to_string();
    let p = Process::new(c.id()).unwrap();
    p.set_rlimit(
        Rlimit::Nofile,
        RlimitValue::Limited(100),
        RlimitValue::Limited(200),
    )
    .unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cols[3..5], &["100", "200"]);
    let pl = run(
        "prlimit",
        &[
            "--pid",
            &pid,
            "--nofile",
            "--raw",
            "--noheadings",
            "-o",
            "SOFT,HARD",
        ],
    );
    assert_eq!(pl.split_whitespace().collect::<Vec<_>>(), vec!["100", "200"]);
    assert_eq!(
        p.rlimit(Rlimit::Nofile).unwrap(),
        (RlimitValue::Limited(100), RlimitValue::Limited(200))
    );
    // Infinity both ways: set by prlimit(1), read by us, and the other way round.
    run("prlimit", &["--pid", &pid, "--core=unlimited:unlimited"]);
    assert_eq!(p.rlimit(Rlimit::Core).unwrap(), (RLIM_INFINITY, RLIM_INFINITY));
    p.set_rlimit(Rlimit::Core, RlimitValue::Limited(4096), RLIM_INFINITY)
        .unwrap();
    let pl = run(
        "prlimit",
        &[
            "--pid",
            &pid,
            "--core",
            "--raw",
            "--noheadings",
            "-o",
            "SOFT,HARD",
        ],
    );
    assert_eq!(
        pl.split_whitespace().collect::<Vec<_>>(),
        vec!["4096", "unlimited"]
    );
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert!(line.contains(" 4096 ") && line.contains("unlimited"), "{line}");
    // Every resource reads back what /proc/PID/limits says (order of that file).
    let order = [
        Rlimit::Cpu,
        Rlimit::Fsize,
        Rlimit::Data,
        Rlimit::Stack,
        Rlimit::Core,
        Rlimit::Rss,
        Rlimit::Nproc,
        Rlimit::Nofile,
        Rlimit::Memlock,
        Rlimit::As,
        Rlimit::Locks,
        Rlimit::Sigpending,
        Rlimit::Msgqueue,
        Rlimit::Nice,
        Rlimit::Rtprio,
        Rlimit::Rttime,
    ];
    for (r, line) in order.iter().zip(limits.lines().skip(1)) {
        let (soft, hard) = p.rlimit(*r).unwrap();
        // Columns start at byte 26 ("Limit" header width), then 21 per column.
        let soft_txt = line[26..47].trim();
        let hard_txt = line[47..68].trim();
        let show = |v: RlimitValue| match v {
            RlimitValue::Infinity => "unlimited".to_string(),
            RlimitValue::Limited(n) => n.to_string(),
        };
        assert_eq!(
            (show(soft).as_str(), show(hard).as_str()),
            (soft_txt, hard_txt),
            "{r}"
        );
    }
    let e = p
        .set_rlimit(
            Rlimit::Nofile,
            RlimitValue::Limited(300),
            RlimitValue::Limited(200),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "current limit exceeds maximum limit");
    #[cfg(feature = "serde")]
    assert_eq!(
        serde_json::to_string(&p.rlimit(Rlimit::Core).unwrap()).unwrap(),
        "[4096,-1]"
    );
    finish(c);
}

#[test]
fn affinity_set_get_vs_taskset() {
    let ncpu: usize = run("nproc", &["--all"]).trim().parse().unwrap();
    let c = sleeper("30");
    let pid = c.id().to_string();
    let p = Process::new(c.id()).unwrap();
    let all = p.cpu_affinity().unwrap();
    let listed = run("taskset", &["-pc", &pid]);
    let listed = listed.rsplit(": ").next().unwrap().trim().to_string();
    let allowed = status_field(c.id(), "Cpus_allowed_list");
    assert_eq!(cpulist(&allowed), cpulist(&listed));
    assert_eq!(all, cpulist(&listed));
    let e = p.set_cpu_affinity(&[99]).unwrap_err();
    assert_eq!(e.to_string(), format!("invalid CPU 99; choose between {all:?}"));
    assert_eq!(e.exception_name(), "ValueError");
    if ncpu < 2 || all.len() < 2 {
        println!("skip narrowing part: only {ncpu} CPU(s), affinity {all:?}");
        finish(c);
        return;
    }
    let last = *all.last().unwrap();
    // Duplicates are fine.
    p.set_cpu_affinity(&[last, last]).unwrap();
    assert_eq!(status_field(c.id(), "Cpus_allowed_list"), last.to_string());
    let mask = run("taskset", &["-p", &pid]);
    assert_eq!(
        u64::from_str_radix(mask.rsplit(": ").next().unwrap().trim(), 16).unwrap(),
        1u64 << last
    );
    assert_eq!(p.cpu_affinity().unwrap(), vec![last]);
    // Quirk 4: [] means the current Cpus_allowed_list, so it does not widen.
    p.set_cpu_affinity(&[]).unwrap();
    assert_eq!(p.cpu_affinity().unwrap(), vec![last]);
    // The message names the eligible (current) list.
    let e = p.set_cpu_affinity(&[99]).unwrap_err();
    assert_eq!(e.to_string(), format!("invalid CPU 99; choose between [{last}]"));
    // Setting by the tool, reading by us.
    run("taskset", &["-pc", "0", &pid]);
    assert_eq!(p.cpu_affinity().unwrap(), vec![0]);
    p.set_cpu_affinity(&all).unwrap();
    assert_eq!(status_field(c.id(), "Cpus_allowed_list"), allowed);
    finish(c);
}

#[test]
fn suspend_resume_seen_in_status() {
    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    p.suspend().unwrap();
    wait_state(c.id(), "T");
    assert_eq!(p.status().unwrap(), ProcessStatus::Stopped);
    p.resume().unwrap();
    wait_state(c.id(), "S");
    finish(c);
}

#[test]
fn terminate_kill_and_exit_codes() {
    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    p.terminate().unwrap();
    assert_eq!(p.wait(None).unwrap(), Some(ExitStatus::NegSignal(-15)));
    assert_eq!(p.returncode(), Some(ExitStatus::NegSignal(-15)));
    // Cached.
    assert_eq!(
        p.wait(Some(Duration::ZERO)).unwrap(),
        Some(ExitStatus::NegSignal(-15))
    );
    // Reaped: the PID is gone.
    assert!(!std::path::Path::new(&format!("/proc/{}", c.id())).exists());
    assert!(!p.is_running());
    // Signalling it now: plain NoSuchProcess.
    match p.kill() {
        Err(Error::NoSuchProcess { msg, .. }) => assert_eq!(msg, "process no longer exists"),
        other => panic!("{other:?}"),
    }

    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    p.kill().unwrap();
    let st = p.wait(Some(Duration::from_secs(5))).unwrap().unwrap();
    assert_eq!(st, ExitStatus::NegSignal(-9));
    assert_eq!(st.repr(), "<NegSignal.SIGKILL: -9>");

    let c = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let p = Process::from_child(&c).unwrap();
    assert_eq!(p.wait(None).unwrap(), Some(ExitStatus::Code(3)));
    #[cfg(feature = "serde")]
    assert_eq!(serde_json::to_string(&p.wait(None).unwrap()).unwrap(), "3");
}

#[test]
fn wait_timeout_expires() {
    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    let t = Instant::now();
    let e = p.wait(Some(Duration::from_millis(250))).unwrap_err();
    let took = t.elapsed();
    match &e {
        Error::TimeoutExpired { seconds, pid, name } => {
            assert_eq!(*seconds, 0.25);
            assert_eq!(*pid, Some(c.id()));
            assert_eq!(name.as_deref(), Some("sleep"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        format!("timeout after 0.25 seconds (pid={}, name='sleep')", c.id())
    );
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
    // timeout 0: one check.
    let t = Instant::now();
    assert!(matches!(
        p.wait(Some(Duration::ZERO)),
        Err(Error::TimeoutExpired { .. })
    ));
    assert!(t.elapsed() < Duration::from_millis(100));
    // Still running and not reaped.
    assert_eq!(stat_field(c.id(), 3), "S");
    finish(c);
}

#[test]
fn wait_reaps_a_zombie_child() {
    let c = Command::new("true").spawn().unwrap();
    let p = Process::from_child(&c).unwrap();
    wait_state(c.id(), "Z");
    assert!(p.is_running());
    assert!(pid_exists(c.id()).unwrap());
    // Signals to a zombie succeed without effect.
    p.terminate().unwrap();
    p.suspend().unwrap();
    assert_eq!(p.wait(Some(Duration::ZERO)).unwrap(), Some(ExitStatus::Code(0)));
    assert!(!std::path::Path::new(&format!("/proc/{}", c.id())).exists());
    assert!(!pid_exists(c.id()).unwrap());
}

/// Spawns `sh -c 'SCRIPT'` whose first output line is a PID, returning both.
fn spawn_reporting(script: &str) -> (Child, u32) {
    let mut c = Command::new("sh")
        .args(["-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(c.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (c, line.trim().parse().unwrap())
}

#[test]
fn wait_on_a_non_child_returns_none() {
    // The grandchild is sh's child; sh reaps it when it exits.
    let (mut c, gc) = spawn_reporting("sleep 0.4 & echo $!; wait");
    let p = Process::new(gc).unwrap();
    assert_eq!(p.ppid().unwrap(), c.id());
    let t = Instant::now();
    assert!(matches!(
        p.wait(Some(Duration::from_millis(50))),
        Err(Error::TimeoutExpired { .. })
    ));
    assert_eq!(p.wait(None).unwrap(), None);
    assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());
    assert!(!p.is_running());
    // Cached None.
    assert_eq!(p.wait(Some(Duration::ZERO)).unwrap(), None);
    assert!(c.wait().unwrap().success());
}

#[test]
fn wait_on_a_non_child_zombie_waits_for_the_reap() {
    let Some(py) = psutil() else { return };
    // A parent that lets its child be a zombie from 0.2 s to 1.2 s, then reaps it.
    let script = "import os, time\n\
pid = os.fork()\n\
if pid == 0:\n    time.sleep(0.2)\n    os._exit(0)\n\
print(pid, flush=True)\n\
time.sleep(1.2)\n\
os.waitpid(pid, 0)\n\
time.sleep(0.5)\n";
    let mut c = Command::new(&py)
        .args(["-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(c.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let gc: u32 = line.trim().parse().unwrap();
    let t0 = Instant::now();
    let p = Process::new(gc).unwrap();
    wait_state(gc, "Z");
    // Exited but not reaped: wait keeps waiting (psutil's semantics).
    assert!(matches!(
        p.wait(Some(Duration::from_millis(300))),
        Err(Error::TimeoutExpired { .. })
    ));
    assert!(p.is_running());
    assert_eq!(p.wait(Some(Duration::from_secs(10))).unwrap(), None);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(1000),
        "returned after {took:?}, before the reap"
    );
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(!std::path::Path::new(&format!("/proc/{gc}")).exists());
    let _ = c.wait();
}

#[test]
fn pid_reuse_refused_and_target_untouched() {
    let c = sleeper("30");
    let pid = c.id();
    let real = Process::new(pid).unwrap();
    let ticks = real.start_ticks();
    real.set_nice(3).unwrap();
    let before_ionice = real.ionice().unwrap();
    let before_limit = real.rlimit(Rlimit::Nofile).unwrap();
    let before_aff = real.cpu_affinity().unwrap();
    let fake = || Process::with_identity_for_tests(pid, ticks + 1).unwrap();
    assert!(!fake().is_running());
    assert_reused(fake().send_signal(libc::SIGKILL), "send_signal");
    assert_reused(fake().suspend(), "suspend");
    assert_reused(fake().resume(), "resume");
    assert_reused(fake().terminate(), "terminate");
    assert_reused(fake().kill(), "kill");
    assert_reused(fake().set_nice(10), "set_nice");
    assert_reused(fake().set_ionice(IoPriorityClass::Idle, None), "set_ionice");
    assert_reused(
        fake().set_rlimit(Rlimit::Nofile, RlimitValue::Limited(5), RlimitValue::Limited(5)),
        "set_rlimit",
    );
    assert_reused(fake().set_cpu_affinity(&[0]), "set_cpu_affinity");
    // Once flagged, the handle stays refused and not running.
    let f = fake();
    assert_reused(f.kill(), "kill");
    assert!(!f.is_running());
    assert_reused(f.kill(), "kill again");
    // wait() on a recycled PID: the process it stood for is gone.
    assert_eq!(fake().wait(None).unwrap(), None);
    // The real process got nothing: still sleeping, same settings.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(stat_field(pid, 3), "S");
    assert_eq!(stat_field(pid, 19), "3");
    assert_eq!(real.ionice().unwrap(), before_ionice);
    assert_eq!(real.rlimit(Rlimit::Nofile).unwrap(), before_limit);
    assert_eq!(real.cpu_affinity().unwrap(), before_aff);
    assert!(real.is_running());
    assert_eq!(
        fake().kill().unwrap_err().to_string(),
        format!("{REUSED} (pid={pid})")
    );
    real.kill().unwrap();
    assert_eq!(real.wait(None).unwrap(), Some(ExitStatus::NegSignal(-9)));
}

#[test]
fn pid_zero_is_refused() {
    let p = Process::with_identity_for_tests(0, 0).unwrap();
    let e = p.send_signal(0).unwrap_err();
    assert_eq!(e.exception_name(), "ValueError");
    assert!(e
        .to_string()
        .starts_with("preventing sending signal to process with PID 0"));
    assert_eq!(p.wait(None).unwrap_err().to_string(), "can't wait for PID 0");
    assert!(matches!(
        p.set_nice(1),
        Err(Error::NoSuchProcess { .. }) | Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        p.rlimit(Rlimit::Nofile),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(p.cpu_affinity(), Err(Error::InvalidArgument { .. })));
    assert!(matches!(p.ionice(), Err(Error::InvalidArgument { .. })));
    assert!(!pid_exists(0).unwrap());
}

#[test]
fn pid_exists_threads_zombies_and_pids() {
    let me = std::process::id();
    assert!(pid_exists(me).unwrap());
    assert!(pid_exists(1).unwrap());
    assert!(!pid_exists(0).unwrap());
    assert!(!pid_exists(i32::MAX as u32).unwrap());
    assert!(!pid_exists(u32::MAX).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        tx.send(unsafe { libc::gettid() } as u32).unwrap();
        let _ = done_rx.recv();
    });
    let tid = rx.recv().unwrap();
    assert!(std::path::Path::new(&format!("/proc/{tid}/status")).exists());
    assert_eq!(status_field(tid, "Tgid"), me.to_string());
    assert!(!pid_exists(tid).unwrap());
    // A thread handle still takes signals through kill(2) (pidfd_open refuses TIDs).
    let tp = Process::new(tid).unwrap();
    tp.send_signal(0).unwrap();
    done_tx.send(()).unwrap();
    h.join().unwrap();

    let listed_before: std::collections::BTreeSet<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let ours = pids().unwrap();
    let listed_after: std::collections::BTreeSet<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    assert!(ours.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    assert!(ours.contains(&me) && ours.contains(&1) && !ours.contains(&0));
    assert!(!ours.contains(&tid));
    for p in &ours {
        assert!(listed_before.contains(p) || listed_after.contains(p), "{p}");
    }
    for p in listed_before.intersection(&listed_after) {
        assert!(ours.binary_search(p).is_ok(), "{p} missing");
    }
}

#[test]
fn from_child_after_std_reaped_it() {
    let mut c = Command::new("true").spawn().unwrap();
    c.wait().unwrap();
    let p = Process::from_child(&c).unwrap();
    assert_eq!(p.pid(), c.id());
    assert!(!p.is_running());
    assert_eq!(p.wait(None).unwrap(), None);
    assert!(matches!(p.terminate(), Err(Error::NoSuchProcess { .. })));
    // Process::new refuses the same PID.
    assert!(matches!(Process::new(c.id()), Err(Error::NoSuchProcess { .. })) || pid_exists(c.id()).unwrap());
}

#[test]
fn wait_procs_gone_and_alive() {
    let quick = Command::new("sh").args(["-c", "exit 0"]).spawn().unwrap();
    let later = Command::new("sh")
        .args(["-c", "sleep 0.2; exit 1"])
        .spawn()
        .unwrap();
    let long = sleeper("30");
    let procs: Vec<Process> = [&quick, &later, &long]
        .iter()
        .map(|c| Process::from_child(c).unwrap())
        .collect();
    let mut seen = Vec::new();
    let mut cb = |p: &Process, rc: Option<ExitStatus>| seen.push((p.pid(), rc));
    let t = Instant::now();
    let (gone, alive) = wait_procs(&procs, Some(Duration::from_millis(800)), Some(&mut cb)).unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let mut g: Vec<(u32, Option<ExitStatus>)> =
        gone.iter().map(|g| (g.process.pid(), g.returncode)).collect();
    g.sort_by_key(|x| x.0);
    let mut want = vec![
        (quick.id(), Some(ExitStatus::Code(0))),
        (later.id(), Some(ExitStatus::Code(1))),
    ];
    want.sort_by_key(|x| x.0);
    assert_eq!(g, want);
    seen.sort_by_key(|x| x.0);
    assert_eq!(seen, want);
    assert_eq!(alive.len(), 1);
    assert_eq!(alive[0].pid(), long.id());
    assert_eq!(procs[1].returncode(), Some(ExitStatus::Code(1)));
    assert_eq!(procs[2].returncode(), None);
    // Kill the survivor: without a timeout wait_procs returns once it is gone.
    procs[2].kill().unwrap();
    let (gone, alive) = wait_procs(procs.iter(), None, None).unwrap();
    assert_eq!(gone.len(), 3);
    assert!(alive.is_empty());
    assert_eq!(procs[2].returncode(), Some(ExitStatus::NegSignal(-9)));
    // timeout 0: only the final check.
    let (gone, alive) = wait_procs(&procs, Some(Duration::ZERO), None).unwrap();
    assert_eq!((gone.len(), alive.len()), (3, 0));
}

#[test]
fn compare_with_psutil() {
    let Some(py) = psutil() else { return };
    let c = sleeper("30");
    let p = Process::new(c.id()).unwrap();
    p.set_nice(4).unwrap();
    p.set_ionice(IoPriorityClass::Be, Some(5)).unwrap();
    p.set_rlimit(
        Rlimit::Nofile,
        RlimitValue::Limited(123),
        RlimitValue::Limited(456),
    )
    .unwrap();
    let script = [
        "import psutil, json, sys",
        "pid = int(sys.argv[1])",
        "p = psutil.Process(pid)",
        "io = p.ionice()",
        "out = dict(nice=p.nice(), ionice=[int(io.ioclass), io.value],",
        "           nofile=list(p.rlimit(psutil.RLIMIT_NOFILE)), cpu=list(p.rlimit(psutil.RLIMIT_CPU)),",
        "           aff=p.cpu_affinity(), exists=psutil.pid_exists(pid))",
        "errs = []",
        "for f in (lambda: p.cpu_affinity([99]), lambda: p.ionice(psutil.IOPRIO_CLASS_BE, 9),",
        "          lambda: p.rlimit(psutil.RLIMIT_NOFILE, (9, 1))):",
        "    try:",
        "        f()",
        "    except ValueError as e:",
        "        errs.append(str(e))",
        "out['errs'] = errs",
        "k = psutil.Popen(['sleep', '30']); k.terminate(); out['term'] = int(k.wait(5))",
        "out['exit3'] = psutil.Popen(['sh', '-c', 'exit 3']).wait(5)",
        "print(json.dumps(out))",
    ]
    .join("\n");
    let out = run(&py, &["-c", &script, &c.id().to_string()]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["nice"], 4);
    let io = p.ionice().unwrap();
    assert_eq!(v["ionice"], serde_json::json!([io.ioclass.value(), io.value]));
    let (s, h) = p.rlimit(Rlimit::Nofile).unwrap();
    assert_eq!(
        v["nofile"],
        serde_json::json!([s.as_psutil() as i64, h.as_psutil() as i64])
    );
    let (s, h) = p.rlimit(Rlimit::Cpu).unwrap();
    assert_eq!(
        v["cpu"],
        serde_json::json!([s.as_psutil() as i64, h.as_psutil() as i64])
    );
    assert_eq!(v["aff"], serde_json::json!(p.cpu_affinity().unwrap()));
    assert_eq!(v["exists"], true);
    let ours = [
        p.set_cpu_affinity(&[99]).unwrap_err().to_string(),
        p.set_ionice(IoPriorityClass::Be, Some(9))
            .unwrap_err()
            .to_string(),
        p.set_rlimit(Rlimit::Nofile, RlimitValue::Limited(9), RlimitValue::Limited(1))
            .unwrap_err()
            .to_string(),
    ];
    assert_eq!(v["errs"], serde_json::json!(ours));
    // Exit statuses of the same kind of children, serialized like psutil's ints.
    let k = sleeper("30");
    let kp = Process::from_child(&k).unwrap();
    kp.terminate().unwrap();
    let term = kp.wait(Some(Duration::from_secs(5))).unwrap().unwrap();
    assert_eq!(v["term"], serde_json::json!(term.value()));
    let e3 = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let e3 = Process::from_child(&e3).unwrap().wait(None).unwrap().unwrap();
    assert_eq!(v["exit3"], serde_json::json!(e3.value()));
    #[cfg(feature = "serde")]
    assert_eq!(serde_json::to_value(term).unwrap(), v["term"]);
    finish(c);
}

/// Runs inside `unprivileged_gets_access_denied` as uid 65534 and prints one
/// `RESULT <case> <outcome>` line per case.
#[test]
#[ignore = "helper: started as another user by unprivileged_gets_access_denied"]
fn unpriv_helper() {
    if std::env::var_os("PSOX_UNPRIV_HELPER").is_none() {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    assert_ne!(unsafe { libc::geteuid() }, 0, "the helper must not run as root");
    let outcome = |r: Result<(), Error>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e.exception_name().to_string(),
    };
    let me = Process::current().unwrap();
    let init = Process::new(1).unwrap();
    let (_, hard) = me.rlimit(Rlimit::Nofile).unwrap();
    let raised = match hard {
        RlimitValue::Limited(n) => RlimitValue::Limited(n + 1),
        RlimitValue::Infinity => RlimitValue::Infinity,
    };
    // Relative to the nice value the helper starts with (the suite may run under
    // `nice`): lowering it needs privilege, raising it does not.
    let n0 = me.nice().unwrap();
    let higher = (n0 + 5).min(19);
    let cases: Vec<(&str, Result<(), Error>)> = vec![
        ("own_nice_lower", me.set_nice((n0 - 5).max(-20))),
        ("own_nice_higher", me.set_nice(higher)),
        (
            "own_raise_hard_nofile",
            me.set_rlimit(Rlimit::Nofile, raised, raised),
        ),
        // Signal 0: a permission check that delivers nothing.
        ("init_signal_0", init.send_signal(0)),
        ("init_set_nice", init.set_nice(10)),
        ("init_set_ionice", init.set_ionice(IoPriorityClass::Idle, None)),
        ("init_rlimit_get", init.rlimit(Rlimit::Nofile).map(|_| ())),
        ("init_set_affinity", init.set_cpu_affinity(&[0])),
        ("init_nice_get", init.nice().map(|_| ())),
        ("init_affinity_get", init.cpu_affinity().map(|_| ())),
    ];
    for (name, r) in cases {
        println!("RESULT {name} {}", outcome(r));
    }
    println!("RESULT init_pid_exists {}", pid_exists(1).unwrap());
    println!("RESULT own_nice_now_higher {}", me.nice().unwrap() == higher);
}

#[test]
fn unprivileged_gets_access_denied() {
    let Some(text) = common::run_helper_as_nobody("unpriv_helper", ("PSOX_UNPRIV_HELPER", "1".as_ref()))
    else {
        return;
    };
    let got: std::collections::HashMap<&str, &str> = text
        .lines()
        // The first line follows the harness's "test unpriv_helper ... ".
        .filter_map(|l| l.find("RESULT ").map(|i| &l[i + 7..]))
        .filter_map(|l| l.split_once(' '))
        .collect();
    let want = [
        ("own_nice_lower", "AccessDenied"),
        ("own_nice_higher", "ok"),
        ("own_raise_hard_nofile", "AccessDenied"),
        ("init_signal_0", "AccessDenied"),
        ("init_set_nice", "AccessDenied"),
        ("init_set_ionice", "AccessDenied"),
        ("init_rlimit_get", "AccessDenied"),
        ("init_set_affinity", "AccessDenied"),
        ("init_nice_get", "ok"),
        ("init_affinity_get", "ok"),
        ("init_pid_exists", "true"),
        ("own_nice_now_higher", "true"),
    ];
    for (k, v) in want {
        assert_eq!(got.get(k).copied(), Some(v), "{k}; helper said:\n{text}");
    }
}
