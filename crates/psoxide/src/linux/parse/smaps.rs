//! `/proc/PID/smaps` and `/proc/PID/smaps_rollup`.

use super::num::{kb_bytes, key_value, trim};
use crate::error::{Error, Result};
use std::path::Path;

/// The per-mapping counters psutil reports, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmapsCounters {
    /// `Rss`.
    pub rss: u64,
    /// `Size`.
    pub size: u64,
    /// `Pss`.
    pub pss: u64,
    /// `Shared_Clean`.
    pub shared_clean: u64,
    /// `Shared_Dirty`.
    pub shared_dirty: u64,
    /// `Private_Clean`.
    pub private_clean: u64,
    /// `Private_Dirty`.
    pub private_dirty: u64,
    /// `Private_Hugetlb` (part of USS).
    pub private_hugetlb: u64,
    /// `Referenced`.
    pub referenced: u64,
    /// `Anonymous`.
    pub anonymous: u64,
    /// `Swap`.
    pub swap: u64,
    /// `SwapPss`: swapped-out pages divided among their sharers (Linux 4.3+).
    pub swap_pss: u64,
}

impl SmapsCounters {
    /// Adds another mapping's counters (saturating).
    pub fn add(&mut self, o: &SmapsCounters) {
        self.rss = self.rss.saturating_add(o.rss);
        self.size = self.size.saturating_add(o.size);
        self.pss = self.pss.saturating_add(o.pss);
        self.shared_clean = self.shared_clean.saturating_add(o.shared_clean);
        self.shared_dirty = self.shared_dirty.saturating_add(o.shared_dirty);
        self.private_clean = self.private_clean.saturating_add(o.private_clean);
        self.private_dirty = self.private_dirty.saturating_add(o.private_dirty);
        self.private_hugetlb = self.private_hugetlb.saturating_add(o.private_hugetlb);
        self.referenced = self.referenced.saturating_add(o.referenced);
        self.anonymous = self.anonymous.saturating_add(o.anonymous);
        self.swap = self.swap.saturating_add(o.swap);
        self.swap_pss = self.swap_pss.saturating_add(o.swap_pss);
    }

    /// Unique set size: the sum of the `Private_*` lines.
    pub fn uss(&self) -> u64 {
        self.private_clean
            .saturating_add(self.private_dirty)
            .saturating_add(self.private_hugetlb)
    }

    /// Records one `Key: N kB` line; unknown keys are ignored.
    fn set(&mut self, key: &[u8], v: u64) {
        match key {
            b"Rss" => self.rss = v,
            b"Size" => self.size = v,
            b"Pss" => self.pss = v,
            b"Shared_Clean" => self.shared_clean = v,
            b"Shared_Dirty" => self.shared_dirty = v,
            b"Private_Clean" => self.private_clean = v,
            b"Private_Dirty" => self.private_dirty = v,
            b"Private_Hugetlb" => self.private_hugetlb = v,
            b"Referenced" => self.referenced = v,
            b"Anonymous" => self.anonymous = v,
            b"Swap" => self.swap = v,
            b"SwapPss" => self.swap_pss = v,
            _ => {}
        }
    }
}

/// One mapping of `/proc/PID/smaps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmapsMapping<'a> {
    /// `start-end` in hex, as printed.
    pub addr: &'a [u8],
    /// The permission string, e.g. `r-xp`.
    pub perms: &'a [u8],
    /// The path (trimmed; may be a pseudo-path like `[heap]`; empty when anonymous).
    pub path: &'a [u8],
    /// The mapping's counters.
    pub counters: SmapsCounters,
}

/// True when a line is a mapping header (`start-end perms offset dev inode [path]`),
/// i.e. its first token is `hex-hex`.
fn is_header(line: &[u8]) -> bool {
    let first = line.split(|&c| c == b' ').next().unwrap_or(b"");
    match first.iter().position(|&c| c == b'-') {
        Some(i) if i > 0 && i + 1 < first.len() => {
            first[..i].iter().all(u8::is_ascii_hexdigit) && first[i + 1..].iter().all(u8::is_ascii_hexdigit)
        }
        _ => false,
    }
}

/// What [`visit`] finds in `smaps`, line by line.
enum Line<'a> {
    /// A mapping header: address range, permissions, path (trimmed, may be empty).
    Header(&'a [u8], &'a [u8], &'a [u8]),
    /// A counter line psoxide uses, with its value in bytes.
    Counter(&'a [u8], u64),
}

/// Walks `smaps` (or `smaps_rollup`) and hands each mapping header and each counter
/// line psoxide uses to `f`, in order. Lines whose value is not a number
/// (`VmFlags:`, `THPeligible:` ...) are skipped; a used counter whose value is not
/// `N kB`, a counter before the first header, or a header with fewer than five
/// tokens is an error naming `path`.
fn visit<'a>(data: &'a [u8], path: &Path, mut f: impl FnMut(Line<'a>)) -> Result<()> {
    let mut seen_header = false;
    for line in crate::util::split_lines(data) {
        if line.is_empty() {
            continue;
        }
        // The usual line, `Key:   N kB`, found without the header test: a letter
        // first and no whitespace before the colon (a header's first token, the
        // address range, cannot contain a colon).
        if let Some(c) = crate::util::find_byte(b':', line) {
            let k = &line[..c];
            if line[0].is_ascii_alphabetic() && !k.iter().any(u8::is_ascii_whitespace) {
                if !seen_header {
                    return Err(Error::parse(path, "counter line before the first mapping header"));
                }
                if is_counter(k) {
                    let v = &line[c + 1..];
                    let n = kb_bytes(v).ok_or_else(|| {
                        Error::parse(
                            path,
                            format!("{}: {:?}", String::from_utf8_lossy(k), String::from_utf8_lossy(trim(v))),
                        )
                    })?;
                    f(Line::Counter(k, n));
                }
                continue;
            }
        }
        if is_header(line) {
            // start-end perms offset dev inode [path...]: the path is everything after
            // the fifth token (it may contain spaces).
            let mut rest = line;
            let mut toks: [&[u8]; 5] = [&[]; 5];
            for t in toks.iter_mut() {
                let r = trim_start(rest);
                let end = r.iter().position(|&c| c == b' ').unwrap_or(r.len());
                *t = &r[..end];
                rest = &r[end..];
            }
            if toks[4].is_empty() {
                return Err(Error::parse(
                    path,
                    format!("mapping header: {:?}", String::from_utf8_lossy(line)),
                ));
            }
            seen_header = true;
            f(Line::Header(toks[0], toks[1], trim(rest)));
            continue;
        }
        let Some((k, v)) = key_value(line) else { continue };
        if !seen_header {
            return Err(Error::parse(path, "counter line before the first mapping header"));
        }
        if is_counter(k) {
            let n = kb_bytes(v).ok_or_else(|| {
                Error::parse(
                    path,
                    format!("{}: {:?}", String::from_utf8_lossy(k), String::from_utf8_lossy(v)),
                )
            })?;
            f(Line::Counter(k, n));
        }
    }
    Ok(())
}

/// Parses every mapping of `/proc/PID/smaps`. Lines whose value is not a number
/// (`VmFlags:`, `THPeligible:` ...) are ignored; a counter line psoxide uses whose
/// value is not `N kB` is an error.
pub fn parse_smaps<'a>(data: &'a [u8], path: &Path) -> Result<Vec<SmapsMapping<'a>>> {
    let mut out: Vec<SmapsMapping<'a>> = Vec::new();
    visit(data, path, |l| match l {
        Line::Header(addr, perms, path) => out.push(SmapsMapping {
            addr,
            perms,
            path,
            counters: SmapsCounters::default(),
        }),
        Line::Counter(k, n) => {
            if let Some(m) = out.last_mut() {
                m.counters.set(k, n);
            }
        }
    })?;
    Ok(out)
}

fn is_counter(k: &[u8]) -> bool {
    matches!(
        k,
        b"Rss"
            | b"Size"
            | b"Pss"
            | b"Shared_Clean"
            | b"Shared_Dirty"
            | b"Private_Clean"
            | b"Private_Dirty"
            | b"Private_Hugetlb"
            | b"Referenced"
            | b"Anonymous"
            | b"Swap"
            | b"SwapPss"
    )
}

fn trim_start(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    &b[i..]
}

/// Parses `/proc/PID/smaps_rollup` (one header, one set of counters) or sums every
/// mapping of `/proc/PID/smaps`: the totals used for `memory_footprint()`.
pub fn parse_smaps_totals(data: &[u8], path: &Path) -> Result<SmapsCounters> {
    // The mappings are summed as they are read (no list of them).
    let mut total = SmapsCounters::default();
    let mut cur = SmapsCounters::default();
    visit(data, path, |l| match l {
        Line::Header(..) => total.add(&std::mem::take(&mut cur)),
        Line::Counter(k, n) => cur.set(k, n),
    })?;
    total.add(&cur);
    Ok(total)
}

#[cfg(test)]
mod tests {

    #[test]
    fn rollup_swap_pss() {
        let d = b"55fd4f4c1000-7ffca5f23000 ---p 00000000 00:00 0                          [rollup]\nRss:                1612 kB\nPss:                 353 kB\nSwap:                  8 kB\nSwapPss:               3 kB\n";
        let t = parse_smaps_totals(d, Path::new("smaps_rollup")).unwrap();
        assert_eq!((t.pss, t.swap, t.swap_pss), (353 * 1024, 8 * 1024, 3 * 1024));
        assert!(parse_smaps_totals(b"0-1 r--p 0 0:0 0\nSwapPss: x kB\n", Path::new("smaps")).is_err());
    }

    use super::*;

    const SMAPS: &[u8] = b"55fd4f4c1000-55fd4f4c3000 r--p 00000000 fe:01 1234   /usr/bin/my prog (deleted)\n\
Size:                  8 kB\n\
KernelPageSize:        4 kB\n\
Rss:                   8 kB\n\
Pss:                   4 kB\n\
Shared_Clean:          4 kB\n\
Shared_Dirty:          0 kB\n\
Private_Clean:         4 kB\n\
Private_Dirty:         0 kB\n\
Referenced:            8 kB\n\
Anonymous:             0 kB\n\
Swap:                  0 kB\n\
Private_Hugetlb:       0 kB\n\
THPeligible:    0\n\
VmFlags: rd mr mw me sd\n\
7ffca5f02000-7ffca5f23000 rw-p 00000000 00:00 0                          [stack]\n\
Size:                132 kB\n\
Rss:                  12 kB\n\
Pss:                  12 kB\n\
Private_Dirty:        12 kB\n\
Anonymous:            12 kB\n\
Swap:                  4 kB\n\
7ffca5f24000-7ffca5f25000 rw-p 00000000 00:00 0 \n\
Size:                  4 kB\n\
Rss:                   4 kB\n";

    #[test]
    fn totals_equal_the_sum_of_the_mappings_and_odd_lines_take_the_general_path() {
        let p = Path::new("smaps");
        let mut sum = SmapsCounters::default();
        for m in parse_smaps(SMAPS, p).unwrap() {
            sum.add(&m.counters);
        }
        assert_eq!(parse_smaps_totals(SMAPS, p).unwrap(), sum);
        // Keys with whitespace before the colon, a tab, a value with trailing blanks:
        // the same as the general line rules (key and value trimmed).
        let odd = b"1000-2000 r--p 00000000 00:00 0  /a b\nRss :  4 kB\n\tPss:\t8 kB \nSwap:   1 kB  \nlower: 3 kB\n";
        let t = parse_smaps_totals(odd, p).unwrap();
        assert_eq!((t.rss, t.pss, t.swap), (4096, 8192, 1024));
        assert_eq!(parse_smaps(odd, p).unwrap()[0].path, b"/a b");
        // A counter before any header, on either path, and a bad value, name the file.
        for bad in [&b"Rss: 4 kB\n"[..], b" Rss: 4 kB\n", b"0-1 r--p 0 0:0 0\nRss: many kB\n"] {
            let e = parse_smaps_totals(bad, p).unwrap_err().to_string();
            assert!(e.contains("smaps"), "{e}");
        }
        let e = parse_smaps_totals(b"0-1 r--p 0 0:0 0\nPss:   x  \n", p).unwrap_err().to_string();
        assert!(e.contains("Pss: \"x\""), "{e}");
    }

    #[test]
    fn mappings() {
        let p = Path::new("/proc/1/smaps");
        let m = parse_smaps(SMAPS, p).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].addr, b"55fd4f4c1000-55fd4f4c3000");
        assert_eq!(m[0].perms, b"r--p");
        assert_eq!(m[0].path, b"/usr/bin/my prog (deleted)");
        assert_eq!(m[0].counters.rss, 8192);
        assert_eq!(m[0].counters.uss(), 4096);
        assert_eq!(m[1].path, b"[stack]");
        assert_eq!(m[1].counters.swap, 4096);
        assert_eq!(m[2].path, b"");
        let t = parse_smaps_totals(SMAPS, p).unwrap();
        assert_eq!(
            (t.rss, t.pss, t.swap, t.uss()),
            (24 * 1024, 16 * 1024, 4096, 16 * 1024)
        );
    }

    #[test]
    fn rollup() {
        let d = b"55fd4f4c1000-7ffca5f23000 ---p 00000000 00:00 0                          [rollup]\nRss:                1612 kB\nPss:                 353 kB\nPss_Dirty:           112 kB\nShared_Clean:       1448 kB\nPrivate_Clean:        52 kB\nPrivate_Dirty:       112 kB\nPrivate_Hugetlb:       0 kB\nSwap:                  8 kB\n";
        let t = parse_smaps_totals(d, Path::new("/proc/1/smaps_rollup")).unwrap();
        assert_eq!((t.uss(), t.pss, t.swap), (164 * 1024, 353 * 1024, 8 * 1024));
    }

    #[test]
    fn malformed() {
        let p = Path::new("/proc/9/smaps");
        assert!(parse_smaps(b"Rss: 4 kB\n", p)
            .unwrap_err()
            .to_string()
            .contains("/proc/9/smaps"));
        assert!(parse_smaps(b"0-1 r--p 0 00:00\n", p).is_err());
        assert!(parse_smaps(b"0-1 r--p 0 00:00 0\nRss: lots\n", p).is_err());
        assert!(parse_smaps(b"", p).unwrap().is_empty());
        for i in 0..SMAPS.len() {
            let _ = parse_smaps(&SMAPS[..i], p);
        }
    }
}
