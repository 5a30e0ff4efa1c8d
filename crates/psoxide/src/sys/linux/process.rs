//! System calls about one process: signals, pidfds, `waitpid`, the nice value, the
//! I/O priority, resource limits, CPU affinity; and the user database's name of a UID.
//!
//! On rustix, except where it has no API; those calls go through libc, each listed
//! (with why) in docs/decisions.md, "libc uses under sys/linux (process)":
//! `ioprio_get`/`ioprio_set`, signals rustix's `Signal` cannot carry, the `prlimit`
//! read, `sched_getaffinity`/`sched_setaffinity` with masks of any size, and
//! `getpwuid_r`.
//!
//! PIDs are psoxide's `u32`. The calls that name one process refuse 0 with `EINVAL`
//! (the kernel would read it as "the caller" or "the caller's process group") and a
//! PID above the kernel's `pid_t` range with `ESRCH` (no process can have it).

use super::errno::from_raw;
use crate::error::Pid;
use rustix::io::Errno;
use rustix::process::{Resource, Signal, WaitOptions};
use std::ffi::CStr;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

pub(crate) use rustix::event::PollFlags;

/// `SIGSTOP`.
pub(crate) const SIGSTOP: i32 = Signal::STOP.as_raw();
/// `SIGCONT`.
pub(crate) const SIGCONT: i32 = Signal::CONT.as_raw();
/// `SIGTERM`.
pub(crate) const SIGTERM: i32 = Signal::TERM.as_raw();
/// `SIGKILL`.
pub(crate) const SIGKILL: i32 = Signal::KILL.as_raw();

/// `IOPRIO_WHO_PROCESS` of `<linux/ioprio.h>`.
const IOPRIO_WHO_PROCESS: libc::c_long = 1;

/// The kernel's PID for `pid` (see the module docs for 0 and out-of-range PIDs).
fn kernel_pid(pid: Pid) -> io::Result<rustix::process::Pid> {
    let raw = i32::try_from(pid).map_err(|_| from_raw(Errno::SRCH))?;
    rustix::process::Pid::from_raw(raw).ok_or_else(|| from_raw(Errno::INVAL))
}

/// The system calls of this file that take integers only (no pointer to our memory),
/// which rustix does not wrap or cannot wrap for every argument.
enum IntCall<'a> {
    /// `kill(pid, sig)`.
    Kill { pid: i32, sig: i32 },
    /// `pidfd_send_signal(fd, sig, NULL, 0)`.
    PidfdSendSignal { fd: BorrowedFd<'a>, sig: i32 },
    /// `ioprio_get(IOPRIO_WHO_PROCESS, pid)`.
    IoprioGet { pid: i32 },
    /// `ioprio_set(IOPRIO_WHO_PROCESS, pid, prio)`.
    IoprioSet { pid: i32, prio: i32 },
}

/// Makes one [`IntCall`]; its non-negative result, or the errno.
fn int_call(call: IntCall<'_>) -> io::Result<i64> {
    let (nr, args): (libc::c_long, [libc::c_long; 3]) = match call {
        IntCall::Kill { pid, sig } => (libc::SYS_kill, [pid.into(), sig.into(), 0]),
        IntCall::PidfdSendSignal { fd, sig } => (
            libc::SYS_pidfd_send_signal,
            [fd.as_raw_fd().into(), sig.into(), 0],
        ),
        IntCall::IoprioGet { pid } => (libc::SYS_ioprio_get, [IOPRIO_WHO_PROCESS, pid.into(), 0]),
        IntCall::IoprioSet { pid, prio } => (
            libc::SYS_ioprio_set,
            [IOPRIO_WHO_PROCESS, pid.into(), prio.into()],
        ),
    };
    // SAFETY: each of these system calls takes integers only (the third argument of
    // pidfd_send_signal, its siginfo pointer, is NULL, and its flags, the fourth, 0),
    // so the kernel reads and writes no memory of ours; a descriptor passed is
    // borrowed, hence open for the whole call.
    let r = unsafe { libc::syscall(nr, args[0], args[1], args[2], 0 as libc::c_long) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::useless_conversion)] // `c_long` is `i32` on 32-bit targets
    let r = i64::from(r);
    Ok(r)
}

/// `kill(pid, sig)`: signal 0 only checks that `pid` exists and may be signalled. Any
/// number is passed to the kernel, which refuses invalid ones with `EINVAL`.
pub(crate) fn kill(pid: Pid, sig: i32) -> io::Result<()> {
    let p = kernel_pid(pid)?;
    if sig == 0 {
        return Ok(rustix::process::test_kill_process(p)?);
    }
    // rustix's `Signal` carries the named signals only (real-time signals and
    // invalid numbers may not be made into one): the others go through libc.
    match Signal::from_named_raw(sig) {
        Some(s) => Ok(rustix::process::kill_process(p, s)?),
        None => int_call(IntCall::Kill {
            pid: p.as_raw_nonzero().get(),
            sig,
        })
        .map(drop),
    }
}

/// `pidfd_open(pid, 0)`: a descriptor that refers to the process owning `pid` now
/// (close-on-exec is implied by the kernel).
pub(crate) fn pidfd_open(pid: Pid) -> io::Result<OwnedFd> {
    let p = kernel_pid(pid)?;
    Ok(rustix::process::pidfd_open(
        p,
        rustix::process::PidfdFlags::empty(),
    )?)
}

/// Whether `pidfd_open` works here, tried on the calling process. `EMFILE`/`ENFILE`
/// are transient and count as yes; anything else (`ENOSYS` on old kernels,
/// `EPERM`/`EACCES` from a seccomp policy) means no.
pub(crate) fn pidfd_works() -> bool {
    match pidfd_open(std::process::id()) {
        Ok(_fd) => true,
        Err(e) => matches!(Errno::from_io_error(&e), Some(Errno::MFILE | Errno::NFILE)),
    }
}

/// `struct pidfd_info` as `PIDFD_GET_INFO` (Linux 6.13) fills it: the first version
/// of the structure (`PIDFD_INFO_SIZE_VER0`, 64 bytes). Later kernels append fields
/// and copy only the size the caller names, so this layout stays valid.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PidfdInfo {
    /// Which groups of fields the kernel filled (`PIDFD_INFO_*`).
    pub(crate) mask: u64,
    /// The cgroup v2 ID (with `PIDFD_INFO_CGROUPID`).
    pub(crate) cgroupid: u64,
    /// PID, thread-group ID and parent PID, in the caller's PID namespace.
    pub(crate) pid: u32,
    pub(crate) tgid: u32,
    pub(crate) ppid: u32,
    /// Real, effective, saved and file-system user and group IDs, in the caller's
    /// user namespace (with `PIDFD_INFO_CREDS`).
    pub(crate) ruid: u32,
    pub(crate) rgid: u32,
    pub(crate) euid: u32,
    pub(crate) egid: u32,
    pub(crate) suid: u32,
    pub(crate) sgid: u32,
    pub(crate) fsuid: u32,
    pub(crate) fsgid: u32,
    /// The exit status of a reaped process (with `PIDFD_INFO_EXIT`, Linux 6.15).
    pub(crate) exit_code: i32,
}

/// `PIDFD_INFO_PID`: `pid`, `tgid`, `ppid` (always returned).
pub(crate) const PIDFD_INFO_PID: u64 = 1;
/// `PIDFD_INFO_CREDS`: the user and group IDs (always returned).
pub(crate) const PIDFD_INFO_CREDS: u64 = 1 << 1;

const _: () = assert!(std::mem::size_of::<PidfdInfo>() == 64);

/// `PIDFD_GET_INFO`: `_IOWR(0xFF, 11, struct pidfd_info)`.
const PIDFD_GET_INFO: rustix::ioctl::Opcode = rustix::ioctl::opcode::read_write::<PidfdInfo>(0xFF, 11);

/// `ioctl(pidfd, PIDFD_GET_INFO)` asking for `mask`: the IDs and parent of the
/// process `fd` refers to, in one call and without reading `/proc`. Errors: `ESRCH`
/// once the process is reaped, `ENOTTY`/`EINVAL` on kernels without the ioctl
/// (before 6.13).
pub(crate) fn pidfd_info(fd: BorrowedFd<'_>, mask: u64) -> io::Result<PidfdInfo> {
    let mut info = PidfdInfo {
        mask,
        ..PidfdInfo::default()
    };
    // SAFETY: PIDFD_GET_INFO reads `mask` from and writes at most
    // `size_of::<PidfdInfo>()` bytes (the size encoded in the opcode) into one
    // `struct pidfd_info`, whose first version `PidfdInfo` reproduces field for field
    // (64 bytes, checked above); every bit pattern is valid for its integer fields.
    unsafe {
        rustix::ioctl::ioctl(
            fd,
            rustix::ioctl::Updater::<PIDFD_GET_INFO, PidfdInfo>::new(&mut info),
        )
    }?;
    Ok(info)
}

/// `pidfd_send_signal(fd, sig, NULL, 0)`: signal 0 only checks deliverability; any
/// number is passed to the kernel, as for [`kill`].
pub(crate) fn pidfd_send_signal(fd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    match Signal::from_named_raw(sig) {
        Some(s) => Ok(rustix::process::pidfd_send_signal(fd, s)?),
        None => int_call(IntCall::PidfdSendSignal { fd, sig }).map(drop),
    }
}

/// Whether the process `fd` refers to is not reaped yet (running or a zombie), asked
/// with `pidfd_send_signal(fd, 0)`: success or `EPERM` (it exists, we may not signal
/// it) is yes, `ESRCH` no. While it is not reaped its PID cannot be given to another
/// process, which is what makes a held pidfd an exact identity.
pub(crate) fn pidfd_alive(fd: BorrowedFd<'_>) -> io::Result<bool> {
    // Signal 0 is no `Signal` of rustix's: the raw call.
    match int_call(IntCall::PidfdSendSignal { fd, sig: 0 }) {
        Ok(_) => Ok(true),
        Err(e) => match Errno::from_io_error(&e) {
            Some(Errno::PERM) => Ok(true),
            Some(Errno::SRCH) => Ok(false),
            _ => Err(e),
        },
    }
}

/// The soft limit on open descriptors of the calling process (`RLIMIT_NOFILE`);
/// `None` when unlimited.
pub(crate) fn nofile_soft_limit() -> Option<u64> {
    rustix::process::getrlimit(Resource::Nofile).current
}

/// `waitid(P_PIDFD, fd, WEXITED [| WNOHANG])`, restarted on `EINTR`: reaps exactly the
/// process `fd` refers to when it is our child and has ended, giving its wait status
/// word in `waitpid`'s encoding (exit code << 8, or the signal number with 0x80 when
/// it dumped core).
pub(crate) fn waitid_pidfd(fd: BorrowedFd<'_>, nohang: bool) -> io::Result<WaitResult> {
    use rustix::process::{WaitId, WaitIdOptions};
    let mut opts = WaitIdOptions::EXITED;
    if nohang {
        opts |= WaitIdOptions::NOHANG;
    }
    loop {
        match rustix::process::waitid(WaitId::PidFd(fd), opts) {
            Ok(None) => return Ok(WaitResult::Running),
            Ok(Some(st)) => {
                let word = if let Some(code) = st.exit_status() {
                    (code & 0xff) << 8
                } else if let Some(sig) = st.terminating_signal() {
                    (sig & 0x7f) | if st.dumped() { 0x80 } else { 0 }
                } else {
                    // WNOHANG and nothing to report: si_pid is 0, which rustix gives
                    // as a status of neither kind.
                    return Ok(WaitResult::Running);
                };
                return Ok(WaitResult::Status(word));
            }
            Err(Errno::INTR) => continue,
            Err(Errno::CHILD) => return Ok(WaitResult::NotChild),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Polls `fd` once for `events`, at most `timeout_ms` milliseconds (-1: no limit);
/// the `revents`, empty when the time ran out. `EINTR` is returned, for the caller to
/// poll again with the time left.
pub(crate) fn poll_one(fd: BorrowedFd<'_>, events: PollFlags, timeout_ms: i32) -> io::Result<PollFlags> {
    let mut fds = [rustix::event::PollFd::from_borrowed_fd(fd, events)];
    let timeout = u32::try_from(timeout_ms).ok().map(|ms| rustix::event::Timespec {
        tv_sec: i64::from(ms / 1000),
        tv_nsec: i64::from(ms % 1000) * 1_000_000,
    });
    let n = rustix::event::poll(&mut fds, timeout.as_ref())?;
    Ok(if n == 0 {
        PollFlags::empty()
    } else {
        fds[0].revents()
    })
}

/// What [`waitpid`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitResult {
    /// Our child ended and is now reaped: its wait status word.
    Status(i32),
    /// Our child is still running (only with `nohang`).
    Running,
    /// Not a child of the calling process (`ECHILD`), or already reaped.
    NotChild,
}

/// `waitpid(pid, WNOHANG or 0)`, restarted on `EINTR`.
pub(crate) fn waitpid(pid: Pid, nohang: bool) -> io::Result<WaitResult> {
    let p = kernel_pid(pid)?;
    let opts = if nohang {
        WaitOptions::NOHANG
    } else {
        WaitOptions::empty()
    };
    loop {
        match rustix::process::waitpid(Some(p), opts) {
            Ok(Some((_, status))) => return Ok(WaitResult::Status(status.as_raw())),
            Ok(None) => return Ok(WaitResult::Running),
            Err(Errno::INTR) => continue,
            Err(Errno::CHILD) => return Ok(WaitResult::NotChild),
            Err(e) => return Err(e.into()),
        }
    }
}

/// The nice value of `pid`, -20 to 19 (`getpriority(PRIO_PROCESS)`); 0 means the
/// calling process, as for the system call.
pub(crate) fn getpriority(pid: Pid) -> io::Result<i32> {
    let p = if pid == 0 { None } else { Some(kernel_pid(pid)?) };
    Ok(rustix::process::getpriority_process(p)?)
}

/// `setpriority(PRIO_PROCESS, pid, value)`.
pub(crate) fn setpriority(pid: Pid, value: i32) -> io::Result<()> {
    Ok(rustix::process::setpriority_process(
        Some(kernel_pid(pid)?),
        value,
    )?)
}

/// The raw I/O priority of `pid` (`ioprio_get(IOPRIO_WHO_PROCESS)`): class << 13 |
/// level.
pub(crate) fn ioprio_get(pid: Pid) -> io::Result<i64> {
    let pid = kernel_pid(pid)?.as_raw_nonzero().get();
    int_call(IntCall::IoprioGet { pid })
}

/// `ioprio_set(IOPRIO_WHO_PROCESS, pid, prio)`.
pub(crate) fn ioprio_set(pid: Pid, prio: i32) -> io::Result<()> {
    let pid = kernel_pid(pid)?.as_raw_nonzero().get();
    int_call(IntCall::IoprioSet { pid, prio }).map(drop)
}

/// `(soft, hard)` limits of the resource numbered `resource` (`RLIMIT_*`) of `pid`,
/// in the kernel's 64-bit form (`u64::MAX` is infinity): `prlimit(pid, resource, NULL,
/// &old)`.
pub(crate) fn prlimit_get(pid: Pid, resource: i32) -> io::Result<(u64, u64)> {
    let pid = kernel_pid(pid)?.as_raw_nonzero().get();
    let mut old = libc::rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit64 with a NULL new limit reads no memory of ours and writes one
    // rlimit64 through the last pointer, which points at `old`.
    let r = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            pid,
            resource,
            std::ptr::null::<libc::rlimit64>(),
            &mut old as *mut libc::rlimit64,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((old.rlim_cur, old.rlim_max))
}

/// Every resource rustix names, to find one by its number.
const RESOURCES: [Resource; 16] = [
    Resource::Cpu,
    Resource::Fsize,
    Resource::Data,
    Resource::Stack,
    Resource::Core,
    Resource::Rss,
    Resource::Nproc,
    Resource::Nofile,
    Resource::Memlock,
    Resource::As,
    Resource::Locks,
    Resource::Sigpending,
    Resource::Msgqueue,
    Resource::Nice,
    Resource::Rtprio,
    Resource::Rttime,
];

/// Sets the limits of the resource numbered `resource` of `pid` to `(soft, hard)`
/// (`u64::MAX` is infinity): `prlimit(pid, resource, &new, ..)`. `EINVAL` for a
/// resource number the kernel does not have.
pub(crate) fn prlimit_set(pid: Pid, resource: i32, soft: u64, hard: u64) -> io::Result<()> {
    let p = kernel_pid(pid)?;
    let res = RESOURCES
        .into_iter()
        .find(|r| *r as i64 == i64::from(resource))
        .ok_or(Errno::INVAL)?;
    let limit = |v: u64| (v != u64::MAX).then_some(v);
    let new = rustix::process::Rlimit {
        current: limit(soft),
        maximum: limit(hard),
    };
    rustix::process::prlimit(Some(p), res, new)?;
    Ok(())
}

/// `sched_getaffinity(pid)` into `mask` (bit n of the mask's bytes, in the kernel's
/// word order, is CPU n): the number of bytes the kernel wrote (the size of its CPU
/// mask). `EINVAL` when `mask` is smaller than that.
pub(crate) fn sched_getaffinity(pid: Pid, mask: &mut [u64]) -> io::Result<usize> {
    let pid = kernel_pid(pid)?.as_raw_nonzero().get();
    let bytes = std::mem::size_of_val(mask);
    // SAFETY: the kernel writes at most `bytes` bytes through the pointer, and `mask`
    // is valid for writing that many.
    let r = unsafe { libc::syscall(libc::SYS_sched_getaffinity, pid, bytes, mask.as_mut_ptr()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((r as usize).min(bytes))
}

/// `sched_setaffinity(pid)` to `mask` (as for [`sched_getaffinity`]).
pub(crate) fn sched_setaffinity(pid: Pid, mask: &[u64]) -> io::Result<()> {
    let pid = kernel_pid(pid)?.as_raw_nonzero().get();
    let bytes = std::mem::size_of_val(mask);
    // SAFETY: the kernel reads at most `bytes` bytes through the pointer, and `mask`
    // holds that many.
    let r = unsafe { libc::syscall(libc::SYS_sched_setaffinity, pid, bytes, mask.as_ptr()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Largest buffer tried for one user database entry.
const PASSWD_BUF_MAX: usize = 1 << 20;

/// The user name of `uid` in the user database (`getpwuid_r`, so NSS sources are
/// honoured); `None` when it has no entry or the lookup fails.
pub(crate) fn user_name(uid: u32) -> Option<Vec<u8>> {
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        let mut pw = MaybeUninit::<libc::passwd>::uninit();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `pw`, `buf` (of `buf.len()` bytes) and `result` are valid for writes
        // during the call. On success getpwuid_r sets `result` to `pw`, filled, whose
        // strings point into `buf`; otherwise it leaves `result` NULL. So `pw_name` is
        // read only from a filled entry, and it is then a NUL-terminated string inside
        // `buf`, which outlives this block (the name is copied before it ends).
        let r = unsafe {
            let rc = libc::getpwuid_r(uid, pw.as_mut_ptr(), buf.as_mut_ptr(), buf.len(), &mut result);
            match rc {
                0 if result.is_null() || (*result).pw_name.is_null() => Ok(None),
                0 => Ok(Some(CStr::from_ptr((*result).pw_name).to_bytes().to_vec())),
                rc => Err(rc),
            }
        };
        match r {
            Err(libc::ERANGE) if buf.len() < PASSWD_BUF_MAX => buf.resize(buf.len() * 2, 0),
            Err(_) => return None,
            Ok(name) => return name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(ppid, [real, effective, saved, fs] uids, the same gids)` from `PID/status`.
    fn status_ids(pid: u32) -> Option<(u32, [u32; 4], [u32; 4])> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).map(str::trim);
        let ids = |key: &str| -> Option<[u32; 4]> {
            let v: Vec<u32> = line(key)?.split_whitespace().map(|x| x.parse().unwrap()).collect();
            v.try_into().ok()
        };
        Some((line("PPid:")?.parse().ok()?, ids("Uid:")?, ids("Gid:")?))
    }

    #[test]
    fn pidfd_info_matches_status_for_every_process() {
        let probe = pidfd_open(std::process::id()).unwrap();
        match pidfd_info(probe.as_fd(), PIDFD_INFO_PID | PIDFD_INFO_CREDS) {
            Ok(_) => {}
            Err(e) if std::env::var_os("CI").is_none() => {
                println!("skip: PIDFD_GET_INFO unavailable here ({e}); needs Linux 6.13");
                return;
            }
            Err(e) => panic!("PIDFD_GET_INFO failed on this kernel: {e}"),
        }
        // A child with IDs of its own (as root), so that the IDs compared are not all 0.
        let child = (rustix::process::geteuid().is_root()).then(|| {
            use std::os::unix::process::CommandExt;
            std::process::Command::new("sleep").arg("30").uid(65534).gid(65533).spawn().unwrap()
        });
        if let Some(c) = &child {
            let fd = pidfd_open(c.id()).unwrap();
            let i = pidfd_info(fd.as_fd(), PIDFD_INFO_PID | PIDFD_INFO_CREDS).unwrap();
            assert_eq!((i.pid, i.ppid), (c.id(), std::process::id()));
            assert_eq!([i.ruid, i.euid, i.suid, i.fsuid], [65534; 4]);
            assert_eq!([i.rgid, i.egid, i.sgid, i.fsgid], [65533; 4]);
        } else {
            println!("not root: no child with other IDs, only the processes as they are");
        }
        let mut compared = 0;
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            // A process may exit or change IDs between the reads: compare when the
            // status read before and after agree.
            let Ok(fd) = pidfd_open(pid) else { continue };
            let before = status_ids(pid);
            let info = match pidfd_info(fd.as_fd(), PIDFD_INFO_PID | PIDFD_INFO_CREDS) {
                Ok(i) => i,
                Err(e) if Errno::from_io_error(&e) == Some(Errno::SRCH) => continue,
                Err(e) => panic!("pid {pid}: {e}"),
            };
            let after = status_ids(pid);
            let (Some(b), Some(a)) = (before, after) else { continue };
            if a != b {
                continue;
            }
            assert!(info.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS) == PIDFD_INFO_PID | PIDFD_INFO_CREDS);
            assert_eq!((info.pid, info.tgid), (pid, pid), "pid {pid}");
            assert_eq!(info.ppid, b.0, "pid {pid}: ppid");
            assert_eq!([info.ruid, info.euid, info.suid, info.fsuid], b.1, "pid {pid}: uids");
            assert_eq!([info.rgid, info.egid, info.sgid, info.fsgid], b.2, "pid {pid}: gids");
            compared += 1;
        }
        if let Some(mut c) = child {
            c.kill().unwrap();
            c.wait().unwrap();
        }
        assert!(compared > 10, "only {compared} processes compared");
    }
    use std::os::fd::AsFd;
    use std::process::Command;

    fn errno(e: &io::Error) -> Option<Errno> {
        Errno::from_io_error(e)
    }

    #[test]
    fn pids_outside_the_kernel_range() {
        assert_eq!(errno(&pidfd_open(0).unwrap_err()), Some(Errno::INVAL));
        assert_eq!(errno(&pidfd_open(u32::MAX).unwrap_err()), Some(Errno::SRCH));
        assert_eq!(errno(&kill(1 << 31, 0).unwrap_err()), Some(Errno::SRCH));
        assert_eq!(errno(&kill(0, 0).unwrap_err()), Some(Errno::INVAL));
        // 0 is the caller for getpriority, as for the system call.
        assert_eq!(getpriority(0).unwrap(), getpriority(std::process::id()).unwrap());
    }

    #[test]
    fn own_pidfd_and_signals() {
        let me = std::process::id();
        kill(me, 0).unwrap();
        // No such signal: the kernel says EINVAL, whichever path the number takes.
        assert_eq!(errno(&kill(me, 999).unwrap_err()), Some(Errno::INVAL));
        assert_eq!(errno(&kill(me, -1).unwrap_err()), Some(Errno::INVAL));
        if !pidfd_works() {
            assert!(std::env::var_os("CI").is_none(), "pidfd_open unavailable: CI runs every check");
            println!("skip: pidfd_open is not available on this kernel");
            return;
        }
        let fd = pidfd_open(me).unwrap();
        pidfd_send_signal(fd.as_fd(), 0).unwrap();
        assert_eq!(
            errno(&pidfd_send_signal(fd.as_fd(), 999).unwrap_err()),
            Some(Errno::INVAL)
        );
        // We are alive: not readable.
        assert!(poll_one(fd.as_fd(), PollFlags::IN, 0).unwrap().is_empty());
    }

    #[test]
    #[allow(clippy::zombie_processes)]
    fn signals_and_waits_on_a_child() {
        // A named signal through rustix, seen by waitpid.
        let c = Command::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(waitpid(c.id(), true).unwrap(), WaitResult::Running);
        kill(c.id(), libc::SIGTERM).unwrap();
        let WaitResult::Status(s) = waitpid(c.id(), false).unwrap() else {
            panic!("not reaped")
        };
        assert!(libc::WIFSIGNALED(s) && libc::WTERMSIG(s) == libc::SIGTERM);
        assert_eq!(waitpid(c.id(), true).unwrap(), WaitResult::NotChild);
        // A real-time signal (not a rustix `Signal`) through a pidfd, and the pidfd
        // becoming readable when the child ends.
        let c = Command::new("sleep").arg("30").spawn().unwrap();
        let rt = libc::SIGRTMIN() + 2;
        if pidfd_works() {
            let fd = pidfd_open(c.id()).unwrap();
            pidfd_send_signal(fd.as_fd(), rt).unwrap();
            let ev = poll_one(fd.as_fd(), PollFlags::IN, 5000).unwrap();
            assert!(ev.contains(PollFlags::IN), "{ev:?}");
        } else {
            kill(c.id(), rt).unwrap();
        }
        let WaitResult::Status(s) = waitpid(c.id(), false).unwrap() else {
            panic!("not reaped")
        };
        assert!(libc::WIFSIGNALED(s) && libc::WTERMSIG(s) == rt);
        // The same through kill(2).
        let c = Command::new("sleep").arg("30").spawn().unwrap();
        kill(c.id(), rt).unwrap();
        let WaitResult::Status(s) = waitpid(c.id(), false).unwrap() else {
            panic!("not reaped")
        };
        assert!(libc::WIFSIGNALED(s) && libc::WTERMSIG(s) == rt);
    }

    #[test]
    fn limits_priority_and_affinity() {
        // Read from ourselves; set on a child, with the values it has (which needs no
        // privilege), so that nothing changes for the other tests.
        let me = std::process::id();
        let mut c = Command::new("sleep").arg("30").spawn().unwrap();
        let child = c.id();
        let nofile = libc::RLIMIT_NOFILE as i32;
        let (soft, hard) = prlimit_get(me, nofile).unwrap();
        assert!(soft <= hard);
        assert_eq!(prlimit_get(child, nofile).unwrap(), (soft, hard));
        prlimit_set(child, nofile, soft.min(64), hard).unwrap();
        assert_eq!(prlimit_get(child, nofile).unwrap(), (soft.min(64), hard));
        assert_eq!(
            errno(&prlimit_set(child, 999, soft, hard).unwrap_err()),
            Some(Errno::INVAL)
        );
        for r in RESOURCES {
            prlimit_get(me, r as i32).unwrap();
        }
        let nice = getpriority(me).unwrap();
        assert!((-20..=19).contains(&nice));
        assert_eq!(getpriority(child).unwrap(), nice);
        setpriority(child, 19).unwrap();
        assert_eq!(getpriority(child).unwrap(), 19);
        let prio = ioprio_get(child).unwrap();
        assert!(prio >= 0);
        ioprio_set(child, 3 << 13).unwrap();
        assert_eq!(ioprio_get(child).unwrap(), 3 << 13);
        let mut mask = [0u64; 16];
        let n = sched_getaffinity(me, &mut mask).unwrap();
        assert!(n > 0 && n <= 128);
        let first = mask.iter().position(|w| *w != 0).unwrap();
        let mut one = [0u64; 16];
        one[first] = 1 << mask[first].trailing_zeros();
        sched_setaffinity(child, &one).unwrap();
        let mut got = [0u64; 16];
        sched_getaffinity(child, &mut got).unwrap();
        assert_eq!(got, one);
        assert_eq!(
            errno(&sched_getaffinity(me, &mut []).unwrap_err()),
            Some(Errno::INVAL)
        );
        c.kill().unwrap();
        c.wait().unwrap();
    }

    #[test]
    fn user_names() {
        assert_eq!(user_name(0).as_deref(), Some(&b"root"[..]));
        assert_eq!(user_name(u32::MAX - 7), None);
    }
}
