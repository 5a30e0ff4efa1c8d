//! The one error type of the library.
//!
//! The process variants mirror psutil's exception classes (`NoSuchProcess`,
//! `ZombieProcess`, `AccessDenied`, `TimeoutExpired`) with the same attributes and the
//! same message texts, so that front-ends (the CLI's JSON, the Python module) can
//! reproduce psutil's output exactly. The remaining variants carry enough context
//! (the path, the field, the value) to say what went wrong without a debugger.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A process ID as the kernel's `pid_t` sees it (always positive for a real process).
pub type Pid = u32;

/// Result alias used by every fallible function of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the library can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The process does not exist (any more), or its PID was reused.
    /// psutil: `NoSuchProcess(pid, name, msg)`.
    #[error("{}", psutil_str(msg, *pid, None, name.as_deref()))]
    NoSuchProcess {
        /// The PID that was asked about.
        pid: Pid,
        /// The last known name of the process, if any.
        name: Option<String>,
        /// Human-readable reason; psutil's default is "process no longer exists".
        msg: String,
    },
    /// The process exists but is a zombie, so the data asked for is gone.
    /// psutil: `ZombieProcess(pid, name, ppid, msg)` (a subclass of `NoSuchProcess`).
    #[error("{}", psutil_str(msg, *pid, *ppid, name.as_deref()))]
    ZombieProcess {
        /// The PID of the zombie.
        pid: Pid,
        /// The last known name of the process, if any.
        name: Option<String>,
        /// Its parent PID, when known.
        ppid: Option<Pid>,
        /// Human-readable reason; psutil's default is "PID still exists but it's a zombie".
        msg: String,
    },
    /// The kernel refused the operation (EPERM or EACCES).
    /// psutil: `AccessDenied(pid, name, msg)`.
    #[error("{}", access_denied_str(msg, *pid, name.as_deref()))]
    AccessDenied {
        /// The PID concerned, if the operation was about a process.
        pid: Option<Pid>,
        /// The last known name of the process, if any.
        name: Option<String>,
        /// Extra detail (psutil's default is empty); we put the path or call here.
        msg: String,
    },
    /// A wait ran out of time. psutil: `TimeoutExpired(seconds, pid, name)`.
    #[error("{}", psutil_str(&format!("timeout after {} seconds", fmt_seconds(*seconds)), pid.unwrap_or(0), None, name.as_deref()))]
    TimeoutExpired {
        /// The timeout that expired, in seconds.
        seconds: f64,
        /// The PID that was waited for.
        pid: Option<Pid>,
        /// The last known name of the process, if any.
        name: Option<String>,
    },
    /// This machine or kernel does not provide the information (psutil raises
    /// `NotImplementedError` here).
    #[error("unsupported: {what}")]
    Unsupported {
        /// What is missing, e.g. "can't find current frequency file".
        what: String,
    },
    /// A caller passed a value the function does not accept (psutil: `ValueError`).
    /// The message names the value and what is accepted.
    #[error("{msg}")]
    InvalidArgument {
        /// Names the bad value and lists the accepted ones.
        msg: String,
    },
    /// An operating-system call failed (psutil lets the `OSError` escape).
    #[error("{}: {source}", show_path(path))]
    Io {
        /// The file, directory or call that failed (e.g. `/proc/stat`, `statvfs(/x)`).
        path: PathBuf,
        /// The underlying error, with its errno.
        #[source]
        source: io::Error,
    },
    /// Kernel data did not have the expected shape.
    #[error("{}: cannot parse {what}", show_path(path))]
    Parse {
        /// The file the bad data came from.
        path: PathBuf,
        /// Which field or line was wrong, and how.
        what: String,
        /// A bad value, or a missing or malformed line: which of psutil's exceptions
        /// the same data raises there.
        kind: ParseKind,
    },
}

/// What kind of bad kernel data an [`Error::Parse`] is, following the exception
/// psutil raises for the same data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseKind {
    /// A field that is not a number of the expected form, a line cut short, a value
    /// out of range: psutil's `int()`/unpacking fails there, a `ValueError`.
    Value,
    /// A required line that is missing or a table line that is malformed as a whole
    /// (no `btime` in `/proc/stat`, a bad `/proc/net/tcp` line, an empty `io` file):
    /// psutil raises `RuntimeError` there.
    Structure,
}

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Builds an [`Error::Parse`] of kind [`ParseKind::Value`] for `path`, describing
    /// the bad field.
    pub fn parse(path: impl AsRef<Path>, what: impl Into<String>) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            what: what.into(),
            kind: ParseKind::Value,
        }
    }

    /// Builds an [`Error::Parse`] of kind [`ParseKind::Structure`] for `path`: a
    /// required line is missing, or a table line is malformed as a whole.
    pub fn parse_structure(path: impl AsRef<Path>, what: impl Into<String>) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            what: what.into(),
            kind: ParseKind::Structure,
        }
    }

    /// Builds an [`Error::InvalidArgument`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument { msg: msg.into() }
    }

    /// Builds an [`Error::Unsupported`].
    pub fn unsupported(what: impl Into<String>) -> Self {
        Error::Unsupported { what: what.into() }
    }

    /// psutil's `NoSuchProcess` with its default message.
    pub fn no_such_process(pid: Pid, name: Option<String>) -> Self {
        Error::NoSuchProcess {
            pid,
            name,
            msg: "process no longer exists".into(),
        }
    }

    /// psutil's `ZombieProcess` with its default message.
    pub fn zombie(pid: Pid, name: Option<String>, ppid: Option<Pid>) -> Self {
        Error::ZombieProcess {
            pid,
            name,
            ppid,
            msg: "PID still exists but it's a zombie".into(),
        }
    }

    /// psutil's `AccessDenied`.
    pub fn access_denied(pid: Option<Pid>, name: Option<String>, msg: impl Into<String>) -> Self {
        Error::AccessDenied {
            pid,
            name,
            msg: msg.into(),
        }
    }

    /// The name of the Python exception psutil raises in this situation
    /// (`"NoSuchProcess"`, `"FileNotFoundError"`, `"ValueError"`, ...).
    /// The CLI's `--json` output and the Python module use it.
    pub fn exception_name(&self) -> &'static str {
        match self {
            Error::NoSuchProcess { .. } => "NoSuchProcess",
            Error::ZombieProcess { .. } => "ZombieProcess",
            Error::AccessDenied { .. } => "AccessDenied",
            Error::TimeoutExpired { .. } => "TimeoutExpired",
            Error::Unsupported { .. } => "NotImplementedError",
            Error::InvalidArgument { .. } => "ValueError",
            Error::Parse {
                kind: ParseKind::Structure,
                ..
            } => "RuntimeError",
            Error::Parse { .. } => "ValueError",
            Error::Io { source, .. } => {
                use crate::sys::errno::OsErr;
                match OsErr::of(source) {
                    OsErr::NotFound => "FileNotFoundError",
                    OsErr::Denied => "PermissionError",
                    OsErr::NotADirectory => "NotADirectoryError",
                    OsErr::IsADirectory => "IsADirectoryError",
                    OsErr::NoProcess => "ProcessLookupError",
                    OsErr::Interrupted => "InterruptedError",
                    _ => "OSError",
                }
            }
        }
    }

    /// The errno behind an [`Error::Io`], if any.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// True for [`Error::NoSuchProcess`] and [`Error::ZombieProcess`]
    /// (psutil's `ZombieProcess` is a subclass of `NoSuchProcess`).
    pub fn is_no_such_process(&self) -> bool {
        matches!(self, Error::NoSuchProcess { .. } | Error::ZombieProcess { .. })
    }
}

impl Clone for Error {
    /// A copy; an I/O error keeps its errno (or its kind and message when it has none).
    fn clone(&self) -> Self {
        match self {
            Error::NoSuchProcess { pid, name, msg } => Error::NoSuchProcess {
                pid: *pid,
                name: name.clone(),
                msg: msg.clone(),
            },
            Error::ZombieProcess { pid, name, ppid, msg } => Error::ZombieProcess {
                pid: *pid,
                name: name.clone(),
                ppid: *ppid,
                msg: msg.clone(),
            },
            Error::AccessDenied { pid, name, msg } => Error::AccessDenied {
                pid: *pid,
                name: name.clone(),
                msg: msg.clone(),
            },
            Error::TimeoutExpired { seconds, pid, name } => Error::TimeoutExpired {
                seconds: *seconds,
                pid: *pid,
                name: name.clone(),
            },
            Error::Unsupported { what } => Error::Unsupported { what: what.clone() },
            Error::InvalidArgument { msg } => Error::InvalidArgument { msg: msg.clone() },
            Error::Io { path, source } => Error::Io {
                path: path.clone(),
                source: match source.raw_os_error() {
                    Some(code) => io::Error::from_raw_os_error(code),
                    None => io::Error::new(source.kind(), source.to_string()),
                },
            },
            Error::Parse { path, what, kind } => Error::Parse {
                path: path.clone(),
                what: what.clone(),
                kind: *kind,
            },
        }
    }
}

/// A path for a message: as is, or `''` when it is empty (so that an empty path given
/// by a caller is still visible in the text).
fn show_path(p: &Path) -> String {
    if p.as_os_str().is_empty() {
        "''".to_string()
    } else {
        p.display().to_string()
    }
}

fn fmt_seconds(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}

/// psutil's `str(exc)`: the message, then ` (pid=.., ppid=.., name='..')` with only the
/// truthy values (pid 0 is kept).
fn psutil_str(msg: &str, pid: Pid, ppid: Option<Pid>, name: Option<&str>) -> String {
    let mut parts = vec![format!("pid={pid}")];
    if let Some(pp) = ppid.filter(|p| *p != 0) {
        parts.push(format!("ppid={pp}"));
    }
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        parts.push(format!("name={}", py_repr(n)));
    }
    let details = format!("({})", parts.join(", "));
    if msg.is_empty() {
        details
    } else {
        format!("{msg} {details}")
    }
}

fn access_denied_str(msg: &str, pid: Option<Pid>, name: Option<&str>) -> String {
    match pid {
        Some(pid) => psutil_str(msg, pid, None, name),
        None => {
            let mut parts = Vec::new();
            if let Some(n) = name.filter(|n| !n.is_empty()) {
                parts.push(format!("name={}", py_repr(n)));
            }
            match (msg.is_empty(), parts.is_empty()) {
                (_, true) => msg.to_string(),
                (true, false) => format!("({})", parts.join(", ")),
                (false, false) => format!("{msg} ({})", parts.join(", ")),
            }
        }
    }
}

/// A close approximation of Python's `repr()` of a str (single quotes unless the text
/// contains one and no double quote).
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

impl fmt::Display for crate::Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_psutil() {
        assert_eq!(
            Error::no_such_process(123, Some("foo".into())).to_string(),
            "process no longer exists (pid=123, name='foo')"
        );
        assert_eq!(
            Error::zombie(123, Some("foo".into()), Some(1)).to_string(),
            "PID still exists but it's a zombie (pid=123, ppid=1, name='foo')"
        );
        assert_eq!(
            Error::access_denied(Some(123), Some("foo".into()), "").to_string(),
            "(pid=123, name='foo')"
        );
        assert_eq!(Error::access_denied(None, None, "").to_string(), "");
        let t = Error::TimeoutExpired {
            seconds: 3.0,
            pid: Some(123),
            name: Some("foo".into()),
        };
        assert_eq!(t.to_string(), "timeout after 3 seconds (pid=123, name='foo')");
        let t = Error::TimeoutExpired {
            seconds: 0.5,
            pid: Some(7),
            name: None,
        };
        assert_eq!(t.to_string(), "timeout after 0.5 seconds (pid=7)");
    }

    #[test]
    fn exception_names() {
        let e = Error::io("/x", io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(e.exception_name(), "FileNotFoundError");
        assert_eq!(
            e.to_string(),
            format!("/x: {}", io::Error::from_raw_os_error(libc::ENOENT))
        );
        assert_eq!(
            Error::parse_structure("/proc/stat", "btime").exception_name(),
            "RuntimeError"
        );
        assert_eq!(Error::parse("/proc/meminfo", "MemTotal").exception_name(), "ValueError");
        assert_eq!(Error::invalid("bad").exception_name(), "ValueError");
        assert_eq!(Error::unsupported("x").exception_name(), "NotImplementedError");
    }

    #[test]
    fn repr_quotes() {
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a\nb"), "'a\\nb'");
    }
}
