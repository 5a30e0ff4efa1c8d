//! The values `net_connections` returns: kinds, statuses, socket types, addresses.

use crate::constants::AddressFamily;
use crate::error::{Error, Pid};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

#[cfg(feature = "serde")]
use serde::{ser::SerializeMap, Serialize, Serializer};

/// Which sockets `net_connections` lists: psutil's `kind` argument.
///
/// | kind | tables |
/// |---|---|
/// | `Inet` (default) | TCP and UDP over IPv4 and IPv6 |
/// | `Inet4` / `Inet6` | TCP and UDP over IPv4 / IPv6 |
/// | `Tcp` / `Tcp4` / `Tcp6` | TCP over both / IPv4 / IPv6 |
/// | `Udp` / `Udp4` / `Udp6` | UDP over both / IPv4 / IPv6 |
/// | `Unix` | UNIX sockets (stream, datagram, seqpacket) |
/// | `All` | all of the above |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConnectionKind {
    /// `"inet"`: TCP and UDP, IPv4 and IPv6 (psutil's default).
    #[default]
    Inet,
    /// `"inet4"`: TCP and UDP over IPv4.
    Inet4,
    /// `"inet6"`: TCP and UDP over IPv6.
    Inet6,
    /// `"tcp"`: TCP over IPv4 and IPv6.
    Tcp,
    /// `"tcp4"`: TCP over IPv4.
    Tcp4,
    /// `"tcp6"`: TCP over IPv6.
    Tcp6,
    /// `"udp"`: UDP over IPv4 and IPv6.
    Udp,
    /// `"udp4"`: UDP over IPv4.
    Udp4,
    /// `"udp6"`: UDP over IPv6.
    Udp6,
    /// `"unix"`: UNIX domain sockets.
    Unix,
    /// `"all"`: every kind above.
    All,
}

/// One socket table: the `/proc/net` file name, its family and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Tcp4,
    Tcp6,
    Udp4,
    Udp6,
    Unix,
}

impl Table {
    /// The file name under `/proc/net`.
    pub(crate) fn file(self) -> &'static str {
        match self {
            Table::Tcp4 => "tcp",
            Table::Tcp6 => "tcp6",
            Table::Udp4 => "udp",
            Table::Udp6 => "udp6",
            Table::Unix => "unix",
        }
    }

    pub(crate) fn family(self) -> AddressFamily {
        match self {
            Table::Tcp4 | Table::Udp4 => AddressFamily::Inet,
            Table::Tcp6 | Table::Udp6 => AddressFamily::Inet6,
            Table::Unix => AddressFamily::Unix,
        }
    }

    pub(crate) fn is_tcp(self) -> bool {
        matches!(self, Table::Tcp4 | Table::Tcp6)
    }

    pub(crate) fn is_v6(self) -> bool {
        matches!(self, Table::Tcp6 | Table::Udp6)
    }
}

impl ConnectionKind {
    /// Every kind, in the order psutil lists them in its error message.
    pub const ALL: [ConnectionKind; 11] = [
        ConnectionKind::All,
        ConnectionKind::Tcp,
        ConnectionKind::Tcp4,
        ConnectionKind::Udp,
        ConnectionKind::Udp4,
        ConnectionKind::Inet,
        ConnectionKind::Inet4,
        ConnectionKind::Inet6,
        ConnectionKind::Tcp6,
        ConnectionKind::Udp6,
        ConnectionKind::Unix,
    ];

    /// psutil's name of the kind (`"inet"`, `"tcp4"`, ..., `"all"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Inet => "inet",
            ConnectionKind::Inet4 => "inet4",
            ConnectionKind::Inet6 => "inet6",
            ConnectionKind::Tcp => "tcp",
            ConnectionKind::Tcp4 => "tcp4",
            ConnectionKind::Tcp6 => "tcp6",
            ConnectionKind::Udp => "udp",
            ConnectionKind::Udp4 => "udp4",
            ConnectionKind::Udp6 => "udp6",
            ConnectionKind::Unix => "unix",
            ConnectionKind::All => "all",
        }
    }

    /// The socket tables this kind reads, in psutil's order.
    pub(crate) fn tables(self) -> &'static [Table] {
        use Table::*;
        match self {
            ConnectionKind::All => &[Tcp4, Tcp6, Udp4, Udp6, Unix],
            ConnectionKind::Tcp => &[Tcp4, Tcp6],
            ConnectionKind::Tcp4 => &[Tcp4],
            ConnectionKind::Tcp6 => &[Tcp6],
            ConnectionKind::Udp => &[Udp4, Udp6],
            ConnectionKind::Udp4 => &[Udp4],
            ConnectionKind::Udp6 => &[Udp6],
            ConnectionKind::Unix => &[Unix],
            ConnectionKind::Inet => &[Tcp4, Tcp6, Udp4, Udp6],
            ConnectionKind::Inet4 => &[Tcp4, Udp4],
            ConnectionKind::Inet6 => &[Tcp6, Udp6],
        }
    }
}

impl FromStr for ConnectionKind {
    type Err = Error;

    /// Parses psutil's kind names (exact, case-sensitive). Anything else gives
    /// [`Error::InvalidArgument`] with psutil's `ValueError` message.
    fn from_str(s: &str) -> Result<Self, Error> {
        ConnectionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "invalid kind argument {}; valid ones are: ('all', 'tcp', 'tcp4', 'udp', 'udp4', \
                 'inet', 'inet4', 'inet6', 'tcp6', 'udp6', 'unix')",
                    crate::error::py_repr(s)
                ))
            })
    }
}

impl fmt::Display for ConnectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of a connection (psutil's `ConnectionStatus`, a string enum; the `CONN_*`
/// constants). TCP sockets carry their TCP state; UDP and UNIX sockets are always
/// [`ConnectionStatus::None`]. Serialized as psutil's string value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConnectionStatus {
    /// `CONN_ESTABLISHED` = "ESTABLISHED" (kernel state 1).
    Established,
    /// `CONN_SYN_SENT` = "SYN_SENT" (2).
    SynSent,
    /// `CONN_SYN_RECV` = "SYN_RECV" (3).
    SynRecv,
    /// `CONN_FIN_WAIT1` = "FIN_WAIT1" (4).
    FinWait1,
    /// `CONN_FIN_WAIT2` = "FIN_WAIT2" (5).
    FinWait2,
    /// `CONN_TIME_WAIT` = "TIME_WAIT" (6).
    TimeWait,
    /// `CONN_CLOSE` = "CLOSE" (7).
    Close,
    /// `CONN_CLOSE_WAIT` = "CLOSE_WAIT" (8).
    CloseWait,
    /// `CONN_LAST_ACK` = "LAST_ACK" (9).
    LastAck,
    /// `CONN_LISTEN` = "LISTEN" (10).
    Listen,
    /// `CONN_CLOSING` = "CLOSING" (11).
    Closing,
    /// `CONN_NONE` = "NONE": UDP and UNIX sockets.
    None,
}

impl ConnectionStatus {
    /// psutil's string value, e.g. `"ESTABLISHED"`, `"NONE"`.
    pub fn value(self) -> &'static str {
        match self {
            ConnectionStatus::Established => "ESTABLISHED",
            ConnectionStatus::SynSent => "SYN_SENT",
            ConnectionStatus::SynRecv => "SYN_RECV",
            ConnectionStatus::FinWait1 => "FIN_WAIT1",
            ConnectionStatus::FinWait2 => "FIN_WAIT2",
            ConnectionStatus::TimeWait => "TIME_WAIT",
            ConnectionStatus::Close => "CLOSE",
            ConnectionStatus::CloseWait => "CLOSE_WAIT",
            ConnectionStatus::LastAck => "LAST_ACK",
            ConnectionStatus::Listen => "LISTEN",
            ConnectionStatus::Closing => "CLOSING",
            ConnectionStatus::None => "NONE",
        }
    }

    /// psutil's constant name, e.g. `"CONN_ESTABLISHED"`.
    pub fn name(self) -> &'static str {
        match self {
            ConnectionStatus::Established => "CONN_ESTABLISHED",
            ConnectionStatus::SynSent => "CONN_SYN_SENT",
            ConnectionStatus::SynRecv => "CONN_SYN_RECV",
            ConnectionStatus::FinWait1 => "CONN_FIN_WAIT1",
            ConnectionStatus::FinWait2 => "CONN_FIN_WAIT2",
            ConnectionStatus::TimeWait => "CONN_TIME_WAIT",
            ConnectionStatus::Close => "CONN_CLOSE",
            ConnectionStatus::CloseWait => "CONN_CLOSE_WAIT",
            ConnectionStatus::LastAck => "CONN_LAST_ACK",
            ConnectionStatus::Listen => "CONN_LISTEN",
            ConnectionStatus::Closing => "CONN_CLOSING",
            ConnectionStatus::None => "CONN_NONE",
        }
    }

    /// Maps a kernel TCP state code (1 `TCP_ESTABLISHED` ... 11 `TCP_CLOSING`, as
    /// `/proc/net/tcp` prints it in hex `01`..`0B`); `None` for any other code.
    pub fn from_tcp_state(state: u8) -> Option<ConnectionStatus> {
        use ConnectionStatus::*;
        Some(match state {
            1 => Established,
            2 => SynSent,
            3 => SynRecv,
            4 => FinWait1,
            5 => FinWait2,
            6 => TimeWait,
            7 => Close,
            8 => CloseWait,
            9 => LastAck,
            10 => Listen,
            11 => Closing,
            _ => return Option::None,
        })
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.value())
    }
}

/// A socket type (Python's `socket.SocketKind`). Serialized as its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SocketKind {
    /// `SOCK_STREAM` (1): TCP, UNIX stream.
    Stream,
    /// `SOCK_DGRAM` (2): UDP, UNIX datagram.
    Dgram,
    /// `SOCK_SEQPACKET` (5): UNIX seqpacket.
    SeqPacket,
    /// Any other type number, kept as is (psutil keeps an unknown type as an int).
    Other(i32),
}

impl SocketKind {
    /// The type from its `SOCK_*` number.
    pub fn from_value(v: i32) -> SocketKind {
        match v {
            1 => SocketKind::Stream,
            2 => SocketKind::Dgram,
            5 => SocketKind::SeqPacket,
            other => SocketKind::Other(other),
        }
    }

    /// The `SOCK_*` number.
    pub fn value(self) -> i32 {
        match self {
            SocketKind::Stream => 1,
            SocketKind::Dgram => 2,
            SocketKind::SeqPacket => 5,
            SocketKind::Other(v) => v,
        }
    }

    /// The name Python's `socket` module gives the member (`"SOCK_STREAM"`, ...);
    /// `None` for [`SocketKind::Other`].
    pub fn name(self) -> Option<&'static str> {
        match self {
            SocketKind::Stream => Some("SOCK_STREAM"),
            SocketKind::Dgram => Some("SOCK_DGRAM"),
            SocketKind::SeqPacket => Some("SOCK_SEQPACKET"),
            SocketKind::Other(_) => None,
        }
    }
}

/// A connection endpoint as psutil gives it.
///
/// Serialized in psutil's JSON shape: [`Addr::Inet`] as `{"ip": "...", "port": N}`
/// (psutil's `addr(ip, port)` named tuple), [`Addr::Empty`] as `[]` (psutil's empty
/// tuple), [`Addr::Unix`] as a string.
///
/// The empty variant is not called `None` so that a glob import of the variants
/// does not shadow `Option::None`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Addr {
    /// An IPv4 or IPv6 endpoint (psutil's `addr(ip, port)`).
    Inet {
        /// The IP address. It prints like the C library's `inet_ntop` (see
        /// [`Addr::ip_text`]), e.g. `::ffff:127.0.0.1` for an IPv4-mapped address.
        ip: IpAddr,
        /// The port, never 0 (a zero port gives [`Addr::Empty`]).
        port: u16,
    },
    /// A UNIX socket name: a filesystem path, an abstract name with a leading `@`
    /// (NUL bytes inside shown as `@`), or `""` for an unnamed socket, a name with
    /// whitespace inside (psutil's reading of `/proc/net/unix` loses those), and
    /// always for `raddr`. A `String` decoded with `String::from_utf8_lossy`, since
    /// an abstract name is not a path.
    Unix(String),
    /// No endpoint: an inet address whose port is 0 (psutil's empty tuple `()`),
    /// e.g. the `raddr` of a listening socket.
    Empty,
}

impl Addr {
    /// The IP address as text, formatted like glibc's `inet_ntop` (what psutil
    /// prints); `None` unless this is [`Addr::Inet`].
    pub fn ip_text(&self) -> Option<String> {
        match self {
            Addr::Inet { ip, .. } => Some(ntop(ip)),
            _ => None,
        }
    }

    /// The port of an [`Addr::Inet`].
    pub fn port(&self) -> Option<u16> {
        match self {
            Addr::Inet { port, .. } => Some(*port),
            _ => None,
        }
    }

    /// True for [`Addr::Empty`] and for an empty [`Addr::Unix`] name (the values
    /// psutil's falsy `()` and `""` stand for).
    pub fn is_empty(&self) -> bool {
        match self {
            Addr::Empty => true,
            Addr::Unix(s) => s.is_empty(),
            Addr::Inet { .. } => false,
        }
    }
}

/// Formats an IP address as glibc's `inet_ntop` does (Python's `socket.inet_ntop`):
/// lower-case hex, the longest run (first on a tie) of two or more zero groups
/// compressed to `::`, and the last 32 bits in dotted form for IPv4-mapped
/// (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`, except `::` and `::1`-like
/// addresses with only the last group set) addresses.
pub(crate) fn ntop(ip: &IpAddr) -> String {
    let v6 = match ip {
        IpAddr::V4(v4) => return v4.to_string(),
        IpAddr::V6(v6) => v6,
    };
    let w = v6.segments();
    // Longest run of zero words.
    let (mut best, mut cur): ((isize, usize), (isize, usize)) = ((-1, 0), (-1, 0));
    for (i, &x) in w.iter().enumerate() {
        if x == 0 {
            if cur.0 == -1 {
                cur = (i as isize, 1);
            } else {
                cur.1 += 1;
            }
        } else if cur.0 != -1 {
            if best.0 == -1 || cur.1 > best.1 {
                best = cur;
            }
            cur = (-1, 0);
        }
    }
    if cur.0 != -1 && (best.0 == -1 || cur.1 > best.1) {
        best = cur;
    }
    if best.0 != -1 && best.1 < 2 {
        best = (-1, 0);
    }
    let mut s = String::with_capacity(40);
    let o = v6.octets();
    for (i, &x) in w.iter().enumerate() {
        let ii = i as isize;
        if best.0 != -1 && ii >= best.0 && ii < best.0 + best.1 as isize {
            if ii == best.0 {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best.0 == 0 && (best.1 == 6 || (best.1 == 5 && w[5] == 0xffff)) {
            s.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            break;
        }
        s.push_str(&format!("{x:x}"));
    }
    if best.0 != -1 && best.0 + best.1 as isize == 8 {
        s.push(':');
    }
    s
}

#[cfg(feature = "serde")]
impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Addr::Inet { ip, port } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("ip", &ntop(ip))?;
                m.serialize_entry("port", port)?;
                m.end()
            }
            Addr::Unix(p) => s.serialize_str(p),
            Addr::Empty => {
                use serde::ser::SerializeSeq;
                s.serialize_seq(Some(0))?.end()
            }
        }
    }
}

#[cfg(feature = "serde")]
impl Serialize for ConnectionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.value())
    }
}

#[cfg(feature = "serde")]
impl Serialize for SocketKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.value())
    }
}

#[cfg(feature = "serde")]
impl Serialize for ConnectionKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A socket of the system: psutil's `sconn`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Connection {
    /// The file descriptor number in the owning process, or -1 when no process
    /// could be found (another user's process, a TIME_WAIT socket, a kernel socket).
    pub fd: i32,
    /// Address family: [`AddressFamily::Inet`] (2), [`AddressFamily::Inet6`] (10) or
    /// [`AddressFamily::Unix`] (1). Serialized as its number.
    pub family: AddressFamily,
    /// Socket type (`SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_SEQPACKET`). Serialized as
    /// `"type"`, its number.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub type_: SocketKind,
    /// Local endpoint: IP and port, [`Addr::Empty`] for port 0, or the UNIX name.
    pub laddr: Addr,
    /// Remote endpoint: IP and port, [`Addr::Empty`] when not connected; always
    /// `Addr::Unix("")` for UNIX sockets.
    pub raddr: Addr,
    /// TCP state, or [`ConnectionStatus::None`] for UDP and UNIX sockets.
    pub status: ConnectionStatus,
    /// The process owning the socket; `None` when unknown (then `fd` is -1).
    pub pid: Option<Pid>,
}

/// A socket of one process: psutil's `pconn` (an `sconn` without `pid`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProcessConnection {
    /// The file descriptor number in the process.
    pub fd: i32,
    /// Address family ([`AddressFamily::Inet`], [`AddressFamily::Inet6`] or
    /// [`AddressFamily::Unix`]). Serialized as its number.
    pub family: AddressFamily,
    /// Socket type. Serialized as `"type"`, its number.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub type_: SocketKind,
    /// Local endpoint (see [`Connection::laddr`]).
    pub laddr: Addr,
    /// Remote endpoint (see [`Connection::raddr`]).
    pub raddr: Addr,
    /// TCP state, or [`ConnectionStatus::None`] for UDP and UNIX sockets.
    pub status: ConnectionStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in ConnectionKind::ALL {
            assert_eq!(k.as_str().parse::<ConnectionKind>().unwrap(), k);
        }
        assert_eq!(ConnectionKind::default(), ConnectionKind::Inet);
        let e = "x".parse::<ConnectionKind>().unwrap_err();
        assert_eq!(e.exception_name(), "ValueError");
        assert_eq!(
            e.to_string(),
            "invalid kind argument 'x'; valid ones are: ('all', 'tcp', 'tcp4', 'udp', 'udp4', \
             'inet', 'inet4', 'inet6', 'tcp6', 'udp6', 'unix')"
        );
        assert!("TCP".parse::<ConnectionKind>().is_err());
        assert!(" tcp".parse::<ConnectionKind>().is_err());
    }

    #[test]
    fn statuses() {
        let all: Vec<_> = (0..=13u8).map(ConnectionStatus::from_tcp_state).collect();
        assert_eq!(all[0], Option::None);
        assert_eq!(all[1], Some(ConnectionStatus::Established));
        assert_eq!(all[10], Some(ConnectionStatus::Listen));
        assert_eq!(all[11], Some(ConnectionStatus::Closing));
        assert_eq!(all[12], Option::None);
        assert_eq!(ConnectionStatus::None.value(), "NONE");
        assert_eq!(ConnectionStatus::FinWait1.name(), "CONN_FIN_WAIT1");
    }

    #[test]
    fn ntop_like_glibc() {
        for (ip, want) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::2", "::2"),
            ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
            ("::ffff:0.0.0.0", "::ffff:0.0.0.0"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::0.1.0.0", "::0.1.0.0"),
            ("fe80::1", "fe80::1"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("2001:db8::", "2001:db8::"),
            ("0:0:0:0:0:1:0:0", "::1:0:0"),
            ("::ffff:1:2", "::ffff:0.1.0.2"),
            ("127.0.0.1", "127.0.0.1"),
        ] {
            assert_eq!(ntop(&ip.parse().unwrap()), want, "{ip}");
        }
    }
}
