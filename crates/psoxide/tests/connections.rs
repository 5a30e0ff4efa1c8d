//! Tests of `net_connections`: fixture trees (compared with psutil 7.2.2 reading the
//! same trees through `PROCFS_PATH`), captured netlink replies (compared with the
//! `/proc/net` text captured at the same moment), then live sockets opened by the
//! test, checked field by field against what the test knows about them (std's
//! `local_addr`/`peer_addr`, `fstat` inodes), across both sources and psutil.
//!
//! The live tests hold a lock so that no other test of this binary opens or closes
//! sockets while one compares two reads; comparisons are restricted to this
//! process's sockets, since other processes' sockets may change between reads.

use psoxide::linux::parse::procnet::{parse_proc_net_inet, parse_proc_net_unix, InetSock, UnixSock};
use psoxide::linux::parse::sockdiag::{
    inet_dump_request, parse_inet_diag, parse_unix_diag, unix_dump_request, DumpProgress, INET_STATES,
    NETLINK_SOCK_DIAG, UDIAG_SHOW_NAME,
};
use psoxide::Host;
use psoxide::{
    net_connections, net_connections_from, Addr, AddressFamily, Connection, ConnectionKind, ConnectionStatus,
    Error, Roots, SocketKind, SocketTableSource,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

mod common;

static PYTHON: std::sync::LazyLock<String> = std::sync::LazyLock::new(common::psutil_python);
static LIVE: Mutex<()> = Mutex::new(());

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn live_lock() -> std::sync::MutexGuard<'static, ()> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// psutil's rows as JSON in psoxide's serde shape.
const PY: &str = r#"
import json, sys, psutil
def a(x):
    if isinstance(x, tuple):
        return {"ip": x.ip, "port": x.port} if len(x) else []
    return x
def row(c):
    d = {"fd": c.fd, "family": int(c.family), "type": int(c.type), "laddr": a(c.laddr),
         "raddr": a(c.raddr), "status": str(c.status)}
    if hasattr(c, "pid"):
        d["pid"] = c.pid
    return d
kinds = ["all", "tcp", "tcp4", "udp", "udp4", "inet", "inet4", "inet6", "tcp6", "udp6", "unix"]
mode = sys.argv[1]
out = {}
if mode == "fixture":
    psutil.PROCFS_PATH = sys.argv[2]
    for k in kinds:
        try:
            out[k] = [row(c) for c in psutil.net_connections(k)]
        except Exception as e:
            out[k] = {"error": type(e).__name__, "msg": str(e)}
else:
    ppid = int(sys.argv[2])
    for k in kinds:
        out[k] = [row(c) for c in psutil.net_connections(k) if c.pid == ppid]
    out["process"] = [row(c) for c in psutil.Process(ppid).net_connections("all")]
print(json.dumps(out))
"#;

/// Runs the script; `None` (after printing why) when psutil is not available.
fn psutil(args: &[&str]) -> Option<BTreeMap<String, Value>> {
    if !Path::new(&*PYTHON).exists() {
        println!("SKIP psutil comparison: {} not found", &*PYTHON);
        return None;
    }
    let out = Command::new(&*PYTHON)
        .arg("-c")
        .arg(PY)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Rows as sorted JSON strings (a multiset).
fn multiset<T: serde::Serialize>(rows: &[T]) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
    v.sort();
    v
}

fn value_multiset(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    out.sort();
    out
}

fn kind(s: &str) -> ConnectionKind {
    s.parse().unwrap()
}

fn inet(ip: &str, port: u16) -> Addr {
    Addr::Inet {
        ip: ip.parse().unwrap(),
        port,
    }
}

fn unix(s: &str) -> Addr {
    Addr::Unix(s.into())
}

// ---------------------------------------------------------------- fixtures

#[test]
fn synth_fixture_every_field() {
    let r = Roots::under(fixture("conn-synth"));
    let all = Host::new(r.clone()).net_connections(ConnectionKind::All).unwrap();
    let tcp4: Vec<_> = all
        .iter()
        .filter(|c| c.family == AddressFamily::Inet && c.type_ == SocketKind::Stream)
        .collect();
    // Every TCP state once; the duplicated line is dropped.
    let statuses: Vec<_> = tcp4.iter().map(|c| c.status.value()).collect();
    assert_eq!(
        statuses,
        [
            "ESTABLISHED",
            "SYN_SENT",
            "SYN_RECV",
            "FIN_WAIT1",
            "FIN_WAIT2",
            "TIME_WAIT",
            "CLOSE",
            "CLOSE_WAIT",
            "LAST_ACK",
            "LISTEN",
            "CLOSING"
        ]
    );
    // Inode 1001 is held by pid 100 (fd 3) and pid 200 (fds 10, 11): the process
    // listed last wins, with its first fd in directory order (the fixture's file
    // system decides those orders, so read them here).
    let listed = |dir: PathBuf| -> Vec<u32> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.parse().ok())
            .collect()
    };
    let pids: Vec<u32> = listed(fixture("conn-synth/proc"))
        .into_iter()
        .filter(|p| [100, 200].contains(p))
        .collect();
    let owner = *pids.last().unwrap();
    let fds_of = |pid: u32, targets: &str| -> Vec<i32> {
        let d = fixture(&format!("conn-synth/proc/{pid}/fd"));
        listed(d.clone())
            .into_iter()
            .map(|f| f as i32)
            .filter(|f| std::fs::read_link(d.join(f.to_string())).unwrap().to_str() == Some(targets))
            .collect()
    };
    let fds_1001 = fds_of(owner, "socket:[1001]");
    assert_eq!(
        *tcp4[0],
        Connection {
            fd: fds_1001[0],
            family: AddressFamily::Inet,
            type_: SocketKind::Stream,
            laddr: inet("192.168.1.10", 8001),
            raddr: inet("10.0.0.1", 40001),
            status: ConnectionStatus::Established,
            pid: Some(owner),
        }
    );
    // LISTEN: port 0 remote -> empty; TIME_WAIT: inode 0, unattributed.
    assert_eq!(tcp4[9].raddr, Addr::Empty);
    assert_eq!((tcp4[5].fd, tcp4[5].pid), (-1, None));

    let tcp6: Vec<_> = all.iter().filter(|c| c.family == AddressFamily::Inet6).collect();
    assert_eq!(tcp6[0].laddr, inet("::", 22));
    assert_eq!(tcp6[1].laddr.ip_text().unwrap(), "::ffff:127.0.0.1");
    assert_eq!(tcp6[1].raddr, inet("::ffff:127.0.0.1", 40521));
    assert_eq!((tcp6[1].pid, tcp6[1].fd), (Some(100), 6));
    assert_eq!(tcp6[2].laddr, inet("fe80::1:2:3:4", 80));
    assert_eq!(tcp6[2].raddr, inet("2001:db8::1", 50000));
    assert_eq!(tcp6[3].laddr.ip_text().unwrap(), "::1.2.3.4");
    assert_eq!(tcp6[3].status, ConnectionStatus::CloseWait);

    let udp: Vec<_> = all
        .iter()
        .filter(|c| c.type_ == SocketKind::Dgram && c.family != AddressFamily::Unix)
        .collect();
    assert_eq!(udp.len(), 5);
    assert!(udp.iter().all(|c| c.status == ConnectionStatus::None));
    assert_eq!(udp[0].laddr, inet("127.0.0.53", 53));
    assert_eq!(udp[1].raddr, inet("8.8.8.8", 53));
    assert_eq!((udp[1].pid, udp[1].fd), (Some(200), 12));
    assert_eq!(
        (udp[2].laddr.clone(), udp[2].raddr.clone()),
        (Addr::Empty, Addr::Empty)
    );
    assert_eq!(udp[3].laddr, inet("::", 546));
    assert_eq!((udp[3].pid, udp[3].fd), (Some(300), 4));
    assert_eq!(udp[4].raddr.ip_text().unwrap(), "::ffff:8.8.4.4");

    let ux: Vec<_> = all.iter().filter(|c| c.family == AddressFamily::Unix).collect();
    let got: Vec<_> = ux
        .iter()
        .map(|c| (c.fd, c.type_.value(), c.laddr.clone(), c.pid))
        .collect();
    let mut want = vec![(-1, 1, unix("/run/systemd/private"), None)];
    // 5002 is held by pid 100 (fds 4, 5) and pid 200 (fds 3, 9): one row per fd of
    // the owner.
    for fd in fds_of(owner, "socket:[5002]") {
        want.push((fd, 1, unix(""), Some(owner)));
    }
    want.extend([
        (-1, 1, unix(""), None),
        (-1, 2, unix("/run/systemd/notify"), None),
        (13, 5, unix("@seqpacket@abstract"), Some(200)),
        (8, 1, unix(""), Some(100)),
        (-1, 2, unix("@/tmp/.X11-unix/X0"), None),
        (-1, 1, unix("/run/dbus/system_bus_socket"), None),
        (-1, 2, unix(""), None),
    ]);
    assert_eq!(got, want);
    assert_eq!(fds_of(owner, "socket:[5002]").len(), 2);
    assert!(ux
        .iter()
        .all(|c| c.raddr == unix("") && c.status == ConnectionStatus::None));
    // Unattributed unnamed stream sockets collapse into one row (psutil's set).
    assert_eq!(
        ux.iter()
            .filter(|c| c.pid.is_none() && c.laddr == unix("") && c.type_ == SocketKind::Stream)
            .count(),
        1
    );

    // Per kind: the right tables only.
    for k in ConnectionKind::ALL {
        let v = Host::new(r.clone()).net_connections(k).unwrap();
        let want: Vec<_> = all
            .iter()
            .filter(|c| {
                let (f, t) = (c.family, c.type_);
                match k {
                    ConnectionKind::All => true,
                    ConnectionKind::Unix => f == AddressFamily::Unix,
                    ConnectionKind::Inet => f != AddressFamily::Unix,
                    ConnectionKind::Inet4 => f == AddressFamily::Inet,
                    ConnectionKind::Inet6 => f == AddressFamily::Inet6,
                    ConnectionKind::Tcp => f != AddressFamily::Unix && t == SocketKind::Stream,
                    ConnectionKind::Tcp4 => f == AddressFamily::Inet && t == SocketKind::Stream,
                    ConnectionKind::Tcp6 => f == AddressFamily::Inet6 && t == SocketKind::Stream,
                    ConnectionKind::Udp => f != AddressFamily::Unix && t == SocketKind::Dgram,
                    ConnectionKind::Udp4 => f == AddressFamily::Inet && t == SocketKind::Dgram,
                    ConnectionKind::Udp6 => f == AddressFamily::Inet6 && t == SocketKind::Dgram,
                }
            })
            .cloned()
            .collect();
        assert_eq!(v, want, "{k}");
    }
}

#[test]
fn json_shape() {
    let r = Roots::under(fixture("conn-synth"));
    let all = Host::new(r.clone()).net_connections(ConnectionKind::All).unwrap();
    let listen = all.iter().find(|c| c.status == ConnectionStatus::Listen).unwrap();
    assert_eq!(
        serde_json::to_string(listen).unwrap(),
        r#"{"fd":-1,"family":2,"type":1,"laddr":{"ip":"192.168.1.10","port":8010},"raddr":[],"status":"LISTEN","pid":null}"#
    );
    let seq = all.iter().find(|c| c.type_ == SocketKind::SeqPacket).unwrap();
    assert_eq!(
        serde_json::to_string(seq).unwrap(),
        r#"{"fd":13,"family":1,"type":5,"laddr":"@seqpacket@abstract","raddr":"","status":"NONE","pid":200}"#
    );
}

#[test]
fn fixtures_match_psutil() {
    // Spawning a child copies our descriptors until it execs: keep live tests out.
    let _g = live_lock();
    for name in ["conn-synth", "conn-nov6", "conn-capture"] {
        let dir = fixture(name);
        let Some(theirs) = psutil(&["fixture", dir.join("proc").to_str().unwrap()]) else {
            return;
        };
        for k in ConnectionKind::ALL {
            let ours = Host::new(Roots::under(&dir)).net_connections(k).unwrap();
            assert_eq!(multiset(&ours), value_multiset(&theirs[k.as_str()]), "{name} {k}");
        }
    }
}

#[test]
fn missing_ipv6_tables_are_skipped() {
    let r = Roots::under(fixture("conn-nov6"));
    assert!(Host::new(r.clone())
        .net_connections(ConnectionKind::Inet6)
        .unwrap()
        .is_empty());
    assert_eq!(
        Host::new(r.clone())
            .net_connections(ConnectionKind::Tcp)
            .unwrap()
            .len(),
        11
    );
}

#[test]
fn malformed_tables_are_errors_naming_file_and_line() {
    let _g = live_lock();
    for (name, k, file, line) in [
        ("conn-truncated", "tcp4", "net/tcp", "line 4"),
        ("conn-garbage", "inet", "net/tcp", "line 3"),
        ("conn-badstate", "tcp", "net/tcp", "unknown TCP state 0C"),
        ("conn-unix-stray", "unix", "net/unix", "line 4"),
    ] {
        let dir = fixture(name);
        let e = Host::new(Roots::under(&dir))
            .net_connections(kind(k))
            .unwrap_err();
        let s = e.to_string();
        assert!(matches!(e, Error::Parse { .. }), "{name}: {s}");
        assert!(
            s.contains(&dir.join("proc").join(file).display().to_string()),
            "{name}: {s}"
        );
        assert!(s.contains(line), "{name}: {s}");
        // psutil fails on the same trees.
        if let Some(theirs) = psutil(&["fixture", dir.join("proc").to_str().unwrap()]) {
            assert!(
                theirs[k].get("error").is_some(),
                "psutil accepted {name}: {}",
                theirs[k]
            );
        }
    }
    // A missing table (not tcp6/udp6) is an I/O error, as psutil's open() fails.
    let e = Host::new(Roots::under(fixture("conn-nov6"))).net_connections(ConnectionKind::All);
    assert!(e.is_ok());
    let e = Host::new(Roots::under(fixture("conn-truncated")))
        .net_connections(ConnectionKind::Unix)
        .unwrap_err();
    assert_eq!(e.exception_name(), "FileNotFoundError", "{e}");
}

#[test]
fn unix_names_with_newlines() {
    // Deviation from psutil (documented): a name continued on the next line is
    // whole, so it contains a newline and gives "" like the netlink reader.
    let r = Roots::under(fixture("conn-unix-newline"));
    let v = Host::new(r.clone())
        .net_connections(ConnectionKind::Unix)
        .unwrap();
    let names: Vec<_> = v.iter().map(|c| c.laddr.clone()).collect();
    assert_eq!(names, [unix("/run/systemd/private"), unix(""), unix("@abs")]);
}

#[test]
fn bad_kind_message() {
    let e = "x".parse::<ConnectionKind>().unwrap_err();
    assert_eq!(e.exception_name(), "ValueError");
    assert_eq!(
        e.to_string(),
        "invalid kind argument 'x'; valid ones are: ('all', 'tcp', 'tcp4', 'udp', 'udp4', 'inet', \
         'inet4', 'inet6', 'tcp6', 'udp6', 'unix')"
    );
    assert_eq!(ConnectionKind::default(), ConnectionKind::Inet);
    assert_eq!(ConnectionKind::Tcp6.as_str(), "tcp6");
}

// ---------------------------------------------------------------- netlink capture

/// A raw sock_diag dump with the test's own socket: every reply datagram.
fn nl_dump(req: &[u8], seq: u32, is_done: impl Fn(&[u8], u32) -> DumpProgress) -> Vec<Vec<u8>> {
    // SAFETY: plain socket/sendto/recv calls on a descriptor owned below.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            NETLINK_SOCK_DIAG,
        );
        assert!(fd >= 0, "{}", std::io::Error::last_os_error());
        let fd = OwnedFd::from_raw_fd(fd);
        let mut sa: libc::sockaddr_nl = std::mem::zeroed();
        sa.nl_family = libc::AF_NETLINK as u16;
        let n = libc::sendto(
            fd.as_raw_fd(),
            req.as_ptr().cast(),
            req.len(),
            0,
            (&sa as *const libc::sockaddr_nl).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as u32,
        );
        assert_eq!(n, req.len() as isize);
        let mut out = Vec::new();
        loop {
            let mut buf = vec![0u8; 32768];
            let n = libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0);
            assert!(n > 0, "{}", std::io::Error::last_os_error());
            buf.truncate(n as usize);
            let done = is_done(&buf, seq) == DumpProgress::Done;
            out.push(buf);
            if done {
                return out;
            }
        }
    }
}

const TABLES: [(&str, u8, u8); 4] = [
    ("tcp", libc::AF_INET as u8, libc::IPPROTO_TCP as u8),
    ("tcp6", libc::AF_INET6 as u8, libc::IPPROTO_TCP as u8),
    ("udp", libc::AF_INET as u8, libc::IPPROTO_UDP as u8),
    ("udp6", libc::AF_INET6 as u8, libc::IPPROTO_UDP as u8),
];

fn capture_netlink() -> BTreeMap<String, (u32, Vec<Vec<u8>>)> {
    let mut m = BTreeMap::new();
    for (i, (name, fam, proto)) in TABLES.into_iter().enumerate() {
        let seq = 100 + i as u32;
        let dgs = nl_dump(&inet_dump_request(seq, fam, proto, INET_STATES), seq, |b, s| {
            parse_inet_diag(b, Path::new(name), s, fam, &mut Vec::new()).unwrap()
        });
        m.insert(name.to_string(), (seq, dgs));
    }
    let seq = 200;
    let dgs = nl_dump(&unix_dump_request(seq, UDIAG_SHOW_NAME), seq, |b, s| {
        parse_unix_diag(b, Path::new("unix"), s, &mut Vec::new()).unwrap()
    });
    m.insert("unix".into(), (seq, dgs));
    m
}

/// Binary fixture: `seq` (u32 LE), then each datagram as length (u32 LE) + bytes.
fn encode(seq: u32, dgs: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seq.to_le_bytes().to_vec();
    for d in dgs {
        v.extend_from_slice(&(d.len() as u32).to_le_bytes());
        v.extend_from_slice(d);
    }
    v
}

fn decode(b: &[u8]) -> (u32, Vec<Vec<u8>>) {
    let seq = u32::from_le_bytes(b[..4].try_into().unwrap());
    let mut off = 4;
    let mut out = Vec::new();
    while off < b.len() {
        let n = u32::from_le_bytes(b[off..off + 4].try_into().unwrap()) as usize;
        out.push(b[off + 4..off + 4 + n].to_vec());
        off += 4 + n;
    }
    (seq, out)
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rec {
    Inet(String, u16, String, u16, u8, u64),
    Unix(u32, u64, String),
}

fn inet_recs(v: Vec<InetSock>) -> Vec<Rec> {
    let mut r: Vec<_> = v
        .into_iter()
        .map(|s| {
            Rec::Inet(
                s.local_ip.to_string(),
                s.local_port,
                s.remote_ip.to_string(),
                s.remote_port,
                s.state,
                s.inode,
            )
        })
        .collect();
    r.sort();
    r
}

fn unix_recs(v: Vec<UnixSock>) -> Vec<Rec> {
    let mut r: Vec<_> = v
        .into_iter()
        .map(|s| Rec::Unix(s.sock_type, s.inode, s.path))
        .collect();
    r.sort();
    r
}

fn netlink_recs(name: &str, seq: u32, dgs: &[Vec<u8>]) -> Vec<Rec> {
    let p = Path::new(name);
    if name == "unix" {
        let mut v = Vec::new();
        for d in dgs {
            parse_unix_diag(d, p, seq, &mut v).unwrap();
        }
        unix_recs(v)
    } else {
        let fam = TABLES.iter().find(|t| t.0 == name).unwrap().1;
        let mut v = Vec::new();
        for d in dgs {
            parse_inet_diag(d, p, seq, fam, &mut v).unwrap();
        }
        inet_recs(v)
    }
}

fn procnet_recs(name: &str, text: &[u8]) -> Vec<Rec> {
    let p = Path::new(name);
    if name == "unix" {
        unix_recs(parse_proc_net_unix(text, p).unwrap())
    } else {
        inet_recs(parse_proc_net_inet(text, p, name.ends_with('6')).unwrap())
    }
}

/// The captured netlink replies and the `/proc/net` text captured with them
/// describe the same sockets.
#[test]
fn captured_netlink_matches_captured_procnet() {
    let dir = fixture("conn-capture");
    for name in ["tcp", "tcp6", "udp", "udp6", "unix"] {
        let (seq, dgs) = decode(&std::fs::read(dir.join(format!("netlink/{name}.bin"))).unwrap());
        let text = std::fs::read(dir.join(format!("proc/net/{name}"))).unwrap();
        let a = netlink_recs(name, seq, &dgs);
        let b = procnet_recs(name, &text);
        assert_eq!(a, b, "{name}");
        assert!(!a.is_empty(), "{name}: the capture holds the generator's sockets");
        // Truncating any datagram is an error or a clean "more", never a panic.
        for d in &dgs {
            for i in 0..d.len() {
                let _ = parse_unix_diag(&d[..i], Path::new(name), seq, &mut Vec::new());
                let _ = parse_inet_diag(&d[..i], Path::new(name), seq, 2, &mut Vec::new());
                let _ = parse_inet_diag(&d[..i], Path::new(name), seq, 10, &mut Vec::new());
            }
        }
    }
}

// ---------------------------------------------------------------- live

/// Sockets with known properties, held for the duration of a test.
struct OwnSockets {
    expected: Vec<Connection>,
    _keep: Vec<Box<dyn std::any::Any>>,
    _dir: tempfile::TempDir,
}

fn sa_addr(a: SocketAddr) -> Addr {
    Addr::Inet {
        ip: a.ip(),
        port: a.port(),
    }
}

fn ipv6_available() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

fn row(
    fd: i32,
    family: AddressFamily,
    type_: SocketKind,
    laddr: Addr,
    raddr: Addr,
    status: ConnectionStatus,
) -> Connection {
    Connection {
        fd,
        family,
        type_,
        laddr,
        raddr,
        status,
        pid: Some(std::process::id()),
    }
}

fn seqpacket_abstract(name: &[u8]) -> OwnedFd {
    // SAFETY: socket + bind with a correctly sized sockaddr_un.
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let fd = OwnedFd::from_raw_fd(fd);
        let mut sa: libc::sockaddr_un = std::mem::zeroed();
        sa.sun_family = libc::AF_UNIX as u16;
        for (i, &b) in name.iter().enumerate() {
            sa.sun_path[i + 1] = b as libc::c_char;
        }
        let len = 2 + 1 + name.len();
        assert_eq!(
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_un).cast(),
                len as u32
            ),
            0
        );
        fd
    }
}

impl OwnSockets {
    fn open() -> OwnSockets {
        use AddressFamily::{Inet, Inet6, Unix};
        use ConnectionStatus::{Established, Listen, None as NONE};
        use SocketKind::{Dgram, SeqPacket, Stream};
        let mut e = Vec::new();
        let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
        let pid = std::process::id();

        let mut tcp_pair = |bind: &str, family: AddressFamily, keep: &mut Vec<Box<dyn std::any::Any>>| {
            let l = TcpListener::bind(bind).unwrap();
            let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            let (s, _) = l.accept().unwrap();
            e.push(row(
                l.as_raw_fd(),
                family,
                Stream,
                sa_addr(l.local_addr().unwrap()),
                Addr::Empty,
                Listen,
            ));
            e.push(row(
                c.as_raw_fd(),
                family,
                Stream,
                sa_addr(c.local_addr().unwrap()),
                sa_addr(c.peer_addr().unwrap()),
                Established,
            ));
            e.push(row(
                s.as_raw_fd(),
                family,
                Stream,
                sa_addr(s.local_addr().unwrap()),
                sa_addr(s.peer_addr().unwrap()),
                Established,
            ));
            keep.push(Box::new((l, c, s)));
        };
        tcp_pair("127.0.0.1:0", Inet, &mut keep);
        let v6 = ipv6_available();
        if v6 {
            tcp_pair("[::1]:0", Inet6, &mut keep);
        } else {
            println!("SKIP IPv6 sockets: cannot bind [::1]");
        }
        let u4 = UdpSocket::bind("127.0.0.1:0").unwrap();
        let u4c = UdpSocket::bind("127.0.0.1:0").unwrap();
        u4c.connect(u4.local_addr().unwrap()).unwrap();
        e.push(row(
            u4.as_raw_fd(),
            Inet,
            Dgram,
            sa_addr(u4.local_addr().unwrap()),
            Addr::Empty,
            NONE,
        ));
        e.push(row(
            u4c.as_raw_fd(),
            Inet,
            Dgram,
            sa_addr(u4c.local_addr().unwrap()),
            sa_addr(u4.local_addr().unwrap()),
            NONE,
        ));
        keep.push(Box::new((u4, u4c)));
        if v6 {
            let u6 = UdpSocket::bind("[::1]:0").unwrap();
            e.push(row(
                u6.as_raw_fd(),
                Inet6,
                Dgram,
                sa_addr(u6.local_addr().unwrap()),
                Addr::Empty,
                NONE,
            ));
            keep.push(Box::new(u6));
        }
        // Dual stack: an IPv4 client accepted by an IPv6 listener on [::] shows
        // IPv4-mapped addresses in the tcp6 table.
        let v6only = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only").map(|s| s.trim() == "0");
        if v6 && v6only.unwrap_or(false) {
            let l = TcpListener::bind("[::]:0").unwrap();
            let port = l.local_addr().unwrap().port();
            let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let (s, peer) = l.accept().unwrap();
            let mapped = |p: u16| inet("::ffff:127.0.0.1", p);
            e.push(row(
                l.as_raw_fd(),
                Inet6,
                Stream,
                inet("::", port),
                Addr::Empty,
                Listen,
            ));
            e.push(row(
                c.as_raw_fd(),
                Inet,
                Stream,
                sa_addr(c.local_addr().unwrap()),
                inet("127.0.0.1", port),
                Established,
            ));
            e.push(row(
                s.as_raw_fd(),
                Inet6,
                Stream,
                mapped(port),
                mapped(peer.port()),
                Established,
            ));
            keep.push(Box::new((l, c, s)));
        } else {
            println!("SKIP IPv4-mapped sockets: no IPv6 or bindv6only=1");
        }

        let dir = tempfile::tempdir().unwrap();
        let spaced = dir.path().join("with space");
        std::fs::create_dir(&spaced).unwrap();
        let ul = UnixListener::bind(spaced.join("s.sock")).unwrap();
        e.push(row(ul.as_raw_fd(), Unix, Stream, unix(""), unix(""), NONE));
        let plain = dir.path().join("plain.sock");
        let pl = UnixListener::bind(&plain).unwrap();
        let pc = UnixStream::connect(&plain).unwrap();
        let (ps, _) = pl.accept().unwrap();
        let pname = plain.to_str().unwrap();
        e.push(row(pl.as_raw_fd(), Unix, Stream, unix(pname), unix(""), NONE));
        e.push(row(pc.as_raw_fd(), Unix, Stream, unix(""), unix(""), NONE));
        // The accepted socket carries the listener's name.
        e.push(row(ps.as_raw_fd(), Unix, Stream, unix(pname), unix(""), NONE));
        use std::os::linux::net::SocketAddrExt;
        let abs_name = format!("psoxide-test-{pid}\0x");
        let abs = UnixListener::bind_addr(
            &std::os::unix::net::SocketAddr::from_abstract_name(abs_name.as_bytes()).unwrap(),
        )
        .unwrap();
        e.push(row(
            abs.as_raw_fd(),
            Unix,
            Stream,
            unix(&format!("@psoxide-test-{pid}@x")),
            unix(""),
            NONE,
        ));
        let (a, b) = UnixStream::pair().unwrap();
        e.push(row(a.as_raw_fd(), Unix, Stream, unix(""), unix(""), NONE));
        e.push(row(b.as_raw_fd(), Unix, Stream, unix(""), unix(""), NONE));
        let sp = seqpacket_abstract(format!("psoxide-seq-{pid}").as_bytes());
        e.push(row(
            sp.as_raw_fd(),
            Unix,
            SeqPacket,
            unix(&format!("@psoxide-seq-{pid}")),
            unix(""),
            NONE,
        ));
        let dg = UnixDatagram::unbound().unwrap();
        e.push(row(dg.as_raw_fd(), Unix, Dgram, unix(""), unix(""), NONE));
        keep.push(Box::new((ul, pl, pc, ps, abs, a, b, sp, dg)));
        OwnSockets {
            expected: e,
            _keep: keep,
            _dir: dir,
        }
    }

    fn fds(&self) -> Vec<i32> {
        self.expected.iter().map(|c| c.fd).collect()
    }
}

fn matches_kind(c: &Connection, k: ConnectionKind) -> bool {
    let (f, t) = (c.family, c.type_);
    let inet = f != AddressFamily::Unix;
    match k {
        ConnectionKind::All => true,
        ConnectionKind::Unix => !inet,
        ConnectionKind::Inet => inet,
        ConnectionKind::Inet4 => f == AddressFamily::Inet,
        ConnectionKind::Inet6 => f == AddressFamily::Inet6,
        ConnectionKind::Tcp => inet && t == SocketKind::Stream,
        ConnectionKind::Tcp4 => f == AddressFamily::Inet && t == SocketKind::Stream,
        ConnectionKind::Tcp6 => f == AddressFamily::Inet6 && t == SocketKind::Stream,
        ConnectionKind::Udp => inet && t == SocketKind::Dgram,
        ConnectionKind::Udp4 => f == AddressFamily::Inet && t == SocketKind::Dgram,
        ConnectionKind::Udp6 => f == AddressFamily::Inet6 && t == SocketKind::Dgram,
    }
}

fn own(v: Vec<Connection>) -> Vec<Connection> {
    let me = Some(std::process::id());
    v.into_iter().filter(|c| c.pid == me).collect()
}

#[test]
fn live_sockets_appear_with_every_field() {
    let _g = live_lock();
    let s = OwnSockets::open();
    let fds = s.fds();
    for source in [
        SocketTableSource::Auto,
        SocketTableSource::Netlink,
        SocketTableSource::ProcNet,
    ] {
        for k in ConnectionKind::ALL {
            let got: Vec<_> = own(net_connections_from(&Roots::new(), k, source).unwrap())
                .into_iter()
                .filter(|c| fds.contains(&c.fd))
                .collect();
            let want: Vec<_> = s
                .expected
                .iter()
                .filter(|c| matches_kind(c, k))
                .cloned()
                .collect();
            assert_eq!(multiset(&got), multiset(&want), "{source:?} {k}");
        }
    }
    // The plain function uses the default roots.
    let got = own(net_connections(ConnectionKind::Unix).unwrap());
    assert!(got.iter().any(|c| c.type_ == SocketKind::SeqPacket));
}

/// Every socket descriptor of this process (per /proc/self/fd, read by the test)
/// is reported once per kind that covers it, with the inode's fd.
#[test]
fn live_netlink_and_procnet_agree() {
    let _g = live_lock();
    let _s = OwnSockets::open();
    for k in ConnectionKind::ALL {
        let a = own(net_connections_from(&Roots::new(), k, SocketTableSource::Netlink).unwrap());
        let b = own(net_connections_from(&Roots::new(), k, SocketTableSource::ProcNet).unwrap());
        assert_eq!(multiset(&a), multiset(&b), "{k}");
    }
    // Every socket fd of ours (by readlink here) is in the 'all' result.
    let all =
        own(net_connections_from(&Roots::new(), ConnectionKind::All, SocketTableSource::Netlink).unwrap());
    for ent in std::fs::read_dir("/proc/self/fd").unwrap() {
        let ent = ent.unwrap();
        let Ok(t) = std::fs::read_link(ent.path()) else {
            continue;
        };
        if t.to_string_lossy().starts_with("socket:[") {
            let fd: i32 = ent.file_name().to_str().unwrap().parse().unwrap();
            assert!(all.iter().any(|c| c.fd == fd), "fd {fd} ({t:?}) missing");
        }
    }
}

#[test]
fn live_matches_psutil() {
    let _g = live_lock();
    let _s = OwnSockets::open();
    let me = std::process::id().to_string();
    let ours: BTreeMap<_, _> = ConnectionKind::ALL
        .iter()
        .map(|&k| (k, own(net_connections(k).unwrap())))
        .collect();
    let Some(theirs) = psutil(&["live", &me]) else {
        return;
    };
    for (k, v) in &ours {
        assert_eq!(multiset(v), value_multiset(&theirs[k.as_str()]), "{k}");
    }
    // psutil's Process.net_connections: the same rows without pid.
    let mut pconn: Vec<Value> = ours[&ConnectionKind::All]
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap();
            v.as_object_mut().unwrap().remove("pid");
            v
        })
        .collect();
    pconn.sort_by_key(|v| v.to_string());
    assert_eq!(
        value_multiset(&Value::Array(pconn)),
        value_multiset(&theirs["process"])
    );
}

/// An unprivileged caller cannot read other users' fd directories: those sockets
/// come back unattributed, without an error (psutil's behaviour).
#[test]
fn unprivileged_caller_gets_unattributed_sockets() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("SKIP: needs root to run a child as another user");
        return;
    }
    if std::env::var_os("PSOXIDE_CONN_CHILD").is_some() {
        return;
    }
    let _g = live_lock();
    let s = OwnSockets::open();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "unprivileged_child",
            "--nocapture",
            "--include-ignored",
        ])
        .env("PSOXIDE_CONN_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("CONNS "))
        .unwrap_or_else(|| panic!("{text}"));
    let rows: Vec<Connection> = serde_json::from_str::<Vec<Value>>(line)
        .unwrap()
        .into_iter()
        .map(|v| from_json(&v))
        .collect();
    // Our listener is there, without pid/fd.
    let l = &s.expected[0];
    assert!(
        rows.iter().any(|c| c.laddr == l.laddr
            && c.status == ConnectionStatus::Listen
            && c.pid.is_none()
            && c.fd == -1),
        "{line}"
    );
    assert!(rows.iter().all(|c| c.pid != Some(std::process::id())));
}

fn from_json(v: &Value) -> Connection {
    let addr = |a: &Value| match a {
        Value::String(s) => unix(s),
        Value::Array(_) => Addr::Empty,
        Value::Object(o) => Addr::Inet {
            ip: o["ip"].as_str().unwrap().parse::<IpAddr>().unwrap(),
            port: o["port"].as_u64().unwrap() as u16,
        },
        _ => panic!("{a}"),
    };
    let status = [
        ConnectionStatus::Established,
        ConnectionStatus::Listen,
        ConnectionStatus::None,
        ConnectionStatus::TimeWait,
        ConnectionStatus::SynSent,
        ConnectionStatus::SynRecv,
        ConnectionStatus::FinWait1,
        ConnectionStatus::FinWait2,
        ConnectionStatus::Close,
        ConnectionStatus::CloseWait,
        ConnectionStatus::LastAck,
        ConnectionStatus::Closing,
    ]
    .into_iter()
    .find(|s| s.value() == v["status"].as_str().unwrap())
    .unwrap();
    Connection {
        fd: v["fd"].as_i64().unwrap() as i32,
        family: match v["family"].as_i64().unwrap() {
            1 => AddressFamily::Unix,
            2 => AddressFamily::Inet,
            _ => AddressFamily::Inet6,
        },
        type_: SocketKind::from_value(v["type"].as_i64().unwrap() as i32),
        laddr: addr(&v["laddr"]),
        raddr: addr(&v["raddr"]),
        status,
        pid: v["pid"].as_u64().map(|p| p as u32),
    }
}

#[test]
#[ignore = "run by unprivileged_caller_gets_unattributed_sockets in a child process"]
fn unprivileged_child() {
    if std::env::var_os("PSOXIDE_CONN_CHILD").is_none() {
        return;
    }
    // SAFETY: dropping privileges in this single-purpose child.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0);
        assert_eq!(libc::setgid(65534), 0);
        assert_eq!(libc::setuid(65534), 0);
    }
    let v = net_connections(ConnectionKind::Inet).unwrap();
    println!("CONNS {}", serde_json::to_string(&v).unwrap());
}

// ---------------------------------------------------------------- generator

/// Regenerates `tests/fixtures/conn-capture` (run by hand:
/// `PSOXIDE_GEN_CONN=1 cargo test -p psoxide --test connections -- --ignored generate`):
/// opens the live-test sockets, captures the netlink replies and `/proc/net/*` until
/// two `/proc` reads around the netlink capture agree, and links this process's
/// socket descriptors under `proc/PID/fd`.
#[test]
#[ignore = "fixture generator"]
fn generate_capture_fixture() {
    if std::env::var_os("PSOXIDE_GEN_CONN").is_none() {
        return;
    }
    let _s = OwnSockets::open();
    let dir = fixture("conn-capture");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("proc/net")).unwrap();
    std::fs::create_dir_all(dir.join("netlink")).unwrap();
    let names = ["tcp", "tcp6", "udp", "udp6", "unix"];
    let read = || -> Vec<Vec<u8>> {
        names
            .iter()
            .map(|n| std::fs::read(format!("/proc/net/{n}")).unwrap())
            .collect()
    };
    let (texts, nl) = loop {
        let before = read();
        let nl = capture_netlink();
        let after = read();
        let same_nl = names.iter().zip(&before).all(|(n, t)| {
            let (seq, d) = &nl[*n];
            netlink_recs(n, *seq, d) == procnet_recs(n, t)
        });
        if before == after && same_nl {
            break (after, nl);
        }
    };
    for (n, t) in names.iter().zip(&texts) {
        std::fs::write(dir.join(format!("proc/net/{n}")), t).unwrap();
        let (seq, d) = &nl[*n];
        std::fs::write(dir.join(format!("netlink/{n}.bin")), encode(*seq, d)).unwrap();
    }
    let pid = std::process::id();
    let fd_dir = dir.join(format!("proc/{pid}/fd"));
    std::fs::create_dir_all(&fd_dir).unwrap();
    for ent in std::fs::read_dir("/proc/self/fd").unwrap() {
        let ent = ent.unwrap();
        if let Ok(t) = std::fs::read_link(ent.path()) {
            if t.to_string_lossy().starts_with("socket:[") {
                std::os::unix::fs::symlink(&t, fd_dir.join(ent.file_name())).unwrap();
            }
        }
    }
}
