//! From `psoxide::Error` to the Python exception psutil raises in the same situation.
//!
//! | core error | Python |
//! |---|---|
//! | `NoSuchProcess`, `ZombieProcess`, `AccessDenied`, `TimeoutExpired` | the package's classes of those names, with the same attributes (`AccessDenied` without a message, as psutil's; the core's text becomes its `__cause__`) |
//! | `Io` | `OSError(errno, strerror, filename)`, which Python turns into its subclass (`FileNotFoundError`, `PermissionError`, ...) |
//! | `InvalidArgument` | `ValueError` |
//! | `Unsupported` | `NotImplementedError` |
//! | `Parse` of kind `Value` (a bad number, a cut line) | `ValueError` |
//! | `Parse` of kind `Structure` (a missing or malformed line) | `RuntimeError` |
//!
//! The mapping follows [`psoxide::Error::exception_name`]. The core's error is
//! `#[non_exhaustive]`: a variant added later becomes a `RuntimeError` until it gets
//! its own row.

use crate::types::Types;
use psoxide::Error;
use pyo3::exceptions::{PyNotImplementedError, PyOSError, PyPermissionError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// The text of an errno as `os.strerror` gives it (Rust's text without its
/// " (os error N)" suffix).
pub(crate) fn strerror(code: i32) -> String {
    let text = std::io::Error::from_raw_os_error(code).to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Builds the Python exception for `e`.
pub(crate) fn to_pyerr(py: Python<'_>, t: &Types, e: Error) -> PyErr {
    let made = match e {
        Error::NoSuchProcess { pid, name, msg } => t.c.NoSuchProcess.bind(py).call1((pid, name, msg)),
        Error::ZombieProcess { pid, name, ppid, msg } => {
            t.c.ZombieProcess.bind(py).call1((pid, name, ppid, msg))
        }
        Error::AccessDenied { pid, name, msg } => {
            // psutil's AccessDenied for a denied read or system call has no message
            // (its text is "(pid=.., name=..)"); the core names the file or call,
            // which is kept as the cause, where psutil chains the PermissionError.
            let exc = t.c.AccessDenied.bind(py).call1((pid, name));
            return match exc {
                Ok(exc) => {
                    let err = PyErr::from_value(exc);
                    if !msg.is_empty() {
                        err.set_cause(py, Some(PyPermissionError::new_err(msg)));
                    }
                    err
                }
                Err(e) => e,
            };
        }
        Error::TimeoutExpired { seconds, pid, name } => {
            // psutil keeps the number as given; a whole number of seconds prints as an int.
            let secs: Py<PyAny> = if seconds.fract() == 0.0 && seconds.abs() < 1e15 {
                (seconds as i64).into_pyobject(py).map(|o| o.into_any().unbind())
            } else {
                seconds.into_pyobject(py).map(|o| o.into_any().unbind())
            }
            .unwrap_or_else(|e| match e {});
            t.c.TimeoutExpired.bind(py).call1((secs, pid, name))
        }
        Error::Io { path, source } => {
            return match source.raw_os_error() {
                Some(code) => PyOSError::new_err((code, strerror(code), path.into_os_string())),
                None => PyOSError::new_err(format!("{}: {source}", path.display())),
            };
        }
        Error::InvalidArgument { msg } => return PyValueError::new_err(msg),
        Error::Unsupported { what } => return PyNotImplementedError::new_err(what),
        e @ Error::Parse {
            kind: psoxide::ParseKind::Structure,
            ..
        } => return PyRuntimeError::new_err(e.to_string()),
        e @ Error::Parse { .. } => return PyValueError::new_err(e.to_string()),
        other => return PyRuntimeError::new_err(other.to_string()),
    };
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}
