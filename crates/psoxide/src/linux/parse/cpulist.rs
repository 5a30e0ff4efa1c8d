//! CPU list formats used by the kernel.
//!
//! * The "cpulist" format of `/sys/devices/system/cpu/online`, `*_cpus_list`,
//!   `Cpus_allowed_list` in `/proc/PID/status`: comma-separated CPU numbers and
//!   inclusive ranges, e.g. `0-3,8,10-11`. An empty mask is printed as an empty line.
//! * The whitespace-separated list of cpufreq's `affected_cpus`, e.g. `0 1 2 3`.

use super::num::{show, trim};
use crate::error::{Error, Result};
use std::path::Path;

/// The largest CPU number accepted. The kernel's `NR_CPUS` tops out at 8192 today;
/// the generous limit only exists so that a hostile range cannot make us allocate
/// gigabytes.
pub const MAX_CPU: u32 = 1 << 20;

fn cpu_number(tok: &[u8], path: &Path, what: &str) -> Result<u32> {
    let bad = || {
        Error::parse(
            path,
            format!("{what}: expected a CPU number, got {:?}", show(tok)),
        )
    };
    if tok.is_empty() || !tok.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut n: u32 = 0;
    for &b in tok {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    if n > MAX_CPU {
        return Err(Error::parse(
            path,
            format!("{what}: CPU number {n} is larger than {MAX_CPU}"),
        ));
    }
    Ok(n)
}

/// Parses the kernel's cpulist format (`0-3,8,10-11`; surrounding whitespace and the
/// trailing newline are ignored; an empty list gives an empty vector) into CPU numbers
/// in the order written. Empty items (`0,,1`), reversed ranges (`3-1`), non-digits and
/// numbers above [`MAX_CPU`] are errors naming `path`.
pub fn parse_cpulist(bytes: &[u8], path: &Path) -> Result<Vec<u32>> {
    let body = trim(bytes);
    let mut out = Vec::new();
    if body.is_empty() {
        return Ok(out);
    }
    for item in body.split(|&b| b == b',') {
        let what = format!("cpu list item {:?}", show(item));
        let mut parts = item.splitn(2, |&b| b == b'-');
        let first = parts.next().unwrap_or(&[]);
        let lo = cpu_number(first, path, &what)?;
        match parts.next() {
            None => out.push(lo),
            Some(second) => {
                let hi = cpu_number(second, path, &what)?;
                if hi < lo {
                    return Err(Error::parse(
                        path,
                        format!("{what}: range end is below its start"),
                    ));
                }
                let count = (hi - lo) as usize + 1;
                if out.len().saturating_add(count) > MAX_CPU as usize {
                    return Err(Error::parse(path, "cpu list: more CPUs than any kernel supports"));
                }
                out.extend(lo..=hi);
            }
        }
    }
    Ok(out)
}

/// Parses a whitespace-separated list of CPU numbers (cpufreq's `affected_cpus`:
/// `0 1 2 3`). An empty or blank input gives an empty vector (a policy whose CPUs are
/// all offline); anything that is not a decimal CPU number is an error naming `path`.
pub fn parse_cpu_words(bytes: &[u8], path: &Path) -> Result<Vec<u32>> {
    bytes
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| cpu_number(t, path, "cpu number list"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<u32>> {
        parse_cpulist(s.as_bytes(), Path::new("/sys/x"))
    }

    #[test]
    fn cpulist_forms() {
        assert_eq!(p("0-3,8,10-11\n").unwrap(), vec![0, 1, 2, 3, 8, 10, 11]);
        assert_eq!(p("0\n").unwrap(), vec![0]);
        assert_eq!(p("0-1").unwrap(), vec![0, 1]);
        assert_eq!(p("5-5").unwrap(), vec![5]);
        assert_eq!(p("\n").unwrap(), Vec::<u32>::new());
        assert_eq!(p("").unwrap(), Vec::<u32>::new());
    }

    #[test]
    fn cpulist_errors() {
        for bad in [
            "0,,1",
            "1-",
            "-1",
            "3-1",
            "a",
            "0-3,x",
            "0 1",
            "1-2-3",
            "0:2",
            "99999999999",
            "0-2000000",
            ",",
        ] {
            let e = p(bad).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("/sys/x"), "{e}");
        }
    }

    #[test]
    fn cpulist_no_huge_allocation() {
        // Each range is within MAX_CPU, but many of them would add up.
        let s = (0..40)
            .map(|_| format!("0-{}", MAX_CPU - 1))
            .collect::<Vec<_>>()
            .join(",");
        assert!(p(&s).is_err());
    }

    #[test]
    fn words() {
        let path = Path::new("/sys/affected_cpus");
        assert_eq!(parse_cpu_words(b"0 1\n", path).unwrap(), vec![0, 1]);
        assert_eq!(parse_cpu_words(b"2\n", path).unwrap(), vec![2]);
        assert_eq!(parse_cpu_words(b"\n", path).unwrap(), Vec::<u32>::new());
        assert!(parse_cpu_words(b"0 x\n", path).is_err());
        assert!(parse_cpu_words(b"0-1\n", path).is_err());
    }
}
