//! `num_fds()` of the calling process, which psoxide answers from a descriptor of its
//! `fd` directory held by the handle (one `fstat`): the count follows every open and
//! close exactly, and a handle made before a `fork` still counts its own process (the
//! parent) when asked in the child, with the child's permissions: as root, a child
//! that became uid 65534 gets AccessDenied for its root parent, as a listing would.
//!
//! In its own binary: it counts this process's descriptors, which other tests opening
//! files at the same time would change, and it forks.

mod common;

use common::in_forked_child;
use psoxide::Process;

/// The tests of this binary count this process's descriptors: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The entries of `/proc/self/fd`, without the one the listing itself holds.
fn by_hand() -> u64 {
    let dir = std::fs::read_dir("/proc/self/fd").unwrap();
    dir.count() as u64 - 1
}

#[test]
fn own_num_fds_follows_opens_and_closes_and_stays_the_parents_after_fork() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let me = Process::current().unwrap();
    // The first call opens the held directory (one more descriptor), so the listing
    // by hand is made after it.
    me.num_fds().unwrap();
    let base = me.num_fds().unwrap();
    assert_eq!(base, by_hand());
    let files: Vec<std::fs::File> = (0..7)
        .map(|_| std::fs::File::open("/proc/self/stat").unwrap())
        .collect();
    assert_eq!(me.num_fds().unwrap(), base + 7);
    assert_eq!(me.num_fds().unwrap(), by_hand());
    drop(files);
    assert_eq!(me.num_fds().unwrap(), base);

    // In a child, the handle is the parent's: its count is the parent's, not the
    // child's (which opens three more descriptors first).
    let parent_count = me.num_fds().unwrap();
    let mut fds = [0; 2];
    // SAFETY: a valid array for pipe(2).
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let parent_with_pipe = parent_count + 2;
    // SAFETY: the child only makes system calls and psoxide's num_fds (which does not
    // allocate on this path) before _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // One more descriptor in the child only.
        let extra = std::fs::File::open("/dev/null");
        let answer = match (&extra, me.num_fds()) {
            (Ok(_), Ok(n)) => n,
            _ => u64::MAX,
        };
        let bytes = answer.to_ne_bytes();
        // SAFETY: the pipe's write end and a valid buffer.
        unsafe {
            libc::write(fds[1], bytes.as_ptr().cast(), bytes.len());
            libc::_exit(0);
        }
    }
    let mut bytes = [0u8; 8];
    // SAFETY: the read end and a valid buffer.
    let n = unsafe { libc::read(fds[0], bytes.as_mut_ptr().cast(), 8) };
    let mut status = 0;
    // SAFETY: our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    // SAFETY: both ends, not used after this.
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    assert_eq!(n, 8);
    let child_saw = u64::from_ne_bytes(bytes);
    // While the child asked, the parent held both ends of the pipe.
    assert_eq!(
        child_saw, parent_with_pipe,
        "the child counted its own descriptors"
    );
    assert_eq!(me.num_fds().unwrap(), parent_count);
}

/// In a child that switched to uid 65534, `num_fds()` of the (root) parent through a
/// handle made, and used, before the fork: AccessDenied, as psutil's listing gets.
#[test]
fn a_forked_child_gets_its_own_permissions() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            std::env::var_os("CI").is_none(),
            "not root: CI runs every check as root"
        );
        println!("skip: switching to uid 65534 needs root (euid is not 0)");
        return;
    }
    let me = Process::current().unwrap();
    assert!(me.num_fds().unwrap() >= 3);
    let code = in_forked_child(|| {
        // SAFETY: plain system calls in the child.
        let switched = unsafe { libc::setgid(65534) == 0 && libc::setuid(65534) == 0 };
        match (switched, me.num_fds()) {
            (false, _) => 3,
            (true, Err(e)) if e.exception_name() == "AccessDenied" => 0,
            (true, Err(_)) => 1,
            (true, Ok(_)) => 2,
        }
    });
    let what = ["AccessDenied", "another error", "a count", "setuid failed"];
    assert_eq!(
        code,
        0,
        "the child got {}",
        what.get(code as usize).unwrap_or(&"nothing")
    );
}
