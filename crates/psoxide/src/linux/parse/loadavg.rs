//! `/proc/loadavg`: `0.09 0.13 0.05 3/97 5306`.

use crate::error::{Error, Result};
use std::path::Path;

/// Parses the first three fields of `/proc/loadavg` (the 1-, 5- and 15-minute load
/// averages, printed by the kernel with two decimals). Each must be a plain decimal
/// number (digits and one dot); anything else, or fewer than three fields, is an error
/// naming `path`.
pub fn parse_loadavg(bytes: &[u8], path: &Path) -> Result<[f64; 3]> {
    let mut out = [0.0; 3];
    let mut toks = bytes.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty());
    for (i, slot) in out.iter_mut().enumerate() {
        let tok = toks
            .next()
            .ok_or_else(|| Error::parse(path, format!("load average {}: missing", i + 1)))?;
        let bad = || {
            Error::parse(
                path,
                format!("load average {}: got {:?}", i + 1, String::from_utf8_lossy(tok)),
            )
        };
        let dots = tok.iter().filter(|&&b| b == b'.').count();
        if dots > 1
            || !tok.iter().all(|&b| b.is_ascii_digit() || b == b'.')
            || !tok.iter().any(u8::is_ascii_digit)
        {
            return Err(bad());
        }
        // Only ASCII digits and one dot: valid UTF-8 and a valid f64 literal.
        *slot = std::str::from_utf8(tok)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(bad)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let p = Path::new("/proc/loadavg");
        assert_eq!(
            parse_loadavg(b"0.09 0.13 0.05 3/97 5306\n", p).unwrap(),
            [0.09, 0.13, 0.05]
        );
        assert_eq!(
            parse_loadavg(b"12.50 3.00 100.99", p).unwrap(),
            [12.5, 3.0, 100.99]
        );
    }

    #[test]
    fn malformed() {
        let p = Path::new("/proc/loadavg");
        for bad in [
            "",
            "0.09 0.13",
            "0.09 x 0.05 1/2 3",
            "nan 1 1",
            "-1 1 1",
            "1..2 1 1",
            ". 1 1",
            "inf 1 1",
        ] {
            let e = parse_loadavg(bad.as_bytes(), p).unwrap_err();
            assert!(e.to_string().contains("/proc/loadavg"), "{bad}: {e}");
        }
    }
}
