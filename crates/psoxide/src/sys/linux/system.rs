//! Machine-wide values the kernel gives through system calls rather than files:
//! clock tick rate, page size, `sysinfo(2)`, the online CPU count, load averages.

use std::io;

/// Clock ticks per second (`AT_CLKTCK`, what `sysconf(_SC_CLK_TCK)` returns); 0 when
/// the kernel gave none.
pub(crate) fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second()
}

/// The page size in bytes.
pub(crate) fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// `(total, free)` swap in bytes from `sysinfo(2)` (its counts times `mem_unit`).
pub(crate) fn sysinfo_swap() -> (u64, u64) {
    let si = rustix::system::sysinfo();
    let unit = u64::from(si.mem_unit.max(1));
    (
        (si.totalswap as u64).saturating_mul(unit),
        (si.freeswap as u64).saturating_mul(unit),
    )
}

/// `sysconf(_SC_NPROCESSORS_ONLN)` (what Python's `os.cpu_count()` returns), `None`
/// when it reports no CPU. libc: rustix has no sysconf, and glibc's answer (parsed
/// from `/sys/devices/system/cpu/online`, with fallbacks) is the one psutil uses.
pub(crate) fn online_cpus() -> Option<u32> {
    // SAFETY: sysconf takes a constant and touches no caller memory.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n >= 1 {
        u32::try_from(n).ok()
    } else {
        None
    }
}

/// glibc's `getloadavg` (psutil's source for `os.getloadavg()`). libc: rustix has no
/// wrapper, and glibc's rounding of `/proc/loadavg` is the contract.
pub(crate) fn loadavg() -> io::Result<[f64; 3]> {
    let mut a = [0.0f64; 3];
    // SAFETY: the pointer is valid for writing 3 doubles, the count passed.
    let n = unsafe { libc::getloadavg(a.as_mut_ptr(), 3) };
    match n {
        3 => Ok(a),
        n if n < 0 => Err(io::Error::last_os_error()),
        n => Err(io::Error::other(format!("returned {n} of 3 values"))),
    }
}
