//! `/proc/zoneinfo`: the sum of the `low` watermarks of every zone, used to estimate
//! available memory on kernels without `MemAvailable` (psutil's fallback, spec 2.2).

use crate::error::{Error, Result};
use std::path::Path;

/// Returns the sum, in pages, of the value of every line whose first token is `low`
/// (one per zone, e.g. `        low      14353`).
///
/// psutil matches any trimmed line *starting* with `low`; only the exact token `low`
/// is taken here, so a hypothetical `lowmem_reserve ...` line is not mistaken for a
/// watermark. Errors: a `low` line without an integer value, or a sum overflowing u64.
pub fn parse_zoneinfo_low_pages(bytes: &[u8], path: &Path) -> Result<u64> {
    let mut sum: u64 = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let mut it = line.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty());
        if it.next() != Some(b"low".as_slice()) {
            continue;
        }
        let v = it
            .next()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::parse(
                    path,
                    format!(
                        "line {}: low watermark: expected an integer in {:?}",
                        i + 1,
                        String::from_utf8_lossy(line)
                    ),
                )
            })?;
        sum = sum
            .checked_add(v)
            .ok_or_else(|| Error::parse(path, "low watermarks: sum overflows"))?;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<u64> {
        parse_zoneinfo_low_pages(s.as_bytes(), Path::new("/proc/zoneinfo"))
    }

    #[test]
    fn sums_zones() {
        let s = "Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 1779\n  pages free     3840\n        \
                 min      42\n        low      71\n        high     100\n        protection: (0, 1933, 23978)\n\
                 Node 0, zone    DMA32\n  pages free     494000\n        low      14353\n        lowmem 5\n";
        assert_eq!(p(s).unwrap(), 71 + 14353);
    }

    #[test]
    fn none_and_empty() {
        assert_eq!(p("").unwrap(), 0);
        assert_eq!(p("Node 0, zone DMA\n  pages free 1\n").unwrap(), 0);
    }

    #[test]
    fn malformed() {
        for bad in [
            "  low\n",
            "  low  x\n",
            "low -3\n",
            "low 18446744073709551615\nlow 1\n",
        ] {
            let e = p(bad).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{bad:?}");
            assert!(e.to_string().contains("/proc/zoneinfo"));
        }
    }
}
