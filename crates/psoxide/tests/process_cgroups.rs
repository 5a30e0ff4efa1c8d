//! `Process::cgroups()` (not in psutil; the monitor's detail view shows it) against
//! `/proc/PID/cgroup` read by `cat`.

use psoxide::Process;
use std::process::{Command, Stdio};

#[test]
fn cgroups_match_the_kernel_file_and_a_reaped_child_is_gone() {
    let mut child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let p = Process::new(pid).unwrap();
    let got = p.cgroups().unwrap();
    let out = Command::new("cat")
        .arg(format!("/proc/{pid}/cgroup"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let want: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(!want.is_empty());
    let printed: Vec<String> = got
        .iter()
        .map(|g| format!("{}:{}:{}", g.hierarchy_id, g.controllers.join(","), g.path))
        .collect();
    assert_eq!(printed, want);
    child.kill().unwrap();
    child.wait().unwrap();
    let e = p.cgroups().unwrap_err();
    assert!(e.is_no_such_process(), "{e}");
}
