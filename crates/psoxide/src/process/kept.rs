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
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::OnceLock;

/// One kept descriptor and its place in the budget.
#[derive(Debug)]
struct KeptFd {
    fd: OwnedFd,
    _slot: Slot,
}

impl Drop for KeptFd {
    fn drop(&mut self) {
        // Unmarked before the descriptor is closed (the field drops after this).
        own_fds_mark(self.fd.as_raw_fd(), false);
    }
}

/// The files a handle keeps: each opened at its first read after the handle was
/// allowed to keep files, or never (`None`: no room in the budget, or it could not
/// be opened).
#[derive(Debug, Default)]
pub(crate) struct KeptFiles {
    files: [OnceLock<Option<KeptFd>>; 3],
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

    /// The kept descriptor of `rel`; the first time, `open` opens it (it returns
    /// `None` when the descriptor could not be opened or is not the process's).
    /// `None` for a file that is not kept.
    pub(crate) fn fd(&self, rel: &str, open: impl FnOnce() -> Option<OwnedFd>) -> Option<BorrowedFd<'_>> {
        let i = Self::index(rel)?;
        self.files[i]
            .get_or_init(|| {
                let slot = Slot::take_spare()?;
                let fd = open()?;
                own_fds_mark(fd.as_raw_fd(), true);
                Some(KeptFd { fd, _slot: slot })
            })
            .as_ref()
            .map(|k| k.fd.as_fd())
    }

    /// How many descriptors are kept now.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        self.files.iter().filter(|f| matches!(f.get(), Some(Some(_)))).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_files_are_kept_and_each_is_opened_once() {
        let k = KeptFiles::default();
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
