//! `/proc/net/dev`: per-interface traffic counters.
//!
//! The file has two header lines, then one line per interface:
//!
//! ```text
//!     lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
//! ```
//!
//! The interface name is everything before the **last** `:` (so an alias-style name
//! such as `eth0:1` keeps its own colon), trimmed. Old kernels printed no space after
//! the colon when the first number was wide (`eth0:123456 ...`), which this parser
//! accepts. After the colon come 16 unsigned decimal columns: receive bytes, packets,
//! errs, drop, fifo, frame, compressed, multicast, then transmit bytes, packets, errs,
//! drop, fifo, colls, carrier, compressed.

use crate::error::{Error, Result};
use indexmap::IndexMap;
use std::path::Path;

/// Number of counters kept per interface, in psutil's `snetio` order:
/// bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin, dropout.
pub const NET_DEV_FIELDS: usize = 8;

/// The number of numeric columns after the colon on every kernel since 2.2.
const COLUMNS: usize = 16;

/// Parses the text of `/proc/net/dev`.
///
/// Returns the counters of each interface keyed by name, in file order, each as
/// `[bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin,
/// dropout]` (psutil's `snetio` order), i.e. columns 9, 1, 10, 2, 3, 11, 4, 12.
/// Names are decoded with `String::from_utf8_lossy`. A name listed twice keeps its
/// first position and its last values (what a Python dict built from the lines does).
///
/// Errors (`Error::Parse` naming `path`): fewer than the two header lines, a line
/// without a `:`, an empty name, fewer than 16 columns, or a column that is not an
/// unsigned integer. More than 16 columns are accepted (psutil would reject them; a
/// future kernel adding columns should not break the call). Blank lines are skipped.
pub fn parse_net_dev(bytes: &[u8], path: &Path) -> Result<IndexMap<String, [u64; NET_DEV_FIELDS]>> {
    let mut out = IndexMap::new();
    visit_net_dev(bytes, path, |name, v| {
        out.insert(name.into_owned(), v);
    })?;
    Ok(out)
}

/// [`parse_net_dev`]'s lines one by one, in file order: each interface's name
/// (lossily decoded, borrowed from `bytes` when it is UTF-8) and its counters, with
/// the same errors. For callers that sum or look up without keeping owned names.
pub fn visit_net_dev<'a>(
    bytes: &'a [u8],
    path: &Path,
    mut f: impl FnMut(std::borrow::Cow<'a, str>, [u64; NET_DEV_FIELDS]),
) -> Result<()> {
    let mut lines = bytes.split(|&b| b == b'\n');
    for n in 1..=2 {
        match lines.next() {
            Some(l) if !l.is_empty() => {}
            _ => {
                return Err(Error::parse(
                    path,
                    format!("header line {n}: missing (file truncated?)"),
                ))
            }
        }
    }
    for (idx, line) in lines.enumerate() {
        let lineno = idx + 3;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(colon) = line.iter().rposition(|&b| b == b':') else {
            return Err(Error::parse(
                path,
                format!(
                    "line {lineno}: no ':' after the interface name in {:?}",
                    lossy(line)
                ),
            ));
        };
        let (name_part, rest) = line.split_at(colon);
        let rest = rest.get(1..).unwrap_or(&[]);
        let name = lossy(name_part.trim_ascii());
        if name.is_empty() {
            return Err(Error::parse(path, format!("line {lineno}: empty interface name")));
        }
        let mut cols = [0u64; COLUMNS];
        let mut count = 0usize;
        for tok in rest.split(u8::is_ascii_whitespace).filter(|t| !t.is_empty()) {
            let v = super::num::u64_dec(tok).ok_or_else(|| {
                Error::parse(
                    path,
                    format!(
                        "line {lineno} ({name}): column {} is not an unsigned integer: {:?}",
                        count + 1,
                        lossy(tok)
                    ),
                )
            })?;
            if let Some(slot) = cols.get_mut(count) {
                *slot = v;
            }
            count += 1;
        }
        if count < COLUMNS {
            return Err(Error::parse(
                path,
                format!("line {lineno} ({name}): expected {COLUMNS} counter columns, found {count}"),
            ));
        }
        let [rx_bytes, rx_packets, rx_errs, rx_drop, _, _, _, _, tx_bytes, tx_packets, tx_errs, tx_drop, ..] =
            cols;
        f(
            name,
            [
                tx_bytes, rx_bytes, tx_packets, rx_packets, rx_errs, tx_errs, rx_drop, tx_drop,
            ],
        );
    }
    Ok(())
}

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";

    fn p(body: &str) -> Result<IndexMap<String, [u64; NET_DEV_FIELDS]>> {
        parse_net_dev(format!("{HEADER}{body}").as_bytes(), Path::new("/proc/net/dev"))
    }

    #[test]
    fn maps_columns_to_snetio_order() {
        let m = p("  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n").unwrap();
        // bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin, dropout
        assert_eq!(m["eth0"], [9, 1, 10, 2, 3, 11, 4, 12]);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn names_with_colons_spaces_and_old_format() {
        let m = p("    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n\
                   eth0:1: 5 6 0 0 0 0 0 0 7 8 0 0 0 0 0 0\n\
                   eth1:123456 7 0 0 0 0 0 0 9 10 0 0 0 0 0 0\n\
                   veth1234567890ab: 1 1 1 1 0 0 0 0 2 2 2 2 0 0 0 0\n")
        .unwrap();
        let names: Vec<_> = m.keys().map(String::as_str).collect();
        assert_eq!(names, ["lo", "eth0:1", "eth1", "veth1234567890ab"]);
        assert_eq!(m["lo"], [3193, 3193, 29, 29, 0, 0, 0, 0]);
        assert_eq!(m["eth0:1"], [7, 5, 8, 6, 0, 0, 0, 0]);
        assert_eq!(m["eth1"], [9, 123456, 10, 7, 0, 0, 0, 0]);
        assert_eq!(m["veth1234567890ab"], [2, 1, 2, 1, 1, 2, 1, 2]);
    }

    #[test]
    fn u64_max_and_extra_columns_and_blank_lines() {
        let max = u64::MAX;
        let m = p(&format!("a: {max} 0 0 0 0 0 0 0 {max} 0 0 0 0 0 0 0 99\n\n")).unwrap();
        assert_eq!(m["a"], [max, max, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn header_only_is_empty_and_duplicates_keep_first_position() {
        assert!(p("").unwrap().is_empty());
        let m = p("a: 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\nb: 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\na: 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
            .unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m["a"][1], 3);
    }

    #[test]
    fn non_utf8_name_is_lossy() {
        let mut v = HEADER.as_bytes().to_vec();
        v.extend_from_slice(b"e\xfft: 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
        let m = parse_net_dev(&v, Path::new("x")).unwrap();
        assert!(m.contains_key("e\u{fffd}t"));
    }

    fn err(body: &[u8]) -> String {
        let e = parse_net_dev(body, Path::new("/fix/proc/net/dev")).unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "{e:?}");
        let s = e.to_string();
        assert!(s.contains("/fix/proc/net/dev"), "{s}");
        s
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let h = HEADER.as_bytes();
        let with = |b: &[u8]| [h, b].concat();
        assert!(err(b"").contains("header line 1"));
        assert!(err(b"Inter-|\n").contains("header line 2"));
        // truncated in the middle of a line
        assert!(err(&with(b"eth0: 1 2 3 4 5 6 7")).contains("found 7"));
        assert!(err(&with(b"eth0:")).contains("found 0"));
        assert!(err(&with(b"eth0 1 2 3\n")).contains("no ':'"));
        assert!(err(&with(b"  : 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")).contains("empty interface name"));
        assert!(err(&with(b"eth0: 1 x 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")).contains("column 2"));
        assert!(err(&with(b"eth0: -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")).contains("column 1"));
        assert!(err(&with(b"eth0: 1.5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")).contains("column 1"));
        // one more than u64::MAX
        assert!(err(&with(
            b"eth0: 18446744073709551616 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        ))
        .contains("column 1"));
    }

    #[test]
    fn never_panics_on_prefixes() {
        let full = format!("{HEADER}  eth0: 22043790    1439    0    0    0     0          0         0   116830    1312    0    0    0     0       0          0\n");
        for i in 0..=full.len() {
            let _ = parse_net_dev(&full.as_bytes()[..i], Path::new("x"));
        }
    }
}
