//! Files and I/O of `Process`: `open_files()`, `num_fds()`, `net_connections()` and
//! `io_counters()`.

use super::{CgroupMembership, Failed, OpenFile, Process, ProcessIoCounters};
use crate::connections::{ConnectionKind, ProcessConnection};
use crate::error::{Error, Result};
use crate::linux::parse::pid_files::{parse_fdinfo, parse_pid_cgroup, parse_pid_io};
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

impl Process {
    /// Regular files the process has open (psutil's `open_files()`), in `/proc/PID/fd`
    /// order: path, fd, position, mode (`r`, `w`, `a`, `r+`, `a+`) and open flags.
    pub fn open_files(&self) -> Result<Vec<OpenFile>> {
        crate::process::attrs::serve_prefetched!(self, OpenFiles);
        // The fd directory is opened once and listed with getdents; each link is read
        // relative to it, and the fdinfo paths are built on the stack.
        let mut dir = match self.open_dir_rel("fd") {
            Ok(d) => d,
            Err(e) => return Err(self.os_error(Failed::File("fd"), e)),
        };
        // The caller's own process: the descriptors this library holds are not
        // listed: its pidfds (never regular files; a scan may hold thousands of them,
        // and the kernel builds an entry for each descriptor it lists) and its kept
        // system files (`/proc/stat`, ...: psutil, which opens them at each call,
        // never shows them).
        let own = if self.root.live && self.pid == std::process::id() {
            super::pidfd::own_fds()
        } else {
            Vec::new()
        };
        let mut fds: Vec<i32> = Vec::new();
        let listed = if own.is_empty() {
            dir.for_each(|name| {
                if let Some(fd) = std::str::from_utf8(name).ok().and_then(|n| n.parse::<i32>().ok()) {
                    fds.push(fd);
                }
            })
        } else {
            dir.for_each_fd_except(&own, |fd| fds.push(fd))
        };
        if let Err(e) = listed {
            return Err(self.os_error(Failed::File("fd"), e));
        }
        let mut out = Vec::new();
        let mut vanished = false;
        let mut link = Vec::new();
        let mut buf = take_buf();
        let r = (|| {
            for fd in fds {
                let mut name = [0u8; 24];
                let name = num_rel("", fd, &mut name);
                match dir.readlink(name.as_bytes(), &mut link) {
                    Ok(()) => {}
                    Err(e) if OsErr::of(&e).is_gone() => {
                        vanished = true;
                        continue;
                    }
                    Err(e) if OsErr::of(&e) == OsErr::Invalid => continue,
                    Err(e) if OsErr::of(&e) == OsErr::NameTooLong => {
                        crate::debug::debug(|| format!("ignoring fd/{fd} of pid {}: {e}", self.pid));
                        continue;
                    }
                    Err(e) => return Err(self.os_error(Failed::File(&format!("fd/{fd}")), e)),
                }
                if link.first() != Some(&b'/') {
                    continue;
                }
                let target = std::path::Path::new(std::ffi::OsStr::from_bytes(&link));
                match crate::sys::fs::stat(target) {
                    Ok(st) if crate::sys::fs::is_regular(&st) => {}
                    Ok(_) => continue,
                    Err(e) if OsErr::of(&e) == OsErr::Denied => {
                        return Err(Error::access_denied(
                            Some(self.pid),
                            self.known_name(),
                            target.display().to_string(),
                        ))
                    }
                    Err(_) => continue,
                }
                let path = PathBuf::from(OsString::from_vec(link.clone()));
                let mut rel = [0u8; 24];
                let rel = num_rel("fdinfo/", fd, &mut rel);
                let info = match self.read_rel(rel, &mut buf, FileKind::RECORD) {
                    // The parser gets a short path; the full one only for an error.
                    Ok(()) => parse_fdinfo(&buf, std::path::Path::new(rel))
                        .map_err(|e| super::full_path(&self.root, self.pid, rel, e))?,
                    Err(e) if OsErr::of(&e).is_gone() => {
                        vanished = true;
                        continue;
                    }
                    Err(e) => return Err(self.os_error(Failed::File(rel), e)),
                };
                out.push(OpenFile {
                    path,
                    fd,
                    position: info.pos,
                    mode: file_mode(info.flags).to_string(),
                    flags: info.flags,
                });
            }
            Ok(())
        })();
        put_buf(buf);
        r?;
        if vanished && !self.exists_now() {
            return Err(Error::no_such_process(self.pid, self.known_name()));
        }
        Ok(out)
    }
    /// Number of open file descriptors (psutil's `num_fds()`).
    pub fn num_fds(&self) -> Result<u64> {
        crate::process::attrs::serve_prefetched!(self, NumFds);
        // Linux 6.2+ reports the number of open descriptors as the size of the
        // `fd` directory: one `statx` instead of listing it. The size is visible to
        // anyone, but psutil gets AccessDenied from the listing, so the listing's
        // permission check must be made too. `statx("PID/fd/.")` makes it in the same
        // call: resolving `.` inside `fd` needs search permission on `fd`, which the
        // kernel grants exactly when it grants reading it (the directory is `r-x` for
        // its owner only, the capabilities that bypass it bypass both, and a process
        // may always look at its own descriptors), so EACCES there is the listing's
        // EACCES. A size of 0 (older kernels, or really no descriptor) falls back to
        // the listing, and so does any root that is not a procfs mount (a fixture
        // tree's directory size is its block size).
        if self.root.is_procfs {
            // The caller itself (asked now: a handle made before a `fork` is the
            // parent's in the child) may always list its own descriptors, so the
            // count comes from a held descriptor of its `fd` directory.
            if let Some(d) = &self.dir {
                if self.root.live && rustix::process::getpid().as_raw_nonzero().get() as u32 == self.pid {
                    if let Some(n) = d.own_fd_count() {
                        return Ok(n);
                    }
                }
            }
            let st = match &self.dir {
                Some(d) => d.dir.stat(c"fd/."),
                None => self.stat_rel("fd/."),
            };
            match st {
                Ok(st) if st.st_size > 0 => return Ok(st.st_size as u64),
                Ok(_) => {}
                Err(e) => return Err(self.os_error(Failed::File("fd"), e)),
            }
        }
        let mut n = 0u64;
        self.open_dir_rel("fd")
            .and_then(|mut d| d.for_each(|_| n += 1))
            .map_err(|e| self.os_error(Failed::File("fd"), e))?;
        Ok(n)
    }

    /// This process's sockets (psutil's `Process.net_connections(kind)`): like the
    /// system-wide [`net_connections`](crate::net_connections) limited to the socket
    /// descriptors in `/proc/PID/fd`, without the pid. `[]` without reading any socket
    /// table when the process has no socket. Other users' processes give
    /// `AccessDenied`; a process that vanished meanwhile gives `NoSuchProcess`.
    pub fn net_connections(&self, kind: ConnectionKind) -> Result<Vec<ProcessConnection>> {
        if kind == ConnectionKind::Inet {
            crate::process::attrs::serve_prefetched!(self, NetConnections);
        }
        // The caller's own process: the descriptors psoxide holds are not listed (as
        // in open_files).
        let own = if self.root.live && self.pid == std::process::id() {
            super::pidfd::own_fds()
        } else {
            Vec::new()
        };
        let r = crate::connections::process_connections(&self.root.roots, self.pid, kind, &own);
        let out = match r {
            Ok(v) => v,
            // The process's own `fd` directory or links: psutil's translation. An
            // error of a socket table (`{procfs}/net/tcp`, ...) keeps its own path.
            Err(Error::Io { path, source }) if path.starts_with(self.root.path(self.pid, "")) => {
                return Err(self.os_error(Failed::File("fd"), source))
            }
            Err(e) => return Err(e),
        };
        // As psutil does: the process must still exist once the tables were read.
        if !self.exists_now() {
            return Err(Error::no_such_process(self.pid, self.known_name()));
        }
        Ok(out)
    }
    /// The cgroup v2 path of the process (the `0::` line of `/proc/PID/cgroup`, e.g.
    /// `/system.slice/ssh.service`); `None` when the process is in no v2 hierarchy.
    /// Not in psutil; for exporters that group processes by container.
    pub fn cgroup_v2(&self) -> Result<Option<String>> {
        // The unified hierarchy's line: ID 0, no controllers.
        Ok(self
            .cgroups()?
            .into_iter()
            .find(|c| c.hierarchy_id == 0 && c.controllers.is_empty())
            .map(|c| c.path))
    }

    /// The control groups of the process, one per hierarchy, from `/proc/PID/cgroup`
    /// (not in psutil; the `psoxide` monitor's detail view shows them).
    pub fn cgroups(&self) -> Result<Vec<CgroupMembership>> {
        self.with("cgroup", FileKind::TABLE, |b, p| {
            Ok(parse_pid_cgroup(b, p)?
                .into_iter()
                .map(|l| CgroupMembership {
                    hierarchy_id: l.hierarchy_id,
                    controllers: l.controllers,
                    path: l.path,
                })
                .collect())
        })
    }

    /// I/O counters from `/proc/PID/io` (psutil's `io_counters()`).
    pub fn io_counters(&self) -> Result<ProcessIoCounters> {
        crate::process::attrs::serve_prefetched!(self, IoCounters);
        self.with("io", FileKind::RECORD, |b, p| {
            let io = parse_pid_io(b, p)?;
            Ok(ProcessIoCounters {
                read_count: io.syscr,
                write_count: io.syscw,
                read_bytes: io.read_bytes,
                write_bytes: io.write_bytes,
                read_chars: io.rchar,
                write_chars: io.wchar,
            })
        })
    }
}

/// `prefix` followed by the decimal `n`, written into `buf` (no allocation).
fn num_rel<'a>(prefix: &str, n: i32, buf: &'a mut [u8; 24]) -> &'a str {
    use std::io::Write;
    let cap = buf.len();
    let mut w: &mut [u8] = &mut buf[..];
    // 7 + 11 bytes at most: always fits.
    let _ = write!(w, "{prefix}{n}");
    let used = cap - w.len();
    std::str::from_utf8(&buf[..used]).unwrap_or("")
}

/// psutil's mode string for open flags.
fn file_mode(flags: u64) -> &'static str {
    let append = flags & libc::O_APPEND as u64 != 0;
    match flags & libc::O_ACCMODE as u64 {
        x if x == libc::O_WRONLY as u64 => {
            if append {
                "a"
            } else {
                "w"
            }
        }
        x if x == libc::O_RDWR as u64 => {
            if append {
                "a+"
            } else {
                "r+"
            }
        }
        _ => "r",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes() {
        use super::file_mode;
        assert_eq!(file_mode(0), "r");
        assert_eq!(file_mode(libc::O_WRONLY as u64 | 0o100000), "w");
        assert_eq!(file_mode((libc::O_WRONLY | libc::O_APPEND) as u64), "a");
        assert_eq!(file_mode(libc::O_RDWR as u64), "r+");
        assert_eq!(file_mode((libc::O_RDWR | libc::O_APPEND) as u64), "a+");
    }
}

#[cfg(test)]
mod rel_tests {
    use super::num_rel;

    #[test]
    fn relative_names_on_the_stack() {
        let mut b = [0u8; 24];
        assert_eq!(num_rel("fdinfo/", 0, &mut b), "fdinfo/0");
        let mut b = [0u8; 24];
        assert_eq!(num_rel("fdinfo/", i32::MAX, &mut b), "fdinfo/2147483647");
        let mut b = [0u8; 24];
        assert_eq!(num_rel("", 17, &mut b), "17");
    }
}
