//! `/proc/meminfo`: the fields `virtual_memory()` and `swap_memory()` need.
//!
//! Each line is `Key: value [kB]`. The line is split at its first `:`; the value is
//! the first whitespace-separated token after the colon, so `MemTotal:123 kB` (no
//! space after the colon, psutil 8.0) is read as well as the usual padded form. Every
//! value is multiplied by 1024 (the file states kB), as psutil does.
//!
//! Only the keys listed in [`MemInfo`] are parsed; other lines are skipped without
//! looking at their values (so an odd value in a field nobody asked for is no error).
//! When a key appears twice, the last line wins (psutil builds a dict).

use crate::error::{Error, Result};
use crate::util::split_lines;
use std::path::Path;

/// The `/proc/meminfo` fields used by the memory functions, in bytes (kB × 1024);
/// `None` when the line is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    /// `MemTotal`, bytes.
    pub mem_total: Option<u64>,
    /// `MemFree`, bytes.
    pub mem_free: Option<u64>,
    /// `MemAvailable` (kernel 3.14+), bytes.
    pub mem_available: Option<u64>,
    /// `Buffers`, bytes.
    pub buffers: Option<u64>,
    /// `Cached`, bytes.
    pub cached: Option<u64>,
    /// `Active`, bytes.
    pub active: Option<u64>,
    /// `Inactive`, bytes.
    pub inactive: Option<u64>,
    /// `Active(file)` (kernel 2.6.28+), bytes.
    pub active_file: Option<u64>,
    /// `Inactive(file)` (kernel 2.6.28+), bytes.
    pub inactive_file: Option<u64>,
    /// `Inact_dirty` (some 2.4/2.6 kernels), bytes.
    pub inact_dirty: Option<u64>,
    /// `Inact_clean` (some 2.4/2.6 kernels), bytes.
    pub inact_clean: Option<u64>,
    /// `Inact_laundry` (some 2.4/2.6 kernels), bytes.
    pub inact_laundry: Option<u64>,
    /// `Shmem` (kernel 2.6.32+), bytes.
    pub shmem: Option<u64>,
    /// `MemShared` (kernel 2.4), bytes.
    pub mem_shared: Option<u64>,
    /// `Slab`, bytes.
    pub slab: Option<u64>,
    /// `SReclaimable` (kernel 2.6.19+), bytes.
    pub sreclaimable: Option<u64>,
    /// `SwapTotal`, bytes.
    pub swap_total: Option<u64>,
    /// `SwapFree`, bytes.
    pub swap_free: Option<u64>,
}

/// Parses the bytes of `/proc/meminfo` (read from `path`, used only in errors).
///
/// Errors: a non-blank line without a `:`, or a wanted key whose value is missing,
/// not a non-negative integer, or too large once multiplied by 1024.
pub fn parse_meminfo(bytes: &[u8], path: &Path) -> Result<MemInfo> {
    let mut m = MemInfo::default();
    for (i, line) in split_lines(bytes).enumerate() {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue; // a blank line (a line with a ':' is never blank)
            }
            return Err(Error::parse(
                path,
                format!("line {}: no ':' in {:?}", i + 1, String::from_utf8_lossy(line)),
            ));
        };
        let key = line[..colon].trim_ascii();
        let slot = match key {
            b"MemTotal" => &mut m.mem_total,
            b"MemFree" => &mut m.mem_free,
            b"MemAvailable" => &mut m.mem_available,
            b"Buffers" => &mut m.buffers,
            b"Cached" => &mut m.cached,
            b"Active" => &mut m.active,
            b"Inactive" => &mut m.inactive,
            b"Active(file)" => &mut m.active_file,
            b"Inactive(file)" => &mut m.inactive_file,
            b"Inact_dirty" => &mut m.inact_dirty,
            b"Inact_clean" => &mut m.inact_clean,
            b"Inact_laundry" => &mut m.inact_laundry,
            b"Shmem" => &mut m.shmem,
            b"MemShared" => &mut m.mem_shared,
            b"Slab" => &mut m.slab,
            b"SReclaimable" => &mut m.sreclaimable,
            b"SwapTotal" => &mut m.swap_total,
            b"SwapFree" => &mut m.swap_free,
            _ => continue,
        };
        let rest = &line[colon + 1..];
        let token = rest.split(|b| b.is_ascii_whitespace()).find(|t| !t.is_empty());
        let key_s = String::from_utf8_lossy(key);
        let Some(token) = token else {
            return Err(Error::parse(path, format!("{key_s}: no value")));
        };
        let kb = std::str::from_utf8(token)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::parse(
                    path,
                    format!(
                        "{key_s}: expected an integer, got {:?}",
                        String::from_utf8_lossy(token)
                    ),
                )
            })?;
        let bytes = kb
            .checked_mul(1024)
            .ok_or_else(|| Error::parse(path, format!("{key_s}: {kb} kB overflows a byte count")))?;
        *slot = Some(bytes);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<MemInfo> {
        parse_meminfo(s.as_bytes(), Path::new("/proc/meminfo"))
    }

    #[test]
    fn modern() {
        let m = p(
            "MemTotal:       24684092 kB\nMemFree:        23409992 kB\nMemAvailable:   24357832 kB\n\
                   Buffers:           35024 kB\nCached:          1108844 kB\nActive(file):     386288 kB\n\
                   HugePages_Total:       0\nSwapTotal:  0 kB\nSwapFree: 0 kB\nSReclaimable: 38860 kB\n",
        )
        .unwrap();
        assert_eq!(m.mem_total, Some(24684092 * 1024));
        assert_eq!(m.mem_available, Some(24357832 * 1024));
        assert_eq!(m.active_file, Some(386288 * 1024));
        assert_eq!(m.sreclaimable, Some(38860 * 1024));
        assert_eq!(m.swap_total, Some(0));
        assert_eq!(m.inactive, None);
        assert_eq!(m.shmem, None);
    }

    #[test]
    fn no_space_after_colon_and_no_unit() {
        let m = p("MemTotal:1000 kB\nMemFree:\t20\n").unwrap();
        assert_eq!(m.mem_total, Some(1000 * 1024));
        assert_eq!(m.mem_free, Some(20 * 1024));
        // "30kB" is not an integer token: an error, not a guess.
        assert!(p("Cached:30kB\n").is_err());
    }

    #[test]
    fn last_duplicate_wins_and_unknown_keys_ignored() {
        let m = p("MemFree: 1 kB\nWeird: -5 kB\nNoValue:\nMemFree: 2 kB\n").unwrap();
        assert_eq!(m.mem_free, Some(2048));
    }

    #[test]
    fn malformed() {
        for bad in [
            "MemTotal: abc kB\n",
            "MemTotal: -1 kB\n",
            "MemTotal:\n",
            "MemTotal:   \n",
            "MemTot",
            "garbage line\n",
            "MemTotal: 99999999999999999999 kB\n",
            "MemTotal: 18014398509481984 kB\n", // 2^54 kB: overflows once ×1024
        ] {
            let e = p(bad).unwrap_err();
            assert!(e.to_string().contains("/proc/meminfo"), "{bad:?}: {e}");
            assert!(matches!(e, Error::Parse { .. }), "{bad:?}");
        }
    }

    #[test]
    fn empty_and_odd_bytes() {
        assert_eq!(p("").unwrap(), MemInfo::default());
        assert_eq!(p("\n\n  \n").unwrap(), MemInfo::default());
        assert!(parse_meminfo(b"\xff\xfe: 1\nMemFree: 3 kB", Path::new("x")).is_ok());
        assert!(parse_meminfo(b"MemFree: \xff kB", Path::new("x")).is_err());
    }
}
