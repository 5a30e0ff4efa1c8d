//! The `psoxide` command as a user runs it.

use std::process::Command;

fn psoxide() -> Command {
    Command::new(env!("CARGO_BIN_EXE_psoxide"))
}

#[test]
fn dump_has_every_contract_key_in_order() {
    let out = psoxide().args(["dump", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/dump-json.md")).unwrap();
    // The contract table lists the keys in output order: "| `key` | ...".
    let documented: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(keys, documented);
    // Live values of this machine: the logical CPU count equals the kernel's.
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let n: u64 = online
        .trim()
        .split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1,
            None => 1,
        })
        .sum();
    assert_eq!(v["cpu_count_logical"].as_u64(), Some(n));
}

#[test]
fn dump_only_selects_and_rejects_unknown_keys() {
    let out = psoxide()
        .args(["dump", "--json", "--only", "users,boot_time"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["boot_time", "users"]);
    let out = psoxide()
        .args(["dump", "--json", "--only", "bogus"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown dump key \"bogus\""), "{err}");
    assert!(err.contains("cpu_times, cpu_times_percpu"), "{err}");
}

#[test]
fn overview_prints_one_frame_when_not_a_terminal() {
    let out = psoxide().args(["--interval", "0.2"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for section in ["CPU ", "Mem ", "Swap ", "Disks", "Network"] {
        assert!(text.contains(section), "missing {section:?} in:\n{text}");
    }
    // The loopback interface is always listed.
    assert!(text.contains("  lo "), "{text}");
}

#[test]
fn bad_interval_is_refused_with_the_accepted_range() {
    let out = psoxide().args(["--interval", "-1"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-1"), "{err}");
    let out = psoxide().args(["--interval", "abc"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected a number of seconds"), "{err}");
}
