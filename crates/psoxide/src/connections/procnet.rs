//! Reading the socket tables from `{procfs}/net/*` (the fallback, and the only source
//! for non-default roots).

use super::types::Table;
use crate::error::Result;
use crate::linux::parse::procnet::{parse_proc_net_inet, parse_proc_net_unix, InetSock, UnixSock};
use crate::roots::Roots;
use crate::sys::fs::{exists, with_file, FileKind};

/// Reads `{procfs}/net/tcp*` or `udp*`. `None` when an IPv6 file is missing (a
/// kernel without IPv6): psutil skips those silently (spec 2.4).
pub(crate) fn inet_table(roots: &Roots, t: Table) -> Result<Option<Vec<InetSock>>> {
    let path = roots.proc(format!("net/{}", t.file()));
    if t.is_v6() && !exists(&path) {
        return Ok(None);
    }
    with_file(&path, FileKind::TABLE, |b| parse_proc_net_inet(b, &path, t.is_v6())).map(Some)
}

/// Reads `{procfs}/net/unix`.
pub(crate) fn unix_table(roots: &Roots) -> Result<Vec<UnixSock>> {
    let path = roots.proc("net/unix");
    with_file(&path, FileKind::TABLE, |b| parse_proc_net_unix(b, &path))
}
