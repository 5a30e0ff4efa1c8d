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

/// Runs `psoxide` with standard output piped and `env` set; returns its lines.
fn plain_frame(env: &[(&str, &str)], args: &[&str]) -> Vec<String> {
    let mut cmd = psoxide();
    cmd.args(args).env_remove("COLUMNS").env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "escape codes in a plain frame:\n{text}");
    text.lines().map(str::to_string).collect()
}

#[test]
fn monitor_prints_one_plain_frame_when_not_a_terminal() {
    let lines = plain_frame(&[], &["--interval", "0.2"]);
    let text = lines.join("\n");
    for section in [
        "CPU ",
        "Mem ",
        "Swp ",
        "Disks",
        "Network",
        "Processes",
        "PID",
        "COMMAND",
        "load ",
        "up ",
    ] {
        assert!(text.contains(section), "missing {section:?} in:\n{text}");
    }
    // The loopback interface is always listed.
    assert!(text.contains("│lo "), "{text}");
    // 80 columns when piped without COLUMNS; never wider.
    for l in &lines {
        assert!(l.chars().count() <= 80, "{} > 80: {l:?}", l.chars().count());
    }
    // Off a terminal the frame lists every process: this test process among them,
    // and about as many as /proc has PID directories.
    let me = std::process::id().to_string();
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start_matches('│').split_whitespace().next() == Some(me.as_str())),
        "PID {me} not listed:\n{text}"
    );
    let listed = lines
        .iter()
        .filter(|l| {
            l.starts_with('│')
                && l.trim_start_matches('│')
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| w.parse::<u32>().is_ok())
                && l.matches('│').count() == 2
                && l.chars().nth(1) == Some(' ')
        })
        .count();
    let in_proc = std::fs::read_dir("/proc")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .parse::<u32>()
                .is_ok()
        })
        .count();
    assert!(
        listed.abs_diff(in_proc) <= 25,
        "{listed} rows listed, /proc has {in_proc} processes"
    );
}

#[test]
fn plain_frame_follows_columns_and_once_works() {
    let lines = plain_frame(&[("COLUMNS", "60")], &["--once", "--interval", "0.1"]);
    assert!(lines.iter().any(|l| l.contains("Processes")));
    for l in &lines {
        assert!(l.chars().count() <= 60, "{} > 60: {l:?}", l.chars().count());
    }
    let wide = plain_frame(&[("COLUMNS", "200")], &["--once", "--interval", "0.1"]);
    assert!(
        wide.iter().any(|l| l.chars().count() == 200),
        "no line uses the 200 columns"
    );
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
    // Below the sane minimum: a refresh loop would spin.
    let out = psoxide().args(["--interval", "0.01"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0.1 to 3600 seconds"), "{err}");
}

#[test]
fn plain_frame_with_more_rows_than_one_ratatui_buffer_holds() {
    // 80 columns x 820 rows is over the 65,535 cells of a ratatui buffer.
    struct Sleepers(Vec<std::process::Child>);
    impl Drop for Sleepers {
        fn drop(&mut self) {
            for c in &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut s = Sleepers(Vec::new());
    for _ in 0..850 {
        s.0.push(
            std::process::Command::new("sleep")
                .arg("120")
                .stdin(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    let lines = plain_frame(&[], &["--once", "--interval", "0.1"]);
    for l in &lines {
        assert!(l.chars().count() <= 80, "{} > 80: {l:?}", l.chars().count());
    }
    assert!(lines[1].starts_with("CPU ["), "{:?}", &lines[..3]);
    let mine: Vec<String> = s.0.iter().map(|c| c.id().to_string()).collect();
    let listed = lines
        .iter()
        .filter(|l| {
            l.trim_start_matches('│')
                .split_whitespace()
                .next()
                .is_some_and(|w| mine.iter().any(|m| m == w))
        })
        .count();
    assert_eq!(listed, mine.len(), "every sleeper listed once");
    // The table's bottom border comes after the last row, then the footer.
    let n = lines.len();
    assert!(lines[n - 2].starts_with('└'), "{:?}", &lines[n - 3..]);
}

/// The long-running faces raise their soft descriptor limit to the hard one (the
/// library's handles hold descriptors within a quarter of it): `serve` started with a
/// soft limit of 256 runs with the hard limit, read from its `/proc/PID/limits`.
#[test]
fn serve_raises_its_soft_descriptor_limit_to_the_hard_one() {
    fn limits(pid: u32) -> (String, String) {
        let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let line = text.lines().find(|l| l.starts_with("Max open files")).unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        (f[3].to_string(), f[4].to_string())
    }
    let bin = env!("CARGO_BIN_EXE_psoxide");
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -Sn 256 && exec '{bin}' serve --listen 127.0.0.1:0"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let hard = limits(pid).1;
    if hard == "256" {
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            std::env::var_os("CI").is_none(),
            "the hard limit is 256: nothing to raise"
        );
        println!("SKIPPED: the hard descriptor limit is 256, so there is nothing to raise");
        return;
    }
    // `sh` execs psoxide, which raises the limit before it starts serving: wait until
    // the process is psoxide and the limit shows.
    let mut seen = limits(pid);
    for _ in 0..300 {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.ends_with("psoxide") && seen.0 == seen.1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        seen = limits(pid);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen.0, seen.1, "serve's descriptor limit (soft, hard)");
}
