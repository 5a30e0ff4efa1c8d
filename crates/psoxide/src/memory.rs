//! System memory: psutil's `virtual_memory()` and `swap_memory()` (spec 2.2).
//!
//! Both read `/proc/meminfo` below the procfs root; `virtual_memory()` may also read
//! `/proc/zoneinfo` (kernels without `MemAvailable`), `swap_memory()` reads
//! `/proc/vmstat`. Missing fields that psutil replaces by 0 raise one warning through
//! the crate's warning handler (psutil's `RuntimeWarning`).

use crate::context::{lock, Host, HostState};
use crate::error::{Error, Result};
use crate::linux::parse::meminfo::{parse_meminfo, MemInfo};
use crate::linux::parse::vmstat::parse_vmstat_swap;
use crate::linux::parse::zoneinfo::parse_zoneinfo_low_pages;
use crate::roots::Roots;
use crate::sys::fs::{open, read_fd, FileKind};
use crate::sys::kept::{kept_file, with_sys_file, SysFile};
use crate::util::round1;
use crate::warning::warn;
use std::os::fd::AsFd;
use std::path::Path;

/// System memory usage: psutil's `svmem`. All amounts in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualMemory {
    /// Physical memory (`MemTotal`), bytes.
    pub total: u64,
    /// Memory that can be given to processes without swapping (`MemAvailable`, or
    /// psutil's estimate on kernels without it), bytes.
    pub available: u64,
    /// `(total - available) / total * 100`, rounded to 1 decimal; percent 0-100.
    pub percent: f64,
    /// `total - available`, bytes (matches `free(1)`'s "used").
    pub used: u64,
    /// Memory not used at all (`MemFree`), bytes.
    pub free: u64,
    /// Recently used memory (`Active`), bytes.
    pub active: u64,
    /// Memory not recently used (`Inactive`), bytes.
    pub inactive: u64,
    /// File-system metadata cache (`Buffers`), bytes.
    pub buffers: u64,
    /// Page cache plus reclaimable slab (`Cached + SReclaimable`), bytes.
    pub cached: u64,
    /// Shared memory, tmpfs included (`Shmem`, or `MemShared` on 2.4), bytes.
    pub shared: u64,
    /// Kernel slab allocations (`Slab`), bytes.
    pub slab: u64,
}

/// Swap usage: psutil's `sswap`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SwapMemory {
    /// Swap space (`SwapTotal`), bytes.
    pub total: u64,
    /// `total - free`, bytes.
    pub used: u64,
    /// Unused swap (`SwapFree`), bytes.
    pub free: u64,
    /// `used / total * 100`, rounded to 1 decimal (0.0 without swap); percent 0-100.
    pub percent: f64,
    /// Bytes swapped in since boot: `pswpin` pages × 4096 (a fixed 4 KiB, psutil quirk).
    pub sin: u64,
    /// Bytes swapped out since boot: `pswpout` pages × 4096 (a fixed 4 KiB).
    pub sout: u64,
}

fn read_meminfo(roots: &Roots) -> Result<MemInfo> {
    with_sys_file(&roots.procfs, SysFile::Meminfo, FileKind::RECORD, parse_meminfo)
}

/// Opens `path` and hands its bytes to `f`; `Ok(None)` when the file cannot be opened
/// (psutil catches only the `open()` error in these places; read and parse errors
/// still propagate). The open error is returned alongside for messages.
fn with_optional_file<T>(
    path: &Path,
    kind: FileKind,
    f: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<std::result::Result<T, Error>> {
    let fd = match open(path) {
        Ok(fd) => fd,
        Err(e) => return Ok(Err(Error::io(path, e))),
    };
    let mut buf = Vec::new();
    read_fd(fd.as_fd(), &mut buf, kind).map_err(|e| Error::io(path, e))?;
    drop(fd);
    f(&buf).map(Ok)
}

fn page_size() -> u64 {
    crate::sys::system::page_size()
}

/// psutil's estimate of available memory for kernels without `MemAvailable`
/// (and when it reads 0): the kernel 3.14 formula using the zones' `low` watermarks.
/// Returns a signed value: the caller clamps a negative estimate to 0 with a warning.
fn estimate_available(roots: &Roots, m: &MemInfo, free: u64) -> Result<i128> {
    let fallback = free as i128 + m.cached.unwrap_or(0) as i128;
    let (Some(active_file), Some(inactive_file), Some(sreclaimable)) =
        (m.active_file, m.inactive_file, m.sreclaimable)
    else {
        crate::debug::debug(|| {
            let missing: Vec<&str> = [
                ("Active(file)", m.active_file),
                ("Inactive(file)", m.inactive_file),
                ("SReclaimable", m.sreclaimable),
            ]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| *k)
            .collect();
            format!(
                "{} missing from {}; using an approximation for calculating available memory",
                missing.join(", "),
                roots.proc("meminfo").display()
            )
        });
        return Ok(fallback);
    };
    let path = roots.proc("zoneinfo");
    let low_pages = match with_optional_file(&path, FileKind::TABLE, |b| parse_zoneinfo_low_pages(b, &path))? {
        Ok(v) => v,
        Err(e) => {
            // zoneinfo cannot be opened (kernel < 2.6.13)
            crate::debug::debug(|| crate::debug::ignoring(&e));
            return Ok(fallback);
        }
    };
    let low = low_pages as i128 * page_size() as i128;
    // psutil computes this in floating point with halves; doubling every term keeps it
    // exact in integers: 2*avail = 2*(free-low) + 2*pc - min(pc, 2*low) + 2*sr - min(sr, 2*low).
    let pagecache = active_file as i128 + inactive_file as i128;
    let sr = sreclaimable as i128;
    let twice = 2 * (free as i128 - low) + 2 * pagecache - pagecache.min(2 * low) + 2 * sr - sr.min(2 * low);
    // Python's int() truncates towards zero, as does i128 division.
    Ok(twice / 2)
}

/// psutil's `virtual_memory()` for the process-wide roots.
pub fn virtual_memory() -> Result<VirtualMemory> {
    Host::current().virtual_memory()
}

impl Host {
    /// psutil's `virtual_memory()` reading `{procfs}/meminfo` (and `{procfs}/zoneinfo` for
    /// the estimate of `available` when `MemAvailable` is missing or 0).
    ///
    /// `MemTotal` and `MemFree` are required (an [`Error::Parse`] otherwise, psutil's
    /// `KeyError`). Other missing fields become 0 and one warning lists them (spec 2.2):
    /// "buffers, cached memory stats couldn't be determined and were set to 0". An estimate
    /// below 0 is also clamped to 0 and listed as "available"; an `available` above `total`
    /// (containers) is replaced by `free`. Records `total` for `Process.memory_percent()`.
    pub fn virtual_memory(&self) -> Result<VirtualMemory> {
        self.state().virtual_memory()
    }
}

impl HostState {
    /// [`Host::virtual_memory`], recording `total` for `Process::memory_percent` (psutil
    /// caches it module-wide as `_TOTAL_PHYMEM`).
    pub(crate) fn virtual_memory(&self) -> Result<VirtualMemory> {
        let roots: &Roots = self.roots();
        let m = read_meminfo(roots)?;
        let total = m
            .mem_total
            .ok_or_else(|| Error::parse(roots.proc("meminfo"), "MemTotal: missing"))?;
        let free = m
            .mem_free
            .ok_or_else(|| Error::parse(roots.proc("meminfo"), "MemFree: missing"))?;
        let mut missing: Vec<&str> = Vec::new();
        let mut or_missing = |v: Option<u64>, name: &'static str| {
            v.unwrap_or_else(|| {
                missing.push(name);
                0
            })
        };
        let buffers = or_missing(m.buffers, "buffers");
        let cached = or_missing(m.cached, "cached");
        // SReclaimable is added only when Cached exists; it counts 0 when missing.
        let cached = match m.cached {
            Some(_) => cached.saturating_add(m.sreclaimable.unwrap_or(0)),
            None => 0,
        };
        let shared = or_missing(m.shmem.or(m.mem_shared), "shared");
        let active = or_missing(m.active, "active");
        let inact_sum = match (m.inact_dirty, m.inact_clean, m.inact_laundry) {
            (Some(a), Some(b), Some(c)) => Some(a.saturating_add(b).saturating_add(c)),
            _ => None,
        };
        let inactive = or_missing(m.inactive.or(inact_sum), "inactive");
        let slab = m.slab.unwrap_or(0); // psutil: 0 without a warning
        let avail: i128 = match m.mem_available {
            Some(a) if a != 0 => a as i128,
            _ => estimate_available(roots, &m, free)?,
        };
        let available = if avail < 0 {
            missing.push("available");
            0
        } else if avail > total as i128 {
            free
        } else {
            avail as u64 // 0 <= avail <= total
        };
        // psutil would report a negative `used` if MemFree > MemTotal (nonsense data);
        // unsigned fields saturate at 0 instead.
        let used = total.saturating_sub(available);
        let percent = if total == 0 {
            0.0
        } else {
            round1(used as f64 / total as f64 * 100.0)
        };
        if !missing.is_empty() {
            warn(format!(
                "{} memory stats couldn't be determined and {} set to 0",
                missing.join(", "),
                if missing.len() == 1 { "was" } else { "were" }
            ));
        }
        *lock(&self.last_total) = Some(total);
        Ok(VirtualMemory {
            total,
            available,
            percent,
            used,
            free,
            active,
            inactive,
            buffers,
            cached,
            shared,
            slab,
        })
    }
}

/// psutil's `swap_memory()` for the process-wide roots.
pub fn swap_memory() -> Result<SwapMemory> {
    Host::current().swap_memory()
}

/// Fixed bytes per page for `sin`/`sout` (psutil hard-codes 4 KiB, quirk 10.2).
const SWAP_PAGE: u64 = 4096;

impl Host {
    /// psutil's `swap_memory()` reading `{procfs}/meminfo` and `{procfs}/vmstat`.
    ///
    /// `total`/`free` come from `SwapTotal`/`SwapFree`. When either is missing psutil asks
    /// `sysinfo(2)`; that describes the running kernel, so it is done only when `roots`
    /// has the live `/proc` as procfs; with any other procfs root a missing line is an
    /// [`Error::Parse`] (mixing a fixture's file with live numbers would be wrong).
    /// `sin`/`sout` are `pswpin`/`pswpout` × 4096; when `vmstat` cannot be opened or a line
    /// is missing, both are 0 and a warning says so (spec 2.2).
    pub fn swap_memory(&self) -> Result<SwapMemory> {
        let roots: &Roots = self.roots();
        let m = read_meminfo(roots)?;
        let (total, free) =
            match (m.swap_total, m.swap_free) {
                (Some(t), Some(f)) => (t, f),
                _ if roots.is_default_procfs() => crate::sys::system::sysinfo_swap(),
                _ => return Err(Error::parse(
                    roots.proc("meminfo"),
                    "SwapTotal/SwapFree: missing (the sysinfo(2) fallback is used only for the live /proc)",
                )),
            };
        // psutil would report a negative `used` if SwapFree > SwapTotal; saturate at 0.
        let used = total.saturating_sub(free);
        let percent = if total == 0 {
            0.0
        } else {
            round1(used as f64 / total as f64 * 100.0)
        };

        let vmstat = match kept_file(&roots.procfs, SysFile::Vmstat) {
            Some(k) => k.with(FileKind::RECORD, parse_vmstat_swap).map(Ok)?,
            None => {
                let vpath = roots.proc("vmstat");
                with_optional_file(&vpath, FileKind::RECORD, |b| parse_vmstat_swap(b, &vpath))?
            }
        };
        let (sin, sout) = match vmstat {
            Err(open_err) => {
                warn(format!(
                "'sin' and 'sout' swap memory stats couldn't be determined and were set to 0 ({open_err})"
            ));
                (0, 0)
            }
            Ok(v) => match (v.pswpin, v.pswpout) {
                (Some(i), Some(o)) => {
                    let bytes = |pages: u64, name: &str| {
                        pages.checked_mul(SWAP_PAGE).ok_or_else(|| {
                            Error::parse(
                                roots.proc("vmstat"),
                                format!("{name}: {pages} pages overflow a byte count"),
                            )
                        })
                    };
                    (bytes(i, "pswpin")?, bytes(o, "pswpout")?)
                }
                _ => {
                    warn("'sin' and 'sout' swap memory stats couldn't be determined and were set to 0");
                    (0, 0)
                }
            },
        };
        Ok(SwapMemory {
            total,
            used,
            free,
            percent,
            sin,
            sout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_total_for_memory_percent() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mem-old24");
        let host = Host::new(Roots::under(&dir));
        assert_eq!(*lock(&host.state().last_total), None);
        let m = host.virtual_memory().unwrap();
        assert_eq!(m.total, 2055464 * 1024);
        assert_eq!(*lock(&host.state().last_total), Some(m.total));
        let other = Host::default();
        assert_eq!(*lock(&other.state().last_total), None, "hosts share nothing");
    }
}
