//! Network interfaces and sockets: the `getifaddrs(3)` list, the interface `ioctl`s
//! of `net_if_stats` (MTU, flags, ethtool settings) and `NETLINK_SOCK_DIAG` sockets.
//!
//! Everything here returns plain Rust data (address bytes, numbers) or
//! `std::io::Error`s with their errno; formatting and psutil's rules are the area
//! modules' (`net`, `connections`).
//!
//! libc: `getifaddrs`/`freeifaddrs` are C library functions (glibc and musl build the
//! list from several netlink dumps; rustix has no equivalent). Sockets, the `ioctl`s
//! and netlink I/O go through rustix.

use rustix::io::retry_on_intr;
use rustix::net::netlink::SocketAddrNetlink;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::ffi::CStr;
use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::OwnedFd;

// ---------------------------------------------------------------------------------
// getifaddrs

/// An address of a `getifaddrs` entry, decoded according to the entry's family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SockAddr {
    /// IPv4, network byte order.
    V4([u8; 4]),
    /// IPv6 and its scope (interface index for link-local addresses, else usually 0).
    V6 { addr: [u8; 16], scope_id: u32 },
    /// A link-layer (hardware) address; may be empty.
    Link(Vec<u8>),
}

/// One `struct ifaddrs` entry, copied out of the C library's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IfAddr {
    /// `ifa_name` (empty when null).
    pub(crate) name: Vec<u8>,
    /// `ifa_flags` (`IFF_*`).
    pub(crate) flags: u32,
    /// `ifa_addr->sa_family`, or `AF_UNSPEC` when there is no `ifa_addr`.
    pub(crate) family: i32,
    /// `ifa_addr`, `None` when absent or of a family other than IPv4, IPv6, packet.
    pub(crate) addr: Option<SockAddr>,
    /// `ifa_netmask`, decoded as `family`.
    pub(crate) netmask: Option<SockAddr>,
    /// `ifa_broadaddr` / `ifa_dstaddr` (a union in C), decoded as `family`.
    pub(crate) ifu: Option<SockAddr>,
}

/// Largest hardware address glibc and musl store in a `getifaddrs` link entry (their
/// `sockaddr_ll` has room for 24 address bytes, not 8).
const MAX_HWADDR: usize = 24;

/// The bytes of a sockaddr of `family` that [`decode`] reads, given the
/// `sll_halen` byte of a packet address.
fn sockaddr_len(family: i32, halen: u8) -> usize {
    match family {
        libc::AF_INET => size_of::<libc::sockaddr_in>(),
        libc::AF_INET6 => size_of::<libc::sockaddr_in6>(),
        libc::AF_PACKET => offset_of!(libc::sockaddr_ll, sll_addr) + usize::from(halen).min(MAX_HWADDR),
        _ => 0,
    }
}

/// Decodes the bytes of a sockaddr of `family` (as [`sockaddr_len`] sized them).
fn decode(b: &[u8], family: i32) -> Option<SockAddr> {
    fn at<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
        b.get(off..off + N)?.try_into().ok()
    }
    match family {
        libc::AF_INET => Some(SockAddr::V4(at(b, offset_of!(libc::sockaddr_in, sin_addr))?)),
        libc::AF_INET6 => Some(SockAddr::V6 {
            addr: at(b, offset_of!(libc::sockaddr_in6, sin6_addr))?,
            scope_id: u32::from_ne_bytes(at(b, offset_of!(libc::sockaddr_in6, sin6_scope_id))?),
        }),
        libc::AF_PACKET => {
            let halen = *b.get(offset_of!(libc::sockaddr_ll, sll_halen))?;
            let start = offset_of!(libc::sockaddr_ll, sll_addr);
            let len = usize::from(halen).min(MAX_HWADDR);
            Some(SockAddr::Link(b.get(start..start + len)?.to_vec()))
        }
        _ => None,
    }
}

/// Owns the list returned by `getifaddrs` and frees it on every path.
struct IfAddrsList(*mut libc::ifaddrs);

impl Drop for IfAddrsList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from a successful getifaddrs and is freed once.
            unsafe { libc::freeifaddrs(self.0) };
        }
    }
}

/// Calls `getifaddrs` and copies every entry, in list order.
pub(crate) fn if_addrs() -> io::Result<Vec<IfAddr>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `head` is a valid out-pointer.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let list = IfAddrsList(head);
    let mut out = Vec::new();
    let mut cur = list.0;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the live list owned by `list`. getifaddrs stores
        // NUL-terminated names, and each non-null sockaddr of a node is of the family
        // of its `ifa_addr`, allocated whole by the C library (a packet address with
        // room for MAX_HWADDR address bytes): `sockaddr_len` bytes are readable.
        let (entry, next) = unsafe {
            let ifa = &*cur;
            let name = if ifa.ifa_name.is_null() {
                Vec::new()
            } else {
                CStr::from_ptr(ifa.ifa_name).to_bytes().to_vec()
            };
            let family = if ifa.ifa_addr.is_null() {
                libc::AF_UNSPEC
            } else {
                i32::from((*ifa.ifa_addr).sa_family)
            };
            let read = |sa: *const libc::sockaddr| -> Option<SockAddr> {
                if sa.is_null() {
                    return None;
                }
                let p = sa.cast::<u8>();
                let halen = if family == libc::AF_PACKET {
                    *p.add(offset_of!(libc::sockaddr_ll, sll_halen))
                } else {
                    0
                };
                decode(std::slice::from_raw_parts(p, sockaddr_len(family, halen)), family)
            };
            let entry = IfAddr {
                name,
                flags: ifa.ifa_flags,
                family,
                addr: read(ifa.ifa_addr),
                netmask: read(ifa.ifa_netmask),
                ifu: read(ifa.ifa_ifu),
            };
            (entry, ifa.ifa_next)
        };
        out.push(entry);
        cur = next;
    }
    drop(list);
    Ok(out)
}

// ---------------------------------------------------------------------------------
// Interface ioctls

/// An interface name as the kernel takes it: at most `IFNAMSIZ - 1` bytes, no NUL,
/// NUL-padded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IfName([u8; libc::IFNAMSIZ]);

impl IfName {
    /// `None` when `name` cannot be an interface name (too long for `IFNAMSIZ` or
    /// containing NUL).
    pub(crate) fn new(name: &str) -> Option<IfName> {
        let b = name.as_bytes();
        if b.len() >= libc::IFNAMSIZ || b.contains(&0) {
            return None;
        }
        let mut n = [0u8; libc::IFNAMSIZ];
        n[..b.len()].copy_from_slice(b);
        Some(IfName(n))
    }
}

/// `struct ifreq` with the union member an ioctl uses (`T`: `int`, `short` or a
/// pointer) at its start; `_rest` makes it at least as large as the C union, since
/// the kernel copies the whole `struct ifreq` in and out.
#[repr(C)]
struct IfReq<T> {
    name: [u8; libc::IFNAMSIZ],
    value: T,
    _rest: [u8; 24],
}

const _: () = assert!(size_of::<IfReq<i16>>() >= size_of::<libc::ifreq>());

impl<T> IfReq<T> {
    fn new(name: &IfName, value: T) -> Self {
        IfReq {
            name: name.0,
            value,
            _rest: [0; 24],
        }
    }
}

/// `struct ethtool_cmd` from `<linux/ethtool.h>` (the legacy `ETHTOOL_GSET` layout).
#[repr(C)]
#[derive(Default)]
struct EthtoolCmd {
    cmd: u32,
    supported: u32,
    advertising: u32,
    speed: u16,
    duplex: u8,
    port: u8,
    phy_address: u8,
    transceiver: u8,
    autoneg: u8,
    mdio_support: u8,
    maxtxpkt: u32,
    maxrxpkt: u32,
    speed_hi: u16,
    eth_tp_mdix: u8,
    eth_tp_mdix_ctrl: u8,
    lp_advertising: u32,
    reserved: [u32; 2],
}

const ETHTOOL_GSET: u32 = 0x0000_0001;

/// What `ETHTOOL_GSET` reports of a link: speed in Mbps as two 16-bit halves, and the
/// kernel's `DUPLEX_*` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EthtoolLink {
    pub(crate) speed: u16,
    pub(crate) speed_hi: u16,
    pub(crate) duplex: u8,
}

type Opcode = rustix::ioctl::Opcode;

/// An `AF_INET`/`SOCK_DGRAM` socket for the interface ioctls (what the C library's
/// `if_*` functions use), closed on drop.
#[derive(Debug)]
pub(crate) struct IfSocket(OwnedFd);

impl IfSocket {
    /// Opens the socket (close-on-exec).
    pub(crate) fn new() -> io::Result<IfSocket> {
        let fd =
            rustix::net::socket_with(AddressFamily::INET, SocketType::DGRAM, SocketFlags::CLOEXEC, None)?;
        Ok(IfSocket(fd))
    }

    /// One `ioctl(fd, OP, &ifr)`.
    ///
    /// `OP` must be an ioctl that reads and writes one `struct ifreq` (whose union
    /// member is `T`), and every bit pattern must be a valid `T` (the kernel writes
    /// the whole `ifreq` back): the integer and raw-pointer types used below.
    fn ifreq<const OP: Opcode, T>(&self, ifr: &mut IfReq<T>) -> io::Result<()> {
        // SAFETY: OP reads and writes one `struct ifreq`; `IfReq<T>` is at least that
        // large (checked above), with the name and the union at the C offsets, and
        // any bytes the kernel writes are valid for its fields (see above). A pointer
        // in the union (SIOCETHTOOL) points to live memory of the type the kernel
        // expects for the command it names.
        unsafe { rustix::ioctl::ioctl(&self.0, rustix::ioctl::Updater::<OP, IfReq<T>>::new(ifr)) }?;
        Ok(())
    }

    /// `SIOCGIFMTU`: the interface's MTU.
    pub(crate) fn mtu(&self, name: &IfName) -> io::Result<i32> {
        let mut ifr = IfReq::new(name, 0i32);
        self.ifreq::<{ libc::SIOCGIFMTU as Opcode }, i32>(&mut ifr)?;
        Ok(ifr.value)
    }

    /// `SIOCGIFFLAGS`: the interface's low 16 `IFF_*` flags.
    pub(crate) fn flags(&self, name: &IfName) -> io::Result<u16> {
        let mut ifr = IfReq::new(name, 0i16);
        self.ifreq::<{ libc::SIOCGIFFLAGS as Opcode }, i16>(&mut ifr)?;
        Ok(ifr.value as u16)
    }

    /// `SIOCETHTOOL` with `ETHTOOL_GSET`: the link's speed and duplex.
    pub(crate) fn ethtool_gset(&self, name: &IfName) -> io::Result<EthtoolLink> {
        let mut cmd = EthtoolCmd {
            cmd: ETHTOOL_GSET,
            ..Default::default()
        };
        let mut ifr = IfReq::new(name, &mut cmd as *mut EthtoolCmd);
        self.ifreq::<{ libc::SIOCETHTOOL as Opcode }, *mut EthtoolCmd>(&mut ifr)?;
        Ok(EthtoolLink {
            speed: cmd.speed,
            speed_hi: cmd.speed_hi,
            duplex: cmd.duplex,
        })
    }
}

// ---------------------------------------------------------------------------------
// NETLINK_SOCK_DIAG

/// A `NETLINK_SOCK_DIAG` datagram socket, closed on drop.
#[derive(Debug)]
pub(crate) struct DiagSocket(OwnedFd);

impl DiagSocket {
    /// Opens the socket (close-on-exec).
    pub(crate) fn open() -> io::Result<DiagSocket> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC,
            Some(rustix::net::netlink::SOCK_DIAG),
        )?;
        Ok(DiagSocket(fd))
    }

    /// Sends `req` to the kernel (netlink port 0); the number of bytes sent.
    pub(crate) fn send_to_kernel(&self, req: &[u8]) -> io::Result<usize> {
        let kernel = SocketAddrNetlink::new(0, 0);
        Ok(retry_on_intr(|| {
            rustix::net::sendto(&self.0, req, SendFlags::empty(), &kernel)
        })?)
    }

    /// Receives one datagram into `buf` (`MSG_TRUNC`): its real length, which exceeds
    /// `buf.len()` when it was cut, and the sender's port id (0 for the kernel; `None`
    /// when no netlink address came with it).
    pub(crate) fn recv(&self, buf: &mut [u8]) -> io::Result<(usize, Option<u32>)> {
        let (_, len, from) = retry_on_intr(|| rustix::net::recvfrom(&self.0, &mut *buf, RecvFlags::TRUNC))?;
        let port = from
            .and_then(|a| SocketAddrNetlink::try_from(a).ok())
            .map(|a| a.pid());
        Ok((len, port))
    }
}

// ---------------------------------------------------------------------------------
// Test helpers: the C library's answers, to compare the pure code with.

/// `if_indextoname`: the name of the interface with index `index` (`SIOCGIFNAME` on a
/// fresh socket, as the C library does).
#[cfg(test)]
pub(crate) fn index_to_name(index: u32) -> Option<String> {
    let sock = IfSocket::new().ok()?;
    rustix::net::netdevice::index_to_name(&sock.0, index).ok()
}

/// glibc's `inet_ntop(AF_INET6)` text of `a`.
#[cfg(test)]
pub(crate) fn inet_ntop6(a: [u8; 16]) -> String {
    extern "C" {
        fn inet_ntop(
            af: libc::c_int,
            src: *const libc::c_void,
            dst: *mut libc::c_char,
            size: libc::socklen_t,
        ) -> *const libc::c_char;
    }
    let mut buf = [0u8; 64];
    // SAFETY: `a` is 16 readable bytes (an in6_addr), `buf` 64 writable bytes.
    let p = unsafe { inet_ntop(libc::AF_INET6, a.as_ptr().cast(), buf.as_mut_ptr().cast(), 64) };
    assert!(!p.is_null());
    let len = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethtool_cmd_has_kernel_layout() {
        assert_eq!(size_of::<EthtoolCmd>(), 44);
        assert_eq!(offset_of!(EthtoolCmd, speed), 12);
        assert_eq!(offset_of!(EthtoolCmd, duplex), 14);
        assert_eq!(offset_of!(EthtoolCmd, speed_hi), 28);
        assert_eq!(offset_of!(IfReq<i32>, value), offset_of!(libc::ifreq, ifr_ifru));
        assert_eq!(
            offset_of!(IfReq<*mut EthtoolCmd>, value),
            offset_of!(libc::ifreq, ifr_ifru)
        );
    }

    #[test]
    fn interface_names() {
        assert!(IfName::new("lo").is_some());
        assert!(IfName::new("fifteen-bytes-x").is_some());
        assert!(IfName::new("sixteen-bytes-xx").is_none());
        assert!(IfName::new("a\0b").is_none());
    }

    #[test]
    fn loopback_ioctls() {
        let s = IfSocket::new().unwrap();
        let lo = IfName::new("lo").unwrap();
        assert!(s.mtu(&lo).unwrap() > 0);
        assert_ne!(s.flags(&lo).unwrap() & libc::IFF_LOOPBACK as u16, 0);
        let e = s.mtu(&IfName::new("psxnope9z").unwrap()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
    }

    #[test]
    fn decodes_sockaddr_bytes() {
        let mut v4 = [0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[4..8].copy_from_slice(&[192, 0, 2, 1]);
        assert_eq!(decode(&v4, libc::AF_INET), Some(SockAddr::V4([192, 0, 2, 1])));
        let mut v6 = [0u8; 28];
        v6[8] = 0xfe;
        v6[9] = 0x80;
        v6[23] = 1;
        v6[24..28].copy_from_slice(&3u32.to_ne_bytes());
        let mut want = [0u8; 16];
        want[0] = 0xfe;
        want[1] = 0x80;
        want[15] = 1;
        assert_eq!(
            decode(&v6, libc::AF_INET6),
            Some(SockAddr::V6 {
                addr: want,
                scope_id: 3
            })
        );
        let mut ll = [0u8; 36];
        ll[11] = 6;
        ll[12..18].copy_from_slice(&[2, 0xfc, 0, 0, 0, 1]);
        assert_eq!(sockaddr_len(libc::AF_PACKET, 6), 18);
        assert_eq!(
            decode(&ll[..18], libc::AF_PACKET),
            Some(SockAddr::Link(vec![2, 0xfc, 0, 0, 0, 1]))
        );
        ll[11] = 200; // capped at MAX_HWADDR
        assert_eq!(sockaddr_len(libc::AF_PACKET, 200), 36);
        assert_eq!(
            decode(&ll, libc::AF_PACKET),
            Some(SockAddr::Link(ll[12..].to_vec()))
        );
        assert_eq!(decode(&v4[..7], libc::AF_INET), None);
        assert_eq!(decode(&v4, 29), None);
        assert_eq!(sockaddr_len(29, 0), 0);
    }

    #[test]
    fn live_list_has_loopback() {
        let l = if_addrs().unwrap();
        assert!(
            l.iter()
                .any(|e| e.name == b"lo" && e.addr == Some(SockAddr::V4([127, 0, 0, 1]))),
            "{l:?}"
        );
    }

    #[test]
    fn diag_protocol_number() {
        assert_eq!(
            rustix::net::netlink::SOCK_DIAG.as_raw().get(),
            crate::linux::parse::sockdiag::NETLINK_SOCK_DIAG as u32
        );
    }
}
