//! Files and directories: open, read whole, list, read links, test existence.
//!
//! Every file psoxide reads goes through here, with the fewest syscalls: one `openat`,
//! as few `read`s as the file needs and one `close`, into a buffer reused across
//! calls on a thread. `std::fs::read` sizes the file first (`statx`) and always reads
//! once more at EOF; on /proc and /sys neither helps. The caller says whether a file
//! is produced whole by its first `read` (sysfs attributes, `/proc/meminfo`,
//! `/proc/PID/stat`, ...: a short read is the end) or is a multi-record seq_file
//! (`/proc/diskstats`, `/proc/net/dev`, mount tables, ...: read until `read` returns
//! 0).
//!
//! Errors are `std::io::Error`s with their errno; the callers that know which path
//! they asked for wrap them in [`Error::Io`](crate::Error::Io) (see [`read_into`]).

use crate::error::{Error, Result};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};
use rustix::io::retry_on_intr;
use rustix::path::Arg;
use std::cell::Cell;
use std::ffi::OsString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

/// How to tell that the whole file has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Eof {
    /// The file is produced whole by the first read: a short read is the end.
    ShortRead,
    /// The file may come in several pieces: read until `read` returns 0.
    Zero,
}

/// Bytes reserved before the first `read` of a file.
const INITIAL: usize = 16 * 1024;
/// A buffer that grew beyond this is dropped instead of kept for reuse.
const KEEP_MAX: usize = 1 << 20;
/// Bytes of directory entries fetched per `getdents64` call: one call returns a
/// whole sysfs or procfs directory of a few hundred entries.
const DENTS_LEN: usize = 32 * 1024;

thread_local! {
    static BUF: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    static DENTS: Cell<Vec<MaybeUninit<u8>>> = const { Cell::new(Vec::new()) };
}

/// Takes this thread's reusable buffer (or a new one); give it back with [`put_buf`].
pub(crate) fn take_buf() -> Vec<u8> {
    BUF.with(|b| b.take())
}

/// Returns a buffer taken with [`take_buf`] for reuse (huge buffers are dropped).
pub(crate) fn put_buf(buf: Vec<u8>) {
    if buf.capacity() <= KEEP_MAX {
        BUF.with(|b| b.set(buf));
    }
}

fn ro() -> OFlags {
    OFlags::RDONLY | OFlags::CLOEXEC
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

/// Opens `path` read-only, close-on-exec.
pub(crate) fn open(path: &Path) -> io::Result<OwnedFd> {
    Ok(retry_on_intr(|| rustix::fs::open(path, ro(), Mode::empty()))?)
}

/// Opens `path` read-only if it is a regular file once symlinks are followed (Python's
/// `os.path.isfile`), in one `open` + `fstat`: `Ok(Some(fd))` for a regular file,
/// `Ok(None)` for anything else that could be opened (a directory, a device...), and
/// the open error otherwise. `O_NONBLOCK | O_NOCTTY` keep a FIFO or a terminal from
/// blocking or becoming the controlling terminal; they change nothing for a regular
/// file.
pub(crate) fn open_regular(path: &Path) -> io::Result<Option<OwnedFd>> {
    let flags = ro() | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = retry_on_intr(|| rustix::fs::open(path, flags, Mode::empty()))?;
    let st = rustix::fs::fstat(&fd)?;
    Ok((FileType::from_raw_mode(st.st_mode) == FileType::RegularFile).then_some(fd))
}

/// Reads the whole of the open `fd` into `buf` (cleared first).
pub(crate) fn read_fd(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, eof: Eof) -> io::Result<()> {
    buf.clear();
    if buf.capacity() < INITIAL {
        buf.reserve(INITIAL);
    }
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity());
        }
        let spare = buf.capacity() - buf.len();
        let n = retry_on_intr(|| rustix::io::read(fd, rustix::buffer::spare_capacity(buf)))?;
        if n == 0 || (eof == Eof::ShortRead && n < spare) {
            return Ok(());
        }
    }
}

/// Reads the whole file at `path` into `buf` (cleared first); errors name the path.
pub(crate) fn read_into(path: &Path, buf: &mut Vec<u8>, eof: Eof) -> Result<()> {
    open(path)
        .and_then(|fd| read_fd(fd.as_fd(), buf, eof))
        .map_err(|e| Error::io(path, e))
}

/// Reads the file at `path` into this thread's reusable buffer and hands the bytes to
/// `f`. Nested calls are fine (an inner call simply uses a fresh buffer).
pub(crate) fn with_file<T>(path: &Path, eof: Eof, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let mut buf = take_buf();
    let r = read_into(path, &mut buf, eof).and_then(|()| f(&buf));
    put_buf(buf);
    r
}

/// Reads a whole file into a new vector; errors name the path.
pub(crate) fn read_bytes(path: &Path, eof: Eof) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    read_into(path, &mut v, eof)?;
    Ok(v)
}

/// True when `path` exists (follows symlinks), like Python's `os.path.exists`.
pub(crate) fn exists(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXISTS).is_ok()
}

/// `access(path, mode)`: the kernel's permission check of `path` (following
/// symlinks) for the caller's real IDs.
pub(crate) fn access(path: &Path, mode: rustix::fs::Access) -> bool {
    rustix::fs::access(path, mode).is_ok()
}

/// Lists a directory's entry names (without `.` and `..`), in directory order; errors
/// name the path.
pub(crate) fn list_dir(path: &Path) -> Result<Vec<OsString>> {
    let mut out = Vec::new();
    for_each_entry(path, |name| out.push(OsString::from_vec(name.to_vec())))?;
    Ok(out)
}

/// Calls `f(name)` for every entry of the directory at `path` (except `.` and `..`),
/// in directory order: one `open`, `getdents64` calls, one `close`. Errors name the
/// path.
pub(crate) fn for_each_entry(path: &Path, f: impl FnMut(&[u8])) -> Result<()> {
    Dir::open(path)
        .and_then(|mut d| d.for_each(f))
        .map_err(|e| Error::io(path, e))
}

/// An open directory (`O_RDONLY | O_DIRECTORY`): listed with `getdents64`, and the
/// files under it opened relative to it (`openat`), so that the kernel does not walk
/// the whole absolute path again for each one. The only directory type of the crate.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
    /// Whether the fd's position has moved (a listing was done): rewind first.
    listed: bool,
}

impl Dir {
    /// Opens `path` as a directory (errno kept, so that callers can tell a missing
    /// directory from others).
    pub(crate) fn open(path: &Path) -> io::Result<Dir> {
        let fd = retry_on_intr(|| rustix::fs::open(path, dir_flags(), Mode::empty()))?;
        Ok(Dir::from_fd(fd))
    }

    /// Opens `path` as an `O_PATH` directory: only a base for the `*at` calls (it
    /// cannot be listed), and it needs no read permission on the directory itself, so
    /// that the files below still answer with their own errors (a process's files in
    /// a procfs tree the caller may not list are `AccessDenied`, not an error about
    /// the tree).
    pub(crate) fn open_path(path: &Path) -> io::Result<Dir> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = retry_on_intr(|| rustix::fs::open(path, flags, Mode::empty()))?;
        Ok(Dir::from_fd(fd))
    }

    /// Opens the directory `rel` relative to this one as an `O_PATH` directory (see
    /// [`Dir::open_path`]).
    pub(crate) fn open_path_at<P: Arg + Copy>(&self, rel: P) -> io::Result<Dir> {
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = retry_on_intr(|| rustix::fs::openat(&self.fd, rel, flags, Mode::empty()))?;
        Ok(Dir::from_fd(fd))
    }

    fn from_fd(fd: OwnedFd) -> Dir {
        Dir { fd, listed: false }
    }

    /// Opens the directory `base.join(rel)` (`rel` relative, without a leading `/`),
    /// building the joined path on the stack instead of in a `PathBuf`.
    pub(crate) fn open_joined(base: &Path, rel: &str) -> io::Result<Dir> {
        let b = base.as_os_str().as_bytes();
        let mut stack = [0u8; 256];
        let sep = usize::from(!b.ends_with(b"/"));
        let len = b.len() + sep + rel.len();
        if len > stack.len() {
            return Dir::open(&base.join(rel));
        }
        stack[..b.len()].copy_from_slice(b);
        if sep == 1 {
            stack[b.len()] = b'/';
        }
        stack[b.len() + sep..len].copy_from_slice(rel.as_bytes());
        Dir::open(Path::new(std::ffi::OsStr::from_bytes(&stack[..len])))
    }

    /// Opens the directory `rel` relative to this one.
    pub(crate) fn open_dir<P: Arg + Copy>(&self, rel: P) -> io::Result<Dir> {
        let fd = retry_on_intr(|| rustix::fs::openat(&self.fd, rel, dir_flags(), Mode::empty()))?;
        Ok(Dir::from_fd(fd))
    }

    /// Calls `f(name)` for each entry except `.` and `..`, in directory order (the
    /// order `readdir` and `os.listdir` give). Lists from the start each time; `&mut`
    /// because a listing moves the descriptor's position.
    pub(crate) fn for_each(&mut self, mut f: impl FnMut(&[u8])) -> io::Result<()> {
        self.scan(|name, _| f(name))
    }

    /// Like [`Dir::for_each`], with each entry's type as `readdir` reports it; where
    /// the file system gives none (`DT_UNKNOWN`) it is asked with `fstatat` without
    /// following links, as Python's `DirEntry.is_dir()` does.
    pub(crate) fn for_each_typed(&mut self, mut f: impl FnMut(&[u8], FileType)) -> io::Result<()> {
        let mut known: Vec<(Vec<u8>, FileType)> = Vec::new();
        self.scan(|name, ft| known.push((name.to_vec(), ft)))?;
        for (name, ft) in &mut known {
            if *ft == FileType::Unknown {
                let st = rustix::fs::statat(&self.fd, name.as_slice(), AtFlags::SYMLINK_NOFOLLOW)?;
                *ft = FileType::from_raw_mode(st.st_mode);
            }
        }
        for (name, ft) in known {
            f(&name, ft);
        }
        Ok(())
    }

    /// The one `getdents64` loop of the crate (through rustix's `RawDir`): every entry
    /// but `.` and `..`, with its `d_type`. An `EINTR` is retried; any other error
    /// ends the listing with that error.
    fn scan(&mut self, mut f: impl FnMut(&[u8], FileType)) -> io::Result<()> {
        if std::mem::replace(&mut self.listed, true) {
            rustix::fs::seek(&self.fd, rustix::fs::SeekFrom::Start(0))?;
        }
        let mut dents = DENTS.with(|b| b.take());
        if dents.len() < DENTS_LEN {
            dents.resize(DENTS_LEN, MaybeUninit::uninit());
        }
        let mut r = Ok(());
        {
            let mut it = RawDir::new(&self.fd, &mut dents);
            while let Some(ent) = it.next() {
                match ent {
                    Ok(ent) => {
                        let name = ent.file_name().to_bytes();
                        if name != b"." && name != b".." {
                            f(name, ent.file_type());
                        }
                    }
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => {
                        r = Err(e.into());
                        break;
                    }
                }
            }
        }
        DENTS.with(|b| b.set(dents));
        r
    }

    /// Opens `rel` (relative to this directory) read-only.
    pub(crate) fn open_file<P: Arg + Copy>(&self, rel: P) -> io::Result<OwnedFd> {
        Ok(retry_on_intr(|| {
            rustix::fs::openat(&self.fd, rel, ro(), Mode::empty())
        })?)
    }

    /// Reads `rel` (relative to this directory) whole into `buf`.
    pub(crate) fn read_file<P: Arg + Copy>(&self, rel: P, buf: &mut Vec<u8>, eof: Eof) -> io::Result<()> {
        let fd = self.open_file(rel)?;
        read_fd(fd.as_fd(), buf, eof)
    }

    /// The target of the symlink `rel` (relative to this directory) into `buf`
    /// (replacing its contents; grown while the target fills it). On failure `buf`
    /// is left empty.
    pub(crate) fn readlink<P: Arg + Copy>(&self, rel: P, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        if buf.capacity() < 256 {
            buf.reserve(256);
        }
        loop {
            let room = buf.capacity();
            let r = rustix::fs::readlinkat_raw(&self.fd, rel, rustix::buffer::spare_capacity(buf));
            match r {
                Ok(n) if n < room => return Ok(()),
                Ok(_) if room >= KEEP_MAX => {
                    buf.clear();
                    return Err(rustix::io::Errno::NAMETOOLONG.into());
                }
                // Possibly cut: try again with more room.
                Ok(_) => {
                    buf.clear();
                    buf.reserve(room * 2);
                }
                Err(e) => {
                    buf.clear();
                    return Err(e.into());
                }
            }
        }
    }

    /// True when `rel` (relative to this directory) exists, following symlinks
    /// (`faccessat(F_OK)`, i.e. `os.path.exists`).
    pub(crate) fn exists<P: Arg + Copy>(&self, rel: P) -> bool {
        self.access(rel, rustix::fs::Access::EXISTS)
    }

    /// `faccessat` of `rel` with `mode`: the kernel's permission check for that file,
    /// for the caller's real IDs.
    pub(crate) fn access<P: Arg + Copy>(&self, rel: P, mode: rustix::fs::Access) -> bool {
        rustix::fs::accessat(&self.fd, rel, mode, AtFlags::empty()).is_ok()
    }

    /// `fstatat` of `rel`, following symlinks.
    pub(crate) fn stat<P: Arg + Copy>(&self, rel: P) -> io::Result<rustix::fs::Stat> {
        Ok(rustix::fs::statat(&self.fd, rel, AtFlags::empty())?)
    }

    /// True when this directory is on a procfs mount (`fstatfs`'s `f_type` is
    /// `PROC_SUPER_MAGIC`): only there do the kernel's own conventions hold, such as
    /// the size of `/proc/PID/fd` being its number of entries.
    pub(crate) fn is_procfs(&self) -> bool {
        const PROC_SUPER_MAGIC: i64 = 0x9fa0;
        rustix::fs::fstatfs(&self.fd).is_ok_and(|st| st.f_type == PROC_SUPER_MAGIC)
    }

    /// Device and inode of the directory itself, to notice a directory replaced at
    /// the same path.
    pub(crate) fn identity(&self) -> io::Result<(u64, u64)> {
        let st = rustix::fs::fstat(&self.fd)?;
        Ok((st.st_dev, st.st_ino))
    }
}

/// `stat(2)` of `path`, following symlinks (Python's `os.stat`).
pub(crate) fn stat(path: &Path) -> io::Result<rustix::fs::Stat> {
    Ok(retry_on_intr(|| rustix::fs::stat(path))?)
}

/// True when `st` is a regular file's.
pub(crate) fn is_regular(st: &rustix::fs::Stat) -> bool {
    FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
}

/// True when `path` is a regular file once symlinks are followed (Python's
/// `os.path.isfile`: any error is false).
pub(crate) fn is_file(path: &Path) -> bool {
    stat(path).is_ok_and(|st| is_regular(&st))
}

/// `statvfs(2)` of `path` (glibc's fields: `f_frsize` is `f_bsize` when the kernel
/// gives none).
pub(crate) fn statvfs(path: &Path) -> io::Result<rustix::fs::StatVfs> {
    Ok(retry_on_intr(|| rustix::fs::statvfs(path))?)
}

/// Device and inode of `path` (following symlinks): compared with
/// [`Dir::identity`] to notice a directory replaced at the same path.
pub(crate) fn identity(path: &Path) -> io::Result<(u64, u64)> {
    let st = rustix::fs::stat(path)?;
    Ok((st.st_dev, st.st_ino))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readlink_grows_for_long_targets() {
        let dir = tempfile::tempdir().unwrap();
        let short = "/etc/hostname";
        let long = format!("/{}", "x".repeat(1500));
        std::os::unix::fs::symlink(short, dir.path().join("s")).unwrap();
        std::os::unix::fs::symlink(&long, dir.path().join("l")).unwrap();
        let d = Dir::open(dir.path()).unwrap();
        let mut buf = Vec::new();
        d.readlink(&b"s"[..], &mut buf).unwrap();
        assert_eq!(buf, short.as_bytes());
        d.readlink(&b"l"[..], &mut buf).unwrap();
        assert_eq!(buf, long.as_bytes());
        d.readlink(&b"s"[..], &mut buf).unwrap();
        assert_eq!(buf, short.as_bytes(), "a shorter target replaces a longer one");
        let e = d.readlink(&b"missing"[..], &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(buf.is_empty());
    }

    #[test]
    fn reads_small_and_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b" 42\n").unwrap();
        assert_eq!(read_bytes(&small, Eof::ShortRead).unwrap(), b" 42\n");
        let big = dir.path().join("big");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &data).unwrap();
        assert_eq!(read_bytes(&big, Eof::Zero).unwrap(), data);
        let n = with_file(&big, Eof::Zero, |b| Ok(b.len())).unwrap();
        assert_eq!(n, data.len());
    }

    #[test]
    fn open_regular_is_isfile() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        std::os::unix::fs::symlink(&file, dir.join("link")).unwrap();
        std::os::unix::fs::symlink(dir.join("missing"), dir.join("dangling")).unwrap();
        let fifo = dir.join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        for (p, want) in [
            (file.clone(), true),
            (dir.join("link"), true),
            (dir.to_path_buf(), false),
            (fifo, false),
        ] {
            assert_eq!(open_regular(&p).unwrap().is_some(), want, "{p:?}");
            assert_eq!(std::fs::metadata(&p).unwrap().is_file(), want, "{p:?}");
        }
        let e = open_regular(&dir.join("dangling")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let e = open_regular(&file.join("sub")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotADirectory);
    }

    #[test]
    fn dir_listing_and_joined_open() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let long = "d".repeat(200);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::create_dir_all(dir.join(&long).join(&long)).unwrap();
        for name in ["x", "y", "z"] {
            std::fs::write(dir.join("a/b").join(name), name).unwrap();
        }
        let with_slash = std::path::PathBuf::from(format!("{}/", dir.display()));
        for base in [dir.clone(), with_slash] {
            let mut d = Dir::open_joined(&base, "a/b").unwrap();
            let mut names = Vec::new();
            d.for_each(|n| names.push(String::from_utf8(n.to_vec()).unwrap()))
                .unwrap();
            names.sort();
            assert_eq!(names, ["x", "y", "z"]);
            // a second listing rewinds
            let mut again = 0;
            d.for_each(|_| again += 1).unwrap();
            assert_eq!(again, 3);
            let mut buf = Vec::new();
            d.read_file(&b"y"[..], &mut buf, Eof::ShortRead).unwrap();
            assert_eq!(buf, b"y");
            assert!(d.exists(&b"z"[..]) && !d.exists(&b"w"[..]));
            assert_eq!(
                d.read_file(&b"w"[..], &mut buf, Eof::ShortRead)
                    .unwrap_err()
                    .kind(),
                io::ErrorKind::NotFound
            );
            let sub = Dir::open(&base).unwrap().open_dir(&b"a"[..]).unwrap();
            assert!(sub.exists(&b"b"[..]));
        }
        // longer than the stack buffer: falls back to a PathBuf
        Dir::open_joined(&dir, &format!("{long}/{long}")).unwrap();
        assert_eq!(
            Dir::open_joined(&dir, "nope").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        // a directory replaced at the same path has another identity
        let d = Dir::open(&dir.join("a")).unwrap();
        assert_eq!(d.identity().unwrap(), identity(&dir.join("a")).unwrap());
        std::fs::rename(dir.join("a"), dir.join("old")).unwrap();
        std::fs::create_dir(dir.join("a")).unwrap();
        assert_ne!(d.identity().unwrap(), identity(&dir.join("a")).unwrap());
    }

    #[test]
    fn errors_name_the_path() {
        let e = read_bytes(Path::new("/nonexistent/psoxide"), Eof::ShortRead).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/psoxide"), "{e}");
        assert_eq!(e.exception_name(), "FileNotFoundError");
        let e = list_dir(Path::new("/nonexistent/psoxide-dir")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/psoxide-dir"), "{e}");
    }

    #[test]
    fn reads_proc_meminfo_whole() {
        let v = read_bytes(Path::new("/proc/meminfo"), Eof::ShortRead).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(s.starts_with("MemTotal:"));
        assert!(s.trim_end().lines().count() > 20);
    }

    #[test]
    fn typed_listing_does_not_follow_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        std::os::unix::fs::symlink("d", dir.path().join("l")).unwrap();
        let mut got = Vec::new();
        Dir::open(dir.path())
            .unwrap()
            .for_each_typed(|n, t| got.push((n.to_vec(), t)))
            .unwrap();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            vec![
                (b"d".to_vec(), FileType::Directory),
                (b"f".to_vec(), FileType::RegularFile),
                (b"l".to_vec(), FileType::Symlink),
            ]
        );
        assert!(is_file(&dir.path().join("f")) && !is_file(&dir.path().join("d")));
        assert!(!is_file(&dir.path().join("missing")));
    }
}
