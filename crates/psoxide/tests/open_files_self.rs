//! `open_files()` of the calling process while a scan holds pidfds: the library
//! skips its own pidfds without reading their links, and the result is still every
//! regular file the process has open, as `/proc/self/fd` read by hand says.
//!
//! In its own binary: it compares two listings of this process's descriptors, which
//! other tests opening files at the same time would disturb.

mod common;

use common::kernel_has_pidfds;
use psoxide::{Attr, Host, Process};
use std::collections::BTreeSet;
use std::os::fd::AsRawFd;

/// (fd, path) of every regular file in `/proc/self/fd`, and how many pidfds.
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
        if target.is_absolute() && std::fs::metadata(&target).is_ok_and(|m| m.is_file()) {
            let fd: i32 = e.file_name().to_str().unwrap().parse().unwrap();
            files.insert((fd, target));
        }
    }
    (files, pidfds)
}

#[test]
fn own_open_files_with_held_pidfds() {
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
