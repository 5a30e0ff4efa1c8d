//! `/proc/diskstats` and `/sys/block/<dev>[/<part>]/stat`: per-device I/O counters.
//!
//! `/proc/diskstats` has had several layouts; the number of whitespace-separated
//! columns says which one a line uses (1-based columns):
//!
//! * 14 columns (2.6+) or 18 and more (4.18 added 4 discard columns, 5.5 two flush
//!   columns): `major minor name` then reads, reads merged, sectors read, ms reading,
//!   writes, writes merged, sectors written, ms writing, in flight, ms doing I/O,
//!   weighted ms, ...; columns 4-11 and 13 are used.
//! * 7 columns (2.6-era partition lines): `major minor name reads sectors-read writes
//!   sectors-written`; times, merges and busy time are 0.
//! * 15 columns (2.4): `major minor ? name`, with the read count in column 3 and the
//!   other values in columns 5-14 in the usual order.
//!
//! Any other width is an error naming the file and the line (psutil: `ValueError`).
//! Device names are decoded lossily from bytes (they are ASCII on every real kernel).

use crate::error::{Error, Result};
use crate::util::split_lines;
use std::path::Path;

/// One device line, raw: counts, 512-byte sectors and milliseconds, as in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskStatLine {
    /// Kernel device name (`sda`, `sda1`, `nvme0n1p1`, `dm-0`, `loop0`).
    pub name: String,
    /// Completed reads (count).
    pub reads: u64,
    /// Completed writes (count).
    pub writes: u64,
    /// Sectors read (512-byte units, whatever the device's sector size).
    pub read_sectors: u64,
    /// Sectors written (512-byte units).
    pub write_sectors: u64,
    /// Time spent reading (ms).
    pub read_time: u64,
    /// Time spent writing (ms).
    pub write_time: u64,
    /// Reads merged with adjacent ones (count).
    pub reads_merged: u64,
    /// Writes merged with adjacent ones (count).
    pub writes_merged: u64,
    /// Time the device had I/O in flight (ms).
    pub busy_time: u64,
}

/// `str::parse::<u64>` on bytes (an optional `+`, then one or more ASCII digits; no
/// overflow), without the UTF-8 check.
fn dec_u64(tok: &[u8]) -> Option<u64> {
    let digits = tok.strip_prefix(b"+").unwrap_or(tok);
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

fn num(tok: &[u8], path: &Path, lineno: usize, col: usize) -> Result<u64> {
    dec_u64(tok).ok_or_else(|| {
        Error::parse(
            path,
            format!(
                "line {lineno}: column {col}: expected an integer, got {:?}",
                String::from_utf8_lossy(tok)
            ),
        )
    })
}

/// Parses the bytes of `/proc/diskstats` (read from `path`, used only in errors) into
/// one record per line, in file order.
pub fn parse_diskstats(bytes: &[u8], path: &Path) -> Result<Vec<DiskStatLine>> {
    let mut out = Vec::new();
    visit_diskstats(bytes, path, |name, mut rec| {
        rec.name = String::from_utf8_lossy(name).into_owned();
        out.push(rec);
        Ok(())
    })?;
    Ok(out)
}

/// Like [`parse_diskstats`], without allocating: for each line in file order calls
/// `f(name, record)` with the raw name bytes and a record whose `name` is empty. The
/// first error (of the file, or returned by `f`) stops the walk and is returned.
pub fn visit_diskstats<'a>(
    bytes: &'a [u8],
    path: &Path,
    mut f: impl FnMut(&'a [u8], DiskStatLine) -> Result<()>,
) -> Result<()> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Ok(());
    }
    for (i, line) in split_lines(body).enumerate() {
        let lineno = i + 1;
        // The first 15 tokens are kept (no layout uses more); all are counted.
        let mut toks: [&'a [u8]; 15] = [&[]; 15];
        let mut width = 0usize;
        for t in line.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()) {
            if let Some(slot) = toks.get_mut(width) {
                *slot = t;
            }
            width += 1;
        }
        let n = |col: usize| -> Result<u64> {
            // `col` is 1-based; every caller checked the width first.
            match toks.get(col - 1) {
                Some(t) if col <= width => num(t, path, lineno, col),
                _ => Err(Error::parse(path, format!("line {lineno}: column {col} missing"))),
            }
        };
        let (name, rec) = match width {
            15 => (
                toks[3],
                DiskStatLine {
                    name: String::new(),
                    reads: n(3)?,
                    reads_merged: n(5)?,
                    read_sectors: n(6)?,
                    read_time: n(7)?,
                    writes: n(8)?,
                    writes_merged: n(9)?,
                    write_sectors: n(10)?,
                    write_time: n(11)?,
                    busy_time: n(13)?,
                },
            ),
            w if w == 14 || w >= 18 => (
                toks[2],
                DiskStatLine {
                    name: String::new(),
                    reads: n(4)?,
                    reads_merged: n(5)?,
                    read_sectors: n(6)?,
                    read_time: n(7)?,
                    writes: n(8)?,
                    writes_merged: n(9)?,
                    write_sectors: n(10)?,
                    write_time: n(11)?,
                    busy_time: n(13)?,
                },
            ),
            7 => (
                toks[2],
                DiskStatLine {
                    name: String::new(),
                    reads: n(4)?,
                    read_sectors: n(5)?,
                    writes: n(6)?,
                    write_sectors: n(7)?,
                    ..DiskStatLine::default()
                },
            ),
            w => {
                return Err(Error::parse(
                    path,
                    format!(
                        "line {lineno}: expected 7, 14, 15 or at least 18 columns, got {w}: {:?}",
                        String::from_utf8_lossy(line)
                    ),
                ))
            }
        };
        f(name, rec)?;
    }
    Ok(())
}

/// Parses a sysfs block `stat` file (`/sys/block/sda/stat`, `/sys/block/sda/sda1/stat`)
/// for the device called `name`: the columns of `/proc/diskstats` without
/// `major minor name`; the first 10 are used (at least 10 are required).
pub fn parse_sysfs_block_stat(bytes: &[u8], path: &Path, name: &str) -> Result<DiskStatLine> {
    let f: Vec<&[u8]> = bytes
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    if f.len() < 10 {
        return Err(Error::parse(
            path,
            format!(
                "expected at least 10 columns, got {}: {:?}",
                f.len(),
                String::from_utf8_lossy(bytes)
            ),
        ));
    }
    let mut v = [0u64; 10];
    for (i, slot) in v.iter_mut().enumerate() {
        // f.len() >= 10 was checked above.
        *slot = num(f[i], path, 1, i + 1)?;
    }
    Ok(DiskStatLine {
        name: name.to_string(),
        reads: v[0],
        reads_merged: v[1],
        read_sectors: v[2],
        read_time: v[3],
        writes: v[4],
        writes_merged: v[5],
        write_sectors: v[6],
        write_time: v[7],
        busy_time: v[9],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<DiskStatLine>> {
        parse_diskstats(s.as_bytes(), Path::new("/proc/diskstats"))
    }

    #[test]
    fn modern_20_columns() {
        let v = p(" 254       0 vda 5606 3048 1373714 3463 1352 10197 865400 2212 0 1916 5838 3425 3 41744 161 38 1\n")
            .unwrap();
        assert_eq!(
            v,
            vec![DiskStatLine {
                name: "vda".into(),
                reads: 5606,
                reads_merged: 3048,
                read_sectors: 1373714,
                read_time: 3463,
                writes: 1352,
                writes_merged: 10197,
                write_sectors: 865400,
                write_time: 2212,
                busy_time: 1916,
            }]
        );
    }

    #[test]
    fn widths_14_18_7_15() {
        let v = p("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n\
                   8 0 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n\
                   8 1 sda1 21 22 23 24\n\
                   3 0 8 hda 31 32 33 34 35 36 37 38 39 40 41")
        .unwrap();
        assert_eq!(v.len(), 4);
        let a = &v[0];
        assert_eq!(
            (
                a.reads,
                a.reads_merged,
                a.read_sectors,
                a.read_time,
                a.writes,
                a.writes_merged
            ),
            (1, 2, 3, 4, 5, 6)
        );
        assert_eq!((a.write_sectors, a.write_time, a.busy_time), (7, 8, 10));
        assert_eq!(v[1].busy_time, 10);
        let b = &v[2];
        assert_eq!(
            (
                b.name.as_str(),
                b.reads,
                b.read_sectors,
                b.writes,
                b.write_sectors
            ),
            ("sda1", 21, 22, 23, 24)
        );
        assert_eq!(
            (
                b.read_time,
                b.write_time,
                b.reads_merged,
                b.writes_merged,
                b.busy_time
            ),
            (0, 0, 0, 0, 0)
        );
        let c = &v[3];
        assert_eq!(
            (c.name.as_str(), c.reads, c.reads_merged, c.read_sectors),
            ("hda", 8, 31, 32)
        );
        assert_eq!((c.write_sectors, c.write_time, c.busy_time), (36, 37, 39));
    }

    #[test]
    fn numbers_parse_like_str_parse() {
        for t in [
            "0",
            "+0",
            "+",
            "",
            "-1",
            "18446744073709551615",
            "18446744073709551616",
            "12a",
            "١",
            "007",
            "99999999999999999999999",
        ] {
            assert_eq!(dec_u64(t.as_bytes()), t.parse::<u64>().ok(), "{t:?}");
        }
    }

    #[test]
    fn empty() {
        assert!(p("").unwrap().is_empty());
        assert!(p("\n").unwrap().is_empty());
    }

    #[test]
    fn bad_widths_and_values() {
        for bad in [
            "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n", // 15: 2.4 layout, column 3 must be a count
            "8 0 sda 1 2 3 4 5 6 7 8\n",            // 11
            "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13\n", // 16
            "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n", // 17
            "8 0 sda 1 2 3\n",                      // truncated
            "8 0 sda x 2 3 4\n",
            "8 0 sda1 -1 2 3 4\n",
            "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n\n8 0 sdb 1 2 3 4\n", // blank line
            "garbage\n",
        ] {
            let e = p(bad).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{bad:?}");
            let s = e.to_string();
            assert!(s.contains("/proc/diskstats") && s.contains("line "), "{s}");
        }
    }

    #[test]
    fn sysfs_stat() {
        let s = "    5606     3048  1373714     3463     1352    10197   865400     2212        0     1916     5838\n";
        let d = parse_sysfs_block_stat(s.as_bytes(), Path::new("/sys/block/vda/stat"), "vda").unwrap();
        assert_eq!(
            (d.reads, d.read_sectors, d.write_sectors, d.busy_time),
            (5606, 1373714, 865400, 1916)
        );
        assert_eq!(d.name, "vda");
        assert!(parse_sysfs_block_stat(b"1 2 3", Path::new("x"), "a").is_err());
        assert!(parse_sysfs_block_stat(b"1 2 3 4 5 6 7 8 9 z", Path::new("x"), "a").is_err());
        assert!(parse_sysfs_block_stat(b"", Path::new("x"), "a").is_err());
    }
}
