//! Files and directories: open, read whole, list, read links, test existence.
//!
//! Every file psoxide reads goes through here, with the fewest syscalls: one `openat`,
//! as few `read`s as the file needs and one `close`, into a buffer reused across
//! calls on a thread. `std::fs::read` sizes the file first (`statx`) and always reads
//! once more at EOF; on /proc and /sys neither helps. The caller says, with a
//! [`FileKind`], whether a file is produced whole by its first `read` (sysfs
//! attributes, `/proc/meminfo`, `/proc/PID/stat`, ...: a short read is the end) or is a
//! multi-record seq_file (`/proc/diskstats`, `/proc/net/dev`, mount tables, ...: read
//! until `read` returns 0), and how many bytes it may have.
//!
//! A root may be a container's or a fixture's, so a file may be something other than
//! the regular file procfs and sysfs give (`S_IFREG`, size often 0): a FIFO, a device,
//! a link to `/dev/zero`, a file that grows without end. Reads are therefore bounded:
//! files are opened `O_NONBLOCK | O_NOCTTY` (a FIFO or a terminal cannot block the
//! caller or become its controlling terminal; nothing changes for a regular file),
//! and a read stops with an error naming the limit once a file exceeds its kind's
//! [`FileKind::max`]. The type is checked with `fstat` only when something is odd
//! (a read answers `EAGAIN`, a file is empty outside a procfs mount, or passes
//! [`TYPE_CHECK_AT`] bytes), so that the common path stays one open, one read, one
//! close; a file that is not regular then fails with [`not_regular`]'s error.
//!
//! Errors are `std::io::Error`s with their errno (or, for the two refusals above, a
//! message); the callers that know which path they asked for wrap them in
//! [`Error::Io`](crate::Error::Io) (see [`read_into`]).

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

const MIB: usize = 1 << 20;

/// What kind of file a read expects: how its end is recognised ([`Eof`]) and the most
/// bytes it may have. A file larger than `max` is an error naming the path and the
/// limit, never silently cut. The limits (and why) are listed in docs/decisions.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileKind {
    /// How the end of the file is recognised.
    pub(crate) eof: Eof,
    /// The most bytes the file may have.
    pub(crate) max: usize,
}

impl FileKind {
    /// A file produced whole by one read: sysfs attributes (at most a page),
    /// `/proc/stat`, `/proc/meminfo`, `/proc/vmstat`, `/proc/loadavg`,
    /// `/proc/PID/{stat,status,statm,io,limits}`, `fdinfo/N`. 4 MiB.
    pub(crate) const RECORD: FileKind = FileKind {
        eof: Eof::ShortRead,
        max: 4 * MIB,
    };
    /// `/proc/PID/cmdline` (produced whole by one read). 8 MiB: exec accepts at most
    /// 6 MiB of arguments and environment together (3/4 of the 8 MiB `_STK_LIM`).
    pub(crate) const CMDLINE: FileKind = FileKind {
        eof: Eof::ShortRead,
        max: 8 * MIB,
    };
    /// `/proc/PID/environ`, read to EOF. 8 MiB, as [`FileKind::CMDLINE`].
    pub(crate) const ENVIRON: FileKind = FileKind {
        eof: Eof::Zero,
        max: 8 * MIB,
    };
    /// A multi-record seq_file or table read to EOF: `/proc/net/*`, mount tables,
    /// `/proc/diskstats`, `/proc/partitions`, `/proc/cpuinfo`, `/proc/zoneinfo`, the
    /// utmp file. 64 MiB (some 400,000 socket lines of `/proc/net/tcp`).
    pub(crate) const TABLE: FileKind = FileKind {
        eof: Eof::Zero,
        max: 64 * MIB,
    };
    /// A process's memory maps: `/proc/PID/smaps`, `smaps_rollup`, `maps`, read to
    /// EOF. 256 MiB: about 1 KiB per mapping of `smaps`, and 262,144 mappings (a
    /// `vm.max_map_count` some databases ask for).
    pub(crate) const MAPS: FileKind = FileKind {
        eof: Eof::Zero,
        max: 256 * MIB,
    };
}

/// `statfs`'s `f_type` of a procfs mount.
pub(crate) const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Once a read has passed this many bytes, the file's type is checked (one `fstat`):
/// a device that streams without end (`/dev/zero`, `/dev/urandom`) is refused here,
/// before the buffer grows to the kind's limit.
pub(crate) const TYPE_CHECK_AT: usize = MIB;

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

/// Drops this thread's read buffer if a big file made it grow beyond its initial
/// size (for [`heap_trim`](crate::heap_trim)); the next read starts a new one. The
/// buffers of the usual size (16 KiB for files, 32 KiB for directory entries) are
/// kept: the next call needs them again, and a freed chunk in glibc's bins is
/// `madvise`d again by every later `malloc_trim`.
#[cfg_attr(not(target_env = "gnu"), allow(dead_code))]
pub(crate) fn release_thread_buffers() {
    BUF.with(|b| {
        let v = b.take();
        if v.capacity() <= INITIAL {
            b.set(v);
        }
    });
}

/// Returns a buffer taken with [`take_buf`] for reuse (huge buffers are dropped).
pub(crate) fn put_buf(buf: Vec<u8>) {
    if buf.capacity() <= KEEP_MAX {
        BUF.with(|b| b.set(buf));
    }
}

/// Read-only, close-on-exec, and never blocking or taking a controlling terminal (see
/// the module doc): for every file opened to be read.
fn ro() -> OFlags {
    OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

/// Opens `path` read-only, close-on-exec, non-blocking, without taking a controlling
/// terminal.
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
    let fd = retry_on_intr(|| rustix::fs::open(path, ro(), Mode::empty()))?;
    let st = rustix::fs::fstat(&fd)?;
    Ok((FileType::from_raw_mode(st.st_mode) == FileType::RegularFile).then_some(fd))
}

/// The error for a file that is not a regular file: "not a regular file (a FIFO)".
pub(crate) fn not_regular(ft: FileType) -> io::Error {
    let what = match ft {
        FileType::Fifo => "a FIFO",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Socket => "a socket",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        _ => "of unknown type",
    };
    io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file ({what})"))
}

/// The error for a file larger than its kind allows.
fn too_large(max: usize) -> io::Error {
    let limit = if max % MIB == 0 {
        format!("{} MiB", max / MIB)
    } else {
        format!("{max} bytes")
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("larger than {limit}, the most psoxide reads of this file"),
    )
}

/// Fails with [`not_regular`] unless `fd` is a regular file (one `fstat`).
fn check_regular(fd: BorrowedFd<'_>) -> io::Result<()> {
    let ft = FileType::from_raw_mode(rustix::fs::fstat(fd)?.st_mode);
    if ft == FileType::RegularFile {
        Ok(())
    } else {
        Err(not_regular(ft))
    }
}

/// How [`read_bounded`] reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadFrom {
    /// With `read` from the descriptor's position (a file just opened).
    Position,
    /// With `pread` from offset 0 (a procfs file kept open, known to be regular).
    Start,
}

/// Reads the whole of `fd` into `buf` (cleared first), within `kind`'s limit.
/// Outside a procfs mount (`known_regular` false) an empty file has its type checked
/// too: a FIFO without writer reads as empty.
fn read_bounded(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, kind: FileKind, known_regular: bool, from: ReadFrom) -> io::Result<()> {
    buf.clear();
    // The buffer never grows past max + 1 bytes: one byte over the limit is enough to
    // know that the file exceeds it.
    let cap = kind.max.saturating_add(1);
    if buf.capacity() < INITIAL.min(cap) {
        buf.reserve_exact(INITIAL.min(cap));
    }
    let mut type_checked = known_regular;
    loop {
        if buf.len() == buf.capacity() {
            let grow = buf.capacity().min(cap - buf.len());
            buf.reserve_exact(grow);
        }
        let spare = buf.capacity() - buf.len();
        let at = buf.len() as u64;
        let n = match retry_on_intr(|| match from {
            ReadFrom::Position => rustix::io::read(fd, rustix::buffer::spare_capacity(buf)),
            // A seq_file generates its content anew for a read at offset 0.
            ReadFrom::Start => rustix::io::pread(fd, rustix::buffer::spare_capacity(buf), at),
        }) {
            Ok(n) => n,
            // Only a FIFO, a socket or a device answers EAGAIN to a non-blocking read.
            Err(rustix::io::Errno::AGAIN) => {
                check_regular(fd)?;
                return Err(rustix::io::Errno::AGAIN.into());
            }
            Err(e) => return Err(e.into()),
        };
        if buf.len() > kind.max {
            if from == ReadFrom::Position {
                check_regular(fd)?;
            }
            buf.clear();
            return Err(too_large(kind.max));
        }
        if n == 0 {
            if buf.is_empty() && !type_checked {
                check_regular(fd)?;
            }
            return Ok(());
        }
        if !type_checked && buf.len() > TYPE_CHECK_AT {
            check_regular(fd)?;
            type_checked = true;
        }
        if kind.eof == Eof::ShortRead && n < spare {
            return Ok(());
        }
    }
}

/// Reads the whole of a procfs file kept open (`fd`, known to be a regular file on a
/// procfs mount) into `buf` (cleared first), within `kind`'s limit, with `pread`s
/// from offset 0: a seq_file generates its content anew for a read at offset 0.
pub(crate) fn read_bounded_at(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, kind: FileKind) -> io::Result<()> {
    read_bounded(fd, buf, kind, true, ReadFrom::Start)
}

/// Reads the whole of the open `fd` into `buf` (cleared first), within `kind`'s
/// limit (see the module doc for what is refused).
pub(crate) fn read_fd(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, kind: FileKind) -> io::Result<()> {
    read_bounded(fd, buf, kind, false, ReadFrom::Position)
}

/// Reads the whole file at `path` into `buf` (cleared first); errors name the path.
pub(crate) fn read_into(path: &Path, buf: &mut Vec<u8>, kind: FileKind) -> Result<()> {
    open(path)
        .and_then(|fd| read_fd(fd.as_fd(), buf, kind))
        .map_err(|e| Error::io(path, e))
}

/// Reads the file at `path` into this thread's reusable buffer and hands the bytes to
/// `f`. Nested calls are fine (an inner call simply uses a fresh buffer).
pub(crate) fn with_file<T>(path: &Path, kind: FileKind, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let mut buf = take_buf();
    let r = read_into(path, &mut buf, kind).and_then(|()| f(&buf));
    put_buf(buf);
    r
}

/// Reads a whole file into a new vector; errors name the path.
pub(crate) fn read_bytes(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    read_into(path, &mut v, kind)?;
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

/// The first bit at or after `from` that is set (`set`) or clear (`!set`) in the
/// bitset `bits` (bit `i % 64` of word `i / 64`); bits past its end are clear.
fn next_bit(bits: &[u64], from: usize, set: bool) -> Option<usize> {
    let mut word = from / 64;
    let mut mask = u64::MAX.checked_shl((from % 64) as u32).unwrap_or(0);
    while word < bits.len() {
        let w = if set { bits[word] } else { !bits[word] } & mask;
        if w != 0 {
            return Some(word * 64 + w.trailing_zeros() as usize);
        }
        word += 1;
        mask = u64::MAX;
    }
    if set {
        None
    } else {
        Some(from.max(bits.len() * 64))
    }
}

/// The shortest run of marked descriptors [`Dir::for_each_fd_except`] jumps over.
const MIN_SKIPPED_RUN: usize = 16;

/// The first run of at least `min` consecutive set bits at or after `from`:
/// `(first, end)` with `end` exclusive.
fn next_long_run(bits: &[u64], mut from: usize, min: usize) -> Option<(usize, usize)> {
    loop {
        let start = next_bit(bits, from, true)?;
        let end = next_bit(bits, start, false).unwrap_or(start);
        if end - start >= min {
            return Some((start, end));
        }
        from = end;
    }
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
    /// Set by [`Dir::trust_procfs`] on a procfs mount, whose files are all regular: an
    /// empty file read through it (a kernel thread's `cmdline`) then needs no type
    /// check.
    procfs: bool,
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
        // Under a procfs directory, still procfs.
        Ok(Dir {
            procfs: self.procfs,
            ..Dir::from_fd(fd)
        })
    }

    fn from_fd(fd: OwnedFd) -> Dir {
        Dir {
            fd,
            listed: false,
            procfs: false,
        }
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

    /// Lists a `/proc/PID/fd` directory: calls `f(fd)` for each open descriptor
    /// number that is not marked in `skip` (bit `fd % 64` of word `fd / 64`), in
    /// increasing order. The kernel builds an entry for every descriptor it lists, so
    /// long runs of marked numbers are not listed at all: the directory's position
    /// is the descriptor number plus 2 (after `.` and `..`), so the listing jumps over
    /// each run with `lseek`, reading the stretch before it with a buffer sized to
    /// the stretch. Short runs (a table fragmented by descriptors closed and reused)
    /// are listed and filtered: a jump costs two system calls, about what listing
    /// [`MIN_SKIPPED_RUN`] entries costs.
    pub(crate) fn for_each_fd_except(&mut self, skip: &[u64], mut f: impl FnMut(i32)) -> io::Result<()> {
        const ENTRY: usize = 32; // a dirent64 with a name of up to 12 bytes
        self.listed = true;
        let mut dents = DENTS.with(|b| b.take());
        if dents.len() < DENTS_LEN {
            dents.resize(DENTS_LEN, MaybeUninit::uninit());
        }
        let marked = |fd: usize| skip.get(fd / 64).is_some_and(|w| w & (1u64 << (fd % 64)) != 0);
        let r = (|| {
            let mut pos = 0usize;
            loop {
                let run = next_long_run(skip, pos, MIN_SKIPPED_RUN);
                if let Some((start, end)) = run {
                    if start == pos {
                        pos = end;
                        continue;
                    }
                }
                let Ok(off) = u64::try_from(pos + 2) else { return Ok(()) };
                rustix::fs::seek(&self.fd, rustix::fs::SeekFrom::Start(off))?;
                let len = run.map_or(DENTS_LEN, |(start, _)| ((start - pos) * ENTRY).clamp(2 * ENTRY, DENTS_LEN));
                let mut it = RawDir::new(&self.fd, &mut dents[..len]);
                let mut reached_run = false;
                while let Some(ent) = it.next() {
                    let ent = match ent {
                        Ok(ent) => ent,
                        Err(rustix::io::Errno::INTR) => continue,
                        Err(e) => return Err(io::Error::from(e)),
                    };
                    let Some(fd) = std::str::from_utf8(ent.file_name().to_bytes())
                        .ok()
                        .and_then(|n| n.parse::<usize>().ok())
                    else {
                        continue; // `.` and `..` (not listed past position 2) or junk
                    };
                    if run.is_some_and(|(start, _)| fd >= start) {
                        reached_run = true;
                        break;
                    }
                    if !marked(fd) {
                        if let Ok(fd) = i32::try_from(fd) {
                            f(fd);
                        }
                    }
                }
                match run {
                    // The stretch ended at a long run of marked numbers: jump over it.
                    Some((_, end)) if reached_run => pos = end,
                    // The directory ended.
                    _ => return Ok(()),
                }
            }
        })();
        DENTS.with(|b| b.set(dents));
        r
    }

    /// Opens `rel` (relative to this directory) read-only.
    pub(crate) fn open_file<P: Arg + Copy>(&self, rel: P) -> io::Result<OwnedFd> {
        Ok(retry_on_intr(|| {
            rustix::fs::openat(&self.fd, rel, ro(), Mode::empty())
        })?)
    }

    /// Reads `rel` (relative to this directory) whole into `buf`, within `kind`'s
    /// limit.
    pub(crate) fn read_file<P: Arg + Copy>(&self, rel: P, buf: &mut Vec<u8>, kind: FileKind) -> io::Result<()> {
        let fd = self.open_file(rel)?;
        read_bounded(fd.as_fd(), buf, kind, self.procfs, ReadFrom::Position)
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

    /// `fstat` of the directory itself.
    pub(crate) fn fstat(&self) -> io::Result<rustix::fs::Stat> {
        Ok(rustix::fs::fstat(&self.fd)?)
    }

    /// `fstatat` of `rel`, following symlinks.
    pub(crate) fn stat<P: Arg + Copy>(&self, rel: P) -> io::Result<rustix::fs::Stat> {
        Ok(rustix::fs::statat(&self.fd, rel, AtFlags::empty())?)
    }

    /// True when this directory is on a procfs mount (`fstatfs`'s `f_type` is
    /// `PROC_SUPER_MAGIC`): only there do the kernel's own conventions hold, such as
    /// the size of `/proc/PID/fd` being its number of entries.
    pub(crate) fn is_procfs(&self) -> bool {
        rustix::fs::fstatfs(&self.fd).is_ok_and(|st| st.f_type == PROC_SUPER_MAGIC)
    }

    /// Records that this directory is on a procfs mount ([`Dir::is_procfs`], asked
    /// once by the caller): files read through it are then known to be regular.
    pub(crate) fn trust_procfs(&mut self, procfs: bool) {
        self.procfs = procfs;
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

/// `realpath(3)` of `path`: absolute, every symlink resolved (std's `canonicalize`).
pub(crate) fn realpath(path: &Path) -> io::Result<std::path::PathBuf> {
    std::fs::canonicalize(path)
}

/// `fstatvfs(fd)`.
pub(crate) fn fstatvfs(fd: BorrowedFd<'_>) -> io::Result<rustix::fs::StatVfs> {
    Ok(retry_on_intr(|| rustix::fs::fstatvfs(fd))?)
}

/// Device and inode of `path` (following symlinks): compared with
/// [`Dir::identity`] to notice a directory replaced at the same path.
pub(crate) fn identity(path: &Path) -> io::Result<(u64, u64)> {
    let st = rustix::fs::stat(path)?;
    Ok((st.st_dev, st.st_ino))
}

#[cfg(test)]
mod fd_listing_tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn next_bit_finds_set_and_clear_bits() {
        let bits = [0b1011_0000u64, 0, 1 << 63, u64::MAX];
        assert_eq!(next_bit(&bits, 0, true), Some(4));
        assert_eq!(next_bit(&bits, 5, true), Some(5));
        assert_eq!(next_bit(&bits, 6, true), Some(7));
        assert_eq!(next_bit(&bits, 8, true), Some(191));
        assert_eq!(next_bit(&bits, 192, true), Some(192));
        assert_eq!(next_bit(&bits, 256, true), None);
        assert_eq!(next_bit(&bits, 4, false), Some(6));
        assert_eq!(next_bit(&bits, 191, false), Some(256));
        assert_eq!(next_bit(&bits, 1000, false), Some(1000));
        assert_eq!(next_bit(&[], 3, false), Some(3));
        assert_eq!(next_bit(&[], 3, true), None);
        // Runs: bits 4-5 and 7 (short), 191-255 (65 long).
        assert_eq!(next_long_run(&bits, 0, 16), Some((191, 256)));
        assert_eq!(next_long_run(&bits, 0, 2), Some((4, 6)));
        assert_eq!(next_long_run(&bits, 6, 2), Some((191, 256)));
        assert_eq!(next_long_run(&bits, 200, 16), Some((200, 256)));
        assert_eq!(next_long_run(&bits, 0, 100), None);
    }

    /// Marks runs of this process's descriptors and lists /proc/self/fd without
    /// them: every unmarked descriptor made here is listed, no marked one is, each
    /// once. (Only descriptors made here are compared: other tests open files too.)
    #[test]
    fn fd_listing_skips_marked_runs() {
        let files: Vec<OwnedFd> = (0..300)
            .map(|_| rustix::fs::open("/proc/self/stat", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).unwrap())
            .collect();
        let nums: Vec<usize> = files.iter().map(|f| f.as_raw_fd() as usize).collect();
        let max = *nums.iter().max().unwrap();
        for pattern in 0..5 {
            let mut skip = vec![0u64; max / 64 + 1];
            let marked: Vec<usize> = nums
                .iter()
                .enumerate()
                .filter(|(i, _)| match pattern {
                    0 => false,
                    1 => *i < 250,              // one long run (jumped over)
                    2 => (i / 7) % 2 == 0,      // many short runs (listed and filtered)
                    3 => (i / 40) % 2 == 0,     // long runs between short gaps
                    _ => i % 2 == 0,            // every other one
                })
                .map(|(_, n)| *n)
                .collect();
            for n in &marked {
                skip[n / 64] |= 1 << (n % 64);
            }
            let mut d = Dir::open(Path::new("/proc/self/fd")).unwrap();
            let mut seen = Vec::new();
            d.for_each_fd_except(&skip, |fd| seen.push(fd as usize)).unwrap();
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "pattern {pattern}: not increasing");
            for n in &nums {
                assert_eq!(seen.contains(n), !marked.contains(n), "pattern {pattern}, fd {n}");
            }
            // The same directory handle lists again from the start.
            let mut all = 0;
            d.for_each(|_| all += 1).unwrap();
            assert!(all >= nums.len());
        }
    }
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
        assert_eq!(read_bytes(&small, FileKind::RECORD).unwrap(), b" 42\n");
        let big = dir.path().join("big");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &data).unwrap();
        assert_eq!(read_bytes(&big, FileKind::TABLE).unwrap(), data);
        let n = with_file(&big, FileKind::TABLE, |b| Ok(b.len())).unwrap();
        assert_eq!(n, data.len());
    }

    fn mkfifo(p: &Path) {
        rustix::fs::mknodat(rustix::fs::CWD, p, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
    }

    #[track_caller]
    fn refused(r: io::Result<()>, what: &str) {
        let e = r.unwrap_err();
        assert_eq!(e.to_string(), format!("not a regular file ({what})"));
        assert_eq!(e.raw_os_error(), None);
    }

    #[test]
    fn reads_stop_at_the_limit_of_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        let small = |eof| FileKind { eof, max: 1000 };
        let mut buf = Vec::new();
        for eof in [Eof::ShortRead, Eof::Zero] {
            std::fs::write(&f, vec![b'x'; 1000]).unwrap();
            Dir::open(dir.path()).unwrap().read_file(&b"f"[..], &mut buf, small(eof)).unwrap();
            assert_eq!(buf.len(), 1000, "exactly the limit is read whole");
            assert!(buf.capacity() <= 1001, "{}", buf.capacity());
            std::fs::write(&f, vec![b'x'; 1001]).unwrap();
            let e = read_into(&f, &mut buf, small(eof)).unwrap_err();
            assert!(
                e.to_string().ends_with("f: larger than 1000 bytes, the most psoxide reads of this file"),
                "{e}"
            );
            assert!(buf.is_empty(), "nothing of a refused file is kept");
        }
        // A huge sparse file costs no more than the limit.
        let big = dir.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(1 << 40).unwrap();
        let e = read_bytes(&big, FileKind::CMDLINE).unwrap_err();
        assert!(e.to_string().contains("larger than 8 MiB"), "{e}");
        // An empty regular file is just empty.
        std::fs::write(&f, b"").unwrap();
        assert_eq!(read_bytes(&f, FileKind::RECORD).unwrap(), b"");
    }

    #[test]
    fn devices_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        let mut buf = Vec::new();
        let read = |p: &Path, buf: &mut Vec<u8>, kind| open(p).and_then(|fd| read_fd(fd.as_fd(), buf, kind));
        // No writer: the read gives EOF at once, and the empty file's type is checked.
        refused(read(&fifo, &mut buf, FileKind::RECORD), "a FIFO");
        // A writer that writes nothing: EAGAIN instead of blocking. (A non-blocking
        // writer can only open a FIFO that has a reader.)
        let holder = open(&fifo).unwrap();
        let writer = rustix::fs::open(&fifo, OFlags::WRONLY | OFlags::NONBLOCK, Mode::empty()).unwrap();
        refused(read(&fifo, &mut buf, FileKind::TABLE), "a FIFO");
        // Some bytes, then nothing more: still EAGAIN at the second read.
        rustix::io::write(&writer, b"123 (x) S").unwrap();
        refused(read(&fifo, &mut buf, FileKind::TABLE), "a FIFO");
        drop((writer, holder));
        // Endless devices stop at the type check, long before the kind's limit.
        for (dev, kind) in [("/dev/zero", FileKind::MAPS), ("/dev/urandom", FileKind::TABLE)] {
            refused(read(Path::new(dev), &mut buf, kind), "a character device");
            assert!(buf.capacity() <= 2 * TYPE_CHECK_AT + 1, "{dev}: {}", buf.capacity());
        }
        refused(read(Path::new("/dev/null"), &mut buf, FileKind::RECORD), "a character device");
        // Through a symlink and through a directory descriptor alike.
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        let d = Dir::open(dir.path()).unwrap();
        refused(d.read_file(&b"zero"[..], &mut buf, FileKind::CMDLINE), "a character device");
        refused(d.read_file(&b"fifo"[..], &mut buf, FileKind::CMDLINE), "a FIFO");
        // The error names the path once wrapped.
        let e = read_bytes(&dir.path().join("zero"), FileKind::CMDLINE).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: not a regular file (a character device)", dir.path().join("zero").display())
        );
    }

    #[test]
    fn procfs_files_are_read_without_a_type_check() {
        // A kernel thread's cmdline is empty; on procfs that needs no fstat. The count
        // of system calls is measured with strace (docs/decisions.md); here only the
        // answer is checked.
        let mut d = Dir::open(Path::new("/proc")).unwrap();
        assert!(d.is_procfs());
        d.trust_procfs(true);
        let mut buf = Vec::new();
        d.read_file(&b"2/cmdline"[..], &mut buf, FileKind::CMDLINE).unwrap();
        assert!(buf.is_empty(), "kthreadd has no command line");
        d.read_file(&b"self/stat"[..], &mut buf, FileKind::RECORD).unwrap();
        assert!(buf.ends_with(b"\n"));
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
            d.read_file(&b"y"[..], &mut buf, FileKind::RECORD).unwrap();
            assert_eq!(buf, b"y");
            assert!(d.exists(&b"z"[..]) && !d.exists(&b"w"[..]));
            assert_eq!(
                d.read_file(&b"w"[..], &mut buf, FileKind::RECORD)
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
        let e = read_bytes(Path::new("/nonexistent/psoxide"), FileKind::RECORD).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/psoxide"), "{e}");
        assert_eq!(e.exception_name(), "FileNotFoundError");
        let e = list_dir(Path::new("/nonexistent/psoxide-dir")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/psoxide-dir"), "{e}");
    }

    #[test]
    fn reads_proc_meminfo_whole() {
        let v = read_bytes(Path::new("/proc/meminfo"), FileKind::RECORD).unwrap();
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
