//! `/proc/PID/status`: the `Key:\tvalue` lines psoxide needs, in one pass.
//!
//! psutil looks for each line when a function needs it (`uids()` reads the `Uid`
//! line, `num_threads()` the `Threads` line, ...), so a bad `VmRSS` line fails
//! `memory_info_ex()` and nothing else. Here a line whose value does not parse is
//! recorded in [`PidStatus::bad`] (its field stays `None`), and each user checks the
//! lines it needs with `bad.check(line::X, path)`.

use super::field_errors::FieldErrors;
use super::num::{fields, kb_bytes, u64_dec};
use crate::error::{Error, Result};
use std::path::Path;

/// The bit of each line in [`PidStatus::bad`].
pub mod line {
    /// `Tgid`.
    pub const TGID: u64 = 1;
    /// `PPid`.
    pub const PPID: u64 = 1 << 1;
    /// `Uid`.
    pub const UID: u64 = 1 << 2;
    /// `Gid`.
    pub const GID: u64 = 1 << 3;
    /// `Threads`.
    pub const THREADS: u64 = 1 << 4;
    /// `VmPeak`.
    pub const VM_PEAK: u64 = 1 << 5;
    /// `VmSize`.
    pub const VM_SIZE: u64 = 1 << 6;
    /// `VmData`.
    pub const VM_DATA: u64 = 1 << 7;
    /// `VmStk`.
    pub const VM_STK: u64 = 1 << 8;
    /// `VmExe`.
    pub const VM_EXE: u64 = 1 << 9;
    /// `VmHWM`.
    pub const VM_HWM: u64 = 1 << 10;
    /// `VmRSS`.
    pub const VM_RSS: u64 = 1 << 11;
    /// `RssAnon`.
    pub const RSS_ANON: u64 = 1 << 12;
    /// `RssFile`.
    pub const RSS_FILE: u64 = 1 << 13;
    /// `RssShmem`.
    pub const RSS_SHMEM: u64 = 1 << 14;
    /// `VmSwap`.
    pub const VM_SWAP: u64 = 1 << 15;
    /// `HugetlbPages`.
    pub const HUGETLB: u64 = 1 << 16;
    /// `voluntary_ctxt_switches`.
    pub const VOLUNTARY: u64 = 1 << 17;
    /// `nonvoluntary_ctxt_switches`.
    pub const NONVOLUNTARY: u64 = 1 << 18;
}

/// The fields of `/proc/PID/status` that psoxide uses. Memory values are in bytes;
/// `None` means the line was absent (older kernels lack several of them) or is listed
/// in [`bad`](PidStatus::bad): check the lines a value needs first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PidStatus<'a> {
    /// `Tgid`: the thread-group ID (equals the PID for a process, not for a thread).
    pub tgid: Option<u64>,
    /// `PPid`: the parent PID.
    pub ppid: Option<u64>,
    /// `Uid`: real, effective, saved (and filesystem) user IDs.
    pub uids: Option<[u32; 3]>,
    /// `Gid`: real, effective, saved group IDs.
    pub gids: Option<[u32; 3]>,
    /// `Threads`: number of threads.
    pub threads: Option<u64>,
    /// `VmPeak`: peak virtual memory size (bytes).
    pub vm_peak: Option<u64>,
    /// `VmSize`: virtual memory size (bytes).
    pub vm_size: Option<u64>,
    /// `VmData`: data segment size (bytes).
    pub vm_data: Option<u64>,
    /// `VmStk`: stack size (bytes).
    pub vm_stk: Option<u64>,
    /// `VmExe`: code size (bytes).
    pub vm_exe: Option<u64>,
    /// `VmHWM`: peak resident set size (bytes).
    pub vm_hwm: Option<u64>,
    /// `VmRSS`: resident set size (bytes).
    pub vm_rss: Option<u64>,
    /// `RssAnon`: resident anonymous memory (bytes, Linux 4.5+).
    pub rss_anon: Option<u64>,
    /// `RssFile`: resident file mappings (bytes, Linux 4.5+).
    pub rss_file: Option<u64>,
    /// `RssShmem`: resident shared memory (bytes, Linux 4.5+).
    pub rss_shmem: Option<u64>,
    /// `VmSwap`: swapped-out anonymous memory (bytes).
    pub vm_swap: Option<u64>,
    /// `HugetlbPages`: hugetlb memory (bytes, Linux 4.4+).
    pub hugetlb: Option<u64>,
    /// `voluntary_ctxt_switches` (count).
    pub voluntary_ctxt_switches: Option<u64>,
    /// `nonvoluntary_ctxt_switches` (count).
    pub nonvoluntary_ctxt_switches: Option<u64>,
    /// `Cpus_allowed_list`, unparsed (e.g. `0-3,8`).
    pub cpus_allowed_list: Option<&'a [u8]>,
    /// False when parsing stopped after the `Threads` line ([`parse_pid_status_head`]):
    /// the context switches and `Cpus_allowed_list` were not looked at.
    pub tail_parsed: bool,
    /// The lines whose value did not parse (bits of [`line`]); the last line of a key
    /// decides.
    pub bad: FieldErrors,
}

fn ids(v: &[u8]) -> Option<[u32; 3]> {
    let mut it = fields(v).map(|x| u64_dec(x).and_then(|n| u32::try_from(n).ok()));
    Some([it.next()??, it.next()??, it.next()??])
}

/// Parses the bytes of `/proc/PID/status`. Lines psoxide does not use are skipped
/// without being looked at beyond their key. The only error (naming `path`) is a file
/// with neither a `Uid` nor a `Tgid` line: no status file at all. Values that do not
/// parse are recorded in [`PidStatus::bad`].
pub fn parse_pid_status<'a>(data: &'a [u8], path: &Path) -> Result<PidStatus<'a>> {
    parse(data, path, false)
}

/// [`parse_pid_status`] that stops after the `Threads` line, before the ~20 signal,
/// capability and mask lines that take half the file: for callers that need neither
/// the context switches nor `Cpus_allowed_list`. `tail_parsed` is false then (true
/// when there was no `Threads` line, so the whole file was read).
pub fn parse_pid_status_head<'a>(data: &'a [u8], path: &Path) -> Result<PidStatus<'a>> {
    parse(data, path, true)
}

/// Records `v` for the line `bit` (clearing an earlier error of that line), or the
/// error when `v` is `None`.
fn set<T>(slot: &mut Option<T>, v: Option<T>, bit: u64, key: &[u8], text: &[u8], bad: &mut FieldErrors) {
    match v {
        Some(v) => {
            *slot = Some(v);
            bad.clear(bit);
        }
        None => {
            *slot = None;
            bad.push(
                bit,
                format!(
                    "{}: {:?}",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(text)
                ),
            );
        }
    }
}

/// The scheduler state letter of a `status` file: the first character of its `State:`
/// line's value (`S` of `State:\tS (sleeping)`); `None` without such a line or with an
/// empty value. The line comes third, so only the start of the file is looked at.
pub fn status_state(data: &[u8]) -> Option<u8> {
    crate::util::split_lines(data)
        .find_map(|l| l.strip_prefix(b"State:"))
        .and_then(|v| super::num::trim(v).first().copied())
}

fn parse<'a>(data: &'a [u8], path: &Path, head_only: bool) -> Result<PidStatus<'a>> {
    let mut s = PidStatus {
        tail_parsed: true,
        ..PidStatus::default()
    };
    let mut bad = FieldErrors::default();
    for l in crate::util::split_lines(data) {
        // Most of the ~55 lines are not needed: their first byte rules them out before
        // the colon is even looked for (a scan parses this file for every process).
        if !matches!(
            l.first(),
            Some(b'T' | b'P' | b'U' | b'G' | b'V' | b'R' | b'H' | b'v' | b'n' | b'C')
        ) {
            continue;
        }
        let Some(colon) = l.iter().position(|&c| c == b':') else {
            continue;
        };
        let key = &l[..colon];
        let v = super::num::trim(&l[colon + 1..]);
        macro_rules! num {
            ($field:ident, $bit:expr) => {
                set(&mut s.$field, u64_dec(v), $bit, key, v, &mut bad)
            };
        }
        macro_rules! kb {
            ($field:ident, $bit:expr) => {
                set(&mut s.$field, kb_bytes(v), $bit, key, v, &mut bad)
            };
        }
        // Dispatch on the first byte first: most lines are ruled out by one compare.
        match key.first().copied().unwrap_or(0) {
            b'T' => {
                if key == b"Tgid" {
                    num!(tgid, line::TGID)
                } else if key == b"Threads" {
                    num!(threads, line::THREADS);
                    if head_only {
                        s.tail_parsed = false;
                        break;
                    }
                }
            }
            b'P' if key == b"PPid" => num!(ppid, line::PPID),
            b'U' if key == b"Uid" => set(&mut s.uids, ids(v), line::UID, key, v, &mut bad),
            b'G' if key == b"Gid" => set(&mut s.gids, ids(v), line::GID, key, v, &mut bad),
            b'V' => match key {
                b"VmPeak" => kb!(vm_peak, line::VM_PEAK),
                b"VmHWM" => kb!(vm_hwm, line::VM_HWM),
                b"VmSize" => kb!(vm_size, line::VM_SIZE),
                b"VmData" => kb!(vm_data, line::VM_DATA),
                b"VmStk" => kb!(vm_stk, line::VM_STK),
                b"VmExe" => kb!(vm_exe, line::VM_EXE),
                b"VmRSS" => kb!(vm_rss, line::VM_RSS),
                b"VmSwap" => kb!(vm_swap, line::VM_SWAP),
                _ => {}
            },
            b'R' => match key {
                b"RssAnon" => kb!(rss_anon, line::RSS_ANON),
                b"RssFile" => kb!(rss_file, line::RSS_FILE),
                b"RssShmem" => kb!(rss_shmem, line::RSS_SHMEM),
                _ => {}
            },
            b'H' if key == b"HugetlbPages" => kb!(hugetlb, line::HUGETLB),
            b'v' if key == b"voluntary_ctxt_switches" => num!(voluntary_ctxt_switches, line::VOLUNTARY),
            b'n' if key == b"nonvoluntary_ctxt_switches" => {
                num!(nonvoluntary_ctxt_switches, line::NONVOLUNTARY)
            }
            b'C' if key == b"Cpus_allowed_list" => s.cpus_allowed_list = Some(v),
            _ => {}
        }
    }
    if s.uids.is_none() && s.tgid.is_none() && bad.mask() & (line::UID | line::TGID) == 0 {
        return Err(Error::parse(path, "neither Uid nor Tgid line found"));
    }
    s.bad = bad;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &[u8] = b"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t7075\nNgid:\t0\nPid:\t7075\nPPid:\t7072\nTracerPid:\t0\nUid:\t0\t1\t2\t3\nGid:\t4\t5\t6\t7\nFDSize:\t256\nGroups:\t \nVmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmHWM:\t    1756 kB\nVmRSS:\t    1756 kB\nRssAnon:\t     108 kB\nRssFile:\t    1648 kB\nRssShmem:\t       0 kB\nVmSwap:\t       4 kB\nHugetlbPages:\t       0 kB\nThreads:\t1\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n";

    #[test]
    fn the_state_letter() {
        assert_eq!(status_state(REAL), Some(b'R'));
        assert_eq!(status_state(b"Name:\tx\nState:\tI (idle)\n"), Some(b'I'));
        // Missing line, empty value, truncated file, no newline at the end.
        assert_eq!(status_state(b"Name:\tx\nTgid:\t1\n"), None);
        assert_eq!(status_state(b"State:\t\n"), None);
        assert_eq!(status_state(b"State:"), None);
        assert_eq!(status_state(b"State:\tZ (zombie)"), Some(b'Z'));
        assert_eq!(status_state(b""), None);
        // A name containing "State:" is not the state line.
        assert_eq!(status_state(b"Name:\tState: X\nState:\tS (sleeping)\n"), Some(b'S'));
    }

    #[test]
    fn parses_a_real_file() {
        let s = parse_pid_status(REAL, Path::new("/proc/7075/status")).unwrap();
        assert_eq!(s.tgid, Some(7075));
        assert_eq!(s.ppid, Some(7072));
        assert_eq!(s.uids, Some([0, 1, 2]));
        assert_eq!(s.gids, Some([4, 5, 6]));
        assert_eq!(s.threads, Some(1));
        assert_eq!(s.vm_peak, Some(3060 * 1024));
        assert_eq!(s.vm_hwm, Some(1756 * 1024));
        assert_eq!(s.vm_size, Some(3060 * 1024));
        assert_eq!(s.rss_anon, Some(108 * 1024));
        assert_eq!(s.vm_swap, Some(4096));
        assert_eq!(s.hugetlb, Some(0));
        assert_eq!(s.cpus_allowed_list, Some(&b"0-1"[..]));
        assert_eq!(
            (s.voluntary_ctxt_switches, s.nonvoluntary_ctxt_switches),
            (Some(10), Some(2))
        );
    }

    #[test]
    fn head_only_stops_after_threads() {
        let p = Path::new("/proc/7075/status");
        let full = parse_pid_status(REAL, p).unwrap();
        let head = parse_pid_status_head(REAL, p).unwrap();
        assert!(full.tail_parsed && !head.tail_parsed);
        assert_eq!(head.cpus_allowed_list, None);
        assert_eq!(head.voluntary_ctxt_switches, None);
        assert_eq!(
            PidStatus {
                cpus_allowed_list: full.cpus_allowed_list,
                voluntary_ctxt_switches: full.voluntary_ctxt_switches,
                nonvoluntary_ctxt_switches: full.nonvoluntary_ctxt_switches,
                tail_parsed: true,
                ..head
            },
            full
        );
        // No Threads line: the whole file is parsed.
        let no_threads = b"Uid:\t1\t2\t3\t4\nvoluntary_ctxt_switches:\t5\n";
        let h = parse_pid_status_head(no_threads, p).unwrap();
        assert!(h.tail_parsed);
        assert_eq!(h.voluntary_ctxt_switches, Some(5));
    }

    #[test]
    fn kernel_thread_and_old_kernel_shapes() {
        // Kernel threads have no Vm* lines; old kernels lack Rss*/HugetlbPages.
        let k = b"Name:\tkthreadd\nTgid:\t2\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n";
        let s = parse_pid_status(k, Path::new("/proc/2/status")).unwrap();
        assert_eq!(s.vm_hwm, None);
        assert_eq!(s.rss_anon, None);
        assert_eq!(s.threads, Some(1));
    }

    #[test]
    fn malformed() {
        let p = Path::new("/proc/1/status");
        for bad in [&b"Name:\tx\n"[..], b""] {
            let e = parse_pid_status(bad, p).unwrap_err();
            assert!(e.to_string().contains("/proc/1/status"), "{e}");
        }
        for i in 0..REAL.len() {
            let _ = parse_pid_status(&REAL[..i], p);
        }
    }

    #[test]
    fn a_bad_line_fails_only_what_needs_it() {
        let p = Path::new("/proc/1/status");
        for (data, bit, what) in [
            (&b"Uid:\t0\t0\n"[..], line::UID, "Uid: \"0\\t0\""),
            (b"Tgid:\tx\n", line::TGID, "Tgid: \"x\""),
            (b"Tgid:\t1\nVmHWM:\t12 MB\n", line::VM_HWM, "VmHWM: \"12 MB\""),
            (b"Uid:\t99999999999\t0\t0\t0\n", line::UID, "Uid: \"99999999999\\t0\\t0\\t0\""),
        ] {
            let s = parse_pid_status(data, p).unwrap();
            assert_eq!(s.bad.mask(), bit, "{:?}", String::from_utf8_lossy(data));
            let e = s.bad.check(bit | line::THREADS, p).unwrap_err();
            assert_eq!(e.to_string(), format!("/proc/1/status: cannot parse {what}"));
        }
        // The real file with its VmRSS line broken: everything else is as before.
        let broken = String::from_utf8_lossy(REAL).replace("VmRSS:\t    1756 kB", "VmRSS:\t    17x56 kB");
        let s = parse_pid_status(broken.as_bytes(), p).unwrap();
        let good = parse_pid_status(REAL, p).unwrap();
        assert_eq!(s.bad.mask(), line::VM_RSS);
        assert_eq!(s.vm_rss, None);
        assert_eq!(
            PidStatus {
                vm_rss: good.vm_rss,
                bad: FieldErrors::default(),
                ..s
            },
            good
        );
        // The last line of a key decides.
        let s = parse_pid_status(b"Tgid:\tx\nTgid:\t7\n", p).unwrap();
        assert!(s.bad.is_empty());
        assert_eq!(s.tgid, Some(7));
        let s = parse_pid_status(b"Tgid:\t7\nTgid:\tx\n", p).unwrap();
        assert_eq!((s.bad.mask(), s.tgid), (line::TGID, None));
    }
}
