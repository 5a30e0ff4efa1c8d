//! System-wide procfs files held open and read again with `pread`.
//!
//! A monitor calls `cpu_times()`, `virtual_memory()` or `disk_io_counters()` again
//! and again; each call reads one file that the kernel generates anew at every read
//! from offset 0 (a seq_file restarts its iterator when asked for offset 0). Opening
//! the file each time costs a path walk and a `close`, about 1 µs of a 2-3 µs call on
//! this machine; a descriptor kept open answers with one `pread`. So the files of
//! [`SysFile`] are opened once per process, on first use, and kept (close-on-exec):
//! at most six descriptors, for the life of the process.
//!
//! Only files whose content does not depend on who opened them or from where are
//! kept: `/proc/stat`, `meminfo`, `vmstat`, `diskstats`, `cpuinfo` and
//! `filesystems` describe the whole kernel (the boot time in `stat` is shifted by the
//! time namespace of the reader, which `pread` gets right, as it is computed at each
//! read). `/proc/net/*` follows the network namespace of the process that opened it
//! and mount tables its mount namespace, so those are opened at every call, as psutil
//! does. Only the live `/proc` is kept (a procfs root of `"/proc"`, checked to be a
//! procfs mount when the file is first opened); any other root (a fixture tree, a
//! container's procfs) is read by path at every call.
//!
//! Each use checks with one `fstat` that the descriptor is still the file that was
//! opened (same device and inode): a program that closes descriptors it does not own
//! (a daemon closing everything after `fork`) may have closed it and got the number
//! back for another file. Then the number is forgotten, never closed (it is no longer
//! psoxide's), and the file is opened again. Each use also compares `getpid()` with
//! the PID that opened the descriptor: a child after `fork` shares the parent's open
//! file (and its read position), so it closes its copy and opens its own. A file's
//! lock is held while it is read, since a file longer than one read takes several
//! `pread`s that another thread's read from offset 0 would split across two
//! generations of the file. docs/decisions.md has the measurements.

use super::fs::{put_buf, read_bounded_at, take_buf, FileKind, PROC_SUPER_MAGIC};
use crate::error::{Error, Result};
use rustix::fs::{Mode, OFlags};
use rustix::io::retry_on_intr;
use std::ffi::CStr;
use std::os::fd::{BorrowedFd, IntoRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;

/// A system-wide file that is kept open on the live procfs (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysFile {
    /// `/proc/stat`.
    Stat,
    /// `/proc/meminfo`.
    Meminfo,
    /// `/proc/vmstat`.
    Vmstat,
    /// `/proc/diskstats`.
    Diskstats,
    /// `/proc/cpuinfo`.
    Cpuinfo,
    /// `/proc/filesystems`.
    Filesystems,
}

const COUNT: usize = 6;

impl SysFile {

    /// The name below the procfs root.
    pub(crate) fn rel(self) -> &'static str {
        match self {
            SysFile::Stat => "stat",
            SysFile::Meminfo => "meminfo",
            SysFile::Vmstat => "vmstat",
            SysFile::Diskstats => "diskstats",
            SysFile::Cpuinfo => "cpuinfo",
            SysFile::Filesystems => "filesystems",
        }
    }

    /// The path on the live procfs.
    fn live(self) -> &'static CStr {
        match self {
            SysFile::Stat => c"/proc/stat",
            SysFile::Meminfo => c"/proc/meminfo",
            SysFile::Vmstat => c"/proc/vmstat",
            SysFile::Diskstats => c"/proc/diskstats",
            SysFile::Cpuinfo => c"/proc/cpuinfo",
            SysFile::Filesystems => c"/proc/filesystems",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A kept descriptor, the identity of the file it was opened on, and the process
/// that opened it.
#[derive(Clone, Copy)]
struct Kept {
    fd: RawFd,
    dev: u64,
    ino: u64,
    pid: u32,
}

#[derive(Clone, Copy)]
enum Slot {
    /// Not opened yet (or forgotten after the descriptor was found to be another
    /// file's): the next use opens it.
    Unopened,
    Open(Kept),
    /// The file is not a regular file on a procfs mount: read by path at every
    /// call.
    Off,
}

/// One slot per [`SysFile`]. A slot's lock is held for the whole read of its file:
/// a file longer than one read takes several `pread`s, and another thread's read
/// from offset 0 in between would make the kernel generate the file anew, so that
/// the pieces would come from two different moments.
type Slots = [Mutex<Slot>; COUNT];

/// The process's kept descriptors.
static SLOTS: Slots = [const { Mutex::new(Slot::Unopened) }; COUNT];

/// This process's PID (a system call: glibc does not cache it).
fn my_pid() -> u32 {
    rustix::process::getpid().as_raw_nonzero().get() as u32
}

/// Opens the live file and records its identity: the new slot. `Unopened` when it
/// cannot be opened now (the read by path then reports why; a later call tries
/// again, so a passing shortage of descriptors disables nothing), `Off` when it is
/// not a regular file on a procfs mount.
fn open_kept(which: SysFile, pid: u32) -> Slot {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let Ok(fd) = retry_on_intr(|| rustix::fs::open(which.live(), flags, Mode::empty())) else {
        return Slot::Unopened;
    };
    let (Ok(st), Ok(fs)) = (rustix::fs::fstat(&fd), rustix::fs::fstatfs(&fd)) else {
        return Slot::Unopened;
    };
    let regular = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile;
    if !regular || fs.f_type != PROC_SUPER_MAGIC {
        return Slot::Off;
    }
    // `pread` must work on it (a seccomp policy may refuse the call itself): one byte
    // read now, else the file is read by path at every call, as before.
    let mut probe = [0u8; 1];
    if retry_on_intr(|| rustix::io::pread(&fd, &mut probe, 0)).is_err() {
        return Slot::Off;
    }
    let fd = fd.into_raw_fd();
    crate::process::pidfd::own_fds_mark(fd, true);
    Slot::Open(Kept {
        fd,
        dev: st.st_dev,
        ino: st.st_ino,
        pid,
    })
}

/// The kept descriptor of `which`, with its slot locked: opened on first use,
/// checked to still be that file, and opened anew in a child after `fork` (the
/// inherited descriptor shares its read position with the parent's, whose reads
/// could interleave with the child's). `None` to read by path instead.
fn kept(slots: &'static Slots, which: SysFile) -> Option<KeptFile> {
    let mut s = crate::context::lock(&slots[which.index()]);
    if let Slot::Off = *s {
        return None;
    }
    let pid = my_pid();
    if let Slot::Open(k) = *s {
        if !still_ours(k) {
            // Closed or reused behind psoxide's back: the number is dropped, never
            // closed (it may be someone else's now).
            *s = Slot::Unopened;
            crate::process::pidfd::own_fds_mark(k.fd, false);
        } else if k.pid != pid {
            // Inherited through fork: this process's copy of the descriptor is
            // closed (the parent's stays open) and the file opened anew.
            *s = Slot::Unopened;
            crate::process::pidfd::own_fds_mark(k.fd, false);
            // SAFETY: the descriptor is psoxide's (checked just above), inherited,
            // and used by nothing else in this process.
            drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(k.fd) });
        }
    }
    if let Slot::Unopened = *s {
        *s = open_kept(which, pid);
    }
    match *s {
        Slot::Open(kept) => Some(KeptFile { which, kept, _slot: s }),
        _ => None,
    }
}

/// Whether the kept descriptor is still the file it was opened on (one `fstat`).
fn still_ours(k: Kept) -> bool {
    // SAFETY: `k.fd` was opened by `open_kept` and is never closed by psoxide but in
    // `kept` (a child's inherited copy, then forgotten); if the program closed it
    // behind psoxide's back, fstat fails or names another file, which is what is
    // checked here, before the descriptor is used for anything else.
    let fd = unsafe { BorrowedFd::borrow_raw(k.fd) };
    matches!(rustix::fs::fstat(fd), Ok(st) if st.st_dev == k.dev && st.st_ino == k.ino)
}

/// Checks every kept descriptor (before the caller's own descriptors are listed, so
/// that a number the program reused is listed as its file).
pub(crate) fn recheck() {
    for m in &SLOTS {
        let mut s = crate::context::lock(m);
        if let Slot::Open(k) = *s {
            if !still_ours(k) {
                *s = Slot::Unopened;
                crate::process::pidfd::own_fds_mark(k.fd, false);
            }
        }
    }
}

/// True when `procfs` is the live procfs root whose files are kept.
fn is_live(procfs: &Path) -> bool {
    procfs.as_os_str().as_bytes() == b"/proc"
}

/// A kept descriptor, checked just now to still be its file, with its slot locked
/// until it is dropped.
pub(crate) struct KeptFile {
    which: SysFile,
    kept: Kept,
    _slot: std::sync::MutexGuard<'static, Slot>,
}

impl KeptFile {
    /// The file's path.
    pub(crate) fn path(&self) -> &'static Path {
        Path::new(std::ffi::OsStr::from_bytes(self.which.live().to_bytes()))
    }

    /// Reads the whole file into `buf` (cleared first) with `pread`s, then unlocks
    /// its slot. Errors name the path.
    pub(crate) fn read_into(self, buf: &mut Vec<u8>, kind: FileKind) -> Result<()> {
        // SAFETY: opened by psoxide in this process, closed by nothing while its
        // slot is locked (as it is until `self` is dropped at the end of this call),
        // and checked by `kept` to be the file that was opened.
        let fd = unsafe { BorrowedFd::borrow_raw(self.kept.fd) };
        read_bounded_at(fd, buf, kind).map_err(|e| Error::io(self.path(), e))
    }

    /// Reads the whole file into this thread's buffer and hands the bytes and the
    /// file's path to `f`, once the slot is unlocked (`f` may read other files, or
    /// run a debug handler that calls psoxide again). Errors name the path.
    pub(crate) fn with<T>(self, kind: FileKind, f: impl FnOnce(&[u8], &Path) -> Result<T>) -> Result<T> {
        let path = self.path();
        let mut buf = take_buf();
        let r = self.read_into(&mut buf, kind).and_then(|()| f(&buf, path));
        put_buf(buf);
        r
    }
}

/// The kept descriptor of `which` when `procfs` is the live `/proc` and the file could
/// be opened there; `None` to read it by path (with the caller's own handling of an
/// open error).
pub(crate) fn kept_file(procfs: &Path, which: SysFile) -> Option<KeptFile> {
    kept_file_in(&SLOTS, procfs, which)
}

fn kept_file_in(slots: &'static Slots, procfs: &Path, which: SysFile) -> Option<KeptFile> {
    if !is_live(procfs) {
        return None;
    }
    kept(slots, which)
}

/// Reads `which` below the procfs root `procfs` into this thread's buffer and hands
/// the bytes and the file's path to `f`: through the kept descriptor on the live
/// `/proc`, else by path. Errors name the path.
pub(crate) fn with_sys_file<T>(
    procfs: &Path,
    which: SysFile,
    kind: FileKind,
    f: impl FnOnce(&[u8], &Path) -> Result<T>,
) -> Result<T> {
    with_sys_file_in(&SLOTS, procfs, which, kind, f)
}

/// [`with_sys_file`] with the descriptors of `slots`.
fn with_sys_file_in<T>(
    slots: &'static Slots,
    procfs: &Path,
    which: SysFile,
    kind: FileKind,
    f: impl FnOnce(&[u8], &Path) -> Result<T>,
) -> Result<T> {
    match kept_file_in(slots, procfs, which) {
        Some(k) => k.with(kind, f),
        None => {
            let path = procfs.join(which.rel());
            super::fs::with_file(&path, kind, |b| f(b, &path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_both(which: SysFile) -> (Vec<u8>, Vec<u8>) {
        let kept = with_sys_file(Path::new("/proc"), which, FileKind::TABLE, |b, p| {
            assert_eq!(p, Path::new(std::ffi::OsStr::from_bytes(which.live().to_bytes())));
            Ok(b.to_vec())
        })
        .unwrap();
        let plain = std::fs::read(Path::new("/proc").join(which.rel())).unwrap();
        (kept, plain)
    }

    #[test]
    fn kept_files_read_what_a_fresh_open_reads() {
        // Files that do not move between two reads here: equal bytes.
        for w in [SysFile::Filesystems, SysFile::Cpuinfo] {
            let (a, b) = read_both(w);
            assert!(!a.is_empty());
            // cpuinfo's MHz lines may move; compare everything else.
            let keep = |v: &[u8]| -> Vec<Vec<u8>> {
                v.split(|&c| c == b'\n')
                    .filter(|l| !l.starts_with(b"cpu MHz"))
                    .map(<[u8]>::to_vec)
                    .collect()
            };
            assert_eq!(keep(&a), keep(&b), "{w:?}");
        }
        // The others move; the same lines in the same order, and the file is fresh
        // at every read (not the first read's bytes again).
        for w in [SysFile::Stat, SysFile::Meminfo, SysFile::Vmstat, SysFile::Diskstats] {
            let (a, b) = read_both(w);
            let keys = |v: &[u8]| -> Vec<Vec<u8>> {
                v.split(|&c| c == b'\n')
                    .map(|l| l.split(|&c| c == b' ' || c == b':').find(|t| !t.is_empty()).unwrap_or(b"").to_vec())
                    .collect()
            };
            assert_eq!(keys(&a), keys(&b), "{w:?}");
        }
    }

    #[test]
    fn a_kept_file_is_generated_anew_at_every_read() {
        // /proc/stat's `ctxt` counts context switches: sleeping between two reads
        // switches at least twice.
        let ctxt = || {
            with_sys_file(Path::new("/proc"), SysFile::Stat, FileKind::RECORD, |b, _| {
                let line = b.split(|&c| c == b'\n').find(|l| l.starts_with(b"ctxt ")).unwrap();
                Ok(std::str::from_utf8(&line[5..]).unwrap().parse::<u64>().unwrap())
            })
            .unwrap()
        };
        let a = ctxt();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = ctxt();
        assert!(b > a, "ctxt {a} then {b}: the kept descriptor gave stale bytes");
    }

    #[test]
    fn a_descriptor_closed_behind_psoxides_back_is_noticed() {
        // A table of its own, so that no other test uses the descriptor taken away.
        static MINE: Slots = [const { Mutex::new(Slot::Unopened) }; COUNT];
        let w = SysFile::Vmstat;
        let read = || with_sys_file_in(&MINE, Path::new("/proc"), w, FileKind::RECORD, |b, _| Ok(b.to_vec()));
        read().unwrap();
        let fd = match *crate::context::lock(&MINE[w.index()]) {
            Slot::Open(k) => k.fd,
            _ => panic!("vmstat not kept on the live /proc"),
        };
        // Close it as a careless program would, and put another file on that number
        // (the lowest free number, unless another thread took it meanwhile).
        // SAFETY: the test takes the descriptor away from psoxide on purpose; nothing
        // else uses this table.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
        let other = std::fs::File::open("/proc/self/comm").unwrap();
        let got = read().unwrap();
        assert!(got.starts_with(b"nr_"), "read {:?}", String::from_utf8_lossy(&got[..got.len().min(40)]));
        // psoxide holds a descriptor of vmstat again (its number depends on what
        // other tests of this binary opened meanwhile), and the other file's is left
        // open.
        match *crate::context::lock(&MINE[w.index()]) {
            Slot::Open(k) => {
                let target = std::fs::read_link(format!("/proc/self/fd/{}", k.fd)).unwrap();
                assert_eq!(target, Path::new("/proc/vmstat"));
            }
            _ => panic!("vmstat not reopened"),
        }
        let mut s = String::new();
        std::io::Read::read_to_string(&mut &other, &mut s).unwrap();
        assert!(!s.is_empty());
        // A descriptor that is closed and not reused (EBADF) is noticed too.
        let fd2 = match *crate::context::lock(&MINE[w.index()]) {
            Slot::Open(k) => k.fd,
            _ => unreachable!(),
        };
        // SAFETY: as above.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd2) });
        assert!(read().unwrap().starts_with(b"nr_"));
    }

    #[test]
    fn other_roots_are_read_by_path() {
        let dir = std::env::temp_dir().join(format!("psoxide-kept-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("meminfo"), "MemTotal: 1 kB\n").unwrap();
        let got = with_sys_file(&dir, SysFile::Meminfo, FileKind::RECORD, |b, p| {
            assert_eq!(p, dir.join("meminfo"));
            Ok(b.to_vec())
        })
        .unwrap();
        assert_eq!(got, b"MemTotal: 1 kB\n");
        let e = with_sys_file(&dir, SysFile::Stat, FileKind::RECORD, |_, _| Ok(())).unwrap_err();
        assert!(e.to_string().contains(&dir.join("stat").display().to_string()), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
