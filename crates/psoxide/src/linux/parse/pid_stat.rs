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

/// The field indices (after the command name: index `i` is proc(5)'s field `i + 3`)
/// that [`PidStat`] keeps, besides the state letter.
const KEPT: u64 = (1 << 1)
    | (1 << 4)
    | (1 << 6)
    | (1 << 7)
    | (1 << 9)
    | (1 << 11)
    | (1 << 12)
    | (1 << 13)
    | (1 << 14)
    | (1 << 15)
    | (1 << 16)
    | (1 << 17)
    | (1 << 19)
    | (1 << 20)
    | (1 << 21)
    | (1 << 36)
    | (1 << 39);

/// The kept fields whose values may be negative.
const SIGNED: u64 =
    (1 << 1) | (1 << 4) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 21) | (1 << 36);

/// [`parse_pid_stat`] in one pass for the kernel's own layout (a one-letter state,
/// one space before each field, a newline at the end, every kept field a plain
/// decimal number that fits): the numbers are converted as the bytes are scanned,
/// with no list of fields in between. `None` (nothing decided) for anything else,
/// which the general parser then handles, with its field errors.
fn parse_kernel_layout<'a>(comm: &'a [u8], rest: &'a [u8]) -> Option<PidStat<'a>> {
    let body = rest.strip_prefix(b" ")?;
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    // No whitespace but the separating spaces: the others (tab, newline, form feed,
    // carriage return) are all at most `\r`, and so are most control bytes, which
    // are declined too (a branch-free pass the compiler vectorises).
    if body.iter().fold(false, |acc, &c| acc | (c <= b'\r')) {
        return None;
    }
    let (&state, mut i) = match body {
        [c, b' ', ..] => (c, 2),
        [c] => (c, 1),
        _ => return None,
    };
    let len = body.len();
    let mut vals = [0i64; 40];
    let mut big = [0u64; 40];
    let mut n = 1;
    while n < 40 && i < len {
        let bit = 1u64 << n;
        if KEPT & bit != 0 {
            let negative = body[i] == b'-';
            if negative {
                if SIGNED & bit == 0 {
                    return None;
                }
                i += 1;
            }
            let start = i;
            let mut v: u64 = 0;
            while i < len && body[i].is_ascii_digit() {
                v = v.checked_mul(10)?.checked_add(u64::from(body[i] - b'0'))?;
                i += 1;
            }
            if i == start {
                return None;
            }
            if SIGNED & bit != 0 {
                let x = i64::try_from(v).ok()?;
                vals[n] = if negative { -x } else { x };
            } else {
                big[n] = v;
            }
        } else {
            while i < len && body[i] != b' ' {
                i += 1;
            }
        }
        n += 1;
        if i < len {
            // The next byte ends the field: it must be the single separating space,
            // with a field after it.
            if body[i] != b' ' || i + 1 == len || body[i + 1] == b' ' {
                return None;
            }
            i += 1;
        }
    }
    if n < 20 {
        return None;
    }
    Some(PidStat {
        comm,
        state,
        ppid: vals[1],
        tty_nr: vals[4],
        flags: big[6],
        minflt: big[7],
        majflt: big[9],
        utime: big[11],
        stime: big[12],
        cutime: vals[13].max(0) as u64,
        cstime: vals[14].max(0) as u64,
        priority: vals[15],
        nice: vals[16],
        num_threads: vals[17],
        starttime: big[19],
        vsize: big[20],
        rss: vals[21],
        processor: (n > 36).then_some(vals[36]),
        delayacct_blkio_ticks: (n > 39).then_some(big[39]),
        bad: FieldErrors::default(),
    })
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
    match parse_kernel_layout(comm, rest) {
        Some(s) => Ok(s),
        None => parse_fields(comm, rest, path),
    }
}

/// [`parse_pid_stat`] after the command name, for any layout.
fn parse_fields<'a>(comm: &'a [u8], rest: &'a [u8], path: &Path) -> Result<PidStat<'a>> {
    // After ')' come fields 3, 4, 5, ...; f[i] is field i + 3. The kernel separates
    // them with single spaces; any run of ASCII whitespace is accepted.
    let mut f: [&[u8]; 40] = [&[]; 40];
    let n = split_fields(rest, &mut f);
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
    fn one_pass_parse_equals_the_general_parse() {
        // Every input the one-pass parser accepts must give the general parser's
        // result; the ones it declines go to the general parser anyway.
        let p = Path::new("stat");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let tokens: [&[u8]; 14] = [
            b"0", b"1", b"42", b"-1", b"-100", b"18446744073709551615", b"18446744073709551616",
            b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808", b"+5", b"x", b"", b"007",
        ];
        let mut fast = 0;
        for round in 0..30_000 {
            let fields = 15 + (next() % 40) as usize;
            let mut v: Vec<u8> = b"12 (a b) ".to_vec();
            v.push(if round % 17 == 0 { b'?' } else { b'S' });
            for k in 0..fields {
                v.push(if round % 101 == 0 && k == 7 { b'\t' } else { b' ' });
                let r = next();
                // Mostly small numbers, sometimes the odd tokens.
                if r % 7 == 0 {
                    v.extend_from_slice(tokens[(r >> 8) as usize % tokens.len()]);
                } else {
                    v.extend_from_slice((r >> 20).to_string().as_bytes());
                }
            }
            if round % 3 != 0 {
                v.push(b'\n');
            }
            let rest = &v[v.iter().position(|&c| c == b')').unwrap() + 1..];
            let general = parse_fields(b"a b", rest, p);
            if let Some(one) = parse_kernel_layout(b"a b", rest) {
                fast += 1;
                let general = general.unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&v)));
                assert_eq!(one, general, "{:?}", String::from_utf8_lossy(&v));
            }
        }
        assert!(fast > 5_000, "the one-pass parser took only {fast} inputs");
        for data in [CAT, b"1 (x) R 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 9\n".as_slice()] {
            let rest = &data[data.iter().position(|&c| c == b')').unwrap() + 1..];
            assert!(parse_kernel_layout(b"cat", rest).is_some());
            assert_eq!(parse_kernel_layout(b"cat", rest), parse_fields(b"cat", rest, p).ok());
        }
    }
}
