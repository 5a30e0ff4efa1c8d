//! `exe()`, `cwd()`, `terminal()`.

use super::{tty, Failed, Process};
use crate::error::{Error, Result};
use crate::sys::errno::OsErr;
use crate::sys::fs::access;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// psutil's treatment of a trailing " (deleted)" on a path the kernel reports: removed
/// unless a file with that very name, suffix included, exists (`os.stat` of the whole
/// path). So a deleted binary that was replaced by a new file at the same path shows
/// the plain path, like one that is gone. A permission error from that `stat` is an
/// error, as in psutil (which raises AccessDenied for it).
pub(crate) fn strip_deleted(b: &[u8]) -> io::Result<&[u8]> {
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
    /// Reads the `PID/rel` symlink; ENOENT while `/proc/PID` exists means a zombie
    /// (`ZombieProcess`) or a process without that link (empty path), as in psutil.
    fn read_link(&self, rel: &str) -> Result<PathBuf> {
        match self.root.readlink(self.pid, rel) {
            Ok(b) => clean_link(b).map_err(|e| self.stat_denied(&e)),
            Err(e) if OsErr::of(&e) == OsErr::NotFound && self.root.exists(self.pid, "") => {
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
    pub(crate) fn stat_denied(&self, e: &io::Error) -> Error {
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
        if let Some(e) = self.st().exe.clone() {
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
        self.st().exe = Some(exe.clone());
        Ok(exe)
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
