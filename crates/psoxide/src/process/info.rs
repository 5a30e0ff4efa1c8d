//! Identity and state of `Process`: `name()`, `exe()`, `cmdline()`, `environ()`,
//! `status()`, `ppid()`, `create_time()`, `cwd()`, `terminal()`, `tty_nr()`, `uids()`,
//! `gids()`, `username()` and `is_kernel_thread()`.

use super::small::SmallBytes;
use super::{lossy, tty, users, Failed, Gids, Process, Uids};
use crate::constants::ProcessStatus;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_files::{cmdline_args, split_environ};
use crate::linux::parse::pid_stat::field;
use crate::linux::parse::pid_status::line;
use crate::sys::errno::OsErr;
use crate::sys::fs::{access, put_buf, take_buf, FileKind};
use indexmap::IndexMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// psutil's treatment of a trailing " (deleted)" on a path the kernel reports: removed
/// unless a file with that very name, suffix included, exists (`os.stat` of the whole
/// path). So a deleted binary that was replaced by a new file at the same path shows
/// the plain path, like one that is gone. A permission error from that `stat` is an
/// error, as in psutil (which raises AccessDenied for it).
pub(super) fn strip_deleted(b: &[u8]) -> io::Result<&[u8]> {
    const DELETED: &[u8] = b" (deleted)";
    let Some(stripped) = b.strip_suffix(DELETED) else {
        return Ok(b);
    };
    match crate::sys::fs::stat(std::path::Path::new(std::ffi::OsStr::from_bytes(b))) {
        Ok(_) => Ok(b),
        Err(e) if OsErr::of(&e) == OsErr::Denied => Err(e),
        Err(_) => Ok(stripped),
    }
}

/// Drops anything after a NUL, then applies [`strip_deleted`] (psutil's clean-up of
/// `exe` and `cwd` links).
fn clean_link(mut b: Vec<u8>) -> io::Result<PathBuf> {
    if let Some(i) = b.iter().position(|&c| c == 0) {
        b.truncate(i);
    }
    let n = strip_deleted(&b)?.len();
    b.truncate(n);
    Ok(PathBuf::from(OsString::from_vec(b)))
}

impl Process {
    /// The process name (psutil's `name()`): the kernel's 15-byte `comm`, extended to
    /// the basename of `cmdline[0]` when `comm` is 15 bytes or longer and that
    /// basename starts with it. Not cached: names can change.
    pub fn name(&self) -> Result<String> {
        crate::process::attrs::serve_prefetched!(self, Name);
        self.name_with(lossy)
    }

    /// `name()`'s bytes, handed to `f` (without the prefetch store).
    pub(super) fn name_with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let s = self.stat()?;
        let comm = s.comm.as_bytes();
        if comm.len() >= 15 {
            let mut full = None;
            let r = self.with_cmdline(|args| {
                if let Some(first) = cmdline_args(args).next() {
                    let base = first.rsplit(|&c| c == b'/').next().unwrap_or(first);
                    if base.starts_with(comm) {
                        full = Some(SmallBytes::new(base));
                    }
                }
            });
            match r {
                Ok(()) => {
                    if let Some(full) = full {
                        let out = f(full.as_bytes());
                        self.st().name = Some(full);
                        return Ok(out);
                    }
                }
                Err(Error::AccessDenied { .. }) | Err(Error::ZombieProcess { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(f(comm))
    }

    /// Reads the `PID/rel` symlink; ENOENT while `/proc/PID` exists means a zombie
    /// (`ZombieProcess`) or a process without that link (empty path), as in psutil.
    fn read_link(&self, rel: &str) -> Result<PathBuf> {
        match self.readlink_rel(rel) {
            Ok(b) => clean_link(b).map_err(|e| self.stat_denied(&e)),
            Err(e) if OsErr::of(&e) == OsErr::NotFound && self.exists_now() => {
                if self.is_zombie() {
                    Err(Error::zombie(self.pid, self.known_name(), None))
                } else {
                    Ok(PathBuf::new())
                }
            }
            Err(e) => Err(self.os_error(Failed::File(rel), e)),
        }
    }

    /// `AccessDenied` for a `stat` of a reported path that was refused.
    pub(super) fn stat_denied(&self, e: &io::Error) -> Error {
        Error::access_denied(Some(self.pid), self.known_name(), e.to_string())
    }

    /// `cmdline()[0]` when it is an absolute path to an executable regular file.
    fn guess_exe(&self) -> Result<Option<PathBuf>> {
        let args = self.cmdline()?;
        let Some(first) = args.first() else {
            return Ok(None);
        };
        let p = PathBuf::from(first);
        if !p.is_absolute() || !p.is_file() {
            return Ok(None);
        }
        Ok(access(&p, rustix::fs::Access::EXEC_OK).then_some(p))
    }

    /// The executable's absolute path (psutil's `exe()`); empty for kernel threads.
    /// When the link cannot be read, psutil's guess from `cmdline()[0]` is used.
    /// Cached after the first successful read of the link.
    pub fn exe(&self) -> Result<PathBuf> {
        crate::process::attrs::serve_prefetched!(self, Exe);
        if let Some(e) = self.st().rare.as_ref().and_then(|r| r.exe.clone()) {
            return Ok(e);
        }
        let exe = match self.read_link("exe") {
            Ok(p) => p,
            Err(ad @ Error::AccessDenied { .. }) => {
                return match self.guess_exe() {
                    Ok(Some(p)) => Ok(p),
                    _ => Err(ad),
                }
            }
            Err(e) => return Err(e),
        };
        let exe = if exe.as_os_str().is_empty() {
            match self.guess_exe() {
                Ok(Some(p)) => p,
                Ok(None) | Err(Error::AccessDenied { .. }) | Err(Error::ZombieProcess { .. }) => exe,
                Err(e) => return Err(e),
            }
        } else {
            exe
        };
        self.st().rare().exe = Some(exe.clone());
        Ok(exe)
    }

    /// The command line (psutil's `cmdline()`), split by psutil's rules; `[]` for
    /// kernel threads; `ZombieProcess` for zombies. Arguments keep their raw bytes.
    pub fn cmdline(&self) -> Result<Vec<OsString>> {
        crate::process::attrs::serve_prefetched!(self, Cmdline);
        self.with_cmdline(|raw| {
            let args = cmdline_args(raw);
            let mut v = Vec::with_capacity(args.clone().count());
            v.extend(args.map(|a| OsString::from_vec(a.to_vec())));
            v
        })
    }

    /// The initial environment (psutil's `environ()`), in file order.
    ///
    /// Kernel threads have no environment: psoxide returns an empty map for them.
    /// (Recent kernels answer ESRCH when their `environ` is read, which psutil turns
    /// into `NoSuchProcess` for a thread that is alive; psoxide does not copy that.)
    pub fn environ(&self) -> Result<IndexMap<OsString, OsString>> {
        crate::process::attrs::serve_prefetched!(self, Environ);
        let mut buf = take_buf();
        let r = self.read_rel("environ", &mut buf, FileKind::ENVIRON);
        let env: IndexMap<OsString, OsString> = match r {
            Ok(()) => split_environ(&buf)
                .into_iter()
                .map(|(k, v)| (OsString::from_vec(k.to_vec()), OsString::from_vec(v.to_vec())))
                .collect(),
            Err(e) => {
                put_buf(buf);
                if OsErr::of(&e) == OsErr::NoProcess && matches!(self.is_kernel_thread(), Ok(true)) {
                    return Ok(IndexMap::new());
                }
                return Err(self.os_error(Failed::File("environ"), e));
            }
        };
        put_buf(buf);
        if env.is_empty() && self.is_zombie() {
            return Err(Error::zombie(self.pid, self.known_name(), None));
        }
        Ok(env)
    }

    /// The scheduling state (psutil's `status()`).
    pub fn status(&self) -> Result<ProcessStatus> {
        crate::process::attrs::serve_prefetched!(self, Status);
        match self.stat_with(field::STATE, |s| s.state) {
            Ok(state) => Ok(ProcessStatus::from_state_letter(state)),
            Err(Error::ZombieProcess { .. }) => Ok(ProcessStatus::Zombie),
            Err(e) => Err(e),
        }
    }

    /// The parent PID as currently reported (field 4 of `/proc/PID/stat`; 0 for PID 1
    /// and kernel threads).
    ///
    /// Like psutil, this checks that the PID still belongs to this process (the check
    /// uses the same `stat` read, so it costs nothing extra) and fails with
    /// `NoSuchProcess` ("... PID has been reused") otherwise.
    pub fn ppid(&self) -> Result<Pid> {
        crate::process::attrs::serve_prefetched!(self, Ppid);
        let (start, ppid) = self.stat_with(field::STARTTIME | field::PPID, |s| (s.starttime, s.ppid))?;
        self.check_same_start(start)?;
        u32::try_from(ppid).map_err(|_| Error::parse(self.root.path(self.pid, "stat"), format!("ppid {ppid}")))
    }

    /// Creation time in seconds since the epoch: start ticks / CLK_TCK + boot time.
    /// The same for the handle's whole life, as psutil's cached value is: both parts
    /// are fixed (the boot time is read once per procfs root).
    pub fn create_time(&self) -> Result<f64> {
        crate::process::attrs::serve_prefetched!(self, CreateTime);
        let bt = self.root.boot_time()?;
        Ok(self.start_ticks as f64 / self.root.clk_tck + bt)
    }

    /// The current working directory (psutil's `cwd()`).
    pub fn cwd(&self) -> Result<PathBuf> {
        crate::process::attrs::serve_prefetched!(self, Cwd);
        self.read_link("cwd")
    }

    /// The controlling terminal's path, e.g. `/dev/pts/0` (psutil's `terminal()`);
    /// `None` when the process has none or the device is not under `/dev`.
    pub fn terminal(&self) -> Result<Option<PathBuf>> {
        crate::process::attrs::serve_prefetched!(self, Terminal);
        let nr = self.tty_nr()?;
        if nr == 0 {
            return Ok(None);
        }
        Ok(tty::terminal_path(
            &self.host.tty,
            &self.root.roots.dev,
            nr as u64,
        ))
    }
    /// The controlling terminal's device number (field 7 of `/proc/PID/stat`), 0 if none.
    pub fn tty_nr(&self) -> Result<i64> {
        self.stat_with(field::TTY_NR, |s| s.tty_nr)
    }

    /// Real, effective and saved user IDs (psutil's `uids()`).
    pub fn uids(&self) -> Result<Uids> {
        crate::process::attrs::serve_prefetched!(self, Uids);
        if let Some(ids) = self.pidfd_ids() {
            let [real, effective, saved] = ids?.uids;
            return Ok(Uids {
                real,
                effective,
                saved,
            });
        }
        self.with_status(|s| {
            self.status_check(s, line::UID)?;
            let [real, effective, saved] = s
                .uids
                .ok_or_else(|| Error::parse(self.root.path(self.pid, "status"), "Uid line missing"))?;
            Ok(Uids {
                real,
                effective,
                saved,
            })
        })
    }

    /// Real, effective and saved group IDs (psutil's `gids()`).
    pub fn gids(&self) -> Result<Gids> {
        crate::process::attrs::serve_prefetched!(self, Gids);
        if let Some(ids) = self.pidfd_ids() {
            let [real, effective, saved] = ids?.gids;
            return Ok(Gids {
                real,
                effective,
                saved,
            });
        }
        self.with_status(|s| {
            self.status_check(s, line::GID)?;
            let [real, effective, saved] = s
                .gids
                .ok_or_else(|| Error::parse(self.root.path(self.pid, "status"), "Gid line missing"))?;
            Ok(Gids {
                real,
                effective,
                saved,
            })
        })
    }

    /// The name of the real user (psutil's `username()`); the UID as text when the
    /// user database has no entry for it.
    pub fn username(&self) -> Result<String> {
        crate::process::attrs::serve_prefetched!(self, Username);
        let uid = self.uids()?.real;
        Ok(users::user_name(&self.host, uid))
    }

    /// True when the process is a kernel thread (`PF_KTHREAD` in its stat flags).
    pub fn is_kernel_thread(&self) -> Result<bool> {
        self.stat_with(field::FLAGS, |s| s.flags & 0x0020_0000 != 0)
    }
}

#[cfg(test)]
mod deleted_tests {
    use super::strip_deleted;

    #[test]
    fn deleted_suffix_follows_psutil() {
        let dir = std::env::temp_dir().join(format!("psx-del-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.to_str().unwrap();
        // Nothing at either name: stripped.
        let gone = format!("{d}/gone (deleted)");
        assert_eq!(
            strip_deleted(gone.as_bytes()).unwrap(),
            format!("{d}/gone").as_bytes()
        );
        // A new file at the plain name (a rebuilt binary): still stripped, since no file
        // has the suffixed name (psutil stats the whole path).
        std::fs::write(format!("{d}/rebuilt"), b"x").unwrap();
        let rebuilt = format!("{d}/rebuilt (deleted)");
        assert_eq!(
            strip_deleted(rebuilt.as_bytes()).unwrap(),
            format!("{d}/rebuilt").as_bytes()
        );
        // A file really named "... (deleted)": kept whole.
        let literal = format!("{d}/lit (deleted)");
        std::fs::write(&literal, b"x").unwrap();
        assert_eq!(strip_deleted(literal.as_bytes()).unwrap(), literal.as_bytes());
        // No suffix: untouched, and nothing is looked up.
        assert_eq!(strip_deleted(b"/no/such/file").unwrap(), b"/no/such/file");
        // Non-UTF-8 names are looked up by their bytes.
        let odd = [d.as_bytes(), b"/\xff (deleted)"].concat();
        assert_eq!(strip_deleted(&odd).unwrap(), &odd[..odd.len() - 10]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
