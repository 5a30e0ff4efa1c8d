//! `net_if_addrs()`: the `getifaddrs(3)` list turned into psutil's `snicaddr`s.
//!
//! `crate::sys::net` copies each entry out of the C list; here it becomes a
//! [`RawEntry`], and the rest (formatting, ordering, psutil's special cases) is pure
//! and unit-tested.

use super::NicAddr;
use crate::constants::AddressFamily;
use crate::error::{Error, Result};
use indexmap::IndexMap;

/// One address as the C library stored it, decoded according to the entry's family.
pub(super) use crate::sys::net::SockAddr as RawAddr;

/// One `struct ifaddrs` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RawEntry {
    /// `ifa_name`, decoded lossily.
    pub name: String,
    /// `ifa_flags` (`IFF_*`).
    pub flags: u32,
    /// `ifa_addr->sa_family`, or `AF_UNSPEC` when there is no `ifa_addr`.
    pub family: i32,
    /// `ifa_addr`, `None` when absent or of an unsupported family.
    pub addr: Option<RawAddr>,
    /// `ifa_netmask`.
    pub netmask: Option<RawAddr>,
    /// `ifa_broadaddr` / `ifa_dstaddr` (a union in C).
    pub ifu: Option<RawAddr>,
}

/// Dotted-quad text of an IPv4 address.
pub(super) fn fmt_ipv4(a: [u8; 4]) -> String {
    let mut s = String::with_capacity(15);
    push_ipv4(&mut s, a);
    s
}

fn push_ipv4(s: &mut String, a: [u8; 4]) {
    for (i, b) in a.into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        if b >= 100 {
            s.push(char::from(b'0' + b / 100));
        }
        if b >= 10 {
            s.push(char::from(b'0' + b / 10 % 10));
        }
        s.push(char::from(b'0' + b % 10));
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `w` without leading zeros (`{:x}`).
fn push_hex_u16(s: &mut String, w: u16) {
    let mut started = false;
    for shift in [12u16, 8, 4, 0] {
        let d = usize::from((w >> shift) & 0xf);
        if d != 0 || started || shift == 0 {
            started = true;
            s.push(char::from(HEX[d]));
        }
    }
}

/// The text glibc's `inet_ntop(AF_INET6)` produces: lower-case hex groups without
/// leading zeros, the first longest run of at least two zero groups replaced by `::`,
/// and the last 32 bits as a dotted quad for IPv4-compatible (`::a.b.c.d`) and
/// IPv4-mapped (`::ffff:a.b.c.d`) addresses.
pub(super) fn fmt_ipv6(a: [u8; 16]) -> String {
    let mut words = [0u16; 8];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from_be_bytes([a[2 * i], a[2 * i + 1]]);
    }
    // First longest run of zero words (a later run must be strictly longer to win).
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if best_base.is_none() || len > best_len {
                best_base = Some(start);
                best_len = len;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::with_capacity(46);
    let mut i = 0;
    while i < 8 {
        if let Some(b) = best_base {
            if i >= b && i < b + best_len {
                if i == b {
                    out.push(':');
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best_base == Some(0) && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            push_ipv4(&mut out, [a[12], a[13], a[14], a[15]]);
            return out;
        }
        push_hex_u16(&mut out, words[i]);
        i += 1;
    }
    if best_base.is_some_and(|b| b + best_len == 8) {
        out.push(':');
    }
    out
}

/// IPv6 text as `getnameinfo(NI_NUMERICHOST)` gives it: [`fmt_ipv6`], then, when the
/// scope id is not 0, `%` and the interface name for link-local (`fe80::/10`) and
/// link-local multicast (`ffx2::/16`) addresses whose index has a name, else `%` and
/// the number.
pub(super) fn fmt_ipv6_scoped(
    a: [u8; 16],
    scope_id: u32,
    scope_name: &dyn Fn(u32) -> Option<String>,
) -> String {
    let mut s = fmt_ipv6(a);
    if scope_id != 0 {
        let link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
        let mc_link_local = a[0] == 0xff && (a[1] & 0x0f) == 0x02;
        s.push('%');
        match (link_local || mc_link_local)
            .then(|| scope_name(scope_id))
            .flatten()
        {
            Some(name) => s.push_str(&name),
            None => s.push_str(&scope_id.to_string()),
        }
    }
    s
}

/// A hardware address as lower-case `xx:xx:...`; `None` when empty (psutil then
/// reports the entry as `AF_UNSPEC`). Padding to six octets is done by [`pad_mac`].
pub(super) fn fmt_mac(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    // Room for the padding to six octets that usually follows.
    let mut s = String::with_capacity(3 * bytes.len().max(6));
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Some(s)
}

/// Appends `:00` groups until the text has at least five `:` (six octets), as psutil
/// does for short hardware addresses.
pub(super) fn pad_mac(mut s: String) -> String {
    let colons = s.bytes().filter(|&c| c == b':').count();
    for _ in colons..5 {
        s.push_str(":00");
    }
    s
}

fn fmt_raw(raw: Option<&RawAddr>, scope_name: &dyn Fn(u32) -> Option<String>) -> Option<String> {
    match raw? {
        RawAddr::V4(a) => Some(fmt_ipv4(*a)),
        RawAddr::V6 { addr, scope_id } => Some(fmt_ipv6_scoped(*addr, *scope_id, scope_name)),
        RawAddr::Link(b) => fmt_mac(b),
    }
}

/// Builds psutil's result from the raw list: per-entry formatting (an entry whose
/// address cannot be formatted becomes an all-`None` `AF_UNSPEC` entry), broadcast
/// only with `IFF_BROADCAST`, else ptp only with `IFF_POINTOPOINT`, stable sort by
/// numeric family, MAC padding, and no broadcast for an IPv4 /32.
///
/// `scope_name(entry_name, scope_id)` names the interface of a scoped IPv6 address.
pub(super) fn build(
    entries: Vec<RawEntry>,
    scope_name: &dyn Fn(&str, u32) -> Option<String>,
) -> IndexMap<String, Vec<NicAddr>> {
    let mut rows: Vec<(String, i32, NicAddr)> = Vec::with_capacity(entries.len());
    for e in entries {
        let scope_name = &|id: u32| scope_name(&e.name, id);
        let unspec = NicAddr {
            family: AddressFamily::Unspec,
            address: None,
            netmask: None,
            broadcast: None,
            ptp: None,
        };
        let family = match e.family {
            libc::AF_INET => AddressFamily::Inet,
            libc::AF_INET6 => AddressFamily::Inet6,
            libc::AF_PACKET => AddressFamily::Link,
            _ => {
                rows.push((e.name, libc::AF_UNSPEC, unspec));
                continue;
            }
        };
        let Some(address) = fmt_raw(e.addr.as_ref(), scope_name) else {
            rows.push((e.name, libc::AF_UNSPEC, unspec));
            continue;
        };
        let netmask = fmt_raw(e.netmask.as_ref(), scope_name);
        let (mut broadcast, ptp) = if e.flags & libc::IFF_BROADCAST as u32 != 0 {
            (fmt_raw(e.ifu.as_ref(), scope_name), None)
        } else if e.flags & libc::IFF_POINTOPOINT as u32 != 0 {
            (None, fmt_raw(e.ifu.as_ref(), scope_name))
        } else {
            (None, None)
        };
        let address = if family == AddressFamily::Link {
            pad_mac(address)
        } else {
            address
        };
        if family == AddressFamily::Inet && netmask.as_deref() == Some("255.255.255.255") {
            // psutil 8.0: a /32 has no broadcast address.
            broadcast = None;
        }
        rows.push((
            e.name,
            e.family,
            NicAddr {
                family,
                address: Some(address),
                netmask,
                broadcast,
                ptp,
            },
        ));
    }
    rows.sort_by_key(|r| r.1); // stable
    let mut out: IndexMap<String, Vec<NicAddr>> = IndexMap::new();
    for (name, _, a) in rows {
        out.entry(name).or_default().push(a);
    }
    out
}

/// Calls `getifaddrs` and copies every entry (names decoded lossily).
fn read_ifaddrs() -> Result<Vec<RawEntry>> {
    let list = crate::sys::net::if_addrs().map_err(|e| Error::io("getifaddrs()", e))?;
    Ok(list
        .into_iter()
        .map(|e| RawEntry {
            name: String::from_utf8_lossy(&e.name).into_owned(),
            flags: e.flags,
            family: e.family,
            addr: e.addr,
            netmask: e.netmask,
            ifu: e.ifu,
        })
        .collect())
}

/// The live table. psutil formats each address with `getnameinfo`, whose `%scope`
/// suffix of a link-local address is `if_indextoname(sin6_scope_id)`. The scope id of
/// an address returned by `getifaddrs` (glibc and musl) is set only for link-local
/// and link-local multicast addresses, and it is the index of the interface the
/// address belongs to, whose name is the entry's own `ifa_name`. So the entry's name
/// is used, without the socket + ioctl + close of `if_indextoname` per address. (The
/// two differ only if the interface is renamed or removed between `getifaddrs` and
/// the lookup, where psutil's answer is a race too.)
pub(super) fn net_if_addrs_live() -> Result<IndexMap<String, Vec<NicAddr>>> {
    Ok(build(read_ifaddrs()?, &|name, _| Some(name.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn libc_ntop6(a: [u8; 16]) -> String {
        crate::sys::net::inet_ntop6(a)
    }

    fn v6(s: &str) -> [u8; 16] {
        s.parse::<std::net::Ipv6Addr>().unwrap().octets()
    }

    #[test]
    fn ipv6_text_matches_glibc_examples() {
        for (input, want) in [
            ("::", "::"),
            ("::1", "::1"),
            ("fe80::fc:ff:fe00:1", "fe80::fc:ff:fe00:1"),
            ("ffff:ffff:ffff:ffff::", "ffff:ffff:ffff:ffff::"),
            ("fd00::2", "fd00::2"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:3:0:0:4", "1::2:3:0:0:4"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::192.0.2.1", "::192.0.2.1"),
            ("::1:2", "::0.1.0.2"),
            ("2001:db8::", "2001:db8::"),
            ("0:0:1::", "0:0:1::"),
        ] {
            assert_eq!(fmt_ipv6(v6(input)), want, "{input}");
        }
    }

    #[test]
    fn ipv6_text_matches_libc_inet_ntop() {
        // Deterministic pseudo-random addresses biased towards zero groups.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut a = [0u8; 16];
            for w in 0..8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v: u16 = match x % 5 {
                    0 | 1 => 0,
                    2 => 0xffff,
                    3 => (x >> 16) as u16 & 0xff,
                    _ => (x >> 24) as u16,
                };
                a[2 * w..2 * w + 2].copy_from_slice(&v.to_be_bytes());
            }
            assert_eq!(fmt_ipv6(a), libc_ntop6(a), "{a:?}");
        }
    }

    #[test]
    fn scope_suffix_like_getnameinfo() {
        let named = |i: u32| (i == 4).then(|| "eth0".to_string());
        assert_eq!(fmt_ipv6_scoped(v6("fe80::1"), 4, &named), "fe80::1%eth0");
        assert_eq!(fmt_ipv6_scoped(v6("fe80::1"), 9, &named), "fe80::1%9");
        assert_eq!(fmt_ipv6_scoped(v6("ff02::1"), 4, &named), "ff02::1%eth0");
        assert_eq!(fmt_ipv6_scoped(v6("fd00::1"), 4, &named), "fd00::1%4");
        assert_eq!(fmt_ipv6_scoped(v6("fe80::1"), 0, &named), "fe80::1");
        assert_eq!(fmt_ipv6_scoped(v6("febf::1"), 4, &named), "febf::1%eth0");
        assert_eq!(fmt_ipv6_scoped(v6("fec0::1"), 4, &named), "fec0::1%4");
    }

    #[test]
    fn ipv4_and_mac_text() {
        assert_eq!(fmt_ipv4([192, 0, 2, 255]), "192.0.2.255");
        assert_eq!(fmt_ipv4([0, 0, 0, 0]), "0.0.0.0");
        assert_eq!(
            fmt_mac(&[0x02, 0xfc, 0, 0, 0, 0x01]).unwrap(),
            "02:fc:00:00:00:01"
        );
        assert_eq!(fmt_mac(&[0xAB]).unwrap(), "ab");
        assert_eq!(fmt_mac(&[]), None);
        assert_eq!(pad_mac("ab".into()), "ab:00:00:00:00:00");
        assert_eq!(pad_mac("01:02:03:04".into()), "01:02:03:04:00:00");
        assert_eq!(pad_mac("01:02:03:04:05:06".into()), "01:02:03:04:05:06");
        // longer hardware addresses (InfiniBand: 20 bytes) are kept whole
        let ib = fmt_mac(&[0x80; 20]).unwrap();
        assert_eq!(pad_mac(ib.clone()), ib);
        assert_eq!(ib.len(), 20 * 3 - 1);
    }

    fn entry(
        name: &str,
        flags: i32,
        family: i32,
        addr: Option<RawAddr>,
        mask: Option<RawAddr>,
        ifu: Option<RawAddr>,
    ) -> RawEntry {
        RawEntry {
            name: name.into(),
            flags: flags as u32,
            family,
            addr,
            netmask: mask,
            ifu,
        }
    }

    #[test]
    fn build_follows_psutil_rules() {
        use libc::{AF_INET, AF_INET6, AF_PACKET, AF_UNSPEC, IFF_BROADCAST, IFF_LOOPBACK, IFF_POINTOPOINT};
        let bc = IFF_BROADCAST;
        let raw = vec![
            entry(
                "lo",
                IFF_LOOPBACK,
                AF_PACKET,
                Some(RawAddr::Link(vec![0; 6])),
                None,
                Some(RawAddr::Link(vec![0; 6])),
            ),
            entry(
                "eth0",
                bc,
                AF_PACKET,
                Some(RawAddr::Link(vec![2, 0xfc, 0, 0, 0, 1])),
                None,
                Some(RawAddr::Link(vec![0xff; 6])),
            ),
            // tunnel: zero-length hardware address
            entry(
                "tun0",
                IFF_POINTOPOINT,
                AF_PACKET,
                Some(RawAddr::Link(vec![])),
                None,
                None,
            ),
            // no address at all
            entry("tun1", IFF_POINTOPOINT, AF_UNSPEC, None, None, None),
            // unknown family
            entry("can0", 0, 29, None, None, None),
            // short hardware address
            entry(
                "arc0",
                bc,
                AF_PACKET,
                Some(RawAddr::Link(vec![0x42])),
                None,
                Some(RawAddr::Link(vec![0])),
            ),
            entry(
                "lo",
                IFF_LOOPBACK,
                AF_INET,
                Some(RawAddr::V4([127, 0, 0, 1])),
                Some(RawAddr::V4([255, 0, 0, 0])),
                None,
            ),
            entry(
                "eth0",
                bc,
                AF_INET,
                Some(RawAddr::V4([10, 0, 0, 2])),
                Some(RawAddr::V4([255, 255, 255, 0])),
                Some(RawAddr::V4([10, 0, 0, 255])),
            ),
            entry(
                "eth0",
                bc,
                AF_INET,
                Some(RawAddr::V4([10, 9, 0, 2])),
                Some(RawAddr::V4([255; 4])),
                Some(RawAddr::V4([10, 9, 0, 2])),
            ),
            entry(
                "tun0",
                IFF_POINTOPOINT,
                AF_INET,
                Some(RawAddr::V4([10, 8, 0, 1])),
                Some(RawAddr::V4([255; 4])),
                Some(RawAddr::V4([10, 8, 0, 2])),
            ),
            entry(
                "eth0",
                bc,
                AF_INET6,
                Some(RawAddr::V6 {
                    addr: v6("fe80::1"),
                    scope_id: 3,
                }),
                Some(RawAddr::V6 {
                    addr: v6("ffff:ffff:ffff:ffff::"),
                    scope_id: 0,
                }),
                None,
            ),
        ];
        let names = |_: &str, i: u32| (i == 3).then(|| "eth0".to_string());
        let m = build(raw, &names);
        let keys: Vec<_> = m.keys().map(String::as_str).collect();
        // AF_UNSPEC entries sort first, then AF_INET, AF_INET6, AF_PACKET.
        assert_eq!(keys, ["tun0", "tun1", "can0", "lo", "eth0", "arc0"]);
        let na = |f, a: Option<&str>, m: Option<&str>, b: Option<&str>, p: Option<&str>| NicAddr {
            family: f,
            address: a.map(Into::into),
            netmask: m.map(Into::into),
            broadcast: b.map(Into::into),
            ptp: p.map(Into::into),
        };
        use AddressFamily::*;
        let unspec = na(Unspec, None, None, None, None);
        assert_eq!(
            m["tun0"],
            vec![
                unspec.clone(),
                na(
                    Inet,
                    Some("10.8.0.1"),
                    Some("255.255.255.255"),
                    None,
                    Some("10.8.0.2")
                )
            ]
        );
        assert_eq!(m["tun1"], vec![unspec.clone()]);
        assert_eq!(m["can0"], vec![unspec]);
        assert_eq!(
            m["lo"],
            vec![
                na(Inet, Some("127.0.0.1"), Some("255.0.0.0"), None, None),
                na(Link, Some("00:00:00:00:00:00"), None, None, None),
            ]
        );
        assert_eq!(
            m["eth0"],
            vec![
                na(
                    Inet,
                    Some("10.0.0.2"),
                    Some("255.255.255.0"),
                    Some("10.0.0.255"),
                    None
                ),
                na(Inet, Some("10.9.0.2"), Some("255.255.255.255"), None, None),
                na(
                    Inet6,
                    Some("fe80::1%eth0"),
                    Some("ffff:ffff:ffff:ffff::"),
                    None,
                    None
                ),
                na(
                    Link,
                    Some("02:fc:00:00:00:01"),
                    None,
                    Some("ff:ff:ff:ff:ff:ff"),
                    None
                ),
            ]
        );
        assert_eq!(
            m["arc0"],
            vec![na(Link, Some("42:00:00:00:00:00"), None, Some("00"), None)]
        );
    }

    /// On this machine, naming the scope after the entry gives the same table as
    /// `if_indextoname` (what getnameinfo and psutil use).
    #[test]
    fn live_scope_names_equal_if_indextoname() {
        let by_index = build(read_ifaddrs().unwrap(), &|_, i| crate::sys::net::index_to_name(i));
        let live = net_if_addrs_live().unwrap();
        assert_eq!(live, by_index);
        let scoped = live
            .values()
            .flatten()
            .filter(|a| a.address.as_deref().is_some_and(|s| s.contains('%')));
        println!("{} scoped IPv6 addresses compared", scoped.count());
    }

    #[test]
    fn small_formatters_match_std_formatting() {
        for a in [
            [0u8, 0, 0, 0],
            [255, 255, 255, 255],
            [10, 0, 0, 1],
            [192, 168, 100, 9],
            [1, 22, 103, 250],
        ] {
            assert_eq!(fmt_ipv4(a), format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]));
        }
        for w in [0u16, 1, 0xf, 0x10, 0xabc, 0x1000, 0xffff, 0x0f0f, 0x8000] {
            let mut s = String::new();
            push_hex_u16(&mut s, w);
            assert_eq!(s, format!("{w:x}"));
        }
        for bytes in [&[0x02u8, 0xfc, 0, 0, 0, 1][..], &[0xab], &[0; 8], &[0xff; 20]] {
            let want: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(fmt_mac(bytes).unwrap(), want.join(":"));
        }
        assert_eq!(pad_mac("42".into()), "42:00:00:00:00:00");
        assert_eq!(pad_mac("1:2:3:4:5:6:7".into()), "1:2:3:4:5:6:7");
    }
}
