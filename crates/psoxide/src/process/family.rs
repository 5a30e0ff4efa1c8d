//! `parent()`, `parents()`, `children()` and `open_files()`.

use super::{Failed, OpenFile, Process};
use crate::connections::{ConnectionKind, ProcessConnection};
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_files::parse_fdinfo;
use crate::linux::parse::pid_stat::parse_pid_stat;
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, Dir, Eof};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One process of the parent map: (pid, ppid, start ticks, comm).
type PpidEntry = (Pid, Pid, u64, Vec<u8>);

/// Every numeric entry of the procfs root, ascending (the `getdents64` lister of
/// [`Host::pids`](crate::Host::pids), without an allocation per entry).
pub(crate) fn list_pids(root: &super::ProcRoot) -> Result<Vec<Pid>> {
    super::pids::pids_in(&root.roots)
}

impl Process {
    /// A handle for `pid` on this handle's host, whose identity was just read
    /// elsewhere (no extra read).
    fn sibling(&self, pid: Pid, start_ticks: u64, comm: &[u8]) -> Process {
        Process {
            host: Arc::clone(&self.host),
            pid,
            start_ticks,
            root: Arc::clone(&self.root),
            state: Mutex::new(super::State {
                name: Some(super::small::SmallBytes::new(comm)),
                ..Default::default()
            }),
        }
    }

    /// The parent process (psutil's `parent()`): `None` for the lowest PID (1), when
    /// the parent is gone, or when the PID in `ppid` now belongs to a process younger
    /// than this one (the real parent died and its PID was reused). Start times are
    /// compared in clock ticks, exactly.
    pub fn parent(&self) -> Result<Option<Process>> {
        if self.pid == 1 {
            return Ok(None);
        }
        let ppid = self.ppid()?;
        if ppid == 0 {
            return Ok(None);
        }
        match self.bind(ppid) {
            Ok(p) if p.start_ticks <= self.start_ticks => Ok(Some(p)),
            Ok(_) => Ok(None),
            Err(e) if e.is_no_such_process() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// All ancestors, nearest first (psutil's `parents()`).
    pub fn parents(&self) -> Result<Vec<Process>> {
        let mut out: Vec<Process> = Vec::new();
        let mut cur = self.parent()?;
        while let Some(p) = cur {
            let next = match p.parent() {
                Ok(n) => n,
                Err(e) if e.is_no_such_process() => None,
                Err(e) => return Err(e),
            };
            out.push(p);
            cur = next;
        }
        Ok(out)
    }

    /// Reads `PID/stat` of every process: pid -> (ppid, start ticks, comm).
    fn ppid_map(&self) -> Result<Vec<PpidEntry>> {
        let pids = list_pids(&self.root)?;
        let mut out = Vec::with_capacity(pids.len());
        let mut buf = take_buf();
        for pid in pids {
            match self.root.read(pid, "stat", &mut buf, Eof::ShortRead) {
                Ok(()) => {
                    match parse_pid_stat(&buf, std::path::Path::new("stat")).map_err(|e| match e {
                        Error::Parse { what, .. } => Error::Parse {
                            path: self.root.path(pid, "stat"),
                            what,
                        },
                        other => other,
                    }) {
                        Ok(s) => {
                            if let Ok(pp) = Pid::try_from(s.ppid) {
                                out.push((pid, pp, s.starttime, s.comm.to_vec()));
                            }
                        }
                        Err(e) => {
                            put_buf(buf);
                            return Err(e);
                        }
                    }
                }
                Err(e) if OsErr::of(&e).is_gone() => {}
                Err(e) if OsErr::of(&e) == OsErr::Denied => {
                    put_buf(buf);
                    return Err(Error::access_denied(
                        Some(pid),
                        None,
                        self.root.path(pid, "stat").display().to_string(),
                    ));
                }
                Err(e) => {
                    put_buf(buf);
                    return Err(Error::io(self.root.path(pid, "stat"), e));
                }
            }
        }
        put_buf(buf);
        Ok(out)
    }

    /// Child processes (psutil's `children()`). Checks first that this handle's PID was
    /// not reused. Candidates that started before this process are skipped (their PID
    /// was reused). Without `recursive`: direct children by ascending PID. With it: all
    /// descendants, in psutil's stack order (direct children first, then deeper levels).
    pub fn children(&self, recursive: bool) -> Result<Vec<Process>> {
        let me = self.stat()?;
        self.check_same_start(me.starttime)?;
        let map = self.ppid_map()?;
        let mut out = Vec::new();
        if !recursive {
            for (pid, ppid, start, comm) in &map {
                if *ppid == self.pid && *start >= self.start_ticks {
                    out.push(self.sibling(*pid, *start, comm));
                }
            }
            return Ok(out);
        }
        let mut by_parent: HashMap<Pid, Vec<usize>> = HashMap::new();
        for (i, (_, ppid, _, _)) in map.iter().enumerate() {
            by_parent.entry(*ppid).or_default().push(i);
        }
        let mut seen = HashSet::new();
        let mut stack = vec![self.pid];
        while let Some(pid) = stack.pop() {
            if !seen.insert(pid) {
                continue;
            }
            for &i in by_parent.get(&pid).map(Vec::as_slice).unwrap_or(&[]) {
                let (cpid, _, start, comm) = &map[i];
                if *start >= self.start_ticks {
                    out.push(self.sibling(*cpid, *start, comm));
                    stack.push(*cpid);
                }
            }
        }
        Ok(out)
    }

    /// Regular files the process has open (psutil's `open_files()`), in `/proc/PID/fd`
    /// order: path, fd, position, mode (`r`, `w`, `a`, `r+`, `a+`) and open flags.
    pub fn open_files(&self) -> Result<Vec<OpenFile>> {
        crate::process::attrs::serve_prefetched!(self, OpenFiles);
        // The fd directory is opened once and listed with getdents; each link is read
        // relative to it, and the fdinfo paths are built on the stack.
        let mut dir = match Dir::open(&self.root.path(self.pid, "fd")) {
            Ok(d) => d,
            Err(e) => return Err(self.os_error(Failed::File("fd"), e)),
        };
        let mut fds: Vec<i32> = Vec::new();
        if let Err(e) = dir.for_each(|name| {
            if let Some(fd) = std::str::from_utf8(name).ok().and_then(|n| n.parse::<i32>().ok()) {
                fds.push(fd);
            }
        }) {
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
                    Err(e) if matches!(OsErr::of(&e), OsErr::Invalid | OsErr::NameTooLong) => continue,
                    Err(e) => return Err(self.os_error(Failed::File(&format!("fd/{fd}")), e)),
                }
                if link.first() != Some(&b'/') {
                    continue;
                }
                let path = PathBuf::from(OsString::from_vec(link.clone()));
                match crate::sys::fs::stat(&path) {
                    Ok(st) if crate::sys::fs::is_regular(&st) => {}
                    Ok(_) => continue,
                    Err(e) if OsErr::of(&e) == OsErr::Denied => {
                        return Err(Error::access_denied(
                            Some(self.pid),
                            self.known_name(),
                            path.display().to_string(),
                        ))
                    }
                    Err(_) => continue,
                }
                let mut rel = [0u8; 24];
                let rel = num_rel("fdinfo/", fd, &mut rel);
                let info = match self.root.read(self.pid, rel, &mut buf, Eof::ShortRead) {
                    Ok(()) => parse_fdinfo(&buf, &self.root.path(self.pid, rel))?,
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
        if vanished && !self.root.exists(self.pid, "") {
            return Err(Error::no_such_process(self.pid, self.known_name()));
        }
        Ok(out)
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

impl Process {
    /// This process's sockets (psutil's `Process.net_connections(kind)`): like the
    /// system-wide [`net_connections`](crate::net_connections) limited to the socket
    /// descriptors in `/proc/PID/fd`, without the pid. `[]` without reading any socket
    /// table when the process has no socket. Other users' processes give
    /// `AccessDenied`; a process that vanished meanwhile gives `NoSuchProcess`.
    pub fn net_connections(&self, kind: ConnectionKind) -> Result<Vec<ProcessConnection>> {
        if kind == ConnectionKind::Inet {
            crate::process::attrs::serve_prefetched!(self, NetConnections);
        }
        let r = crate::connections::process_connections(&self.root.roots, self.pid, kind);
        let out = match r {
            Ok(v) => v,
            Err(Error::Io { source, .. }) => return Err(self.os_error(Failed::File("fd"), source)),
            Err(e) => return Err(e),
        };
        // As psutil does: the process must still exist once the tables were read.
        if !self.root.exists(self.pid, "") {
            return Err(Error::no_such_process(self.pid, self.known_name()));
        }
        Ok(out)
    }
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
