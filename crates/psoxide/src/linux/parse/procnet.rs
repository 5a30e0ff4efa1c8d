//! `/proc/net/{tcp,tcp6,udp,udp6}` and `/proc/net/unix`: the socket tables of the
//! reader's network namespace.
//!
//! The inet files have one header line, then one line per socket:
//!
//! ```text
//!   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//!    0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 21547 1 ...
//! ```
//!
//! An address is `HEX:PORT`. The IP part is the kernel's in-memory address printed as
//! 32-bit words with `%08X`: one word for IPv4, four for IPv6, each word the
//! host-endian reading of four network-order bytes. So on every host, taking each
//! word's native-endian bytes gives back the network-order address. The port is
//! plain hex in host order. `st` is the socket state in hex (TCP states `01`..`0B`),
//! and `inode` (10th column) the decimal socket inode (0 for TIME_WAIT and request
//! sockets, which belong to no file).
//!
//! `/proc/net/unix` has one header line, then:
//!
//! ```text
//! Num       RefCount Protocol Flags    Type St Inode Path
//! 0000000000000000: 00000002 00000000 00010000 0001 01 21549 /run/foo.sock
//! ```
//!
//! `Type` is the socket type in hex (`0001` stream, `0002` dgram, `0005` seqpacket),
//! `Inode` decimal, and `Path` the bound name, if any. The kernel prints a filesystem
//! name without its trailing NUL, an abstract name as `@` followed by the name, and
//! every NUL byte inside a name as `@`. It prints the name raw: a name with a newline
//! in it continues on the next line of the file.

use crate::error::{Error, Result};
use crate::linux::parse::num::{fields, u64_dec, u64_hex};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// One line of `/proc/net/tcp*` or `/proc/net/udp*` (or one inet sock_diag record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InetSock {
    /// Local IP address.
    pub local_ip: IpAddr,
    /// Local port (0 when unbound).
    pub local_port: u16,
    /// Remote IP address (unspecified when not connected).
    pub remote_ip: IpAddr,
    /// Remote port (0 when not connected).
    pub remote_port: u16,
    /// The kernel's socket state code (`TCP_ESTABLISHED` = 1 ... `TCP_CLOSING` = 11).
    pub state: u8,
    /// The socket inode (0 for sockets without a file: TIME_WAIT, request sockets).
    pub inode: u64,
}

/// One line of `/proc/net/unix` (or one unix sock_diag record).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnixSock {
    /// The socket type (`SOCK_STREAM` = 1, `SOCK_DGRAM` = 2, `SOCK_SEQPACKET` = 5).
    pub sock_type: u32,
    /// The socket inode.
    pub inode: u64,
    /// psutil's `laddr` for this socket: the name as `/proc/net/unix` prints it (see
    /// [`unix_name_text`]), or `""` when unnamed or when the name contains whitespace
    /// between other characters (psutil splits the line on whitespace and keeps the
    /// path only when exactly one token is left for it). Decoded with
    /// `String::from_utf8_lossy`.
    pub path: String,
}

/// Python's `str.isspace()` for one character (what `str.split()` splits on):
/// Unicode White_Space plus the separators U+001C..U+001F.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// psutil's `laddr` for a UNIX socket name as `/proc/net/unix` prints it (the raw
/// bytes after the `Inode` column, newlines included): decoded lossily, split on
/// Python whitespace; one token gives that token, anything else gives `""`.
pub fn unix_laddr(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut it = s.split(py_isspace).filter(|t| !t.is_empty());
    match (it.next(), it.next()) {
        (Some(one), None) => one.to_string(),
        _ => String::new(),
    }
}

/// The text `/proc/net/unix` prints for a socket whose `sun_path` bytes (the address
/// length minus the family field, as `UNIX_DIAG_NAME` carries it) are `sun_path`:
/// a filesystem name loses its last byte (the terminating NUL), an abstract name
/// (first byte NUL) becomes `@` + the rest, and every NUL inside becomes `@`.
/// Empty input gives empty output.
pub fn unix_name_text(sun_path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sun_path.len() + 1);
    match sun_path.first() {
        None => {}
        Some(0) => {
            out.push(b'@');
            out.extend(sun_path[1..].iter().map(|&b| if b == 0 { b'@' } else { b }));
        }
        Some(_) => {
            let body = &sun_path[..sun_path.len() - 1];
            out.extend(body.iter().map(|&b| if b == 0 { b'@' } else { b }));
        }
    }
    out
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn malformed(path: &Path, lineno: usize, line: &[u8], why: &str) -> Error {
    // psutil: "error while parsing FILE; malformed line", a RuntimeError.
    Error::parse_structure(
        path,
        format!("malformed line {lineno} ({why}): {:?}", lossy(line)),
    )
}

/// Decodes a `HEX:PORT` token (IPv4 when `v6` is false).
fn parse_addr(tok: &[u8], v6: bool) -> Option<(IpAddr, u16)> {
    let colon = tok.iter().position(|&b| b == b':')?;
    let (ip_hex, rest) = tok.split_at(colon);
    let port_hex = rest.get(1..)?;
    if port_hex.len() > 4 || port_hex.contains(&b':') {
        return None;
    }
    let port = u16::try_from(u64_hex(port_hex)?).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let h = ip_hex.get(i * 8..i * 8 + 8)?;
        Some(u32::try_from(u64_hex(h)?).ok()?.to_ne_bytes())
    };
    let ip = if v6 {
        if ip_hex.len() != 32 {
            return None;
        }
        let mut b = [0u8; 16];
        for i in 0..4 {
            b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
        }
        IpAddr::V6(Ipv6Addr::from(b))
    } else {
        if ip_hex.len() != 8 {
            return None;
        }
        IpAddr::V4(Ipv4Addr::from(word(0)?))
    };
    Some((ip, port))
}

/// Parses `/proc/net/tcp`, `tcp6`, `udp` or `udp6` (`v6` selects the address width).
///
/// The first line (the header) is skipped whatever it holds; blank lines are
/// skipped. Errors (`Error::Parse` naming `path` and the 1-based line number of the
/// file): fewer than 10 columns, an address that is not `HEX:PORT` of the right
/// width, a state that is not two hex digits, or an inode that is not decimal.
pub fn parse_proc_net_inet(bytes: &[u8], path: &Path, v6: bool) -> Result<Vec<InetSock>> {
    let mut out = Vec::new();
    for (idx, line) in bytes.split(|&b| b == b'\n').enumerate().skip(1) {
        let lineno = idx + 1;
        let mut toks = [&[][..]; 10];
        let mut n = 0;
        for t in fields(line).take(10) {
            toks[n] = t;
            n += 1;
        }
        if n == 0 {
            continue;
        }
        if n < 10 {
            return Err(malformed(path, lineno, line, "fewer than 10 columns"));
        }
        let (local_ip, local_port) =
            parse_addr(toks[1], v6).ok_or_else(|| malformed(path, lineno, line, "local_address"))?;
        let (remote_ip, remote_port) =
            parse_addr(toks[2], v6).ok_or_else(|| malformed(path, lineno, line, "rem_address"))?;
        let state = (toks[3].len() == 2)
            .then(|| u64_hex(toks[3]))
            .flatten()
            .ok_or_else(|| malformed(path, lineno, line, "st"))? as u8;
        let inode = u64_dec(toks[9]).ok_or_else(|| malformed(path, lineno, line, "inode"))?;
        out.push(InetSock {
            local_ip,
            local_port,
            remote_ip,
            remote_port,
            state,
            inode,
        });
    }
    Ok(out)
}

/// True for the `Num` column of an entry line: hex digits followed by `:`.
fn is_entry_start(tok: &[u8]) -> bool {
    tok.len() >= 2 && tok.last() == Some(&b':') && tok[..tok.len() - 1].iter().all(u8::is_ascii_hexdigit)
}

/// Parses `/proc/net/unix`.
///
/// The first line (the header) is skipped. An entry line starts with `HEX:` and has
/// at least 7 columns; what follows the 7th column is the name (see
/// [`UnixSock::path`]). A line that does not start with `HEX:` right after an entry
/// that printed a name is the rest of that name (the name held a newline), so the
/// name is extended with it. Other such lines are skipped when they hold no space
/// (as psutil does) and are an error otherwise. Errors (`Error::Parse` naming `path`
/// and the 1-based line number): an entry line with fewer than 7 columns, a `Type`
/// that is not hex, an `Inode` that is not decimal, or a stray line with spaces.
///
/// psutil does not know about continued names: it keeps the first part of such a
/// name as the path and raises on a continuation line that holds a space. This
/// parser gives what the sock_diag reader gives for the same socket (`""`, since the
/// full name contains a newline).
pub fn parse_proc_net_unix(bytes: &[u8], path: &Path) -> Result<Vec<UnixSock>> {
    let mut out: Vec<UnixSock> = Vec::new();
    // The raw name text of the last entry, while a continuation may still follow.
    let mut open_name: Option<Vec<u8>> = None;
    let close = |out: &mut Vec<UnixSock>, name: &mut Option<Vec<u8>>| {
        if let (Some(text), Some(last)) = (name.take(), out.last_mut()) {
            last.path = unix_laddr(&text);
        }
    };
    for (idx, line) in bytes.split(|&b| b == b'\n').enumerate().skip(1) {
        let lineno = idx + 1;
        let first = fields(line).next();
        if !first.is_some_and(is_entry_start) {
            if let Some(text) = open_name.as_mut() {
                text.push(b'\n');
                text.extend_from_slice(line);
                continue;
            }
            if !line.contains(&b' ') {
                continue;
            }
            return Err(malformed(path, lineno, line, "not a socket entry"));
        }
        close(&mut out, &mut open_name);
        // Columns 0..=6 are short ASCII tokens; the name is whatever follows column 6.
        let mut rest = line;
        let mut cols = [&[][..]; 7];
        for col in cols.iter_mut() {
            let start = rest.iter().position(|c| !c.is_ascii_whitespace());
            let Some(start) = start else {
                return Err(malformed(path, lineno, line, "fewer than 7 columns"));
            };
            let r = &rest[start..];
            let end = r.iter().position(u8::is_ascii_whitespace).unwrap_or(r.len());
            *col = &r[..end];
            rest = &r[end..];
        }
        let sock_type = (cols[4].len() <= 8)
            .then(|| u64_hex(cols[4]))
            .flatten()
            .ok_or_else(|| malformed(path, lineno, line, "Type"))? as u32;
        let inode = u64_dec(cols[6]).ok_or_else(|| malformed(path, lineno, line, "Inode"))?;
        // The kernel separates the name with one space; anything else is name text
        // (leading whitespace of a name is dropped by the split anyway).
        let name = rest.strip_prefix(b" ").unwrap_or(rest);
        out.push(UnixSock {
            sock_type,
            inode,
            path: String::new(),
        });
        if !name.is_empty() {
            open_name = Some(name.to_vec());
        }
    }
    close(&mut out, &mut open_name);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/proc/net/x";

    fn p() -> &'static Path {
        Path::new(P)
    }

    const TCP: &[u8] = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 21547 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:9C40 0100007F:0CEA 01 00000000:00000000 00:00000000 00000000  1000        0 21550 1 0000000000000000 20 4 30 10 -1\n";

    #[test]
    fn tcp4_lines() {
        let v = parse_proc_net_inet(TCP, p(), false).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].local_ip, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(v[0].local_port, 3306);
        assert_eq!(v[0].remote_ip, "0.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(v[0].remote_port, 0);
        assert_eq!(v[0].state, 0x0A);
        assert_eq!(v[0].inode, 21547);
        assert_eq!(v[1].local_port, 40000);
        assert_eq!(v[1].remote_port, 3306);
        assert_eq!(v[1].state, 1);
    }

    #[test]
    fn tcp6_and_mapped() {
        let f = b"hdr\n 0: 00000000000000000000000001000000:0016 0000000000000000FFFF00000100007F:9E49 01 0:0 0:0 0 0 0 777\n";
        let v = parse_proc_net_inet(f, p(), true).unwrap();
        assert_eq!(v[0].local_ip, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(v[0].remote_ip, "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(v[0].remote_port, 40521);
        assert_eq!(v[0].inode, 777);
    }

    #[test]
    fn inet_errors_name_the_line() {
        for (bad, what) in [
            (
                &b"h\n 0: 0100007F:0CEA 00000000:0000 0A 0 0 0 0 0\n"[..],
                "fewer than 10",
            ),
            (
                b"h\n 0: 0100007F0CEA 00000000:0000 0A 0 0 0 0 0 1\n",
                "local_address",
            ),
            (
                b"h\n 0: 0100007G:0CEA 00000000:0000 0A 0 0 0 0 0 1\n",
                "local_address",
            ),
            (
                b"h\n 0: 0100007F:0CEA 00000000:00000 0A 0 0 0 0 0 1\n",
                "rem_address",
            ),
            (
                b"h\n 0: 0100007F:0CEA 0000000:0000 0A 0 0 0 0 0 1\n",
                "rem_address",
            ),
            (b"h\n 0: 0100007F:0CEA 00000000:0000 A 0 0 0 0 0 1\n", "st"),
            (b"h\n 0: 0100007F:0CEA 00000000:0000 0A 0 0 0 0 0 -1\n", "inode"),
            (b"h\n 0: 0100007F:0CEA 00000000:0000 0A 0 0 0 0 0 x1\n", "inode"),
            (
                b"h\n 0: 0100007F:0CEA 00000000:0000 0A 0 0 0 0 0 1\n 1: 0100007F",
                "fewer",
            ),
            (
                b"h\n 0: \xff\xfe:0CEA 00000000:0000 0A 0 0 0 0 0 1\n",
                "local_address",
            ),
        ] {
            let e = parse_proc_net_inet(bad, p(), false).unwrap_err();
            let s = e.to_string();
            assert!(
                s.contains(P) && (s.contains("line 2") || s.contains("line 3")),
                "{s}"
            );
            assert!(s.contains(what), "{s} lacks {what}");
        }
        // A v4 address in a v6 file and the other way round.
        let f = b"h\n 0: 0100007F:0CEA 00000000:0000 0A 0 0 0 0 0 1\n";
        assert!(parse_proc_net_inet(f, p(), true).is_err());
        let f = b"h\n 0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 0 0 0 0 0 1\n";
        assert!(parse_proc_net_inet(f, p(), false).is_err());
    }

    #[test]
    fn inet_empty_and_header_only() {
        assert!(parse_proc_net_inet(b"", p(), false).unwrap().is_empty());
        assert!(parse_proc_net_inet(b"header\n", p(), false).unwrap().is_empty());
        assert!(parse_proc_net_inet(b"header\n\n  \n", p(), false)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn unix_names() {
        let f = b"Num       RefCount Protocol Flags    Type St Inode Path\n\
0000000000000000: 00000002 00000000 00010000 0001 01 100 /run/a.sock\n\
0000000000000000: 00000002 00000000 00000000 0002 01 101\n\
0000000000000000: 00000002 00000000 00000000 0005 01 102 @abstract@x\n\
0000000000000000: 00000002 00000000 00000000 0001 01 103 /tmp/with space\n\
0000000000000000: 00000002 00000000 00000000 0001 01 104 /tmp/two\n\
line\n\
0000000000000000: 00000002 00000000 00000000 0001 01 105 /tmp/trail\n\
\n\
0000000000000000: 00000002 00000000 00000000 0001 01 106 /tmp/tab\tx\n";
        let v = parse_proc_net_unix(f, p()).unwrap();
        let got: Vec<_> = v
            .iter()
            .map(|u| (u.sock_type, u.inode, u.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 100, "/run/a.sock"),
                (2, 101, ""),
                (5, 102, "@abstract@x"),
                (1, 103, ""),
                (1, 104, ""),
                (1, 105, "/tmp/trail"),
                (1, 106, ""),
            ]
        );
    }

    #[test]
    fn unix_stray_lines() {
        // psutil issue 766: a line without spaces is skipped.
        let f = b"hdr\n0000: 00000002 00000000 00000000 0001 01 100\nfoo\n";
        assert_eq!(parse_proc_net_unix(f, p()).unwrap().len(), 1);
        let f = b"hdr\n0000: 00000002 00000000 00000000 0001 01 100\nfoo bar\n";
        let e = parse_proc_net_unix(f, p()).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        for bad in [
            &b"hdr\n0000: 00000002 00000000\n"[..],
            b"hdr\n0000: 00000002 00000000 00000000 00x1 01 100\n",
            b"hdr\n0000: 00000002 00000000 00000000 0001 01 1a0\n",
            b"hdr\n0000: 00000002 00000000 00000000 0001 01 99999999999999999999999\n",
        ] {
            let e = parse_proc_net_unix(bad, p()).unwrap_err().to_string();
            assert!(e.contains("line 2") && e.contains(P), "{e}");
        }
        assert!(parse_proc_net_unix(b"", p()).unwrap().is_empty());
    }

    #[test]
    fn name_text_like_the_kernel() {
        assert_eq!(unix_name_text(b"/run/x\0"), b"/run/x");
        assert_eq!(unix_name_text(b"\0abs\0x"), b"@abs@x");
        assert_eq!(unix_name_text(b"\0"), b"@");
        assert_eq!(unix_name_text(b""), b"");
        assert_eq!(unix_laddr(b" /x "), "/x");
        assert_eq!(unix_laddr(b"/a\x1cb"), "");
        assert_eq!(unix_laddr("/a\u{a0}b".as_bytes()), "");
        assert_eq!(unix_laddr(b"/a\xffb"), "/a\u{fffd}b");
        assert_eq!(unix_laddr(b"   "), "");
    }

    #[test]
    fn never_panics_on_prefixes() {
        let f = b"Num RefCount\n0000000000000000: 00000002 00000000 00010000 0001 01 100 /run/a.sock\n";
        for i in 0..f.len() {
            let _ = parse_proc_net_unix(&f[..i], p());
        }
        for i in 0..TCP.len() {
            let _ = parse_proc_net_inet(&TCP[..i], p(), false);
            let _ = parse_proc_net_inet(&TCP[..i], p(), true);
        }
    }
}
