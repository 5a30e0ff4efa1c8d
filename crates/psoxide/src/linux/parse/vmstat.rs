//! `/proc/vmstat`: the swap-in / swap-out page counters used by `swap_memory()`.
//!
//! Each line is `name value`. Only `pswpin` and `pswpout` are looked at; their values
//! are cumulative page counts since boot.

use crate::error::{Error, Result};
use std::path::Path;

/// The swap counters of `/proc/vmstat`, in pages; `None` when the line is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmstatSwap {
    /// `pswpin`: pages swapped in since boot (count).
    pub pswpin: Option<u64>,
    /// `pswpout`: pages swapped out since boot (count).
    pub pswpout: Option<u64>,
}

/// Parses the bytes of `/proc/vmstat` (read from `path`, used only in errors).
///
/// Errors: a `pswpin`/`pswpout` line whose value is missing or not a non-negative
/// integer. Other lines are not examined.
pub fn parse_vmstat_swap(bytes: &[u8], path: &Path) -> Result<VmstatSwap> {
    let mut out = VmstatSwap::default();
    for line in bytes.split(|&b| b == b'\n') {
        let mut it = line.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty());
        let (name, slot) = match it.next() {
            Some(b"pswpin") => ("pswpin", &mut out.pswpin),
            Some(b"pswpout") => ("pswpout", &mut out.pswpout),
            _ => continue,
        };
        let v = it
            .next()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::parse(
                    path,
                    format!(
                        "{name}: expected an integer in {:?}",
                        String::from_utf8_lossy(line)
                    ),
                )
            })?;
        *slot = Some(v);
        if out.pswpin.is_some() && out.pswpout.is_some() {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<VmstatSwap> {
        parse_vmstat_swap(s.as_bytes(), Path::new("/proc/vmstat"))
    }

    #[test]
    fn finds_both() {
        let v = p("nr_free_pages 5852498\npswpin 12\npswpout 345\npswpin_x 9\n").unwrap();
        assert_eq!(
            v,
            VmstatSwap {
                pswpin: Some(12),
                pswpout: Some(345)
            }
        );
    }

    #[test]
    fn missing_lines() {
        assert_eq!(p("").unwrap(), VmstatSwap::default());
        let v = p("pswpout 7\npswpinx 3\n").unwrap();
        assert_eq!(
            v,
            VmstatSwap {
                pswpin: None,
                pswpout: Some(7)
            }
        );
    }

    #[test]
    fn malformed() {
        for bad in ["pswpin\n", "pswpin x\n", "pswpout -1\n", "pswpin 1e3\n"] {
            let e = p(bad).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{bad:?}");
            assert!(e.to_string().contains("/proc/vmstat"));
        }
    }
}
