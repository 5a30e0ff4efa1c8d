//! Reading the socket tables through a `NETLINK_SOCK_DIAG` socket (what `ss` uses).
//!
//! One dump request per table, answered by the kernel in datagrams of up to 32 KiB.
//! Both this and `/proc/net/*` show the sockets of the caller's network namespace.

use super::types::Table;
use crate::error::{Error, Result};
use crate::linux::parse::procnet::{InetSock, UnixSock};
use crate::linux::parse::sockdiag::{
    inet_dump_request, parse_inet_diag, parse_unix_diag, unix_dump_request, DumpProgress, INET_STATES,
    UDIAG_SHOW_NAME,
};
use crate::sys::net;
use rustix::io::Errno;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

/// The kernel caps a dump datagram at 32 KiB minus skb overhead when the reader
/// offers at least that much.
const RECV_BUF: usize = 32 * 1024;

/// Tables whose netlink dump failed with an error that will not go away (the diag
/// module is missing, the family is unsupported, a seccomp filter refuses the
/// socket): bit `1 << table`. Those are read from `/proc/net` from then on.
static BROKEN: AtomicU8 = AtomicU8::new(0);

static SEQ: AtomicU32 = AtomicU32::new(1);

fn bit(t: Table) -> u8 {
    1 << (t as u8)
}

/// True when an earlier netlink dump of `t` failed for good.
pub(crate) fn known_broken(t: Table) -> bool {
    BROKEN.load(Ordering::Relaxed) & bit(t) != 0
}

/// Errors that a later dump would meet again: `ENOENT`, `EPROTONOSUPPORT`,
/// `EAFNOSUPPORT`, `EOPNOTSUPP`, `EINVAL`, `EACCES`, `EPERM`, `ENOSYS`. (Matched as
/// rustix `Errno`s: `OsErr` has no class for most of them.)
fn is_permanent(e: &Error) -> bool {
    let errno = e
        .raw_os_error()
        .map(io::Error::from_raw_os_error)
        .and_then(|io| Errno::from_io_error(&io));
    matches!(
        errno,
        Some(
            Errno::NOENT
                | Errno::PROTONOSUPPORT
                | Errno::AFNOSUPPORT
                | Errno::OPNOTSUPP
                | Errno::INVAL
                | Errno::ACCESS
                | Errno::PERM
                | Errno::NOSYS
        )
    )
}

/// The pseudo path naming a dump in errors, e.g. `netlink:sock_diag/tcp6`.
fn label(t: Table) -> PathBuf {
    PathBuf::from(format!("netlink:sock_diag/{}", t.file()))
}

struct DiagSocket {
    sock: net::DiagSocket,
    path: PathBuf,
}

impl DiagSocket {
    fn open(path: PathBuf) -> Result<DiagSocket> {
        match net::DiagSocket::open() {
            Ok(sock) => Ok(DiagSocket { sock, path }),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn send(&self, req: &[u8]) -> Result<()> {
        let n = self
            .sock
            .send_to_kernel(req)
            .map_err(|e| Error::io(&self.path, e))?;
        if n == req.len() {
            Ok(())
        } else {
            Err(Error::io(&self.path, io::Error::other("short netlink send")))
        }
    }

    /// Receives one datagram from the kernel into `buf` (resized to its length);
    /// datagrams from other senders are ignored.
    fn recv(&self, buf: &mut Vec<u8>) -> Result<()> {
        buf.resize(RECV_BUF, 0);
        loop {
            let (n, sender) = self.sock.recv(buf).map_err(|e| Error::io(&self.path, e))?;
            if n > buf.len() {
                return Err(Error::parse(
                    &self.path,
                    format!("datagram of {n} bytes truncated to {}", buf.len()),
                ));
            }
            if sender.is_some_and(|port| port != 0) {
                // Not from the kernel: ignore.
                continue;
            }
            buf.truncate(n);
            return Ok(());
        }
    }
}

/// Runs one dump: sends `req` and feeds each reply datagram to `parse` until it
/// reports the end.
fn dump(
    path: PathBuf,
    req: &[u8],
    mut parse: impl FnMut(&[u8], &Path) -> Result<DumpProgress>,
) -> Result<()> {
    let sock = DiagSocket::open(path)?;
    sock.send(req)?;
    let mut buf = Vec::with_capacity(RECV_BUF);
    loop {
        sock.recv(&mut buf)?;
        if buf.is_empty() {
            return Err(Error::parse(&sock.path, "empty datagram before NLMSG_DONE"));
        }
        if parse(&buf, &sock.path)? == DumpProgress::Done {
            return Ok(());
        }
    }
}

fn remember(t: Table, r: Result<()>) -> Result<()> {
    if let Err(e) = &r {
        if is_permanent(e) {
            BROKEN.fetch_or(bit(t), Ordering::Relaxed);
        }
    }
    r
}

/// Dumps the inet table `t` (TCP or UDP, IPv4 or IPv6).
pub(crate) fn inet_table(t: Table) -> Result<Vec<InetSock>> {
    let family = if t.is_v6() { libc::AF_INET6 } else { libc::AF_INET } as u8;
    let proto = if t.is_tcp() {
        libc::IPPROTO_TCP
    } else {
        libc::IPPROTO_UDP
    } as u8;
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let mut out = Vec::new();
    let r = dump(
        label(t),
        &inet_dump_request(seq, family, proto, INET_STATES),
        |b, p| parse_inet_diag(b, p, seq, family, &mut out),
    );
    remember(t, r)?;
    Ok(out)
}

/// Dumps the UNIX socket table, with names.
pub(crate) fn unix_table() -> Result<Vec<UnixSock>> {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let mut out = Vec::new();
    let r = dump(
        label(Table::Unix),
        &unix_dump_request(seq, UDIAG_SHOW_NAME),
        |b, p| parse_unix_diag(b, p, seq, &mut out),
    );
    remember(Table::Unix, r)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_errnos() {
        let want = [
            libc::ENOENT,
            libc::EPROTONOSUPPORT,
            libc::EAFNOSUPPORT,
            libc::EOPNOTSUPP,
            libc::EINVAL,
            libc::EACCES,
            libc::EPERM,
            libc::ENOSYS,
        ];
        for n in -1..5000 {
            let e = Error::io("netlink:sock_diag/tcp", io::Error::from_raw_os_error(n));
            assert_eq!(is_permanent(&e), want.contains(&n), "errno {n}");
        }
        assert!(!is_permanent(&Error::parse("netlink:sock_diag/tcp", "x")));
        assert!(!is_permanent(&Error::io(
            "x",
            io::Error::other("short netlink send")
        )));
    }
}
