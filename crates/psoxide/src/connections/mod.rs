//! Sockets of the system and of one process: psutil's `net_connections(kind)` and
//! the data behind `Process.net_connections(kind)`.
//!
//! Two sources give the socket tables of the caller's network namespace:
//!
//! - netlink `NETLINK_SOCK_DIAG` dumps (what `ss` uses): used when the procfs root
//!   is the live `/proc`; several times cheaper than formatting and parsing text;
//! - the text files `{procfs}/net/{tcp,tcp6,udp,udp6,unix}` (what psutil reads):
//!   used for any other procfs root (fixture trees, a host's `/proc` mounted
//!   elsewhere), and whenever a netlink dump fails (kernel without
//!   `CONFIG_INET_DIAG`/`CONFIG_UNIX_DIAG`, a seccomp filter, ...). A table whose
//!   dump failed with a lasting error (`ENOENT`, `EPROTONOSUPPORT`, `EACCES`, ...)
//!   is read from the files from then on.
//!
//! Both give the same records: the netlink reader turns `UNIX_DIAG_NAME` into the
//! text `/proc/net/unix` prints and applies psutil's whitespace rule to it; states,
//! addresses and inodes are the same kernel values. [`SocketTableSource`] selects a
//! source explicitly.
//!
//! Sockets are attributed to processes by scanning every `/proc/PID/fd` (see
//! [`Connection::pid`]); unattributed sockets are still returned with `pid: None`,
//! `fd: -1`, as psutil does (spec 2.4, quirk 10.6).

mod inodes;
mod netlink;
mod procnet;
mod types;

pub use types::*;

use crate::constants::AddressFamily;
use crate::context::Host;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::procnet::{InetSock, UnixSock};
use crate::roots::Roots;
use indexmap::IndexSet;
use inodes::InodeMap;
use types::Table;

/// Where `net_connections` reads the socket tables from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SocketTableSource {
    /// Netlink when the procfs root is the live `/proc`, the `{procfs}/net/*` files
    /// otherwise and whenever netlink fails (the default).
    #[default]
    Auto,
    /// Netlink sock_diag only (the live kernel's tables, whatever the roots); a
    /// failed dump is an error.
    Netlink,
    /// The `{procfs}/net/*` files only (psutil's source).
    ProcNet,
}

/// The rows of one socket table.
enum Rows {
    Inet(Vec<InetSock>),
    Unix(Vec<UnixSock>),
    /// An IPv6 file that does not exist (no IPv6): skipped.
    Missing,
}

fn read_table(roots: &Roots, t: Table, source: SocketTableSource) -> Result<Rows> {
    let netlink = match source {
        SocketTableSource::Netlink => true,
        SocketTableSource::ProcNet => false,
        SocketTableSource::Auto => roots.is_default_procfs() && !netlink::known_broken(t),
    };
    if netlink {
        let r = if t == Table::Unix {
            netlink::unix_table().map(Rows::Unix)
        } else {
            netlink::inet_table(t).map(Rows::Inet)
        };
        match r {
            Ok(rows) => return Ok(rows),
            Err(e) if source == SocketTableSource::Netlink => return Err(e),
            // Any netlink failure: fall back to the files.
            Err(_) => {}
        }
    }
    if t == Table::Unix {
        procnet::unix_table(roots).map(Rows::Unix)
    } else {
        Ok(procnet::inet_table(roots, t)?.map_or(Rows::Missing, Rows::Inet))
    }
}

fn inet_addr(ip: std::net::IpAddr, port: u16) -> Addr {
    // psutil: a zero port means "no address" and gives an empty tuple (spec 2.4).
    if port == 0 {
        Addr::Empty
    } else {
        Addr::Inet { ip, port }
    }
}

/// One row of output before it becomes an `sconn` or a `pconn`.
type Row = (
    i32,
    AddressFamily,
    SocketKind,
    Addr,
    Addr,
    ConnectionStatus,
    Option<Pid>,
);

/// Reads the tables of `kind` and calls `emit` for every (socket, owner) row:
/// inet sockets once, with the owner's first descriptor; UNIX sockets once per
/// descriptor of the owner. With `only`, rows not owned by that process are dropped.
fn collect(
    roots: &Roots,
    kind: ConnectionKind,
    source: SocketTableSource,
    owners: &InodeMap,
    only: Option<Pid>,
    mut emit: impl FnMut(Row),
) -> Result<()> {
    for &t in kind.tables() {
        let family = t.family();
        match read_table(roots, t, source)? {
            Rows::Missing => {}
            Rows::Inet(rows) => {
                let type_ = if t.is_tcp() {
                    SocketKind::Stream
                } else {
                    SocketKind::Dgram
                };
                for r in rows {
                    let (pid, fd) = match owners.get(&r.inode) {
                        Some(o) => (Some(o.pid), o.fds.first().copied().unwrap_or(-1)),
                        None => (None, -1),
                    };
                    if only.is_some() && pid != only {
                        continue;
                    }
                    let status = if t.is_tcp() {
                        ConnectionStatus::from_tcp_state(r.state).ok_or_else(|| {
                            Error::parse(
                                roots.proc(format!("net/{}", t.file())),
                                format!("unknown TCP state {:02X} of socket inode {}", r.state, r.inode),
                            )
                        })?
                    } else {
                        ConnectionStatus::None
                    };
                    emit((
                        fd,
                        family,
                        type_,
                        inet_addr(r.local_ip, r.local_port),
                        inet_addr(r.remote_ip, r.remote_port),
                        status,
                        pid,
                    ));
                }
            }
            Rows::Unix(rows) => {
                for r in rows {
                    let type_ = SocketKind::from_value(i32::try_from(r.sock_type).unwrap_or(i32::MAX));
                    let row = |fd: i32, pid: Option<Pid>| -> Row {
                        (
                            fd,
                            family,
                            type_,
                            Addr::Unix(r.path.clone()),
                            // psutil cannot tell the peer of a UNIX socket: always "".
                            Addr::Unix(String::new()),
                            ConnectionStatus::None,
                            pid,
                        )
                    };
                    match owners.get(&r.inode) {
                        Some(o) => {
                            if only.is_some_and(|p| p != o.pid) {
                                continue;
                            }
                            for &fd in &o.fds {
                                emit(row(fd, Some(o.pid)));
                            }
                        }
                        None if only.is_none() => emit(row(-1, None)),
                        None => {}
                    }
                }
            }
        }
    }
    Ok(())
}

/// psutil's `net_connections(kind)`: the sockets of the system, on
/// [`Host::current`].
///
/// See [`Host::net_connections`].
pub fn net_connections(kind: ConnectionKind) -> Result<Vec<Connection>> {
    Host::current().net_connections(kind)
}

impl Host {
    /// psutil's `net_connections(kind)` under `roots`, with the default source
    /// ([`SocketTableSource::Auto`]).
    ///
    /// Returns each socket of the kind's tables once (duplicates removed, as psutil
    /// builds a set; order: tables in psutil's order `tcp, tcp6, udp, udp6, unix`, then
    /// kernel order). Sockets are attributed by scanning `{procfs}/PID/fd` of every
    /// process; a process whose descriptors cannot be read (another user's, gone) is
    /// skipped silently, so its sockets have `pid: None`, `fd: -1`. When several
    /// processes share a socket, the one listed last in `{procfs}` (normally the
    /// highest PID) gets it, as in psutil; so a process forking while the scan runs can
    /// briefly take over its parent's sockets (the child holds copies until it execs).
    /// A missing `tcp6`/`udp6` file (no IPv6) is skipped.
    ///
    /// Errors: `Error::Io` when `{procfs}` cannot be listed or a table file cannot be
    /// read; `Error::Parse` naming the file and line for a malformed line or a TCP
    /// state outside `01`..`0B`.
    pub fn net_connections(&self, kind: ConnectionKind) -> Result<Vec<Connection>> {
        let roots: &Roots = self.roots();
        net_connections_from(roots, kind, SocketTableSource::Auto)
    }
}

/// [`Host::net_connections`] reading the socket tables from `source`.
pub fn net_connections_from(
    roots: &Roots,
    kind: ConnectionKind,
    source: SocketTableSource,
) -> Result<Vec<Connection>> {
    let owners = inodes::scan_all(&roots.procfs)?;
    let mut out: IndexSet<Connection> = IndexSet::new();
    collect(
        roots,
        kind,
        source,
        &owners,
        None,
        |(fd, family, type_, laddr, raddr, status, pid)| {
            out.insert(Connection {
                fd,
                family,
                type_,
                laddr,
                raddr,
                status,
                pid,
            });
        },
    )?;
    Ok(out.into_iter().collect())
}

/// The sockets of process `pid` (psutil's `Process.net_connections(kind)` without
/// the liveness check the handle adds).
///
/// Lists `{procfs}/PID/fd`; when no descriptor is a socket, returns `[]` without
/// reading any socket table (as psutil does). Duplicates are removed.
///
/// Errors: listing `{procfs}/PID/fd` or reading one of its links fails: `Error::Io`
/// with the raw `io::Error` (errno kept) for the caller to translate
/// (`ENOENT` -> gone, `EACCES` -> access denied); table errors as for
/// [`Host::net_connections`].
pub(crate) fn process_connections(
    roots: &Roots,
    pid: Pid,
    kind: ConnectionKind,
    skip: &[u64],
) -> Result<Vec<ProcessConnection>> {
    process_connections_from(roots, pid, kind, SocketTableSource::Auto, skip)
}

/// [`process_connections`] reading the socket tables from `source`.
pub(crate) fn process_connections_from(
    roots: &Roots,
    pid: Pid,
    kind: ConnectionKind,
    source: SocketTableSource,
    skip: &[u64],
) -> Result<Vec<ProcessConnection>> {
    let found = inodes::process_sockets(&roots.procfs, pid, skip)?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut owners = InodeMap::new();
    inodes::merge(&mut owners, pid, &found);
    let mut out: IndexSet<ProcessConnection> = IndexSet::new();
    collect(
        roots,
        kind,
        source,
        &owners,
        Some(pid),
        |(fd, family, type_, laddr, raddr, status, _)| {
            out.insert(ProcessConnection {
                fd,
                family,
                type_,
                laddr,
                raddr,
                status,
            });
        },
    )?;
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_rows_are_the_system_rows_of_that_pid() {
        let r = Roots::fixture("conn-synth");
        let all = Host::new(r.clone()).net_connections(ConnectionKind::All).unwrap();
        for pid in [100, 200, 300] {
            for k in ConnectionKind::ALL {
                let mine = process_connections(&r, pid, k, &[]).unwrap();
                // The per-process map holds only this pid, so it owns every one of
                // its sockets (no "last process wins" against other pids).
                let own_inodes: Vec<(i32, u64)> = inodes::process_sockets(&r.procfs, pid, &[]).unwrap();
                assert!(!own_inodes.is_empty());
                for c in &mine {
                    assert!(own_inodes.iter().any(|(fd, _)| *fd == c.fd), "{pid} {k} {c:?}");
                }
                // Rows the system-wide call attributes to this pid are all here.
                for c in all.iter().filter(|c| c.pid == Some(pid)) {
                    let kinds_match = Host::new(r.clone()).net_connections(k).unwrap().contains(c);
                    let p = ProcessConnection {
                        fd: c.fd,
                        family: c.family,
                        type_: c.type_,
                        laddr: c.laddr.clone(),
                        raddr: c.raddr.clone(),
                        status: c.status,
                    };
                    assert_eq!(mine.contains(&p), kinds_match, "{pid} {k} {c:?}");
                }
            }
        }
        // pid 100 keeps its own descriptors of the shared sockets.
        let p100 = process_connections(&r, 100, ConnectionKind::All, &[]).unwrap();
        let fds: Vec<i32> = p100.iter().map(|c| c.fd).collect();
        assert!(
            fds.contains(&3) && fds.contains(&6) && fds.contains(&8),
            "{fds:?}"
        );
        assert_eq!(p100.iter().filter(|c| c.family == AddressFamily::Unix).count(), 3);
    }

    #[test]
    fn no_socket_no_table_read() {
        // A tree whose only process has no socket and which has no net/ directory.
        let dir = tempfile::tempdir().unwrap();
        let fd = dir.path().join("proc/42/fd");
        std::fs::create_dir_all(&fd).unwrap();
        std::os::unix::fs::symlink("/dev/null", fd.join("0")).unwrap();
        std::os::unix::fs::symlink("pipe:[5]", fd.join("1")).unwrap();
        let r = Roots::under(dir.path());
        assert_eq!(process_connections(&r, 42, ConnectionKind::All, &[]).unwrap(), vec![]);
        // With a socket, the missing table is an error.
        std::os::unix::fs::symlink("socket:[5]", fd.join("2")).unwrap();
        let e = process_connections(&r, 42, ConnectionKind::Tcp4, &[]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "{e}");
        assert!(e.to_string().contains("net/tcp"), "{e}");
        // A missing process: the raw ENOENT of its fd directory, for the caller.
        let e = process_connections(&r, 43, ConnectionKind::All, &[]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        assert!(e.to_string().contains("43/fd"), "{e}");
    }

    #[test]
    fn live_process_matches_system_wide() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let me = std::process::id();
        let r = Roots::new();
        for source in [SocketTableSource::Netlink, SocketTableSource::ProcNet] {
            let mine = process_connections_from(&r, me, ConnectionKind::All, source, &[]).unwrap();
            use std::os::fd::AsRawFd;
            let lp = l.local_addr().unwrap().port();
            assert!(
                mine.iter().any(|c| c.fd == l.as_raw_fd()
                    && c.status == ConnectionStatus::Listen
                    && c.laddr.port() == Some(lp)),
                "{mine:?}"
            );
            assert!(mine
                .iter()
                .any(|c| c.fd == a.as_raw_fd() && c.family == AddressFamily::Unix));
            let tcp = process_connections_from(&r, me, ConnectionKind::Tcp4, source, &[]).unwrap();
            assert!(tcp
                .iter()
                .all(|c| c.family == AddressFamily::Inet && c.type_ == SocketKind::Stream));
            assert!(tcp.iter().any(|c| c.fd == l.as_raw_fd()));
        }
        // PID 1 is another process here (or our own namespace's init): never an error
        // other than access denied for an unprivileged caller.
        match process_connections(&r, 1, ConnectionKind::Inet, &[]) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EACCES), "{e}"),
        }
    }
}
