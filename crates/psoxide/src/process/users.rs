//! UID -> user name lookups with a cache (psutil calls `getpwuid` for every process;
//! a scan of a thousand processes owned by five users needs five lookups).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The names looked up recently (kept by the [`Host`](crate::Host)).
pub(crate) struct Cache {
    names: HashMap<u32, String>,
    filled: Instant,
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
    let now = Instant::now();
    let c = guard.get_or_insert_with(|| Cache {
        names: HashMap::new(),
        filled: now,
    });
    if now.duration_since(c.filled) > TTL {
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
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: zeroed passwd is a valid out-parameter; buffer and result pointers are valid.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pw,
                buf.as_mut_ptr() as *mut libc::c_char,
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pw.pw_name.is_null() {
            return None;
        }
        // SAFETY: pw_name points into `buf`, NUL-terminated by getpwuid_r.
        let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}
