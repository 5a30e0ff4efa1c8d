//! [`Host`]: one view of a machine, owning everything psutil keeps per module.
//!
//! psutil keeps state in module globals: `PROCFS_PATH`, the CPU-percent baselines,
//! the wrap-around counters of `net_io_counters`/`disk_io_counters(nowrap=True)`,
//! `process_iter`'s table of handles, the total memory `memory_percent()` divides by.
//! psoxide keeps all of it in a `Host`, built on a [`Roots`]: the live machine (the
//! process-wide default behind the free functions, [`Host::current`]), a captured
//! fixture tree, or a container's view of the host's `/proc` and `/sys`. Two hosts
//! share nothing; dropping the last clone of a host (and the [`Process`] handles made
//! from it) closes its descriptors and frees its caches.
//!
//! Every system function is a method of `Host` (`host.cpu_times()`,
//! `host.process_iter(..)`, `host.process(pid)`); the free function of the same name
//! (`psoxide::cpu_times()`) calls it on [`Host::current`].

use crate::cpu::CpuSampler;
use crate::error::{Error, Result};
use crate::linux::parse::netdev::NET_DEV_FIELDS;
use crate::nowrap::NoWrap;
use crate::process::ProcRoot;
use crate::roots::Roots;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// A view of one machine through one set of [`Roots`], with the state psutil keeps
/// per module. Cheap to clone (clones share the state); `Send + Sync`.
///
/// ```no_run
/// use psoxide::{Host, Roots};
/// // The live machine, as the free functions see it.
/// let live = Host::current();
/// println!("{:?}", live.cpu_times()?);
/// // A container's view of the host: its own baselines, handles and caches.
/// let outer = Host::new(Roots::under("/host"));
/// for p in outer.process_iter(None)? {
///     println!("{}", p?.pid());
/// }
/// # Ok::<(), psoxide::Error>(())
/// ```
#[derive(Clone)]
pub struct Host {
    inner: Arc<Inner>,
}

struct Inner {
    state: Arc<HostState>,
    /// `process_iter`'s handles, kept between calls (psutil's `_pmap`). Held here,
    /// not in [`HostState`], because the handles point at the state: a table in the
    /// state would keep it alive forever.
    procs: Mutex<crate::process::iter::Table>,
}

/// Which of the kernel's process interfaces a [`Host`] may use (see
/// [`Host::with_kernel_api`]). Every choice gives the same values; they differ in cost
/// and in how exactly a handle is tied to its process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KernelApi {
    /// Whatever this kernel offers (the default): on the live procfs, handles hold a
    /// pidfd (Linux 5.3+) and scans take user and group IDs from
    /// `ioctl(PIDFD_GET_INFO)` (Linux 6.13+) instead of `/proc/PID/status`.
    #[default]
    Newest,
    /// As [`Newest`](KernelApi::Newest), except that a handle made by
    /// `process_iter` keeps its pidfd only while its prefetch store is filled (the
    /// pidfd is opened before `stat` is read, so the IDs are those of the process
    /// that `stat` describes): afterwards it holds none, and its later actions
    /// identify the process by PID and start ticks, as handles beyond the descriptor
    /// budget do. For listings that read every process once and act on none: a
    /// thousand held pidfds are a thousand kernel objects allocated and kept, which
    /// costs such a listing about 7% more CPU than closing each at once
    /// (BENCHMARKS.md).
    NewestUnheld,
    /// As on Linux 5.3 to 6.12: pidfds, but IDs from `/proc/PID/status`.
    NoPidfdInfo,
    /// As before Linux 5.3: no pidfds; a handle's identity is its PID and start
    /// ticks, and waiting polls.
    NoPidfd,
}

/// The part of a [`Host`] that its [`Process`] handles also hold: the roots, the open
/// procfs directory and the per-module caches.
pub(crate) struct HostState {
    roots: Arc<Roots>,
    /// The kernel interfaces allowed.
    api: KernelApi,
    /// The open procfs directory and what goes with it, reopened when the directory
    /// at `roots.procfs` was replaced.
    proc_root: Mutex<Option<Arc<ProcRoot>>>,
    /// `total` of the last successful `virtual_memory()` (psutil's `_TOTAL_PHYMEM`).
    pub(crate) last_total: Mutex<Option<u64>>,
    /// Terminal device number → path under `roots.dev`.
    pub(crate) tty: Mutex<Option<HashMap<u64, PathBuf>>>,
    /// UID → user name.
    pub(crate) users: Mutex<Option<crate::process::UserCache>>,
    /// `net_io_counters(nowrap=true)` state.
    pub(crate) net_nowrap: Mutex<Option<NoWrap<NET_DEV_FIELDS>>>,
    /// `disk_io_counters(nowrap=true)` state.
    pub(crate) disk_nowrap: Mutex<Option<NoWrap<9>>>,
    /// The baselines of the four CPU-percent functions.
    pub(crate) cpu: Mutex<Option<CpuSampler>>,
}

/// Locks `m`, taking over the data of a panicked holder (the state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("roots", self.roots())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl Default for Host {
    /// A new host on the live machine's [`Roots`] (not [`Host::current`]: fresh state).
    fn default() -> Self {
        Host::new(Roots::default())
    }
}

impl Host {
    /// A host reading from `roots`, with empty state. Opens nothing yet: a missing
    /// directory is reported by the first call that needs it.
    pub fn new(roots: Roots) -> Host {
        Host::with_kernel_api(roots, KernelApi::Newest)
    }

    /// A host reading from `roots` that uses only the process interfaces `api`
    /// allows: what the library does on older kernels, run on this one (the test
    /// suites check that each choice gives psutil's values).
    pub fn with_kernel_api(roots: Roots, api: KernelApi) -> Host {
        let state = HostState {
            roots: Arc::new(roots),
            api,
            proc_root: Mutex::new(None),
            last_total: Mutex::new(None),
            tty: Mutex::new(None),
            users: Mutex::new(None),
            net_nowrap: Mutex::new(None),
            disk_nowrap: Mutex::new(None),
            cpu: Mutex::new(None),
        };
        Host {
            inner: Arc::new(Inner {
                state: Arc::new(state),
                procs: Mutex::new(Default::default()),
            }),
        }
    }

    /// The process-wide host used by the free functions (`psoxide::cpu_times()` is
    /// `Host::current().cpu_times()`). [`set_roots`](crate::set_roots) and
    /// [`set_procfs_path`](crate::set_procfs_path) replace it with a new host.
    pub fn current() -> Host {
        global::current()
    }

    /// The kernel interfaces this host may use.
    pub fn kernel_api(&self) -> KernelApi {
        self.inner.state.api
    }

    /// The roots this host reads from.
    pub fn roots(&self) -> &Roots {
        &self.inner.state.roots
    }

    pub(crate) fn roots_arc(&self) -> Arc<Roots> {
        Arc::clone(&self.inner.state.roots)
    }

    pub(crate) fn state(&self) -> &Arc<HostState> {
        &self.inner.state
    }

    /// The table of handles `process_iter` keeps between calls.
    pub(crate) fn procs(&self) -> MutexGuard<'_, crate::process::iter::Table> {
        lock(&self.inner.procs)
    }

    /// The open procfs root (see [`HostState::proc_root`]).
    pub(crate) fn proc_root(&self) -> Result<Arc<ProcRoot>> {
        self.inner.state.proc_root()
    }
}

impl HostState {
    /// The roots.
    pub(crate) fn roots(&self) -> &Roots {
        &self.roots
    }

    /// The open procfs root, opened on first use and opened again when the directory
    /// at `roots.procfs` is no longer the one held (same device and inode), so that a
    /// tree replaced at the same path is read afresh. Costs one `stat` per call: it
    /// is asked once per handle made and once per scan, never per attribute.
    pub(crate) fn proc_root(&self) -> Result<Arc<ProcRoot>> {
        let procfs = &self.roots.procfs;
        let now = crate::sys::fs::identity(procfs);
        let mut g = lock(&self.proc_root);
        if let (Some(r), Ok(id)) = (g.as_ref(), &now) {
            if r.identity == *id {
                return Ok(Arc::clone(r));
            }
        }
        if let Err(e) = now {
            // Gone or unreachable: drop the stale descriptor and say why.
            *g = None;
            return Err(Error::io(procfs, e));
        }
        let r = Arc::new(ProcRoot::open(Arc::clone(&self.roots), self.api)?);
        *g = Some(Arc::clone(&r));
        Ok(r)
    }
}

/// The process-wide default host behind the free functions.
mod global {
    use super::Host;
    use crate::roots::Roots;
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::RwLock;

    static GLOBAL: RwLock<Option<Host>> = RwLock::new(None);
    /// Bumped by every [`replace`]; each thread keeps the host it last saw with the
    /// generation it saw it at, so the common path is one atomic load and one `Arc`
    /// clone, without taking the lock.
    static GENERATION: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        static CURRENT: RefCell<Option<(u64, Host)>> = const { RefCell::new(None) };
    }

    fn load() -> Host {
        if let Some(h) = &*super::read(&GLOBAL) {
            return h.clone();
        }
        let mut w = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
        w.get_or_insert_with(|| Host::new(Roots::default())).clone()
    }

    pub(super) fn current() -> Host {
        let generation = GENERATION.load(Ordering::Acquire);
        CURRENT
            .try_with(|c| {
                let mut c = c.borrow_mut();
                match &*c {
                    Some((g, h)) if *g == generation => h.clone(),
                    _ => {
                        let h = load();
                        *c = Some((generation, h.clone()));
                        h
                    }
                }
            })
            .unwrap_or_else(|_| load())
    }

    /// Makes a new host on `roots` the process-wide one, with the kernel interfaces
    /// of the one it replaces.
    pub(crate) fn replace(roots: Roots) {
        let mut g = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
        let api = g.as_ref().map(Host::kernel_api).unwrap_or_default();
        *g = Some(Host::with_kernel_api(roots, api));
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }

    /// Makes a new host on the same roots, using only the interfaces `api` allows,
    /// the process-wide one.
    pub(crate) fn replace_api(api: super::KernelApi) {
        let mut g = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
        let roots = g.as_ref().map(|h| h.roots().clone()).unwrap_or_default();
        *g = Some(Host::with_kernel_api(roots, api));
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }
}

pub(crate) use global::replace as replace_current;

/// Makes the process-wide host (the one behind the free functions and
/// [`Process::new`](crate::Process::new)) use only the process interfaces `api` allows, from now on: a new
/// host on the same roots, as [`set_roots`](crate::set_roots) makes one. For testing
/// the paths older kernels take, on this one.
pub fn set_kernel_api(api: KernelApi) {
    global::replace_api(api);
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_share_nothing_and_clones_share_everything() {
        let a = Host::new(Roots::fixture("basic"));
        let b = Host::new(Roots::fixture("basic"));
        *lock(&a.state().last_total) = Some(7);
        assert_eq!(*lock(&a.clone().state().last_total), Some(7));
        assert_eq!(*lock(&b.state().last_total), None);
    }

    #[test]
    fn a_replaced_procfs_directory_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let proc = dir.path().join("proc");
        std::fs::create_dir(&proc).unwrap();
        let host = Host::new(Roots::under(dir.path()));
        let first = host.proc_root().unwrap();
        assert!(
            Arc::ptr_eq(&first, &host.proc_root().unwrap()),
            "kept while unchanged"
        );
        std::fs::rename(&proc, dir.path().join("old")).unwrap();
        std::fs::create_dir(&proc).unwrap();
        let second = host.proc_root().unwrap();
        assert!(
            !Arc::ptr_eq(&first, &second),
            "a new directory at the path is opened"
        );
        std::fs::remove_dir(&proc).unwrap();
        let e = host.proc_root().unwrap_err();
        assert!(e.to_string().contains("proc"), "{e}");
        assert!(
            lock(&host.state().proc_root).is_none(),
            "the stale descriptor is dropped"
        );
    }

    #[test]
    fn dropping_a_host_closes_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("proc")).unwrap();
        // The descriptors of this process open on the tree (other tests' fds are not
        // counted).
        let ours = || {
            std::fs::read_dir("/proc/self/fd")
                .unwrap()
                .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter(|t| t.starts_with(dir.path()))
                .count()
        };
        let hosts: Vec<Host> = (0..20).map(|_| Host::new(Roots::under(dir.path()))).collect();
        for h in &hosts {
            h.proc_root().unwrap();
        }
        assert_eq!(ours(), 20);
        drop(hosts);
        assert_eq!(ours(), 0);
    }
}
