//! `parent()`, `parents()`, `children()`, and the parent map they are built on.

use super::Process;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_stat::{field, parse_pid_stat};
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// One process of the parent map: (pid, ppid, start ticks, comm).
type PpidEntry = (Pid, Pid, u64, Vec<u8>);

/// Every numeric entry of the procfs root, ascending (the `getdents64` lister of
/// [`Host::pids`](crate::Host::pids), without an allocation per entry).
pub(super) fn list_pids(root: &super::ProcRoot) -> Result<Vec<Pid>> {
    super::pids::pids_in(&root.roots)
}

impl Process {
    /// A handle for `pid` on this handle's host, whose identity (start ticks and
    /// name) was just read elsewhere. Where handles hold pidfds, it is pinned as
    /// [`Process::open`] pins it (a pidfd, then `stat` again: psutil too makes each
    /// child with `Process(pid)`, which reads `stat`); when that finds another
    /// process at the PID, the handle keeps the identity read and holds no pidfd, so
    /// its actions refuse the newcomer.
    fn sibling(&self, pid: Pid, start_ticks: u64, comm: &[u8]) -> Process {
        if self.root.hold {
            if let Ok((p, _)) = Process::open(&self.host, &self.root, pid, true, true) {
                if p.start_ticks == start_ticks {
                    return p;
                }
            }
        }
        Process {
            host: Arc::clone(&self.host),
            pid,
            start_ticks,
            root: Arc::clone(&self.root),
            pidfd: None,
            dir: None,
            kept: super::kept::KeptFiles::default(),
            may_store: Default::default(),
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
            match self.root.read(pid, "stat", &mut buf, FileKind::RECORD) {
                Ok(()) => {
                    // Only the parent and the start time of each process are needed:
                    // a bad field elsewhere in another process's stat is not our
                    // business.
                    let parsed = parse_pid_stat(&buf, std::path::Path::new("stat")).and_then(|s| {
                        s.bad
                            .check(field::PPID | field::STARTTIME, std::path::Path::new("stat"))?;
                        Ok(s)
                    });
                    match parsed.map_err(|e| match e {
                        Error::Parse { what, kind, .. } => Error::Parse {
                            path: self.root.path(pid, "stat"),
                            what,
                            kind,
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
        let me = self.stat_of(field::STARTTIME)?;
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
}
