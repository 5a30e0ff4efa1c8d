//! `/proc/cpuinfo`: processor count, clock frequencies and physical core count.
//!
//! The format differs by architecture. x86 prints one blank-line-separated block per
//! CPU with `key<TAB>: value` lines (`cpu MHz`, `physical id`, `cpu cores`); ppc prints
//! `clock : 2000.000000MHz`; s390x prints a summary block (`processor 0: version =
//! ...` lines) followed by per-CPU blocks whose keys are padded with spaces before the
//! colon (`cpu MHz dynamic : 5200`, `cpu MHz static  : 5200`). Keys are compared
//! after trimming and lower-casing, on the text before the first `:`.

use super::num::{key_value, show, trim};
use crate::error::{Error, Result};
use crate::util::split_lines;
use std::path::Path;

/// Counts the lines that start with `processor` (any case), psutil's first fallback
/// for the logical CPU count. On s390x this counts the `processor N: version = ...`
/// summary lines, one per CPU.
pub fn count_processors(bytes: &[u8]) -> u32 {
    let n = split_lines(bytes)
        .filter(|l| l.len() >= 9 && l[..9].eq_ignore_ascii_case(b"processor"))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The current clock of each CPU in MHz, in file order: the values of the keys
/// `cpu MHz` (x86), `clock` (ppc; a trailing `MHz` is removed) and `cpu MHz dynamic`
/// (s390x). `cpu MHz static` and any other key are ignored. A value that is not a
/// decimal number is an error naming `path`.
pub fn parse_cpuinfo_mhz(bytes: &[u8], path: &Path) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for line in split_lines(bytes) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let key = trim(&line[..colon]);
        let wanted = key.eq_ignore_ascii_case(b"cpu mhz")
            || key.eq_ignore_ascii_case(b"clock")
            || key.eq_ignore_ascii_case(b"cpu mhz dynamic");
        if !wanted {
            continue;
        }
        let value = trim(line.get(colon + 1..).unwrap_or(&[]));
        let mut num = value;
        if num.len() >= 3 && num[num.len() - 3..].eq_ignore_ascii_case(b"mhz") {
            num = trim(&num[..num.len() - 3]);
        }
        let bad = || {
            Error::parse(
                path,
                format!("'{}' value: expected MHz, got {:?}", show(key), show(value)),
            )
        };
        let ok_chars = !num.is_empty()
            && num.iter().any(u8::is_ascii_digit)
            && num.iter().all(|&b| b.is_ascii_digit() || b == b'.');
        if !ok_chars {
            return Err(bad());
        }
        let mhz = std::str::from_utf8(num)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(bad)?;
        out.push(mhz);
    }
    Ok(out)
}

fn small_int(value: &[u8], key: &[u8], path: &Path) -> Result<u32> {
    let bad = || {
        Error::parse(
            path,
            format!(
                "'{}' value: expected an integer, got {:?}",
                show(key),
                show(value)
            ),
        )
    };
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut n: u32 = 0;
    for &b in value {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    Ok(n)
}

/// psutil's last-resort physical core count: in each blank-line-separated block, the
/// `physical id` and `cpu cores` values; the count is the sum of `cpu cores` over the
/// distinct physical ids (a later block with the same id replaces the earlier value).
/// Blocks lacking either key are ignored. The last block counts even when the file
/// does not end with a blank line (s390x). Non-integer values are errors naming `path`.
pub fn parse_cpuinfo_cores(bytes: &[u8], path: &Path) -> Result<u32> {
    // (physical id text, cores), insertion order; a handful of entries at most.
    let mut map: Vec<(Vec<u8>, u32)> = Vec::new();
    let mut id: Option<&[u8]> = None;
    let mut cores: Option<u32> = None;
    let mut flush = |id: &mut Option<&[u8]>, cores: &mut Option<u32>| {
        if let (Some(i), Some(c)) = (id.take(), cores.take()) {
            match map.iter_mut().find(|(k, _)| k.as_slice() == i) {
                Some(slot) => slot.1 = c,
                None => map.push((i.to_vec(), c)),
            }
        }
        *id = None;
        *cores = None;
    };
    for line in split_lines(bytes) {
        if trim(line).is_empty() {
            flush(&mut id, &mut cores);
            continue;
        }
        let Some((key, value)) = key_value(line) else {
            continue;
        };
        if key.eq_ignore_ascii_case(b"physical id") {
            small_int(value, key, path)?;
            id = Some(value);
        } else if key.eq_ignore_ascii_case(b"cpu cores") {
            cores = Some(small_int(value, key, path)?);
        }
    }
    flush(&mut id, &mut cores);
    Ok(map.iter().fold(0u32, |acc, (_, c)| acc.saturating_add(*c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/proc/cpuinfo";

    const X86: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2100.000\n\
physical id\t: 0\nsiblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 2\nflags\t\t: fpu vme\n\n\
processor\t: 1\ncpu MHz\t\t: 2095.5\nphysical id\t: 0\ncpu cores\t: 2\n\n";

    const S390X: &str = "vendor_id       : IBM/S390\n# processors    : 2\n\
processor 0: version = FF,  identification = 14C047,  machine = 2827\n\
processor 1: version = FF,  identification = 14C047,  machine = 2827\n\n\
cpu number      : 0\nphysical id     : 0\ncpu cores       : 1\ncpu MHz dynamic : 5200\ncpu MHz static  : 5504\n\n\
cpu number      : 1\nphysical id     : 1\ncpu cores       : 1\ncpu MHz dynamic : 5100\ncpu MHz static  : 5504\n";

    const PPC: &str = "processor\t: 0\ncpu\t\t: POWER9\nclock\t\t: 2000.000000MHz\nrevision\t: 2.2\n\n\
processor\t: 1\ncpu\t\t: POWER9\nclock\t\t: 3800.000000MHz\n\ntimebase\t: 512000000\n";

    fn p() -> &'static Path {
        Path::new(P)
    }

    #[test]
    fn x86() {
        assert_eq!(count_processors(X86.as_bytes()), 2);
        assert_eq!(
            parse_cpuinfo_mhz(X86.as_bytes(), p()).unwrap(),
            vec![2100.0, 2095.5]
        );
        assert_eq!(parse_cpuinfo_cores(X86.as_bytes(), p()).unwrap(), 2);
    }

    #[test]
    fn s390x() {
        assert_eq!(count_processors(S390X.as_bytes()), 2);
        assert_eq!(
            parse_cpuinfo_mhz(S390X.as_bytes(), p()).unwrap(),
            vec![5200.0, 5100.0]
        );
        // Two physical ids with one core each; the last block has no blank line after it.
        assert_eq!(parse_cpuinfo_cores(S390X.as_bytes(), p()).unwrap(), 2);
    }

    #[test]
    fn ppc() {
        assert_eq!(
            parse_cpuinfo_mhz(PPC.as_bytes(), p()).unwrap(),
            vec![2000.0, 3800.0]
        );
        assert_eq!(parse_cpuinfo_cores(PPC.as_bytes(), p()).unwrap(), 0);
    }

    #[test]
    fn empty_and_unknown() {
        assert_eq!(count_processors(b""), 0);
        assert_eq!(parse_cpuinfo_mhz(b"", p()).unwrap(), Vec::<f64>::new());
        assert_eq!(parse_cpuinfo_cores(b"", p()).unwrap(), 0);
        assert_eq!(
            parse_cpuinfo_mhz(b"no colon here\n: \n\xff:\xfe\n", p()).unwrap(),
            Vec::<f64>::new()
        );
    }

    #[test]
    fn multi_socket_sums_distinct_ids() {
        let s = "physical id : 0\ncpu cores : 4\n\nphysical id : 1\ncpu cores : 4\n\nphysical id : 0\ncpu cores : 4\n\n";
        assert_eq!(parse_cpuinfo_cores(s.as_bytes(), p()).unwrap(), 8);
        // A block missing one key does not count.
        let s = "physical id : 0\n\ncpu cores : 4\n\n";
        assert_eq!(parse_cpuinfo_cores(s.as_bytes(), p()).unwrap(), 0);
    }

    #[test]
    fn malformed() {
        for bad in [
            "cpu MHz\t: fast\n",
            "cpu MHz\t:\n",
            "clock\t: MHz\n",
            "cpu MHz\t: 1.2.3\n",
            "cpu MHz\t: -5\n",
            "cpu MHz\t: nan\n",
        ] {
            let e = parse_cpuinfo_mhz(bad.as_bytes(), p()).unwrap_err();
            assert!(e.to_string().contains(P), "{bad:?}: {e}");
        }
        assert!(parse_cpuinfo_mhz(b"cpu MHz\t: 2100\xff\n", p()).is_err());
        for bad in [
            "physical id : x\ncpu cores : 1\n",
            "physical id : 0\ncpu cores : 99999999999\n",
            "cpu cores :\n",
        ] {
            let e = parse_cpuinfo_cores(bad.as_bytes(), p()).unwrap_err();
            assert!(e.to_string().contains(P), "{bad:?}: {e}");
        }
    }
}
