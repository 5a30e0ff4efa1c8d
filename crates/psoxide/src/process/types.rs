//! The values `Process` methods return (psutil's `p*` named tuples).

#[cfg(feature = "serde")]
use serde::Serialize;

/// CPU times of a process (psutil's `pcputimes`), in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ProcessCpuTimes {
    /// Time spent in user mode (seconds).
    pub user: f64,
    /// Time spent in kernel mode (seconds).
    pub system: f64,
    /// User time of waited-for children (seconds).
    pub children_user: f64,
    /// Kernel time of waited-for children (seconds).
    pub children_system: f64,
    /// Time waiting for block I/O (seconds; 0 without delay accounting).
    pub iowait: f64,
}

/// Memory of a process (psutil 8.0's `pmem`), in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct MemoryInfo {
    /// Resident set size (bytes).
    pub rss: u64,
    /// Virtual memory size (bytes).
    pub vms: u64,
    /// Resident file-backed pages that could be shared (bytes; top's SHR).
    pub shared: u64,
    /// Executable code (bytes; top's CODE).
    pub text: u64,
    /// Data and stack (bytes; top's DATA).
    pub data: u64,
}

/// Extended memory of a process (psutil 8.0's `pmem_ex`), in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct MemoryInfoEx {
    /// Resident set size (bytes).
    pub rss: u64,
    /// Virtual memory size (bytes).
    pub vms: u64,
    /// Resident file-backed shared pages (bytes).
    pub shared: u64,
    /// Code (bytes).
    pub text: u64,
    /// Data and stack (bytes).
    pub data: u64,
    /// Peak resident set size, `VmHWM` (bytes).
    pub peak_rss: u64,
    /// Peak virtual size, `VmPeak` (bytes).
    pub peak_vms: u64,
    /// Resident anonymous memory, `RssAnon` (bytes).
    pub rss_anon: u64,
    /// Resident file mappings, `RssFile` (bytes).
    pub rss_file: u64,
    /// Resident shared memory, `RssShmem` (bytes).
    pub rss_shmem: u64,
    /// Swapped-out memory, `VmSwap` (bytes).
    pub swap: u64,
    /// Hugetlb memory, `HugetlbPages` (bytes).
    pub hugetlb: u64,
}

/// Real, effective and saved user IDs (psutil's `puids`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Uids {
    /// Real user ID.
    pub real: u32,
    /// Effective user ID.
    pub effective: u32,
    /// Saved set-user-ID.
    pub saved: u32,
}

/// Real, effective and saved group IDs (psutil's `pgids`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Gids {
    /// Real group ID.
    pub real: u32,
    /// Effective group ID.
    pub effective: u32,
    /// Saved set-group-ID.
    pub saved: u32,
}

/// Context switches (psutil's `pctxsw`), counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct CtxSwitches {
    /// Voluntary switches (the process waited for something).
    pub voluntary: u64,
    /// Involuntary switches (the scheduler preempted it).
    pub involuntary: u64,
}

/// One thread's scheduler state and context switches, from
/// `/proc/PID/task/TID/status` (see [`Process::thread_scheds`](crate::Process::thread_scheds)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadSched {
    /// The thread ID.
    pub tid: crate::Pid,
    /// Its scheduler state (the `State:` line).
    pub status: crate::ProcessStatus,
    /// Its own voluntary and involuntary context switches (counts).
    pub ctx_switches: CtxSwitches,
}

/// Page faults (psutil 8.0's `ppagefaults`), counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct PageFaults {
    /// Minor faults (no disk I/O).
    pub minor: u64,
    /// Major faults (disk I/O needed).
    pub major: u64,
}

/// I/O counters of a process (psutil's `pio` on Linux).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ProcessIoCounters {
    /// Read-family syscalls (count).
    pub read_count: u64,
    /// Write-family syscalls (count).
    pub write_count: u64,
    /// Bytes read from storage (bytes).
    pub read_bytes: u64,
    /// Bytes written to storage (bytes).
    pub write_bytes: u64,
    /// Bytes passed to read-family syscalls, cache hits and ttys included (bytes).
    pub read_chars: u64,
    /// Bytes passed to write-family syscalls (bytes).
    pub write_chars: u64,
}

/// One thread and its CPU times (psutil's `pthread`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ThreadTimes {
    /// The thread ID.
    pub id: u32,
    /// User-mode time (seconds).
    pub user_time: f64,
    /// Kernel-mode time (seconds).
    pub system_time: f64,
}

/// A regular file the process has open (psutil's `popenfile`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct OpenFile {
    /// The file's absolute path.
    pub path: std::path::PathBuf,
    /// The file descriptor number.
    pub fd: i32,
    /// The file offset (bytes).
    pub position: u64,
    /// `r`, `w`, `a`, `r+` or `a+`, from the access mode and `O_APPEND`.
    pub mode: String,
    /// The open flags as the kernel reports them (includes `O_LARGEFILE`, `O_CLOEXEC`).
    pub flags: u64,
}

/// The process's membership in one cgroup hierarchy (a line of `/proc/PID/cgroup`;
/// not in psutil).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct CgroupMembership {
    /// The hierarchy ID: 0 for the cgroup v2 unified hierarchy.
    pub hierarchy_id: u64,
    /// The controllers of a cgroup v1 hierarchy (or `name=NAME`); empty for v2.
    pub controllers: Vec<String>,
    /// The cgroup's path within the hierarchy, e.g. `/user.slice/session-1.scope`.
    pub path: String,
}
