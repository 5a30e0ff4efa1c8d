//! The one errno classifier: what an OS error means for psutil's translation rules
//! (spec 0.3) and for the Python exception it corresponds to.

use std::io;

/// The classes of OS error that psutil treats differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OsErr {
    /// `ENOENT`: the file is missing (for a process file: maybe the process is gone).
    NotFound,
    /// `ESRCH`: no such process.
    NoProcess,
    /// `EACCES` or `EPERM`: psutil's `AccessDenied`.
    Denied,
    /// `ENOTDIR`.
    NotADirectory,
    /// `EISDIR`.
    IsADirectory,
    /// `EINTR`.
    Interrupted,
    /// `EINVAL`.
    Invalid,
    /// `ENAMETOOLONG`.
    NameTooLong,
    /// Anything else (or an error without an errno).
    Other,
}

impl OsErr {
    /// Classifies `e` by its errno.
    pub(crate) fn of(e: &io::Error) -> OsErr {
        Self::of_raw(e.raw_os_error())
    }

    /// Classifies a raw errno.
    pub(crate) fn of_raw(errno: Option<i32>) -> OsErr {
        use rustix::io::Errno;
        // rustix's `Errno` holds 1..=4095 only (and asserts it): anything else is no
        // errno the kernel returns.
        let Some(n) = errno.filter(|n| (1..4096).contains(n)) else {
            return OsErr::Other;
        };
        match Errno::from_raw_os_error(n) {
            Errno::NOENT => OsErr::NotFound,
            Errno::SRCH => OsErr::NoProcess,
            Errno::ACCESS | Errno::PERM => OsErr::Denied,
            Errno::NOTDIR => OsErr::NotADirectory,
            Errno::ISDIR => OsErr::IsADirectory,
            Errno::INTR => OsErr::Interrupted,
            Errno::INVAL => OsErr::Invalid,
            Errno::NAMETOOLONG => OsErr::NameTooLong,
            _ => OsErr::Other,
        }
    }

    /// True for `ENOENT` and `ESRCH`: the process (or its file) is not there.
    pub(crate) fn is_gone(self) -> bool {
        matches!(self, OsErr::NotFound | OsErr::NoProcess)
    }
}

/// An `io::Error` for a raw errno value.
pub(crate) fn from_raw(n: rustix::io::Errno) -> io::Error {
    n.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let c = |e: rustix::io::Errno| OsErr::of(&from_raw(e));
        use rustix::io::Errno;
        assert_eq!(c(Errno::NOENT), OsErr::NotFound);
        assert_eq!(c(Errno::SRCH), OsErr::NoProcess);
        assert_eq!(c(Errno::ACCESS), OsErr::Denied);
        assert_eq!(c(Errno::PERM), OsErr::Denied);
        assert_eq!(c(Errno::NOTDIR), OsErr::NotADirectory);
        assert_eq!(c(Errno::ISDIR), OsErr::IsADirectory);
        assert_eq!(c(Errno::INTR), OsErr::Interrupted);
        assert_eq!(c(Errno::INVAL), OsErr::Invalid);
        assert_eq!(c(Errno::NAMETOOLONG), OsErr::NameTooLong);
        assert_eq!(c(Errno::NOMEM), OsErr::Other);
        assert_eq!(OsErr::of(&io::Error::other("x")), OsErr::Other);
        assert!(OsErr::NotFound.is_gone() && OsErr::NoProcess.is_gone());
        for n in [0, -1, 4096, i32::MIN, i32::MAX] {
            assert_eq!(OsErr::of_raw(Some(n)), OsErr::Other, "{n}");
            assert_eq!(OsErr::of(&io::Error::from_raw_os_error(n)), OsErr::Other, "{n}");
        }
        assert!(!OsErr::Denied.is_gone());
    }
}
