//! Memory of `Process`: `memory_info()`, `memory_info_ex()`, `memory_footprint()`,
//! `memory_maps()`, `memory_percent()` and `page_faults()`, and the types they return.

use super::{Failed, MemoryInfo, MemoryInfoEx, PageFaults, Process, Stat};
use crate::error::{Error, Result};
use crate::linux::parse::pid_stat::field;
use crate::linux::parse::pid_status::{line, PidStatus};
use crate::linux::parse::smaps::{parse_smaps, parse_smaps_totals, SmapsCounters};
use crate::sys::errno::OsErr;
use crate::sys::fs::{put_buf, take_buf, FileKind};
use std::io;
use std::str::FromStr;

#[cfg(feature = "serde")]
use serde::Serialize;

/// Unique, proportional and swapped memory (psutil 8.0's `pfootprint`), bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct MemoryFootprint {
    /// Unique set size: memory that would be freed if the process exited (bytes).
    pub uss: u64,
    /// Proportional set size: shared pages divided among their users (bytes).
    pub pss: u64,
    /// Swapped-out memory (bytes).
    pub swap: u64,
}

/// One mapping or one path's mappings (psutil's `pmmap_ext` / `pmmap_grouped`), bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct MemoryMap {
    /// `start-end` in hex (only for ungrouped maps; empty when grouped).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "String::is_empty"))]
    pub addr: String,
    /// Permissions such as `r-xp` (only for ungrouped maps; empty when grouped).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "String::is_empty"))]
    pub perms: String,
    /// The mapped file, a pseudo-path like `[heap]`, or `[anon]`.
    pub path: String,
    /// Resident (bytes).
    pub rss: u64,
    /// Mapped size (bytes).
    pub size: u64,
    /// Proportional resident share (bytes).
    pub pss: u64,
    /// Shared, clean (bytes).
    pub shared_clean: u64,
    /// Shared, dirty (bytes).
    pub shared_dirty: u64,
    /// Private, clean (bytes).
    pub private_clean: u64,
    /// Private, dirty (bytes).
    pub private_dirty: u64,
    /// Marked referenced (bytes).
    pub referenced: u64,
    /// Anonymous (bytes).
    pub anonymous: u64,
    /// Swapped out (bytes).
    pub swap: u64,
}

/// What `memory_percent` divides (psutil's `memtype` argument).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MemType {
    /// `memory_info().rss` (the default).
    #[default]
    Rss,
    /// `memory_info().vms`.
    Vms,
    /// `memory_info().shared`.
    Shared,
    /// `memory_info().text`.
    Text,
    /// `memory_info().data`.
    Data,
    /// `memory_info_ex().peak_rss`.
    PeakRss,
    /// `memory_info_ex().peak_vms`.
    PeakVms,
    /// `memory_info_ex().rss_anon`.
    RssAnon,
    /// `memory_info_ex().rss_file`.
    RssFile,
    /// `memory_info_ex().rss_shmem`.
    RssShmem,
    /// `memory_footprint().swap` (smaps, as psutil does; not `VmSwap`).
    Swap,
    /// `memory_info_ex().hugetlb`.
    Hugetlb,
    /// `memory_footprint().uss`.
    Uss,
    /// `memory_footprint().pss`.
    Pss,
}

impl MemType {
    /// Every memtype in psutil's order.
    pub const ALL: [MemType; 14] = [
        MemType::Rss,
        MemType::Vms,
        MemType::Shared,
        MemType::Text,
        MemType::Data,
        MemType::PeakRss,
        MemType::PeakVms,
        MemType::RssAnon,
        MemType::RssFile,
        MemType::RssShmem,
        MemType::Swap,
        MemType::Hugetlb,
        MemType::Uss,
        MemType::Pss,
    ];

    /// psutil's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            MemType::Rss => "rss",
            MemType::Vms => "vms",
            MemType::Shared => "shared",
            MemType::Text => "text",
            MemType::Data => "data",
            MemType::PeakRss => "peak_rss",
            MemType::PeakVms => "peak_vms",
            MemType::RssAnon => "rss_anon",
            MemType::RssFile => "rss_file",
            MemType::RssShmem => "rss_shmem",
            MemType::Swap => "swap",
            MemType::Hugetlb => "hugetlb",
            MemType::Uss => "uss",
            MemType::Pss => "pss",
        }
    }
}

impl FromStr for MemType {
    type Err = Error;
    /// Parses psutil's names; anything else is psutil's `ValueError` text listing the
    /// valid names.
    fn from_str(s: &str) -> Result<MemType> {
        MemType::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<String> = MemType::ALL.iter().map(|m| format!("'{}'", m.as_str())).collect();
                Error::invalid(format!(
                    "invalid memtype '{s}'; valid types are ({})",
                    names.join(", ")
                ))
            })
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// psutil's clean-up of a smaps path: `[anon]` when empty, then
/// [`strip_deleted`](super::info::strip_deleted); decoded for display afterwards (the
/// `stat` uses the raw bytes).
fn map_path(raw: &[u8]) -> io::Result<String> {
    if raw.is_empty() {
        return Ok("[anon]".to_string());
    }
    Ok(lossy(super::info::strip_deleted(raw)?))
}

/// `memory_info()` from `/proc/PID/status` values, when all the needed lines are
/// there (kernel 4.5+ for RssFile/RssShmem). A kernel thread has no `Vm*` lines at all:
/// its memory is all zeros, as `statm` says.
fn memory_from_status(s: &PidStatus<'_>) -> Option<MemoryInfo> {
    // A bad line among those: `statm` answers instead.
    const USED: u64 = line::VM_SIZE
        | line::VM_RSS
        | line::RSS_FILE
        | line::RSS_SHMEM
        | line::VM_EXE
        | line::VM_DATA
        | line::VM_STK
        | line::THREADS;
    if s.bad.mask() & USED != 0 {
        return None;
    }
    if s.vm_size.is_none() && s.vm_rss.is_none() && s.rss_file.is_none() {
        return s.threads.map(|_| MemoryInfo::default());
    }
    Some(MemoryInfo {
        rss: s.vm_rss?,
        vms: s.vm_size?,
        shared: s.rss_file?.checked_add(s.rss_shmem?)?,
        text: s.vm_exe?,
        data: s.vm_data?.checked_add(s.vm_stk?)?,
    })
}

impl Process {
    /// Memory from `/proc/PID/statm` (psutil's `memory_info()`), bytes.
    pub fn memory_info(&self) -> Result<MemoryInfo> {
        crate::process::attrs::serve_prefetched!(self, MemoryInfo);
        {
            let st = self.st();
            if st.oneshot > 0 {
                if let Some(m) = st.snapshot.as_ref().and_then(|c| c.statm) {
                    return Ok(m);
                }
                // `status` carries the same kernel counters as `statm` (VmSize = size,
                // VmRSS = resident, RssFile + RssShmem = shared, VmExe = text,
                // VmData + VmStk = data), so when it was already read in this oneshot
                // there is no need to open `statm`.
                if let Some(d) = st.snapshot.as_ref().and_then(|c| c.status.as_ref()) {
                    if let Some(m) = memory_from_status(&d.s) {
                        return Ok(m);
                    }
                }
                // A kernel thread has no address space of its own (`get_task_mm` gives
                // none for `PF_KTHREAD`), so its `statm` is all zeros: the snapshot's
                // `stat` says so already, and the file is not opened.
                if st.snapshot.as_ref().and_then(|c| c.stat.as_ref()).is_some_and(Stat::is_live_kernel_thread) {
                    return Ok(MemoryInfo::default());
                }
            }
        }
        let m = self.read_statm()?;
        let mut st = self.st();
        if st.oneshot > 0 {
            if let Some(c) = st.snapshot.as_mut() {
                c.statm = Some(m);
            }
        }
        Ok(m)
    }

    /// `memory_info()` plus peaks and the RSS breakdown from `/proc/PID/status`
    /// (psutil 8.0's `memory_info_ex()`), bytes; absent lines count as 0.
    pub fn memory_info_ex(&self) -> Result<MemoryInfoEx> {
        crate::process::attrs::serve_prefetched!(self, MemoryInfoEx);
        let m = self.memory_info()?;
        self.with_status(|s| {
            self.status_check(
                s,
                line::VM_HWM
                    | line::VM_PEAK
                    | line::RSS_ANON
                    | line::RSS_FILE
                    | line::RSS_SHMEM
                    | line::VM_SWAP
                    | line::HUGETLB,
            )?;
            Ok(MemoryInfoEx {
                rss: m.rss,
                vms: m.vms,
                shared: m.shared,
                text: m.text,
                data: m.data,
                peak_rss: s.vm_hwm.unwrap_or(0),
                peak_vms: s.vm_peak.unwrap_or(0),
                rss_anon: s.rss_anon.unwrap_or(0),
                rss_file: s.rss_file.unwrap_or(0),
                rss_shmem: s.rss_shmem.unwrap_or(0),
                swap: s.vm_swap.unwrap_or(0),
                hugetlb: s.hugetlb.unwrap_or(0),
            })
        })
    }

    /// USS, PSS and swap from `/proc/PID/smaps_rollup`, or from every mapping of
    /// `/proc/PID/smaps` when the kernel has no rollup (psutil 8.0's
    /// `memory_footprint()`). Slow for large processes; other users' processes give
    /// `AccessDenied`.
    pub fn memory_footprint(&self) -> Result<MemoryFootprint> {
        crate::process::attrs::serve_prefetched!(self, MemoryFootprint);
        let totals = self.smaps_totals()?;
        Ok(MemoryFootprint {
            uss: totals.uss(),
            pss: totals.pss,
            swap: totals.swap,
        })
    }

    /// Proportional memory from `/proc/PID/smaps_rollup` (or the sum of `smaps` where
    /// there is no rollup): `(Pss, SwapPss)` in bytes. Not in psutil (its
    /// `memory_footprint()` has `pss` but not `SwapPss`); for exporters that follow
    /// process-exporter's `proportionalResident` / `proportionalSwapped`.
    pub fn memory_proportional(&self) -> Result<(u64, u64)> {
        let t = self.smaps_totals()?;
        Ok((t.pss, t.swap_pss))
    }

    /// `(VmRSS, VmSize, VmSwap)` of `/proc/PID/status`, bytes: resident set size,
    /// virtual size and swapped-out memory in one file. Not in psutil. The kernel
    /// computes `VmRSS` and `VmSize` from the same counters as `statm`'s resident and
    /// size, so they equal [`memory_info`](Process::memory_info)'s `rss` and `vms` read
    /// at the same moment; for a caller that reads `status` anyway (an exporter that
    /// also wants the context switches) this saves reading `statm`. A process without
    /// an address space (a kernel thread, a zombie) has none of the lines: all 0, as
    /// `statm` gives.
    pub fn memory_status(&self) -> Result<(u64, u64, u64)> {
        self.with_status(|s| {
            self.status_check(s, line::VM_RSS | line::VM_SIZE | line::VM_SWAP)?;
            Ok((
                s.vm_rss.unwrap_or(0),
                s.vm_size.unwrap_or(0),
                s.vm_swap.unwrap_or(0),
            ))
        })
    }

    /// The totals of `/proc/PID/smaps_rollup`, or of `smaps` summed where the rollup
    /// fails with ENOENT (an old kernel) or ESRCH (kernel threads answer ESRCH for it
    /// but give an empty `smaps`), as psutil falls back.
    fn smaps_totals(&self) -> Result<SmapsCounters> {
        let mut buf = take_buf();
        let rollup = self.read_rel("smaps_rollup", &mut buf, FileKind::MAPS);
        let totals = match rollup {
            Ok(()) => parse_smaps_totals(&buf, std::path::Path::new("smaps_rollup"))
                .map_err(|e| super::full_path(&self.root, self.pid, "smaps_rollup", e)),
            Err(e) if OsErr::of(&e).is_gone() => self.with("smaps", FileKind::MAPS, parse_smaps_totals),
            Err(e) => Err(self.os_error(Failed::File("smaps_rollup"), e)),
        };
        put_buf(buf);
        totals
    }

    /// The memory mappings from `/proc/PID/smaps` (psutil's `memory_maps()`). With
    /// `grouped`, one entry per path (first-seen order, counters summed, `addr` and
    /// `perms` empty); otherwise one per mapping with `addr` and `perms`.
    /// Zombies give `ZombieProcess`; kernel threads `[]`.
    pub fn memory_maps(&self, grouped: bool) -> Result<Vec<MemoryMap>> {
        if grouped {
            crate::process::attrs::serve_prefetched!(self, MemoryMaps);
        }
        let maps = self.with("smaps", FileKind::MAPS, |b, p| {
            let mut out: Vec<MemoryMap> = Vec::new();
            let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for m in parse_smaps(b, p)? {
                let c = m.counters;
                let path = map_path(m.path).map_err(|e| self.stat_denied(&e))?;
                let entry = MemoryMap {
                    addr: if grouped { String::new() } else { lossy(m.addr) },
                    perms: if grouped { String::new() } else { lossy(m.perms) },
                    path: path.clone(),
                    rss: c.rss,
                    size: c.size,
                    pss: c.pss,
                    shared_clean: c.shared_clean,
                    shared_dirty: c.shared_dirty,
                    private_clean: c.private_clean,
                    private_dirty: c.private_dirty,
                    referenced: c.referenced,
                    anonymous: c.anonymous,
                    swap: c.swap,
                };
                if grouped {
                    if let Some(&i) = index.get(&path) {
                        let e = &mut out[i];
                        e.rss = e.rss.saturating_add(c.rss);
                        e.size = e.size.saturating_add(c.size);
                        e.pss = e.pss.saturating_add(c.pss);
                        e.shared_clean = e.shared_clean.saturating_add(c.shared_clean);
                        e.shared_dirty = e.shared_dirty.saturating_add(c.shared_dirty);
                        e.private_clean = e.private_clean.saturating_add(c.private_clean);
                        e.private_dirty = e.private_dirty.saturating_add(c.private_dirty);
                        e.referenced = e.referenced.saturating_add(c.referenced);
                        e.anonymous = e.anonymous.saturating_add(c.anonymous);
                        e.swap = e.swap.saturating_add(c.swap);
                        continue;
                    }
                    index.insert(path, out.len());
                }
                out.push(entry);
            }
            Ok(out)
        })?;
        if maps.is_empty() && self.is_zombie() {
            return Err(Error::zombie(self.pid, self.known_name(), None));
        }
        Ok(maps)
    }

    /// The chosen memory value as a percentage of total physical memory (psutil's
    /// `memory_percent(memtype)`; not rounded). The total is the one from the last
    /// `virtual_memory()` call for the same procfs root, or a fresh one.
    pub fn memory_percent(&self, memtype: MemType) -> Result<f64> {
        if memtype == MemType::Rss {
            crate::process::attrs::serve_prefetched!(self, MemoryPercent);
        }
        let value = match memtype {
            MemType::Rss | MemType::Vms | MemType::Shared | MemType::Text | MemType::Data => {
                let m = self.memory_info()?;
                match memtype {
                    MemType::Rss => m.rss,
                    MemType::Vms => m.vms,
                    MemType::Shared => m.shared,
                    MemType::Text => m.text,
                    _ => m.data,
                }
            }
            MemType::Uss | MemType::Pss | MemType::Swap => {
                let f = self.memory_footprint()?;
                match memtype {
                    MemType::Uss => f.uss,
                    MemType::Pss => f.pss,
                    _ => f.swap,
                }
            }
            _ => {
                let m = self.memory_info_ex()?;
                match memtype {
                    MemType::PeakRss => m.peak_rss,
                    MemType::PeakVms => m.peak_vms,
                    MemType::RssAnon => m.rss_anon,
                    MemType::RssFile => m.rss_file,
                    MemType::RssShmem => m.rss_shmem,
                    _ => m.hugetlb,
                }
            }
        };
        let last = *crate::context::lock(&self.host.last_total);
        let total = match last {
            Some(t) => t,
            None => self.host.virtual_memory()?.total,
        };
        if total == 0 {
            return Ok(0.0);
        }
        Ok(value as f64 / total as f64 * 100.0)
    }

    /// Minor and major page faults (psutil 8.0's `page_faults()`), counts.
    pub fn page_faults(&self) -> Result<PageFaults> {
        crate::process::attrs::serve_prefetched!(self, PageFaults);
        self.stat_with(field::MINFLT | field::MAJFLT, |s| PageFaults {
            minor: s.minflt,
            major: s.majflt,
        })
    }
}
