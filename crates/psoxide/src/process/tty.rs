//! Terminal device numbers -> paths (`/dev/tty*`, `/dev/pts/*`), built lazily and
//! rebuilt once on a miss (a new pseudo-terminal appears after the first build).

use crate::sys::fs::{for_each_entry, stat};
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn build(dev: &Path) -> HashMap<u64, PathBuf> {
    let mut m = HashMap::new();
    let mut add_dir = |dir: &Path, prefix: Option<&[u8]>| {
        // A directory that cannot be listed adds nothing (psutil globs).
        let _ = for_each_entry(dir, |name| {
            if prefix.is_some_and(|p| !name.starts_with(p)) {
                return;
            }
            let path = dir.join(std::ffi::OsStr::from_bytes(name));
            if let Ok(st) = stat(&path) {
                if st.st_rdev != 0 {
                    m.entry(st.st_rdev).or_insert(path);
                }
            }
        });
    };
    add_dir(dev, Some(b"tty"));
    add_dir(&dev.join("pts"), None);
    m
}

/// The path of the terminal whose device number is `rdev` (as in field 7 of
/// `/proc/PID/stat`), looked up under `dev` in `map` (the host's, built on first
/// use and rebuilt once on a miss).
pub(crate) fn terminal_path(
    map: &Mutex<Option<HashMap<u64, PathBuf>>>,
    dev: &Path,
    rdev: u64,
) -> Option<PathBuf> {
    let mut g = crate::context::lock(map);
    for attempt in 0..2 {
        if g.is_none() || attempt == 1 {
            *g = Some(build(dev));
        }
        if let Some(m) = g.as_ref() {
            if let Some(p) = m.get(&rdev) {
                return Some(p.clone());
            }
        }
    }
    None
}
