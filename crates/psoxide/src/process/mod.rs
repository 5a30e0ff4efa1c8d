//! Processes: the `Process` handle (psutil's `Process` class).
//!
//! A handle is the pair (PID, start time in clock ticks since boot, field 22 of
//! `/proc/PID/stat`). Ticks are exact, so identity never depends on wall-clock
//! floats. Read-only getters report whatever process owns the PID now (as psutil
//! does); every action checks the identity first.
//!
//! Errors follow psutil's translation rule (spec 0.3): EACCES/EPERM give
//! `AccessDenied`; ESRCH gives `ZombieProcess` when the process is a zombie, else
//! `NoSuchProcess`; ENOENT gives the same zombie check, then `NoSuchProcess` when
//! `/proc/PID/stat` is gone, else the original I/O error.
//!
//! # Where the methods live
//!
//! `impl Process` is spread over the files below by one rule: a method lives in the
//! file of its topic in psutil's documentation; a setter lives with its getter; a
//! private helper lives next to its only user (here, in `mod.rs`, when several files
//! use it); tests live with the code they test.
//!
//! | File | What lives there |
//! |---|---|
//! | `mod.rs` | The handle itself: the struct, construction (`new`, `current`, `Host::process`, `bind`, `identity_stat`, `from_stat`), `pid`, `start_ticks`, `is_running`, `PartialEq`/`Hash`/`Display`, psutil's error translation (`os_error`, `Failed`, `gone`), `oneshot`, and the per-process `Snapshot` of parsed sources with the readers that fill it (`stat`, `status`, `statm`, `cmdline`) |
//! | `info.rs` | Identity and state: `name`, `exe`, `cmdline`, `environ`, `status`, `ppid`, `create_time`, `cwd`, `terminal`, `tty_nr`, `uids`, `gids`, `username`, `is_kernel_thread` |
//! | `cpu.rs` | CPU: `cpu_times`, `cpu_percent`, `cpu_num`, `cpu_affinity`/`set_cpu_affinity`, `num_ctx_switches`, `num_threads`, `threads` |
//! | `memory.rs` | Memory: `memory_info`, `memory_info_ex`, `memory_footprint`, `memory_maps`, `memory_percent`, `page_faults`, and their types (`MemType`, `MemoryFootprint`, `MemoryMap`) |
//! | `limits.rs` | Priority and resource limits: `nice`/`set_nice`, `ionice`/`set_ionice`, `rlimit`/`set_rlimit` |
//! | `files.rs` | Files and I/O: `open_files`, `num_fds`, `net_connections`, `io_counters` |
//! | `signals.rs` | Signals: `send_signal`, `suspend`, `resume`, `terminate`, `kill`, and the PID-reuse check every action and setter starts with |
//! | `wait.rs` | Waiting: `wait`, `returncode`, `wait_procs`, handles of spawned children (`from_child`) |
//! | `family.rs` | The process tree: `parent`, `parents`, `children` |
//! | `attrs.rs` | Many attributes at once: `as_dict`, the attribute table (`Attr`, `AttrValue`), the prefetch store's getters (`set_prefetched`, `prefetched`) |
//! | `iter.rs`, `pids.rs` | All processes: `process_iter`, `pids`, `pid_exists` |
//! | `enums.rs`, `types.rs` | The values the methods take and return |
//! | `store.rs`, `pidfd.rs`, `procroot.rs`, `tty.rs`, `users.rs`, `small.rs` | Internals: the packed prefetch store, pidfd support and the budget of held pidfds, the procfs root, terminal and user name lookups, short byte strings |

mod attrs;
mod cpu;
mod enums;
mod family;
mod files;
mod info;
pub(crate) mod iter;
mod kept;
mod limits;
mod memory;
pub(crate) mod pidfd;
mod pids;
mod procroot;
mod signals;
mod small;
mod store;
mod tty;
mod types;
mod users;
mod view;
mod wait;

pub use attrs::{parse_attrs, Attr, AttrValue, ProcessInfo};
pub use enums::*;
pub use iter::{process_iter, process_iter_cache_clear, ProcessIter};
pub use memory::{MemType, MemoryFootprint, MemoryMap};
pub use pids::{pid_exists, pids};
pub use types::*;
pub use view::{AttrRef, CmdlineRef, PrefetchedView};
pub use wait::{wait_procs, GoneProcess};

use crate::constants::ProcessStatus;
use crate::context::{Host, HostState};
use crate::error::{Error, Pid, Result};
use crate::linux::parse::pid_files::parse_statm;
use crate::linux::parse::field_errors::FieldErrors;
use crate::linux::parse::pid_stat::{field, parse_pid_stat};
use crate::linux::parse::pid_status::{parse_pid_status, parse_pid_status_head, PidStatus};
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use crate::sys::process as sys;
use indexmap::IndexMap;
pub(crate) use procroot::ProcRoot;
pub(crate) use users::Cache as UserCache;
use small::SmallBytes;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// A process on this machine, identified by its PID and its start time.
#[derive(Debug)]
pub struct Process {
    pid: Pid,
    /// Start time in clock ticks since boot (field 22 of `/proc/PID/stat`).
    start_ticks: u64,
    /// The host's caches (user names, terminals, total memory).
    host: Arc<HostState>,
    /// The procfs directory the handle reads from.
    root: Arc<ProcRoot>,
    /// A pidfd for the process, opened before its `stat` was read (so it is this
    /// process), on a live procfs root within the budget (see `pidfd.rs`). Actions and
    /// setters go through it, so they never reach another process that got the PID.
    pidfd: Option<pidfd::Held>,
    /// Its `/proc/PID` directory, opened with the pidfd, for handles made for one
    /// process (not by scans): files are read relative to it, one path component
    /// less, and only ever from this process (once it is reaped, they are gone).
    /// Boxed: scans, whose handles have none, keep the handle small.
    dir: Option<Box<PinnedDir>>,
    /// The `stat`, `statm` and `cmdline` files it keeps open, once it may (see
    /// `kept.rs`): from its making for a handle with a held directory, from its
    /// second `process_iter` for a scanned handle that holds a pidfd.
    kept: kept::KeptFiles,
    /// Set before a prefetch store is first attached and never cleared: a handle that
    /// never had one (the usual single-process handle) answers its getters without
    /// taking the state lock to look for a store.
    may_store: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
}

/// The `/proc/PID` directory a handle holds, counted in the budget of held pidfds.
#[derive(Debug)]
struct PinnedDir {
    dir: crate::sys::fs::Dir,
    /// Its `fd` directory (`O_PATH`), opened by the first `num_fds()` asked from the
    /// process itself, with its own place in the budget (`None` when it had none).
    fd_dir: OnceLock<Option<(crate::sys::fs::Dir, pidfd::Slot)>>,
    _slot: pidfd::Slot,
}

impl PinnedDir {
    /// The number of descriptors of the process, from the size of its held `fd`
    /// directory (one `fstat`, no path walk); `None` when that cannot be used (no
    /// room in the budget, an error, or a size of 0 as before Linux 6.2). Only for
    /// the calling process itself, which may always read its own `fd` directory: a
    /// descriptor opened once would not see another process's permissions change.
    fn own_fd_count(&self) -> Option<u64> {
        let held = self.fd_dir.get_or_init(|| {
            let slot = pidfd::Slot::take()?;
            let fd = self.dir.open_path_at(c"fd").ok()?;
            Some((fd, slot))
        });
        let (fd, _) = held.as_ref()?;
        let st = fd.fstat().ok()?;
        (st.st_size > 0).then_some(st.st_size as u64)
    }
}

/// Mutable per-handle state.
#[derive(Debug, Default)]
struct State {
    /// The last name seen, for error messages (psutil's `_name`).
    name: Option<SmallBytes>,
    /// Set once the process is known gone or its PID reused.
    gone: bool,
    /// Nesting depth of [`Process::oneshot`]; the snapshot is used while it is > 0.
    oneshot: u32,
    /// Sources read inside `oneshot`, each at most once.
    snapshot: Option<Box<Snapshot>>,
    /// Values stored by `process_iter(attrs)` (see [`Process::set_prefetched`]).
    prefetch: Option<Arc<store::Store>>,
    /// What few handles need, boxed so that a table of a thousand handles does not
    /// carry it (`None` until first set).
    rare: Option<Box<Rare>>,
}

/// Per-handle state that most handles never set.
#[derive(Debug, Default)]
struct Rare {
    /// `exe()` once read successfully (psutil caches it).
    exe: Option<PathBuf>,
    /// The previous `cpu_percent()` sample: when, and user + system seconds.
    cpu_last: Option<(std::time::Instant, f64)>,
    /// What `wait()` returned, once it returned (psutil caches it, `None` included).
    wait_result: Option<Option<ExitStatus>>,
}

impl State {
    /// The rare part, made on first use.
    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// What `wait()` returned, if it returned.
    fn wait_result(&self) -> Option<Option<ExitStatus>> {
        self.rare.as_ref().and_then(|r| r.wait_result)
    }
}

/// The one per-process snapshot of parsed sources (`stat`, `status`, `statm`,
/// `cmdline`): every getter derives its value from it inside [`Process::oneshot`],
/// [`Process::as_dict`] and [`process_iter`], so each source is read and parsed at most
/// once per process there. A scan reuses one `Snapshot` from process to process (see
/// [`Process::oneshot_reusing`]), so the command line buffer is allocated once per
/// scan, not once per process.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    stat: Option<Stat>,
    status: Option<StatusData>,
    statm: Option<MemoryInfo>,
    /// What `PIDFD_GET_INFO` said.
    ids: Option<Ids>,
    /// The bytes of `/proc/PID/cmdline`, when `has_cmdline`.
    cmdline: Vec<u8>,
    has_cmdline: bool,
    /// Set by `as_dict` when none of its attributes needs the end of `status`
    /// (context switches, `Cpus_allowed_list`): it is then parsed only up to `Threads`.
    status_head_only: bool,
}

impl Snapshot {
    /// Forgets every value, keeping the command line buffer's capacity (up to 64 KiB).
    fn clear(&mut self) {
        self.stat = None;
        self.status = None;
        self.statm = None;
        self.ids = None;
        self.has_cmdline = false;
        self.status_head_only = false;
        self.cmdline.clear();
        if self.cmdline.capacity() > 64 << 10 {
            self.cmdline = Vec::new();
        }
    }
}

/// The user and group IDs of a process (real, effective, saved), from
/// `PIDFD_GET_INFO`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ids {
    pub(crate) uids: [u32; 3],
    pub(crate) gids: [u32; 3],
}

/// An owned copy of the `/proc/PID/status` fields psoxide uses.
#[derive(Clone, Debug)]
pub(crate) struct StatusData {
    s: PidStatus<'static>,
    cpus_allowed_list: Option<SmallBytes>,
}

impl StatusData {
    fn from_parsed(p: PidStatus<'_>) -> StatusData {
        StatusData {
            cpus_allowed_list: p.cpus_allowed_list.map(SmallBytes::new),
            s: PidStatus {
                tgid: p.tgid,
                ppid: p.ppid,
                uids: p.uids,
                gids: p.gids,
                threads: p.threads,
                vm_peak: p.vm_peak,
                vm_hwm: p.vm_hwm,
                vm_size: p.vm_size,
                vm_data: p.vm_data,
                vm_stk: p.vm_stk,
                vm_exe: p.vm_exe,
                vm_rss: p.vm_rss,
                rss_anon: p.rss_anon,
                rss_file: p.rss_file,
                rss_shmem: p.rss_shmem,
                vm_swap: p.vm_swap,
                hugetlb: p.hugetlb,
                voluntary_ctxt_switches: p.voluntary_ctxt_switches,
                nonvoluntary_ctxt_switches: p.nonvoluntary_ctxt_switches,
                cpus_allowed_list: None,
                tail_parsed: p.tail_parsed,
                bad: p.bad,
            },
        }
    }
}

/// The stat fields a `Process` keeps after one read (owned, so they outlive the buffer).
#[derive(Clone, Debug)]
pub(crate) struct Stat {
    comm: SmallBytes,
    state: u8,
    ppid: i64,
    tty_nr: i64,
    flags: u64,
    minflt: u64,
    majflt: u64,
    utime: u64,
    stime: u64,
    cutime: u64,
    cstime: u64,
    starttime: u64,
    num_threads: i64,
    /// Field 19, the nice value of the thread-group leader (what `getpriority`
    /// returns for the PID).
    nice: i64,
    processor: Option<i64>,
    delayacct: Option<u64>,
    /// The fields that did not parse: a getter checks those it needs
    /// ([`Process::stat_of`]).
    bad: FieldErrors,
}

/// psutil's `NoSuchProcess` for a PID that cannot name a process: 0, or above the
/// kernel's `pid_t` range.
/// A parse error made with a short path (parsers get one so that the full path is
/// only built when there is an error) given the full path of `PID/rel` under `root`.
fn full_path(root: &ProcRoot, pid: Pid, rel: &str, e: Error) -> Error {
    match e {
        Error::Parse { what, kind, .. } => Error::Parse {
            path: root.path(pid, rel),
            what,
            kind,
        },
        other => other,
    }
}

/// psutil's `NoSuchProcess` "process PID not found".
fn not_found(pid: Pid) -> Error {
    Error::NoSuchProcess {
        pid,
        name: None,
        msg: "process PID not found".into(),
    }
}

fn check_pid(pid: Pid) -> Result<()> {
    let msg = match pid {
        0 => "process PID not found",
        p if p > i32::MAX as u32 => "process PID out of range",
        _ => return Ok(()),
    };
    Err(Error::NoSuchProcess {
        pid,
        name: None,
        msg: msg.into(),
    })
}

/// What failed, for [`Process::os_error`]: which of psutil's rules (spec 0.3) apply,
/// and what the error names.
#[derive(Clone, Copy, Debug)]
enum Failed<'a> {
    /// Reading (or listing, or reading the link) `PID/rel` under the procfs root: all
    /// four rules. `AccessDenied` and the I/O error name the file.
    File(&'a str),
    /// The system call `call` about this process: EACCES/EPERM give
    /// `AccessDenied` "call", ESRCH `ZombieProcess` or `NoSuchProcess`, and anything
    /// else (ENOENT included: it says nothing about `/proc/PID`) the OS error named
    /// `call(pid=N)`.
    Call(&'a str),
    /// Sending signal `sig` with the system call `call`: as [`Failed::Call`], except
    /// that ESRCH is `NoSuchProcess` without the zombie check (a zombie accepts
    /// signals, so ESRCH means it is gone), and the OS error is named
    /// `call(pid=N, sig=S)`.
    Signal(&'a str, i32),
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Process {
    /// The process with this PID, read from the process-wide roots.
    ///
    /// Errors: PID 0 or a PID that does not exist gives `NoSuchProcess` with psutil's
    /// message "process PID not found"; a PID above the kernel's `pid_t` range gives
    /// "process PID out of range". Zombies and thread IDs are accepted, as in psutil.
    pub fn new(pid: Pid) -> Result<Process> {
        Host::current().process(pid)
    }

    /// The calling process.
    pub fn current() -> Result<Process> {
        Self::new(std::process::id())
    }

    /// A new handle for whoever owns `pid` now, on this handle's host and procfs
    /// directory.
    pub(crate) fn bind(&self, pid: Pid) -> Result<Process> {
        Self::open(&self.host, &self.root, pid, true, true).map(|(p, _)| p)
    }

    /// The handle of whoever owns `pid` now, and the `stat` that established it.
    ///
    /// Where the root allows (see [`ProcRoot::hold`]) and the budget has room, a pidfd
    /// is opened first and `stat` read after it; the pidfd is then checked to be not
    /// reaped yet, which proves that the `stat` read belongs to the process it pins
    /// (a PID is only given again once its process is reaped). If it was reaped in
    /// between, the PID is looked up again (three tries). A caller that asks the
    /// pidfd for the process's IDs right after (`PIDFD_GET_INFO` fails with `ESRCH`
    /// too once the process is reaped) passes `verify: false` to skip that check.
    /// With `pin_dir` (a handle made for one process, not by a scan), the
    /// `/proc/PID` directory is opened too, after the pidfd and before `stat`, so the
    /// same check proves it is this process's.
    pub(crate) fn open(
        host: &Arc<HostState>,
        root: &Arc<ProcRoot>,
        pid: Pid,
        verify: bool,
        pin_dir: bool,
    ) -> Result<(Process, Stat)> {
        check_pid(pid)?;
        for _ in 0..3 {
            let held = if root.hold {
                match pidfd::Held::open(pid) {
                    Some(Ok(h)) => Some(h),
                    Some(Err(e)) if OsErr::of(&e) == OsErr::NoProcess => return Err(not_found(pid)),
                    // EINVAL: a thread ID (pidfds name thread-group leaders); EMFILE,
                    // ENFILE, ENODEV, EPERM: no pidfd now. None: the budget is spent.
                    Some(Err(e)) => {
                        crate::debug::debug(|| format!("pidfd_open({pid}) failed ({e}); use fallback"));
                        None
                    }
                    None => None,
                }
            } else {
                None
            };
            let dir = match (&held, pin_dir) {
                (Some(_), true) => match pidfd::Slot::take() {
                    Some(slot) => match root.dir.open_path_at(ProcRoot::rel(pid, "").as_cstr()) {
                        Ok(dir) => Some(Box::new(PinnedDir {
                            dir,
                            fd_dir: OnceLock::new(),
                            _slot: slot,
                        })),
                        Err(e) if OsErr::of(&e).is_gone() => return Err(not_found(pid)),
                        Err(_) => None,
                    },
                    None => None,
                },
                _ => None,
            };
            let stat = Self::identity_stat(root, pid)?;
            if let (Some(h), true) = (&held, verify || dir.is_some()) {
                if !sys::pidfd_alive(h.fd()).unwrap_or(true) {
                    continue;
                }
            }
            let mut p = Self::from_stat(host, root, pid, &stat, held);
            if dir.is_some() {
                p.dir = dir;
                p.keep_files();
            }
            return Ok((p, stat));
        }
        Err(not_found(pid))
    }

    /// Reads `/proc/PID/stat` to learn who owns `pid` now: `NoSuchProcess` when nobody.
    pub(crate) fn identity_stat(root: &ProcRoot, pid: Pid) -> Result<Stat> {
        check_pid(pid)?;
        Self::parse_identity_stat(root, pid, |buf| root.read(pid, "stat", buf, FileKind::RECORD))
    }

    /// This handle's `stat`, as a scan reads it to learn whether a kept handle still
    /// owns its PID: through the handle's kept file or directory when it has one
    /// (then it is this process's `stat`, and `NoSuchProcess` means this process is
    /// reaped, though its PID may have a new owner), else as
    /// [`Process::identity_stat`].
    pub(crate) fn kept_identity_stat(&self) -> Result<Stat> {
        Self::parse_identity_stat(&self.root, self.pid, |buf| self.read_rel("stat", buf, FileKind::RECORD))
    }

    /// Whether this handle's files are read through descriptors that name its
    /// process (a kept file or the held directory), not by PID.
    pub(crate) fn reads_own_files(&self) -> bool {
        self.dir.is_some() || self.kept.enabled()
    }

    /// Lets this handle keep its `stat`, `statm` and `cmdline` open from their next
    /// read (see `kept.rs`): only a handle whose files can be proved to be its
    /// process's, through its held directory or its pidfd.
    pub(crate) fn keep_files(&self) {
        if self.dir.is_some() || self.pidfd.is_some() {
            self.kept.enable();
        }
    }

    /// Opens `rel` to keep it: relative to the held directory, or by PID and then
    /// kept only if the pidfd shows the process not reaped yet (the PID was still
    /// this process's when the file was opened).
    fn open_kept(&self, rel: &str) -> Option<std::os::fd::OwnedFd> {
        if let Some(d) = &self.dir {
            return d.dir.open_file(rel).ok();
        }
        let h = self.pidfd.as_ref()?;
        let fd = self.root.dir.open_file(ProcRoot::rel(self.pid, rel).as_cstr()).ok()?;
        sys::pidfd_alive(h.fd()).unwrap_or(false).then_some(fd)
    }

    /// Parses the `stat` that `read` gives, for the identity of `pid`.
    fn parse_identity_stat(
        root: &ProcRoot,
        pid: Pid,
        read: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> Result<Stat> {
        let mut buf = take_buf();
        let r = match read(&mut buf) {
            // The identity needs the shape and the start time, nothing else.
            Ok(()) => parse_pid_stat(&buf, std::path::Path::new("stat"))
                .and_then(|s| {
                    s.bad.check(field::STARTTIME, std::path::Path::new("stat"))?;
                    Ok(Stat::from_parsed(&s))
                })
                .map_err(|e| full_path(root, pid, "stat", e)),
            Err(e) => match OsErr::of(&e) {
                o if o.is_gone() => Err(not_found(pid)),
                // Name the file, as every getter does (an unreadable procfs root
                // otherwise gives a bare "(pid=1)").
                OsErr::Denied => Err(Error::access_denied(
                    Some(pid),
                    None,
                    root.path(pid, "stat").display().to_string(),
                )),
                _ => Err(Error::io(root.path(pid, "stat"), e)),
            },
        };
        put_buf(buf);
        r
    }

    /// The handle of the process whose `stat` this is, holding `pidfd`.
    fn from_stat(
        host: &Arc<HostState>,
        root: &Arc<ProcRoot>,
        pid: Pid,
        stat: &Stat,
        pidfd: Option<pidfd::Held>,
    ) -> Process {
        Process {
            pid,
            start_ticks: stat.starttime,
            host: Arc::clone(host),
            root: Arc::clone(root),
            pidfd,
            dir: None,
            kept: kept::KeptFiles::default(),
            may_store: Default::default(),
            state: Mutex::new(State {
                name: Some(stat.comm.clone()),
                ..Default::default()
            }),
        }
    }

    /// The process ID.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The start time in clock ticks after boot: with the PID, the process's identity.
    pub fn start_ticks(&self) -> u64 {
        self.start_ticks
    }

    /// Whether the process is still the same one: for a handle holding a pidfd,
    /// whether that process is not reaped yet (exact); otherwise whether the PID
    /// still shows the same start time. Zombies count as running. Once a handle sees
    /// its process gone or its PID reused, it stays not running.
    pub fn is_running(&self) -> bool {
        if self.st().gone {
            return false;
        }
        if let Some(h) = &self.pidfd {
            // Exact: the pidfd's process is ours; not reaped means running.
            if let Ok(alive) = sys::pidfd_alive(h.fd()) {
                if !alive {
                    self.st().gone = true;
                }
                return alive;
            }
        }
        match Self::identity_stat(&self.root, self.pid) {
            Ok(s) if s.starttime == self.start_ticks => true,
            Ok(_) | Err(Error::NoSuchProcess { .. }) => {
                self.st().gone = true;
                false
            }
            // AccessDenied or an I/O error: the process is there, we cannot tell more.
            Err(_) => true,
        }
    }

    /// Whether the handle's process is gone and another process has its PID now
    /// (psutil's `terminated + PID reused`). Exact with a held pidfd; otherwise
    /// by start time, so a PID recycled within the same clock tick is not seen.
    pub fn pid_reused(&self) -> bool {
        !self.is_running() && Self::identity_stat(&self.root, self.pid).is_ok()
    }

    /// Fails with psutil's "PID has been reused" `NoSuchProcess` when the process
    /// now owning the PID started at another time than this handle's process; marks
    /// the handle gone. `stat` is a fresh or oneshot-cached read.
    fn check_same_start(&self, starttime: u64) -> Result<()> {
        if starttime != self.start_ticks {
            self.st().gone = true;
            return Err(Error::NoSuchProcess {
                pid: self.pid,
                name: self.known_name(),
                msg: "process no longer exists and its PID has been reused".into(),
            });
        }
        Ok(())
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn known_name(&self) -> Option<String> {
        self.st().name.as_ref().map(|n| lossy(n.as_bytes()))
    }

    /// True when `/proc/PID/stat` says the process is a zombie.
    /// Inside `oneshot`, the cached `stat` answers (a scan must not read `stat` again for
    /// every kernel thread whose command line is empty).
    fn is_zombie(&self) -> bool {
        {
            let st = self.st();
            if st.oneshot > 0 {
                if let Some(s) = st.snapshot.as_ref().and_then(|c| c.stat.as_ref()) {
                    return s.state == b'Z';
                }
            }
        }
        let mut buf = take_buf();
        let z = self.read_rel("stat", &mut buf, FileKind::RECORD).is_ok()
            && parse_pid_stat(&buf, std::path::Path::new("stat"))
                .map(|s| s.state == b'Z')
                .unwrap_or(false);
        put_buf(buf);
        z
    }

    /// psutil's error translation (spec 0.3): the one place where an OS error about
    /// this process becomes the error a getter, setter or action returns. `failed`
    /// says what failed, which decides the rules that apply and what the error
    /// names (see [`Failed`]). `NoSuchProcess` marks the handle gone.
    fn os_error(&self, failed: Failed<'_>, e: io::Error) -> Error {
        let name = self.known_name();
        let pid = self.pid;
        match (OsErr::of(&e), failed) {
            (OsErr::Denied, Failed::File(rel)) => {
                Error::access_denied(Some(pid), name, self.root.path(pid, rel).display().to_string())
            }
            (OsErr::Denied, Failed::Call(call) | Failed::Signal(call, _)) => {
                Error::access_denied(Some(pid), name, call.to_string())
            }
            (OsErr::NoProcess, Failed::Signal(..)) => self.gone(name),
            (OsErr::NoProcess, _) | (OsErr::NotFound, Failed::File(_)) if self.is_zombie() => {
                Error::zombie(pid, name, None)
            }
            (OsErr::NoProcess, _) if self.pidfd.is_some() && !self.exists_now() => self.reaped(),
            (OsErr::NoProcess, _) => self.gone(name),
            // A held pidfd's process reaped: gone, or (psutil's message) its PID reused.
            (OsErr::NotFound, Failed::File(_)) if !self.exists_now() => match self.pidfd {
                Some(_) => self.reaped(),
                None => self.gone(name),
            },
            (_, Failed::File(rel)) => Error::io(self.root.path(pid, rel), e),
            (_, Failed::Call(call)) => Error::io(format!("{call}(pid={pid})"), e),
            (_, Failed::Signal(call, sig)) => Error::io(format!("{call}(pid={pid}, sig={sig})"), e),
        }
    }

    /// Whether the handle's process still exists (running or a zombie): asked of its
    /// pidfd when it holds one (exact), else whether `PID/stat` exists.
    fn exists_now(&self) -> bool {
        if let Some(h) = &self.pidfd {
            if let Ok(alive) = sys::pidfd_alive(h.fd()) {
                return alive;
            }
        }
        self.root.exists(self.pid, "stat")
    }

    /// Reads this process's file `rel` whole into `buf`: relative to the held
    /// `/proc/PID` when the handle has one, else `PID/rel` under the procfs root.
    fn read_rel(&self, rel: &str, buf: &mut Vec<u8>, kind: FileKind) -> io::Result<()> {
        {
            if let Some(fd) = self.kept.fd(rel, || self.open_kept(rel)) {
                match crate::sys::fs::read_bounded_at(fd, buf, kind) {
                    Ok(()) => return Ok(()),
                    // ESRCH: the process is reaped.
                    Err(e) if OsErr::of(&e).is_gone() => return Err(e),
                    // Anything else (a policy refusing `pread`, a file over the
                    // limit): read as without a kept file, which gives that error
                    // again if it is the file's.
                    Err(_) => {}
                }
            }
        }
        match &self.dir {
            Some(d) => d.dir.read_file(rel, buf, kind),
            None => self.root.read(self.pid, rel, buf, kind),
        }
    }

    /// `readlinkat` of this process's `rel` (see [`Process::read_rel`]).
    fn readlink_rel(&self, rel: &str) -> io::Result<Vec<u8>> {
        match &self.dir {
            Some(d) => {
                let mut buf = Vec::new();
                d.dir.readlink(rel, &mut buf)?;
                Ok(buf)
            }
            None => self.root.readlink(self.pid, rel),
        }
    }

    /// `fstatat` of this process's `rel`, following symlinks (see
    /// [`Process::read_rel`]).
    fn stat_rel(&self, rel: &str) -> io::Result<rustix::fs::Stat> {
        match &self.dir {
            Some(d) => d.dir.stat(rel),
            None => self.root.stat(self.pid, rel),
        }
    }

    /// Opens this process's directory `rel` for listing (see [`Process::read_rel`]).
    fn open_dir_rel(&self, rel: &str) -> io::Result<crate::sys::fs::Dir> {
        match &self.dir {
            Some(d) => d.dir.open_dir(rel),
            None => self.root.dir.open_dir(ProcRoot::rel(self.pid, rel).as_cstr()),
        }
    }

    /// Marks the handle gone and returns `NoSuchProcess`.
    fn gone(&self, name: Option<String>) -> Error {
        self.st().gone = true;
        Error::no_such_process(self.pid, name)
    }

    /// Reads `PID/rel` and hands the bytes to `f`, translating errors.
    fn with<T>(
        &self,
        rel: &str,
        kind: FileKind,
        f: impl FnOnce(&[u8], &std::path::Path) -> Result<T>,
    ) -> Result<T> {
        let mut buf = take_buf();
        let r = match self.read_rel(rel, &mut buf, kind) {
            // Parsers get a short path; the full one is only built for an error.
            Ok(()) => f(&buf, std::path::Path::new(rel)).map_err(|e| full_path(&self.root, self.pid, rel, e)),
            Err(e) => Err(self.os_error(Failed::File(rel), e)),
        };
        put_buf(buf);
        r
    }

    /// Runs `f` with this handle's sources cached: inside it, `/proc/PID/stat`,
    /// `/proc/PID/status` and `/proc/PID/statm` are each read at most once, however
    /// many methods use them (psutil's `oneshot()`). Re-entrant: nested calls share the
    /// outer snapshot, which is dropped when the outermost call returns. Other threads
    /// using the same handle meanwhile also see the cached values.
    ///
    /// As in psutil, a blocking `cpu_percent(Some(interval))` inside `oneshot` returns
    /// 0.0, since both of its samples come from the one cached read.
    pub fn oneshot<R>(&self, f: impl FnOnce(&Self) -> R) -> R {
        self.oneshot_reusing(&mut None, f)
    }

    /// [`oneshot`](Process::oneshot) that takes its snapshot from `spare` (when this is
    /// the outermost oneshot) and puts it back, cleared, when done: a scan passes the
    /// same `spare` for every process.
    pub(crate) fn oneshot_reusing<R>(&self, spare: &mut Option<Box<Snapshot>>, f: impl FnOnce(&Self) -> R) -> R {
        {
            let mut st = self.st();
            st.oneshot += 1;
            if st.snapshot.is_none() {
                st.snapshot = Some(spare.take().unwrap_or_default());
            }
        }
        struct Exit<'a, 'b>(&'a Process, &'b mut Option<Box<Snapshot>>);
        impl Drop for Exit<'_, '_> {
            fn drop(&mut self) {
                let mut st = self.0.st();
                st.oneshot = st.oneshot.saturating_sub(1);
                if st.oneshot == 0 {
                    if let Some(mut c) = st.snapshot.take() {
                        if self.1.is_none() {
                            c.clear();
                            *self.1 = Some(c);
                        }
                    }
                }
            }
        }
        let _exit = Exit(self, spare);
        f(self)
    }

    /// Begins a [`oneshot`](Process::oneshot) scope that a later
    /// [`oneshot_exit`](Process::oneshot_exit) ends, for callers whose scope is not a
    /// Rust closure (a Python `with` block). Scopes nest with each other and with
    /// `oneshot`; each `oneshot_enter` needs exactly one `oneshot_exit`.
    pub fn oneshot_enter(&self) {
        let mut st = self.st();
        st.oneshot += 1;
        if st.snapshot.is_none() {
            st.snapshot = Some(Box::default());
        }
    }

    /// Ends a scope begun by [`oneshot_enter`](Process::oneshot_enter); the outermost
    /// exit drops the cached sources. An exit without an enter does nothing.
    pub fn oneshot_exit(&self) {
        let mut st = self.st();
        if st.oneshot == 0 {
            return;
        }
        st.oneshot -= 1;
        if st.oneshot == 0 {
            st.snapshot = None;
        }
    }

    /// Seeds the oneshot snapshot with a `stat` just read (only while a oneshot is active).
    pub(crate) fn seed_stat(&self, stat: Stat) {
        let mut st = self.st();
        if st.oneshot > 0 {
            if let Some(c) = st.snapshot.as_mut() {
                if c.stat.is_none() {
                    c.stat = Some(stat);
                }
            }
        }
    }

    fn stat(&self) -> Result<Stat> {
        {
            let st = self.st();
            if st.oneshot > 0 {
                if let Some(s) = st.snapshot.as_ref().and_then(|c| c.stat.as_ref()) {
                    return Ok(s.clone());
                }
            }
        }
        let s = self.read_stat()?;
        let mut st = self.st();
        if st.oneshot > 0 {
            if let Some(c) = st.snapshot.as_mut() {
                c.stat = Some(s.clone());
            }
        }
        Ok(s)
    }

    /// [`stat`](Process::stat) with the fields of `need` (bits of
    /// `pid_stat::field`) checked: a field that did not parse fails only the getters
    /// that need it, with an error naming the file and the field.
    fn stat_of(&self, need: u64) -> Result<Stat> {
        let s = self.stat()?;
        if !s.bad.is_empty() {
            s.bad.check(need, &self.root.path(self.pid, "stat"))?;
        }
        Ok(s)
    }

    /// Closes the pidfd this handle holds (if any): from now on its identity is its
    /// PID and start ticks.
    pub(crate) fn release_pidfd(&mut self) {
        self.pidfd = None;
    }

    /// `f` of the `stat` parse that an active oneshot holds, if it holds one (no
    /// read otherwise); `f` runs under the state lock.
    fn snapshot_stat_with<T>(&self, need: u64, f: impl FnOnce(&Stat) -> T) -> Option<Result<T>> {
        let st = self.st();
        if st.oneshot == 0 {
            return None;
        }
        let s = st.snapshot.as_ref()?.stat.as_ref()?;
        if !s.bad.is_empty() {
            if let Err(e) = s.bad.check(need, &self.root.path(self.pid, "stat")) {
                return Some(Err(e));
            }
        }
        Some(Ok(f(s)))
    }

    /// [`stat_of`](Process::stat_of) lent to `f` instead of copied: inside a oneshot
    /// that holds the parse, `f` reads it in place (under the state lock: `f` must
    /// not call back into the handle); otherwise `stat` is read first.
    fn stat_with<T>(&self, need: u64, f: impl Fn(&Stat) -> T) -> Result<T> {
        if let Some(r) = self.snapshot_stat_with(need, &f) {
            return r;
        }
        let s = self.stat_of(need)?;
        Ok(f(&s))
    }

    /// Fails unless the lines of `need` (bits of `pid_status::line`) of the parsed
    /// `status` are valid: a bad line fails only the getters that need it, with an error
    /// naming the file and the line. Touches no handle state (it runs inside
    /// [`with_status`](Process::with_status)'s closure).
    fn status_check(&self, s: &PidStatus<'_>, need: u64) -> Result<()> {
        if s.bad.is_empty() {
            return Ok(());
        }
        s.bad.check(need, &self.root.path(self.pid, "status"))
    }

    fn read_stat(&self) -> Result<Stat> {
        let s = self.with("stat", FileKind::RECORD, |b, p| {
            Ok(Stat::from_parsed(&parse_pid_stat(b, p)?))
        })?;
        self.st().name = Some(s.comm.clone());
        Ok(s)
    }

    /// Reads and parses `status` into the oneshot snapshot (when a oneshot is active and
    /// the snapshot does not have it yet, or has only its head and `tail` is wanted).
    pub(crate) fn cache_status(&self, tail: bool) -> Result<()> {
        let head_only = {
            let st = self.st();
            let Some(c) = st.snapshot.as_ref().filter(|_| st.oneshot > 0) else {
                return Ok(());
            };
            if c.status.as_ref().is_some_and(|d| d.s.tail_parsed || !tail) {
                return Ok(());
            }
            c.status_head_only && !tail
        };
        let s = self.with("status", FileKind::RECORD, |b, p| {
            let parsed = if head_only {
                parse_pid_status_head(b, p)?
            } else {
                parse_pid_status(b, p)?
            };
            Ok(StatusData::from_parsed(parsed))
        })?;
        let mut st = self.st();
        if st.oneshot > 0 {
            if let Some(c) = st.snapshot.as_mut() {
                c.status = Some(s);
            }
        }
        Ok(())
    }

    /// Whether an active oneshot snapshot holds `status` already.
    fn status_cached(&self) -> bool {
        let st = self.st();
        st.oneshot > 0 && st.snapshot.as_ref().is_some_and(|c| c.status.is_some())
    }

    /// Runs `f` on the parsed `status`: the oneshot snapshot's (read into it first when
    /// missing), or a fresh read outside a oneshot. `f` runs with the handle's state
    /// locked when the value comes from the snapshot, so it must not call back into the
    /// handle. The cached value may lack the lines after `Threads`: use
    /// [`with_status_tail`](Process::with_status_tail) for those.
    fn with_status<T>(&self, f: impl FnOnce(&PidStatus<'_>) -> Result<T>) -> Result<T> {
        self.status_parts(false, f)
    }

    /// [`with_status`](Process::with_status) with every line parsed.
    pub(crate) fn with_status_tail<T>(&self, f: impl FnOnce(&PidStatus<'_>) -> Result<T>) -> Result<T> {
        self.status_parts(true, f)
    }

    fn status_parts<T>(&self, tail: bool, f: impl FnOnce(&PidStatus<'_>) -> Result<T>) -> Result<T> {
        self.cache_status(tail)?;
        {
            let st = self.st();
            if st.oneshot > 0 {
                if let Some(d) = st.snapshot.as_ref().and_then(|c| c.status.as_ref()) {
                    if d.s.tail_parsed || !tail {
                        return f(&PidStatus {
                            cpus_allowed_list: d.cpus_allowed_list.as_ref().map(SmallBytes::as_bytes),
                            ..d.s.clone()
                        });
                    }
                }
            }
        }
        self.with("status", FileKind::RECORD, |b, p| f(&parse_pid_status(b, p)?))
    }

    /// The user and group IDs from `ioctl(PIDFD_GET_INFO)`, where the root uses it
    /// (see [`ProcRoot::pidfd_info`]): the oneshot snapshot's, else asked of the pidfd
    /// the handle holds, or of one opened for the call. `None` means "read `status`":
    /// the root does not use the ioctl, or no pidfd could be had (a thread ID, no
    /// descriptor left). A process that is gone gives `NoSuchProcess`.
    pub(crate) fn pidfd_ids(&self) -> Option<Result<Ids>> {
        if !self.root.pidfd_info {
            return None;
        }
        {
            let st = self.st();
            if st.oneshot > 0 {
                if let Some(ids) = st.snapshot.as_ref().and_then(|c| c.ids) {
                    return Some(Ok(ids));
                }
            }
        }
        let mask = sys::PIDFD_INFO_PID | sys::PIDFD_INFO_CREDS;
        let r = match &self.pidfd {
            Some(h) => sys::pidfd_info(h.fd(), mask),
            None => match sys::pidfd_open(self.pid) {
                Ok(fd) => sys::pidfd_info(std::os::fd::AsFd::as_fd(&fd), mask),
                Err(e) if OsErr::of(&e) == OsErr::NoProcess => return Some(Err(self.gone(self.known_name()))),
                Err(_) => return None,
            },
        };
        let info = match r {
            Ok(i) if i.mask & sys::PIDFD_INFO_CREDS != 0 => i,
            Err(e) if OsErr::of(&e) == OsErr::NoProcess => {
                return Some(Err(match &self.pidfd {
                    Some(_) => self.reaped(),
                    None => self.gone(self.known_name()),
                }))
            }
            _ => return None,
        };
        let ids = Ids {
            uids: [info.ruid, info.euid, info.suid],
            gids: [info.rgid, info.egid, info.sgid],
        };
        let mut st = self.st();
        if st.oneshot > 0 {
            if let Some(c) = st.snapshot.as_mut() {
                c.ids = Some(ids);
            }
        }
        Some(Ok(ids))
    }

    fn read_statm(&self) -> Result<MemoryInfo> {
        let ps = self.root.page_size;
        self.with("statm", FileKind::RECORD, |b, p| {
            let m = parse_statm(b, p)?;
            // Pages to bytes: a count no machine can have overflows, and that is an
            // error, never a saturated (or wrapped) number of bytes.
            let bytes = |pages: u64, what: &str| {
                pages.checked_mul(ps).ok_or_else(|| {
                    Error::parse(
                        p,
                        format!("{what}: {pages} pages of {ps} bytes overflow a 64-bit byte count"),
                    )
                })
            };
            Ok(MemoryInfo {
                rss: bytes(m.resident, "resident")?,
                vms: bytes(m.size, "size")?,
                shared: bytes(m.shared, "shared")?,
                text: bytes(m.text, "text")?,
                data: bytes(m.data, "data")?,
            })
        })
    }

    /// Runs `f` on the bytes of `/proc/PID/cmdline` (split them with [`cmdline_args`]):
    /// the oneshot snapshot's, read into it when missing, or a fresh read outside a
    /// oneshot. Kernel threads have none (empty); zombies give `ZombieProcess`. `f` may
    /// run with the handle's state locked: it must not call back into the handle.
    pub(crate) fn with_cmdline<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        // Inside a oneshot, the snapshot's buffer is read into (and kept): a scan reuses
        // one buffer for every process.
        let (mut raw, from_snapshot) = {
            let mut st = self.st();
            let active = st.oneshot > 0;
            match st.snapshot.as_mut() {
                Some(c) if active && c.has_cmdline => return Ok(f(&c.cmdline)),
                // A kernel thread has no address space, so the kernel answers every
                // read of its `cmdline` with 0 bytes: the snapshot's `stat` says so
                // already, and the file is not opened.
                Some(c) if active && c.stat.as_ref().is_some_and(Stat::is_live_kernel_thread) => {
                    c.cmdline.clear();
                    c.has_cmdline = true;
                    return Ok(f(&[]));
                }
                Some(c) if active => (std::mem::take(&mut c.cmdline), true),
                _ => (take_buf(), false),
            }
        };
        raw.clear();
        let err = match self.read_rel("cmdline", &mut raw, FileKind::CMDLINE) {
            Err(e) => Some(self.os_error(Failed::File("cmdline"), e)),
            Ok(()) if raw.is_empty() && self.is_zombie() => {
                Some(Error::zombie(self.pid, self.known_name(), None))
            }
            Ok(()) => None,
        };
        let out = match err {
            Some(e) => Err(e),
            None => Ok(f(&raw)),
        };
        // The buffer goes back where it came from: into the snapshot (holding the
        // command line when it was read), or to this thread's spare buffer.
        let mut st = self.st();
        let active = st.oneshot > 0;
        match st.snapshot.as_mut() {
            Some(c) if from_snapshot && active => {
                c.has_cmdline = out.is_ok();
                c.cmdline = raw;
            }
            _ => {
                drop(st);
                put_buf(raw);
            }
        }
        out
    }
}

impl Stat {
    /// `PF_KTHREAD` (0x0020_0000) in a valid `flags` field, and not a zombie: a
    /// kernel thread, whose `cmdline` reads empty (`get_task_mm` gives no address
    /// space for one).
    fn is_live_kernel_thread(&self) -> bool {
        self.bad.mask() & field::FLAGS == 0 && self.flags & 0x0020_0000 != 0 && self.state != b'Z'
    }

    fn from_parsed(s: &crate::linux::parse::pid_stat::PidStat<'_>) -> Stat {
        Stat {
            comm: SmallBytes::new(s.comm),
            state: s.state,
            ppid: s.ppid,
            tty_nr: s.tty_nr,
            flags: s.flags,
            minflt: s.minflt,
            majflt: s.majflt,
            utime: s.utime,
            stime: s.stime,
            cutime: s.cutime,
            cstime: s.cstime,
            starttime: s.starttime,
            num_threads: s.num_threads,
            nice: s.nice,
            processor: s.processor,
            delayacct: s.delayacct_blkio_ticks,
            bad: s.bad.clone(),
        }
    }
}

impl PartialEq for Process {
    /// Same PID and same start time (psutil 8.0 equality); a start time that is not
    /// known (0, for a handle bound to an already reaped child) counts as equal.
    fn eq(&self, other: &Self) -> bool {
        self.pid == other.pid
            && (self.start_ticks == other.start_ticks || self.start_ticks == 0 || other.start_ticks == 0)
    }
}

impl std::fmt::Display for Process {
    /// psutil's repr: `psoxide.Process(pid=42, name='sleep', status='sleeping',
    /// exitcode=0)`; the name and status are left out when they cannot be read, and
    /// the status is `terminated` once the process is gone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "psoxide.Process(pid={}", self.pid)?;
        let name = self.name().ok().or_else(|| self.known_name());
        if let Some(n) = name {
            write!(f, ", name={}", crate::error::py_repr(&n))?;
        }
        match self.status() {
            Ok(s) if self.is_running() => write!(f, ", status='{}'", s.value())?,
            Err(Error::AccessDenied { .. }) => {}
            _ => write!(f, ", status='terminated'")?,
        }
        if let Some(Some(code)) = self.st().wait_result() {
            write!(f, ", exitcode={}", code.repr())?;
        }
        write!(f, ")")
    }
}

impl Eq for Process {}

impl std::hash::Hash for Process {
    /// psutil 8.0 hashes the PID only.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.pid.hash(state)
    }
}

impl Host {
    /// The process with this PID on this host (what [`Process::new`] does on
    /// [`Host::current`]); the same errors.
    pub fn process(&self, pid: Pid) -> Result<Process> {
        check_pid(pid)?;
        let root = self.proc_root()?;
        Process::open(self.state(), &root, pid, true, true).map(|(p, _)| p)
    }
}

#[cfg(test)]
mod os_error_tests {
    use super::*;
    use crate::roots::Roots;
    use rustix::io::Errno;

    /// A handle on PID 42 of a fixture procfs whose `42/stat` shows `state`.
    fn handle(state: char) -> (tempfile::TempDir, Process) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("42")).unwrap();
        let tail = "1 42 42 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 1234 3133440 389";
        std::fs::write(d.path().join("42/stat"), format!("42 (psx) {state} {tail}\n")).unwrap();
        let roots = Roots {
            procfs: d.path().to_path_buf(),
            ..Roots::default()
        };
        let p = Host::new(roots).process(42).unwrap();
        (d, p)
    }

    fn err(n: Errno) -> io::Error {
        crate::sys::errno::from_raw(n)
    }

    #[test]
    fn oneshot_enter_and_exit_keep_the_sources_between_them() {
        let (d, p) = handle('S');
        let tail = "1 42 42 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 1234 3133440 389";
        p.oneshot_enter();
        p.oneshot_enter();
        assert_eq!(p.status().unwrap(), ProcessStatus::Sleeping);
        std::fs::write(d.path().join("42/stat"), format!("42 (psx) R {tail}\n")).unwrap();
        assert_eq!(p.status().unwrap(), ProcessStatus::Sleeping, "cached inside the scope");
        p.oneshot_exit();
        assert_eq!(p.status().unwrap(), ProcessStatus::Sleeping, "still inside the outer scope");
        p.oneshot_exit();
        assert_eq!(p.status().unwrap(), ProcessStatus::Running, "read again after the scope");
        p.oneshot_exit(); // unbalanced: no effect
        assert_eq!(p.st().oneshot, 0);
    }

    #[test]
    fn access_denied_names_the_file_or_the_call() {
        let (d, p) = handle('S');
        let e = p.os_error(Failed::File("status"), err(Errno::ACCESS));
        let Error::AccessDenied { pid, name, msg } = e else {
            panic!("{e:?}")
        };
        assert_eq!((pid, name.as_deref()), (Some(42), Some("psx")));
        assert_eq!(msg, d.path().join("42/status").display().to_string());
        for (f, want) in [
            (Failed::Call("setpriority"), "setpriority"),
            (Failed::Signal("kill", 15), "kill"),
        ] {
            match p.os_error(f, err(Errno::PERM)) {
                Error::AccessDenied { msg, .. } => assert_eq!(msg, want),
                e => panic!("{e:?}"),
            }
        }
        assert!(!p.st().gone);
    }

    #[test]
    fn esrch_checks_for_a_zombie_except_for_signals() {
        let (_d, p) = handle('Z');
        for f in [Failed::File("io"), Failed::Call("getpriority")] {
            let e = p.os_error(f, err(Errno::SRCH));
            assert!(matches!(e, Error::ZombieProcess { pid: 42, .. }), "{e:?}");
        }
        assert!(!p.st().gone);
        let e = p.os_error(Failed::Signal("kill", 15), err(Errno::SRCH));
        assert!(matches!(e, Error::NoSuchProcess { pid: 42, .. }), "{e:?}");
        assert!(p.st().gone);
        let (_d, p) = handle('S');
        let e = p.os_error(Failed::Call("ioprio_get"), err(Errno::SRCH));
        assert!(matches!(e, Error::NoSuchProcess { pid: 42, .. }), "{e:?}");
        assert!(p.st().gone);
    }

    #[test]
    fn enoent_is_gone_only_for_files_of_a_vanished_process() {
        let (d, p) = handle('S');
        // The process is there: the file is just missing.
        let e = p.os_error(Failed::File("smaps_rollup"), err(Errno::NOENT));
        match e {
            Error::Io { path, source } => {
                assert_eq!(path, d.path().join("42/smaps_rollup"));
                assert_eq!(source.raw_os_error(), Some(Errno::NOENT.raw_os_error()));
            }
            e => panic!("{e:?}"),
        }
        // A system call's ENOENT says nothing about /proc/PID.
        let e = p.os_error(Failed::Call("getpriority"), err(Errno::NOENT));
        assert!(
            matches!(&e, Error::Io { path, .. } if path.as_os_str() == "getpriority(pid=42)"),
            "{e:?}"
        );
        let e = p.os_error(Failed::Signal("kill", 99), err(Errno::INVAL));
        assert!(
            matches!(&e, Error::Io { path, .. } if path.as_os_str() == "kill(pid=42, sig=99)"),
            "{e:?}"
        );
        assert!(!p.st().gone);
        let (_d2, z) = handle('Z');
        let e = z.os_error(Failed::File("cwd"), err(Errno::NOENT));
        assert!(matches!(e, Error::ZombieProcess { .. }), "{e:?}");
        std::fs::remove_file(d.path().join("42/stat")).unwrap();
        let e = p.os_error(Failed::File("cwd"), err(Errno::NOENT));
        assert!(matches!(e, Error::NoSuchProcess { pid: 42, .. }), "{e:?}");
        assert!(p.st().gone);
    }
}
#[cfg(test)]
mod size_tests {
    /// A monitor keeps one handle per process (`process_iter`'s table): at 120 bytes
    /// the `Arc` allocation is a 144-byte malloc chunk, and the kept files add none.
    #[test]
    fn handles_stay_small() {
        assert!(std::mem::size_of::<super::Process>() <= 120, "{}", std::mem::size_of::<super::Process>());
        assert_eq!(std::mem::size_of::<super::kept::KeptFiles>(), 12);
    }
}
