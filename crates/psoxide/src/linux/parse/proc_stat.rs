//! `/proc/stat`: CPU tick counters, context switches, interrupts, boot time.
//!
//! One pass over the bytes, no allocation except the per-CPU vector when it is asked
//! for. Numbers are parsed straight from the bytes. Lines this module does not use
//! (`processes`, `procs_running`, ...) are skipped unchecked; so are the per-CPU lines
//! when they are not asked for, and everything after the first number of the long
//! `intr` and `softirq` lines.

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

/// Parses `/proc/stat`. With `percpu` the `cpuN` lines are parsed into
/// [`ProcStat::cpus`]; otherwise they are skipped.
///
/// Errors (naming `path`): a file that does not end with a newline (it was cut
/// mid-line), a used line whose numbers are not decimal digits or overflow `u64`, a
/// `cpu` line with fewer than 4 columns. Missing lines are not errors here: the
/// callers decide (see [`ProcStat`]).
pub fn parse_proc_stat(bytes: &[u8], path: &Path, percpu: bool) -> Result<ProcStat> {
    let mut out = ProcStat::default();
    let body = match bytes.split_last() {
        None => return Ok(out),
        Some((b'\n', body)) => body,
        Some(_) => return Err(Error::parse(path, "truncated data: the last line has no newline")),
    };
    for line in split_lines(body) {
        let label_end = line.iter().position(is_blank).unwrap_or(line.len());
        let (label, rest) = line.split_at(label_end);
        match label {
            b"cpu" if out.cpu.is_none() => out.cpu = Some(cpu_line(label, rest, path)?),
            b"ctxt" => out.ctxt = Some(first_number(rest, path, "ctxt")?),
            b"intr" => out.intr = Some(first_number(rest, path, "intr")?),
            b"softirq" => out.softirq = Some(first_number(rest, path, "softirq")?),
            b"btime" => out.btime = Some(first_number(rest, path, "btime")?),
            _ if percpu
                && label.len() > 3
                && label.starts_with(b"cpu")
                && label[3..].iter().all(u8::is_ascii_digit) =>
            {
                out.cpus.push(cpu_line(label, rest, path)?);
            }
            _ => {}
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

    fn parse(s: &str, percpu: bool) -> Result<ProcStat> {
        parse_proc_stat(s.as_bytes(), Path::new(P), percpu)
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
        }
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
            true,
        )
        .unwrap();
        assert_eq!(st.cpu.unwrap().ticks[0], 1, "the first cpu line wins");
        assert!(st.cpus.is_empty());
        let e = parse_proc_stat(b"cpu 1 2 3 \xff\n", Path::new(P), false).unwrap_err();
        assert!(matches!(e, Error::Parse { .. }));
    }
}
