//! Small per-process files: `statm`, `io`, `fdinfo/FD`, `cmdline`, `environ`, `cgroup`.

use super::num::{fields, key_value, u64_dec, u64_oct};
use crate::error::{Error, Result};
use std::path::Path;

/// `/proc/PID/statm`: the first seven numbers, in pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statm {
    /// Total program size (pages).
    pub size: u64,
    /// Resident set size (pages).
    pub resident: u64,
    /// Resident file-backed shared pages (pages).
    pub shared: u64,
    /// Code (pages).
    pub text: u64,
    /// Library (pages; always 0 since Linux 2.6).
    pub lib: u64,
    /// Data + stack (pages).
    pub data: u64,
    /// Dirty pages (pages; always 0 since Linux 2.6).
    pub dt: u64,
}

/// Parses `/proc/PID/statm`.
pub fn parse_statm(data: &[u8], path: &Path) -> Result<Statm> {
    let mut v = [0u64; 7];
    let mut it = fields(data);
    for (i, slot) in v.iter_mut().enumerate() {
        let f = it
            .next()
            .ok_or_else(|| Error::parse(path, format!("only {i} of 7 numbers")))?;
        *slot = u64_dec(f).ok_or_else(|| {
            Error::parse(
                path,
                format!("number {}: {:?}", i + 1, String::from_utf8_lossy(f)),
            )
        })?;
    }
    Ok(Statm {
        size: v[0],
        resident: v[1],
        shared: v[2],
        text: v[3],
        lib: v[4],
        data: v[5],
        dt: v[6],
    })
}

/// `/proc/PID/io`, the six counters psutil reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PidIo {
    /// `rchar`: bytes passed to read-family syscalls.
    pub rchar: u64,
    /// `wchar`: bytes passed to write-family syscalls.
    pub wchar: u64,
    /// `syscr`: read-family syscalls (count).
    pub syscr: u64,
    /// `syscw`: write-family syscalls (count).
    pub syscw: u64,
    /// `read_bytes`: bytes fetched from the storage layer.
    pub read_bytes: u64,
    /// `write_bytes`: bytes sent to the storage layer.
    pub write_bytes: u64,
}

/// Parses `/proc/PID/io`. Every one of the six keys must be present.
pub fn parse_pid_io(data: &[u8], path: &Path) -> Result<PidIo> {
    if data.is_empty() {
        return Err(Error::parse_structure(path, "empty file"));
    }
    let mut got = [None::<u64>; 6];
    for line in data.split(|&c| c == b'\n') {
        let Some((k, v)) = key_value(line) else { continue };
        let i = match k {
            b"rchar" => 0,
            b"wchar" => 1,
            b"syscr" => 2,
            b"syscw" => 3,
            b"read_bytes" => 4,
            b"write_bytes" => 5,
            _ => continue,
        };
        got[i] = Some(u64_dec(v).ok_or_else(|| {
            Error::parse(
                path,
                format!("{}: {:?}", String::from_utf8_lossy(k), String::from_utf8_lossy(v)),
            )
        })?);
    }
    const NAMES: [&str; 6] = ["rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes"];
    let mut v = [0u64; 6];
    for i in 0..6 {
        v[i] = got[i].ok_or_else(|| Error::parse(path, format!("{} line missing", NAMES[i])))?;
    }
    Ok(PidIo {
        rchar: v[0],
        wchar: v[1],
        syscr: v[2],
        syscw: v[3],
        read_bytes: v[4],
        write_bytes: v[5],
    })
}

/// `/proc/PID/fdinfo/FD`: file position and open flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FdInfo {
    /// `pos`: the file offset (bytes).
    pub pos: u64,
    /// `flags`: the open flags (printed in octal by the kernel).
    pub flags: u64,
}

/// Parses `/proc/PID/fdinfo/FD`.
pub fn parse_fdinfo(data: &[u8], path: &Path) -> Result<FdInfo> {
    let (mut pos, mut flags) = (None, None);
    for line in data.split(|&c| c == b'\n') {
        match key_value(line) {
            Some((b"pos", v)) => pos = u64_dec(v),
            Some((b"flags", v)) => flags = u64_oct(v),
            _ => {}
        }
        if pos.is_some() && flags.is_some() {
            break;
        }
    }
    match (pos, flags) {
        (Some(pos), Some(flags)) => Ok(FdInfo { pos, flags }),
        _ => Err(Error::parse(path, "pos or flags line missing or not a number")),
    }
}

/// Splits `/proc/PID/cmdline` exactly as psutil does: when the data ends with a NUL,
/// that NUL is dropped and the rest split on NUL; otherwise (a process that rewrote its
/// title) one trailing space is dropped and the rest split on single spaces, keeping
/// empty pieces. A NUL-terminated single argument that contains a space is split on
/// spaces instead. Empty data gives an empty list (the caller decides whether that
/// means a zombie).
pub fn split_cmdline(data: &[u8]) -> Vec<&[u8]> {
    cmdline_args(data).collect()
}

/// [`split_cmdline`] without collecting: the arguments in order.
pub fn cmdline_args(data: &[u8]) -> Args<'_> {
    let sep = if data.last() == Some(&0) { 0u8 } else { b' ' };
    let body = data.strip_suffix(&[sep]).unwrap_or(data);
    // One NUL-terminated argument that contains spaces: a process that rewrote its
    // title (setproctitle) into argv[0]; psutil splits it on spaces.
    let sep = if sep == 0 && !body.contains(&0) && body.contains(&b' ') {
        b' '
    } else {
        sep
    };
    Args {
        rest: (!data.is_empty()).then_some(body),
        sep,
    }
}

/// The iterator of [`cmdline_args`]: pieces between separators, found with a vector search
/// (command lines can be kilobytes long, and a scan splits every one of them).
#[derive(Clone, Debug)]
pub struct Args<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let r = self.rest?;
        match crate::util::find_byte(self.sep, r) {
            Some(i) => {
                self.rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                self.rest = None;
                Some(r)
            }
        }
    }
}

/// Splits `/proc/PID/environ` into `(key, value)` pairs: NUL-separated `KEY=VALUE`
/// entries; entries without `=` are skipped; parsing stops at an empty entry.
pub fn split_environ(data: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    for entry in data.split(|&c| c == 0) {
        if entry.is_empty() {
            break;
        }
        if let Some(eq) = entry.iter().position(|&c| c == b'=') {
            out.push((&entry[..eq], &entry[eq + 1..]));
        }
    }
    out
}

/// One line of `/proc/PID/cgroup`: `hierarchy-ID:controller-list:cgroup-path`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CgroupLine {
    /// The hierarchy ID (0 for the cgroup v2 unified hierarchy).
    pub hierarchy_id: u64,
    /// The controllers bound to the hierarchy, or `name=NAME` for a named one; empty
    /// for cgroup v2.
    pub controllers: Vec<String>,
    /// The cgroup's path relative to the hierarchy's mount point (bytes decoded
    /// lossily; the path may itself contain `:`).
    pub path: String,
}

/// Parses `/proc/PID/cgroup`. Empty lines are skipped; a line without two `:` or
/// with a hierarchy ID that is not a decimal number is an error naming the line.
pub fn parse_pid_cgroup(data: &[u8], path: &Path) -> Result<Vec<CgroupLine>> {
    let mut out = Vec::new();
    for line in data.split(|&c| c == b'\n') {
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, |&c| c == b':');
        let (Some(id), Some(ctl), Some(cg)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::parse(
                path,
                format!("line {:?}: expected ID:CONTROLLERS:PATH", String::from_utf8_lossy(line)),
            ));
        };
        let hierarchy_id = u64_dec(id).ok_or_else(|| {
            Error::parse(
                path,
                format!("hierarchy ID {:?} is not a decimal number", String::from_utf8_lossy(id)),
            )
        })?;
        let controllers = ctl
            .split(|&c| c == b',')
            .filter(|c| !c.is_empty())
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        out.push(CgroupLine {
            hierarchy_id,
            controllers,
            path: String::from_utf8_lossy(cg).into_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_v1_v2_and_bad_lines() {
        let p = Path::new("/proc/1/cgroup");
        let v = parse_pid_cgroup(b"0::/user.slice/a:b.scope\n", p).unwrap();
        assert_eq!(
            v,
            [CgroupLine {
                hierarchy_id: 0,
                controllers: vec![],
                path: "/user.slice/a:b.scope".into()
            }]
        );
        let v = parse_pid_cgroup(b"12:cpu,cpuacct:/\n1:name=systemd:/init.scope\n\n", p).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].controllers, ["cpu", "cpuacct"]);
        assert_eq!(v[1].controllers, ["name=systemd"]);
        assert_eq!(v[1].path, "/init.scope");
        assert!(parse_pid_cgroup(b"", p).unwrap().is_empty());
        let e = parse_pid_cgroup(b"x::/\n", p).unwrap_err().to_string();
        assert!(e.contains("\"x\"") && e.contains("/proc/1/cgroup"), "{e}");
        let e = parse_pid_cgroup(b"0:/\n", p).unwrap_err().to_string();
        assert!(e.contains("ID:CONTROLLERS:PATH"), "{e}");
    }

    #[test]
    fn statm() {
        let p = Path::new("/proc/1/statm");
        let s = parse_statm(b"765 445 417 5 0 123 0\n", p).unwrap();
        assert_eq!(
            (s.size, s.resident, s.shared, s.text, s.data),
            (765, 445, 417, 5, 123)
        );
        assert!(parse_statm(b"765 445", p)
            .unwrap_err()
            .to_string()
            .contains("statm"));
        assert!(parse_statm(b"765 x 1 1 1 1 1", p).is_err());
        assert!(parse_statm(b"", p).is_err());
    }

    #[test]
    fn io() {
        let p = Path::new("/proc/1/io");
        let d = b"rchar: 6976\nwchar: 1\nsyscr: 10\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n";
        let io = parse_pid_io(d, p).unwrap();
        assert_eq!(
            io,
            PidIo {
                rchar: 6976,
                wchar: 1,
                syscr: 10,
                syscw: 2,
                read_bytes: 4096,
                write_bytes: 8192
            }
        );
        assert!(parse_pid_io(b"", p).unwrap_err().to_string().contains("empty"));
        assert!(parse_pid_io(b"rchar: 1\n", p)
            .unwrap_err()
            .to_string()
            .contains("wchar"));
        assert!(parse_pid_io(b"rchar: x\n", p).is_err());
    }

    #[test]
    fn fdinfo() {
        let p = Path::new("/proc/1/fdinfo/3");
        let f = parse_fdinfo(b"pos:\t1234\nflags:\t0100001\nmnt_id:\t25\nino:\t9\n", p).unwrap();
        assert_eq!(
            f,
            FdInfo {
                pos: 1234,
                flags: 0o100001
            }
        );
        assert!(parse_fdinfo(b"pos:\t1\n", p).is_err());
        assert!(parse_fdinfo(b"pos:\t1\nflags:\t9\n", p).is_err());
    }

    #[test]
    fn cmdline_rules() {
        assert_eq!(
            split_cmdline(b"/bin/sh\0-c\0echo hi\0"),
            vec![&b"/bin/sh"[..], b"-c", b"echo hi"]
        );
        assert_eq!(
            split_cmdline(b"nginx: worker process"),
            vec![&b"nginx:"[..], b"worker", b"process"]
        );
        assert_eq!(
            split_cmdline(b"postgres: writer  \0"),
            vec![&b"postgres:"[..], b"writer", b"", b""]
        );
        assert_eq!(split_cmdline(b"a  b "), vec![&b"a"[..], b"", b"b"]);
        assert_eq!(split_cmdline(b"a\0b"), vec![&b"a\0b"[..]]);
        assert_eq!(split_cmdline(b"a\0\0b\0"), vec![&b"a"[..], b"", b"b"]);
        assert_eq!(split_cmdline(b"\xff\0"), vec![&b"\xff"[..]]);
        assert!(split_cmdline(b"").is_empty());
        assert_eq!(split_cmdline(b"\0"), vec![&b""[..]]);
    }

    #[test]
    fn environ_rules() {
        assert_eq!(
            split_environ(b"A=1\0NOEQ\0B=x=y\0\0C=3\0"),
            vec![(&b"A"[..], &b"1"[..]), (&b"B"[..], &b"x=y"[..])]
        );
        assert!(split_environ(b"").is_empty());
    }
}
