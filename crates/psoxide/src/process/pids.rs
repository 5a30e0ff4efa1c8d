//! The process table: `pids()` and `pid_exists()` (spec 3).

use crate::context::Host;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_status::parse_pid_status;
use crate::roots::Roots;
use crate::sys::errno::OsErr;
use crate::sys::fs::{with_file, Dir, FileKind};
use std::os::unix::ffi::OsStrExt;

/// The PIDs of all processes, ascending (psutil's `pids()`): every all-digit entry
/// of the process-wide procfs root.
pub fn pids() -> Result<Vec<Pid>> {
    Host::current().pids()
}

impl Host {
    /// Like [`pids`], listing `roots.procfs`. The directory is read with `getdents64`
    /// into this thread's reused buffer; only the returned vector is allocated.
    ///
    /// Errors: a procfs path with a NUL byte (`InvalidArgument`); the directory cannot
    /// be opened or read (`Io`); an all-digit entry that does not fit a `u32` (`Parse`;
    /// the kernel never makes one).
    pub fn pids(&self) -> Result<Vec<Pid>> {
        pids_in(self.roots())
    }
}

pub(crate) fn pids_in(roots: &Roots) -> Result<Vec<Pid>> {
    let dir = &roots.procfs;
    if dir.as_os_str().as_bytes().contains(&0) {
        return Err(Error::invalid(format!(
            "procfs path {} contains a NUL byte",
            dir.display()
        )));
    }
    let mut out = Vec::with_capacity(512);
    let mut bad: Option<Error> = None;
    Dir::open(dir)
        .and_then(|mut d| {
            d.for_each(|name| {
                if bad.is_some() || name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
                    return;
                }
                match std::str::from_utf8(name).ok().and_then(|s| s.parse::<Pid>().ok()) {
                    Some(pid) => out.push(pid),
                    None => {
                        bad = Some(Error::parse(
                            dir,
                            format!("entry {:?} is not a PID", String::from_utf8_lossy(name)),
                        ))
                    }
                }
            })
        })
        .map_err(|e| Error::io(dir, e))?;
    if let Some(e) = bad {
        return Err(e);
    }
    out.sort_unstable();
    Ok(out)
}

/// Whether a process with this PID exists (psutil's `pid_exists()`).
pub fn pid_exists(pid: Pid) -> Result<bool> {
    Host::current().pid_exists(pid)
}

impl Host {
    /// Like [`pid_exists`], reading `roots.procfs`.
    ///
    /// psutil's rule: PID 0 is looked up in [`Host::pids`] (so false on Linux).
    /// Otherwise `kill(pid, 0)`: ESRCH means false; success or EPERM (another user's
    /// process) continues with the `Tgid` line of `/proc/PID/status`, which must equal
    /// `pid`, so thread IDs give false; when that file cannot be read or has no `Tgid`,
    /// the answer is whether `pid` is in [`Host::pids`]. Zombies exist. A PID above the
    /// `pid_t` range gives false (psutil raises `OverflowError`).
    ///
    /// Errors: `kill` failing with another errno, or the `pids` fallback failing.
    pub fn pid_exists(&self, pid: Pid) -> Result<bool> {
        let roots: &Roots = self.roots();
        if pid == 0 {
            return Ok(self.pids()?.contains(&0));
        }
        if i32::try_from(pid).is_err() {
            return Ok(false);
        }
        if let Err(e) = crate::sys::process::kill(pid, 0) {
            match OsErr::of(&e) {
                OsErr::NoProcess => return Ok(false),
                OsErr::Denied => {}
                _ => return Err(Error::io(format!("kill(pid={pid}, sig=0)"), e)),
            }
        }
        let path = roots.proc(format!("{pid}/status"));
        let tgid = with_file(&path, FileKind::RECORD, |b| Ok(parse_pid_status(b, &path)?.tgid));
        match tgid {
            Ok(Some(t)) => Ok(t == pid as u64),
            // psutil: any OSError or a missing Tgid line falls back to the listing.
            Ok(None) | Err(_) => Ok(self.pids()?.contains(&pid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_dir() {
        let d = tempfile::tempdir().unwrap();
        for n in ["1", "30", "2", "self", "net", "007"] {
            std::fs::create_dir(d.path().join(n)).unwrap();
        }
        std::fs::write(d.path().join("99"), b"").unwrap();
        let roots = Roots {
            procfs: d.path().to_path_buf(),
            ..Roots::default()
        };
        // "007" is all digits: psutil's int("007") is 7.
        assert_eq!(Host::new(roots.clone()).pids().unwrap(), vec![1, 2, 7, 30, 99]);
        let missing = Roots {
            procfs: d.path().join("nope"),
            ..Roots::default()
        };
        let e = Host::new(missing).pids().unwrap_err();
        assert_eq!(OsErr::of_raw(e.raw_os_error()), OsErr::NotFound);
        let nul = Roots {
            procfs: std::path::PathBuf::from("/pro\0c"),
            ..Roots::default()
        };
        assert_eq!(Host::new(nul).pids().unwrap_err().exception_name(), "ValueError");
        // An all-digit name that is no u32: an error naming the entry.
        std::fs::create_dir(d.path().join("99999999999")).unwrap();
        let e = Host::new(roots).pids().unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "{e:?}");
        assert!(e.to_string().contains("\"99999999999\" is not a PID"), "{e}");
    }
}
