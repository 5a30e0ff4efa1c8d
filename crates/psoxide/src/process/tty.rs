//! Terminal device numbers -> paths (`/dev/tty*`, `/dev/pts/*`), built lazily and
//! rebuilt once on a miss (a new pseudo-terminal appears after the first build).

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn build(dev: &Path) -> HashMap<u64, PathBuf> {
    let mut m = HashMap::new();
    let mut add_dir = |dir: &Path, prefix: Option<&str>| {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let name = e.file_name();
                if let Some(p) = prefix {
                    if !name.to_string_lossy().starts_with(p) {
                        continue;
                    }
                }
                let path = e.path();
                if let Ok(md) = std::fs::metadata(&path) {
                    if md.rdev() != 0 {
                        m.entry(md.rdev()).or_insert(path);
                    }
                }
            }
        }
    };
    add_dir(dev, Some("tty"));
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
