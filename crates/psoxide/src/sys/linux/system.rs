//! Machine-wide values the kernel gives through system calls rather than files:
//! clock tick rate, page size, `sysinfo(2)`, the online CPU count, load averages.

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

/// The 1, 5 and 15 minute load averages as glibc's `getloadavg` computes them (what
/// psutil returns): `sysinfo(2)`'s fixed-point `loads` divided by 2^16, more precise
/// than the two decimals of `/proc/loadavg`.
pub(crate) fn loadavg() -> [f64; 3] {
    let si = rustix::system::sysinfo();
    si.loads.map(|l| l as f64 / 65536.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loadavg_equals_glibc_getloadavg() {
        // The kernel updates the averages every 5 s: compare when two reads of ours
        // around glibc's agree.
        for _ in 0..50 {
            let before = super::loadavg();
            let mut c = [0.0f64; 3];
            // SAFETY: the pointer is valid for writing 3 doubles, the count passed.
            assert_eq!(unsafe { libc::getloadavg(c.as_mut_ptr(), 3) }, 3);
            if super::loadavg() == before {
                assert_eq!(before, c);
                return;
            }
        }
        panic!("the load averages changed during each of 50 tries");
    }

    #[test]
    fn ticks_and_page_size_match_sysconf() {
        // SAFETY: sysconf takes a constant and touches no caller memory.
        let (tck, page) = unsafe {
            (
                libc::sysconf(libc::_SC_CLK_TCK),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        assert_eq!(super::clock_ticks(), tck as u64);
        assert_eq!(super::page_size(), page as u64);
    }
}
