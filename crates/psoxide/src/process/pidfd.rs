//! Process file descriptors (Linux 5.3+): `pidfd_open`, `pidfd_send_signal` and
//! `poll` on a pidfd, through raw syscalls so that no libc wrapper is needed.

use crate::error::Pid;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether `pidfd_open` works here; probed once on the calling process, as psutil
/// does. `EMFILE`/`ENFILE` are transient and count as support; anything else
/// (`ENOSYS` on old kernels, `EPERM`/`EACCES` from a seccomp policy) means no.
pub(super) fn supported() -> bool {
    static PROBE: OnceLock<bool> = OnceLock::new();
    *PROBE.get_or_init(|| match open(std::process::id()) {
        Ok(_fd) => true,
        Err(e) => matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE)),
    })
}

/// `pidfd_open(pid, 0)`: a descriptor that refers to the process owning `pid` now
/// (close-on-exec is implied by the kernel).
pub(super) fn open(pid: Pid) -> io::Result<OwnedFd> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: pidfd_open takes two integers and returns a new descriptor or -1.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0 as libc::c_uint) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = libc::c_int::try_from(r).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: the kernel just returned this descriptor and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `pidfd_send_signal(fd, sig, NULL, 0)`.
pub(super) fn send_signal(fd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: a valid descriptor, a signal number, a NULL siginfo and no flags.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0 as libc::c_uint,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Milliseconds for `poll()` until `deadline`, rounded up (so a wait never ends
/// before its deadline), at most `cap`; -1 (forever) without either.
fn poll_ms(deadline: Option<Instant>, cap: Option<Duration>) -> libc::c_int {
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
            libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
        }
    }
}

/// Polls `fd` for `events` once, for at most `cap` and never past `deadline`;
/// returns the `revents` (0 when nothing happened). `EINTR` restarts the poll with
/// the time left.
pub(super) fn poll_once(
    fd: BorrowedFd<'_>,
    events: libc::c_short,
    deadline: Option<Instant>,
    cap: Option<Duration>,
) -> io::Result<libc::c_short> {
    loop {
        let mut p = libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        };
        let ms = poll_ms(deadline, cap);
        // SAFETY: one valid pollfd structure.
        let r = unsafe { libc::poll(&mut p, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok(if r == 0 { 0 } else { p.revents });
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
        assert_eq!(
            poll_ms(None, Some(Duration::from_secs(u64::MAX))),
            libc::c_int::MAX
        );
    }

    #[test]
    fn own_pidfd() {
        if !supported() {
            println!("skip: pidfd_open is not available on this kernel");
            return;
        }
        let fd = open(std::process::id()).unwrap();
        // Signal 0 checks deliverability only.
        send_signal(std::os::fd::AsFd::as_fd(&fd), 0).unwrap();
        // We are alive: not readable.
        let r = poll_once(
            std::os::fd::AsFd::as_fd(&fd),
            libc::POLLIN,
            Some(Instant::now()),
            None,
        )
        .unwrap();
        assert_eq!(r, 0);
        assert!(open(0).is_err());
        assert_eq!(open(u32::MAX).unwrap_err().raw_os_error(), Some(libc::ESRCH));
    }
}
