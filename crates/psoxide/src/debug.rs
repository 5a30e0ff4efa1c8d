//! Debug messages: what the library ignored on the way to a result.
//!
//! psutil prints a `psutil-debug [file:line]> message` line to stderr, when the
//! `PSUTIL_DEBUG` environment variable is set, each time it skips something it could
//! not read (a sensor file, a vanished NIC, an over-long descriptor link, ...). A
//! library must not print, so psoxide hands each such message, with the place in its
//! source that ignored the problem, to a handler the application installs with
//! [`set_debug_handler`] (the Python module prints psutil's line to stderr when
//! `PSUTIL_DEBUG` is set or `_set_debug(True)` was called). Without a handler a message
//! costs one atomic load: its text is not even built.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

/// One debug message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugMessage {
    /// What was ignored and why, e.g. `ignoring /sys/class/hwmon/hwmon0/temp1_input: ...`.
    pub message: String,
    /// The source file of psoxide that ignored it (as `file!()` gives it).
    pub file: &'static str,
    /// The line in `file`.
    pub line: u32,
}

/// A debug handler: called once per message, from the thread that produced it, with
/// no lock of the library held.
pub type DebugHandler = Box<dyn Fn(&DebugMessage) + Send + Sync>;

static HANDLER: RwLock<Option<DebugHandler>> = RwLock::new(None);
static ON: AtomicBool = AtomicBool::new(false);

/// Installs (or with `None` removes) the process-wide debug handler.
pub fn set_debug_handler(handler: Option<DebugHandler>) {
    let mut h = HANDLER.write().unwrap_or_else(|e| e.into_inner());
    ON.store(handler.is_some(), Ordering::Release);
    *h = handler;
}

/// Whether a debug handler is installed.
pub fn debug_enabled() -> bool {
    ON.load(Ordering::Acquire)
}

/// Hands the message `text()` builds to the handler, if there is one
/// (crate-internal). The place reported is the caller's.
#[track_caller]
pub(crate) fn debug(text: impl FnOnce() -> String) {
    if !ON.load(Ordering::Acquire) {
        return;
    }
    let at = Location::caller();
    let m = DebugMessage {
        message: text(),
        file: at.file(),
        line: at.line(),
    };
    if let Ok(h) = HANDLER.read() {
        if let Some(h) = h.as_ref() {
            h(&m);
        }
    }
}

/// psutil's text for an ignored error: `ignoring ERROR`.
pub(crate) fn ignoring(e: &dyn std::fmt::Display) -> String {
    format!("ignoring {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn messages_reach_the_handler_with_the_callers_place() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        // Messages from other threads' tests may arrive too: keep ours only.
        set_debug_handler(Some(Box::new(move |m| {
            if m.message.starts_with("debug-unit-test") {
                sink.lock().unwrap().push(m.clone())
            }
        })));
        assert!(debug_enabled());
        let line = line!() + 1;
        debug(|| "debug-unit-test one".into());
        set_debug_handler(None);
        assert!(!debug_enabled());
        debug(|| panic!("the text is not built without a handler"));
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message, "debug-unit-test one");
        assert_eq!((got[0].file, got[0].line), (file!(), line));
    }
}
