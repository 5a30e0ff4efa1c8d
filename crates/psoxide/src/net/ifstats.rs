//! `net_if_stats()`: MTU, flags and ethtool duplex/speed through `ioctl`s.

use super::NicStats;
use crate::constants::NicDuplex;
use crate::error::{Error, Result};
use indexmap::IndexMap;
use std::io;

/// psutil's flag names for the low 16 `IFF_*` bits, in psutil's output order.
const FLAG_NAMES: [(i32, &str); 16] = [
    (libc::IFF_UP, "up"),
    (libc::IFF_BROADCAST, "broadcast"),
    (libc::IFF_DEBUG, "debug"),
    (libc::IFF_LOOPBACK, "loopback"),
    (libc::IFF_POINTOPOINT, "pointopoint"),
    (libc::IFF_NOTRAILERS, "notrailers"),
    (libc::IFF_RUNNING, "running"),
    (libc::IFF_NOARP, "noarp"),
    (libc::IFF_PROMISC, "promisc"),
    (libc::IFF_ALLMULTI, "allmulti"),
    (libc::IFF_MASTER, "master"),
    (libc::IFF_SLAVE, "slave"),
    (libc::IFF_MULTICAST, "multicast"),
    (libc::IFF_PORTSEL, "portsel"),
    (libc::IFF_AUTOMEDIA, "automedia"),
    (libc::IFF_DYNAMIC, "dynamic"),
];

/// The comma-joined names of the set flags among the low 16 bits, psutil's order.
pub(super) fn flags_string(flags: u16) -> String {
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(bit, _)| i32::from(flags) & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    names.join(",")
}

/// psutil's `isup`: the `IFF_RUNNING` bit.
pub(super) fn is_running(flags: u16) -> bool {
    i32::from(flags) & libc::IFF_RUNNING != 0
}

/// Kernel `DUPLEX_*` (ethtool) to psutil's `NicDuplex`: 0 half, 1 full, 0xff unknown.
/// Any other value (none is defined) is reported as unknown; psutil would raise a
/// `KeyError` there.
pub(super) fn map_duplex(d: u8) -> NicDuplex {
    match d {
        0 => NicDuplex::Half,
        1 => NicDuplex::Full,
        _ => NicDuplex::Unknown,
    }
}

/// ethtool speed in Mbps from its two 16-bit halves; `SPEED_UNKNOWN` (0xFFFFFFFF) and
/// anything above `INT_MAX` become 0.
pub(super) fn map_speed(speed: u16, speed_hi: u16) -> u32 {
    let v = (u32::from(speed_hi) << 16) | u32::from(speed);
    if v == u32::MAX || v > i32::MAX as u32 {
        0
    } else {
        v
    }
}

/// The outcome of the ethtool query for errnos psutil tolerates.
pub(super) fn ethtool_errno_tolerated(errno: i32) -> bool {
    errno == libc::EOPNOTSUPP || errno == libc::EINVAL || errno == libc::EBUSY
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

/// An `AF_INET`/`SOCK_DGRAM` socket, closed on drop.
struct Socket(libc::c_int);

impl Socket {
    fn new() -> Result<Self> {
        // SAFETY: plain socket(2) call.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(Error::io(
                "socket(AF_INET, SOCK_DGRAM)",
                io::Error::last_os_error(),
            ));
        }
        Ok(Socket(fd))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: the fd was opened by `Socket::new` and is closed once.
        unsafe { libc::close(self.0) };
    }
}

/// An `ifreq` with `name` filled in, or `None` when the name cannot be an interface
/// name (too long for `IFNAMSIZ` or containing NUL).
fn ifreq_for(name: &str) -> Option<libc::ifreq> {
    let b = name.as_bytes();
    if b.len() >= libc::IFNAMSIZ || b.contains(&0) {
        return None;
    }
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in req.ifr_name.iter_mut().zip(b) {
        *dst = src as libc::c_char;
    }
    Some(req)
}

enum Outcome {
    Stats(NicStats),
    /// ENODEV: the NIC vanished (or never existed); psutil leaves it out.
    Gone,
}

fn ioctl(sock: &Socket, req: libc::c_ulong, ifr: &mut libc::ifreq) -> std::result::Result<(), io::Error> {
    // SAFETY: `ifr` is a valid ifreq for the duration of the call.
    let r = unsafe { libc::ioctl(sock.0, req as _, ifr as *mut libc::ifreq) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn io_err(name: &str, what: &str, e: io::Error) -> Error {
    Error::io(format!("ioctl({what}) on {name}"), e)
}

fn query(sock: &Socket, name: &str) -> Result<Outcome> {
    let Some(mut ifr) = ifreq_for(name) else {
        // No kernel interface can have this name: what the kernel answers for an
        // unknown name is ENODEV, so treat it the same way.
        return Ok(Outcome::Gone);
    };
    let enodev = |e: &io::Error| e.raw_os_error() == Some(libc::ENODEV);

    if let Err(e) = ioctl(sock, libc::SIOCGIFMTU, &mut ifr) {
        return if enodev(&e) {
            Ok(Outcome::Gone)
        } else {
            Err(io_err(name, "SIOCGIFMTU", e))
        };
    }
    // SAFETY: the kernel filled the mtu member of the union.
    let mtu = unsafe { ifr.ifr_ifru.ifru_mtu } as u32;

    if let Err(e) = ioctl(sock, libc::SIOCGIFFLAGS, &mut ifr) {
        return if enodev(&e) {
            Ok(Outcome::Gone)
        } else {
            Err(io_err(name, "SIOCGIFFLAGS", e))
        };
    }
    // SAFETY: the kernel filled the flags member of the union.
    let flags = unsafe { ifr.ifr_ifru.ifru_flags } as u16;

    let mut cmd = EthtoolCmd {
        cmd: ETHTOOL_GSET,
        ..Default::default()
    };
    ifr.ifr_ifru.ifru_data = (&mut cmd as *mut EthtoolCmd).cast();
    let (duplex, speed) = match ioctl(sock, libc::SIOCETHTOOL, &mut ifr) {
        Ok(()) => (map_duplex(cmd.duplex), map_speed(cmd.speed, cmd.speed_hi)),
        Err(e) if e.raw_os_error().is_some_and(ethtool_errno_tolerated) => (NicDuplex::Unknown, 0),
        Err(e) if enodev(&e) => return Ok(Outcome::Gone),
        Err(e) => return Err(io_err(name, "SIOCETHTOOL", e)),
    };
    Ok(Outcome::Stats(NicStats {
        isup: is_running(flags),
        duplex,
        speed,
        mtu,
        flags: flags_string(flags),
    }))
}

/// Queries every name on one socket, keeping the order; vanished NICs are skipped.
pub(super) fn stats_for(names: &[String]) -> Result<IndexMap<String, NicStats>> {
    let mut out = IndexMap::with_capacity(names.len());
    if names.is_empty() {
        return Ok(out);
    }
    let sock = Socket::new()?;
    for name in names {
        if let Outcome::Stats(s) = query(&sock, name)? {
            out.insert(name.clone(), s);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_strings_in_psutil_order() {
        assert_eq!(flags_string(0), "");
        assert_eq!(flags_string(0x1003), "up,broadcast,multicast");
        assert_eq!(flags_string(0x49), "up,loopback,running");
        assert_eq!(flags_string(0x1043), "up,broadcast,running,multicast");
        assert_eq!(flags_string(0x1091), "up,pointopoint,noarp,multicast");
        assert_eq!(
            flags_string(0xffff),
            "up,broadcast,debug,loopback,pointopoint,notrailers,running,noarp,promisc,allmulti,\
             master,slave,multicast,portsel,automedia,dynamic"
        );
        assert!(is_running(0x40));
        assert!(!is_running(0x1003));
    }

    #[test]
    fn duplex_and_speed_mapping() {
        assert_eq!(map_duplex(0), NicDuplex::Half);
        assert_eq!(map_duplex(1), NicDuplex::Full);
        assert_eq!(map_duplex(0xff), NicDuplex::Unknown);
        assert_eq!(map_duplex(7), NicDuplex::Unknown);
        assert_eq!(map_speed(10000, 0), 10000);
        assert_eq!(map_speed(0x86a0, 0x1), 100_000); // 100 Gbps needs speed_hi
        assert_eq!(map_speed(0xffff, 0xffff), 0); // SPEED_UNKNOWN
        assert_eq!(map_speed(0, 0x8000), 0); // > INT_MAX
        assert_eq!(map_speed(0xffff, 0x7fff), i32::MAX as u32);
        assert_eq!(map_speed(0, 0), 0);
        assert!(ethtool_errno_tolerated(libc::EOPNOTSUPP));
        assert!(ethtool_errno_tolerated(libc::EINVAL));
        assert!(ethtool_errno_tolerated(libc::EBUSY));
        assert!(!ethtool_errno_tolerated(libc::EPERM));
        assert!(!ethtool_errno_tolerated(libc::ENODEV));
    }

    #[test]
    fn ethtool_cmd_has_kernel_layout() {
        assert_eq!(std::mem::size_of::<EthtoolCmd>(), 44);
        assert_eq!(std::mem::offset_of!(EthtoolCmd, speed), 12);
        assert_eq!(std::mem::offset_of!(EthtoolCmd, duplex), 14);
        assert_eq!(std::mem::offset_of!(EthtoolCmd, speed_hi), 28);
    }

    #[test]
    fn names_that_cannot_exist_are_gone() {
        let sock = Socket::new().unwrap();
        assert!(matches!(
            query(&sock, "x-name-longer-than-15").unwrap(),
            Outcome::Gone
        ));
        assert!(matches!(query(&sock, "a\0b").unwrap(), Outcome::Gone));
        assert!(matches!(query(&sock, "psxnope9z").unwrap(), Outcome::Gone));
        match query(&sock, "lo").unwrap() {
            Outcome::Stats(s) => {
                assert!(s.flags.contains("loopback"), "{s:?}");
                assert!(s.mtu > 0);
            }
            Outcome::Gone => panic!("lo missing"),
        }
    }
}
