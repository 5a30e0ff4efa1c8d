//! `process_iter()`: every process, in PID order, with handles kept across calls.

use super::family::list_pids;
use super::{Attr, ProcRoot, Process};
use crate::context::Host;
use crate::error::{Error, Pid, Result};
use std::iter::Peekable;
use std::sync::Arc;

/// The handles `process_iter` keeps between scans, in ascending PID order (each
/// handle knows its PID). A scan walks the PIDs in that order too, so it consumes the
/// previous table with a cursor and pushes onto the next one: no hashing, and eight
/// bytes per process (a hash map of PIDs to handles took 32).
pub(crate) type Table = Vec<Arc<Process>>;

/// Iterator returned by [`process_iter`].
///
/// Yields one handle per process in ascending PID order. Processes that vanish
/// before their turn are skipped. A handle yielded by an earlier call is yielded again
/// while its process lives (same PID and start ticks, checked with one read of
/// `/proc/PID/stat`; a recycled PID gets a fresh handle), so per-handle state such as the `cpu_percent()` baseline
/// carries over from one scan to the next. With attributes, each handle's prefetch
/// store is filled first (see [`Process::as_dict`]); an error other than
/// `NoSuchProcess` while doing so is yielded as `Err`.
pub struct ProcessIter {
    host: Host,
    root: Arc<ProcRoot>,
    pids: std::vec::IntoIter<Pid>,
    attrs: Option<Vec<Attr>>,
    /// The previous scan's handles not visited yet, in PID order.
    old: Peekable<std::vec::IntoIter<Arc<Process>>>,
    /// This scan's handles so far, in PID order: the table once the scan ends.
    table: Table,
    /// The oneshot snapshot, reused from process to process.
    spare: Option<Box<super::Snapshot>>,
    /// Where each prefetch store is built before its exact copy is kept.
    scratch: Vec<u8>,
    /// The PID of the handle yielded last.
    last: Option<Pid>,
    /// Whether a new handle's pidfd must be checked when it is made: not when the
    /// prefetch asks it for the IDs anyway (see [`Process::open`]).
    verify: bool,
}

impl ProcessIter {
    /// Frees the prefetch store of the handle yielded last when the caller no longer
    /// holds it (only the table does). Nobody can read that store any more: a later
    /// `process_iter` replaces it before yielding the handle again. So a loop that
    /// looks at each process and lets it go keeps one store alive, not one per process.
    fn release_last(&mut self) {
        if let Some(pid) = self.last.take() {
            if let Some(p) = self.table.last().filter(|p| p.pid == pid) {
                if Arc::strong_count(p) == 1 {
                    p.st().prefetch = None;
                }
            }
        }
    }

}

/// The previous scan's handle of `pid`, taken out of the old table `old` (handles of
/// lower PIDs left there are of processes gone since the listing: dropped).
fn take_old(old: &mut Peekable<std::vec::IntoIter<Arc<Process>>>, pid: Pid) -> Option<Arc<Process>> {
    while old.next_if(|p| p.pid < pid).is_some() {}
    old.next_if(|p| p.pid == pid)
}

impl Iterator for ProcessIter {
    type Item = Result<Arc<Process>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.release_last();
        for pid in self.pids.by_ref() {
            // One read of `PID/stat` per process and scan: it establishes who owns the
            // PID now, and it is seeded into the prefetch (which needs `stat` anyway).
            // A kept handle is reused only while the start ticks match (psutil's
            // `is_running()` check), so a recycled PID gets a new handle and neither the
            // old identity nor the old handle's cached values (create_time, exe, the
            // cpu_percent baseline) are attached to the new process. A new handle is
            // made by `Process::open` (a pidfd first where handles hold one, then
            // `stat`).
            let mut kept = take_old(&mut self.old, pid);
            // The old handle stays in the table if this visit fails with an error
            // other than NoSuchProcess (as psutil keeps the object in its map).
            let mut prev = kept.clone();
            // A second pass only when a kept handle's pidfd showed its process reaped.
            for _ in 0..2 {
                let opened = match kept.take() {
                    Some(old) => {
                        // Yielded a second time: from now on it keeps its files open
                        // (see `process/kept.rs`).
                        if self.root.keep {
                            old.keep_files();
                        }
                        // `None`: another start time, or the handle's own file shows
                        // its process reaped; the PID is someone else's or nobody's.
                        let same = match old.kept_identity_stat() {
                            Ok(stat) => Ok((old.start_ticks == stat.starttime).then_some(stat)),
                            Err(e) if e.is_no_such_process() && old.reads_own_files() => Ok(None),
                            Err(e) => Err(e),
                        };
                        match same {
                            Ok(Some(stat)) => Ok((old, stat, true)),
                            Ok(None) => {
                                old.st().gone = true;
                                crate::debug::debug(|| format!("refreshing Process instance for reused PID {pid}"));
                                Process::open(self.host.state(), &self.root, pid, self.verify, false)
                                    .map(|(p, s)| (Arc::new(p), s, false))
                            }
                            Err(e) => Err(e),
                        }
                    }
                    None => Process::open(self.host.state(), &self.root, pid, self.verify, false)
                        .map(|(p, s)| (Arc::new(p), s, false)),
                };
                let (mut proc, stat, was_kept) = match opened {
                    Ok(x) => x,
                    Err(e) if e.is_no_such_process() => {
                        if let Some(old) = prev {
                            old.st().gone = true;
                        }
                        break;
                    }
                    Err(e) => {
                        self.table.extend(prev);
                        return Some(Err(e));
                    }
                };
                proc.st().prefetch = None;
                let filled = match &self.attrs {
                    Some(attrs) => proc.prefetch(attrs, stat, &mut self.spare, &mut self.scratch),
                    None => Ok(()),
                };
                if !was_kept && !self.root.keep {
                    // Nobody else has the new handle yet.
                    if let Some(p) = Arc::get_mut(&mut proc) {
                        p.release_pidfd();
                    }
                }
                match filled {
                    Ok(()) => self.table.push(Arc::clone(&proc)),
                    Err(Error::NoSuchProcess { .. }) => {
                        // The kept handle's process is gone (reaped, as its pidfd
                        // says); another may have the PID now: look once more.
                        if was_kept {
                            proc.st().gone = true;
                            prev = None;
                            continue;
                        }
                        break;
                    }
                    Err(e) => {
                        // Kept for the next scan, as psutil keeps the object.
                        self.table.push(proc);
                        return Some(Err(e));
                    }
                }
                self.last = Some(pid);
                return Some(Ok(proc));
            }
        }
        None
    }

    /// At most one item per PID still to visit (processes that vanish are skipped).
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.pids.len()))
    }
}

impl Drop for ProcessIter {
    fn drop(&mut self) {
        self.release_last();
        // Handles of PIDs not reached (the caller stopped early) stay for the next
        // scan; they all come after the ones pushed.
        let mut table = std::mem::take(&mut self.table);
        table.extend(self.old.by_ref());
        *self.host.procs() = table;
    }
}

/// Every process (psutil's `process_iter(attrs)`), from the process-wide roots.
/// `attrs`: `None` for no prefetching; `Some(&Attr::ALL)` for every attribute.
pub fn process_iter(attrs: Option<&[Attr]>) -> Result<ProcessIter> {
    Host::current().process_iter(attrs)
}

impl Host {
    /// [`process_iter`] on this host.
    pub fn process_iter(&self, attrs: Option<&[Attr]>) -> Result<ProcessIter> {
        let root = self.proc_root()?;
        if root.hold {
            // The descriptor limit may have changed since the last scan.
            super::pidfd::refresh_budget();
        }
        let pids = list_pids(&root)?;
        let mut old = std::mem::take(&mut *self.procs());
        // Forget processes that are gone, and handles that saw their PID reused (the
        // listing is in ascending order).
        old.retain(|p| pids.binary_search(&p.pid).is_ok() && !p.st().gone);
        // Room for every listed PID at once, instead of growing the table during the
        // scan.
        let table = Vec::with_capacity(pids.len());
        Ok(ProcessIter {
            host: self.clone(),
            root: Arc::clone(&root),
            pids: pids.into_iter(),
            verify: !(root.pidfd_info
                && attrs.is_some_and(|a| {
                    a.iter()
                        .any(|a| matches!(a, Attr::Uids | Attr::Gids | Attr::Username))
                })),
            attrs: attrs.map(<[Attr]>::to_vec),
            old: old.into_iter().peekable(),
            table,
            spare: None,
            scratch: Vec::new(),
            last: None,
        })
    }
}

/// Forgets the handles kept between `process_iter` calls on [`Host::current`]
/// (psutil's `process_iter.cache_clear()`).
pub fn process_iter_cache_clear() {
    Host::current().process_iter_cache_clear();
}

impl Host {
    /// Forgets the handles this host's `process_iter` keeps between calls.
    pub fn process_iter_cache_clear(&self) {
        *self.procs() = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_nobody_holds_are_freed_and_held_ones_kept() {
        // A host of its own, so that no other test shares this handle table.
        let host = Host::default();
        let me = std::process::id();
        let mut held = None;
        for p in host.process_iter(Some(&[Attr::Name, Attr::Cmdline])).unwrap() {
            let p = p.unwrap();
            assert!(p.prefetched().is_some(), "the yielded handle has its store");
            if p.pid() == me {
                held = Some(p);
            }
        }
        let held = held.expect("this process is listed");
        let table = host.procs();
        assert!(table.len() > 1);
        assert!(table.windows(2).all(|w| w[0].pid < w[1].pid), "in PID order");
        for p in table.iter() {
            let (pid, has) = (p.pid, p.st().prefetch.is_some());
            if pid == me {
                assert!(has, "a handle the caller holds keeps its store");
            } else {
                assert!(!has, "pid {pid}: nobody holds it, its store is freed");
            }
        }
        drop(table);
        let info = held.prefetched().unwrap();
        assert_eq!(info.values.len(), 2);
        let live = held.as_dict(Some(&[Attr::Name])).unwrap();
        assert_eq!(
            live.get(Attr::Name),
            Some(&crate::process::AttrValue::Name(held.name().unwrap()))
        );
    }

    /// A scan the caller stops early keeps the handles it did not reach (psutil
    /// writes its map back when the generator is closed), in PID order, and the next
    /// scan yields the same handles again.
    #[test]
    fn an_early_stop_keeps_the_unvisited_handles() {
        let host = Host::default();
        let me = std::process::id();
        let first: Vec<Arc<Process>> = host.process_iter(None).unwrap().flatten().collect();
        let mine = first.iter().find(|p| p.pid() == me).cloned().expect("this process is listed");
        let before = host.procs().len();
        let seen = host.process_iter(None).unwrap().take(2).count();
        assert_eq!(seen, 2);
        {
            let table = host.procs();
            assert!(table.len() + 5 >= before, "{} of {before} handles kept", table.len());
            assert!(table.windows(2).all(|w| w[0].pid < w[1].pid), "in PID order");
            assert!(table.iter().any(|p| Arc::ptr_eq(p, &mine)), "the unvisited handle stays");
        }
        let again = host.process_iter(None).unwrap().flatten().find(|p| p.pid() == me).unwrap();
        assert!(Arc::ptr_eq(&again, &mine), "yielded again");
        host.process_iter_cache_clear();
        assert!(host.procs().is_empty());
    }
}
