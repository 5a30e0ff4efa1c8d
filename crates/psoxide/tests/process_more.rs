//! Process getters against children with known properties, oneshot caching, the
//! prefetch store of process_iter, and the family tree.

use psoxide::{Attr, AttrValue, Error, MemType, Process, ProcessStatus};
use std::ffi::OsString;
use std::io::{Seek, SeekFrom, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Kills and reaps the child when dropped, also when a test fails half-way (a busy
/// child must never outlive its test).
struct Reaper(std::process::Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper() -> std::process::Child {
    Command::new("sleep")
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn reap(mut c: std::process::Child) {
    let _ = c.kill();
    let _ = c.wait();
}

#[test]
fn environ_and_cwd_of_a_child() {
    let dir = std::env::temp_dir();
    let child = Command::new("sleep")
        .arg("30")
        .current_dir(&dir)
        .env_clear()
        .env("PSOX_KEY", "value with spaces")
        .env("EMPTY", "")
        .spawn()
        .unwrap();
    let p = Process::new(child.id()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let env = p.environ().unwrap();
    assert_eq!(
        env.get(&OsString::from("PSOX_KEY")),
        Some(&OsString::from("value with spaces"))
    );
    assert_eq!(env.get(&OsString::from("EMPTY")), Some(&OsString::new()));
    assert_eq!(env.len(), 2, "{env:?}");
    assert_eq!(p.cwd().unwrap(), std::fs::canonicalize(&dir).unwrap());
    assert_eq!(p.exe().unwrap(), std::fs::canonicalize(which("sleep")).unwrap());
    reap(child);
}

fn which(cmd: &str) -> std::path::PathBuf {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .unwrap();
    std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn threads_of_this_process() {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let s = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !s.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    let p = Process::current().unwrap();
    let threads = p.threads().unwrap();
    let tasks: Vec<u32> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().parse().unwrap())
        .collect();
    // Threads come and go (the test harness runs others), but ours are all there.
    assert!(threads.len() >= 4, "{threads:?}");
    for t in &threads {
        assert!(t.user_time >= 0.0 && t.system_time >= 0.0);
    }
    let ids: Vec<u32> = threads.iter().map(|t| t.id).collect();
    let mut as_text: Vec<String> = ids.iter().map(u32::to_string).collect();
    let sorted = {
        let mut s = as_text.clone();
        s.sort();
        s
    };
    assert_eq!(as_text, sorted, "threads are sorted by TID as text, like psutil");
    as_text.clear();
    assert!(ids.contains(&p.pid()));
    assert!(tasks.iter().filter(|t| ids.contains(t)).count() >= 4);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn open_files_positions_and_modes() {
    let dir = std::env::temp_dir().join(format!("psx-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let r_path = dir.join("read me");
    std::fs::write(&r_path, vec![b'x'; 4096]).unwrap();
    let mut r = std::fs::File::open(&r_path).unwrap();
    r.seek(SeekFrom::Start(1234)).unwrap();
    let w_path = dir.join("write");
    let mut w = std::fs::File::create(&w_path).unwrap();
    w.write_all(b"hello").unwrap();
    let a_path = dir.join("append");
    let a = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&a_path)
        .unwrap();
    let rw_path = dir.join("rw");
    let rw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&rw_path)
        .unwrap();
    let p = Process::current().unwrap();
    let files = p.open_files().unwrap();
    let find = |path: &std::path::Path| {
        files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path:?} not in {files:?}"))
    };
    use std::os::fd::AsRawFd;
    let fr = find(&r_path);
    assert_eq!((fr.fd, fr.position, fr.mode.as_str()), (r.as_raw_fd(), 1234, "r"));
    let fw = find(&w_path);
    assert_eq!((fw.fd, fw.position, fw.mode.as_str()), (w.as_raw_fd(), 5, "w"));
    assert_eq!(fw.flags & libc::O_ACCMODE as u64, libc::O_WRONLY as u64);
    assert_eq!(find(&a_path).mode, "a");
    assert_eq!(find(&rw_path).mode, "r+");
    // Only regular files: no sockets, pipes or ttys.
    assert!(files.iter().all(|f| f.path.is_file()));
    drop((r, w, a, rw));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn memory_maps_and_footprint_of_this_process() {
    let p = Process::current().unwrap();
    let grouped = p.memory_maps(true).unwrap();
    let flat = p.memory_maps(false).unwrap();
    assert!(flat.len() >= grouped.len());
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    assert!(
        grouped.iter().any(|m| std::path::Path::new(&m.path) == exe),
        "{grouped:?}"
    );
    assert!(grouped.iter().any(|m| m.path == "[heap]" || m.path == "[anon]"));
    assert!(flat.iter().all(|m| m.perms.len() == 4 && m.addr.contains('-')));
    // Grouping keeps the totals: checked on a quiescent child whose maps do not move.
    let child = sleeper();
    std::thread::sleep(Duration::from_millis(50));
    let c = Process::new(child.id()).unwrap();
    let (g, f) = (c.memory_maps(true).unwrap(), c.memory_maps(false).unwrap());
    assert_eq!(
        g.iter().map(|m| m.size).sum::<u64>(),
        f.iter().map(|m| m.size).sum::<u64>()
    );
    assert_eq!(
        g.iter().map(|m| m.rss).sum::<u64>(),
        f.iter().map(|m| m.rss).sum::<u64>()
    );
    let mut paths: Vec<&str> = g.iter().map(|m| m.path.as_str()).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), g.len(), "one grouped entry per path");
    reap(child);
    let f = p.memory_footprint().unwrap();
    let rss = p.memory_info().unwrap().rss;
    assert!(
        f.uss > 0 && f.uss <= rss + (64 << 20),
        "uss {} rss {}",
        f.uss,
        rss
    );
    assert!(f.pss >= f.uss / 2);
    let pct = p.memory_percent(MemType::Rss).unwrap();
    let total = psoxide::virtual_memory().unwrap().total as f64;
    let now_rss = p.memory_info().unwrap().rss as f64;
    assert!((pct - now_rss / total * 100.0).abs() < 0.05, "{pct}");
    assert_eq!("bogus".parse::<MemType>().unwrap_err().to_string(),
        "invalid memtype 'bogus'; valid types are ('rss', 'vms', 'shared', 'text', 'data', 'peak_rss', 'peak_vms', 'rss_anon', 'rss_file', 'rss_shmem', 'swap', 'hugetlb', 'uss', 'pss')");
}

#[test]
fn status_read_in_part_by_as_dict_still_serves_every_field() {
    // as_dict without context switches parses `status` only up to `Threads`; a getter
    // that needs the end of the file in the same oneshot must still get it.
    let me = Process::current().unwrap();
    let whole = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |k: &str| -> u64 {
        whole
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.trim().parse().ok())
            .unwrap()
    };
    let before = field("voluntary_ctxt_switches:");
    me.oneshot(|p| {
        let d = p
            .as_dict(Some(&[Attr::NumThreads, Attr::MemoryInfo, Attr::Uids]))
            .unwrap();
        assert!(matches!(d.get(Attr::NumThreads), Some(AttrValue::NumThreads(n)) if *n >= 1));
        let c = p.num_ctx_switches().unwrap();
        assert!(c.voluntary >= before, "{} < {before}", c.voluntary);
        assert!(!p.cpu_affinity().unwrap().is_empty());
        // And both together, in either order.
        let d = p
            .as_dict(Some(&[Attr::NumCtxSwitches, Attr::NumThreads]))
            .unwrap();
        assert!(d.get(Attr::NumCtxSwitches).is_some());
    });
    let d = me
        .as_dict(Some(&[Attr::NumThreads, Attr::NumCtxSwitches, Attr::MemoryInfo]))
        .unwrap();
    match d.get(Attr::NumCtxSwitches) {
        Some(AttrValue::NumCtxSwitches(c)) => assert!(c.voluntary >= before),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oneshot_reads_each_source_once() {
    // A busy child: its CPU times move all the time, except inside oneshot.
    let child = Reaper(
        Command::new("sh")
            .arg("-c")
            .arg("while :; do :; done")
            .spawn()
            .unwrap(),
    );
    let p = Process::new(child.0.id()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    p.oneshot(|p| {
        let a = p.cpu_times().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let b = p.cpu_times().unwrap();
        assert_eq!(a, b, "stat is cached inside oneshot");
        // Nested oneshot shares the cache.
        p.oneshot(|p| assert_eq!(p.cpu_times().unwrap(), a));
        // A blocking cpu_percent inside oneshot sees one cached sample: 0.0 (psutil quirk).
        assert_eq!(p.cpu_percent(Some(Duration::from_millis(50))).unwrap(), 0.0);
    });
    let a = p.cpu_times().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let b = p.cpu_times().unwrap();
    assert!(
        b.user + b.system > a.user + a.system,
        "outside oneshot the values move"
    );
    // The busy loop uses up to one CPU; on a loaded machine it gets less, but an idle
    // process would show 0.
    let pct = p.cpu_percent(Some(Duration::from_millis(300))).unwrap();
    assert!(pct > 15.0, "{pct}");
    drop(child);
}

#[test]
fn process_iter_prefetch_is_served_after_the_process_died() {
    let child = sleeper();
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(50));
    let attrs = [Attr::Name, Attr::Cmdline, Attr::Ppid, Attr::MemoryInfo];
    let p = psoxide::process_iter(Some(&attrs))
        .unwrap()
        .filter_map(Result::ok)
        .find(|p| p.pid() == pid)
        .expect("child listed by process_iter");
    reap(child);
    // Stored values, no /proc read: they still answer.
    assert_eq!(p.name().unwrap(), "sleep");
    assert_eq!(
        p.cmdline().unwrap(),
        vec![OsString::from("sleep"), OsString::from("30")]
    );
    assert_eq!(p.ppid().unwrap(), std::process::id());
    // Not prefetched: read live, and the process is gone.
    assert!(matches!(
        p.num_threads().unwrap_err(),
        Error::NoSuchProcess { .. }
    ));
    let info = p.prefetched().unwrap();
    assert_eq!(
        info.values.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        attrs.to_vec()
    );
    assert!(matches!(info.get(Attr::Name), Some(AttrValue::Name(n)) if n == "sleep"));
}

#[test]
fn process_iter_keeps_handles_between_calls() {
    let me = std::process::id();
    let first = psoxide::process_iter(None)
        .unwrap()
        .filter_map(Result::ok)
        .find(|p| p.pid() == me)
        .unwrap();
    let second = psoxide::process_iter(None)
        .unwrap()
        .filter_map(Result::ok)
        .find(|p| p.pid() == me)
        .unwrap();
    assert!(Arc::ptr_eq(&first, &second), "the same handle is yielded again");
    // PIDs come in ascending order.
    let pids: Vec<u32> = psoxide::process_iter(None)
        .unwrap()
        .filter_map(Result::ok)
        .map(|p| p.pid())
        .collect();
    assert!(pids.windows(2).all(|w| w[0] < w[1]));
    assert!(pids.contains(&1));
}

#[test]
fn as_dict_all_attributes_of_this_process() {
    let p = Process::current().unwrap();
    let info = p.as_dict(None).unwrap();
    let keys: Vec<&str> = info.values.iter().map(|(a, _)| a.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "alphabetical like psutil 8.0");
    assert_eq!(keys.len(), 32);
    for (k, v) in &info.values {
        assert!(v.is_ok(), "{k}: {v:?}");
    }
    assert_eq!(
        psoxide::parse_attrs(&["name", "bogus"]).unwrap_err().to_string(),
        "invalid attr name 'bogus'"
    );
    assert_eq!(
        psoxide::parse_attrs(&["x", "y"]).unwrap_err().to_string(),
        "invalid attr names 'x', 'y'"
    );
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["pid"], std::process::id());
    let status = json["status"].as_str().unwrap();
    assert!(["running", "sleeping"].contains(&status), "{status}");
}

#[test]
fn parent_children_and_parents() {
    // sh -> sleep: the shell is our child, sleep its child.
    let mut sh = Command::new("sh")
        .arg("-c")
        .arg("sleep 30 & wait")
        .spawn()
        .unwrap();
    let me = Process::current().unwrap();
    let mut tries = 0;
    // Other tests spawn children too: wait until sh's own child shows up, and has
    // exec'd sleep (right after the fork it is still a copy of sh, named "sh"; under
    // load that window is long enough to be seen).
    let kids = loop {
        let all = me.children(true).unwrap();
        let has_grandchild = all
            .iter()
            .any(|c| c.ppid().ok() == Some(sh.id()) && c.name().ok().as_deref() == Some("sleep"));
        if has_grandchild || tries > 200 {
            break all;
        }
        tries += 1;
        std::thread::sleep(Duration::from_millis(20));
    };
    let direct = me.children(false).unwrap();
    assert!(direct.iter().any(|c| c.pid() == sh.id()));
    let shell = kids.iter().find(|c| c.pid() == sh.id()).unwrap();
    let grandchild = kids
        .iter()
        .find(|c| c.pid() != sh.id() && c.ppid().ok() == Some(sh.id()))
        .expect("sleep under sh");
    assert_eq!(grandchild.name().unwrap(), "sleep");
    assert_eq!(grandchild.parent().unwrap().unwrap().pid(), shell.pid());
    let chain: Vec<u32> = grandchild.parents().unwrap().iter().map(|p| p.pid()).collect();
    assert_eq!(&chain[..2], &[sh.id(), me.pid()]);
    assert_eq!(*chain.last().unwrap(), 1);
    assert!(Process::new(1).unwrap().parent().unwrap().is_none());
    sh.kill().unwrap();
    sh.wait().unwrap();
    let _ = grandchild.kill();
    // The shell is gone: as a handle it reports so.
    assert!(!shell.is_running());
    assert_eq!(
        shell.status().map_err(|e| e.exception_name()),
        Err("NoSuchProcess")
    );
    let _ = ProcessStatus::Running;
}

#[test]
fn num_fds_matches_the_fd_directory_listing() {
    let child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let p = Process::new(child.id()).unwrap();
    let listed = std::fs::read_dir(format!("/proc/{}/fd", child.id()))
        .unwrap()
        .count() as u64;
    assert_eq!(p.num_fds().unwrap(), listed);
    assert!(listed >= 3);
    reap(child);
}
