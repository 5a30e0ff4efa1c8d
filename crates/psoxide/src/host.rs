//! Host-wide information: the boot time (psutil's `boot_time()`).

use crate::context::Host;
use crate::cpu::read_proc_stat;
use crate::error::{Error, Result};
use crate::roots::Roots;

/// When the system booted, in seconds since the Unix epoch (psutil's `boot_time()`):
/// the `btime` line of `/proc/stat`, an integral value. It is derived from the wall
/// clock, so it moves if the clock is changed. Nothing is cached: each call reads the
/// file. A missing `btime` line is an [`Error::Parse`] naming the file (psutil's
/// `RuntimeError`).
pub fn boot_time() -> Result<f64> {
    Host::current().boot_time()
}

impl Host {
    /// [`boot_time`] on this host.
    pub fn boot_time(&self) -> Result<f64> {
        boot_time_in(self.roots())
    }
}

pub(crate) fn boot_time_in(roots: &Roots) -> Result<f64> {
    // Only the btime line: a bad line elsewhere must not fail every create_time().
    let st = read_proc_stat(roots, crate::linux::parse::proc_stat::Want::BTIME)?;
    let btime = st
        .btime
        .ok_or_else(|| Error::parse_structure(crate::cpu::proc_stat_path(roots), "'btime' line: not found"))?;
    Ok(btime as f64)
}
