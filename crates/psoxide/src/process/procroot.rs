//! The procfs root a `Process` reads from: the `Roots`, an open directory descriptor
//! for `openat`, and the constants every per-process parser needs.

use crate::context::KernelApi;
use crate::error::{Error, Pid, Result};
use crate::roots::Roots;
use crate::sys::fs::{Dir, FileKind};
use std::ffi::CString;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// A procfs root with a held directory descriptor: part of a
/// [`Host`](crate::Host), shared by every `Process` made from it.
#[derive(Debug)]
pub(crate) struct ProcRoot {
    pub(crate) roots: Arc<Roots>,
    pub(crate) dir: Dir,
    /// Device and inode of the directory when it was opened.
    pub(crate) identity: (u64, u64),
    /// Whether the directory is a procfs mount (a fixture or copied tree is not, and
    /// does not follow procfs's conventions).
    pub(crate) is_procfs: bool,
    /// Whether this is the procfs of the calling process's PID namespace (a procfs
    /// mount whose `self` names our PID): its PIDs are the ones system calls take.
    pub(crate) live: bool,
    /// Whether actions may open pidfds (the kernel has them and the host's
    /// [`KernelApi`] allows them).
    pub(crate) pidfd: bool,
    /// Whether handles hold a pidfd from the moment they are made: `pidfd`, on the
    /// procfs of the calling process's PID namespace (a procfs mount whose `self`
    /// names our PID), where `PID` is the PID that `pidfd_open` means.
    pub(crate) hold: bool,
    /// Whether IDs and parents come from `PIDFD_GET_INFO` (`hold`, the kernel has the
    /// ioctl and the [`KernelApi`] allows it).
    pub(crate) pidfd_info: bool,
    /// Whether handles made by `process_iter` keep their pidfd after their prefetch
    /// (all but [`KernelApi::NewestUnheld`]).
    pub(crate) keep: bool,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub(crate) clk_tck: f64,
    /// Page size in bytes (`sysconf(_SC_PAGESIZE)`).
    pub(crate) page_size: u64,
    /// Boot time once read (psutil also keeps it after the first read).
    boot_time: std::sync::OnceLock<f64>,
}

/// Clock ticks per second (`AT_CLKTCK` from the auxiliary vector, what
/// `sysconf(_SC_CLK_TCK)` returns), 100 when the kernel gave none.
pub(crate) fn clk_tck() -> f64 {
    match crate::sys::system::clock_ticks() {
        0 => 100.0,
        v => v as f64,
    }
}

/// The page size in bytes.
pub(crate) fn page_size() -> u64 {
    crate::sys::system::page_size()
}

impl ProcRoot {
    /// Opens `roots.procfs`, to be used with the interfaces `api` allows.
    pub(crate) fn open(roots: Arc<Roots>, api: KernelApi) -> Result<ProcRoot> {
        let mut dir = Dir::open_path(&roots.procfs).map_err(|e| Error::io(&roots.procfs, e))?;
        let identity = dir.identity().map_err(|e| Error::io(&roots.procfs, e))?;
        let is_procfs = dir.is_procfs();
        // Files of a procfs mount are regular: reads through it skip the type check of
        // an empty file (a kernel thread's `cmdline`); a fixture tree gets it.
        dir.trust_procfs(is_procfs);
        let live = is_procfs && {
            let mut me = Vec::new();
            dir.readlink(c"self", &mut me).is_ok() && me == std::process::id().to_string().as_bytes()
        };
        let pidfd = api != KernelApi::NoPidfd && super::pidfd::supported();
        let hold = pidfd && live;
        let pidfd_info = hold
            && matches!(api, KernelApi::Newest | KernelApi::NewestUnheld)
            && super::pidfd::info_supported();
        let keep = api != KernelApi::NewestUnheld;
        Ok(ProcRoot {
            roots,
            dir,
            identity,
            is_procfs,
            live,
            pidfd,
            hold,
            pidfd_info,
            keep,
            clk_tck: clk_tck(),
            page_size: page_size(),
            boot_time: std::sync::OnceLock::new(),
        })
    }

    /// Boot time in seconds since the epoch (`btime` of `{procfs}/stat`), read once per
    /// root: every process's `create_time()` adds it, and a scan must not read
    /// `/proc/stat` once per process.
    pub(crate) fn boot_time(&self) -> Result<f64> {
        if let Some(t) = self.boot_time.get() {
            return Ok(*t);
        }
        let t = crate::host::boot_time_in(&self.roots)?;
        Ok(*self.boot_time.get_or_init(|| t))
    }

    /// `PID/rel` as a NUL-terminated path relative to the procfs root, built on the
    /// stack (no allocation on the hot path; long names fall back to the heap).
    pub(crate) fn rel(pid: Pid, rel: &str) -> RelPath {
        let mut b = [0u8; 64];
        let mut n = 0;
        let mut digits = [0u8; 10];
        let mut d = 0;
        let mut v = pid;
        loop {
            digits[d] = b'0' + (v % 10) as u8;
            d += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if d + 1 + rel.len() + 1 > b.len() || rel.as_bytes().contains(&0) {
            return RelPath::Heap(CString::new(format!("{pid}/{rel}")).unwrap_or_default());
        }
        while d > 0 {
            d -= 1;
            b[n] = digits[d];
            n += 1;
        }
        b[n] = b'/';
        n += 1;
        b[n..n + rel.len()].copy_from_slice(rel.as_bytes());
        n += rel.len();
        RelPath::Stack(b, n + 1)
    }

    /// The absolute path of `PID/rel`, for error messages.
    pub(crate) fn path(&self, pid: Pid, rel: &str) -> PathBuf {
        self.roots.procfs.join(format!("{pid}/{rel}"))
    }

    /// Reads `PID/rel` whole into `buf` within `kind`'s limit, keeping the raw errno on
    /// failure (a file that is not regular or exceeds the limit gives an error without
    /// errno, see `sys::fs`).
    pub(crate) fn read(&self, pid: Pid, rel: &str, buf: &mut Vec<u8>, kind: FileKind) -> io::Result<()> {
        self.dir.read_file(Self::rel(pid, rel).as_cstr(), buf, kind)
    }

    /// `readlinkat` of `PID/rel`; the raw bytes of the target.
    pub(crate) fn readlink(&self, pid: Pid, rel: &str) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.dir.readlink(Self::rel(pid, rel).as_cstr(), &mut buf)?;
        Ok(buf)
    }

    /// True when `PID/rel` exists (`faccessat(F_OK)`).
    pub(crate) fn exists(&self, pid: Pid, rel: &str) -> bool {
        self.dir.exists(Self::rel(pid, rel).as_cstr())
    }

    /// `fstatat` of `PID/rel`, following symlinks.
    pub(crate) fn stat(&self, pid: Pid, rel: &str) -> io::Result<rustix::fs::Stat> {
        self.dir.stat(Self::rel(pid, rel).as_cstr())
    }
}

/// A relative path as a C string: on the stack when short (the usual case).
pub(crate) enum RelPath {
    /// Bytes and length including the terminating NUL.
    Stack([u8; 64], usize),
    /// A path too long for the stack buffer.
    Heap(CString),
}

impl RelPath {
    /// The path as a `CStr`.
    pub(crate) fn as_cstr(&self) -> &std::ffi::CStr {
        match self {
            RelPath::Stack(b, n) => std::ffi::CStr::from_bytes_with_nul(&b[..*n]).unwrap_or(c""),
            RelPath::Heap(c) => c.as_c_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(ProcRoot::rel(1, "stat").as_cstr().to_bytes(), b"1/stat");
        assert_eq!(
            ProcRoot::rel(4294967295, "task/12/stat").as_cstr().to_bytes(),
            b"4294967295/task/12/stat"
        );
        assert_eq!(ProcRoot::rel(7, "").as_cstr().to_bytes(), b"7/");
        let long = "x".repeat(100);
        assert_eq!(
            ProcRoot::rel(7, &long).as_cstr().to_bytes(),
            format!("7/{long}").as_bytes()
        );
    }
}
