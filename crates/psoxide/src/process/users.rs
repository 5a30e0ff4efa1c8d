//! UID -> user name lookups with a cache (psutil calls `getpwuid` for every process;
//! a scan of a thousand processes owned by five users needs five lookups).
//!
//! A lookup reads `ETC/passwd` itself when `ETC/nsswitch.conf` makes `files` the first
//! `passwd` service and the file plainly has the UID: glibc's `getpwuid_r` would answer
//! the same from the same line (see [`crate::linux::parse::userdb`] for the rules), and
//! skipping it keeps libc's NSS code (some 200 KiB) out of a scanning program's memory.
//! Otherwise, or when the file does not have the UID, `getpwuid_r` answers, so other
//! NSS sources (systemd's dynamic users, LDAP, SSSD) are honoured. On a host whose
//! roots name another `/etc` (a captured tree) the tree's `passwd` is the only source.

use crate::context::HostState;
use crate::linux::parse::userdb::{passwd_files_first, passwd_name, PasswdLookup};
use crate::sys::fs::{with_file, FileKind};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// The names looked up recently (kept by the [`Host`](crate::Host)).
pub(crate) struct Cache {
    names: HashMap<u32, String>,
    filled: Duration,
    /// Whether `nsswitch.conf` asks `files` first, read at the first lookup after a
    /// fill.
    files_first: Option<bool>,
}

/// The coarse monotonic clock (the time of the last tick, read from the vDSO without
/// reading the TSC: a few nanoseconds; this is read once per process of a scan).
fn coarse_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        .saturating_add(Duration::from_nanos(u64::try_from(t.tv_nsec).unwrap_or(0)))
}

/// How long a cached name is trusted; a renamed or new user appears after this.
const TTL: Duration = Duration::from_secs(2);

/// The user name of `uid` (glibc's answer: from `/etc/passwd` where that is certainly
/// it, else `getpwuid_r`, so NSS sources are honoured), or the UID as text when there
/// is no entry (psutil's fallback).
pub(crate) fn user_name(host: &HostState, uid: u32) -> String {
    with_user_name(host, uid, str::to_owned)
}

/// [`user_name`] lent to `f` (no copy). `f` runs with the cache locked.
pub(crate) fn with_user_name<R>(host: &HostState, uid: u32, f: impl FnOnce(&str) -> R) -> R {
    let mut guard = crate::context::lock(&host.users);
    let now = coarse_now();
    let c = guard.get_or_insert_with(|| Cache {
        names: HashMap::new(),
        filled: now,
        files_first: None,
    });
    if now.saturating_sub(c.filled) > TTL {
        c.names.clear();
        c.filled = now;
        c.files_first = None;
    }
    if !c.names.contains_key(&uid) {
        let name = lookup(&host.roots().etc, &mut c.files_first, uid).unwrap_or_else(|| uid.to_string());
        c.names.insert(uid, name);
    }
    f(c.names.get(&uid).map_or("", String::as_str))
}

/// The name of `uid`: from `etc/passwd` where that is glibc's answer, else from
/// `getpwuid_r` (only for the live `/etc`).
fn lookup(etc: &Path, files_first: &mut Option<bool>, uid: u32) -> Option<String> {
    let live = etc == Path::new("/etc");
    let first = *files_first.get_or_insert_with(|| {
        !live
            || with_file(&etc.join("nsswitch.conf"), FileKind::TABLE, |b| {
                Ok(passwd_files_first(b))
            })
            .unwrap_or(false)
    });
    if first {
        let found = with_file(&etc.join("passwd"), FileKind::TABLE, |b| {
            Ok(match passwd_name(b, uid) {
                PasswdLookup::Found(n) => Some(Some(String::from_utf8_lossy(n).into_owned())),
                PasswdLookup::Absent if !live => Some(None),
                PasswdLookup::Absent | PasswdLookup::Unsure => None,
            })
        });
        match found {
            Ok(Some(answer)) => return answer,
            Err(_) if !live => return None,
            _ => {}
        }
    }
    if !live {
        return None;
    }
    crate::sys::process::user_name(uid).map(|n| String::from_utf8_lossy(&n).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_glibc(uid: u32) -> Option<String> {
        crate::sys::process::user_name(uid).map(|n| String::from_utf8_lossy(&n).into_owned())
    }

    /// Every UID of this machine's `/etc/passwd`, and some it lacks, give
    /// `getpwuid_r`'s answer (whichever way `nsswitch.conf` routes them).
    #[test]
    fn live_lookups_equal_getpwuid_r() {
        let text = std::fs::read_to_string("/etc/passwd").unwrap();
        let mut uids: Vec<u32> = text
            .lines()
            .filter_map(|l| l.split(':').nth(2)?.parse().ok())
            .collect();
        assert!(uids.contains(&0), "/etc/passwd has root");
        uids.extend([4_000_000_000, u32::MAX - 7, 65_533]);
        let etc = Path::new("/etc");
        for uid in uids {
            let mut first = None;
            assert_eq!(lookup(etc, &mut first, uid), by_glibc(uid), "uid {uid}");
        }
    }

    /// Whether this machine's `nsswitch.conf` sends `passwd` to `files` first is
    /// what the fast path depends on; say which path the test above took.
    #[test]
    fn live_nsswitch_is_read() {
        let mut first = None;
        let _ = lookup(Path::new("/etc"), &mut first, 0);
        let conf = std::fs::read("/etc/nsswitch.conf").unwrap_or_default();
        assert_eq!(first, Some(passwd_files_first(&conf)));
    }

    /// A captured tree's `etc/passwd` is its only source: no NSS, and a UID it does
    /// not plainly have is a number.
    #[test]
    fn tree_lookups_use_only_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path();
        std::fs::write(etc.join("nsswitch.conf"), "passwd: ldap\n").unwrap();
        std::fs::write(
            etc.join("passwd"),
            "root:x:0:0::/root:/bin/sh\ncapt:x:4242:4242::/home/capt:/bin/sh\nodd:x: 77:1::/:\n",
        )
        .unwrap();
        let mut first = None;
        assert_eq!(lookup(etc, &mut first, 4242).as_deref(), Some("capt"));
        assert_eq!(lookup(etc, &mut first, 0).as_deref(), Some("root"));
        assert_eq!(lookup(etc, &mut first, 5), None, "absent");
        assert_eq!(lookup(etc, &mut first, 77), None, "after a line glibc may read otherwise");
        std::fs::remove_file(etc.join("passwd")).unwrap();
        assert_eq!(lookup(etc, &mut first, 0), None, "no passwd file");
    }
}
