//! Reading kernel files with the fewest syscalls: one `openat`, as few `read`s as the
//! file needs, one `close`, into a buffer that is reused across calls on a thread.
//!
//! `std::fs::read` sizes the file first (`statx`) and always reads once more at EOF;
//! on /proc and /sys neither helps. Here the caller says whether the file is a
//! single-record file (sysfs attributes, `/proc/meminfo`, `/proc/stat`, `/proc/PID/stat`
//! ...), where a read that returns less than the space offered means the whole file
//! was returned, or a multi-record seq_file (`/proc/diskstats`, `/proc/net/dev`,
//! `/proc/self/mounts` ...), which the kernel hands out about a page per `read`, so it
//! is read until a `read` returns 0.

use crate::error::{Error, Result};
use std::cell::Cell;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// How to tell that the whole file has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Eof {
    /// The file is produced whole by the first read: a short read is the end.
    ShortRead,
    /// The file may come in several pieces: read until `read` returns 0.
    Zero,
}

const INITIAL: usize = 16 * 1024;

thread_local! {
    static BUF: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn cstr(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::io(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"),
        )
    })
}

/// Opens `path` read-only with close-on-exec; returns the raw fd.
pub(crate) fn open_ro(path: &Path) -> Result<libc::c_int> {
    open_ro_raw(path).map_err(|e| Error::io(path, e))
}

/// [`open_ro`] returning the raw I/O error, for callers that handle some errnos
/// (such as `ENOENT`) without building an [`Error`].
pub(crate) fn open_ro_raw(path: &Path) -> std::result::Result<libc::c_int, io::Error> {
    // The C string is built on the stack (no allocation) for paths under 384 bytes.
    let r = with_cstr(path.as_os_str().as_bytes(), |c| loop {
        // SAFETY: `c` is a valid NUL-terminated string.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd >= 0 {
            return Ok(fd);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    });
    r.and_then(|x| x)
}

/// Opens `path` read-only if it is a regular file once symlinks are followed (Python's
/// `os.path.isfile`), in one `open` + `fstat`: `Ok(Some(fd))` for a regular file,
/// `Ok(None)` for anything else that could be opened (a directory, a device...), and
/// the raw open error otherwise. `O_NONBLOCK | O_NOCTTY` keep a FIFO or a terminal from
/// blocking or becoming the controlling terminal; they change nothing for a regular
/// file.
pub(crate) fn open_regular(path: &Path) -> std::result::Result<Option<libc::c_int>, io::Error> {
    let fd = with_cstr(path.as_os_str().as_bytes(), |c| loop {
        // SAFETY: `c` is a valid NUL-terminated string.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY,
            )
        };
        if fd >= 0 {
            return Ok(fd);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    })??;
    // SAFETY: an all-zero stat is valid; `fd` is open.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` is writable.
    let ok = unsafe { libc::fstat(fd, &mut st) } == 0;
    if ok && (st.st_mode & libc::S_IFMT) == libc::S_IFREG {
        return Ok(Some(fd));
    }
    // SAFETY: `fd` was opened above and is closed exactly once.
    unsafe { libc::close(fd) };
    if ok {
        Ok(None)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads the whole of the open `fd` into `buf` (cleared first).
pub(crate) fn read_fd_into(fd: libc::c_int, path: &Path, buf: &mut Vec<u8>, eof: Eof) -> Result<()> {
    buf.clear();
    if buf.capacity() < INITIAL {
        buf.reserve(INITIAL);
    }
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity());
        }
        let spare = buf.capacity() - buf.len();
        // SAFETY: the pointer and length describe the vector's spare capacity.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().add(buf.len()) as *mut libc::c_void, spare) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::io(path, e));
        }
        let n = n as usize;
        // SAFETY: the kernel initialised `n` bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        if n == 0 || (eof == Eof::ShortRead && n < spare) {
            return Ok(());
        }
    }
}

/// Reads the whole file at `path` into `buf` (cleared first).
pub(crate) fn read_into(path: &Path, buf: &mut Vec<u8>, eof: Eof) -> Result<()> {
    let fd = open_ro(path)?;
    let r = read_fd_into(fd, path, buf, eof);
    // SAFETY: `fd` was opened above and is closed exactly once.
    unsafe { libc::close(fd) };
    r
}

/// Reads the file at `path` into this thread's reusable buffer and hands the bytes to
/// `f`. Nested calls are fine (an inner call simply uses a fresh buffer).
pub(crate) fn with_file<T>(path: &Path, eof: Eof, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let mut buf = BUF.with(|b| b.take());
    let r = read_into(path, &mut buf, eof).and_then(|()| f(&buf));
    if buf.capacity() <= 1 << 20 {
        BUF.with(|b| b.set(buf));
    }
    r
}

/// Reads a whole file into a new vector.
pub(crate) fn read_bytes(path: &Path, eof: Eof) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    read_into(path, &mut v, eof)?;
    Ok(v)
}

/// True when `path` exists (follows symlinks), like Python's `os.path.exists`.
pub(crate) fn exists(path: &Path) -> bool {
    // SAFETY: valid C string.
    with_cstr(path.as_os_str().as_bytes(), |c| unsafe {
        libc::access(c.as_ptr(), libc::F_OK) == 0
    })
    .unwrap_or(false)
}

/// Lists a directory's entry names (without `.` and `..`), in directory order.
pub(crate) fn list_dir(path: &Path) -> Result<Vec<std::ffi::OsString>> {
    use std::os::unix::ffi::OsStringExt;
    let mut out = Vec::new();
    for_each_entry(path, |name, _| {
        out.push(std::ffi::OsString::from_vec(name.to_vec()))
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readlink_relative_grows_for_long_targets() {
        let dir = std::env::temp_dir().join(format!("psoxide-rl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let short = "/etc/hostname";
        let long = format!("/{}", "x".repeat(1500));
        std::os::unix::fs::symlink(short, dir.join("s")).unwrap();
        std::os::unix::fs::symlink(&long, dir.join("l")).unwrap();
        let d = Dir::open(&dir).unwrap();
        let mut buf = Vec::new();
        d.readlink(b"s", &mut buf).unwrap();
        assert_eq!(buf, short.as_bytes());
        d.readlink(b"l", &mut buf).unwrap();
        assert_eq!(buf, long.as_bytes());
        d.readlink(b"s", &mut buf).unwrap();
        assert_eq!(buf, short.as_bytes(), "a shorter target replaces a longer one");
        let e = d.readlink(b"missing", &mut buf).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        assert!(buf.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_small_and_large_files() {
        let dir = std::env::temp_dir().join(format!("psoxide-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, b" 42\n").unwrap();
        assert_eq!(read_bytes(&small, Eof::ShortRead).unwrap(), b" 42\n");
        let big = dir.join("big");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &data).unwrap();
        assert_eq!(read_bytes(&big, Eof::Zero).unwrap(), data);
        let n = with_file(&big, Eof::Zero, |b| Ok(b.len())).unwrap();
        assert_eq!(n, data.len());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn open_regular_is_isfile() {
        let dir = std::env::temp_dir().join(format!("psoxide-openreg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        std::os::unix::fs::symlink(&file, dir.join("link")).unwrap();
        std::os::unix::fs::symlink(dir.join("missing"), dir.join("dangling")).unwrap();
        let fifo = dir.join("fifo");
        let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let close = |r: std::result::Result<Option<libc::c_int>, io::Error>| {
            r.map(|o| {
                o.map(|fd| {
                    // SAFETY: the fd was returned open.
                    unsafe { libc::close(fd) };
                })
                .is_some()
            })
        };
        for (p, want) in [
            (file.clone(), true),
            (dir.join("link"), true),
            (dir.clone(), false),
            (fifo, false),
        ] {
            assert_eq!(close(open_regular(&p)).unwrap(), want, "{p:?}");
            assert_eq!(std::fs::metadata(&p).unwrap().is_file(), want, "{p:?}");
        }
        let e = close(open_regular(&dir.join("dangling"))).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let e = close(open_regular(&file.join("sub"))).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOTDIR));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dir_listing_and_joined_open() {
        let dir = std::env::temp_dir().join(format!("psoxide-dir-{}", std::process::id()));
        let long = "d".repeat(200);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::create_dir_all(dir.join(&long).join(&long)).unwrap();
        for name in ["x", "y", "z"] {
            std::fs::write(dir.join("a/b").join(name), name).unwrap();
        }
        let with_slash = std::path::PathBuf::from(format!("{}/", dir.display()));
        for base in [dir.clone(), with_slash] {
            let d = Dir::open_joined(&base, "a/b").unwrap();
            let mut names = Vec::new();
            d.for_each(|n, _| names.push(String::from_utf8(n.to_vec()).unwrap()))
                .unwrap();
            names.sort();
            assert_eq!(names, ["x", "y", "z"]);
            // a second listing rewinds
            let mut again = 0;
            d.for_each(|_, _| again += 1).unwrap();
            assert_eq!(again, 3);
            let mut buf = Vec::new();
            d.read_file(b"y", &mut buf, Eof::ShortRead).unwrap();
            assert_eq!(buf, b"y");
            assert!(d.exists(b"z") && !d.exists(b"w"));
            assert_eq!(
                d.read_file(b"w", &mut buf, Eof::ShortRead)
                    .unwrap_err()
                    .raw_os_error(),
                Some(libc::ENOENT)
            );
        }
        // longer than the stack buffer: falls back to a PathBuf
        Dir::open_joined(&dir, &format!("{long}/{long}")).unwrap();
        assert_eq!(
            Dir::open_joined(&dir, "nope").unwrap_err().raw_os_error(),
            Some(libc::ENOENT)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_name_the_path() {
        let e = read_bytes(Path::new("/nonexistent/psoxide"), Eof::ShortRead).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/psoxide"), "{e}");
        assert_eq!(e.exception_name(), "FileNotFoundError");
    }

    #[test]
    fn reads_proc_meminfo_whole() {
        let v = read_bytes(Path::new("/proc/meminfo"), Eof::ShortRead).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(s.starts_with("MemTotal:"));
        assert!(s.trim_end().lines().count() > 20);
    }
}

/// An open directory (normally the procfs root) that per-process files are opened
/// relative to with `openat`, so the kernel resolves `PID/stat` from the held
/// directory instead of walking the absolute path each time.
#[derive(Debug)]
pub(crate) struct DirFd {
    fd: std::os::fd::OwnedFd,
    path: std::path::PathBuf,
}

impl DirFd {
    /// Opens `path` as an `O_PATH | O_DIRECTORY` descriptor.
    pub(crate) fn open(path: &Path) -> Result<DirFd> {
        use std::os::fd::FromRawFd;
        let c = cstr(path)?;
        // SAFETY: valid C string; the returned fd is owned below.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(Error::io(path, io::Error::last_os_error()));
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        Ok(DirFd {
            fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
            path: path.to_path_buf(),
        })
    }

    /// The held descriptor.
    pub(crate) fn borrow(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    /// The directory's path (for error messages).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Opens `rel` (relative to this directory) read-only. Returns the raw errno on
    /// failure so that callers can translate it (process errors need the errno).
    pub(crate) fn openat_raw(&self, rel: &std::ffi::CStr) -> std::result::Result<libc::c_int, io::Error> {
        use std::os::fd::AsRawFd;
        loop {
            // SAFETY: valid dirfd and C string.
            let fd = unsafe {
                libc::openat(
                    self.fd.as_raw_fd(),
                    rel.as_ptr(),
                    libc::O_RDONLY | libc::O_CLOEXEC,
                )
            };
            if fd >= 0 {
                return Ok(fd);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Reads `rel` whole into `buf`; the error is the raw I/O error (errno kept).
    pub(crate) fn read_raw(
        &self,
        rel: &std::ffi::CStr,
        buf: &mut Vec<u8>,
        eof: Eof,
    ) -> std::result::Result<(), io::Error> {
        let fd = self.openat_raw(rel)?;
        let r = read_fd_into(fd, Path::new(""), buf, eof).map_err(|e| match e {
            Error::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        });
        // SAFETY: `fd` was opened above and is closed exactly once.
        unsafe { libc::close(fd) };
        r
    }
}

/// Takes this thread's reusable buffer (or a new one); give it back with [`put_buf`].
pub(crate) fn take_buf() -> Vec<u8> {
    BUF.with(|b| b.take())
}

/// Returns a buffer taken with [`take_buf`] for reuse (huge buffers are dropped).
pub(crate) fn put_buf(buf: Vec<u8>) {
    if buf.capacity() <= 1 << 20 {
        BUF.with(|b| b.set(buf));
    }
}

// ---------------------------------------------------------------------------------
// Directory listings without `fstat`, and files opened relative to a held directory
// ---------------------------------------------------------------------------------

thread_local! {
    static DENTS: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Size of the `getdents64` buffer: one call returns a whole sysfs/procfs directory
/// of a few hundred entries.
const DENTS_LEN: usize = 32 * 1024;

/// Builds a NUL-terminated copy of `bytes` (on the stack when it is short) and hands
/// it to `f`. A NUL byte inside `bytes` is an `InvalidInput` error, as for paths.
pub(crate) fn with_cstr<T>(bytes: &[u8], f: impl FnOnce(&std::ffi::CStr) -> T) -> io::Result<T> {
    if bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "path contains a NUL byte",
        ));
    }
    let mut stack = [0u8; 384];
    if bytes.len() < stack.len() {
        stack[..bytes.len()].copy_from_slice(bytes);
        let c = std::ffi::CStr::from_bytes_until_nul(&stack)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
        return Ok(f(c));
    }
    let c = CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    Ok(f(&c))
}

/// Calls `f(name, d_type)` for every entry of the open directory `fd` except `.` and
/// `..`, in directory order, with raw `getdents64` (no `fstat`, no allocation per
/// entry).
fn getdents_each(fd: libc::c_int, f: &mut dyn FnMut(&[u8], u8)) -> io::Result<()> {
    let mut dents = DENTS.with(|b| b.take());
    if dents.len() < DENTS_LEN {
        dents.resize(DENTS_LEN, 0);
    }
    let r = loop {
        // SAFETY: `dents` is a writable buffer of the given length.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, dents.as_mut_ptr(), dents.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            break Err(e);
        }
        if n == 0 {
            break Ok(());
        }
        let n = (n as usize).min(dents.len());
        let mut off = 0usize;
        // struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, char name[].
        while off + 19 <= n {
            let reclen = usize::from(u16::from_ne_bytes([dents[off + 16], dents[off + 17]]));
            if reclen < 19 || off + reclen > n {
                break;
            }
            let dtype = dents[off + 18];
            let raw = &dents[off + 19..off + reclen];
            let name = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
            if name != b"." && name != b".." {
                f(name, dtype);
            }
            off += reclen;
        }
    };
    DENTS.with(|b| b.set(dents));
    r
}

/// A directory opened for listing (`O_RDONLY | O_DIRECTORY`) whose files can also be
/// opened relative to it with `openat`, so that the kernel does not walk the whole
/// absolute path again for each file.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: std::os::fd::OwnedFd,
    /// Whether the fd's position has moved (a listing was done): rewind first.
    listed: Cell<bool>,
}

impl Dir {
    /// Opens `path` as a directory. The error is the raw I/O error (errno kept), so
    /// that callers can tell a missing directory (`ENOENT`, `ENOTDIR`) from others.
    pub(crate) fn open(path: &Path) -> std::result::Result<Dir, io::Error> {
        use std::os::fd::FromRawFd;
        with_cstr(path.as_os_str().as_bytes(), |c| loop {
            // SAFETY: valid C string; the returned fd is owned below.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
            if fd >= 0 {
                // SAFETY: `fd` is a fresh descriptor that nothing else owns.
                return Ok(Dir {
                    fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
                    listed: Cell::new(false),
                });
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        })?
    }

    /// Opens the directory `base.join(rel)` (`rel` relative, without a leading `/`),
    /// building the joined C path on the stack instead of in a `PathBuf`.
    pub(crate) fn open_joined(base: &Path, rel: &str) -> std::result::Result<Dir, io::Error> {
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

    /// Opens the directory `rel` relative to this one (`openat` with `O_DIRECTORY`).
    pub(crate) fn open_dir(&self, rel: &[u8]) -> std::result::Result<Dir, io::Error> {
        use std::os::fd::FromRawFd;
        with_cstr(rel, |c| loop {
            // SAFETY: valid dirfd and C string; the returned fd is owned below.
            let fd = unsafe {
                libc::openat(
                    self.raw(),
                    c.as_ptr(),
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                )
            };
            if fd >= 0 {
                // SAFETY: `fd` is a fresh descriptor that nothing else owns.
                return Ok(Dir {
                    fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
                    listed: Cell::new(false),
                });
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        })?
    }

    fn raw(&self) -> libc::c_int {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    /// Calls `f(name, d_type)` for each entry except `.` and `..`, in directory order
    /// (the order `readdir` and `os.listdir` give). Lists from the start each time.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], u8)) -> std::result::Result<(), io::Error> {
        if self.listed.replace(true) {
            // SAFETY: rewinding an owned directory fd.
            unsafe { libc::lseek(self.raw(), 0, libc::SEEK_SET) };
        }
        getdents_each(self.raw(), &mut f)
    }

    /// Opens `rel` (relative to this directory) read-only; raw I/O error on failure.
    pub(crate) fn open_file(&self, rel: &[u8]) -> std::result::Result<libc::c_int, io::Error> {
        with_cstr(rel, |c| loop {
            // SAFETY: valid dirfd and C string.
            let fd = unsafe { libc::openat(self.raw(), c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
            if fd >= 0 {
                return Ok(fd);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        })?
    }

    /// Reads `rel` (relative to this directory) whole into `buf`; the error is the raw
    /// I/O error (errno kept).
    pub(crate) fn read_file(
        &self,
        rel: &[u8],
        buf: &mut Vec<u8>,
        eof: Eof,
    ) -> std::result::Result<(), io::Error> {
        let fd = self.open_file(rel)?;
        let r = read_fd_into(fd, Path::new(""), buf, eof).map_err(|e| match e {
            Error::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        });
        // SAFETY: `fd` was opened above and is closed exactly once.
        unsafe { libc::close(fd) };
        r
    }

    /// The target of the symlink `rel` (relative to this directory) into `buf`
    /// (replacing its contents; grown while the target fills it); raw I/O error on
    /// failure.
    pub(crate) fn readlink(&self, rel: &[u8], buf: &mut Vec<u8>) -> std::result::Result<(), io::Error> {
        with_cstr(rel, |c| {
            if buf.len() < 256 {
                buf.resize(256, 0);
            }
            loop {
                buf.resize(buf.capacity(), 0);
                // SAFETY: valid dirfd, C string, and a buffer of `buf.len()` bytes.
                let n =
                    unsafe { libc::readlinkat(self.raw(), c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
                if n < 0 {
                    let e = io::Error::last_os_error();
                    buf.clear();
                    return Err(e);
                }
                let n = n as usize;
                if n < buf.len() {
                    buf.truncate(n);
                    return Ok(());
                }
                // Possibly cut: try again with more room.
                buf.reserve(buf.len());
            }
        })?
    }

    /// True when `rel` (relative to this directory) exists, following symlinks:
    /// `faccessat(F_OK)`, i.e. `os.path.exists`.
    pub(crate) fn exists(&self, rel: &[u8]) -> bool {
        with_cstr(rel, |c| {
            // SAFETY: valid dirfd and C string.
            unsafe { libc::faccessat(self.raw(), c.as_ptr(), libc::F_OK, 0) == 0 }
        })
        .unwrap_or(false)
    }
}

/// Calls `f(name, d_type)` for every entry of the directory at `path` (except `.` and
/// `..`), in directory order: one `open`, `getdents64` calls, one `close`. Errors name
/// the path.
pub(crate) fn for_each_entry(path: &Path, f: impl FnMut(&[u8], u8)) -> Result<()> {
    let d = Dir::open(path).map_err(|e| Error::io(path, e))?;
    d.for_each(f).map_err(|e| Error::io(path, e))
}
