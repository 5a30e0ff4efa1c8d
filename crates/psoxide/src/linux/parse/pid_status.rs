//! `/proc/PID/status`: the `Key:\tvalue` lines psoxide needs, in one pass.

use super::num::{fields, kb_bytes, u64_dec};
use crate::error::{Error, Result};
use std::path::Path;

/// The fields of `/proc/PID/status` that psoxide uses. Memory values are in bytes;
/// `None` means the line was absent (older kernels lack several of them).
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
}

fn ids(v: &[u8]) -> Option<[u32; 3]> {
    let mut it = fields(v).map(|x| u64_dec(x).and_then(|n| u32::try_from(n).ok()));
    Some([it.next()??, it.next()??, it.next()??])
}

/// Parses the bytes of `/proc/PID/status`. Lines psoxide does not use are skipped
/// without being looked at beyond their key.
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

fn parse<'a>(data: &'a [u8], path: &Path, head_only: bool) -> Result<PidStatus<'a>> {
    let mut s = PidStatus {
        tail_parsed: true,
        ..PidStatus::default()
    };
    let bad = |key: &[u8], v: &[u8]| {
        Error::parse(
            path,
            format!(
                "{}: {:?}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(v)
            ),
        )
    };
    for line in crate::util::split_lines(data) {
        // Most of the ~55 lines are not needed: their first byte rules them out before
        // the colon is even looked for (a scan parses this file for every process).
        if !matches!(
            line.first(),
            Some(b'T' | b'P' | b'U' | b'G' | b'V' | b'R' | b'H' | b'v' | b'n' | b'C')
        ) {
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let key = &line[..colon];
        let v = super::num::trim(&line[colon + 1..]);
        macro_rules! num {
            ($field:ident) => {
                s.$field = Some(u64_dec(v).ok_or_else(|| bad(key, v))?)
            };
        }
        macro_rules! kb {
            ($field:ident) => {
                s.$field = Some(kb_bytes(v).ok_or_else(|| bad(key, v))?)
            };
        }
        // Dispatch on the first byte first: most lines are ruled out by one compare.
        match key.first().copied().unwrap_or(0) {
            b'T' => {
                if key == b"Tgid" {
                    num!(tgid)
                } else if key == b"Threads" {
                    num!(threads);
                    if head_only {
                        s.tail_parsed = false;
                        break;
                    }
                }
            }
            b'P' if key == b"PPid" => num!(ppid),
            b'U' if key == b"Uid" => s.uids = Some(ids(v).ok_or_else(|| bad(key, v))?),
            b'G' if key == b"Gid" => s.gids = Some(ids(v).ok_or_else(|| bad(key, v))?),
            b'V' => match key {
                b"VmPeak" => kb!(vm_peak),
                b"VmHWM" => kb!(vm_hwm),
                b"VmSize" => kb!(vm_size),
                b"VmData" => kb!(vm_data),
                b"VmStk" => kb!(vm_stk),
                b"VmExe" => kb!(vm_exe),
                b"VmRSS" => kb!(vm_rss),
                b"VmSwap" => kb!(vm_swap),
                _ => {}
            },
            b'R' => match key {
                b"RssAnon" => kb!(rss_anon),
                b"RssFile" => kb!(rss_file),
                b"RssShmem" => kb!(rss_shmem),
                _ => {}
            },
            b'H' if key == b"HugetlbPages" => kb!(hugetlb),
            b'v' if key == b"voluntary_ctxt_switches" => num!(voluntary_ctxt_switches),
            b'n' if key == b"nonvoluntary_ctxt_switches" => num!(nonvoluntary_ctxt_switches),
            b'C' if key == b"Cpus_allowed_list" => s.cpus_allowed_list = Some(v),
            _ => {}
        }
    }
    if s.uids.is_none() && s.tgid.is_none() {
        return Err(Error::parse(path, "neither Uid nor Tgid line found"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &[u8] = b"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t7075\nNgid:\t0\nPid:\t7075\nPPid:\t7072\nTracerPid:\t0\nUid:\t0\t1\t2\t3\nGid:\t4\t5\t6\t7\nFDSize:\t256\nGroups:\t \nVmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmHWM:\t    1756 kB\nVmRSS:\t    1756 kB\nRssAnon:\t     108 kB\nRssFile:\t    1648 kB\nRssShmem:\t       0 kB\nVmSwap:\t       4 kB\nHugetlbPages:\t       0 kB\nThreads:\t1\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n";

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
        for bad in [
            &b"Uid:\t0\t0\n"[..],
            b"Tgid:\tx\n",
            b"VmHWM:\t12 MB\n",
            b"Uid:\t99999999999\t0\t0\t0\n",
            b"Name:\tx\n",
            b"",
        ] {
            let e = parse_pid_status(bad, p).unwrap_err();
            assert!(e.to_string().contains("/proc/1/status"), "{e}");
        }
        for i in 0..REAL.len() {
            let _ = parse_pid_status(&REAL[..i], p);
        }
    }
}
