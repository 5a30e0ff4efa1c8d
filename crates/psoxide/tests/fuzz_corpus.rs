//! Replays the fuzz corpora on stable Rust, without cargo-fuzz or libFuzzer.
//!
//! Every file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` goes through
//! the same check function the libFuzzer target `<target>` runs (the checks live in
//! `fuzz/src/lib.rs`, included here as a module): the parsers must return `Ok` or
//! `Err` without panicking, and the invariants asserted there must hold. A panic is
//! reported with the target and the file that caused it.

#[path = "../../../fuzz/src/lib.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus and regression files of `target`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["fuzz/corpus", "fuzz/regressions"] {
        let Ok(rd) = std::fs::read_dir(repo().join(dir).join(target)) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str) {
    let check = checks::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("{target} is not in checks::TARGETS"))
        .1;
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "fuzz/corpus/{target}/ is empty or missing: the replay would check nothing"
    );
    let mut replayed = 0;
    for f in &files {
        let data = match std::fs::read(f) {
            Ok(d) => d,
            // A fuzzer running on the same corpus replaces files as it reduces them.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", f.display()),
        };
        replayed += 1;
        if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{target}: {} panicked: {msg}", f.display());
        }
    }
    assert!(
        replayed > 0,
        "{target}: every corpus file vanished while replaying"
    );
    println!("{target}: {replayed} inputs replayed");
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*

        /// Every target of `checks::TARGETS` has a test here and a corpus directory.
        #[test]
        fn every_target_is_replayed() {
            let here: &[&str] = &[$(stringify!($name)),*];
            for (name, _) in checks::TARGETS {
                assert!(here.contains(name), "{name} has no replay test");
                assert!(repo().join("fuzz/corpus").join(name).is_dir(), "{name} has no corpus");
            }
            assert_eq!(here.len(), checks::TARGETS.len());
        }
    };
}

replay_tests!(
    fuzz_proc_stat,
    fuzz_cpuinfo,
    fuzz_cpulist,
    fuzz_loadavg,
    fuzz_meminfo,
    fuzz_vmstat,
    fuzz_zoneinfo,
    fuzz_diskstats,
    fuzz_mounts,
    fuzz_netdev,
    fuzz_procnet,
    fuzz_sockdiag,
    fuzz_utmp,
    fuzz_pid_stat,
    fuzz_pid_status,
    fuzz_pid_files,
    fuzz_smaps,
    fuzz_num,
    fuzz_sys_tree,
    fuzz_proc_tree,
    fuzz_kstats,
    fuzz_userdb,
);

/// The checks accept well-formed inputs (a check that rejected real kernel output
/// would make every replay fail for the wrong reason).
#[test]
fn checks_accept_well_formed_inputs() {
    checks::fuzz_pid_stat(b"1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 9 100 200\n");
    checks::fuzz_pid_stat(b"7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 0 0 -3 -4 20 0 1 0 5 0 0\n");
    checks::fuzz_utmp(&[0u8; 384 * 2 + 5]);
    checks::fuzz_proc_stat(b"cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4\nctxt 007\nbtime 1700000000\n");
    checks::fuzz_cpulist(b"0-3,8,10-11\n");
    checks::fuzz_pid_files(b"a b  c ");
    checks::fuzz_pid_files(b"ls\0-l\0\0");
    // An empty input is the baseline tree (a valid process 42 and its child 43).
    checks::fuzz_proc_tree(b"");
    checks::fuzz_sys_tree(b"");
}
