//! Process handle basics against children with known properties.

use psoxide::{Attr, AttrValue, Error, Process, ProcessStatus};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::{Command, Stdio};
use std::time::Duration;

fn status_field(pid: u32, key: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .trim()
        .to_string()
}

#[test]
fn current_process_matches_proc() {
    let p = Process::current().unwrap();
    assert_eq!(p.pid(), std::process::id());
    let uid_line = status_field(p.pid(), "Uid");
    let want: Vec<u32> = uid_line
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    let u = p.uids().unwrap();
    assert_eq!(vec![u.real, u.effective, u.saved], want);
    let threads: u64 = status_field(p.pid(), "Threads").parse().unwrap();
    assert!(p.num_threads().unwrap() >= 1 && (p.num_threads().unwrap() as i64 - threads as i64).abs() <= 4);
    assert_eq!(p.ppid().unwrap(), std::os::unix::process::parent_id());
    let args: Vec<OsString> = std::env::args_os().collect();
    assert_eq!(p.cmdline().unwrap(), args);
    let env = p.environ().unwrap();
    assert!(env.contains_key(&OsString::from("PATH")) || std::env::var_os("PATH").is_none());
    let m = p.memory_info().unwrap();
    assert!(m.rss > 0 && m.vms >= m.rss);
    let io = p.io_counters().unwrap();
    assert!(io.read_chars > 0);
    assert!(p.num_fds().unwrap() >= 3);
    assert!(p.is_running());
    let ct = p.create_time().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        ct <= now + 1.0 && ct > now - 3600.0,
        "create_time {ct} vs now {now}"
    );
}

#[test]
fn child_with_odd_cmdline_and_long_name() {
    let dir = std::env::temp_dir().join(format!("psx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("a-very-long-program-name");
    std::fs::copy("/bin/sh", &exe).unwrap();
    let weird = OsString::from_vec(b"\xffbyte".to_vec());
    // A copy of sh under a long name; `sleep 30; :` keeps the shell itself alive.
    // ETXTBSY: a child forked by another test thread while the copy was open for
    // writing keeps that descriptor until it execs; try again for a while.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut child = loop {
        match Command::new(&exe)
            .arg("-c")
            .arg("sleep 30; :")
            .arg("with space")
            .arg("quo\"te")
            .arg(&weird)
            .stdout(Stdio::null())
            .spawn()
        {
            Ok(c) => break c,
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("cannot start {}: {e}", exe.display()),
        }
    };
    std::thread::sleep(Duration::from_millis(200));
    let p = Process::new(child.id()).unwrap();
    let cmd = p.cmdline().unwrap();
    assert_eq!(cmd[0], exe.as_os_str());
    assert_eq!(cmd[3], OsString::from("with space"));
    assert_eq!(cmd[2], OsString::from("sleep 30; :"));
    assert_eq!(cmd[4], OsString::from("quo\"te"));
    assert_eq!(cmd[5], weird);
    // comm is truncated to 15 bytes; name() restores it from cmdline[0].
    assert_eq!(status_field(child.id(), "Name"), "a-very-long-pro");
    assert_eq!(p.name().unwrap(), "a-very-long-program-name");
    assert_eq!(p.status().unwrap(), ProcessStatus::Sleeping);
    // The same values through every path: a oneshot (cached raw cmdline), as_dict
    // (typed values) and the packed prefetch store of process_iter.
    p.oneshot(|p| {
        assert_eq!(p.name().unwrap(), "a-very-long-program-name");
        assert_eq!(p.cmdline().unwrap(), cmd);
        assert_eq!(p.cmdline().unwrap(), cmd);
    });
    let d = p.as_dict(Some(&[Attr::Cmdline, Attr::Name])).unwrap();
    assert_eq!(d.get(Attr::Cmdline), Some(&AttrValue::Cmdline(cmd.clone())));
    assert_eq!(
        d.get(Attr::Name),
        Some(&AttrValue::Name("a-very-long-program-name".into()))
    );
    let it = psoxide::process_iter(Some(&[Attr::Name, Attr::Cmdline, Attr::Username])).unwrap();
    let q = it
        .filter_map(Result::ok)
        .find(|q| q.pid() == child.id())
        .expect("child listed");
    assert_eq!(q.cmdline().unwrap(), cmd);
    assert_eq!(q.name().unwrap(), "a-very-long-program-name");
    assert_eq!(q.username().unwrap(), p.username().unwrap());
    let info = q.prefetched().unwrap();
    let order: Vec<Attr> = info.values.iter().map(|(a, _)| *a).collect();
    assert_eq!(order, [Attr::Name, Attr::Cmdline, Attr::Username]);
    // Values given back to set_prefetched round-trip too (typed arguments, one of
    // them with a space, which a NUL-joined form would split).
    q.set_prefetched(Some(info.clone()));
    assert_eq!(q.cmdline().unwrap(), cmd);
    let one = vec![OsString::from("one arg with spaces")];
    q.set_prefetched(Some(psoxide::ProcessInfo {
        pid: q.pid(),
        values: vec![(Attr::Cmdline, Ok(AttrValue::Cmdline(one.clone())))],
    }));
    assert_eq!(q.cmdline().unwrap(), one);
    q.set_prefetched(None);
    assert_eq!(q.cmdline().unwrap(), cmd);
    child.kill().unwrap();
    child.wait().unwrap();
    let e = p.cmdline().unwrap_err();
    assert!(matches!(e, Error::NoSuchProcess { .. }), "{e:?}");
    assert!(!p.is_running());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zombie_child() {
    let child = Command::new("/bin/true").spawn().unwrap();
    let pid = child.id();
    // Do not reap: wait until the kernel marks it a zombie.
    let mut tries = 0;
    while !status_field(pid, "State").starts_with('Z') {
        std::thread::sleep(Duration::from_millis(10));
        tries += 1;
        assert!(tries < 500, "child never became a zombie");
    }
    let p = Process::new(pid).unwrap();
    assert_eq!(p.status().unwrap(), ProcessStatus::Zombie);
    assert!(p.is_running());
    assert!(matches!(p.cmdline().unwrap_err(), Error::ZombieProcess { .. }));
    // `environ` needs ptrace access, which the kernel refuses to a user other than root
    // for a task without memory, even their own zombie (psutil: AccessDenied too).
    // SAFETY: geteuid has no preconditions.
    let want_denied = unsafe { libc::geteuid() } != 0;
    match p.environ().unwrap_err() {
        Error::ZombieProcess { .. } => assert!(!want_denied),
        Error::AccessDenied { .. } => assert!(want_denied),
        e => panic!("environ of a zombie: {e:?}"),
    }
    assert_eq!(p.name().unwrap(), "true");
    assert_eq!(p.memory_info().unwrap(), psoxide::MemoryInfo::default());
    drop(child); // std does not reap on drop; reap explicitly
    unsafe { libc::waitpid(pid as i32, std::ptr::null_mut(), 0) };
}

#[test]
fn pid_zero_and_out_of_range() {
    match Process::new(0).unwrap_err() {
        Error::NoSuchProcess { pid: 0, msg, .. } => assert_eq!(msg, "process PID not found"),
        e => panic!("{e:?}"),
    }
    match Process::new(u32::MAX).unwrap_err() {
        Error::NoSuchProcess { msg, .. } => assert_eq!(msg, "process PID out of range"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn kernel_thread() {
    // PID 2 is kthreadd on Linux when this test sees the host's PID namespace.
    let Ok(p) = Process::new(2) else {
        eprintln!("skip: no PID 2 in this PID namespace");
        return;
    };
    if p.ppid().unwrap() != 0 {
        eprintln!("skip: PID 2 is not a kernel thread here");
        return;
    }
    assert_eq!(p.cmdline().unwrap(), Vec::<OsString>::new());
    assert_eq!(p.name().unwrap(), "kthreadd");
    assert_eq!(p.memory_info().unwrap(), psoxide::MemoryInfo::default());
}

#[test]
fn display_like_psutil_repr() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let p = Process::new(child.id()).unwrap();
    assert_eq!(
        p.to_string(),
        format!(
            "psoxide.Process(pid={}, name='sleep', status='sleeping')",
            child.id()
        )
    );
    p.kill().unwrap();
    let code = p.wait(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(code.map(|c| c.value()), Some(-9));
    assert_eq!(
        p.to_string(),
        format!(
            "psoxide.Process(pid={}, name='sleep', status='terminated', exitcode=<NegSignal.SIGKILL: -9>)",
            child.id()
        )
    );
    let _ = child.wait();
}
