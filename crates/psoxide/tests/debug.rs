//! Debug messages (psutil's `PSUTIL_DEBUG` lines): what the core ignores on the way to
//! a result reaches the handler, with the place that ignored it; nothing is built
//! without a handler.
//!
//! In its own binary: the handler is process-wide.

use psoxide::{set_debug_handler, DebugMessage, Host, Roots};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

/// The messages `f` produces.
fn messages(f: impl FnOnce()) -> Vec<DebugMessage> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    set_debug_handler(Some(Box::new(move |m| sink.lock().unwrap().push(m.clone()))));
    f();
    set_debug_handler(None);
    let v = got.lock().unwrap().clone();
    v
}

/// The source line a message points at, read from this checkout.
fn source_line(m: &DebugMessage) -> String {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let text = std::fs::read_to_string(root.join(m.file)).unwrap();
    text.lines().nth(m.line as usize - 1).unwrap().to_string()
}

#[test]
fn skipped_sensors_and_memory_estimates_are_reported() {
    let tree = fixture("sensors-hwmon");
    let h = Host::new(Roots::under(&tree));
    let got = messages(|| {
        h.sensors_temperatures(false).unwrap();
        h.sensors_fans().unwrap();
    });
    let hwmon = tree.join("sys/class/hwmon");
    let texts: Vec<String> = got.iter().map(|m| m.message.clone()).collect();
    let enoent = std::io::Error::from_raw_os_error(libc::ENOENT);
    assert_eq!(
        texts,
        [
            format!(
                "ignoring {}: not a number",
                hwmon.join("hwmon0/temp7_input").display()
            ),
            format!(
                "ignoring {}: {enoent}",
                hwmon.join("hwmon0/temp9_input").display()
            ),
            format!("ignoring {}: {enoent}", hwmon.join("hwmon3/name").display()),
            format!("ignoring {}: {enoent}", hwmon.join("hwmon5/fan2_input").display()),
        ]
    );
    // Each names the line of psoxide that skipped the file.
    for m in &got {
        assert_eq!(m.file, "crates/psoxide/src/sensors.rs");
        let line = source_line(m);
        assert!(
            line.contains("_or_skip(") || line.contains("debug("),
            "{m:?}: {line}"
        );
    }

    // An old kernel without the page-cache fields: `available` is estimated.
    let tree = fixture("mem-old24");
    let got = messages(|| {
        Host::new(Roots::under(&tree)).virtual_memory().unwrap();
    });
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0].message,
        format!(
            "Active(file), Inactive(file), SReclaimable missing from {}; \
             using an approximation for calculating available memory",
            tree.join("proc/meminfo").display()
        )
    );
    assert!(source_line(&got[0]).contains("debug("), "{:?}", got[0]);

    // A complete tree: nothing ignored, nothing reported.
    let got = messages(|| {
        Host::new(Roots::under(fixture("mem-live")))
            .virtual_memory()
            .unwrap();
    });
    assert_eq!(got, []);
}
