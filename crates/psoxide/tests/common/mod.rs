//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The Python interpreter that has real psutil installed, for live comparisons:
/// `$PSOXIDE_PYTHON`, else the repository's `.venv/bin/python` (made by
/// `scripts/test.sh`), else `/tmp/v/bin/python`. The caller checks that it exists.
#[allow(dead_code)]
pub fn psutil_python() -> String {
    if let Some(p) = std::env::var_os("PSOXIDE_PYTHON") {
        return p.to_string_lossy().into_owned();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    "/tmp/v/bin/python".to_string()
}

/// Runs this test binary's ignored test `helper`, alone, as uid and gid 65534 with the
/// environment variable `env` set, asserts that it passed, and returns its standard
/// output. `None` (after printing why) when the switch is impossible: the tests do not
/// run as root, or the binary cannot be started as that user.
#[allow(dead_code)]
pub fn run_helper_as_nobody(helper: &str, env: (&str, &std::ffi::OsStr)) -> Option<String> {
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            std::env::var_os("CI").is_none(),
            "not root: CI runs every check as root"
        );
        println!("skip: switching to uid 65534 needs root (euid is not 0)");
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(&exe)
        .args(["--exact", helper, "--ignored", "--nocapture", "--test-threads=1"])
        .env(env.0, env.1)
        .uid(65534)
        .gid(65534)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "cannot run the helper as uid 65534 under CI: {e}"
            );
            println!("skip: cannot run {} as uid 65534: {e}", exe.display());
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}

/// Fails unless `r` is an error whose text names `path` and says `what`; returns it.
#[allow(dead_code)]
#[track_caller]
pub fn err_naming<T: std::fmt::Debug>(
    r: Result<T, psoxide::Error>,
    path: &std::path::Path,
    what: &str,
) -> psoxide::Error {
    match r {
        Ok(v) => panic!("expected an error naming {path:?} and {what:?}, got Ok({v:?})"),
        Err(e) => {
            let s = e.to_string();
            assert!(
                s.contains(&path.display().to_string()),
                "{s} does not name {path:?}"
            );
            assert!(s.contains(what), "{s} does not say {what:?}");
            e
        }
    }
}

/// Descriptors of this process that are pidfds, counted by hand in `/proc/self/fd`.
#[allow(dead_code)]
pub fn pidfds_open() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| t.as_os_str() == "anon_inode:[pidfd]")
        .count()
}

/// Whether pidfd_open(2) works here, for a check that needs it: when it does not, the
/// check fails under `CI` (where every check must run) and otherwise prints why it is
/// skipped (`without`: what the check would have had nothing to look at).
#[allow(dead_code)]
pub fn pidfds_or_skip(without: &str) -> bool {
    if kernel_has_pidfds() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "pidfd_open unavailable: CI runs every check"
    );
    println!("SKIPPED: this kernel has no pidfd_open, so {without}");
    false
}

/// pidfd_open(2) works here (Linux 5.3+).
#[allow(dead_code)]
pub fn kernel_has_pidfds() -> bool {
    // SAFETY: a plain syscall; the returned descriptor is closed at once.
    unsafe {
        let fd = libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0);
        if fd >= 0 {
            libc::close(fd as i32);
        }
        fd >= 0
    }
}

/// Runs `child` in a forked child of this process and returns the byte it computed
/// (sent through a pipe; the child then `_exit`s, and 255 stands for a panic in it).
/// For checks that need another process sharing this one's descriptors and handles.
/// The caller makes sure that no other thread of the test binary is running meanwhile
/// (it could hold a lock, the allocator's, that the child then waits for forever).
#[allow(dead_code)]
pub fn in_forked_child(child: impl FnOnce() -> u8) -> u8 {
    let mut fds = [0; 2];
    // SAFETY: a valid array for pipe(2).
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: see the doc; the child only runs `child` and exits with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(255);
        // SAFETY: the pipe's write end and a valid buffer; _exit ends the child
        // without running the parent's test harness.
        unsafe {
            libc::write(fds[1], [code].as_ptr().cast(), 1);
            libc::_exit(0);
        }
    }
    let mut code = [0u8];
    // SAFETY: the read end and a valid buffer; our child; both ends unused after.
    let n = unsafe {
        let n = libc::read(fds[0], code.as_mut_ptr().cast(), 1);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        libc::close(fds[0]);
        libc::close(fds[1]);
        n
    };
    assert_eq!(n, 1, "the child sent no answer");
    code[0]
}

/// Sets this process's soft descriptor limit to `soft`, or to the hard limit if that
/// is lower (a process without `CAP_SYS_RESOURCE` cannot go above it).
#[allow(dead_code)]
pub fn set_nofile(soft: u64) {
    use psoxide::{Process, Rlimit, RlimitValue};
    let me = Process::current().unwrap();
    let (_, hard) = me.rlimit(Rlimit::Nofile).unwrap();
    let soft = match hard {
        RlimitValue::Limited(h) => soft.min(h),
        RlimitValue::Infinity => soft,
    };
    me.set_rlimit(Rlimit::Nofile, RlimitValue::Limited(soft), hard)
        .unwrap();
}
