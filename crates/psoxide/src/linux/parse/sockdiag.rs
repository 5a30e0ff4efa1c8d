//! Netlink `NETLINK_SOCK_DIAG` messages: dump requests for the inet (TCP, UDP) and
//! UNIX socket tables, and the parsing of the kernel's replies.
//!
//! A request is one netlink message (`struct nlmsghdr`, 16 bytes) of type
//! `SOCK_DIAG_BY_FAMILY` (20) with `NLM_F_REQUEST | NLM_F_DUMP`, carrying either a
//! `struct inet_diag_req_v2` (56 bytes: family, protocol, extensions, pad, state
//! mask, a zeroed `inet_diag_sockid`) or a `struct unix_diag_req` (24 bytes: family,
//! protocol, pad, state mask, inode, `show` flags, cookie). The kernel answers with
//! datagrams each holding one or more messages: `struct inet_diag_msg` (72 bytes)
//! or `struct unix_diag_msg` (16 bytes followed by `rtattr` attributes, of which
//! `UNIX_DIAG_NAME` is the bound address), then `NLMSG_DONE`, or `NLMSG_ERROR` with a
//! negative errno.
//!
//! Multi-byte header and message fields are in host byte order; the ports and
//! addresses inside `inet_diag_sockid` are in network byte order.
//!
//! These functions are pure: they build and read byte buffers only.

use crate::error::{Error, Result};
use crate::linux::parse::procnet::{unix_laddr, unix_name_text, InetSock, UnixSock};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// `NETLINK_SOCK_DIAG`, the netlink protocol number.
pub const NETLINK_SOCK_DIAG: i32 = 4;
/// `SOCK_DIAG_BY_FAMILY`, the request and reply message type.
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
const NLM_F_REQUEST: u16 = 0x01;
const NLM_F_DUMP_INTR: u16 = 0x10;
const NLM_F_DUMP: u16 = 0x300;
const HDR: usize = 16;
const INET_REQ: usize = 56;
const INET_MSG: usize = 72;
const UNIX_REQ: usize = 24;
const UNIX_MSG: usize = 16;
/// `UDIAG_SHOW_NAME`: ask for the `UNIX_DIAG_NAME` attribute.
pub const UDIAG_SHOW_NAME: u32 = 0x01;
const UNIX_DIAG_NAME: u16 = 0;

/// The TCP state mask for inet dumps: states 1 (`TCP_ESTABLISHED`) to 12
/// (`TCP_NEW_SYN_RECV`, the state of request sockets, which the kernel reports as
/// `SYN_RECV`). Bit 13 (`TCP_BOUND_INACTIVE`) is left out on purpose: it makes the
/// kernel also walk bound-but-idle sockets, which `/proc/net/tcp` does not list.
pub const INET_STATES: u32 = 0x1FFE;

fn header(buf: &mut [u8], len: usize, seq: u32) {
    buf[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
    buf[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    buf[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    buf[8..12].copy_from_slice(&seq.to_ne_bytes());
    // nlmsg_pid 0: the kernel fills in our port id.
}

/// A dump request for every socket of `family` (`AF_INET` 2 / `AF_INET6` 10) and
/// `protocol` (`IPPROTO_TCP` 6 / `IPPROTO_UDP` 17) whose state is in `states`.
pub fn inet_dump_request(seq: u32, family: u8, protocol: u8, states: u32) -> [u8; HDR + INET_REQ] {
    let mut b = [0u8; HDR + INET_REQ];
    header(&mut b, HDR + INET_REQ, seq);
    b[HDR] = family;
    b[HDR + 1] = protocol;
    // idiag_ext 0 (no extensions), pad 0.
    b[HDR + 4..HDR + 8].copy_from_slice(&states.to_ne_bytes());
    b
}

/// A dump request for every UNIX socket (all states), with the `show` attributes.
pub fn unix_dump_request(seq: u32, show: u32) -> [u8; HDR + UNIX_REQ] {
    let mut b = [0u8; HDR + UNIX_REQ];
    header(&mut b, HDR + UNIX_REQ, seq);
    b[HDR] = libc::AF_UNIX as u8;
    // sdiag_protocol and pad 0.
    b[HDR + 4..HDR + 8].copy_from_slice(&u32::MAX.to_ne_bytes());
    // udiag_ino 0 (any).
    b[HDR + 12..HDR + 16].copy_from_slice(&show.to_ne_bytes());
    b
}

/// Whether a dump is complete after a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpProgress {
    /// More datagrams follow.
    More,
    /// `NLMSG_DONE` was seen: the dump is complete.
    Done,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Walks the netlink messages of one datagram, calling `each` with the payload of
/// every `SOCK_DIAG_BY_FAMILY` message of sequence `seq`.
fn walk(
    buf: &[u8],
    path: &Path,
    seq: u32,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<DumpProgress> {
    let mut off = 0usize;
    while off < buf.len() {
        let rest = &buf[off..];
        let (Some(len), Some(ty), Some(flags), Some(mseq)) =
            (u32_at(rest, 0), u16_at(rest, 4), u16_at(rest, 6), u32_at(rest, 8))
        else {
            return Err(Error::parse(
                path,
                format!("netlink header truncated at byte {off} of {}", buf.len()),
            ));
        };
        let len = len as usize;
        if len < HDR || len > rest.len() {
            return Err(Error::parse(
                path,
                format!(
                    "netlink message length {len} at byte {off} (datagram of {} bytes)",
                    buf.len()
                ),
            ));
        }
        let payload = &rest[HDR..len];
        if mseq == seq {
            if flags & NLM_F_DUMP_INTR != 0 {
                return Err(Error::parse(path, "dump interrupted (NLM_F_DUMP_INTR)"));
            }
            match ty {
                NLMSG_DONE => {
                    // Some families put an error code in DONE.
                    if let Some(e) = u32_at(payload, 0).map(|v| v as i32).filter(|&e| e < 0) {
                        return Err(Error::io(path, io::Error::from_raw_os_error(e.saturating_neg())));
                    }
                    return Ok(DumpProgress::Done);
                }
                NLMSG_ERROR => {
                    let e = u32_at(payload, 0)
                        .ok_or_else(|| Error::parse(path, "NLMSG_ERROR without an error code"))?
                        as i32;
                    if e != 0 {
                        return Err(Error::io(path, io::Error::from_raw_os_error(e.saturating_neg())));
                    }
                }
                NLMSG_OVERRUN => return Err(Error::parse(path, "NLMSG_OVERRUN")),
                NLMSG_NOOP => {}
                SOCK_DIAG_BY_FAMILY => each(payload)?,
                other => {
                    return Err(Error::parse(
                        path,
                        format!("unexpected netlink message type {other}"),
                    ));
                }
            }
        }
        off = off.saturating_add(align4(len));
    }
    Ok(DumpProgress::More)
}

/// Parses one reply datagram of an inet dump for `family` (`AF_INET` / `AF_INET6`),
/// appending a record per socket to `out`. Messages of another sequence number
/// are ignored.
///
/// Errors: `Error::Io` with the kernel's errno for `NLMSG_ERROR` (or a negative code
/// in `NLMSG_DONE`); `Error::Parse` for a truncated or inconsistent message, a
/// record of another family, or an interrupted dump.
pub fn parse_inet_diag(
    buf: &[u8],
    path: &Path,
    seq: u32,
    family: u8,
    out: &mut Vec<InetSock>,
) -> Result<DumpProgress> {
    walk(buf, path, seq, |m| {
        if m.len() < INET_MSG {
            return Err(Error::parse(
                path,
                format!("inet_diag_msg of {} bytes (need {INET_MSG})", m.len()),
            ));
        }
        if m[0] != family {
            return Err(Error::parse(
                path,
                format!("inet_diag_msg of family {} in a dump of family {family}", m[0]),
            ));
        }
        let id = &m[4..52];
        let port = |at: usize| u16::from_be_bytes([id[at], id[at + 1]]);
        let ip = |at: usize| -> IpAddr {
            if family == libc::AF_INET6 as u8 {
                let mut b = [0u8; 16];
                b.copy_from_slice(&id[at..at + 16]);
                IpAddr::V6(Ipv6Addr::from(b))
            } else {
                IpAddr::V4(Ipv4Addr::new(id[at], id[at + 1], id[at + 2], id[at + 3]))
            }
        };
        out.push(InetSock {
            local_ip: ip(4),
            local_port: port(0),
            remote_ip: ip(20),
            remote_port: port(2),
            state: m[1],
            inode: u64::from(u32_at(m, 68).unwrap_or(0)),
        });
        Ok(())
    })
}

/// Parses one reply datagram of a UNIX dump, appending a record per socket to
/// `out`. The name comes from the `UNIX_DIAG_NAME` attribute and is turned into
/// the text `/proc/net/unix` would show, then into psutil's `laddr` (see
/// [`UnixSock::path`]), so both sources give the same string. Other attributes are
/// skipped. Errors as for [`parse_inet_diag`].
pub fn parse_unix_diag(buf: &[u8], path: &Path, seq: u32, out: &mut Vec<UnixSock>) -> Result<DumpProgress> {
    walk(buf, path, seq, |m| {
        if m.len() < UNIX_MSG {
            return Err(Error::parse(
                path,
                format!("unix_diag_msg of {} bytes (need {UNIX_MSG})", m.len()),
            ));
        }
        if m[0] != libc::AF_UNIX as u8 {
            return Err(Error::parse(path, format!("unix_diag_msg of family {}", m[0])));
        }
        let mut sock = UnixSock {
            sock_type: u32::from(m[1]),
            inode: u64::from(u32_at(m, 4).unwrap_or(0)),
            path: String::new(),
        };
        let mut off = UNIX_MSG;
        while off < m.len() {
            let (Some(alen), Some(aty)) = (u16_at(m, off), u16_at(m, off + 2)) else {
                return Err(Error::parse(path, "rtattr header truncated"));
            };
            let alen = alen as usize;
            if alen < 4 || off + alen > m.len() {
                return Err(Error::parse(path, format!("rtattr length {alen} at byte {off}")));
            }
            if aty & 0x3fff == UNIX_DIAG_NAME {
                sock.path = unix_laddr(&unix_name_text(&m[off + 4..off + alen]));
            }
            off = off.saturating_add(align4(alen));
        }
        out.push(sock);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("netlink")
    }

    fn msg(ty: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = HDR + payload.len();
        let mut v = Vec::new();
        v.extend_from_slice(&(len as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&2u16.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn inet_msg(family: u8, state: u8, sport: u16, dport: u16, src: &[u8], dst: &[u8], ino: u32) -> Vec<u8> {
        let mut m = vec![0u8; INET_MSG];
        m[0] = family;
        m[1] = state;
        m[4..6].copy_from_slice(&sport.to_be_bytes());
        m[6..8].copy_from_slice(&dport.to_be_bytes());
        m[8..8 + src.len()].copy_from_slice(src);
        m[24..24 + dst.len()].copy_from_slice(dst);
        m[68..72].copy_from_slice(&ino.to_ne_bytes());
        m
    }

    #[test]
    fn requests() {
        let r = inet_dump_request(7, 10, 6, INET_STATES);
        assert_eq!(r.len(), 72);
        assert_eq!(u32_at(&r, 0), Some(72));
        assert_eq!(u16_at(&r, 4), Some(20));
        assert_eq!(u16_at(&r, 6), Some(0x301));
        assert_eq!(u32_at(&r, 8), Some(7));
        assert_eq!((r[16], r[17]), (10, 6));
        assert_eq!(u32_at(&r, 20), Some(0x1FFE));
        let u = unix_dump_request(9, UDIAG_SHOW_NAME);
        assert_eq!(u.len(), 40);
        assert_eq!(u32_at(&u, 0), Some(40));
        assert_eq!(u[16], 1);
        assert_eq!(u32_at(&u, 20), Some(u32::MAX));
        assert_eq!(u32_at(&u, 28), Some(1));
    }

    #[test]
    fn inet_reply() {
        let mut dg = msg(20, 5, &inet_msg(2, 10, 8080, 0, &[127, 0, 0, 1], &[0; 4], 4242));
        dg.extend(msg(
            20,
            5,
            &inet_msg(2, 1, 40000, 8080, &[127, 0, 0, 1], &[127, 0, 0, 1], 4243),
        ));
        dg.extend(msg(20, 4, &inet_msg(2, 1, 1, 1, &[1; 4], &[1; 4], 1))); // stale seq
        let mut out = Vec::new();
        assert_eq!(
            parse_inet_diag(&dg, p(), 5, 2, &mut out).unwrap(),
            DumpProgress::More
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].local_ip, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(out[0].local_port, 8080);
        assert_eq!(out[0].state, 10);
        assert_eq!(out[0].inode, 4242);
        assert_eq!(out[1].remote_port, 8080);
        let done = msg(3, 5, &0i32.to_ne_bytes());
        assert_eq!(
            parse_inet_diag(&done, p(), 5, 2, &mut out).unwrap(),
            DumpProgress::Done
        );
        let mut v6 = [0u8; 16];
        v6[10] = 0xff;
        v6[11] = 0xff;
        v6[12..].copy_from_slice(&[10, 1, 2, 3]);
        let dg = msg(20, 1, &inet_msg(10, 1, 1, 2, &v6, &v6, 9));
        let mut out = Vec::new();
        parse_inet_diag(&dg, p(), 1, 10, &mut out).unwrap();
        assert_eq!(out[0].remote_ip, "::ffff:10.1.2.3".parse::<IpAddr>().unwrap());
        // Family mismatch.
        assert!(parse_inet_diag(&dg, p(), 1, 2, &mut out).is_err());
    }

    #[test]
    fn errors() {
        let mut out = Vec::new();
        let e = parse_inet_diag(&msg(2, 3, &(-2i32).to_ne_bytes()), p(), 3, 2, &mut out).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let e = parse_inet_diag(&msg(3, 3, &(-4i32).to_ne_bytes()), p(), 3, 2, &mut out).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINTR));
        // An ACK (error 0) is not an error.
        assert_eq!(
            parse_inet_diag(&msg(2, 3, &[0u8; 20]), p(), 3, 2, &mut out).unwrap(),
            DumpProgress::More
        );
        // Short record, bad lengths, truncations: errors, never panics.
        assert!(parse_inet_diag(&msg(20, 3, &[2u8; 10]), p(), 3, 2, &mut out).is_err());
        let good = msg(20, 3, &inet_msg(2, 1, 1, 2, &[1; 4], &[2; 4], 3));
        for i in 1..good.len() {
            let r = parse_inet_diag(&good[..i], p(), 3, 2, &mut out);
            assert!(r.is_err(), "prefix {i}");
        }
        let mut bad = good.clone();
        bad[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(parse_inet_diag(&bad, p(), 3, 2, &mut out).is_err());
        let mut intr = good.clone();
        intr[6..8].copy_from_slice(&(0x12u16).to_ne_bytes());
        assert!(parse_inet_diag(&intr, p(), 3, 2, &mut out).is_err());
        assert!(parse_inet_diag(&msg(99, 3, &[]), p(), 3, 2, &mut out).is_err());
        assert_eq!(
            parse_inet_diag(&[], p(), 3, 2, &mut out).unwrap(),
            DumpProgress::More
        );
    }

    fn unix_msg(ty: u8, ino: u32, name: Option<&[u8]>) -> Vec<u8> {
        let mut m = vec![0u8; UNIX_MSG];
        m[0] = 1;
        m[1] = ty;
        m[4..8].copy_from_slice(&ino.to_ne_bytes());
        // An unrelated attribute first (UNIX_DIAG_PEER = 2).
        m.extend_from_slice(&8u16.to_ne_bytes());
        m.extend_from_slice(&2u16.to_ne_bytes());
        m.extend_from_slice(&77u32.to_ne_bytes());
        if let Some(n) = name {
            m.extend_from_slice(&((4 + n.len()) as u16).to_ne_bytes());
            m.extend_from_slice(&UNIX_DIAG_NAME.to_ne_bytes());
            m.extend_from_slice(n);
            while m.len() % 4 != 0 {
                m.push(0);
            }
        }
        m
    }

    #[test]
    fn unix_reply() {
        let mut dg = msg(20, 8, &unix_msg(1, 100, Some(b"/tmp/a b\0")));
        dg.extend(msg(20, 8, &unix_msg(5, 101, Some(b"\0abs\0x"))));
        dg.extend(msg(20, 8, &unix_msg(2, 102, None)));
        dg.extend(msg(20, 8, &unix_msg(1, 103, Some(b"/run/x.sock\0"))));
        dg.extend(msg(3, 8, &[0; 4]));
        let mut out = Vec::new();
        assert_eq!(
            parse_unix_diag(&dg, p(), 8, &mut out).unwrap(),
            DumpProgress::Done
        );
        let got: Vec<_> = out
            .iter()
            .map(|u| (u.sock_type, u.inode, u.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 100, ""),
                (5, 101, "@abs@x"),
                (2, 102, ""),
                (1, 103, "/run/x.sock")
            ]
        );
        let one = msg(20, 8, &unix_msg(1, 100, Some(b"/tmp/abc\0")));
        for i in 1..one.len() {
            let _ = parse_unix_diag(&one[..i], p(), 8, &mut out);
        }
        let mut bad = unix_msg(1, 100, None);
        bad[16..18].copy_from_slice(&200u16.to_ne_bytes());
        assert!(parse_unix_diag(&msg(20, 8, &bad), p(), 8, &mut out).is_err());
    }
}
