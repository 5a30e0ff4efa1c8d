//! virtual_memory() / swap_memory(): fixture trees (hand-written old kernels, odd
//! formats) and live cross-checks against `free -b`, /proc/meminfo and /proc/vmstat.

use psoxide::Host;
use psoxide::{capture_warnings, swap_memory, virtual_memory, Error, Roots};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> Roots {
    Roots::under(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as u64 }
}

const KB: u64 = 1024;

// ---------------------------------------------------------------- fixtures

#[test]
fn live_capture_fixture_matches_its_meminfo() {
    let (m, w) = capture_warnings(|| Host::new(fixture("mem-live")).virtual_memory().unwrap());
    assert!(w.is_empty(), "{w:?}");
    // Values of the captured file (crates/psoxide/tests/fixtures/mem-live/proc/meminfo).
    assert_eq!(m.total, 24684092 * KB);
    assert_eq!(m.free, 22624112 * KB);
    assert_eq!(m.available, 24043784 * KB);
    assert_eq!(m.used, (24684092 - 24043784) * KB);
    assert_eq!(m.buffers, 37580 * KB);
    assert_eq!(m.cached, (1572948 + 55516) * KB);
    assert_eq!(m.shared, 8856 * KB);
    assert_eq!(m.active, 533744 * KB);
    assert_eq!(m.inactive, 1329256 * KB);
    assert_eq!(m.slab, 78948 * KB);
    assert_eq!(m.percent, 2.6); // 640308/24684092 = 2.59%
    let (s, w) = capture_warnings(|| Host::new(fixture("mem-live")).swap_memory().unwrap());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!((s.total, s.used, s.free, s.percent), (0, 0, 0, 0.0));
    assert_eq!((s.sin, s.sout), (0, 0)); // pswpin 0 / pswpout 0 in the capture
}

#[test]
fn kernel_24_inact_fields_and_memshared() {
    // No MemAvailable, no SReclaimable/Active(file): available = MemFree + Cached even
    // though a zoneinfo exists. Values agree with psutil 7.2.2 run on this tree.
    let (m, w) = capture_warnings(|| Host::new(fixture("mem-old24")).virtual_memory().unwrap());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(m.total, 2055464 * KB);
    assert_eq!(m.available, (812344 + 905260) * KB);
    assert_eq!(m.available, 1758826496);
    assert_eq!(m.inactive, (310540 + 51204 + 20880) * KB);
    assert_eq!(m.shared, 0); // MemShared: 0 (present, so no warning)
    assert_eq!(m.cached, 905260 * KB);
    assert_eq!(m.slab, 0); // missing Slab: 0 without a warning
    assert_eq!(m.percent, 16.4);
}

#[test]
fn kernel_26_estimate_from_zoneinfo_low_watermarks() {
    let m = Host::new(fixture("mem-old26")).virtual_memory().unwrap();
    // Independent computation of the kernel-3.14 formula.
    let low = (25 + 5000 + 8125) * page_size() as i128;
    let free = 402112 * 1024i128;
    let pc = (2811424 + 2473940) * 1024i128;
    let sr = 270000 * 1024i128;
    let twice = 2 * (free - low) + 2 * pc - pc.min(2 * low) + 2 * sr - sr.min(2 * low);
    assert_eq!(m.available as i128, twice / 2);
    if page_size() == 4096 {
        assert_eq!(m.available, 5938868224); // psutil 7.2.2 on the same tree
        assert_eq!(m.percent, 28.1);
    }
    assert_eq!(m.used, m.total - m.available);
    // MemAvailable: 0 is treated as missing (psutil #1915): same estimate.
    let z = Host::new(fixture("mem-avail0")).virtual_memory().unwrap();
    assert_eq!(z, m);
}

#[test]
fn kernel_26_without_zoneinfo_uses_free_plus_cached() {
    let m = Host::new(fixture("mem-old26-nozone")).virtual_memory().unwrap();
    assert_eq!(m.available, (402112 + 5051968) * KB);
    assert_eq!(m.available, 5584977920); // psutil 7.2.2
    assert_eq!(m.percent, 32.3);
}

#[test]
fn no_space_after_colon() {
    let (m, w) = capture_warnings(|| Host::new(fixture("mem-nospace")).virtual_memory().unwrap());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(m.total, 1000000 * KB);
    assert_eq!(m.free, 200000 * KB);
    assert_eq!(m.available, 600000 * KB);
    assert_eq!(m.cached, (300000 + 30000) * KB);
    assert_eq!(m.percent, 40.0);
    let s = Host::new(fixture("mem-nospace")).swap_memory().unwrap();
    assert_eq!(s.total, 2000000 * KB);
    assert_eq!(s.free, 1500000 * KB);
    assert_eq!(s.used, 500000 * KB);
    assert_eq!(s.percent, 25.0);
    assert_eq!(s.sin, 1234 * 4096); // fixed 4 KiB pages, whatever PAGESIZE is
    assert_eq!(s.sout, 5678 * 4096);
}

#[test]
fn available_above_total_becomes_free() {
    let m = Host::new(fixture("mem-availbig")).virtual_memory().unwrap();
    assert_eq!(m.available, 300000 * KB);
    assert_eq!(m.available, m.free);
    assert_eq!(m.used, 700000 * KB);
    assert_eq!(m.percent, 70.0);
}

#[test]
fn negative_estimate_is_zero_with_warning() {
    let (m, w) = capture_warnings(|| Host::new(fixture("mem-negest")).virtual_memory().unwrap());
    assert_eq!(m.available, 0);
    assert_eq!(m.used, m.total);
    assert_eq!(m.percent, 100.0);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].message,
        "available memory stats couldn't be determined and was set to 0"
    );
}

#[test]
fn missing_fields_give_one_warning() {
    let (m, w) = capture_warnings(|| Host::new(fixture("mem-missing")).virtual_memory().unwrap());
    assert_eq!(
        (m.buffers, m.cached, m.shared, m.active, m.inactive, m.slab),
        (0, 0, 0, 0, 0, 0)
    );
    assert_eq!(m.available, 700000 * KB);
    assert_eq!(w.len(), 1);
    // psutil 7.2.2 prints exactly this text for the same file.
    assert_eq!(
        w[0].message,
        "buffers, cached, shared, active, inactive memory stats couldn't be determined and were set to 0"
    );
}

#[test]
fn swap_fixture_without_swap_lines_is_an_error_not_live_data() {
    let e = Host::new(fixture("mem-missing")).swap_memory().unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
    assert!(e.to_string().contains("mem-missing/proc/meminfo"), "{e}");
}

#[test]
fn swap_vmstat_missing_or_partial_warns_and_zeroes() {
    // No vmstat file at all: the warning carries the open error.
    let (s, w) = capture_warnings(|| Host::new(fixture("mem-old26")).swap_memory().unwrap());
    assert_eq!((s.sin, s.sout), (0, 0));
    assert_eq!(s.total, 4194300 * KB);
    assert_eq!(s.used, (4194300 - 4150000) * KB);
    assert_eq!(s.percent, 1.1);
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message
            .starts_with("'sin' and 'sout' swap memory stats couldn't be determined and were set to 0 ("),
        "{}",
        w[0].message
    );
    assert!(w[0].message.contains("mem-old26/proc/vmstat"), "{}", w[0].message);
    // pswpin present but pswpout missing: both 0, plain message.
    let (s, w) = capture_warnings(|| Host::new(fixture("mem-swap-partial")).swap_memory().unwrap());
    assert_eq!((s.sin, s.sout), (0, 0));
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].message,
        "'sin' and 'sout' swap memory stats couldn't be determined and were set to 0"
    );
}

#[test]
fn truncated_and_missing_meminfo() {
    let e = Host::new(fixture("mem-garbage")).virtual_memory().unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
    assert!(e.to_string().contains("mem-garbage/proc/meminfo"), "{e}");
    let e = Host::new(fixture("no-such-tree")).virtual_memory().unwrap_err();
    assert_eq!(e.exception_name(), "FileNotFoundError");
    assert!(e.to_string().contains("no-such-tree/proc/meminfo"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("proc")).unwrap();
    for (body, what) in [
        ("MemFree: 1 kB\n", "MemTotal"),
        ("MemTotal: 1 kB\n", "MemFree"),
        ("MemTotal: 1 kB\nMemFree: x kB\n", "MemFree"),
        ("MemTotal 1 kB\n", "line 1"),
    ] {
        std::fs::write(dir.path().join("proc/meminfo"), body).unwrap();
        let e = Host::new(Roots::under(dir.path())).virtual_memory().unwrap_err();
        assert!(matches!(e, Error::Parse { .. }), "{body:?}: {e}");
        assert!(e.to_string().contains(what), "{body:?}: {e}");
    }
    // Empty meminfo: no MemTotal.
    std::fs::write(dir.path().join("proc/meminfo"), "").unwrap();
    assert!(matches!(
        Host::new(Roots::under(dir.path())).virtual_memory(),
        Err(Error::Parse { .. })
    ));
}

#[test]
fn zero_total_gives_zero_percent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("proc")).unwrap();
    std::fs::write(
        dir.path().join("proc/meminfo"),
        "MemTotal: 0 kB\nMemFree: 0 kB\nMemAvailable: 0 kB\nBuffers: 0 kB\nCached: 0 kB\nShmem: 0 kB\n\
         Active: 0 kB\nInactive: 0 kB\n",
    )
    .unwrap();
    let (m, w) = capture_warnings(|| Host::new(Roots::under(dir.path())).virtual_memory().unwrap());
    assert_eq!((m.total, m.available, m.percent), (0, 0, 0.0));
    assert!(w.is_empty());
}

// ---------------------------------------------------------------- live

/// `free -b` output: ("Mem"|"Swap") -> columns by header name.
fn free_b() -> HashMap<String, HashMap<String, u64>> {
    let out = Command::new("free").arg("-b").output().expect("run free -b");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    let mut rows = HashMap::new();
    for l in lines {
        let mut it = l.split_whitespace();
        let name = it.next().unwrap().trim_end_matches(':').to_string();
        let vals: HashMap<String, u64> = header
            .iter()
            .cloned()
            .zip(it.map(|v| v.parse().unwrap()))
            .collect();
        rows.insert(name, vals);
    }
    rows
}

fn proc_kv(path: &str, sep: char) -> HashMap<String, u64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(sep)?;
            Some((k.trim().to_string(), v.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

/// `lo <= x <= hi` after ordering the bounds, with `slack` bytes either side.
fn within(x: u64, a: u64, b: u64, slack: u64, what: &str) {
    let (lo, hi) = (a.min(b), a.max(b));
    assert!(
        x + slack >= lo && x <= hi + slack,
        "{what}: {x} not within [{lo}, {hi}] ± {slack}"
    );
}

const SLACK: u64 = 32 << 20; // memory moves between two reads on a shared machine

#[test]
fn live_virtual_memory_vs_free() {
    let before = free_b();
    let m = virtual_memory().unwrap();
    let after = free_b();
    let (b, a) = (&before["Mem"], &after["Mem"]);
    assert_eq!(m.total, b["total"]);
    assert_eq!(m.total, a["total"]);
    within(m.free, b["free"], a["free"], SLACK, "free");
    within(m.used, b["used"], a["used"], SLACK, "used");
    within(m.shared, b["shared"], a["shared"], SLACK, "shared");
    within(m.available, b["available"], a["available"], SLACK, "available");
    within(
        m.buffers + m.cached,
        b["buff/cache"],
        a["buff/cache"],
        SLACK,
        "buff/cache",
    );
    assert_eq!(m.used, m.total - m.available);
    let expected_pct = ((m.total - m.available) as f64 / m.total as f64 * 1000.0).round() / 10.0;
    assert!(
        (m.percent - expected_pct).abs() <= 0.1,
        "{} vs {}",
        m.percent,
        expected_pct
    );
}

#[test]
fn live_virtual_memory_vs_proc_meminfo() {
    let b = proc_kv("/proc/meminfo", ':');
    let m = virtual_memory().unwrap();
    let a = proc_kv("/proc/meminfo", ':');
    let k = |map: &HashMap<String, u64>, key: &str| map[key] * 1024;
    assert_eq!(m.total, k(&b, "MemTotal"));
    within(m.free, k(&b, "MemFree"), k(&a, "MemFree"), SLACK, "MemFree");
    if b.get("MemAvailable").copied().unwrap_or(0) > 0 {
        within(
            m.available,
            k(&b, "MemAvailable"),
            k(&a, "MemAvailable"),
            SLACK,
            "MemAvailable",
        );
    }
    within(m.buffers, k(&b, "Buffers"), k(&a, "Buffers"), SLACK, "Buffers");
    within(
        m.cached,
        k(&b, "Cached") + k(&b, "SReclaimable"),
        k(&a, "Cached") + k(&a, "SReclaimable"),
        SLACK,
        "Cached+SReclaimable",
    );
    within(m.active, k(&b, "Active"), k(&a, "Active"), SLACK, "Active");
    within(
        m.inactive,
        k(&b, "Inactive"),
        k(&a, "Inactive"),
        SLACK,
        "Inactive",
    );
    within(m.shared, k(&b, "Shmem"), k(&a, "Shmem"), SLACK, "Shmem");
    within(m.slab, k(&b, "Slab"), k(&a, "Slab"), SLACK, "Slab");
}

#[test]
fn live_swap_memory_vs_free_and_vmstat() {
    let before = free_b();
    let vb = proc_kv("/proc/vmstat", ' ');
    let (s, w) = capture_warnings(|| swap_memory().unwrap());
    let va = proc_kv("/proc/vmstat", ' ');
    let after = free_b();
    assert!(w.is_empty(), "{w:?}");
    let (b, a) = (&before["Swap"], &after["Swap"]);
    assert_eq!(s.total, b["total"]);
    assert_eq!(s.total, a["total"]);
    within(s.used, b["used"], a["used"], SLACK, "swap used");
    within(s.free, b["free"], a["free"], SLACK, "swap free");
    assert_eq!(s.used, s.total - s.free);
    if s.total == 0 {
        println!("no swap configured on this machine: percent must be 0.0");
        assert_eq!(s.percent, 0.0);
    }
    within(s.sin, vb["pswpin"] * 4096, va["pswpin"] * 4096, 0, "sin");
    within(s.sout, vb["pswpout"] * 4096, va["pswpout"] * 4096, 0, "sout");
}
