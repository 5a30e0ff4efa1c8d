//! Which process holds which socket: a scan of the `/proc/PID/fd` symlinks, whose
//! targets read `socket:[INODE]` for sockets.
//!
//! Directories are listed through [`Dir`] (`getdents64` into a reused buffer) and
//! links read with `readlinkat` relative to the open `fd` directory, so the kernel
//! never walks a full path per descriptor.

use crate::error::{Error, Pid, Result};
use crate::sys::errno::OsErr;
use crate::sys::fs::Dir;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::os::unix::ffi::OsStrExt;
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

fn dec<T: TryFrom<u64>>(b: &[u8]) -> Option<T> {
    crate::linux::parse::num::u64_dec(b).and_then(|v| T::try_from(v).ok())
}

/// The inode of a `socket:[N]` link target.
pub(crate) fn socket_inode(target: &[u8]) -> Option<u64> {
    crate::linux::parse::num::u64_dec(target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
}

/// Buffers reused across the processes of a scan: the entries of one `fd` directory
/// and the target of one link.
#[derive(Default)]
struct Scratch {
    /// The listed entry names, back to back.
    names: Vec<u8>,
    /// Per numeric entry: the descriptor and the range of its name in `names`.
    fds: Vec<(i32, usize, usize)>,
    /// The target of the link being read.
    link: Vec<u8>,
}

/// Lists the socket descriptors of one process from its open `fd` directory,
/// calling `f(fd, inode)` for each, in directory order. The directory is listed
/// first, then each numeric entry's link is read. A link that vanished (`ENOENT`,
/// `ESRCH`), is not a link (`EINVAL`) or is too long (`ENAMETOOLONG`) is skipped, as
/// in psutil; other errors are returned with the descriptor whose link failed, if it
/// was a readlink.
fn scan_fd_dir(
    dir: &mut Dir,
    s: &mut Scratch,
    mut f: impl FnMut(i32, u64),
) -> std::result::Result<(), (io::Error, Option<i32>)> {
    s.names.clear();
    s.fds.clear();
    dir.for_each(|name| {
        if let Some(fd) = dec::<i32>(name) {
            let start = s.names.len();
            s.names.extend_from_slice(name);
            s.fds.push((fd, start, s.names.len()));
        }
    })
    .map_err(|e| (e, None))?;
    for &(fd, start, end) in &s.fds {
        match dir.readlink(&s.names[start..end], &mut s.link) {
            Ok(()) => {
                if let Some(ino) = socket_inode(&s.link) {
                    f(fd, ino);
                }
            }
            Err(e) if link_skipped(&e) => {}
            Err(e) => return Err((e, Some(fd))),
        }
    }
    Ok(())
}

/// [`scan_fd_dir`] leaving out the descriptors set in the bitset `skip`.
fn scan_fd_dir_except(
    dir: &mut Dir,
    skip: &[u64],
    mut f: impl FnMut(i32, u64),
) -> std::result::Result<(), (io::Error, Option<i32>)> {
    let mut fds = Vec::new();
    dir.for_each_fd_except(skip, |fd| fds.push(fd)).map_err(|e| (e, None))?;
    let (mut link, mut name) = (Vec::new(), String::with_capacity(12));
    for fd in fds {
        name.clear();
        let _ = write!(name, "{fd}");
        match dir.readlink(name.as_bytes(), &mut link) {
            Ok(()) => {
                if let Some(ino) = socket_inode(&link) {
                    f(fd, ino);
                }
            }
            Err(e) if link_skipped(&e) => {}
            Err(e) => return Err((e, Some(fd))),
        }
    }
    Ok(())
}

/// The readlink errors of one descriptor that skip it: it vanished (`ENOENT`,
/// `ESRCH`), is not a link (`EINVAL`) or its target is too long (`ENAMETOOLONG`).
fn link_skipped(e: &io::Error) -> bool {
    matches!(OsErr::of(e), OsErr::NotFound | OsErr::NoProcess | OsErr::Invalid)
        || rustix::io::Errno::from_io_error(e) == Some(rustix::io::Errno::NAMETOOLONG)
}

/// The errors of listing or reading a process's `fd` directory that skip the process
/// in a scan: it vanished or belongs to another user (`ENOENT`, `ESRCH`, `EACCES`,
/// `EPERM`).
fn process_skipped(e: &io::Error) -> bool {
    matches!(OsErr::of(e), OsErr::NotFound | OsErr::NoProcess | OsErr::Denied)
}

/// [`Error::invalid`] for a path with a NUL byte, which no system call can be given.
fn check_no_nul(path: &Path) -> Result<()> {
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(Error::invalid("procfs path contains a NUL byte"));
    }
    Ok(())
}

/// The socket descriptors of process `pid` as (fd, inode), in `/proc/PID/fd` order.
///
/// Errors: `Error::Io` carrying the raw `io::Error` (errno kept) of listing
/// `/proc/PID/fd` (e.g. `ENOENT` for a gone process, `EACCES` for another user's),
/// or of a `readlink` that failed other than by vanishing.
///
/// `skip` is a bitset of descriptor numbers not to look at (the pidfds this library
/// holds, for the calling process: [`own_fds`](crate::process::pidfd::own_fds)); they
/// are jumped over in the listing and their links are not read.
pub(crate) fn process_sockets(procfs: &Path, pid: Pid, skip: &[u64]) -> Result<Vec<(i32, u64)>> {
    let dir_path = procfs.join(format!("{pid}/fd"));
    check_no_nul(&dir_path)?;
    let mut dir = Dir::open(&dir_path).map_err(|e| Error::io(&dir_path, e))?;
    let mut out = Vec::new();
    let r = if skip.is_empty() {
        scan_fd_dir(&mut dir, &mut Scratch::default(), |fd, ino| out.push((fd, ino)))
    } else {
        scan_fd_dir_except(&mut dir, skip, |fd, ino| out.push((fd, ino)))
    };
    r.map_err(|(e, link)| {
        match link {
            Some(fd) => Error::io(dir_path.join(fd.to_string()), e),
            None => Error::io(&dir_path, e),
        }
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
    check_no_nul(procfs)?;
    let mut root = Dir::open(procfs).map_err(|e| Error::io(procfs, e))?;
    let mut pids: Vec<Pid> = Vec::with_capacity(512);
    root.for_each(|name| {
        if let Some(p) = dec::<Pid>(name) {
            pids.push(p);
        }
    })
    .map_err(|e| Error::io(procfs, e))?;

    let mut map: InodeMap = HashMap::with_capacity(1024);
    let mut found: Vec<(i32, u64)> = Vec::new();
    let mut scratch = Scratch::default();
    let mut rel = String::with_capacity(24);
    for pid in pids {
        rel.clear();
        let _ = write!(rel, "{pid}/fd");
        let mut dir = match root.open_dir(rel.as_str()) {
            Ok(d) => d,
            Err(e) if process_skipped(&e) => continue,
            Err(e) => return Err(Error::io(procfs.join(&rel), e)),
        };
        found.clear();
        match scan_fd_dir(&mut dir, &mut scratch, |fd, ino| found.push((fd, ino))) {
            Ok(()) => {}
            Err((e, _)) if process_skipped(&e) => continue,
            Err((e, link)) => {
                let mut p = procfs.join(&rel);
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
        let own = process_sockets(Path::new("/proc"), std::process::id(), &[]).unwrap();
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
        let e = process_sockets(Path::new("/proc"), 0x7fff_fff0, &[]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn fixture_tree_errors_skip_or_propagate() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let proc = tmp.path();
        let fd1 = proc.join("1/fd");
        std::fs::create_dir_all(&fd1).unwrap();
        symlink("socket:[42]", fd1.join("3")).unwrap();
        symlink("/tmp/some/file", fd1.join("4")).unwrap();
        symlink("socket:[7]", fd1.join("x")).unwrap(); // not a descriptor
        std::fs::write(fd1.join("5"), b"").unwrap(); // not a link: EINVAL, skipped
        symlink("socket:[43]", fd1.join("6")).unwrap();
        std::fs::create_dir_all(proc.join("2")).unwrap(); // no fd directory: skipped
        std::fs::write(proc.join("self"), b"").unwrap();
        let mut got = process_sockets(proc, 1, &[]).unwrap();
        got.sort();
        assert_eq!(got, [(3, 42), (6, 43)]);
        let all = scan_all(proc).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[&42], Owner { pid: 1, fds: vec![3] });
        let e = process_sockets(proc, 2, &[]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        assert!(e.to_string().contains("2/fd"), "{e}");

        // An fd "directory" that is a file: ENOTDIR propagates, naming it.
        std::fs::create_dir_all(proc.join("3")).unwrap();
        std::fs::write(proc.join("3/fd"), b"").unwrap();
        let e = scan_all(proc).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOTDIR));
        assert!(
            e.to_string().contains(&*proc.join("3/fd").to_string_lossy()),
            "{e}"
        );

        let e = scan_all(Path::new("/nonexistent/psoxide-proc")).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        assert!(e.to_string().contains("/nonexistent/psoxide-proc"), "{e}");
        let nul = Path::new(std::ffi::OsStr::from_bytes(b"/pr\0oc"));
        let e = scan_all(nul).unwrap_err();
        assert!(e.raw_os_error().is_none(), "{e}");
        let e = process_sockets(nul, 1, &[]).unwrap_err();
        assert!(e.raw_os_error().is_none(), "{e}");
    }
}
