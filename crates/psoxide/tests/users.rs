//! users() on a utmp fixture (tests/fixtures/users-mixed, written by its make_utmp.py
//! with Python's struct module), on generated files, and live.
//!
//! Independent sources: the records as written by the generator; coreutils `who FILE`
//! reading the same file through glibc; psutil 7.2.2 reading it through glibc's
//! getutxent (the fixture bind-mounted over /run in a private mount namespace: needs
//! root and `unshare`, skipped with a message otherwise); live `who` and psutil.

use psoxide::Host;
use psoxide::{users, Roots, User};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
static PYTHON: std::sync::LazyLock<String> = std::sync::LazyLock::new(common::psutil_python);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn user(name: &str, terminal: Option<&str>, host: &str, started: f64, pid: u32) -> User {
    User {
        name: name.into(),
        terminal: terminal.map(Into::into),
        host: host.into(),
        started,
        pid,
    }
}

#[test]
fn fixture_user_process_records_only() {
    let got = Host::new(Roots::under(fixture("users-mixed"))).users().unwrap();
    assert_eq!(
        got,
        vec![
            user("alice", Some("pts/0"), "203.0.113.7", 1700000000.0, 4242),
            user("bob", Some(":0"), "localhost", 1700000100.0, 1500),
            user("carol", Some("tty2"), "localhost", 1700000300.0, 1800),
            user("d\u{fffd}ve", Some("pts/3"), "localhost", 1700000400.0, 2100),
            user("svc", None, "build-7.example.org", 1700000500.0, 2200),
        ]
    );
}

/// (user, line, host) of each `who FILE` line; the host is the parenthesised part.
fn who(file: Option<&Path>) -> Vec<(String, String, Option<String>)> {
    let mut cmd = Command::new("who");
    if let Some(f) = file {
        cmd.arg(f);
    }
    let out = cmd.env("LC_ALL", "C").output().expect("run who");
    assert!(out.status.success());
    // coreutils prints "%-8s" user, a space, "%-12s" line, a space, the time and then
    // " (host)" when there is one. Parsed as bytes (user names may not be UTF-8).
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    out.stdout
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let user_end = l.iter().position(|&c| c == b' ').unwrap().max(8);
            let line = text(l.get(user_end + 1..user_end + 13).unwrap());
            let host = match (l.iter().rposition(|&c| c == b'('), l.last()) {
                (Some(i), Some(b')')) => Some(text(&l[i + 1..l.len() - 1])),
                _ => None,
            };
            (text(&l[..user_end]), line, host)
        })
        .collect()
}

#[test]
fn fixture_agrees_with_who() {
    let path = fixture("users-mixed/var/run/utmp");
    let ours = Host::new(Roots::under(fixture("users-mixed"))).users().unwrap();
    let theirs = who(Some(&path));
    assert_eq!(ours.len(), theirs.len(), "{theirs:?}");
    for (u, (name, line, host)) in ours.iter().zip(&theirs) {
        assert_eq!(&u.name, name);
        assert_eq!(u.terminal.clone().unwrap_or_default(), *line);
        // who prints the raw host; psutil (and we) say "localhost" for "", ":0", ":0.0".
        match host.as_deref() {
            None | Some(":0") | Some(":0.0") => assert_eq!(u.host, "localhost"),
            Some(h) => assert_eq!(u.host, h),
        }
    }
}

fn psutil_users_json(utmp_dir: Option<&Path>) -> Vec<Value> {
    let code = "import json, psutil\n\
        fix = lambda s: s.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')\n\
        print(json.dumps([[fix(u.name), u.terminal and fix(u.terminal), fix(u.host), u.started, u.pid] \
        for u in psutil.users()]))";
    let out = match utmp_dir {
        Some(dir) => Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount --bind "$1" /run && exec "$2" -c "$3""#)
            .args([
                "sh".as_ref(),
                dir.as_os_str(),
                PYTHON.as_str().as_ref(),
                code.as_ref(),
            ])
            .output()
            .unwrap(),
        None => Command::new(&*PYTHON).args(["-c", code]).output().unwrap(),
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn as_json(us: &[User]) -> Vec<Value> {
    us.iter()
        .map(|u| serde_json::json!([u.name, u.terminal, u.host, u.started, u.pid]))
        .collect()
}

fn unavailable(namespace: bool) -> Option<String> {
    if !Path::new(&*PYTHON).exists() {
        return Some(format!("{} not found", &*PYTHON));
    }
    // SAFETY: geteuid has no preconditions.
    if namespace && unsafe { libc::geteuid() } != 0 {
        return Some("bind-mounting over /run needs root".into());
    }
    if namespace
        && !Command::new("unshare")
            .args(["-m", "--propagation", "private", "true"])
            .status()
            .is_ok_and(|s| s.success())
    {
        return Some("`unshare -m` is not available".into());
    }
    None
}

#[test]
fn fixture_agrees_with_psutil() {
    if let Some(why) = unavailable(true) {
        println!("SKIP psutil comparison on the utmp fixture: {why}");
        return;
    }
    // /var/run is /run here; glibc reads /var/run/utmp.
    let ours = Host::new(Roots::under(fixture("users-mixed"))).users().unwrap();
    let theirs = psutil_users_json(Some(&fixture("users-mixed/var/run")));
    assert_eq!(as_json(&ours), theirs);
}

#[test]
fn missing_utmp_means_nobody() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Host::new(Roots::under(dir.path())).users().unwrap(), vec![]);
    // A path through a regular file (ENOTDIR) fails to open in glibc as well.
    std::fs::write(dir.path().join("var"), b"x").unwrap();
    assert_eq!(Host::new(Roots::under(dir.path())).users().unwrap(), vec![]);
}

fn record(ut_type: i16, pid: i32, line: &[u8], user: &[u8], host: &[u8], sec: i32) -> Vec<u8> {
    let mut r = vec![0u8; 384];
    r[0..2].copy_from_slice(&ut_type.to_le_bytes());
    r[4..8].copy_from_slice(&pid.to_le_bytes());
    r[8..8 + line.len()].copy_from_slice(line);
    r[44..44 + user.len()].copy_from_slice(user);
    r[76..76 + host.len()].copy_from_slice(host);
    r[340..344].copy_from_slice(&sec.to_le_bytes());
    r
}

fn users_of(bytes: &[u8]) -> psoxide::Result<Vec<User>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("var/run")).unwrap();
    std::fs::write(dir.path().join("var/run/utmp"), bytes).unwrap();
    Host::new(Roots::under(dir.path())).users()
}

#[test]
fn generated_files() {
    assert_eq!(users_of(b"").unwrap(), vec![]);
    assert_eq!(users_of(&[0xffu8; 383]).unwrap(), vec![]);
    // Full-width fields without a NUL stay within their field.
    let long_user = [b'u'; 32];
    let long_line = [b'l'; 32];
    let long_host = [b'h'; 256];
    let data = record(7, 10, &long_line, &long_user, &long_host, -5);
    let got = users_of(&data).unwrap();
    assert_eq!(
        got,
        vec![user(
            &"u".repeat(32),
            Some(&"l".repeat(32)),
            &"h".repeat(256),
            -5.0,
            10
        )]
    );
    // ":0.0" but not ":1" is localhost.
    let mut data = record(7, 11, b"tty7", b"x", b":1", 0);
    data.extend(record(7, 12, b"tty8", b"y", b":0.0", 0));
    let got = users_of(&data).unwrap();
    assert_eq!(got[0].host, ":1");
    assert_eq!(got[1].host, "localhost");
    // A negative PID in a USER_PROCESS record cannot be a Pid.
    let e = users_of(&record(7, -3, b"tty1", b"z", b"", 0)).unwrap_err();
    assert!(matches!(e, psoxide::Error::Parse { .. }), "{e:?}");
    // ... but in another record type it is ignored like the record.
    assert_eq!(users_of(&record(8, -3, b"tty1", b"z", b"", 0)).unwrap(), vec![]);
}

#[test]
fn live_agrees_with_who_and_psutil() {
    let ours = users().unwrap();
    let theirs = who(None);
    assert_eq!(
        ours.iter().map(|u| u.name.clone()).collect::<Vec<_>>(),
        theirs.iter().map(|t| t.0.clone()).collect::<Vec<_>>()
    );
    if !Path::new("/var/run/utmp").exists() {
        assert!(ours.is_empty());
    }
    match unavailable(false) {
        Some(why) => println!("SKIP live psutil comparison: {why}"),
        None => assert_eq!(as_json(&ours), psutil_users_json(None)),
    }
}
