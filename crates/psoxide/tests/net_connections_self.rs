//! `net_connections()` of the calling process while a scan holds pidfds: the library
//! skips its own pidfds without reading their links (as `open_files()` does), and the
//! result is still every inet socket the process has.
//!
//! In its own binary: other tests holding pidfds or sockets at the same time would
//! change what this process has open.

mod common;

use common::{kernel_has_pidfds, pidfds_open};
use psoxide::{Attr, Host, Process};
use std::collections::BTreeSet;
use std::os::fd::AsRawFd;

/// Socket inodes in `/proc/self/fd`, read by hand: fd -> inode.
fn sockets_by_hand() -> BTreeSet<(i32, u64)> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap() {
        let e = e.unwrap();
        let Ok(target) = std::fs::read_link(e.path()) else {
            continue;
        };
        let t = target.to_string_lossy();
        if let Some(ino) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
            out.insert((
                e.file_name().to_str().unwrap().parse().unwrap(),
                ino.parse().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn own_net_connections_with_held_pidfds() {
    let host = Host::current();
    let held: Vec<std::sync::Arc<Process>> = host
        .process_iter(Some(&[Attr::Name]))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    // Sockets made after the scan take numbers above (and between) the pidfds.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    if kernel_has_pidfds() {
        assert!(
            pidfds_open() > 0,
            "the scan of {} processes holds no pidfd",
            held.len()
        );
    }
    let conns = Process::current()
        .unwrap()
        .net_connections(psoxide::ConnectionKind::Inet)
        .unwrap();
    let got: BTreeSet<i32> = conns.iter().map(|c| c.fd).collect();
    for fd in [
        listener.as_raw_fd(),
        client.as_raw_fd(),
        server.as_raw_fd(),
        udp.as_raw_fd(),
    ] {
        assert!(got.contains(&fd), "fd {fd} missing from {conns:?}");
    }
    // Every inet socket of this process is listed, and nothing else: compared with the
    // socket descriptors read by hand (this test's process has no other inet sockets).
    let by_hand_fds: BTreeSet<i32> = sockets_by_hand().into_iter().map(|(fd, _)| fd).collect();
    assert!(got.is_subset(&by_hand_fds), "{got:?} vs {by_hand_fds:?}");
    assert_eq!(got.len(), 4, "{conns:?}");
    drop((held, client, server, udp, listener));
}
