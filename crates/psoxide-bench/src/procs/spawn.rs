//! The process table: ~1000 children and ~200 loopback TCP connections, held until
//! SIGTERM/SIGINT/SIGHUP or 30 minutes, whichever comes first.
//!
//! - 600 `sleep 1800`;
//! - 200 single-threaded idlers with 5-40 padding arguments (cmdlines of ~100-2,500 bytes);
//! - 100 idlers with 4-8 threads and 2-10 padding arguments;
//! - 100 two-thread idlers run through a symlink called `monitoring-agent-worker`
//!   (comm is truncated to 15 bytes, so psutil's `name()` reads `cmdline`).
//!
//! Sockets (all loopback, held by the spawner): 150 IPv4 + 50 IPv6 TCP connections
//! (both ends, so ~400 lines in `/proc/net/tcp{,6}` plus the listeners) and 8 UDP
//! sockets. Every child gets `PR_SET_PDEATHSIG(SIGKILL)`, so it dies with the spawner
//! whatever happens; the spawner itself gets SIGTERM if the driver dies. On exit it
//! SIGKILLs exactly the PIDs it started and reaps them.

use crate::common::Rng;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// At most this long, children included.
pub const LIFETIME_S: u64 = 1800;

fn padding(r: &mut Rng, lo: u64, hi: u64) -> Vec<String> {
    (0..r.range(lo, hi))
        .map(|i| format!("--opt{i}={}", "x".repeat(r.range(10, 60) as usize)))
        .collect()
}

fn signal_set() -> libc::sigset_t {
    // SAFETY: sigset manipulation on a local.
    unsafe {
        let mut s: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut s);
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut s, sig);
        }
        s
    }
}

/// Runs the spawner: fills the table, writes `DIR/spawned.pids` and `DIR/ready`,
/// waits, cleans up. Returns the process exit code.
pub fn main(dir: &Path) -> i32 {
    let set = signal_set();
    // SAFETY: blocking signals in this (single-threaded) process; the set is valid.
    unsafe {
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
    }
    let start = Instant::now();
    if std::fs::create_dir_all(dir).is_err() {
        eprintln!("spawn: cannot create {}", dir.display());
        return 2;
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let idler = exe.with_file_name("psoxide-bench-idler");
    if !idler.exists() {
        eprintln!(
            "spawn: {} not found (cargo build --release -p psoxide-bench)",
            idler.display()
        );
        return 2;
    }
    let long = dir.join("monitoring-agent-worker");
    let _ = std::fs::remove_file(&long);
    if std::os::unix::fs::symlink(&idler, &long).is_err() {
        eprintln!("spawn: cannot symlink {}", long.display());
        return 2;
    }
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cmds: Vec<(std::path::PathBuf, Vec<String>)> = Vec::with_capacity(1000);
    for _ in 0..600 {
        cmds.push(("sleep".into(), vec![LIFETIME_S.to_string()]));
    }
    for _ in 0..200 {
        let mut a = vec!["1".to_string()];
        a.extend(padding(&mut r, 5, 40));
        cmds.push((idler.clone(), a));
    }
    for _ in 0..100 {
        let mut a = vec![r.range(4, 8).to_string()];
        a.extend(padding(&mut r, 2, 10));
        cmds.push((idler.clone(), a));
    }
    for _ in 0..100 {
        let mut a = vec!["2".to_string()];
        a.extend(padding(&mut r, 1, 5));
        cmds.push((long.clone(), a));
    }
    let mut children: Vec<Child> = Vec::with_capacity(cmds.len());
    for (prog, args) in &cmds {
        let mut c = Command::new(prog);
        c.args(args)
            .env("IDLER_LIFETIME", LIFETIME_S.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(|| {
                let empty: libc::sigset_t = std::mem::zeroed();
                libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        match c.spawn() {
            Ok(ch) => children.push(ch),
            Err(e) => {
                eprintln!("spawn: {}: {e}", prog.display());
                break;
            }
        }
    }
    let pids: Vec<String> = children.iter().map(|c| c.id().to_string()).collect();
    let _ = std::fs::write(dir.join("spawned.pids"), pids.join("\n") + "\n");

    // Sockets, loopback only.
    let mut tcp: Vec<TcpStream> = Vec::new();
    let mut listeners = Vec::new();
    for (host, n) in [("127.0.0.1:0", 150), ("[::1]:0", 50)] {
        let Ok(l) = TcpListener::bind(host) else {
            eprintln!("spawn: cannot listen on {host}; skipping its connections");
            continue;
        };
        let Ok(addr) = l.local_addr() else { continue };
        for _ in 0..n {
            if let Ok(c) = TcpStream::connect(addr) {
                if let Ok((a, _)) = l.accept() {
                    tcp.push(a);
                }
                tcp.push(c);
            }
        }
        listeners.push(l);
    }
    let udp: Vec<UdpSocket> = (0..8)
        .filter_map(|i| UdpSocket::bind(if i % 2 == 0 { "127.0.0.1:0" } else { "[::1]:0" }).ok())
        .collect();
    let _ = std::fs::write(
        dir.join("ready"),
        format!(
            "{} children, {} tcp ends, {} udp\n",
            children.len(),
            tcp.len(),
            udp.len()
        ),
    );

    let deadline = Duration::from_secs(LIFETIME_S);
    while start.elapsed() < deadline {
        let ts = libc::timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        // SAFETY: valid set and timeout; no siginfo wanted.
        let sig = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) };
        if sig > 0 {
            break;
        }
    }
    for c in &children {
        // SAFETY: signalling a child we started and have not reaped yet (its PID cannot be reused).
        unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGKILL) };
    }
    for c in &mut children {
        let _ = c.wait();
    }
    drop((tcp, listeners, udp));
    let _ = std::fs::remove_file(&long);
    0
}
