//! `/proc/PID/stat` and `/proc/PID/task/TID/stat`.
//!
//! The command name (field 2) is whatever lies between the first `(` and the last `)`:
//! it may itself contain spaces, parentheses and any byte except NUL. The fields after
//! the last `)` are separated by single spaces. Field numbers below are proc(5)'s.

use super::num::{i64_dec, u64_dec};
use crate::error::{Error, Result};
use std::path::Path;

/// The fields of `/proc/PID/stat` that psoxide uses. Times are in clock ticks.
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
    /// Field 39, the CPU the task last ran on (absent on very old kernels).
    pub processor: Option<i64>,
    /// Field 42, aggregated block I/O delay (ticks; absent before 2.6.18).
    pub delayacct_blkio_ticks: Option<u64>,
}

/// Parses the bytes of a `/proc/PID/stat` file.
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
    // Field 22 (starttime) is the last one psoxide requires.
    if n < 20 {
        return Err(Error::parse(
            path,
            format!("only {} fields after the command name, need at least 20", n),
        ));
    }
    let u = |i: usize, name: &str| -> Result<u64> {
        u64_dec(f[i]).ok_or_else(|| {
            Error::parse(
                path,
                format!("field {} ({name}): {:?}", i + 3, String::from_utf8_lossy(f[i])),
            )
        })
    };
    let s = |i: usize, name: &str| -> Result<i64> {
        i64_dec(f[i]).ok_or_else(|| {
            Error::parse(
                path,
                format!("field {} ({name}): {:?}", i + 3, String::from_utf8_lossy(f[i])),
            )
        })
    };
    let state = match f[0] {
        [c] => *c,
        other => {
            return Err(Error::parse(
                path,
                format!("field 3 (state): {:?}", String::from_utf8_lossy(other)),
            ))
        }
    };
    Ok(PidStat {
        comm,
        state,
        ppid: s(1, "ppid")?,
        tty_nr: s(4, "tty_nr")?,
        flags: u(6, "flags")?,
        minflt: u(7, "minflt")?,
        majflt: u(9, "majflt")?,
        utime: u(11, "utime")?,
        stime: u(12, "stime")?,
        cutime: s(13, "cutime")?.max(0) as u64,
        cstime: s(14, "cstime")?.max(0) as u64,
        priority: s(15, "priority")?,
        nice: s(16, "nice")?,
        num_threads: s(17, "num_threads")?,
        starttime: u(19, "starttime")?,
        vsize: if n > 20 { u(20, "vsize")? } else { 0 },
        rss: if n > 21 { s(21, "rss")? } else { 0 },
        processor: if n > 36 { Some(s(36, "processor")?) } else { None },
        delayacct_blkio_ticks: if n > 39 {
            Some(u(39, "delayacct_blkio_ticks")?)
        } else {
            None
        },
    })
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
            b"7074 (cat) RR 7072 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0",
            b"7074 (cat) R x 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0",
            b"7074 (cat) R 1 7072 1047 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999 0 0",
        ] {
            let e = parse_pid_stat(bad, p()).unwrap_err();
            assert!(e.to_string().contains("/proc/7074/stat"), "{e}");
        }
        // Truncation at every byte never panics.
        for i in 0..CAT.len() {
            let _ = parse_pid_stat(&CAT[..i], p());
        }
    }
}
