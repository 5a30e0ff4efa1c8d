//! The process table: `pids()` and `pid_exists()` (spec 3).

use crate::context::Host;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_status::parse_pid_status;
use crate::roots::Roots;
use crate::sys::fs::{with_file, Eof};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Bytes of directory entries fetched per `getdents64` call.
const DENTS_BUF: usize = 32 * 1024;

/// The PIDs of all processes, ascending (psutil's `pids()`): every all-digit entry
/// of the process-wide procfs root.
pub fn pids() -> Result<Vec<Pid>> {
    Host::current().pids()
}

impl Host {
    /// Like [`pids`], listing `roots.procfs`. The directory is read with `getdents64`
    /// into one buffer; only the returned vector is allocated per PID.
    ///
    /// Errors: the directory cannot be opened or read (`Io`); an all-digit entry that
    /// does not fit a `u32` (`Parse`; the kernel never makes one).
    pub fn pids(&self) -> Result<Vec<Pid>> {
        pids_in(self.roots())
    }
}

pub(crate) fn pids_in(roots: &Roots) -> Result<Vec<Pid>> {
    let dir = &roots.procfs;
    let c = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("procfs path {} contains a NUL byte", dir.display())))?;
    // SAFETY: a valid C string.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(Error::io(dir, io::Error::last_os_error()));
    }
    // SAFETY: we own the descriptor just opened.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut buf = vec![0u8; DENTS_BUF];
    let mut out = Vec::with_capacity(512);
    loop {
        // SAFETY: the buffer holds DENTS_BUF writable bytes.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(Error::io(dir, e));
        }
        if n == 0 {
            break;
        }
        let n = (n as usize).min(buf.len());
        parse_dirents(&buf[..n], dir, &mut out)?;
    }
    out.sort_unstable();
    Ok(out)
}

/// Parses `linux_dirent64` records (`d_ino` u64, `d_off` i64, `d_reclen` u16,
/// `d_type` u8, NUL-terminated name, padding) and appends every all-digit name as a
/// PID. Truncated or inconsistent records are a `Parse` error naming `dir`.
pub(crate) fn parse_dirents(buf: &[u8], dir: &Path, out: &mut Vec<Pid>) -> Result<()> {
    const HEADER: usize = 19;
    let mut pos = 0usize;
    while pos < buf.len() {
        let rec = &buf[pos..];
        if rec.len() < HEADER {
            return Err(Error::parse(
                dir,
                format!("directory record at byte {pos} is truncated"),
            ));
        }
        let reclen = u16::from_ne_bytes([rec[16], rec[17]]) as usize;
        if reclen < HEADER || reclen > rec.len() {
            return Err(Error::parse(
                dir,
                format!("directory record at byte {pos} has length {reclen}"),
            ));
        }
        let name_area = &rec[HEADER..reclen];
        let name = match name_area.iter().position(|&b| b == 0) {
            Some(i) => &name_area[..i],
            None => {
                return Err(Error::parse(
                    dir,
                    format!("directory record at byte {pos} has an unterminated name"),
                ))
            }
        };
        if !name.is_empty() && name.iter().all(u8::is_ascii_digit) {
            let pid = std::str::from_utf8(name)
                .ok()
                .and_then(|s| s.parse::<Pid>().ok())
                .ok_or_else(|| {
                    Error::parse(
                        dir,
                        format!("entry {:?} is not a PID", String::from_utf8_lossy(name)),
                    )
                })?;
            out.push(pid);
        }
        pos += reclen;
    }
    Ok(())
}

/// Whether a process with this PID exists (psutil's `pid_exists()`).
pub fn pid_exists(pid: Pid) -> Result<bool> {
    Host::current().pid_exists(pid)
}

impl Host {
    /// Like [`pid_exists`], reading `roots.procfs`.
    ///
    /// psutil's rule: PID 0 is looked up in [`Host::pids`] (so false on Linux). Otherwise
    /// `kill(pid, 0)`: ESRCH means false; success or EPERM (another user's process)
    /// continues with the `Tgid` line of `/proc/PID/status`, which must equal `pid`, so
    /// thread IDs give false; when that file cannot be read or has no `Tgid`, the answer
    /// is whether `pid` is in [`Host::pids`]. Zombies exist. A PID above the `pid_t` range
    /// gives false (psutil raises `OverflowError`).
    ///
    /// Errors: `kill` failing with another errno, or the `pids` fallback failing.
    pub fn pid_exists(&self, pid: Pid) -> Result<bool> {
        let roots: &Roots = self.roots();
        if pid == 0 {
            return Ok(self.pids()?.contains(&0));
        }
        let Ok(raw) = libc::pid_t::try_from(pid) else {
            return Ok(false);
        };
        // SAFETY: signal 0 only checks for existence and permission; raw > 0.
        if unsafe { libc::kill(raw, 0) } != 0 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::ESRCH) => return Ok(false),
                Some(libc::EPERM) => {}
                _ => return Err(Error::io(format!("kill(pid={pid}, sig=0)"), e)),
            }
        }
        let path = roots.proc(format!("{pid}/status"));
        let tgid = with_file(&path, Eof::ShortRead, |b| Ok(parse_pid_status(b, &path)?.tgid));
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

    fn rec(name: &[u8], pad: usize) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&7u64.to_ne_bytes());
        r.extend_from_slice(&1i64.to_ne_bytes());
        let len = 19 + name.len() + 1 + pad;
        r.extend_from_slice(&(len as u16).to_ne_bytes());
        r.push(4);
        r.extend_from_slice(name);
        r.push(0);
        r.extend(std::iter::repeat_n(0u8, pad));
        r
    }

    #[test]
    fn dirents() {
        let p = Path::new("/proc");
        let mut buf = Vec::new();
        for (n, pad) in [
            (&b"."[..], 4),
            (b"..", 3),
            (b"1", 4),
            (b"self", 1),
            (b"4242", 0),
            (b"12a", 0),
        ] {
            buf.extend(rec(n, pad));
        }
        let mut out = Vec::new();
        parse_dirents(&buf, p, &mut out).unwrap();
        assert_eq!(out, vec![1, 4242]);
        // Empty buffer: nothing.
        out.clear();
        parse_dirents(&[], p, &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn dirents_malformed() {
        let p = Path::new("/proc");
        let mut out = Vec::new();
        let good = rec(b"17", 2);
        // Truncated header and truncated record.
        assert!(parse_dirents(&good[..10], p, &mut out).is_err());
        assert!(parse_dirents(&good[..good.len() - 1], p, &mut out).is_err());
        // Record length below the header size (would loop forever if accepted).
        let mut zero = good.clone();
        zero[16] = 0;
        zero[17] = 0;
        assert!(parse_dirents(&zero, p, &mut out).is_err());
        // Unterminated name.
        let mut unterminated = rec(b"17", 0);
        let last = unterminated.len() - 1;
        unterminated[last] = b'9';
        assert!(parse_dirents(&unterminated, p, &mut out).is_err());
        // A digit name that overflows u32.
        assert!(parse_dirents(&rec(b"99999999999", 0), p, &mut out).is_err());
    }

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
        let e = Host::new(missing.clone()).pids().unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }
}
