//! `/proc/PID/stat` and `/proc/PID/task/TID/stat`.
//!
//! The command name (field 2) is whatever lies between the first `(` and the last `)`:
//! it may itself contain spaces, parentheses and any byte except NUL. The fields after
//! the last `)` are separated by single spaces. Field numbers below are proc(5)'s.
//!
//! Only the shape is required (the parentheses and at least 20 fields after them); a
//! field that is not a valid number is recorded in [`PidStat::bad`] and fails only the
//! values that need it (psutil converts each field when a function uses it), so that a
//! bad `utime` of one process fails its `cpu_times()`, not every process's
//! `children()`.

use super::field_errors::FieldErrors;
use super::num::{i64_dec, u64_dec};
use crate::error::{Error, Result};
use std::path::Path;

/// The bit of each numeric field in [`PidStat::bad`]: `1 << n` for proc(5)'s field n.
pub mod field {
    /// Field 3, `state`.
    pub const STATE: u64 = 1 << 3;
    /// Field 4, `ppid`.
    pub const PPID: u64 = 1 << 4;
    /// Field 7, `tty_nr`.
    pub const TTY_NR: u64 = 1 << 7;
    /// Field 9, `flags`.
    pub const FLAGS: u64 = 1 << 9;
    /// Field 10, `minflt`.
    pub const MINFLT: u64 = 1 << 10;
    /// Field 12, `majflt`.
    pub const MAJFLT: u64 = 1 << 12;
    /// Field 14, `utime`.
    pub const UTIME: u64 = 1 << 14;
    /// Field 15, `stime`.
    pub const STIME: u64 = 1 << 15;
    /// Field 16, `cutime`.
    pub const CUTIME: u64 = 1 << 16;
    /// Field 17, `cstime`.
    pub const CSTIME: u64 = 1 << 17;
    /// Field 18, `priority`.
    pub const PRIORITY: u64 = 1 << 18;
    /// Field 19, `nice`.
    pub const NICE: u64 = 1 << 19;
    /// Field 20, `num_threads`.
    pub const NUM_THREADS: u64 = 1 << 20;
    /// Field 22, `starttime`: half of a process's identity.
    pub const STARTTIME: u64 = 1 << 22;
    /// Field 23, `vsize`.
    pub const VSIZE: u64 = 1 << 23;
    /// Field 24, `rss`.
    pub const RSS: u64 = 1 << 24;
    /// Field 39, `processor`.
    pub const PROCESSOR: u64 = 1 << 39;
    /// Field 42, `delayacct_blkio_ticks`.
    pub const DELAYACCT: u64 = 1 << 42;
}

/// The fields of `/proc/PID/stat` that psoxide uses. Times are in clock ticks. A field
/// listed in [`bad`](PidStat::bad) holds 0 (or `None`): check the fields a value needs
/// with `bad.check(field::X | field::Y, path)` before using them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PidStat<'a> {
    /// Field 2, the kernel's `comm` (at most 15 bytes, may not be UTF-8).
    pub comm: &'a [u8],
    /// Field 3, the state letter (`R`, `S`, `D`, `Z`, ...).
    pub state: u8,
    /// Field 4, the parent's PID (0 for PID 1 and kernel threads' parent kthreadd).
    pub ppid: i64,
    /// Field 7, the controlling terminal's device number (0: none).
    pub tty_nr: i64,
    /// Field 9, the kernel's `PF_*` flags (`PF_KTHREAD` = 0x0020_0000 marks kernel threads).
    pub flags: u64,
    /// Field 10, minor page faults (count).
    pub minflt: u64,
    /// Field 12, major page faults (count).
    pub majflt: u64,
    /// Field 14, user-mode time (ticks).
    pub utime: u64,
    /// Field 15, kernel-mode time (ticks).
    pub stime: u64,
    /// Field 16, waited-for children's user time (ticks; negative values read as 0).
    pub cutime: u64,
    /// Field 17, waited-for children's kernel time (ticks; negative values read as 0).
    pub cstime: u64,
    /// Field 18, scheduling priority as the kernel prints it.
    pub priority: i64,
    /// Field 19, nice value (-20..19).
    pub nice: i64,
    /// Field 20, number of threads.
    pub num_threads: i64,
    /// Field 22, start time after boot (ticks): half of the process's identity.
    pub starttime: u64,
    /// Field 23, virtual memory size (bytes).
    pub vsize: u64,
    /// Field 24, resident set size (pages; the kernel's approximate counter).
    pub rss: i64,
    /// Field 39, the CPU the task last ran on (absent on very old kernels; 0 when bad).
    pub processor: Option<i64>,
    /// Field 42, aggregated block I/O delay (ticks; absent before 2.6.18; 0 when bad).
    pub delayacct_blkio_ticks: Option<u64>,
    /// The fields whose text is not a valid number (bits of [`field`]).
    pub bad: FieldErrors,
}

fn desc(i: usize, name: &str, tok: &[u8]) -> String {
    format!("field {} ({name}): {:?}", i + 3, String::from_utf8_lossy(tok))
}

/// Field `i + 3` as an unsigned number; 0 and a recorded error when it is not one.
fn unsigned(f: &[&[u8]], i: usize, bit: u64, name: &str, bad: &mut FieldErrors) -> u64 {
    u64_dec(f[i]).unwrap_or_else(|| {
        bad.push(bit, desc(i, name, f[i]));
        0
    })
}

/// Field `i + 3` as a signed number; 0 and a recorded error when it is not one.
fn signed(f: &[&[u8]], i: usize, bit: u64, name: &str, bad: &mut FieldErrors) -> i64 {
    i64_dec(f[i]).unwrap_or_else(|| {
        bad.push(bit, desc(i, name, f[i]));
        0
    })
}

/// Splits `rest` at runs of ASCII whitespace into `f` (at most `f.len()` fields);
/// returns how many.
fn split_fields<'a>(rest: &'a [u8], f: &mut [&'a [u8]; 40]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while n < f.len() {
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == rest.len() {
            break;
        }
        let start = i;
        while i < rest.len() && !rest[i].is_ascii_whitespace() {
            i += 1;
        }
        f[n] = &rest[start..i];
        n += 1;
    }
    n
}

/// [`split_fields`] for the kernel's own layout, found with one vector search for the
/// spaces: one space before each field and a newline at the end, no other
/// whitespace. `None` (nothing decided) for any other layout, which
/// [`split_fields`] then splits.
fn split_kernel_fields<'a>(rest: &'a [u8], f: &mut [&'a [u8]; 40]) -> Option<usize> {
    let body = rest.strip_prefix(b" ")?;
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    // No whitespace but the separating spaces: the others (tab, newline, form feed,
    // carriage return) are all at most `\r`, and so are most control bytes, which
    // are declined too (a branch-free pass the compiler vectorises).
    let odd = body.iter().fold(false, |acc, &c| acc | (c <= b'\r'));
    if odd || body.is_empty() {
        return None;
    }
    let mut n = 0;
    let mut start = 0;
    let mut empty = false;
    crate::util::ByteFinder::new(b' ').each(body, |i| {
        if i == start {
            empty = true;
            return false;
        }
        f[n] = &body[start..i];
        n += 1;
        start = i + 1;
        n < f.len()
    });
    if empty {
        return None;
    }
    if n < f.len() {
        if start == body.len() {
            // A space at the end: an empty last field.
            return None;
        }
        f[n] = &body[start..];
        n += 1;
    }
    Some(n)
}

/// Parses the bytes of a `/proc/PID/stat` file. Errors (naming `path`) only for its
/// shape: no `(`, no `)` after it, fewer than 20 fields after the `)`. Bad fields are
/// recorded in [`PidStat::bad`].
pub fn parse_pid_stat<'a>(data: &'a [u8], path: &Path) -> Result<PidStat<'a>> {
    let open = crate::util::find_byte(b'(', data).ok_or_else(|| Error::parse(path, "comm: no '(' found"))?;
    let close = crate::util::rfind_byte(b')', data)
        .filter(|&c| c > open)
        .ok_or_else(|| Error::parse(path, "comm: no ')' after '('"))?;
    let comm = &data[open + 1..close];
    let rest = &data[close + 1..];
    // After ')' come fields 3, 4, 5, ...; f[i] is field i + 3. The kernel separates
    // them with single spaces; any run of ASCII whitespace is accepted.
    let mut f: [&[u8]; 40] = [&[]; 40];
    let n = match split_kernel_fields(rest, &mut f) {
        Some(n) => n,
        None => split_fields(rest, &mut f),
    };
    // Field 22 (starttime) is the last one psoxide requires.
    if n < 20 {
        return Err(Error::parse(
            path,
            format!("only {} fields after the command name, need at least 20", n),
        ));
    }
    let mut bad = FieldErrors::default();
    let b = &mut bad;
    let state = match f[0] {
        [c] => *c,
        other => {
            b.push(field::STATE, desc(0, "state", other));
            0
        }
    };
    let s = PidStat {
        comm,
        state,
        ppid: signed(&f, 1, field::PPID, "ppid", b),
        tty_nr: signed(&f, 4, field::TTY_NR, "tty_nr", b),
        flags: unsigned(&f, 6, field::FLAGS, "flags", b),
        minflt: unsigned(&f, 7, field::MINFLT, "minflt", b),
        majflt: unsigned(&f, 9, field::MAJFLT, "majflt", b),
        utime: unsigned(&f, 11, field::UTIME, "utime", b),
        stime: unsigned(&f, 12, field::STIME, "stime", b),
        cutime: signed(&f, 13, field::CUTIME, "cutime", b).max(0) as u64,
        cstime: signed(&f, 14, field::CSTIME, "cstime", b).max(0) as u64,
        priority: signed(&f, 15, field::PRIORITY, "priority", b),
        nice: signed(&f, 16, field::NICE, "nice", b),
        num_threads: signed(&f, 17, field::NUM_THREADS, "num_threads", b),
        starttime: unsigned(&f, 19, field::STARTTIME, "starttime", b),
        vsize: if n > 20 { unsigned(&f, 20, field::VSIZE, "vsize", b) } else { 0 },
        rss: if n > 21 { signed(&f, 21, field::RSS, "rss", b) } else { 0 },
        processor: (n > 36).then(|| signed(&f, 36, field::PROCESSOR, "processor", b)),
        delayacct_blkio_ticks: (n > 39)
            .then(|| unsigned(&f, 39, field::DELAYACCT, "delayacct_blkio_ticks", b)),
        bad: FieldErrors::default(),
    };
    Ok(PidStat { bad, ..s })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAT: &[u8] = b"7074 (cat) R 7072 7072 1047 34816 -1 4194304 100 0 2 0 5 3 0 0 20 0 1 0 47420 3133440 387 18446744073709551615 94120673009664 94120673029545 140726926880976 0 0 0 0 0 0 0 0 0 17 1 0 0 7 0 0 94120673045552 94120673047168 94120856440832 140726926887648 140726926887668 140726926887668 140726926888939 0\n";

    fn p() -> &'static Path {
        Path::new("/proc/7074/stat")
    }

    #[test]
    fn parses_a_real_line() {
        let s = parse_pid_stat(CAT, p()).unwrap();
        assert_eq!(s.comm, b"cat");
        assert_eq!(s.state, b'R');
        assert_eq!(s.ppid, 7072);
        assert_eq!(s.tty_nr, 34816);
        assert_eq!(s.flags, 4194304);
        assert_eq!((s.minflt, s.majflt), (100, 2));
        assert_eq!((s.utime, s.stime, s.cutime, s.cstime), (5, 3, 0, 0));
        assert_eq!((s.priority, s.nice, s.num_threads), (20, 0, 1));
        assert_eq!(s.starttime, 47420);
        assert_eq!(s.vsize, 3133440);
        assert_eq!(s.rss, 387);
        assert_eq!(s.processor, Some(1));
        assert_eq!(s.delayacct_blkio_ticks, Some(7));
    }

    #[test]
    fn odd_names() {
        let line = b"42 (a) b) (c d) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0\n";
        let s = parse_pid_stat(line, p()).unwrap();
        assert_eq!(s.comm, b"a) b) (c d");
        assert_eq!(s.starttime, 99);
        assert_eq!(s.processor, None);
        let line = b"42 (\xff\xfe x) S 1 42 42 0 -1 0 0 0 0 0 0 0 -3 0 -100 -20 1 0 99 0 0\n";
        let s = parse_pid_stat(line, p()).unwrap();
        assert_eq!(s.comm, b"\xff\xfe x");
        assert_eq!((s.cutime, s.priority, s.nice), (0, -100, -20));
        let s = parse_pid_stat(b"1 () S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", p()).unwrap();
        assert_eq!(s.comm, b"");
    }

    #[test]
    fn malformed_input_is_an_error_naming_the_file() {
        for bad in [
            &b""[..],
            b"7074 cat R 1",
            b"7074 (cat R 1 2 3",
            b"7074 )cat( R 1 2 3",
            b"7074 (cat) R 7072 7072",
        ] {
            let e = parse_pid_stat(bad, p()).unwrap_err();
            assert!(e.to_string().contains("/proc/7074/stat"), "{e}");
        }
        // Truncation at every byte never panics.
        for i in 0..CAT.len() {
            let _ = parse_pid_stat(&CAT[..i], p());
        }
    }

    #[test]
    fn a_bad_field_fails_only_what_needs_it() {
        for (line, bit, what) in [
            (
                &b"7074 (cat) RR 7072 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"[..],
                field::STATE,
                "field 3 (state): \"RR\"",
            ),
            (
                b"7074 (cat) R x 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0",
                field::PPID,
                "field 4 (ppid): \"x\"",
            ),
            (
                b"7074 (cat) R 1 7072 1047 0 -1 0 0 0 0 0 99999999999999999999 0 0 0 20 0 1 0 7 0 0",
                field::UTIME,
                "field 14 (utime): \"99999999999999999999\"",
            ),
            (
                b"7074 (cat) R 1 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999 0 0",
                field::STARTTIME,
                "field 22 (starttime): \"99999999999999999999\"",
            ),
        ] {
            let s = parse_pid_stat(line, p()).unwrap();
            assert_eq!(s.bad.mask(), bit, "{:?}", String::from_utf8_lossy(line));
            let e = s.bad.check(bit | field::NICE, p()).unwrap_err();
            assert_eq!(e.to_string(), format!("/proc/7074/stat: cannot parse {what}"));
            // The other fields are there and valid.
            let others = !bit & (field::STATE | field::PPID | field::UTIME | field::STARTTIME);
            s.bad.check(others, p()).unwrap();
            assert_eq!(s.comm, b"cat");
            assert_eq!(s.nice, 0);
            assert_eq!(s.num_threads, 1);
        }
        let s = parse_pid_stat(CAT, p()).unwrap();
        assert!(s.bad.is_empty());
        // Optional trailing fields: bad is recorded, absent is not.
        let mut odd = CAT.to_vec();
        let at = odd.windows(5).position(|w| w == b" 17 1").unwrap() + 4;
        odd[at] = b'z';
        let s = parse_pid_stat(&odd, p()).unwrap();
        assert_eq!(s.bad.mask(), field::PROCESSOR);
        assert_eq!(s.delayacct_blkio_ticks, Some(7));
    }

    #[test]
    fn kernel_layout_split_equals_the_general_split() {
        // Every layout the fast split accepts must give the general split's fields;
        // the ones it declines go to the general split anyway.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"12a3b4c5 12a3b4c5 12a3b4c5 12a3b4c5  \t\n\r\x0b\x0c";
        let mut fast = 0;
        for round in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 120) as usize;
            let mut v = Vec::with_capacity(len + 2);
            if round % 2 == 0 {
                v.push(b' ');
            }
            let mut x = seed;
            for _ in 0..len {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.push(alphabet[((x >> 33) % alphabet.len() as u64) as usize]);
            }
            if round % 3 == 0 {
                v.push(b'\n');
            }
            let mut a: [&[u8]; 40] = [&[]; 40];
            let mut b: [&[u8]; 40] = [&[]; 40];
            let n = split_fields(&v, &mut a);
            if let Some(m) = split_kernel_fields(&v, &mut b) {
                fast += 1;
                assert_eq!((m, &b[..m]), (n, &a[..n]), "{:?}", String::from_utf8_lossy(&v));
            }
        }
        assert!(fast > 100, "the fast split took only {fast} inputs");
        // The real thing, with more than 40 fields: the first 40.
        let rest = &CAT[CAT.iter().position(|&c| c == b')').unwrap() + 1..];
        let mut a: [&[u8]; 40] = [&[]; 40];
        let mut b: [&[u8]; 40] = [&[]; 40];
        assert_eq!(split_kernel_fields(rest, &mut b), Some(40));
        assert_eq!(split_fields(rest, &mut a), 40);
        assert_eq!(a, b);
    }
}
