//! The result rows every implementation builds, and the psutil rules they all apply
//! (name extension, command-line splitting, user names).

use std::collections::HashMap;

/// One W1 row: the attributes of `process_iter(attrs=[pid, ppid, name, status,
/// cpu_times, memory_info, num_threads, create_time, cmdline, username])`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// Process ID.
    pub pid: u32,
    /// Parent PID.
    pub ppid: u32,
    /// psutil's `name()`.
    pub name: String,
    /// psutil's status string ("sleeping", ...).
    pub status: &'static str,
    /// User CPU time (s).
    pub utime: f64,
    /// System CPU time (s).
    pub stime: f64,
    /// Resident set size (bytes).
    pub rss: u64,
    /// Virtual size (bytes).
    pub vms: u64,
    /// Threads.
    pub num_threads: u64,
    /// Start time (s since the epoch).
    pub create_time: f64,
    /// Command line.
    pub cmdline: Vec<String>,
    /// Name of the real user.
    pub username: String,
}

/// One W2 row: pid, name, rss.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lite {
    /// Process ID.
    pub pid: u32,
    /// psutil's `name()` (sysinfo: the truncated comm).
    pub name: String,
    /// Resident set size (bytes).
    pub rss: u64,
}

/// psutil's status string for a `/proc/PID/stat` state letter.
pub fn status_str(c: u8) -> &'static str {
    match c {
        b'R' => "running",
        b'S' => "sleeping",
        b'D' => "disk-sleep",
        b'T' => "stopped",
        b't' => "tracing-stop",
        b'Z' => "zombie",
        b'X' | b'x' => "dead",
        b'K' => "wake-kill",
        b'W' => "waking",
        b'I' => "idle",
        b'P' => "parked",
        _ => "?",
    }
}

/// Decimal digits only; `None` for anything else (or empty).
pub fn dec(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

/// psutil's split of `/proc/PID/cmdline`: NUL-separated with one trailing NUL; when
/// the data does not end in NUL (a retitled process), split on spaces; a single
/// NUL-terminated argument that contains spaces is split on spaces too.
pub fn split_cmdline(data: &[u8]) -> Vec<String> {
    let Some(&last) = data.last() else {
        return Vec::new();
    };
    let sep = if last == 0 { 0 } else { b' ' };
    let body = if last == sep {
        &data[..data.len() - 1]
    } else {
        data
    };
    let mut parts: Vec<&[u8]> = body.split(|&c| c == sep).collect();
    if sep == 0 && parts.len() == 1 && body.contains(&b' ') {
        parts = body.split(|&c| c == b' ').collect();
    }
    parts
        .into_iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// psutil's `name()`: the comm, or, when the comm is 15 bytes or more (the kernel
/// truncates it), the basename of `cmdline[0]` if that starts with the comm.
pub fn full_name(comm: &[u8], cmdline: &[String]) -> String {
    let comm = String::from_utf8_lossy(comm);
    if comm.len() >= 15 {
        if let Some(first) = cmdline.first() {
            let base = first.rsplit('/').next().unwrap_or(first);
            if base.starts_with(comm.as_ref()) {
                return base.to_string();
            }
        }
    }
    comm.into_owned()
}

/// uid -> name from `/etc/passwd` (first entry wins), built once per scan by the floor
/// and the procfs column.
pub fn passwd() -> HashMap<u32, String> {
    let data = std::fs::read("/etc/passwd").unwrap_or_default();
    let mut m = HashMap::new();
    for line in data.split(|&c| c == b'\n') {
        let mut f = line.split(|&c| c == b':');
        let (Some(name), Some(_), Some(uid)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Some(uid) = dec(uid).and_then(|u| u32::try_from(u).ok()) {
            m.entry(uid)
                .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
        }
    }
    m
}

/// The user name of `uid` from a [`passwd`] map, the uid as text when absent.
pub fn user(map: &HashMap<u32, String>, uid: u32) -> String {
    map.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
}

/// System constants read once per runner.
#[derive(Clone, Copy, Debug)]
pub struct Consts {
    /// Clock ticks per second.
    pub hz: f64,
    /// Page size (bytes).
    pub page: u64,
    /// Boot time (s since the epoch), `btime` of `/proc/stat`.
    pub btime: f64,
}

impl Consts {
    /// Reads the constants.
    pub fn read() -> Consts {
        let stat = std::fs::read("/proc/stat").unwrap_or_default();
        let btime = stat
            .split(|&c| c == b'\n')
            .find_map(|l| l.strip_prefix(b"btime "))
            .and_then(|v| dec(v.trim_ascii()))
            .unwrap_or(0) as f64;
        // SAFETY: sysconf has no preconditions.
        let (hz, page) = unsafe {
            (
                libc::sysconf(libc::_SC_CLK_TCK),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        Consts {
            hz: if hz > 0 { hz as f64 } else { 100.0 },
            page: if page > 0 { page as u64 } else { 4096 },
            btime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_rules() {
        assert_eq!(split_cmdline(b""), Vec::<String>::new());
        assert_eq!(split_cmdline(b"a\0b c\0"), vec!["a", "b c"]);
        assert_eq!(
            split_cmdline(b"nginx: worker process"),
            vec!["nginx:", "worker", "process"]
        );
        assert_eq!(split_cmdline(b"a b\0"), vec!["a", "b"]);
        assert_eq!(split_cmdline(b"a\0\0"), vec!["a", ""]);
    }

    #[test]
    fn names() {
        let cmd = vec!["/x/monitoring-agent-worker".to_string(), "2".into()];
        assert_eq!(full_name(b"monitoring-agen", &cmd), "monitoring-agent-worker");
        assert_eq!(full_name(b"monitoring-agen", &[]), "monitoring-agen");
        assert_eq!(full_name(b"sleep", &cmd), "sleep");
        assert_eq!(full_name(b"other-name-1234", &cmd), "other-name-1234");
    }

    #[test]
    fn numbers() {
        assert_eq!(dec(b"123"), Some(123));
        assert_eq!(dec(b""), None);
        assert_eq!(dec(b"1a"), None);
        assert_eq!(dec(b"99999999999999999999"), None);
    }
}
