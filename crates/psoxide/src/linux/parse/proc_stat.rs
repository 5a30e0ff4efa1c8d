//! `/proc/stat`: CPU tick counters, context switches, interrupts, boot time.
//!
//! One pass over the bytes, no allocation except the per-CPU vector when it is asked
//! for. Numbers are parsed straight from the bytes. Only the lines the caller asks for
//! ([`Want`]) are looked at, as psutil reads only the line each function needs: a bad
//! `ctxt` line fails `cpu_stats()`, not `boot_time()`. Lines this module does not use
//! (`processes`, `procs_running`, ...) are always skipped unchecked, and so is
//! everything after the first number of the long `intr` and `softirq` lines.

use super::num::show;
use crate::error::{Error, Result};
use crate::util::split_lines;
use std::path::Path;

/// The number of tick columns a `cpu` line has on kernels since 2.6.33:
/// user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice.
pub const CPU_COLUMNS: usize = 10;

/// The minimum number of columns accepted on a `cpu` line (user, nice, system, idle:
/// what every Linux kernel printed).
pub const CPU_MIN_COLUMNS: usize = 4;

/// The tick counters of one `cpu`/`cpuN` line, in the kernel's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CpuTicks {
    /// user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice
    /// (clock ticks); columns the kernel did not print are 0.
    pub ticks: [u64; CPU_COLUMNS],
    /// How many columns the line actually had (capped at [`CPU_COLUMNS`]; extra
    /// columns of a future kernel are ignored).
    pub columns: usize,
}

/// What was found in `/proc/stat`. A field is `None` when its line is absent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProcStat {
    /// The aggregate `cpu` line.
    pub cpu: Option<CpuTicks>,
    /// The `cpuN` lines in file order (only filled when asked for).
    pub cpus: Vec<CpuTicks>,
    /// `ctxt`: context switches since boot.
    pub ctxt: Option<u64>,
    /// First number of `intr`: interrupts serviced since boot.
    pub intr: Option<u64>,
    /// First number of `softirq`: soft interrupts serviced since boot.
    pub softirq: Option<u64>,
    /// `btime`: boot time, seconds since the epoch.
    pub btime: Option<u64>,
}

/// Which lines of `/proc/stat` [`parse_proc_stat`] looks at; the others are skipped
/// unchecked and their fields stay `None` (or empty). Combine with `|`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want(u8);

impl Want {
    /// The aggregate `cpu` line.
    pub const CPU: Want = Want(1);
    /// The `cpuN` lines.
    pub const CPUS: Want = Want(2);
    /// The `ctxt` line.
    pub const CTXT: Want = Want(4);
    /// The `intr` line.
    pub const INTR: Want = Want(8);
    /// The `softirq` line.
    pub const SOFTIRQ: Want = Want(16);
    /// The `btime` line.
    pub const BTIME: Want = Want(32);
    /// Every line this module parses.
    pub const ALL: Want = Want(63);

    /// True when every line of `other` is wanted here.
    pub fn contains(self, other: Want) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Want {
    type Output = Want;
    fn bitor(self, o: Want) -> Want {
        Want(self.0 | o.0)
    }
}

/// Parses an unsigned decimal number made only of ASCII digits.
fn number(tok: &[u8]) -> Option<u64> {
    if tok.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in tok {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

fn is_blank(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

/// Splits a line into whitespace-separated tokens without allocating.
fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(is_blank).filter(|t| !t.is_empty())
}

fn first_number(rest: &[u8], path: &Path, label: &str) -> Result<u64> {
    let tok = tokens(rest).next().unwrap_or(&[]);
    number(tok).ok_or_else(|| {
        Error::parse(
            path,
            format!("'{label}' line: expected a number, got {:?}", show(tok)),
        )
    })
}

fn cpu_line(label: &[u8], rest: &[u8], path: &Path) -> Result<CpuTicks> {
    let mut t = CpuTicks::default();
    for tok in tokens(rest) {
        let v = number(tok).ok_or_else(|| {
            Error::parse(
                path,
                format!(
                    "'{}' line, column {}: expected a tick count, got {:?}",
                    show(label),
                    t.columns + 1,
                    show(tok)
                ),
            )
        })?;
        if t.columns < CPU_COLUMNS {
            t.ticks[t.columns] = v;
            t.columns += 1;
        }
    }
    if t.columns < CPU_MIN_COLUMNS {
        return Err(Error::parse(
            path,
            format!(
                "'{}' line: {} tick columns, expected at least {CPU_MIN_COLUMNS}",
                show(label),
                t.columns
            ),
        ));
    }
    Ok(t)
}

/// Parses the lines of `/proc/stat` that `want` names into a [`ProcStat`]; the others
/// are skipped unchecked.
///
/// Errors (naming `path`), for wanted lines only: numbers that are not decimal digits
/// or overflow `u64`, a `cpu` line with fewer than 4 columns, and a last line without
/// its newline (the file was cut there, so its last number may be cut too). Missing
/// lines are not errors here: the callers decide (see [`ProcStat`]).
pub fn parse_proc_stat(bytes: &[u8], path: &Path, want: Want) -> Result<ProcStat> {
    let mut out = ProcStat::default();
    let (body, cut) = match bytes.split_last() {
        None => return Ok(out),
        Some((b'\n', body)) => (body, false),
        Some(_) => (bytes, true),
    };
    let mut lines = split_lines(body).peekable();
    while let Some(line) = lines.next() {
        let label_end = line.iter().position(is_blank).unwrap_or(line.len());
        let (label, rest) = line.split_at(label_end);
        let field = match label {
            b"cpu" if out.cpu.is_none() => Want::CPU,
            b"ctxt" => Want::CTXT,
            b"intr" => Want::INTR,
            b"softirq" => Want::SOFTIRQ,
            b"btime" => Want::BTIME,
            _ if label.len() > 3 && label.starts_with(b"cpu") && label[3..].iter().all(u8::is_ascii_digit) => {
                Want::CPUS
            }
            _ => continue,
        };
        if !want.contains(field) {
            continue;
        }
        if cut && lines.peek().is_none() {
            return Err(Error::parse(
                path,
                format!("'{}' line: truncated (the last line has no newline)", show(label)),
            ));
        }
        match field {
            Want::CPU => out.cpu = Some(cpu_line(label, rest, path)?),
            Want::CTXT => out.ctxt = Some(first_number(rest, path, "ctxt")?),
            Want::INTR => out.intr = Some(first_number(rest, path, "intr")?),
            Want::SOFTIRQ => out.softirq = Some(first_number(rest, path, "softirq")?),
            Want::BTIME => out.btime = Some(first_number(rest, path, "btime")?),
            _ => out.cpus.push(cpu_line(label, rest, path)?),
        }
    }
    Ok(out)
}

/// Counts the `cpuN` lines of `/proc/stat` (psutil's last-resort logical CPU count).
/// Does not validate the numbers.
pub fn count_cpu_lines(bytes: &[u8]) -> u32 {
    let n = bytes
        .split(|&b| b == b'\n')
        .filter(|l| l.len() > 3 && l.starts_with(b"cpu") && l[3].is_ascii_digit())
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/proc/stat";

    const MODERN: &str = "cpu  5339 0 1169 70817 174 0 36 24 0 0
cpu0 2938 0 604 35143 70 0 12 14 0 0
cpu1 2400 0 565 35674 103 0 23 10 0 0
intr 105486 0 0 0 12
ctxt 198653
btime 1795725336
processes 5306
procs_running 4
procs_blocked 0
softirq 54894 0 7857 4
";

    const NOT_PERCPU: Want = Want(Want::ALL.0 & !Want::CPUS.0);

    /// Every line, with or without the per-CPU ones.
    fn parse(s: &str, percpu: bool) -> Result<ProcStat> {
        let want = if percpu { Want::ALL } else { NOT_PERCPU };
        parse_proc_stat(s.as_bytes(), Path::new(P), want)
    }

    #[test]
    fn modern_kernel() {
        let st = parse(MODERN, true).unwrap();
        let cpu = st.cpu.unwrap();
        assert_eq!(cpu.ticks, [5339, 0, 1169, 70817, 174, 0, 36, 24, 0, 0]);
        assert_eq!(cpu.columns, 10);
        assert_eq!(st.cpus.len(), 2);
        assert_eq!(st.cpus[1].ticks, [2400, 0, 565, 35674, 103, 0, 23, 10, 0, 0]);
        assert_eq!(st.ctxt, Some(198653));
        assert_eq!(st.intr, Some(105486));
        assert_eq!(st.softirq, Some(54894));
        assert_eq!(st.btime, Some(1795725336));
        let st = parse(MODERN, false).unwrap();
        assert!(st.cpus.is_empty());
        assert_eq!(count_cpu_lines(MODERN.as_bytes()), 2);
    }

    #[test]
    fn old_kernels_have_fewer_columns() {
        // 2.6.9: 7 columns, 2.6.18: 8 columns; 2.4: 4 columns.
        let st = parse("cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\n", true).unwrap();
        assert_eq!(st.cpu.unwrap().columns, 7);
        assert_eq!(st.cpu.unwrap().ticks, [1, 2, 3, 4, 5, 6, 7, 0, 0, 0]);
        assert_eq!(st.cpus[0].columns, 7);
        let st = parse("cpu 1 2 3 4 5 6 7 8\n", false).unwrap();
        assert_eq!(st.cpu.unwrap().ticks, [1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
        let st = parse("cpu 1 2 3 4\n", false).unwrap();
        assert_eq!(st.cpu.unwrap().columns, 4);
        assert_eq!(st.btime, None);
    }

    #[test]
    fn extra_columns_ignored_tabs_accepted() {
        let st = parse("cpu\t1 2 3 4 5 6 7 8 9 10 11 12\n", false).unwrap();
        assert_eq!(st.cpu.unwrap().ticks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(st.cpu.unwrap().columns, 10);
    }

    #[test]
    fn empty_file_has_nothing() {
        assert_eq!(parse("", true).unwrap(), ProcStat::default());
    }

    #[test]
    fn truncated_mid_line() {
        for cut in [MODERN.len() - 1, 10, 60, MODERN.find("btime").unwrap() + 8] {
            let e = parse(&MODERN[..cut], true).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{e}");
            assert!(e.to_string().contains(P), "{e}");
            assert!(e.to_string().contains("truncated"), "{e}");
        }
        // Only the cut line is in doubt: a caller that does not want it is not failed.
        let cut = &MODERN[..MODERN.find("btime").unwrap() + 8];
        let st = parse_proc_stat(cut.as_bytes(), Path::new(P), Want::CPU | Want::CTXT).unwrap();
        assert_eq!(st.ctxt, Some(198653));
        assert_eq!(st.btime, None);
        let e = parse_proc_stat(cut.as_bytes(), Path::new(P), Want::BTIME).unwrap_err();
        assert!(e.to_string().contains("'btime' line: truncated"), "{e}");
    }

    #[test]
    fn each_caller_fails_only_on_its_own_lines() {
        // A bad ctxt line fails cpu_stats (CTXT), not boot_time (BTIME) or cpu_times
        // (CPU); a bad cpu0 line fails only the per-CPU times.
        let bad_ctxt = MODERN.replace("ctxt 198653", "ctxt 99999999999999999999999");
        let path = Path::new(P);
        let b = bad_ctxt.as_bytes();
        let e = parse_proc_stat(b, path, Want::CTXT | Want::INTR | Want::SOFTIRQ).unwrap_err();
        assert!(e.to_string().contains("'ctxt' line"), "{e}");
        let st = parse_proc_stat(b, path, Want::BTIME).unwrap();
        assert_eq!((st.btime, st.ctxt, st.cpu), (Some(1795725336), None, None));
        assert!(parse_proc_stat(b, path, Want::CPU).unwrap().cpu.is_some());
        let bad_cpu0 = MODERN.replace("cpu0 2938", "cpu0 x");
        let b = bad_cpu0.as_bytes();
        assert!(parse_proc_stat(b, path, Want::CPUS).is_err());
        let st = parse_proc_stat(b, path, NOT_PERCPU).unwrap();
        assert_eq!(st.cpu.unwrap().ticks[0], 5339);
        assert!(st.cpus.is_empty());
        // Nothing wanted: nothing looked at.
        assert_eq!(
            parse_proc_stat(b"garbage\xff", path, Want(0)).unwrap(),
            ProcStat::default()
        );
    }

    #[test]
    fn garbage_numbers() {
        for bad in [
            "cpu  1 2 x 4\n",
            "cpu  1 2 -3 4\n",
            "cpu  1 2 3\n",
            "cpu\n",
            "cpu 1 2 3 99999999999999999999999\n",
            "cpu 1 2 3 4\nbtime abc\n",
            "cpu 1 2 3 4\nbtime\n",
            "cpu 1 2 3 4\nctxt 1.5\n",
            "cpu 1 2 3 4\nintr\n",
            "cpu 1 2 3 4\nsoftirq -1 2\n",
        ] {
            let e = parse(bad, false).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }), "{bad:?}: {e}");
            assert!(e.to_string().contains(P), "{e}");
        }
        let e = parse("cpu 1 2 3 4\ncpu0 1 2 3 4 z\n", true).unwrap_err();
        assert!(e.to_string().contains("cpu0"), "{e}");
        // Per-CPU lines are not looked at when not asked for.
        assert!(parse("cpu 1 2 3 4\ncpu0 1 2 3 4 z\n", false).is_ok());
    }

    #[test]
    fn non_utf8_and_odd_labels() {
        let st = parse_proc_stat(
            b"cpu 1 2 3 4\n\xff\xfe 1 2\ncpux 1\ncpu 9 9 9 9\n\n",
            Path::new(P),
            Want::ALL,
        )
        .unwrap();
        assert_eq!(st.cpu.unwrap().ticks[0], 1, "the first cpu line wins");
        assert!(st.cpus.is_empty());
        let e = parse_proc_stat(b"cpu 1 2 3 \xff\n", Path::new(P), Want::CPU).unwrap_err();
        assert!(matches!(e, Error::Parse { .. }));
    }
}
