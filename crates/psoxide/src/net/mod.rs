//! System-wide network information: traffic counters, interface addresses and
//! interface status (psutil's `net_io_counters`, `net_if_addrs`, `net_if_stats`).
//!
//! Interface names come from the kernel and need not be UTF-8; they are decoded with
//! `String::from_utf8_lossy`.

use std::borrow::Cow;
use crate::context::{lock, Host};
use crate::error::Result;
use crate::linux::parse::netdev::{parse_net_dev, visit_net_dev, NET_DEV_FIELDS};
use crate::nowrap::NoWrap;
use crate::roots::Roots;
use crate::sys::fs::{with_file, FileKind};
use indexmap::IndexMap;

mod ifaddrs;
mod ifstats;

use crate::constants::{AddressFamily, NicDuplex};

/// Cumulative traffic counters of one network interface, or of all of them summed:
/// psutil's `snetio`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NetIoCounters {
    /// Bytes sent (transmitted).
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_recv: u64,
    /// Packets sent (count).
    pub packets_sent: u64,
    /// Packets received (count).
    pub packets_recv: u64,
    /// Receive errors (count).
    pub errin: u64,
    /// Transmit errors (count).
    pub errout: u64,
    /// Incoming packets dropped (count; the kernel counts missed packets here too).
    pub dropin: u64,
    /// Outgoing packets dropped (count).
    pub dropout: u64,
}

impl NetIoCounters {
    fn from_array(a: [u64; NET_DEV_FIELDS]) -> Self {
        let [bytes_sent, bytes_recv, packets_sent, packets_recv, errin, errout, dropin, dropout] = a;
        NetIoCounters {
            bytes_sent,
            bytes_recv,
            packets_sent,
            packets_recv,
            errin,
            errout,
            dropin,
            dropout,
        }
    }

    /// Field-wise sum; saturates at `u64::MAX` (Python's ints cannot overflow, a `u64`
    /// can: a saturated total is the closest representable value).
    fn saturating_add(self, o: Self) -> Self {
        NetIoCounters {
            bytes_sent: self.bytes_sent.saturating_add(o.bytes_sent),
            bytes_recv: self.bytes_recv.saturating_add(o.bytes_recv),
            packets_sent: self.packets_sent.saturating_add(o.packets_sent),
            packets_recv: self.packets_recv.saturating_add(o.packets_recv),
            errin: self.errin.saturating_add(o.errin),
            errout: self.errout.saturating_add(o.errout),
            dropin: self.dropin.saturating_add(o.dropin),
            dropout: self.dropout.saturating_add(o.dropout),
        }
    }
}

/// One address of a network interface: psutil's `snicaddr`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NicAddr {
    /// Address family: [`AddressFamily::Inet`], [`AddressFamily::Inet6`],
    /// [`AddressFamily::Link`] (a MAC address, psutil's `AF_LINK` = `AF_PACKET` = 17),
    /// or [`AddressFamily::Unspec`] for an entry without a usable address (then every
    /// other field is `None`). Serialized as its number.
    pub family: AddressFamily,
    /// The address as text: IPv4 dotted quad, IPv6 in the C library's numeric form
    /// (link-local addresses end in `%ifname`), or a MAC as lower-case `xx:xx:xx:xx:xx:xx`
    /// (padded with `:00` to six octets). `None` only for `Unspec` entries.
    pub address: Option<String>,
    /// The netmask in the same notation as `address`; `None` for MAC entries.
    pub netmask: Option<String>,
    /// The broadcast address, when the interface has `IFF_BROADCAST`
    /// (`ff:ff:ff:ff:ff:ff` for Ethernet MACs); always `None` for an IPv4 /32.
    pub broadcast: Option<String>,
    /// The peer address of a point-to-point interface (`IFF_POINTOPOINT`, e.g. a
    /// tunnel); `None` otherwise. At most one of `broadcast` and `ptp` is set.
    pub ptp: Option<String>,
}

/// Status of one network interface: psutil's `snicstats`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NicStats {
    /// True when the interface is up and has a carrier (the kernel's `IFF_RUNNING`,
    /// not merely `IFF_UP`).
    pub isup: bool,
    /// Duplex mode reported by the driver (ethtool), `Unknown` when not reported.
    pub duplex: NicDuplex,
    /// Link speed in Mbps (megabits per second); 0 when unknown.
    pub speed: u32,
    /// Maximum transmission unit, in bytes.
    pub mtu: u32,
    /// The set low 16 interface flags as comma-separated names in psutil's fixed order
    /// (`up,broadcast,debug,loopback,pointopoint,notrailers,running,noarp,promisc,
    /// allmulti,master,slave,multicast,portsel,automedia,dynamic`); may be empty.
    pub flags: String,
}

/// Reads `/proc/net/dev` under `roots`: raw counters per NIC, file order.
fn read_net_dev(roots: &Roots) -> Result<IndexMap<String, [u64; NET_DEV_FIELDS]>> {
    let path = roots.proc("net/dev");
    with_file(&path, FileKind::TABLE, |b| parse_net_dev(b, &path))
}

/// The per-NIC table after the optional wrap-around compensation (psutil applies it
/// to the per-NIC table, before any summing; an empty table leaves the state alone).
/// The state is the host's, shared by the sum and the per-NIC variants (psutil keys
/// it `psutil.net_io_counters`).
fn pernic_table(host: &Host, nowrap: bool) -> Result<IndexMap<String, [u64; NET_DEV_FIELDS]>> {
    let raw = read_net_dev(host.roots())?;
    if !nowrap || raw.is_empty() {
        return Ok(raw);
    }
    let mut guard = lock(&host.state().net_nowrap);
    let mut raw = raw;
    guard
        .get_or_insert_with(NoWrap::new)
        .apply_in_place(&mut raw, |r| *r, |r, c| *r = c);
    Ok(raw)
}

/// Network traffic counters summed over every interface: psutil's
/// `net_io_counters(pernic=False, nowrap=...)`.
///
/// `nowrap = true` (psutil's default) compensates counters that wrapped around since
/// the previous call (see [`net_io_counters_cache_clear`]). Returns `None` when
/// `/proc/net/dev` lists no interface. Sums saturate at `u64::MAX`.
pub fn net_io_counters(nowrap: bool) -> Result<Option<NetIoCounters>> {
    Host::current().net_io_counters(nowrap)
}

impl Host {
    /// [`net_io_counters`] on this host.
    pub fn net_io_counters(&self, nowrap: bool) -> Result<Option<NetIoCounters>> {
        // psutil's per-NIC table, then its sum; the table borrows the names from the
        // read buffer (the sum keeps none of them).
        let path = self.roots().proc("net/dev");
        with_file(&path, FileKind::TABLE, |b| {
            let mut table: IndexMap<Cow<'_, str>, [u64; NET_DEV_FIELDS]> = IndexMap::new();
            visit_net_dev(b, &path, |name, v| {
                table.insert(name, v);
            })?;
            if table.is_empty() {
                return Ok(None);
            }
            if nowrap {
                lock(&self.state().net_nowrap)
                    .get_or_insert_with(NoWrap::new)
                    .apply_in_place(&mut table, |r| *r, |r, c| *r = c);
            }
            Ok(Some(
                table
                    .into_values()
                    .map(NetIoCounters::from_array)
                    .fold(NetIoCounters::default(), NetIoCounters::saturating_add),
            ))
        })
    }
}

/// Network traffic counters per interface, keyed by name in `/proc/net/dev` order:
/// psutil's `net_io_counters(pernic=True, nowrap=...)`. Empty when no interface is
/// listed.
pub fn net_io_counters_pernic(nowrap: bool) -> Result<IndexMap<String, NetIoCounters>> {
    Host::current().net_io_counters_pernic(nowrap)
}

impl Host {
    /// [`net_io_counters_pernic`] reading `/proc/net/dev` under `roots`.
    pub fn net_io_counters_pernic(&self, nowrap: bool) -> Result<IndexMap<String, NetIoCounters>> {
        let _roots: &Roots = self.roots();
        Ok(pernic_table(self, nowrap)?
            .into_iter()
            .map(|(k, v)| (k, NetIoCounters::from_array(v)))
            .collect())
    }
}

/// Forgets the wrap-around state used by `nowrap = true` on [`Host::current`]:
/// psutil's `net_io_counters.cache_clear()`.
pub fn net_io_counters_cache_clear() {
    Host::current().net_io_counters_cache_clear();
}

impl Host {
    /// Forgets this host's `net_io_counters` wrap-around state.
    pub fn net_io_counters_cache_clear(&self) {
        if let Some(s) = lock(&self.state().net_nowrap).as_mut() {
            s.clear();
        }
    }
}

/// The addresses of every network interface: psutil's `net_if_addrs()`.
///
/// Source: `getifaddrs(3)` (always the live system: psutil does not honour
/// `PROCFS_PATH` here). Entries are stable-sorted by numeric family (`Unspec` 0,
/// `Inet` 2, `Inet6` 10, `Link` 17) before being grouped, so the key order follows
/// the first entry of each interface in that order. An interface entry without a
/// usable address (no address, a family other than IPv4/IPv6/link-layer, or an empty
/// hardware address, as on tunnels) yields a [`NicAddr`] with family `Unspec` and all
/// fields `None` (new in psutil 8.0).
pub fn net_if_addrs() -> Result<IndexMap<String, Vec<NicAddr>>> {
    ifaddrs::net_if_addrs_live()
}

/// Status of every network interface listed in `/proc/net/dev`, in that order:
/// psutil's `net_if_stats()`.
///
/// For each name the MTU, the flags and the ethtool duplex/speed are queried with
/// `ioctl`s on one `AF_INET` datagram socket. An interface that vanished meanwhile
/// (`ENODEV`) is left out; a driver without ethtool support (`EOPNOTSUPP`, `EINVAL`,
/// `EBUSY`) gets duplex `Unknown` and speed 0; any other failure is an [`Error::Io`](crate::Error::Io)
/// naming the interface and the ioctl.
pub fn net_if_stats() -> Result<IndexMap<String, NicStats>> {
    Host::current().net_if_stats()
}

impl Host {
    /// [`net_if_stats`] taking the interface names from `/proc/net/dev` under `roots`
    /// (the ioctls always query the live kernel, as psutil does).
    pub fn net_if_stats(&self) -> Result<IndexMap<String, NicStats>> {
        let roots: &Roots = self.roots();
        let names: Vec<String> = read_net_dev(roots)?.into_keys().collect();
        ifstats::stats_for(&names)
    }
}
