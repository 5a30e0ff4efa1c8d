//! UID -> user name lookups with a cache (psutil calls `getpwuid` for every process;
//! a scan of a thousand processes owned by five users needs five lookups).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The names looked up recently (kept by the [`Host`](crate::Host)).
pub(crate) struct Cache {
    names: HashMap<u32, String>,
    filled: Duration,
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

/// The user name of `uid` (via `getpwuid_r`, so NSS sources are honoured), or the
/// UID as text when there is no entry (psutil's fallback).
pub(crate) fn user_name(cache: &Mutex<Option<Cache>>, uid: u32) -> String {
    with_user_name(cache, uid, str::to_owned)
}

/// [`user_name`] lent to `f` (no copy). `f` runs with the cache locked.
pub(crate) fn with_user_name<R>(cache: &Mutex<Option<Cache>>, uid: u32, f: impl FnOnce(&str) -> R) -> R {
    let mut guard = crate::context::lock(cache);
    let now = coarse_now();
    let c = guard.get_or_insert_with(|| Cache {
        names: HashMap::new(),
        filled: now,
    });
    if now.saturating_sub(c.filled) > TTL {
        c.names.clear();
        c.filled = now;
    }
    let name = c
        .names
        .entry(uid)
        .or_insert_with(|| lookup(uid).unwrap_or_else(|| uid.to_string()));
    f(name)
}

fn lookup(uid: u32) -> Option<String> {
    crate::sys::process::user_name(uid).map(|n| String::from_utf8_lossy(&n).into_owned())
}
