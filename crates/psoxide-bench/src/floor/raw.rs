//! Raw syscall helpers shared by both floors (system calls and process scans):
//! `openat`, `read` into a reused buffer and `close`; `getdents64` listings; small byte
//! parsers. Nothing here allocates per call except where the caller asks for owned
//! output.

use std::ffi::CStr;
use std::io;

/// How a file ends (same idea as psoxide's reader): a single-record file is complete
/// after a short read; a multi-record seq_file is read until `read` returns 0.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Eof {
    /// A read that returns less than offered is the end.
    Short,
    /// Read until a read returns 0.
    Zero,
}

/// `openat(dirfd, path, O_RDONLY|O_CLOEXEC|extra)`.
pub fn open_at(dirfd: libc::c_int, path: &CStr, extra: libc::c_int) -> io::Result<libc::c_int> {
    loop {
        // SAFETY: `path` is NUL-terminated.
        let fd = unsafe { libc::openat(dirfd, path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC | extra) };
        if fd >= 0 {
            return Ok(fd);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Closes an fd that this module opened.
pub fn close(fd: libc::c_int) {
    // SAFETY: the caller owns `fd` and closes it once.
    unsafe { libc::close(fd) };
}

/// Reads the whole open `fd` into `buf` (cleared first); returns the length.
pub fn read_fd(fd: libc::c_int, buf: &mut Vec<u8>, eof: Eof) -> io::Result<usize> {
    buf.clear();
    if buf.capacity() < 16 * 1024 {
        buf.reserve(16 * 1024);
    }
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity());
        }
        let spare = buf.capacity() - buf.len();
        // SAFETY: pointer and length describe the spare capacity of `buf`.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().add(buf.len()).cast(), spare) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let n = n as usize;
        // SAFETY: the kernel initialised `n` bytes.
        unsafe { buf.set_len(buf.len() + n) };
        if n == 0 || (eof == Eof::Short && n < spare) {
            return Ok(buf.len());
        }
    }
}

/// openat + read(s) + close.
pub fn read_at(dirfd: libc::c_int, path: &CStr, buf: &mut Vec<u8>, eof: Eof) -> io::Result<usize> {
    let fd = open_at(dirfd, path, 0)?;
    let r = read_fd(fd, buf, eof);
    close(fd);
    r
}

/// Reads an absolute path.
pub fn read(path: &CStr, buf: &mut Vec<u8>, eof: Eof) -> io::Result<usize> {
    read_at(libc::AT_FDCWD, path, buf, eof)
}

/// Lists an open directory with getdents64; `f(name, d_type)` for every entry except
/// "." and "..".
pub fn for_each_dent(fd: libc::c_int, dents: &mut Vec<u8>, mut f: impl FnMut(&[u8], u8)) -> io::Result<()> {
    if dents.len() < 32 * 1024 {
        dents.resize(32 * 1024, 0);
    }
    loop {
        // SAFETY: `dents` is a writable buffer of the given length.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, dents.as_mut_ptr(), dents.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n == 0 {
            return Ok(());
        }
        let n = n as usize;
        let mut off = 0usize;
        while off + 19 <= n {
            let reclen = u16::from_ne_bytes([dents[off + 16], dents[off + 17]]) as usize;
            if reclen == 0 || off + reclen > n {
                break;
            }
            let dtype = dents[off + 18];
            let raw = &dents[off + 19..off + reclen];
            let name = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
            if name != b"." && name != b".." {
                f(name, dtype);
            }
            off += reclen;
        }
    }
}

/// Opens `path` as a directory and lists it.
pub fn list_dir(
    dirfd: libc::c_int,
    path: &CStr,
    dents: &mut Vec<u8>,
    f: impl FnMut(&[u8], u8),
) -> io::Result<()> {
    let fd = open_at(dirfd, path, libc::O_DIRECTORY)?;
    let r = for_each_dent(fd, dents, f);
    close(fd);
    r
}

/// A NUL-terminated path assembled from byte pieces on the stack.
pub struct PathBuf256 {
    b: [u8; 256],
    len: usize,
}

impl PathBuf256 {
    /// Concatenates `parts`; too-long input is truncated (never happens for sysfs names).
    pub fn new(parts: &[&[u8]]) -> Self {
        let mut p = PathBuf256 { b: [0; 256], len: 0 };
        for part in parts {
            for &c in *part {
                if p.len < 255 {
                    p.b[p.len] = c;
                    p.len += 1;
                }
            }
        }
        p
    }
    /// As a C string.
    pub fn c(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.b).unwrap_or(c"")
    }
}

/// Parses leading ASCII digits (after leading spaces); `None` if there are none.
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    let b = b.trim_ascii_start();
    let mut v: u64 = 0;
    let mut any = false;
    for &c in b {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
        any = true;
    }
    any.then_some(v)
}

/// Whitespace-separated fields of a line.
pub fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|c| c.is_ascii_whitespace()).filter(|f| !f.is_empty())
}

/// The number after `key` (which includes the leading "\n" when useful).
pub fn number_after(d: &[u8], key: &[u8]) -> Option<u64> {
    let i = find(d, key)?;
    parse_u64(&d[i + key.len()..])
}

/// Byte substring search: scan for the first byte, then compare the rest.
pub fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    let (&first, rest) = n.split_first()?;
    let mut i = 0;
    while i + n.len() <= h.len() {
        let j = h[i..=h.len() - n.len()].iter().position(|&c| c == first)?;
        i += j;
        if &h[i + 1..i + n.len()] == rest {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Python's `round(x, 1)` (exact binary value, ties to even), without formatting in
/// the common case: `x * 10` is rounded directly unless it lies within 1e-6 of a tie,
/// where the multiplication's rounding error could matter; only then the exact decimal
/// expansion decides. `k / 10.0` is the double nearest to k/10, as Python returns.
pub fn round1(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let y = x * 10.0;
    let f = y.floor();
    let d = y - f;
    if (d - 0.5).abs() < 1e-6 || y.abs() >= 1e15 {
        return format!("{x:.1}").parse().unwrap_or(x);
    }
    let r = (if d > 0.5 { f + 1.0 } else { f }) / 10.0;
    // Python keeps the sign of a zero result: round(-0.04, 1) == -0.0
    if r == 0.0 {
        0.0f64.copysign(x)
    } else {
        r
    }
}

/// Trimmed text of a small file, or `None` if it cannot be read.
pub fn read_text(dirfd: libc::c_int, path: &CStr, buf: &mut Vec<u8>) -> Option<String> {
    let n = read_at(dirfd, path, buf, Eof::Short).ok()?;
    Some(String::from_utf8_lossy(buf[..n].trim_ascii()).into_owned())
}

/// Integer contents of a small file (optionally signed), or `None`.
pub fn read_i64(dirfd: libc::c_int, path: &CStr, buf: &mut Vec<u8>) -> Option<i64> {
    let n = read_at(dirfd, path, buf, Eof::Short).ok()?;
    std::str::from_utf8(buf[..n].trim_ascii()).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_and_numbers() {
        let d = b"cpu 1 2\nctxt 42\nbtime 7\n";
        assert_eq!(find(d, b"\nctxt "), Some(7));
        assert_eq!(number_after(d, b"\nbtime "), Some(7));
        assert_eq!(find(d, b"\nnope"), None);
        assert_eq!(find(b"ab", b"abc"), None);
        assert_eq!(find(b"aab", b"ab"), Some(1));
        assert_eq!(parse_u64(b"  12x"), Some(12));
        assert_eq!(parse_u64(b"x"), None);
        assert_eq!(parse_u64(b"99999999999999999999999"), None);
    }

    #[test]
    fn round1_like_python() {
        // values checked with CPython's round(x, 1)
        for (x, want) in [
            (0.25, 0.2),
            (0.35, 0.3),
            (0.05, 0.1),
            (0.15, 0.1),
            (2.675, 2.7),
            (12.45, 12.4),
            (99.95, 100.0),
            (-0.25, -0.2),
            (33.333333, 33.3),
            (66.66666, 66.7),
            (0.0, 0.0),
            (100.0, 100.0),
        ] {
            assert_eq!(round1(x), want, "round1({x})");
        }
    }

    #[test]
    fn round1_matches_exact_formatting() {
        let mut z = 0x1234_5678_9abc_def0u64;
        for i in 0..50_000u64 {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            // ratios like busy/total*100 and values on exact .x5 ties
            let x = if i % 2 == 0 {
                (z % 1_000_000) as f64 / (1 + (z >> 32) % 1_000_000) as f64 * 100.0
            } else {
                (z % 20_001) as f64 / 200.0
            };
            let exact: f64 = format!("{x:.1}").parse().unwrap();
            assert_eq!(round1(x), exact, "{x}");
        }
    }
}
