//! Process file descriptors (Linux 5.3+): whether they work here, the pidfds that
//! handles hold (within a budget), and polling one until a deadline. The system calls
//! are in [`crate::sys::process`].
//!
//! # The budget
//!
//! A [`Process`](super::Process) on the live procfs holds a pidfd for its whole life,
//! a handle made for one process (not by a scan) also its `/proc/PID` directory (see
//! `docs/decisions.md`, "A handle holds a pidfd"), and a handle may keep its `stat`,
//! `statm` and `cmdline` open (`kept.rs`). Handles are cheap and `process_iter` keeps
//! one per process between calls, so the number of descriptors they hold is bounded:
//! at most a quarter of the calling process's soft `RLIMIT_NOFILE` (at most 65,536),
//! counted over every host; kept files never take the budget's last eighth, which
//! stays for the pidfds of processes that appear later. The limit is read when the
//! first handle is made and again at every `process_iter` call, so a program that
//! raises its limit gets a larger budget from its next scan. A handle made when the
//! budget is spent holds no pidfd (or no directory) and falls back to (PID, start
//! ticks) identity and reads by PID, as on kernels without pidfds. So under `ulimit -n
//! 256` the library holds at most 64 descriptors, and the program keeps three quarters
//! of its descriptors.

use crate::sys::errno::OsErr;
use crate::sys::process::{nofile_soft_limit, pidfd_info, pidfd_open, pidfd_works, poll_one, PollFlags};
use crate::sys::process::{PIDFD_INFO_CREDS, PIDFD_INFO_PID};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Whether `pidfd_open` works here; probed once on the calling process, as psutil
/// does (see [`pidfd_works`] for which errors count as support).
pub(crate) fn supported() -> bool {
    static PROBE: OnceLock<bool> = OnceLock::new();
    *PROBE.get_or_init(pidfd_works)
}

/// Whether `ioctl(PIDFD_GET_INFO)` (Linux 6.13) works here; probed once on a pidfd of
/// the calling process.
pub(crate) fn info_supported() -> bool {
    static PROBE: OnceLock<bool> = OnceLock::new();
    *PROBE.get_or_init(|| {
        supported()
            && pidfd_open(std::process::id())
                .and_then(|fd| pidfd_info(fd.as_fd(), PIDFD_INFO_PID | PIDFD_INFO_CREDS))
                .is_ok_and(|i| i.mask & PIDFD_INFO_CREDS != 0)
    })
}

/// Pidfds held by handles now, over every host.
static HELD: AtomicUsize = AtomicUsize::new(0);
/// The most handles may hold (0: not computed yet).
static LIMIT: AtomicUsize = AtomicUsize::new(0);
/// The budget's ceiling, whatever the descriptor limit.
const MAX_HELD: usize = 1 << 16;

/// Recomputes the budget from the soft `RLIMIT_NOFILE` now: a quarter of it.
pub(crate) fn refresh_budget() -> usize {
    let soft = nofile_soft_limit().unwrap_or(u64::MAX);
    let limit = usize::try_from(soft / 4).unwrap_or(MAX_HELD).min(MAX_HELD);
    LIMIT.store(limit.max(1), Ordering::Relaxed);
    limit
}

/// The budget: how many pidfds handles may hold at once.
pub(crate) fn budget() -> usize {
    match LIMIT.load(Ordering::Relaxed) {
        0 => refresh_budget(),
        n => n,
    }
}

/// One descriptor's place in the budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot(());

impl Slot {
    /// A place in the budget, if it has room.
    pub(crate) fn take() -> Option<Slot> {
        let limit = budget();
        HELD.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |h| (h < limit).then_some(h + 1))
            .ok()?;
        Some(Slot(()))
    }
}

impl Slot {
    /// A place for a descriptor that only makes reads cheaper (a handle's kept
    /// `/proc/PID` file, see `process::kept`): taken only while an eighth of the
    /// budget stays free, for the pidfds of processes that appear later.
    pub(crate) fn take_spare() -> Option<Slot> {
        let limit = budget();
        let ceiling = limit - limit / 8;
        HELD.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |h| (h < ceiling).then_some(h + 1))
            .ok()?;
        Some(Slot(()))
    }
}

impl Slot {
    /// Leaves the place taken without a `Slot` to give it back: its owner calls
    /// [`Slot::unforget`] when it releases the descriptor.
    pub(crate) fn forget(self) {
        std::mem::forget(self);
    }

    /// The `Slot` of a place kept by [`Slot::forget`] (dropping it gives the place
    /// back). Call once per forgotten slot.
    pub(crate) fn unforget() -> Slot {
        Slot(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        HELD.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A pidfd held by a handle, counted in the budget while it lives.
#[derive(Debug)]
pub(crate) struct Held {
    fd: OwnedFd,
    _slot: Slot,
}

impl Held {
    /// Opens a pidfd for `pid` if the budget has room: `None` when it has not,
    /// `Some(Err)` when `pidfd_open` failed (`ESRCH`: no such process; `EINVAL`: a
    /// thread ID; `EMFILE`: no descriptor left).
    pub(crate) fn open(pid: crate::error::Pid) -> Option<io::Result<Held>> {
        let slot = Slot::take()?;
        Some(pidfd_open(pid).map(|fd| {
            own_fds_mark(fd.as_raw_fd(), true);
            Held { fd, _slot: slot }
        }))
    }

    /// The descriptor.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // Unmarked before the descriptor is closed (the field drops after this), so
        // a marked number is always one of these pidfds, never a reused number.
        own_fds_mark(self.fd.as_raw_fd(), false);
    }
}

/// The descriptor numbers psoxide holds now, one bit each: the pidfds and the kept
/// system files (`sys::kept`). Listing the caller's own descriptors (`open_files()`
/// of itself) skips them without reading their links: pidfds are never regular
/// files, and a scan may hold hundreds; kept files are psoxide's, not the caller's.
///
/// Numbers below [`LOW_FDS`] (the usual case) are atomic bits, set and cleared without
/// a lock (a listing marks and unmarks one pidfd per process it reads); higher ones
/// go to a locked vector.
static OWN_LOW: [AtomicU64; LOW_WORDS] = [const { AtomicU64::new(0) }; LOW_WORDS];
static OWN_HIGH: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Descriptor numbers marked without a lock.
const LOW_FDS: usize = 4096;
const LOW_WORDS: usize = LOW_FDS / 64;

/// Records that psoxide holds (`held`) or no longer holds descriptor `fd`.
pub(crate) fn own_fds_mark(fd: i32, held: bool) {
    let Ok(fd) = usize::try_from(fd) else { return };
    let (word, bit) = (fd / 64, 1u64 << (fd % 64));
    if let Some(w) = OWN_LOW.get(word) {
        if held {
            w.fetch_or(bit, Ordering::AcqRel);
        } else {
            w.fetch_and(!bit, Ordering::AcqRel);
        }
        return;
    }
    let word = word - LOW_WORDS;
    let mut bits = OWN_HIGH.lock().unwrap_or_else(|p| p.into_inner());
    if held {
        if bits.len() <= word {
            bits.resize(word + 1, 0);
        }
        bits[word] |= bit;
    } else if let Some(w) = bits.get_mut(word) {
        *w &= !bit;
    }
}

/// A copy of the held descriptors' numbers (bit `fd % 64` of word `fd / 64`), without
/// trailing zero words.
pub(crate) fn own_fds() -> Vec<u64> {
    // A kept file's number may have been closed and reused by the program since:
    // its mark is dropped first, so that the program's file is listed.
    crate::sys::kept::recheck();
    let mut v: Vec<u64> = OWN_LOW.iter().map(|w| w.load(Ordering::Acquire)).collect();
    v.extend_from_slice(&OWN_HIGH.lock().unwrap_or_else(|p| p.into_inner()));
    while v.last() == Some(&0) {
        v.pop();
    }
    v
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
