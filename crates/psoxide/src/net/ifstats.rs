//! `net_if_stats()`: MTU, flags and ethtool duplex/speed through `ioctl`s.

use super::NicStats;
use crate::constants::NicDuplex;
use crate::error::{Error, Result};
use crate::sys::net::{IfName, IfSocket};
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

enum Outcome {
    Stats(NicStats),
    /// ENODEV: the NIC vanished (or never existed); psutil leaves it out.
    Gone,
}

fn io_err(name: &str, what: &str, e: io::Error) -> Error {
    Error::io(format!("ioctl({what}) on {name}"), e)
}

/// A NIC that vanished: left out, as psutil does (a debug message says so).
#[track_caller]
fn gone(name: &str, call: &str, e: &io::Error) -> Outcome {
    crate::debug::debug(|| format!("ignoring {call}({name}): {e}"));
    Outcome::Gone
}

fn query(sock: &IfSocket, name: &str) -> Result<Outcome> {
    let Some(ifname) = IfName::new(name) else {
        // No kernel interface can have this name: what the kernel answers for an
        // unknown name is ENODEV, so treat it the same way.
        return Ok(Outcome::Gone);
    };
    let enodev = |e: &io::Error| e.raw_os_error() == Some(libc::ENODEV);

    let mtu = match sock.mtu(&ifname) {
        Ok(m) => m as u32,
        Err(e) if enodev(&e) => return Ok(gone(name, "SIOCGIFMTU", &e)),
        Err(e) => return Err(io_err(name, "SIOCGIFMTU", e)),
    };
    let flags = match sock.flags(&ifname) {
        Ok(f) => f,
        Err(e) if enodev(&e) => return Ok(gone(name, "SIOCGIFFLAGS", &e)),
        Err(e) => return Err(io_err(name, "SIOCGIFFLAGS", e)),
    };
    let (duplex, speed) = match sock.ethtool_gset(&ifname) {
        Ok(l) => (map_duplex(l.duplex), map_speed(l.speed, l.speed_hi)),
        Err(e) if e.raw_os_error().is_some_and(ethtool_errno_tolerated) => (NicDuplex::Unknown, 0),
        Err(e) if enodev(&e) => return Ok(gone(name, "SIOCETHTOOL", &e)),
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
    let sock = IfSocket::new().map_err(|e| Error::io("socket(AF_INET, SOCK_DGRAM)", e))?;
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
    fn names_that_cannot_exist_are_gone() {
        let sock = IfSocket::new().unwrap();
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
