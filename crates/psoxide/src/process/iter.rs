//! `process_iter()`: every process, in PID order, with handles kept across calls.

use super::family::list_pids;
use super::{Attr, ProcRoot, Process};
use crate::error::{Error, Pid, Result};
use crate::roots::Roots;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

type Table = HashMap<Pid, Arc<Process>>;

/// Handles kept between `process_iter` calls, one table per procfs root.
static TABLES: Mutex<Vec<(PathBuf, Table)>> = Mutex::new(Vec::new());

fn take_table(procfs: &PathBuf) -> Table {
    let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    match t.iter_mut().find(|(p, _)| p == procfs) {
        Some((_, m)) => std::mem::take(m),
        None => Table::new(),
    }
}

fn put_table(procfs: &PathBuf, table: Table) {
    let mut t = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    match t.iter_mut().find(|(p, _)| p == procfs) {
        Some((_, m)) => *m = table,
        None => t.push((procfs.clone(), table)),
    }
}

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
    root: Arc<ProcRoot>,
    pids: std::vec::IntoIter<Pid>,
    attrs: Option<Vec<Attr>>,
    table: Table,
}

impl Iterator for ProcessIter {
    type Item = Result<Arc<Process>>;

    fn next(&mut self) -> Option<Self::Item> {
        for pid in self.pids.by_ref() {
            // One read of `PID/stat` per process and scan: it establishes who owns the
            // PID now, and it is seeded into the prefetch (which needs `stat` anyway).
            // A kept handle is reused only while the start ticks match (psutil's
            // `is_running()` check), so a recycled PID gets a new handle and neither the
            // old identity nor the old handle's cached values (create_time, exe, the
            // cpu_percent baseline) are attached to the new process.
            let (fresh, stat) = match Process::new_in(&self.root, pid) {
                Ok(x) => x,
                Err(e) if e.is_no_such_process() => {
                    if let Some(old) = self.table.remove(&pid) {
                        old.st().gone = true;
                    }
                    continue;
                }
                Err(e) => return Some(Err(e)),
            };
            let proc = match self.table.get(&pid) {
                Some(old) if old.start_ticks == stat.starttime => Arc::clone(old),
                kept => {
                    if let Some(old) = kept {
                        old.st().gone = true;
                    }
                    let p = Arc::new(fresh);
                    self.table.insert(pid, Arc::clone(&p));
                    p
                }
            };
            let seed = Some(stat);
            proc.set_prefetched(None);
            if let Some(attrs) = &self.attrs {
                match proc.as_dict_seeded(Some(attrs), seed) {
                    Ok(info) => proc.set_prefetched(Some(info)),
                    Err(Error::NoSuchProcess { .. }) => {
                        self.table.remove(&pid);
                        continue;
                    }
                    Err(e) => return Some(Err(e)),
                }
            }
            return Some(Ok(proc));
        }
        None
    }
}

impl Drop for ProcessIter {
    fn drop(&mut self) {
        put_table(&self.root.roots.procfs, std::mem::take(&mut self.table));
    }
}

/// Every process (psutil's `process_iter(attrs)`), from the process-wide roots.
/// `attrs`: `None` for no prefetching; `Some(&Attr::ALL)` for every attribute.
pub fn process_iter(attrs: Option<&[Attr]>) -> Result<ProcessIter> {
    process_iter_at(&crate::roots::roots(), attrs)
}

/// [`process_iter`] reading from `roots`.
pub fn process_iter_at(roots: &Roots, attrs: Option<&[Attr]>) -> Result<ProcessIter> {
    let root = ProcRoot::get(roots)?;
    let pids = list_pids(&root)?;
    let mut table = take_table(&roots.procfs);
    // Forget processes that are gone, and handles that saw their PID reused.
    let live: std::collections::HashSet<Pid> = pids.iter().copied().collect();
    table.retain(|pid, p| live.contains(pid) && !p.st().gone);
    Ok(ProcessIter {
        root,
        pids: pids.into_iter(),
        attrs: attrs.map(<[Attr]>::to_vec),
        table,
    })
}

/// Forgets the handles kept between `process_iter` calls (psutil's
/// `process_iter.cache_clear()`).
pub fn process_iter_cache_clear() {
    TABLES.lock().unwrap_or_else(|e| e.into_inner()).clear();
}
