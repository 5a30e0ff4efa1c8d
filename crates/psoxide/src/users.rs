//! Logged-in users: psutil's `users()` (spec 2.6).
//!
//! psutil walks the utmpx database with glibc's `setutxent`/`getutxent`; psoxide reads
//! the same file (`/var/run/utmp`, or [`Roots::utmp`]) itself and decodes glibc's
//! record layout (see [`crate::linux::parse::utmp`]), so it needs no libc state, takes
//! no lock and works on fixture files.

use crate::context::Host;
use crate::error::{Error, Pid, Result};
use crate::linux::parse::utmp::{parse_utmp, USER_PROCESS};
use crate::roots::Roots;
use crate::sys::errno::OsErr;
use crate::sys::fs::{open, put_buf, read_fd, take_buf, FileKind};
use std::os::fd::AsFd;

/// One login session: psutil's `suser`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct User {
    /// The user name (`ut_user`), decoded lossily from the raw bytes.
    pub name: String,
    /// The terminal (`ut_line`, e.g. `pts/0`, `tty1`, `:0`), or `None` when empty.
    pub terminal: Option<String>,
    /// The remote host (`ut_host`). `"localhost"` when the record has no host or an X
    /// display `:0` / `:0.0`, as in psutil 8.0, so never empty.
    pub host: String,
    /// When the session started: seconds since the epoch (whole seconds, `ut_tv.tv_sec`).
    pub started: f64,
    /// The session leader's PID (`ut_pid`).
    pub pid: Pid,
}

/// Users currently logged in, in utmp order: psutil's `users()`.
///
/// Only `USER_PROCESS` records count. A missing utmp file means nobody is logged in
/// and gives `[]`, as with psutil (glibc's `getutxent` finds no record when it cannot
/// open the file).
pub fn users() -> Result<Vec<User>> {
    Host::current().users()
}

impl Host {
    /// [`users`] reading the utmp file at `roots.utmp`.
    ///
    /// Differences from psutil, all on damaged or unusual files: an unreadable utmp file
    /// (other than missing) is an [`Error::Io`] where glibc would silently report no
    /// users; a `USER_PROCESS` record with a negative `ut_pid` is an [`Error::Parse`]
    /// (psutil would report the negative number); text fields that fill their whole slot
    /// are cut at the slot's end (psutil's C code would read on into the next field).
    pub fn users(&self) -> Result<Vec<User>> {
        let roots: &Roots = self.roots();
        let path = &roots.utmp;
        let fd = match open(path) {
            Ok(fd) => fd,
            // glibc's setutxent() fails to open the file, getutxent() returns NULL at once,
            // and psutil returns [] (spec 2.6: "Empty list if nobody maintains utmp").
            Err(e) if matches!(OsErr::of(&e), OsErr::NotFound | OsErr::NotADirectory) => {
                return Ok(Vec::new())
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut bytes = take_buf();
        let r = read_fd(fd.as_fd(), &mut bytes, FileKind::TABLE).map_err(|e| Error::io(path, e));
        drop(fd);
        let r = r.and_then(|()| users_from(&bytes, path));
        put_buf(bytes);
        r
    }
}

/// The `USER_PROCESS` records of the utmp bytes read from `path`.
fn users_from(bytes: &[u8], path: &std::path::Path) -> Result<Vec<User>> {
    let mut out = Vec::new();
    for (i, rec) in parse_utmp(bytes, path)?.into_iter().enumerate() {
        if rec.ut_type != USER_PROCESS {
            continue;
        }
        let pid = Pid::try_from(rec.ut_pid).map_err(|_| {
            Error::parse(
                path,
                format!("ut_pid of record {i}: negative value {}", rec.ut_pid),
            )
        })?;
        let host = if rec.ut_host.is_empty() || rec.ut_host == b":0" || rec.ut_host == b":0.0" {
            "localhost".to_string()
        } else {
            String::from_utf8_lossy(&rec.ut_host).into_owned()
        };
        let terminal = if rec.ut_line.is_empty() {
            None
        } else {
            Some(String::from_utf8_lossy(&rec.ut_line).into_owned())
        };
        out.push(User {
            name: String::from_utf8_lossy(&rec.ut_user).into_owned(),
            terminal,
            host,
            started: f64::from(rec.tv_sec),
            pid,
        });
    }
    Ok(out)
}
