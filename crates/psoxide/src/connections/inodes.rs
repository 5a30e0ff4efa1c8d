//! Which process holds which socket: a scan of the `/proc/PID/fd` symlinks, whose
//! targets read `socket:[INODE]` for sockets.
//!
//! Directories are listed with `getdents64` into a reused buffer and links read with
//! `readlinkat` relative to the open `fd` directory, so the kernel never walks a
//! full path per descriptor.

use crate::error::{Error, Pid, Result};
use std::collections::HashMap;
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// The process and descriptors holding one socket inode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// The process.
    pub(crate) pid: Pid,
    /// Its descriptors for the socket, in directory order (never empty).
    pub(crate) fds: Vec<i32>,
}

/// Socket inode -> owner.
///
/// As in psutil (which merges per-process maps with `dict.update` in `/proc` listing
/// order), when several processes hold the same socket (after `fork`, or a passed
/// descriptor), the process listed **last** (normally the highest PID) owns it, with
/// all of its descriptors for that socket.
pub(crate) type InodeMap = HashMap<u64, Owner>;

/// Opens `rel` under `dirfd` (or the absolute `path` when `dirfd` is `None`) as a
/// directory to list.
fn open_dir(dirfd: Option<RawFd>, rel: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    loop {
        // SAFETY: valid C string; a valid dirfd or AT_FDCWD with an absolute path.
        let fd = unsafe { libc::openat(dirfd.unwrap_or(libc::AT_FDCWD), rel.as_ptr(), flags) };
        if fd >= 0 {
            // SAFETY: a fresh descriptor nobody else owns.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Calls `f` with the name of every entry of the open directory `dir` (without `.`
/// and `..`), in directory order. `buf` is a reusable buffer.
fn each_entry(
    dir: &OwnedFd,
    buf: &mut Vec<u8>,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    if buf.len() < 32 * 1024 {
        buf.resize(32 * 1024, 0);
    }
    loop {
        // SAFETY: the buffer is valid for `buf.len()` bytes.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                dir.as_raw_fd(),
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Ok(());
        }
        let chunk = &buf[..(n as usize).min(buf.len())];
        let mut off = 0usize;
        // struct linux_dirent64: d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[].
        while off + 19 <= chunk.len() {
            let reclen = u16::from_ne_bytes([chunk[off + 16], chunk[off + 17]]) as usize;
            if reclen < 19 || off + reclen > chunk.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bad getdents64 record",
                ));
            }
            let raw = &chunk[off + 19..off + reclen];
            let name = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
            if name != b"." && name != b".." {
                f(name)?;
            }
            off += reclen;
        }
    }
}

fn dec<T: TryFrom<u64>>(b: &[u8]) -> Option<T> {
    crate::linux::parse::num::u64_dec(b).and_then(|v| T::try_from(v).ok())
}

/// The inode of a `socket:[N]` link target.
pub(crate) fn socket_inode(target: &[u8]) -> Option<u64> {
    crate::linux::parse::num::u64_dec(target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
}

/// `readlinkat(dir, name)` into `buf`; the target bytes (a target longer than the
/// buffer is cut, which is harmless: socket targets are at most 29 bytes).
fn readlink_at<'a>(dir: &OwnedFd, name: &CStr, buf: &'a mut [u8; 64]) -> io::Result<&'a [u8]> {
    // SAFETY: valid dirfd, C string and buffer.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(&buf[..(n as usize).min(buf.len())])
}

/// Lists the socket descriptors of one process from its open `fd` directory,
/// calling `f(fd, inode)` for each. A link that vanished (`ENOENT`, `ESRCH`), is not
/// a link (`EINVAL`) or is too long (`ENAMETOOLONG`) is skipped, as in psutil; other
/// errors are returned with the descriptor whose link failed, if it was a readlink.
fn scan_fd_dir(
    dir: &OwnedFd,
    buf: &mut Vec<u8>,
    mut f: impl FnMut(i32, u64),
) -> std::result::Result<(), (io::Error, Option<i32>)> {
    let mut name_buf = [0u8; 32];
    let mut link = [0u8; 64];
    let mut failed: Option<i32> = None;
    each_entry(dir, buf, |name| {
        let Some(fd) = dec::<i32>(name) else {
            return Ok(());
        };
        if name.len() >= name_buf.len() {
            return Ok(());
        }
        name_buf[..name.len()].copy_from_slice(name);
        name_buf[name.len()] = 0;
        let c = CStr::from_bytes_until_nul(&name_buf).map_err(io::Error::other)?;
        match readlink_at(dir, c, &mut link) {
            Ok(t) => {
                if let Some(ino) = socket_inode(t) {
                    f(fd, ino);
                }
                Ok(())
            }
            Err(e) => match e.raw_os_error() {
                Some(libc::ENOENT | libc::ESRCH | libc::EINVAL | libc::ENAMETOOLONG) => Ok(()),
                _ => {
                    failed = Some(fd);
                    Err(e)
                }
            },
        }
    })
    .map_err(|e| (e, failed))
}

fn pid_fd_rel(pid: Pid, out: &mut [u8; 24]) -> &CStr {
    let s = format!("{pid}/fd\0");
    let b = s.as_bytes();
    let n = b.len().min(out.len());
    out[..n].copy_from_slice(&b[..n]);
    CStr::from_bytes_until_nul(&out[..n]).unwrap_or(c"")
}

/// The socket descriptors of process `pid` as (fd, inode), in `/proc/PID/fd` order.
///
/// Errors: `Error::Io` carrying the raw `io::Error` (errno kept) of listing
/// `/proc/PID/fd` (e.g. `ENOENT` for a gone process, `EACCES` for another user's),
/// or of a `readlink` that failed other than by vanishing.
pub(crate) fn process_sockets(procfs: &Path, pid: Pid) -> Result<Vec<(i32, u64)>> {
    let dir_path = procfs.join(format!("{pid}/fd"));
    let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(dir_path.as_os_str()))
        .map_err(|_| Error::invalid("procfs path contains a NUL byte"))?;
    let dir = open_dir(None, &c).map_err(|e| Error::io(&dir_path, e))?;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    scan_fd_dir(&dir, &mut buf, |fd, ino| out.push((fd, ino))).map_err(|(e, link)| match link {
        Some(fd) => Error::io(dir_path.join(fd.to_string()), e),
        None => Error::io(&dir_path, e),
    })?;
    Ok(out)
}

/// Scans every process under `procfs` (the numeric entries, in listing order).
///
/// A process whose `fd` directory cannot be listed or read because it vanished or
/// belongs to another user (`ENOENT`, `ESRCH`, `EACCES`, `EPERM`) is skipped
/// silently, as psutil does: its sockets stay unattributed. Other errors, and
/// failing to list `procfs` itself, are returned.
pub(crate) fn scan_all(procfs: &Path) -> Result<InodeMap> {
    let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(procfs.as_os_str()))
        .map_err(|_| Error::invalid("procfs path contains a NUL byte"))?;
    let root = open_dir(None, &c).map_err(|e| Error::io(procfs, e))?;
    let mut pids: Vec<Pid> = Vec::with_capacity(512);
    let mut buf = Vec::new();
    each_entry(&root, &mut buf, |name| {
        if let Some(p) = dec::<Pid>(name) {
            pids.push(p);
        }
        Ok(())
    })
    .map_err(|e| Error::io(procfs, e))?;

    let mut map: InodeMap = HashMap::with_capacity(1024);
    let mut found: Vec<(i32, u64)> = Vec::new();
    let mut rel = [0u8; 24];
    for pid in pids {
        let skip = |e: &io::Error| {
            matches!(
                e.raw_os_error(),
                Some(libc::ENOENT | libc::ESRCH | libc::EACCES | libc::EPERM)
            )
        };
        let dir = match open_dir(Some(root.as_raw_fd()), pid_fd_rel(pid, &mut rel)) {
            Ok(d) => d,
            Err(e) if skip(&e) => continue,
            Err(e) => return Err(Error::io(procfs.join(format!("{pid}/fd")), e)),
        };
        found.clear();
        match scan_fd_dir(&dir, &mut buf, |fd, ino| found.push((fd, ino))) {
            Ok(()) => {}
            Err((e, _)) if skip(&e) => continue,
            Err((e, link)) => {
                let mut p = procfs.join(format!("{pid}/fd"));
                if let Some(fd) = link {
                    p.push(fd.to_string());
                }
                return Err(Error::io(p, e));
            }
        }
        merge(&mut map, pid, &found);
    }
    Ok(map)
}

/// Merges one process's (fd, inode) list into `map` the way psutil's `dict.update`
/// of per-process maps does: an inode this process holds is owned by this process
/// from now on, with its descriptors in order.
pub(crate) fn merge(map: &mut InodeMap, pid: Pid, found: &[(i32, u64)]) {
    for &(fd, ino) in found {
        match map.get_mut(&ino) {
            Some(o) if o.pid == pid => o.fds.push(fd),
            Some(o) => {
                o.pid = pid;
                o.fds.clear();
                o.fds.push(fd);
            }
            None => {
                map.insert(ino, Owner { pid, fds: vec![fd] });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_targets() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"socket:[]"), None);
        assert_eq!(socket_inode(b"socket:[12"), None);
        assert_eq!(socket_inode(b"pipe:[12]"), None);
        assert_eq!(socket_inode(b"/tmp/socket:[1]"), None);
    }

    #[test]
    fn last_process_wins() {
        let mut m = InodeMap::new();
        merge(&mut m, 10, &[(3, 100), (4, 200), (5, 100)]);
        merge(&mut m, 20, &[(7, 100)]);
        assert_eq!(
            m[&100],
            Owner {
                pid: 20,
                fds: vec![7]
            }
        );
        assert_eq!(
            m[&200],
            Owner {
                pid: 10,
                fds: vec![4]
            }
        );
    }

    #[test]
    fn own_sockets_are_listed() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let own = process_sockets(Path::new("/proc"), std::process::id()).unwrap();
        for s in [&a, &b] {
            use std::os::fd::AsRawFd;
            use std::os::unix::fs::MetadataExt;
            let ino = std::fs::metadata(format!("/proc/self/fd/{}", s.as_raw_fd()))
                .unwrap()
                .ino();
            assert!(own.contains(&(s.as_raw_fd(), ino)), "{own:?}");
        }
        let all = scan_all(Path::new("/proc")).unwrap();
        use std::os::fd::AsRawFd;
        let ino = own.iter().find(|(fd, _)| *fd == a.as_raw_fd()).unwrap().1;
        assert_eq!(all[&ino].pid, std::process::id());
        let e = process_sockets(Path::new("/proc"), 0x7fff_fff0).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }
}
