//! Warnings: results that are knowingly incomplete.
//!
//! psutil emits a Python `RuntimeWarning` when, for example, `/proc/meminfo` lacks a
//! field and 0 was substituted. A library must not print, so psoxide hands each
//! warning to a handler the application installs with [`set_warning_handler`] (the
//! Python module turns them into `RuntimeWarning`s). Without a handler warnings are
//! dropped. [`capture_warnings`] collects the warnings raised by a closure on the
//! current thread, which is what the tests use.

use std::cell::RefCell;
use std::sync::RwLock;

/// One warning: a result was returned but part of it is a substitute value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// What was substituted and why, e.g.
    /// "buffers, cached memory stats couldn't be determined and were set to 0".
    pub message: String,
}

/// A warning handler: called once per warning, from the thread that raised it.
pub type Handler = Box<dyn Fn(&Warning) + Send + Sync>;

static HANDLER: RwLock<Option<Handler>> = RwLock::new(None);

thread_local! {
    static CAPTURE: RefCell<Option<Vec<Warning>>> = const { RefCell::new(None) };
}

/// Installs (or with `None` removes) the process-wide warning handler.
pub fn set_warning_handler(handler: Option<Handler>) {
    *HANDLER.write().unwrap_or_else(|e| e.into_inner()) = handler;
}

/// Runs `f` and returns its result with every warning it raised on this thread.
/// Warnings captured this way do not reach the process-wide handler.
pub fn capture_warnings<T>(f: impl FnOnce() -> T) -> (T, Vec<Warning>) {
    let previous = CAPTURE.with(|c| c.borrow_mut().replace(Vec::new()));
    let out = f();
    let got = CAPTURE.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    (out, got.unwrap_or_default())
}

/// Raises a warning (crate-internal).
pub(crate) fn warn(message: impl Into<String>) {
    let w = Warning {
        message: message.into(),
    };
    let captured = CAPTURE.with(|c| match c.try_borrow_mut() {
        Ok(mut slot) => match slot.as_mut() {
            Some(v) => {
                v.push(w.clone());
                true
            }
            None => false,
        },
        Err(_) => false,
    });
    if !captured {
        if let Ok(h) = HANDLER.read() {
            if let Some(h) = h.as_ref() {
                h(&w);
            }
        }
    }
}
