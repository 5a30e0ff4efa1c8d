//! The classic-view subcommands against procps (`ps -eo`, `free -b`, `pidof`,
//! `df -B1`, `pstree -p`) at the same moment, and their JSON against the library.
//!
//! Moving values are bracketed: the independent source is read before and after
//! psoxide, and psoxide's value must lie between the two (plus a small slack for what
//! moves between reads). Process sets differ between two reads, so only processes seen
//! by both reads (and stable in between) are compared.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: `$PSOXIDE_BIN` when set (scripts/test-cmds.sh runs this
/// suite as another user on a copy of the release binary), else the one cargo built.
fn bin() -> PathBuf {
    std::env::var_os("PSOXIDE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_psoxide")))
}

fn psoxide(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("run psoxide")
}

fn ok(args: &[&str]) -> String {
    let out = psoxide(args);
    assert!(
        out.status.success(),
        "psoxide {args:?} exited with {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("psoxide {args:?}: bad JSON ({e}): {text}"))
}

/// Runs a system tool; `None` (the caller skips, saying why) when it is not installed.
fn tool(cmd: &str, args: &[&str]) -> Option<Output> {
    match Command::new(cmd).args(args).output() {
        Ok(o) => Some(o),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{cmd}: {e}"),
    }
}

fn need(cmd: &str, args: &[&str]) -> Option<String> {
    match tool(cmd, args) {
        Some(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{cmd} is not installed; with CI set every check must run"
            );
            eprintln!("skipped: {cmd} is not installed (Debian package procps/psmisc/coreutils)");
            None
        }
    }
}

/// Children running a copy of `sleep` under a unique name, killed when dropped.
struct Sleepers {
    name: String,
    dir: PathBuf,
    kids: Vec<Child>,
}

impl Sleepers {
    fn new(tag: &str, n: usize) -> Sleepers {
        // At most 15 characters, so that the kernel's comm, psutil's name() and argv[0]
        // all agree.
        let name = format!("psx{tag}{}", std::process::id() % 100_000);
        assert!(name.len() <= 15);
        let dir = std::env::temp_dir().join(format!("psoxide-cmds-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join(&name);
        let sleep = ["/bin/sleep", "/usr/bin/sleep"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("sleep");
        std::fs::copy(sleep, &exe).unwrap();
        // ETXTBSY: a child forked by another test thread while the copy was open for
        // writing still holds that descriptor until it execs; wait for it.
        const ETXTBSY: i32 = 26;
        let spawn = || {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match Command::new(&exe)
                    .arg("600")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                {
                    Ok(c) => return c,
                    Err(e) if e.raw_os_error() == Some(ETXTBSY) && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(e) => panic!("cannot start {}: {e}", exe.display()),
                }
            }
        };
        let kids = (0..n).map(|_| spawn()).collect();
        // Until exec has happened the children still show the test's name.
        let s = Sleepers { name, dir, kids };
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.kids.iter().any(|k| {
            std::fs::read_to_string(format!("/proc/{}/comm", k.id())).map_or(true, |c| c.trim() != s.name)
        }) {
            assert!(Instant::now() < deadline, "children did not exec {}", s.name);
            std::thread::sleep(Duration::from_millis(10));
        }
        s
    }

    fn pids(&self) -> Vec<u32> {
        self.kids.iter().map(Child::id).collect()
    }
}

impl Drop for Sleepers {
    fn drop(&mut self) {
        for k in &mut self.kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------- free

/// `free -b` rows as label -> numbers.
fn free_b() -> Option<BTreeMap<String, Vec<u64>>> {
    let text = need("free", &["-b"])?;
    Some(parse_free(&text))
}

fn parse_free(text: &str) -> BTreeMap<String, Vec<u64>> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let label = w.next()?.to_string();
            Some((label, w.filter_map(|x| x.parse().ok()).collect()))
        })
        .collect()
}

#[test]
fn free_bytes_agree_with_procps_free() {
    let Some(before) = free_b() else { return };
    let ours = parse_free(&ok(&["free", "-b"]));
    let Some(after) = free_b() else { return };
    let header = ok(&["free", "-b"]);
    let heads: Vec<&str> = header.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        heads,
        ["total", "used", "free", "shared", "buff/cache", "available"]
    );
    const SLACK: u64 = 128 << 20; // what other processes allocate between two reads
    for row in ["Mem:", "Swap:"] {
        let (b, o, a) = (&before[row], &ours[row], &after[row]);
        assert_eq!(o.len(), b.len(), "{row} {o:?} vs {b:?}");
        assert_eq!(o[0], b[0], "{row} total is exact");
        for i in 1..o.len() {
            let lo = b[i].min(a[i]).saturating_sub(SLACK);
            let hi = b[i].max(a[i]) + SLACK;
            assert!(
                (lo..=hi).contains(&o[i]),
                "{row} column {} = {} not within free's {}..{}",
                heads[i],
                o[i],
                lo,
                hi
            );
        }
    }
    // -k, -m and -g are the byte counts truncated, as procps prints them.
    let total = ours["Mem:"][0];
    for (flag, shift) in [("-k", 10), ("-m", 20), ("-g", 30)] {
        let t = parse_free(&ok(&["free", flag]));
        assert_eq!(t["Mem:"][0], total >> shift, "free {flag}");
    }
    // The default, and -h, are human-readable like free -h.
    assert_eq!(ok(&["free"]).lines().next(), ok(&["free", "-h"]).lines().next());
    let human = ok(&["free", "-h"]);
    let theirs = need("free", &["-h"]).unwrap();
    let tot = |s: &str| {
        s.lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_string)
    };
    assert_eq!(tot(&human), tot(&theirs), "free vs free -h:\n{human}\n{theirs}");
}

#[test]
fn free_json_is_the_library_values() {
    let v = json(&["free", "--json"]);
    let vm = psoxide::virtual_memory().unwrap();
    assert_eq!(v["virtual_memory"]["total"].as_u64(), Some(vm.total));
    let keys: Vec<&str> = v["virtual_memory"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "total",
            "available",
            "percent",
            "used",
            "free",
            "active",
            "inactive",
            "buffers",
            "cached",
            "shared",
            "slab"
        ]
    );
    let sw = psoxide::swap_memory().unwrap();
    assert_eq!(v["swap_memory"]["total"].as_u64(), Some(sw.total));
}

// ---------------------------------------------------------------- df

/// `df -B1` rows keyed by mount point: (size, used, avail).
fn df_b1() -> Option<HashMap<String, (u64, u64, u64)>> {
    let text = need("df", &["-B1", "--output=size,used,avail,target"])?;
    Some(
        text.lines()
            .skip(1)
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let s = w.next()?.parse().ok()?;
                let u = w.next()?.parse().ok()?;
                let a = w.next()?.parse().ok()?;
                Some((w.collect::<Vec<_>>().join(" "), (s, u, a)))
            })
            .collect(),
    )
}

#[test]
fn df_bytes_agree_with_df_b1() {
    let Some(before) = df_b1() else { return };
    let ours = ok(&["df", "-b"]);
    let Some(after) = df_b1() else { return };
    let mut compared = 0;
    for l in ours.lines().skip(1) {
        let w: Vec<&str> = l.split_whitespace().collect();
        // Filesystem Size Used Avail Use% Mounted on
        let mp = w[5..].join(" ");
        let (Some(b), Some(a)) = (before.get(&mp), after.get(&mp)) else {
            continue;
        };
        let n = |i: usize| w[i].parse::<u64>().unwrap();
        assert_eq!(n(1), b.0, "{mp}: size");
        const SLACK: u64 = 256 << 20; // builds running next to the tests write files
        let inside =
            |x: u64, p: u64, q: u64| (p.min(q).saturating_sub(SLACK)..=p.max(q) + SLACK).contains(&x);
        assert!(inside(n(2), b.1, a.1), "{mp}: used {} vs {} / {}", n(2), b.1, a.1);
        assert!(
            inside(n(3), b.2, a.2),
            "{mp}: avail {} vs {} / {}",
            n(3),
            b.2,
            a.2
        );
        compared += 1;
    }
    assert!(compared > 0, "no mount point in common:\n{ours}");
    // JSON: psutil's sdiskpart + sdiskusage fields.
    let v = json(&["df", "--json"]);
    let first = &v.as_array().unwrap()[0];
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "device",
            "mountpoint",
            "fstype",
            "opts",
            "total",
            "used",
            "free",
            "percent"
        ]
    );
    let u = psoxide::disk_usage(first["mountpoint"].as_str().unwrap()).unwrap();
    assert_eq!(first["total"].as_u64(), Some(u.total));
}

// ---------------------------------------------------------------- ps

fn ps_table(args: &[&str]) -> Option<HashMap<u32, Vec<String>>> {
    let text = need("ps", args)?;
    Some(table(&text, false))
}

fn table(text: &str, header: bool) -> HashMap<u32, Vec<String>> {
    text.lines()
        .skip(usize::from(header))
        .filter_map(|l| {
            let w: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            Some((w.first()?.parse().ok()?, w))
        })
        .collect()
}

#[test]
fn ps_columns_agree_with_procps_ps() {
    let kids = Sleepers::new("ps", 2);
    let cols = "pid,ppid,user,ni,nlwp,comm";
    let Some(before) = ps_table(&["-eo", cols, "--no-headers"]) else {
        return;
    };
    let ours = table(
        &ok(&[
            "ps",
            "-o",
            "pid,ppid,username,nice,num_threads,name",
            "--no-headers",
        ]),
        false,
    );
    let Some(after) = ps_table(&["-eo", cols, "--no-headers"]) else {
        return;
    };
    let mut compared = 0;
    for (pid, o) in &ours {
        let (Some(b), Some(a)) = (before.get(pid), after.get(pid)) else {
            continue;
        };
        if a != b || o.len() != b.len() {
            continue; // changed between the reads (or a name with a space)
        }
        // ppid, user, nice exactly; thread counts and 15-character names only when
        // stable (psutil's name() extends a truncated comm from the command line).
        assert_eq!(&o[1..3], &b[1..3], "pid {pid}: ppid,user");
        // ps prints `-` as the nice value of a real-time (SCHED_FIFO/RR) task; psutil
        // gives getpriority()'s value.
        if b[3] != "-" {
            assert_eq!(o[3], b[3], "pid {pid}: ni");
        }
        assert_eq!(o[4], b[4], "pid {pid}: nlwp");
        if b[5].len() < 15 {
            assert_eq!(o[5], b[5], "pid {pid}: name");
        }
        compared += 1;
    }
    assert!(compared > 10, "only {compared} processes compared");
    for k in kids.pids() {
        assert_eq!(ours[&k][5], kids.name, "the test's child is listed by name");
    }
    // rss and vms in bytes against ps's KiB, for the (idle, stable) children.
    let list = kids
        .pids()
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mine = table(&ok(&["ps", "-b", "-o", "pid,rss,vms", "--pid", &list]), true);
    let theirs = ps_table(&["-o", "pid=,rss=,vsz=", "-p", &list]).unwrap();
    for k in kids.pids() {
        let n = |v: &Vec<String>, i: usize| v[i].parse::<u64>().unwrap();
        assert_eq!(n(&mine[&k], 1), n(&theirs[&k], 1) * 1024, "rss of {k}");
        assert_eq!(n(&mine[&k], 2), n(&theirs[&k], 2) * 1024, "vms of {k}");
    }
}

#[test]
fn ps_filters_sort_tree_and_json() {
    let kids = Sleepers::new("pf", 3);
    let me = std::process::id();
    // --name: exactly the children.
    let text = ok(&["ps", "--name", &kids.name, "-o", "pid,name", "--no-headers"]);
    let got: BTreeSet<u32> = table(&text, false).into_keys().collect();
    assert_eq!(got, kids.pids().into_iter().collect());
    // --user with the children's owner finds them; a user with none finds none.
    let user = psoxide::Process::new(me).unwrap().username().unwrap();
    let text = ok(&[
        "ps",
        "--user",
        &user,
        "--name",
        &kids.name,
        "-o",
        "pid",
        "--no-headers",
    ]);
    assert_eq!(text.lines().count(), 3, "{text}");
    // --sort -pid: descending.
    let text = ok(&[
        "ps",
        "--name",
        &kids.name,
        "-o",
        "pid",
        "--sort",
        "-pid",
        "--no-headers",
    ]);
    let order: Vec<u32> = text.lines().map(|l| l.trim().parse().unwrap()).collect();
    let mut want = kids.pids();
    want.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(order, want);
    // --tree: the children come right after this test process, indented.
    let text = ok(&["ps", "--tree", "-o", "pid,name"]);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.split_whitespace().next() == Some(&me.to_string()))
        .unwrap();
    let below: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.contains("\\_ "))
        .copied()
        .collect();
    for k in kids.pids() {
        assert!(
            below
                .iter()
                .any(|l| l.split_whitespace().next() == Some(&k.to_string())
                    && l.contains(&format!("\\_ {}", kids.name))),
            "child {k} not below {me}:\n{text}"
        );
    }
    // --json: as_dict() of the attributes behind the columns, as the library gives them.
    let v = json(&[
        "ps",
        "--pid",
        &kids.pids()[0].to_string(),
        "-o",
        "pid,ppid,name,rss,username",
        "--json",
    ]);
    let obj = v.as_array().unwrap()[0].as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, ["pid", "ppid", "name", "memory_info", "username"]);
    let p = psoxide::Process::new(kids.pids()[0]).unwrap();
    assert_eq!(obj["ppid"].as_u64(), Some(u64::from(p.ppid().unwrap())));
    assert_eq!(obj["name"].as_str(), Some(p.name().unwrap().as_str()));
    assert_eq!(
        obj["memory_info"]["vms"].as_u64(),
        Some(p.memory_info().unwrap().vms)
    );
    assert_eq!(obj["username"].as_str(), Some(user.as_str()));
    // Every process of a whole-table --json is an object with a pid.
    let all = json(&["ps", "--json", "-o", "pid,name"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["pid"].as_u64() == Some(u64::from(me))));
}

#[test]
fn ps_never_truncates_when_piped() {
    use std::os::unix::process::CommandExt;
    // A 3000-character argv[0]: killing the child ends everything (no grandchild).
    let long = "x".repeat(3000);
    let mut child = Command::new("sleep")
        .arg0(&long)
        .arg("600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let text = ok(&["ps", "--pid", &pid, "-o", "pid,cmdline"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains(&long),
        "the 3000-character argument was cut:\n{text}"
    );
}

#[test]
fn ps_cpu_percent_is_sampled_over_the_interval() {
    // A busy child shows clearly above zero over a 0.3 s window.
    let mut busy = Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let pid = busy.id().to_string();
    let v = json(&[
        "ps",
        "--pid",
        &pid,
        "-o",
        "pid,cpu_percent",
        "--interval",
        "0.3",
        "--json",
    ]);
    let _ = busy.kill();
    let _ = busy.wait();
    let pct = v[0]["cpu_percent"].as_f64().unwrap();
    // Under `nice` and next to builds the share can be low, but a spinning process
    // is never idle for a whole 0.3 s window.
    assert!(pct > 1.0 && pct <= 100.0 * 64.0, "cpu_percent {pct}");
}

// ---------------------------------------------------------------- pidof / killall

#[test]
fn pidof_prints_what_procps_pidof_prints() {
    let kids = Sleepers::new("po", 3);
    let ours = ok(&["pidof", &kids.name]);
    if let Some(theirs) = need("pidof", &[&kids.name]) {
        assert_eq!(ours, theirs);
    }
    let mut want = kids.pids();
    want.sort_unstable_by(|a, b| b.cmp(a));
    let want: Vec<String> = want.iter().map(u32::to_string).collect();
    assert_eq!(ours.trim_end(), want.join(" "));
    // -s: one PID; -o: leave one out.
    assert_eq!(ok(&["pidof", "-s", &kids.name]).trim_end(), want[0]);
    let omitted = ok(&["pidof", "-o", &want[0], &kids.name]);
    assert_eq!(omitted.trim_end(), want[1..].join(" "));
    // By full path too, as procps.
    let full = kids.dir.join(&kids.name);
    assert_eq!(ok(&["pidof", full.to_str().unwrap()]), ours);
    // JSON.
    let v = json(&["pidof", "--json", &kids.name]);
    assert_eq!(v.as_array().unwrap().len(), 3);
    // Nothing found: exit status 1 and no output, like procps pidof.
    let none = psoxide(&["pidof", "psx-no-such-program"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
    if let Some(o) = tool("pidof", &["psx-no-such-program"]) {
        assert_eq!(o.status.code(), Some(1));
    }
}

#[test]
fn killall_dry_run_lists_and_a_real_kill_kills() {
    let mut kids = Sleepers::new("ka", 2);
    // --dry-run: the PID and name of each, nothing signalled.
    let text = ok(&["killall", "--dry-run", &kids.name]);
    let mut listed: Vec<(u32, String)> = text
        .lines()
        .map(|l| {
            let (p, n) = l.split_once(' ').unwrap();
            (p.parse().unwrap(), n.to_string())
        })
        .collect();
    listed.sort();
    let mut want: Vec<(u32, String)> = kids.pids().into_iter().map(|p| (p, kids.name.clone())).collect();
    want.sort();
    assert_eq!(listed, want);
    for k in &mut kids.kids {
        assert!(k.try_wait().unwrap().is_none(), "a dry run signalled {}", k.id());
    }
    // A real kill with a signal chosen by name: both die of SIGKILL.
    ok(&["killall", "-s", "KILL", &kids.name]);
    use std::os::unix::process::ExitStatusExt;
    for k in &mut kids.kids {
        let st = k.wait().unwrap();
        assert_eq!(st.signal(), Some(9), "{} ended with {st:?}", k.id());
    }
    // The default signal is SIGTERM; by number works too.
    let mut more = Sleepers::new("kb", 1);
    ok(&["killall", &more.name]);
    assert_eq!(more.kids[0].wait().unwrap().signal(), Some(15));
    let mut third = Sleepers::new("kc", 1);
    ok(&["killall", "-s", "10", &third.name]);
    assert_eq!(third.kids[0].wait().unwrap().signal(), Some(10));
    // No match: exit status 1 with a message naming the name.
    let none = psoxide(&["killall", "psx-no-such-program"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("psx-no-such-program: no process found"));
}

#[test]
fn killall_wait_returns_once_the_processes_ended_and_names_survivors() {
    use std::os::unix::process::ExitStatusExt;
    // Two sleepers that SIGTERM ends; this test is their parent, so a thread reaps
    // them while killall waits (killall, like psutil's wait, waits until they are
    // reaped, not only dead).
    let mut kids = Sleepers::new("kw", 2);
    let name = kids.name.clone();
    let children = std::mem::take(&mut kids.kids);
    let reaper = std::thread::spawn(move || {
        children
            .into_iter()
            .map(|mut c| c.wait().unwrap().signal())
            .collect::<Vec<_>>()
    });
    let t0 = Instant::now();
    ok(&["killall", "-w", "--timeout", "20", &name]);
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert_eq!(reaper.join().unwrap(), [Some(15), Some(15)]);
    // SIGCONT ends nothing: --wait gives up at the timeout, exit 1, the PID named.
    let mut alive = Sleepers::new("kx", 1);
    let pid = alive.kids[0].id();
    let t0 = Instant::now();
    let out = psoxide(&["killall", "-s", "CONT", "-w", "--timeout", "0.3", &alive.name]);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains(&format!("still running after 0.3 s: pid {pid}")),
        "{e}"
    );
    assert!(alive.kids[0].try_wait().unwrap().is_none());
    // --timeout needs --wait, and a number of seconds in range.
    assert_eq!(
        psoxide(&["killall", "--timeout", "1", "x"]).status.code(),
        Some(2)
    );
    let bad = psoxide(&["killall", "-w", "--timeout", "-1", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("seconds from 0 to 86400"));
}

// ---------------------------------------------------------------- pstree

#[test]
fn pstree_lists_the_processes_pstree_p_lists() {
    let t0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let Some(before) = need("pstree", &["-p", "-A", "-l", "1"]) else {
        return;
    };
    let ours = ok(&["pstree", "-A", "1"]);
    let Some(after) = need("pstree", &["-p", "-A", "-l", "1"]) else {
        return;
    };
    // name(pid) items; threads are {name}(tid) in pstree -p and not processes.
    let pids = |s: &str| -> BTreeSet<u32> {
        let mut out = BTreeSet::new();
        let b = s.as_bytes();
        for (i, _) in s.match_indices('(') {
            let Some(close) = s[i + 1..].find(')') else {
                continue;
            };
            let Ok(pid) = s[i + 1..i + 1 + close].parse::<u32>() else {
                continue;
            };
            if i > 0 && b[i - 1] == b'}' {
                continue;
            }
            out.insert(pid);
        }
        out
    };
    let (b, o, a) = (pids(&before), pids(&ours), pids(&after));
    let stable: BTreeSet<u32> = b.intersection(&a).copied().collect();
    let missing: Vec<&u32> = stable.difference(&o).collect();
    assert!(
        missing.is_empty(),
        "in pstree -p but not ours: {missing:?}\n{ours}"
    );
    let either: BTreeSet<u32> = b.union(&a).copied().collect();
    // Ours may list processes that lived only between the two reads (this very
    // psoxide, the other tests' short-lived commands), never an older one.
    for &pid in o.difference(&either) {
        if let Ok(p) = psoxide::Process::new(pid) {
            let born = p.create_time().unwrap_or(f64::MAX);
            assert!(
                born >= t0 - 1.0,
                "pid {pid} (born {born}) is in ours but in neither pstree -p"
            );
        }
    }
    // The nesting: every child in the JSON tree has the parent ppid() says.
    let v = json(&["pstree", "--json"]);
    fn walk(v: &Value, parent: Option<u64>, n: &mut usize) {
        let pid = v["pid"].as_u64().unwrap();
        if let Some(pp) = parent {
            if let Ok(p) = psoxide::Process::new(pid as u32) {
                if let Ok(real) = p.ppid() {
                    assert_eq!(u64::from(real), pp, "pid {pid}");
                    *n += 1;
                }
            }
        }
        for c in v["children"].as_array().unwrap() {
            walk(c, Some(pid), n);
        }
    }
    let mut n = 0;
    walk(&v, None, &mut n);
    assert!(n > 5, "only {n} parent links checked");
}

// ---------------------------------------------------------------- the others

#[test]
fn netstat_shows_a_listening_socket_with_its_pid_and_program() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let me = std::process::id();
    let name = psoxide::Process::new(me).unwrap().name().unwrap();
    // Other tests of this binary spawn children at the same time; between fork and
    // exec a child holds a copy of the listener, and the socket is then attributed to
    // it (psutil's rule: the last process listed). So a few attempts are allowed.
    let mut last = String::new();
    for _ in 0..20 {
        let v = json(&["netstat", "--kind", "tcp4", "--state", "listen", "--json"]);
        let mine = v
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["laddr"]["port"].as_u64() == Some(u64::from(port)))
            .unwrap_or_else(|| panic!("port {port} not listed: {v}"))
            .clone();
        assert_eq!(mine["laddr"]["ip"], "127.0.0.1");
        assert_eq!(mine["status"], "LISTEN");
        assert_eq!(mine["type"].as_i64(), Some(1));
        assert_eq!(mine["family"].as_i64(), Some(2));
        // The table: the same socket with PID/Program.
        let text = ok(&["netstat", "-l", "--pid", &me.to_string()]);
        let row = text
            .lines()
            .any(|r| r.contains(&format!("127.0.0.1:{port}")) && r.contains(&format!("{me}/")));
        if mine["pid"].as_u64() == Some(u64::from(me)) && row {
            assert_eq!(mine["name"].as_str(), Some(name.as_str()));
            return;
        }
        last = format!("{mine}\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the listener was never attributed to pid {me}:\n{last}");
}

#[test]
fn pmap_groups_maps_as_the_library_does() {
    let kids = Sleepers::new("pm", 1);
    let pid = kids.pids()[0];
    // Right after exec, sleep(1) still maps its locale files: wait until two readings
    // of its maps 50 ms apart agree.
    let paths_now = || -> Vec<String> {
        let maps = psoxide::Process::new(pid).unwrap().memory_maps(true).unwrap();
        maps.into_iter().map(|m| m.path).collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = paths_now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let now = paths_now();
        if now == last {
            break;
        }
        assert!(Instant::now() < deadline, "the maps of pid {pid} kept changing");
        last = now;
    }
    let v = json(&["pmap", &pid.to_string(), "--json"]);
    let lib = psoxide::Process::new(pid).unwrap().memory_maps(true).unwrap();
    let paths: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = lib.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, want);
    assert!(paths.iter().any(|p| p.ends_with(&kids.name)), "{paths:?}");
    // The table's total RSS (bytes) is the sum of the maps' RSS.
    let text = ok(&["pmap", "-b", &pid.to_string()]);
    let total = text.lines().last().unwrap();
    let rss: u64 = total.split_whitespace().nth(1).unwrap().parse().unwrap();
    let sum: u64 = lib.iter().map(|m| m.rss).sum();
    assert_eq!(rss, sum, "{text}");
    // Beyond pid_t: a usage error; a PID nobody has: exit status 1, the PID named.
    assert_eq!(psoxide(&["pmap", "99999999999"]).status.code(), Some(2));
    let out = psoxide(&["pmap", "2147483647"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pid 2147483647"));
}

#[test]
fn proc_is_as_dict() {
    let me = std::process::id();
    let v = json(&["proc", &me.to_string(), "--json"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let want: Vec<&str> = psoxide::Attr::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(keys, want);
    let p = psoxide::Process::new(me).unwrap();
    assert_eq!(v["pid"].as_u64(), Some(u64::from(me)));
    assert_eq!(v["ppid"].as_u64(), Some(u64::from(p.ppid().unwrap())));
    assert_eq!(v["name"].as_str(), Some(p.name().unwrap().as_str()));
    assert_eq!(v["cwd"].as_str(), Some(p.cwd().unwrap().to_str().unwrap()));
    let text = ok(&["proc", &me.to_string(), "--attrs", "name,pid,memory_info"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("name "), "{text}");
    assert!(lines[2].contains("rss="), "{text}");
}

#[test]
fn who_sensors_ifconfig_disks_net_json_match_the_library() {
    let v = json(&["who", "--json"]);
    let users = psoxide::users().unwrap();
    assert_eq!(v.as_array().unwrap().len(), users.len());
    for (j, u) in v.as_array().unwrap().iter().zip(&users) {
        assert_eq!(j["name"].as_str(), Some(u.name.as_str()));
        assert_eq!(j["pid"].as_u64(), Some(u64::from(u.pid)));
    }
    let v = json(&["sensors", "--json"]);
    let t = psoxide::sensors_temperatures(false).unwrap();
    assert_eq!(v["temperatures"].as_object().unwrap().len(), t.len());
    assert_eq!(
        v["battery"].is_null(),
        psoxide::sensors_battery().unwrap().is_none()
    );
    let v = json(&["ifconfig", "--json"]);
    let addrs = psoxide::net_if_addrs().unwrap();
    for nic in addrs.keys() {
        assert!(v.get(nic).is_some(), "{nic} missing");
    }
    let lo = &v["lo"];
    assert_eq!(lo["stats"]["isup"], true);
    assert!(lo["addrs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["address"] == "127.0.0.1"));
    assert!(lo["io"]["bytes_recv"].as_u64().is_some());
    let v = json(&["net", "--interval", "0.2", "--json"]);
    let interval = v["interval"].as_f64().unwrap();
    assert!((0.2..2.0).contains(&interval), "{interval}");
    let lo = &v["pernic"]["lo"];
    for k in [
        "bytes_sent",
        "bytes_recv",
        "packets_sent",
        "packets_recv",
        "errin",
        "errout",
        "dropin",
        "dropout",
    ] {
        assert!(lo[k].as_f64().is_some_and(|x| x >= 0.0), "lo.{k}: {lo}");
    }
    let v = json(&["disks", "--interval", "0.2", "--json"]);
    let per = psoxide::disk_io_counters_perdisk(false).unwrap();
    let got: BTreeSet<&str> = v["perdisk"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = per.keys().map(String::as_str).collect();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------- usage

#[test]
fn bad_arguments_exit_2_with_clear_messages() {
    let err = |args: &[&str]| {
        let o = psoxide(args);
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (c, e) = err(&["ps", "--pid", "-1"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("pid must be a non-negative integer, got -1"), "{e}");
    let (c, e) = err(&["dump", "--pid", "-1"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("non-negative integer"), "{e}");
    let (c, e) = err(&["dump", "--procs", "--attrs", "bogus"]);
    assert_eq!(c, Some(2));
    assert!(
        e.contains("invalid attr name 'bogus'") && e.contains("cmdline, cpu_affinity"),
        "{e}"
    );
    let (c, e) = err(&["ps", "-o", "pid,bogus"]);
    assert_eq!(c, Some(2));
    assert!(
        e.contains("unknown column \"bogus\"") && e.contains("pid, ppid, name"),
        "{e}"
    );
    let (c, e) = err(&["ps", "--sort", "-bogus"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("valid keys"), "{e}");
    let (c, e) = err(&["net", "--interval", "0.001"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("0.05 to 3600"), "{e}");
    let (c, e) = err(&["killall", "-s", "NOPE", "x"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("TERM"), "{e}");
    let (c, e) = err(&["netstat", "--kind", "tcp9"]);
    assert_eq!(c, Some(2));
    assert!(e.contains("'tcp4'"), "{e}");
    let (c, e) = err(&["pmap"]);
    assert_eq!(c, Some(2), "{e}");
    // Runtime errors: exit status 1, the PID named.
    let dead = {
        let mut c = Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let (c, e) = err(&["proc", &dead.to_string()]);
    assert_eq!(c, Some(1));
    assert!(
        e.contains(&format!("pid {dead}")) && e.contains("NoSuchProcess"),
        "{e}"
    );
    let (c, e) = err(&["ps", "--pid", &dead.to_string()]);
    assert_eq!(c, Some(1));
    assert!(e.contains(&format!("pid {dead}")), "{e}");
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in [
        "ps", "free", "df", "disks", "net", "ifconfig", "netstat", "pstree", "pmap", "sensors", "who",
        "pidof", "killall", "proc",
    ] {
        let text = ok(&[sub, "--help"]);
        assert!(text.contains("Examples:"), "{sub} --help:\n{text}");
        assert!(text.contains(&format!("psoxide {sub}")), "{sub} --help:\n{text}");
        // The subcommand's own description comes first (its arguments are built only
        // when it is used, and their struct's doc comment must not replace it), the
        // same line as in the list of `psoxide --help`.
        let listed = ok(&["--help"]);
        let line = listed
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(sub).filter(|r| r.starts_with(' ')))
            .unwrap_or_else(|| panic!("{sub} not in psoxide --help:\n{listed}"))
            .trim();
        assert_eq!(text.lines().next().unwrap_or(""), line, "{sub} --help:\n{text}");
    }
}
