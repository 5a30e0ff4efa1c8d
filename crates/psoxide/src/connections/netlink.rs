//! Reading the socket tables through a `NETLINK_SOCK_DIAG` socket (what `ss` uses).
//!
//! One dump request per table, answered by the kernel in datagrams of up to 32 KiB.
//! Both this and `/proc/net/*` show the sockets of the caller's network namespace.

use super::types::Table;
use crate::error::{Error, Result};
use crate::linux::parse::procnet::{InetSock, UnixSock};
use crate::linux::parse::sockdiag::{
    inet_dump_request, parse_inet_diag, parse_unix_diag, unix_dump_request, DumpProgress, INET_STATES,
    NETLINK_SOCK_DIAG, UDIAG_SHOW_NAME,
};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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

fn is_permanent(e: &Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::ENOENT
                | libc::EPROTONOSUPPORT
                | libc::EAFNOSUPPORT
                | libc::EOPNOTSUPP
                | libc::EINVAL
                | libc::EACCES
                | libc::EPERM
                | libc::ENOSYS
        )
    )
}

/// The pseudo path naming a dump in errors, e.g. `netlink:sock_diag/tcp6`.
fn label(t: Table) -> PathBuf {
    PathBuf::from(format!("netlink:sock_diag/{}", t.file()))
}

struct DiagSocket {
    fd: OwnedFd,
    path: PathBuf,
}

impl DiagSocket {
    fn open(path: PathBuf) -> Result<DiagSocket> {
        // SAFETY: plain socket(2) call.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return Err(Error::io(path, io::Error::last_os_error()));
        }
        // SAFETY: a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(DiagSocket { fd, path })
    }

    fn send(&self, req: &[u8]) -> Result<()> {
        // SAFETY: sockaddr_nl is plain data; all-zero is the kernel's address.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        loop {
            // SAFETY: valid fd, buffer and address.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    req.as_ptr() as *const libc::c_void,
                    req.len(),
                    0,
                    &sa as *const libc::sockaddr_nl as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                )
            };
            if n >= 0 {
                return if n as usize == req.len() {
                    Ok(())
                } else {
                    Err(Error::io(&self.path, io::Error::other("short netlink send")))
                };
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(Error::io(&self.path, e));
            }
        }
    }

    /// Receives one datagram from the kernel into `buf` (resized to its length).
    fn recv(&self, buf: &mut Vec<u8>) -> Result<()> {
        buf.resize(RECV_BUF, 0);
        loop {
            // SAFETY: sockaddr_nl is plain data.
            let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
            let mut sl = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
            // SAFETY: valid fd, buffer and address storage. MSG_TRUNC makes the call
            // return the real datagram length, so truncation is detected.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    libc::MSG_TRUNC,
                    &mut sa as *mut libc::sockaddr_nl as *mut libc::sockaddr,
                    &mut sl,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(Error::io(&self.path, e));
            }
            let n = n as usize;
            if n > buf.len() {
                return Err(Error::parse(
                    &self.path,
                    format!("datagram of {n} bytes truncated to {}", buf.len()),
                ));
            }
            if sa.nl_pid != 0 {
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
