//! The `/proc/PID` files a handle keeps open: `stat`, `statm` and `cmdline`, the
//! files a scan reads for every process, each opened once and read again with `pread`
//! at offset 0 (a seq_file generates its text anew; `cmdline` is read from the
//! process's memory at each read). Opening and closing a procfs file costs more than
//! generating it: reading the three through kept descriptors takes about 0.37x the
//! CPU time of opening, reading and closing them (C, 1,069 processes, this machine).
//!
//! Which handles keep files: a handle made for one process (`Process::new`), whose
//! files are opened relative to its held `/proc/PID` directory, and a handle that
//! `process_iter` yields a second time and that holds a pidfd, whose files are opened
//! by PID and kept only if the pidfd then shows the process not reaped yet (so the
//! file is this process's: a PID is given again only after its process is reaped).
//! A one-off scan keeps nothing. A kept descriptor names the process, not the PID:
//! once the process is reaped, reading it fails with `ESRCH`, never reaching a
//! process that got the PID since.
//!
//! Each kept descriptor takes a place in the budget of held descriptors
//! (`pidfd.rs`), but never its last eighth, which stays for the pidfds of processes
//! that appear later. A file that could not be kept (no room, an error) is read by
//! path, as before. Kept descriptors are close-on-exec, marked as psoxide's own (the
//! caller's `open_files()` does not list them; `num_fds()` counts them), and closed
//! when the handle is dropped. Their kernel cost: a `struct file` each, and for
//! `stat` and `statm` the seq_file's page-sized buffer, kept between reads.

use super::pidfd::{own_fds_mark, Slot};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// A slot's value when the handle does not keep files (yet).
const OFF: i32 = -3;
/// Keeping, the file not opened yet.
const UNSET: i32 = -1;
/// Keeping, but the file could not be kept (no room in the budget, or it could not
/// be opened or not proved to be the process's): read by path.
const NONE: i32 = -2;

/// The files a handle keeps, one slot each for `stat`, `statm` and `cmdline`: a
/// descriptor (owned, with its place in the budget, marked as psoxide's own), or one
/// of [`OFF`], [`UNSET`], [`NONE`]. Twelve bytes inline in every handle rather than a
/// separate allocation: a thousand scanned handles keep files.
#[derive(Debug)]
pub(crate) struct KeptFiles {
    files: [AtomicI32; 3],
}

impl Default for KeptFiles {
    /// Not keeping files.
    fn default() -> Self {
        KeptFiles {
            files: [AtomicI32::new(OFF), AtomicI32::new(OFF), AtomicI32::new(OFF)],
        }
    }
}

impl KeptFiles {
    /// The slot of `rel`, when it is a file that is kept.
    fn index(rel: &str) -> Option<usize> {
        match rel {
            "stat" => Some(0),
            "statm" => Some(1),
            "cmdline" => Some(2),
            _ => None,
        }
    }

    /// Starts keeping: each file is opened at its next read.
    pub(crate) fn enable(&self) {
        for f in &self.files {
            let _ = f.compare_exchange(OFF, UNSET, Ordering::AcqRel, Ordering::Acquire);
        }
    }

    /// Whether [`enable`](KeptFiles::enable) was called.
    pub(crate) fn enabled(&self) -> bool {
        self.files[0].load(Ordering::Acquire) != OFF
    }

    /// The kept descriptor of `rel`; the first time, `open` opens it (it returns
    /// `None` when the descriptor could not be opened or is not the process's).
    /// `None` for a file that is not kept, and before [`enable`](KeptFiles::enable).
    pub(crate) fn fd(&self, rel: &str, open: impl FnOnce() -> Option<OwnedFd>) -> Option<BorrowedFd<'_>> {
        let slot = &self.files[Self::index(rel)?];
        let cur = slot.load(Ordering::Acquire);
        if cur != UNSET {
            return borrow(cur);
        }
        let opened = Slot::take_spare().and_then(|place| Some((open()?, place)));
        let value = opened.as_ref().map_or(NONE, |(fd, _)| fd.as_raw_fd());
        if let Some((fd, _)) = &opened {
            // Marked before it can be seen, so that no listing shows it.
            own_fds_mark(fd.as_raw_fd(), true);
        }
        match slot.compare_exchange(UNSET, value, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                if let Some((fd, place)) = opened {
                    // The slot owns both now; `Drop` gives them back.
                    let _ = fd.into_raw_fd();
                    place.forget();
                }
                borrow(value)
            }
            Err(other) => {
                // Another thread kept the file first: ours is closed (and unmarked
                // before that), its place returned.
                if let Some((fd, _place)) = opened {
                    own_fds_mark(fd.as_raw_fd(), false);
                }
                borrow(other)
            }
        }
    }

    /// How many descriptors are kept now.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.files.iter().filter(|f| f.load(Ordering::Acquire) >= 0).count()
    }
}

/// The descriptor a slot value names, if it names one.
fn borrow<'a>(v: i32) -> Option<BorrowedFd<'a>> {
    // SAFETY: a slot holds a non-negative value only for a descriptor it owns, which
    // stays open until the `KeptFiles` is dropped; callers tie the lifetime to a
    // borrow of it.
    (v >= 0).then(|| unsafe { BorrowedFd::borrow_raw(v) })
}

impl Drop for KeptFiles {
    fn drop(&mut self) {
        for f in &mut self.files {
            let fd = *f.get_mut();
            if fd >= 0 {
                // Unmarked before it is closed; its place in the budget returned.
                own_fds_mark(fd, false);
                // SAFETY: the slot owned `fd` (see `fd`), and nothing borrows it now.
                drop(unsafe { OwnedFd::from_raw_fd(fd) });
                drop(Slot::unforget());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_files_are_kept_and_each_is_opened_once() {
        let k = KeptFiles::default();
        assert!(k.fd("stat", || None).is_none(), "nothing before enable()");
        assert!(!k.enabled());
        k.enable();
        assert!(k.enabled());
        let opened = std::cell::Cell::new(0);
        let open = || {
            opened.set(opened.get() + 1);
            let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC;
            rustix::fs::open("/proc/self/stat", flags, rustix::fs::Mode::empty()).ok()
        };
        assert!(k.fd("status", open).is_none(), "status is not kept");
        assert_eq!(opened.get(), 0);
        let a = k.fd("stat", open).map(|f| f.as_raw_fd());
        let b = k.fd("stat", open).map(|f| f.as_raw_fd());
        assert!(a.is_some());
        assert_eq!(a, b, "the same descriptor the second time");
        assert_eq!(opened.get(), 1);
        assert!(k.fd("statm", || None).is_none(), "a failed open is remembered");
        assert!(k.fd("statm", open).is_none());
        assert_eq!(opened.get(), 1);
        assert_eq!(k.count(), 1);
    }
}
