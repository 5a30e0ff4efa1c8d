//! Reads are bounded in time and memory (issue 10, defect 1). A procfs or sysfs root
//! may be a container's or a fixture's, so a "file" may be a FIFO, a device or a file
//! that grows without end: each read then fails within bounded time and memory with
//! an error naming the path, and real command lines of a megabyte still come back
//! whole. The limits are in docs/decisions.md ("Reads").
//!
//! Fixture trees are built here at test time. Every call that could block runs on a
//! thread with a deadline, so that a regression fails the test instead of hanging it.

mod common;

use common::err_naming as names;
use psoxide::*;
use std::os::unix::fs::{symlink, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PID: u32 = 4242;

/// How long any of these calls may take (they take microseconds when they work; an
/// unbounded read blocks forever).
const DEADLINE: Duration = Duration::from_secs(20);

/// Runs `f` on a thread and returns its result, failing the test if it takes longer
/// than [`DEADLINE`] (the thread is then left blocked; the test binary exits anyway).
#[track_caller]
fn within_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => {
            println!("{what}: {:?}", start.elapsed());
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not return within {DEADLINE:?} (blocked on a read)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// A fixture root with `proc/stat` and one process, PID 4242, whose `stat`,
/// `status`, `statm`, `cmdline`, `environ`, `io` and `smaps` are plain files.
fn tree() -> (tempfile::TempDir, Roots) {
    let dir = tempfile::tempdir().unwrap();
    let roots = Roots::under(dir.path());
    let pd = roots.procfs.join(PID.to_string());
    std::fs::create_dir_all(&pd).unwrap();
    std::fs::create_dir_all(roots.sysfs.join("class/hwmon/hwmon0")).unwrap();
    std::fs::write(
        roots.procfs.join("stat"),
        "cpu  1 2 3 4 5 6 7 8 9 10\nctxt 5\nbtime 1700000000\n",
    )
    .unwrap();
    std::fs::write(
        roots.procfs.join("meminfo"),
        "MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 600 kB\nBuffers: 1 kB\nCached: 2 kB\n",
    )
    .unwrap();
    std::fs::write(
        pd.join("stat"),
        format!(
            "{PID} (fixture) S 1 {PID} {PID} 0 -1 4194560 1 0 0 0 1 2 0 0 20 0 1 0 500 1000 10 \
             18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
        ),
    )
    .unwrap();
    std::fs::write(
        pd.join("status"),
        "Name:\tfixture\nTgid:\t4242\nPPid:\t1\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nThreads:\t1\n",
    )
    .unwrap();
    std::fs::write(pd.join("statm"), "10 5 2 1 0 3 0\n").unwrap();
    std::fs::write(pd.join("cmdline"), "fixture\0-v\0").unwrap();
    std::fs::write(pd.join("environ"), "A=1\0").unwrap();
    std::fs::write(
        pd.join("io"),
        "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n",
    )
    .unwrap();
    std::fs::write(pd.join("smaps_rollup"), "").unwrap();
    std::fs::write(roots.sysfs.join("class/hwmon/hwmon0/name"), "fixturetemp\n").unwrap();
    std::fs::write(roots.sysfs.join("class/hwmon/hwmon0/temp1_input"), "42000\n").unwrap();
    (dir, roots)
}

fn pid_file(roots: &Roots, name: &str) -> PathBuf {
    roots.procfs.join(PID.to_string()).join(name)
}

fn mkfifo(p: &Path) {
    let _ = std::fs::remove_file(p);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        p,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

fn replace_with_link(p: &Path, target: &str) {
    let _ = std::fs::remove_file(p);
    symlink(target, p).unwrap();
}

/// A writer that holds the FIFO open without writing (so that a read would wait for
/// data), and the read end it needs to be opened without blocking.
struct IdleWriter(
    #[allow(dead_code)] std::fs::File,
    #[allow(dead_code)] std::fs::File,
);

fn idle_writer(p: &Path) -> IdleWriter {
    let r = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .unwrap();
    let w = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    IdleWriter(r, w)
}

/// A FIFO in place of `cmdline`, `status` or `stat`, with no writer (reads see EOF)
/// and with a writer that writes nothing (a blocking read would wait forever): every
/// getter that reads it fails at once, naming the file.
#[test]
fn fifo_in_place_of_a_process_file() {
    for writer in [false, true] {
        for file in ["cmdline", "status", "stat"] {
            let (_dir, roots) = tree();
            let path = pid_file(&roots, file);
            mkfifo(&path);
            let _w = writer.then(|| idle_writer(&path));
            let what = format!("{file}, writer {writer}");
            within_deadline(&what, {
                let (roots, path) = (roots.clone(), path.clone());
                move || {
                    let host = Host::new(roots);
                    // A scan over the tree returns too, with the error as this process's
                    // item. (Attributes read from files only: the fixture's PID is no
                    // process of the kernel's, so system calls about it fail.)
                    let attrs = [
                        Attr::Name,
                        Attr::Cmdline,
                        Attr::Uids,
                        Attr::NumThreads,
                        Attr::Ppid,
                    ];
                    let items: Vec<_> = host.process_iter(Some(&attrs)).unwrap().collect();
                    assert_eq!(items.len(), 1, "{items:?}");
                    names(
                        items.into_iter().next().unwrap(),
                        &path,
                        "not a regular file (a FIFO)",
                    );
                    if file == "stat" {
                        names(host.process(PID), &path, "not a regular file (a FIFO)");
                        return;
                    }
                    let p = host.process(PID).unwrap();
                    assert_eq!(p.name().unwrap(), "fixture");
                    if file == "cmdline" {
                        names(p.cmdline(), &path, "not a regular file (a FIFO)");
                        assert_eq!(p.uids().unwrap().real, 1, "status is unaffected");
                    } else {
                        names(p.uids(), &path, "not a regular file (a FIFO)");
                        // num_threads outside a oneshot reads stat's field 20.
                        assert_eq!(p.num_threads().unwrap(), 1, "stat is unaffected");
                        assert_eq!(p.cmdline().unwrap(), ["fixture", "-v"], "cmdline is unaffected");
                    }
                }
            });
        }
    }
}

/// `cmdline -> /dev/zero` (and the other large files to endless devices): an error
/// naming the path after at most a megabyte or so, never an attempt to allocate the
/// device's "size".
#[test]
fn links_to_endless_devices() {
    for (file, dev) in [
        ("cmdline", "/dev/zero"),
        ("environ", "/dev/zero"),
        ("smaps_rollup", "/dev/urandom"),
        ("io", "/dev/zero"),
        ("status", "/dev/null"),
    ] {
        let (_dir, roots) = tree();
        let path = pid_file(&roots, file);
        replace_with_link(&path, dev);
        within_deadline(file, move || {
            let p = Host::new(roots).process(PID).unwrap();
            let r = match file {
                "cmdline" => p.cmdline().map(|_| ()),
                "environ" => p.environ().map(|_| ()),
                "smaps_rollup" => p.memory_footprint().map(|_| ()),
                "io" => p.io_counters().map(|_| ()),
                _ => p.uids().map(|_| ()),
            };
            let e = names(r, &path, "not a regular file (a character device)");
            assert_eq!(e.exception_name(), "OSError");
        });
    }
}

/// The same for the system-wide files: `/proc/stat` as a FIFO, `/proc/meminfo` and a
/// hwmon attribute linked to `/dev/zero`.
#[test]
fn system_files_that_are_not_files() {
    let (_dir, roots) = tree();
    let stat = roots.procfs.join("stat");
    mkfifo(&stat);
    let meminfo = roots.procfs.join("meminfo");
    replace_with_link(&meminfo, "/dev/zero");
    let temp = roots.sysfs.join("class/hwmon/hwmon0/temp1_input");
    replace_with_link(&temp, "/dev/zero");
    within_deadline("system files", move || {
        let host = Host::new(roots);
        names(host.boot_time(), &stat, "not a regular file (a FIFO)");
        names(host.cpu_times(), &stat, "not a regular file (a FIFO)");
        let p = host.process(PID).unwrap();
        names(p.create_time(), &stat, "not a regular file (a FIFO)");
        names(
            host.virtual_memory(),
            &meminfo,
            "not a regular file (a character device)",
        );
        // psutil skips a sensor whose input cannot be read; the others still come.
        match host.sensors_temperatures(false) {
            Ok(m) => assert!(m.values().all(|v| v.is_empty()), "{m:?}"),
            Err(e) => assert!(e.to_string().contains("temp1_input"), "{e}"),
        }
    });
}

/// A regular file larger than its kind's limit fails naming the path and the limit;
/// one exactly at the limit is read whole.
#[test]
fn regular_files_beyond_the_limit() {
    const LIMIT: usize = 8 << 20; // cmdline and environ
    let (_dir, roots) = tree();
    let path = pid_file(&roots, "cmdline");
    let mut at_limit = vec![b'a'; LIMIT];
    at_limit[LIMIT - 1] = 0;
    std::fs::write(&path, &at_limit).unwrap();
    let host = Host::new(roots.clone());
    let p = host.process(PID).unwrap();
    let args = p.cmdline().unwrap();
    assert_eq!(args.len(), 1);
    assert_eq!(args[0].len(), LIMIT - 1);
    at_limit.push(0);
    std::fs::write(&path, &at_limit).unwrap();
    names(p.cmdline(), &path, "larger than 8 MiB");
    // environ: a sparse file of a terabyte costs nothing either.
    let env = pid_file(&roots, "environ");
    std::fs::File::create(&env).unwrap().set_len(1 << 40).unwrap();
    let start = Instant::now();
    names(p.environ(), &env, "larger than 8 MiB");
    assert!(start.elapsed() < Duration::from_secs(10));
    // statm (a record file: 4 MiB).
    let statm = pid_file(&roots, "statm");
    std::fs::File::create(&statm)
        .unwrap()
        .set_len((4 << 20) + 1)
        .unwrap();
    names(p.memory_info(), &statm, "larger than 4 MiB");
}

/// A real process with a 1 MiB argument list: its command line comes back exactly,
/// through a single getter and through a scan.
#[test]
fn one_mebibyte_argument_list() {
    // 17 arguments of 64 KiB (one argument may have at most 128 KiB), each different.
    let args: Vec<String> = (0..17u8)
        .map(|i| {
            let c = char::from(b'a' + i);
            format!("{i}:{}", c.to_string().repeat(64 * 1024 - 3))
        })
        .collect();
    let total: usize = args.iter().map(|a| a.len() + 1).sum();
    assert!(total >= 1 << 20, "{total}");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("read x")
        .arg("sh")
        .args(&args)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut want: Vec<std::ffi::OsString> = vec!["sh".into(), "-c".into(), "read x".into(), "sh".into()];
    want.extend(args.into_iter().map(Into::into));
    let pid = child.id();
    let p = Process::new(pid).unwrap();
    // The shell may not have exec'ed yet: wait for its command line.
    let deadline = Instant::now() + Duration::from_secs(10);
    let got = loop {
        let got = p.cmdline().unwrap();
        if got == want || Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the 1 MiB command line differs");
    let read_by_hand = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert_eq!(
        read_by_hand.len(),
        want.iter().map(|a| a.len() + 1).sum::<usize>()
    );
    // Through a scan (the oneshot snapshot's buffer) as well.
    let host = Host::new(Roots::default());
    let mut seen = false;
    for item in host.process_iter(Some(&[Attr::Cmdline])).unwrap() {
        let Ok(q) = item else { continue };
        if q.pid() == pid {
            assert!(q.cmdline().unwrap() == want);
            seen = true;
        }
    }
    assert!(seen, "the child was not yielded");
    drop(child.stdin.take());
    child.wait().unwrap();
}
