//! Process file descriptors (Linux 5.3+): whether they work here, and polling one
//! until a deadline. The system calls are in [`crate::sys::process`].

use crate::sys::errno::OsErr;
use crate::sys::process::{pidfd_works, poll_one, PollFlags};
use std::io;
use std::os::fd::BorrowedFd;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether `pidfd_open` works here; probed once on the calling process, as psutil
/// does (see [`pidfd_works`] for which errors count as support).
pub(super) fn supported() -> bool {
    static PROBE: OnceLock<bool> = OnceLock::new();
    *PROBE.get_or_init(pidfd_works)
}

/// Milliseconds for `poll()` until `deadline`, rounded up (so a wait never ends
/// before its deadline), at most `cap`; -1 (forever) without either.
fn poll_ms(deadline: Option<Instant>, cap: Option<Duration>) -> i32 {
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let span = match (left, cap) {
        (Some(l), Some(c)) => Some(l.min(c)),
        (Some(l), None) => Some(l),
        (None, c) => c,
    };
    match span {
        None => -1,
        Some(s) => {
            let ms = s.as_nanos().div_ceil(1_000_000);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    }
}

/// Polls `fd` for `events` once, for at most `cap` and never past `deadline`;
/// returns the `revents` (empty when nothing happened). `EINTR` restarts the poll with
/// the time left.
pub(super) fn poll_once(
    fd: BorrowedFd<'_>,
    events: PollFlags,
    deadline: Option<Instant>,
    cap: Option<Duration>,
) -> io::Result<PollFlags> {
    loop {
        match poll_one(fd, events, poll_ms(deadline, cap)) {
            Err(e) if OsErr::of(&e) == OsErr::Interrupted => continue,
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_ms_rounds_up_and_caps() {
        assert_eq!(poll_ms(None, None), -1);
        assert_eq!(poll_ms(None, Some(Duration::from_micros(100))), 1);
        assert_eq!(poll_ms(None, Some(Duration::from_millis(40))), 40);
        let past = Instant::now();
        assert_eq!(poll_ms(Some(past), None), 0);
        let far = Instant::now() + Duration::from_secs(10);
        let ms = poll_ms(Some(far), None);
        assert!((9_990..=10_000).contains(&ms), "{ms}");
        assert_eq!(poll_ms(Some(far), Some(Duration::from_millis(3))), 3);
        assert_eq!(poll_ms(None, Some(Duration::from_secs(u64::MAX))), i32::MAX);
    }

    #[test]
    fn own_pidfd() {
        if !supported() {
            assert!(std::env::var_os("CI").is_none(), "pidfd_open unavailable: CI runs every check");
            println!("skip: pidfd_open is not available on this kernel");
            return;
        }
        let fd = crate::sys::process::pidfd_open(std::process::id()).unwrap();
        // We are alive: not readable.
        let r = poll_once(
            std::os::fd::AsFd::as_fd(&fd),
            PollFlags::IN,
            Some(Instant::now()),
            None,
        )
        .unwrap();
        assert!(r.is_empty());
    }
}
