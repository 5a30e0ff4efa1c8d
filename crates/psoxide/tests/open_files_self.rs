//! `open_files()` of the calling process while a scan holds pidfds: the library
//! skips its own pidfds without reading their links, and the result is still every
//! regular file the process has open, as `/proc/self/fd` read by hand says. The
//! system files psoxide keeps open (`/proc/stat`, `/proc/meminfo`, ...) are not
//! listed either, and a number of theirs that the program closed and reused is.
//!
//! In its own binary: it compares two listings of this process's descriptors, which
//! other tests opening files at the same time would disturb.

mod common;

use common::{in_forked_child, kernel_has_pidfds};
use psoxide::{Attr, Host, Process};
use std::collections::BTreeSet;
use std::os::fd::AsRawFd;

/// The tests of this binary compare listings of this process's descriptors: one at a
/// time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The system files psoxide keeps open on the live procfs.
const KEPT: [&str; 6] = [
    "/proc/stat",
    "/proc/meminfo",
    "/proc/vmstat",
    "/proc/diskstats",
    "/proc/cpuinfo",
    "/proc/filesystems",
];

/// The descriptors that `/proc/self/fd` shows on a kept system file.
fn kept_by_hand() -> Vec<(i32, std::path::PathBuf)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap() {
        let e = e.unwrap();
        if let Ok(target) = std::fs::read_link(e.path()) {
            if KEPT.iter().any(|k| target.as_os_str() == *k) {
                v.push((e.file_name().to_str().unwrap().parse().unwrap(), target));
            }
        }
    }
    v
}

/// (fd, path) of every regular file in `/proc/self/fd` but the kept system files,
/// and how many pidfds.
fn by_hand() -> (BTreeSet<(i32, std::path::PathBuf)>, usize) {
    let mut files = BTreeSet::new();
    let mut pidfds = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap() {
        let e = e.unwrap();
        let Ok(target) = std::fs::read_link(e.path()) else {
            continue;
        };
        if target.as_os_str() == "anon_inode:[pidfd]" {
            pidfds += 1;
        }
        if target.is_absolute()
            && std::fs::metadata(&target).is_ok_and(|m| m.is_file())
            && !KEPT.iter().any(|k| target.as_os_str() == *k)
        {
            let fd: i32 = e.file_name().to_str().unwrap().parse().unwrap();
            files.insert((fd, target));
        }
    }
    (files, pidfds)
}

#[test]
fn own_open_files_with_held_pidfds() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let host = Host::current();
    let held: Vec<std::sync::Arc<Process>> = host
        .process_iter(Some(&[Attr::Name]))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    let dir = std::env::temp_dir().join(format!("psx-own-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Files opened after the scan take numbers above (and between) the pidfds.
    let opened: Vec<std::fs::File> = (0..5)
        .map(|i| {
            let p = dir.join(format!("f{i}"));
            std::fs::write(&p, b"x").unwrap();
            std::fs::File::open(&p).unwrap()
        })
        .collect();
    let (expected, pidfds) = by_hand();
    if kernel_has_pidfds() {
        assert!(pidfds > 0, "the scan of {} processes holds no pidfd", held.len());
    }
    let got: BTreeSet<_> = Process::current()
        .unwrap()
        .open_files()
        .unwrap()
        .into_iter()
        .map(|f| (f.fd, f.path))
        .collect();
    assert_eq!(got, expected);
    for f in &opened {
        assert!(
            got.iter().any(|(fd, _)| *fd == f.as_raw_fd()),
            "fd {} missing",
            f.as_raw_fd()
        );
    }
    // Dropping the handles (and the host's cache of them) closes the pidfds; a new
    // file may take one of their numbers and must then be listed.
    drop(held);
    host.process_iter_cache_clear();
    assert_eq!(by_hand().1, 0);
    let reuse = std::fs::File::open(dir.join("f0")).unwrap();
    let got: BTreeSet<_> = Process::current()
        .unwrap()
        .open_files()
        .unwrap()
        .into_iter()
        .map(|f| (f.fd, f.path))
        .collect();
    assert!(got.contains(&(reuse.as_raw_fd(), dir.join("f0"))), "{got:?}");
    assert_eq!(got, by_hand().0);
    drop((opened, reuse));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kept_system_files_are_not_listed_and_a_reused_number_is() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Each of these reads a kept file on the live /proc.
    psoxide::cpu_times().unwrap();
    psoxide::virtual_memory().unwrap();
    psoxide::swap_memory().unwrap();
    let kept = kept_by_hand();
    assert!(kept.len() >= 3, "psoxide keeps no system file open: {kept:?}");
    let listed = |p: &Process| -> BTreeSet<(i32, std::path::PathBuf)> {
        p.open_files()
            .unwrap()
            .into_iter()
            .map(|f| (f.fd, f.path))
            .collect()
    };
    let me = Process::current().unwrap();
    let got = listed(&me);
    for k in &kept {
        assert!(!got.contains(k), "{k:?} listed in {got:?}");
    }
    // The program closes psoxide's /proc/stat behind its back and opens a file of its
    // own, which takes the lowest free number.
    let (fd, _) = kept
        .iter()
        .find(|(_, p)| p.as_os_str() == "/proc/stat")
        .unwrap()
        .clone();
    // SAFETY: the test takes the descriptor away from psoxide on purpose, as a careless
    // program would.
    drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    let dir = std::env::temp_dir().join(format!("psx-kept-reuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mine"), b"x").unwrap();
    let mine = std::fs::File::open(dir.join("mine")).unwrap();
    let got = listed(&me);
    assert!(got.contains(&(mine.as_raw_fd(), dir.join("mine"))), "{got:?}");
    assert_eq!(got, by_hand().0);
    // psoxide notices and opens /proc/stat again on another number, leaving the
    // program's file alone.
    let t = psoxide::cpu_times().unwrap();
    assert!(t.user > 0.0);
    let again = kept_by_hand();
    assert!(
        again
            .iter()
            .any(|(n, p)| p.as_os_str() == "/proc/stat" && *n != mine.as_raw_fd()),
        "{again:?}"
    );
    let mut s = String::new();
    std::io::Read::read_to_string(&mut &mine, &mut s).unwrap();
    assert_eq!(s, "x");
    assert_eq!(listed(&me), by_hand().0);
    drop(mine);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_kept_file_that_could_not_be_opened_is_opened_later() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // No other test of this binary reads /proc/filesystems.
    assert!(!kept_by_hand()
        .iter()
        .any(|(_, p)| p.as_os_str() == "/proc/filesystems"));
    // No descriptor can be opened: the first disk_partitions fails (EMFILE, naming
    // the file), and must not leave psoxide reading that file by path for good.
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    // The limit bounds descriptor numbers: set it to the lowest free one, so that no
    // number below it is free.
    // SAFETY: dup of standard input (or -1), closed right away.
    let lowest_free = unsafe {
        let fd = libc::dup(0);
        assert!(fd >= 0);
        libc::close(fd);
        fd as u64
    };
    let tight = libc::rlimit {
        rlim_cur: lowest_free,
        rlim_max: old.rlim_max,
    };
    // SAFETY: valid pointer; the limit is restored below.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &tight) }, 0);
    let r = psoxide::disk_partitions(false);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);
    let e = r.expect_err("disk_partitions with no descriptor left");
    assert!(e.to_string().contains("/proc/filesystems"), "{e}");
    assert!(!psoxide::disk_partitions(false).unwrap().is_empty());
    assert!(
        kept_by_hand()
            .iter()
            .any(|(_, p)| p.as_os_str() == "/proc/filesystems"),
        "{:?}",
        kept_by_hand()
    );
}

/// After `fork`, the child does not share the parent's kept descriptors (whose read
/// positions are shared): its first read opens the file anew, and the parent's
/// descriptor stays open and usable.
#[test]
fn a_forked_child_opens_the_kept_files_anew() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    psoxide::cpu_times().unwrap();
    let kept = |list: Vec<(i32, std::path::PathBuf)>| {
        list.into_iter()
            .find(|(_, p)| p.as_os_str() == "/proc/stat")
            .map(|(n, _)| n)
            .expect("/proc/stat kept")
    };
    let parent_fd = kept(kept_by_hand());
    let parent = std::process::id() as libc::c_long;
    let code = in_forked_child(|| {
        let me = std::process::id() as libc::c_long;
        // kcmp(KCMP_FILE): 0 when both descriptors are the same open file.
        // SAFETY: kcmp with plain integer arguments.
        let same = |child_fd: i32| unsafe {
            libc::syscall(
                libc::SYS_kcmp,
                parent,
                me,
                0,
                parent_fd as libc::c_long,
                child_fd as libc::c_long,
            )
        };
        let before = same(parent_fd);
        let ok = psoxide::cpu_times().is_ok();
        let after = kept_by_hand()
            .into_iter()
            .find(|(_, p)| p.as_os_str() == "/proc/stat")
            .map_or(-9, |(n, _)| same(n));
        // before: 0 (inherited), after: not 0 (its own), the read worked.
        match (before, ok, after) {
            (0, true, a) if a != 0 && a != -9 => 0,
            (b, _, _) if b != 0 => 1,
            (_, false, _) => 2,
            _ => 3,
        }
    });
    let what = [
        "a new descriptor",
        "kcmp could not compare (no kcmp?)",
        "cpu_times failed",
        "the inherited descriptor still in use",
    ];
    assert_eq!(
        code,
        0,
        "in the child: {}",
        what.get(code as usize).unwrap_or(&"nothing")
    );
    // The parent's descriptor is untouched and still serves.
    assert!(psoxide::cpu_times().unwrap().user > 0.0);
    assert_eq!(kept(kept_by_hand()), parent_fd);
}

/// Where a seccomp policy refuses `pread`, the kept file is not used: the call reads
/// the file by path, as it would without kept files (checked in a forked child that
/// installs such a filter).
#[test]
fn without_pread_the_file_is_read_by_path() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The parent keeps meminfo; the child inherits it and must open its own.
    psoxide::virtual_memory().unwrap();
    // A classic-BPF seccomp filter: pread64 fails with EPERM, everything else runs.
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    let filter = [
        libc::sock_filter {
            code: LD_W_ABS,
            jt: 0,
            jf: 0,
            k: 0,
        }, // seccomp_data.nr
        libc::sock_filter {
            code: JEQ_K,
            jt: 0,
            jf: 1,
            k: libc::SYS_pread64 as u32,
        },
        libc::sock_filter {
            code: RET_K,
            jt: 0,
            jf: 0,
            k: 0x0005_0000 | libc::EPERM as u32,
        },
        libc::sock_filter {
            code: RET_K,
            jt: 0,
            jf: 0,
            k: 0x7fff_0000,
        },
    ];
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr().cast_mut(),
    };
    let code = in_forked_child(|| {
        // SAFETY: prctl with valid arguments; `prog` outlives the call.
        let installed = unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                && libc::prctl(libc::PR_SET_SECCOMP, 2, &prog as *const libc::sock_fprog) == 0
        };
        let mut one = [0u8; 1];
        // SAFETY: a valid buffer; standard input may be anything (the filter answers
        // first).
        let refused = unsafe { libc::pread(0, one.as_mut_ptr().cast(), 1, 0) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        match (installed, refused, psoxide::virtual_memory()) {
            (false, _, _) | (_, false, _) => 1,
            (true, true, Ok(m)) if m.total > 0 => 0,
            _ => 2,
        }
    });
    if code == 1 {
        assert!(
            std::env::var_os("CI").is_none(),
            "no seccomp filter could be installed: CI runs every check"
        );
        println!("skip: this kernel does not let the test install a seccomp filter");
        return;
    }
    let what = [
        "read by path",
        "the seccomp filter could not be installed",
        "virtual_memory failed",
    ];
    assert_eq!(
        code,
        0,
        "in the child: {}",
        what.get(code as usize).unwrap_or(&"nothing")
    );
}
