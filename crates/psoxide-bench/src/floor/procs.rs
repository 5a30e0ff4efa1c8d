//! The hand-written floor: the fewest syscalls that give psutil's answer.
//!
//! - `/proc` is opened once and listed with `getdents64` (after `lseek(0)`);
//! - per-process files are opened relative to that descriptor (`openat(proc, "PID/stat")`)
//!   and read with one `read` into a reused buffer: these are single-record files that
//!   the kernel produces whole, so a short read is the end (3 syscalls per file);
//!   `cmdline`, `smaps_rollup` and `/proc/net/*` are read until `read` returns 0 when the
//!   first read fills the buffer (cmdline) or always (multi-record files);
//! - parsing is minimal: only the fields the row needs, no allocation besides the row.
//!
//! W1 "strict" reads `stat` + `status` + `cmdline`: `status` is the only source of the
//! *real* uid that psutil's `username()` uses (the owner of `/proc/PID` is the effective
//! uid), and it also gives psutil-exact rss/vms and the thread count.

use super::raw::{close, for_each_dent, open_at, read_at, Eof};
use crate::procs::rows::{dec, full_name, passwd, split_cmdline, status_str, user, Consts, Lite, Row};
use libc::c_int;
use std::collections::HashMap;
use std::ffi::CStr;

/// `openat(dir, path)` + `read` + `close` into `buf`; the length, `None` on any error.
/// Single-record files end at a short read (3 syscalls), multi-record ones at a read of 0.
fn slurp(dir: c_int, path: &CStr, buf: &mut Vec<u8>, eof: Eof) -> Option<usize> {
    read_at(dir, path, buf, eof).ok()
}

/// Opens the directory `path` relative to `dir` (with `extra` flags such as `O_PATH`).
fn open_dir(dir: c_int, path: &CStr, extra: c_int) -> Option<c_int> {
    open_at(dir, path, libc::O_DIRECTORY | extra).ok()
}

/// Calls `f(name)` for every entry of the open directory `fd` except `.` and `..`;
/// a listing that fails part-way keeps the entries seen so far.
fn each_dirent(fd: c_int, dents: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let _ = for_each_dent(fd, dents, |name, _| f(name));
}

/// "PID" + suffix + NUL, on the stack.
struct PidPath([u8; 48]);

impl PidPath {
    fn new(pid: u32, suffix: &[u8]) -> PidPath {
        let mut b = [0u8; 48];
        let mut digits = [0u8; 10];
        let (mut v, mut i) = (pid, digits.len());
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let d = &digits[i..];
        b[..d.len()].copy_from_slice(d);
        b[d.len()..d.len() + suffix.len()].copy_from_slice(suffix);
        PidPath(b)
    }
    fn c(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.0).unwrap_or(c"")
    }
}

/// The `/proc/PID/stat` fields after the comm, split on spaces (index 0 = state).
struct StatFields<'a> {
    comm: &'a [u8],
    f: [&'a [u8]; 42],
}

fn parse_stat(d: &[u8]) -> Option<StatFields<'_>> {
    let l = d.iter().position(|&c| c == b'(')?;
    let r = d.iter().rposition(|&c| c == b')')?;
    let mut f: [&[u8]; 42] = [&[]; 42];
    for (i, x) in d.get(r + 2..)?.split(|&c| c == b' ').take(42).enumerate() {
        f[i] = x;
    }
    Some(StatFields {
        comm: d.get(l + 1..r)?,
        f,
    })
}

impl StatFields<'_> {
    /// Field number `n` of proc(5) (1-based: 3 = state, 4 = ppid, ...).
    fn n(&self, n: usize) -> u64 {
        dec(self.f[n - 3].trim_ascii_end()).unwrap_or(0)
    }
}

/// The `/proc/PID/status` values W1 needs.
#[derive(Default)]
struct StatusVals {
    ruid: Option<u32>,
    threads: u64,
    rss_kb: u64,
    vms_kb: u64,
}

/// First number of a `Key:\t...` value.
fn first_num(v: &[u8]) -> u64 {
    let v = v.trim_ascii_start();
    let e = v.iter().position(|c| !c.is_ascii_digit()).unwrap_or(v.len());
    dec(&v[..e]).unwrap_or(0)
}

fn parse_status(d: &[u8]) -> StatusVals {
    let mut s = StatusVals::default();
    for line in d.split(|&c| c == b'\n') {
        match line.first() {
            Some(b'U') if line.starts_with(b"Uid:") => s.ruid = Some(first_num(&line[4..]) as u32),
            Some(b'T') if line.starts_with(b"Threads:") => s.threads = first_num(&line[8..]),
            Some(b'V') if line.starts_with(b"VmRSS:") => s.rss_kb = first_num(&line[6..]),
            Some(b'V') if line.starts_with(b"VmSize:") => s.vms_kb = first_num(&line[7..]),
            _ => {}
        }
    }
    s
}

/// `(pos, flags)` of an `fdinfo` file.
fn parse_fdinfo(d: &[u8]) -> (u64, u64) {
    let (mut pos, mut flags) = (0, 0);
    for line in d.split(|&c| c == b'\n') {
        if let Some(v) = line.strip_prefix(b"pos:") {
            pos = first_num(v);
        } else if let Some(v) = line.strip_prefix(b"flags:") {
            flags = v
                .trim_ascii()
                .iter()
                .fold(0u64, |a, &c| a * 8 + u64::from(c.wrapping_sub(b'0') & 7));
        }
    }
    (pos, flags)
}

/// One socket row as psutil returns it (fd, family, type, laddr, raddr, status, pid).
pub type Conn = (i32, u8, u8, (String, u16), (String, u16), u8, Option<u32>);

/// The floor runner's state.
pub struct Floor {
    k: Consts,
    proc_fd: c_int,
    self_fd: c_int,
    pids: Vec<u32>,
    dents: Vec<u8>,
    sbuf: Vec<u8>,
    buf: Vec<u8>,
    link: Vec<u8>,
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}

impl Floor {
    /// Opens `/proc` and `/proc/self` (an `O_PATH` descriptor for the W3 calls).
    pub fn new() -> Floor {
        let proc_fd = open_dir(libc::AT_FDCWD, c"/proc", 0).unwrap_or(-1);
        let self_fd = open_dir(libc::AT_FDCWD, c"/proc/self", libc::O_PATH).unwrap_or(-1);
        Floor {
            k: Consts::read(),
            proc_fd,
            self_fd,
            pids: Vec::with_capacity(4096),
            dents: vec![0; 32 * 1024],
            sbuf: Vec::with_capacity(4096),
            buf: Vec::with_capacity(64 * 1024),
            link: vec![0; 4096],
        }
    }

    /// psutil's `pids()` order is ascending; the listing's order is already ascending
    /// for `/proc`, so no sort is needed for the floor's purposes.
    pub fn list_pids(&mut self) -> usize {
        self.pids.clear();
        // SAFETY: rewinding our own directory descriptor.
        unsafe { libc::lseek(self.proc_fd, 0, libc::SEEK_SET) };
        let pids = &mut self.pids;
        each_dirent(self.proc_fd, &mut self.dents, |n| {
            if let Some(p) = dec(n) {
                pids.push(p as u32);
            }
        });
        self.pids.len()
    }

    /// W1, strict: `stat` + `status` + `cmdline` per process.
    pub fn w1(&mut self) -> Vec<Row> {
        let users = passwd();
        self.list_pids();
        let mut out = Vec::with_capacity(self.pids.len());
        for i in 0..self.pids.len() {
            let pid = self.pids[i];
            if let Some(r) = self.w1_one(pid, &users) {
                out.push(r);
            }
        }
        out
    }

    fn w1_one(&mut self, pid: u32, users: &HashMap<u32, String>) -> Option<Row> {
        let n = slurp(
            self.proc_fd,
            PidPath::new(pid, b"/stat\0").c(),
            &mut self.sbuf,
            Eof::Short,
        )?;
        let n2 = slurp(
            self.proc_fd,
            PidPath::new(pid, b"/status\0").c(),
            &mut self.buf,
            Eof::Short,
        )?;
        let st = parse_status(&self.buf[..n2]);
        let uid = st.ruid?;
        let n3 = slurp(
            self.proc_fd,
            PidPath::new(pid, b"/cmdline\0").c(),
            &mut self.buf,
            Eof::Short,
        )
        .unwrap_or(0);
        let cmdline = split_cmdline(&self.buf[..n3]);
        let s = parse_stat(&self.sbuf[..n])?;
        let hz = self.k.hz;
        Some(Row {
            pid,
            ppid: s.n(4) as u32,
            name: full_name(s.comm, &cmdline),
            status: status_str(s.f[0].first().copied().unwrap_or(b'?')),
            utime: s.n(14) as f64 / hz,
            stime: s.n(15) as f64 / hz,
            rss: st.rss_kb * 1024,
            vms: st.vms_kb * 1024,
            num_threads: st.threads,
            create_time: self.k.btime + s.n(22) as f64 / hz,
            cmdline,
            username: user(users, uid),
        })
    }

    /// `name()` of `pid` given its comm: reads `cmdline` only for a 15-byte comm.
    fn name_of(&mut self, dir: c_int, rel: &CStr, comm: &[u8]) -> String {
        if comm.len() < 15 {
            return String::from_utf8_lossy(comm).into_owned();
        }
        let n = slurp(dir, rel, &mut self.buf, Eof::Short).unwrap_or(0);
        full_name(comm, &split_cmdline(&self.buf[..n]))
    }

    /// W2, exact rss: `stat` + `statm` (+ `cmdline` for 15-byte comms).
    pub fn w2_statm(&mut self) -> Vec<Lite> {
        self.list_pids();
        let mut out = Vec::with_capacity(self.pids.len());
        for i in 0..self.pids.len() {
            let pid = self.pids[i];
            let Some(n) = slurp(
                self.proc_fd,
                PidPath::new(pid, b"/stat\0").c(),
                &mut self.sbuf,
                Eof::Short,
            ) else {
                continue;
            };
            let Some(n2) = slurp(
                self.proc_fd,
                PidPath::new(pid, b"/statm\0").c(),
                &mut self.buf,
                Eof::Short,
            ) else {
                continue;
            };
            let rss = self.buf[..n2]
                .split(|&c| c == b' ')
                .nth(1)
                .and_then(dec)
                .unwrap_or(0)
                * self.k.page;
            let comm = match parse_stat(&self.sbuf[..n]) {
                Some(s) => s.comm.to_vec(),
                None => continue,
            };
            let name = self.name_of(self.proc_fd, PidPath::new(pid, b"/cmdline\0").c(), &comm);
            out.push(Lite { pid, name, rss });
        }
        out
    }

    /// W2, exact rss from `status` alone (`Name:` + `VmRSS:`, + `cmdline` for 15-byte names).
    pub fn w2_status(&mut self) -> Vec<Lite> {
        self.list_pids();
        let mut out = Vec::with_capacity(self.pids.len());
        for i in 0..self.pids.len() {
            let pid = self.pids[i];
            let Some(n) = slurp(
                self.proc_fd,
                PidPath::new(pid, b"/status\0").c(),
                &mut self.sbuf,
                Eof::Short,
            ) else {
                continue;
            };
            let d = &self.sbuf[..n];
            let Some(rest) = d.strip_prefix(b"Name:\t") else {
                continue;
            };
            let comm = rest[..rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())].to_vec();
            let rss = parse_status(d).rss_kb * 1024;
            let name = self.name_of(self.proc_fd, PidPath::new(pid, b"/cmdline\0").c(), &comm);
            out.push(Lite { pid, name, rss });
        }
        out
    }

    // ---- W3: the current process, through the O_PATH descriptor of /proc/self ----

    fn self_stat(&mut self) -> usize {
        slurp(self.self_fd, c"stat", &mut self.sbuf, Eof::Short).unwrap_or(0)
    }

    /// `name()`.
    pub fn name(&mut self) -> String {
        let n = self.self_stat();
        let comm = parse_stat(&self.sbuf[..n])
            .map(|s| s.comm.to_vec())
            .unwrap_or_default();
        self.name_of(self.self_fd, c"cmdline", &comm)
    }

    /// `cpu_times()`: user, system, children_user, children_system, iowait (s).
    pub fn cpu_times(&mut self) -> [f64; 5] {
        let n = self.self_stat();
        let hz = self.k.hz;
        parse_stat(&self.sbuf[..n])
            .map(|s| [14, 15, 16, 17, 42].map(|i| s.n(i) as f64 / hz))
            .unwrap_or_default()
    }

    /// `memory_info()`: rss, vms, shared, text, data (bytes) from `statm`.
    pub fn memory_info(&mut self) -> [u64; 5] {
        let n = slurp(self.self_fd, c"statm", &mut self.buf, Eof::Short).unwrap_or(0);
        let mut v = [0u64; 7];
        for (i, x) in self.buf[..n]
            .trim_ascii_end()
            .split(|&c| c == b' ')
            .take(7)
            .enumerate()
        {
            v[i] = dec(x).unwrap_or(0) * self.k.page;
        }
        [v[1], v[0], v[2], v[3], v[5]]
    }

    /// `memory_full_info()`: `memory_info()` + uss, pss, swap from `smaps_rollup`.
    pub fn memory_full_info(&mut self) -> ([u64; 5], [u64; 3]) {
        let mi = self.memory_info();
        let n = slurp(self.self_fd, c"smaps_rollup", &mut self.buf, Eof::Zero).unwrap_or(0);
        let (mut uss, mut pss, mut swap) = (0, 0, 0);
        for line in self.buf[..n].split(|&c| c == b'\n') {
            let Some(c) = line.iter().position(|&c| c == b':') else {
                continue;
            };
            let v = || first_num(&line[c + 1..]) * 1024;
            match &line[..c] {
                b"Private_Clean" | b"Private_Dirty" | b"Private_Hugetlb" => uss += v(),
                b"Pss" => pss = v(),
                b"Swap" => swap = v(),
                _ => {}
            }
        }
        (mi, [uss, pss, swap])
    }

    /// `num_fds()`: the size of `/proc/self/fd` (Linux 6.2+), else a listing.
    pub fn num_fds(&mut self) -> usize {
        // SAFETY: zeroed stat is a valid out-parameter.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid descriptor, path and out-pointer.
        if unsafe { libc::fstatat(self.self_fd, c"fd".as_ptr(), &mut st, 0) } == 0 && st.st_size > 0 {
            return st.st_size as usize;
        }
        let Some(fd) = open_dir(self.self_fd, c"fd", 0) else {
            return 0;
        };
        let mut n = 0;
        each_dirent(fd, &mut self.dents, |_| n += 1);
        close(fd);
        n
    }

    /// `open_files()`: (path, fd, position, flags) of every regular file.
    pub fn open_files(&mut self) -> Vec<(String, i32, u64, u64)> {
        let Some(dfd) = open_dir(self.self_fd, c"fd", 0) else {
            return Vec::new();
        };
        let mut fds = Vec::with_capacity(64);
        each_dirent(dfd, &mut self.dents, |n| fds.extend(dec(n)));
        let mut out = Vec::new();
        for fd in fds {
            let p = PidPath::new(fd as u32, b"\0");
            // SAFETY: valid descriptor, path and buffer.
            let n = unsafe {
                libc::readlinkat(
                    dfd,
                    p.c().as_ptr(),
                    self.link.as_mut_ptr().cast(),
                    self.link.len() - 1,
                )
            };
            if n <= 0 || self.link[0] != b'/' {
                continue;
            }
            self.link[n as usize] = 0;
            // SAFETY: zeroed stat is a valid out-parameter; the link is NUL-terminated above.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::stat(self.link.as_ptr().cast(), &mut st) } != 0
                || st.st_mode & libc::S_IFMT != libc::S_IFREG
            {
                continue;
            }
            let path = String::from_utf8_lossy(&self.link[..n as usize]).into_owned();
            let info = PidPath::new(fd as u32, b"\0");
            let mut rel = *b"fdinfo/\0\0\0\0\0\0\0\0\0\0\0";
            let digits = info.c().to_bytes();
            rel[7..7 + digits.len()].copy_from_slice(digits);
            let rel = CStr::from_bytes_until_nul(&rel).unwrap_or(c"");
            let Some(m) = slurp(self.self_fd, rel, &mut self.buf, Eof::Short) else {
                continue;
            };
            let (pos, flags) = parse_fdinfo(&self.buf[..m]);
            out.push((path, fd as i32, pos, flags));
        }
        close(dfd);
        out
    }

    /// `cmdline()`.
    pub fn cmdline(&mut self) -> Vec<String> {
        let n = slurp(self.self_fd, c"cmdline", &mut self.buf, Eof::Short).unwrap_or(0);
        split_cmdline(&self.buf[..n])
    }

    /// All W3 calls in one go, `stat` and `statm` read once (psutil's `oneshot()`).
    pub fn oneshot(&mut self) -> usize {
        let n = self.self_stat();
        let hz = self.k.hz;
        let (comm, times) = match parse_stat(&self.sbuf[..n]) {
            Some(s) => (s.comm.to_vec(), [14, 15, 16, 17, 42].map(|i| s.n(i) as f64 / hz)),
            None => return 0,
        };
        let cmd = self.cmdline();
        let name = full_name(&comm, &cmd);
        let full = self.memory_full_info();
        let nf = self.num_fds();
        let of = self.open_files();
        std::hint::black_box((name, times, full, nf, &of, &cmd));
        7
    }

    /// `net_connections('inet')`: socket inode -> (pid, fd) from every `/proc/PID/fd`,
    /// then `/proc/net/{tcp,tcp6,udp,udp6}` (psutil's sources).
    pub fn net_connections(&mut self) -> Vec<Conn> {
        self.list_pids();
        let mut owner: HashMap<u64, (u32, i32)> = HashMap::new();
        let mut fds: Vec<u32> = Vec::with_capacity(256);
        for i in 0..self.pids.len() {
            let pid = self.pids[i];
            let Some(dfd) = open_dir(self.proc_fd, PidPath::new(pid, b"/fd\0").c(), 0) else {
                continue;
            };
            fds.clear();
            each_dirent(dfd, &mut self.dents, |n| fds.extend(dec(n).map(|v| v as u32)));
            for &fd in &fds {
                let p = PidPath::new(fd, b"\0");
                // SAFETY: valid descriptor, path and buffer.
                let n = unsafe {
                    libc::readlinkat(
                        dfd,
                        p.c().as_ptr(),
                        self.link.as_mut_ptr().cast(),
                        self.link.len(),
                    )
                };
                if n > 9 && self.link.starts_with(b"socket:[") {
                    if let Some(ino) = dec(&self.link[8..n as usize - 1]) {
                        // psutil merges per-process maps in listing order: the last one wins
                        owner.insert(ino, (pid, fd as i32));
                    }
                }
            }
            close(dfd);
        }
        let mut out = Vec::new();
        for (path, v6, tcp) in [
            (c"/proc/net/tcp", false, true),
            (c"/proc/net/tcp6", true, true),
            (c"/proc/net/udp", false, false),
            (c"/proc/net/udp6", true, false),
        ] {
            let Some(n) = slurp(libc::AT_FDCWD, path, &mut self.buf, Eof::Zero) else {
                continue;
            };
            for line in self.buf[..n].split(|&c| c == b'\n').skip(1) {
                let mut f = line.split(|&c| c == b' ').filter(|x| !x.is_empty());
                let (Some(_), Some(l), Some(r), Some(st)) = (f.next(), f.next(), f.next(), f.next()) else {
                    continue;
                };
                let Some(ino) = f.nth(5).and_then(dec) else {
                    continue;
                };
                let (pid, fd) = match owner.get(&ino) {
                    Some(&(p, fd)) => (Some(p), fd),
                    None => (None, -1),
                };
                let status = if tcp { hex(st) as u8 } else { 0 };
                out.push((
                    fd,
                    if v6 { 10 } else { 2 },
                    if tcp { 1 } else { 2 },
                    addr(l, v6),
                    addr(r, v6),
                    status,
                    pid,
                ));
            }
        }
        out
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        close(self.proc_fd);
        close(self.self_fd);
    }
}

fn hex(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |a, &c| {
        a.wrapping_mul(16)
            + match c {
                b'0'..=b'9' => u64::from(c - b'0'),
                b'a'..=b'f' => u64::from(c - b'a' + 10),
                b'A'..=b'F' => u64::from(c - b'A' + 10),
                _ => 0,
            }
    })
}

/// "0100007F:1F90" -> ("127.0.0.1", 8080); the kernel prints each 32-bit word of the
/// address in host byte order. Port 0 gives ("", 0) (psutil's empty tuple).
fn addr(a: &[u8], v6: bool) -> (String, u16) {
    let Some(c) = a.iter().position(|&c| c == b':') else {
        return (String::new(), 0);
    };
    let port = hex(&a[c + 1..]) as u16;
    if port == 0 {
        return (String::new(), 0);
    }
    let mut bytes = Vec::with_capacity(16);
    for w in a[..c].chunks(8) {
        bytes.extend_from_slice(&(hex(w) as u32).to_ne_bytes());
    }
    let ip = if v6 {
        let o: [u8; 16] = bytes.try_into().unwrap_or([0; 16]);
        std::net::Ipv6Addr::from(o).to_string()
    } else {
        let o: [u8; 4] = bytes.try_into().unwrap_or([0; 4]);
        std::net::Ipv4Addr::from(o).to_string()
    };
    (ip, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(addr(b"0100007F:1F90", false), ("127.0.0.1".to_string(), 8080));
        assert_eq!(addr(b"00000000:0000", false), (String::new(), 0));
        assert_eq!(
            addr(b"00000000000000000000000001000000:0016", true),
            ("::1".to_string(), 22)
        );
    }

    #[test]
    fn stat_fields() {
        let d = b"42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 12345 1000 200";
        let s = parse_stat(d).unwrap();
        assert_eq!(s.comm, b"a (b) c");
        assert_eq!(s.f[0], b"S");
        assert_eq!(s.n(4), 1);
        assert_eq!(s.n(14), 7);
        assert_eq!(s.n(22), 12345);
        assert_eq!(s.n(24), 200);
        assert_eq!(s.n(42), 0); // absent field
    }

    #[test]
    fn status_and_fdinfo() {
        let st =
            parse_status(b"Name:\tx\nUid:\t1000\t0\t0\t0\nVmSize:\t  100 kB\nVmRSS:\t 12 kB\nThreads:\t3\n");
        assert_eq!(
            (st.ruid, st.threads, st.rss_kb, st.vms_kb),
            (Some(1000), 3, 12, 100)
        );
        assert_eq!(
            parse_fdinfo(b"pos:\t17\nflags:\t0102002\nmnt_id:\t3\n"),
            (17, 0o102002)
        );
    }

    /// The floor's row for this process matches /proc read another way (std::fs).
    #[test]
    fn own_row_matches_proc() {
        let me = std::process::id();
        let mut f = Floor::new();
        let r = f.w1_one(me, &passwd()).expect("own row");
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let threads: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(r.num_threads >= 1 && threads >= 1);
        assert_eq!(r.ppid, std::os::unix::process::parent_id());
        let cmd: Vec<String> = std::env::args().collect();
        assert_eq!(r.cmdline, cmd);
        assert!(r.rss > 0 && r.vms > r.rss);
        assert!(f.list_pids() > 1 && f.pids.contains(&me));
        assert!(f.num_fds() >= 3);
    }
}
