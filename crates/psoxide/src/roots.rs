//! Where the library looks for kernel data.
//!
//! psutil reads `/proc` through the writable `psutil.PROCFS_PATH`; gopsutil has
//! `HOST_PROC`. psoxide generalises that: a [`Roots`] value names the procfs root, the
//! sysfs root, `/dev`, `/etc` and the utmp file. A [`Host`](crate::Host) built on a
//! `Roots` reads from there (how the tests point the library at captured fixture
//! trees). The free functions use the process-wide host, whose roots [`roots()`]
//! returns and [`set_roots`] and [`set_procfs_path`] change (psutil's
//! `PROCFS_PATH = ...`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The directories (and the utmp file) that kernel and system data are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roots {
    /// The procfs mount, `/proc` by default (psutil's `PROCFS_PATH`).
    pub procfs: PathBuf,
    /// The sysfs mount, `/sys` by default.
    pub sysfs: PathBuf,
    /// The device directory, `/dev` by default (device-node existence checks, tty names).
    pub dev: PathBuf,
    /// The configuration directory, `/etc` by default (`/etc/mtab`, `/etc/passwd`).
    pub etc: PathBuf,
    /// The utmp database, `/var/run/utmp` by default (logged-in users).
    pub utmp: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Roots {
            procfs: PathBuf::from("/proc"),
            sysfs: PathBuf::from("/sys"),
            dev: PathBuf::from("/dev"),
            etc: PathBuf::from("/etc"),
            utmp: PathBuf::from("/var/run/utmp"),
        }
    }
}

impl Roots {
    /// The live machine's roots: `/proc`, `/sys`, `/dev`, `/etc`, `/var/run/utmp`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Roots below one directory, as in a captured fixture tree: `DIR/proc`, `DIR/sys`,
    /// `DIR/dev`, `DIR/etc` and `DIR/var/run/utmp`.
    pub fn under(dir: impl AsRef<Path>) -> Self {
        let d = dir.as_ref();
        Roots {
            procfs: d.join("proc"),
            sysfs: d.join("sys"),
            dev: d.join("dev"),
            etc: d.join("etc"),
            utmp: d.join("var/run/utmp"),
        }
    }

    /// The roots of the captured tree `tests/fixtures/NAME` (for unit tests).
    #[cfg(test)]
    pub(crate) fn fixture(name: &str) -> Self {
        Roots::under(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
    }

    /// True when `procfs` is the literal `/proc` (psutil reads `/etc/mtab` only then).
    pub fn is_default_procfs(&self) -> bool {
        self.procfs == Path::new("/proc")
    }

    /// `procfs` joined with `rel`.
    pub fn proc(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.procfs.join(rel)
    }

    /// `sysfs` joined with `rel`.
    pub fn sys(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.sysfs.join(rel)
    }
}

/// The roots of the process-wide host ([`Host::current`](crate::Host::current)), used
/// by every free function.
pub fn roots() -> Arc<Roots> {
    crate::Host::current().roots_arc()
}

/// Replaces the process-wide host with a new one reading from `r` (its caches,
/// CPU-percent baselines and `process_iter` handles start empty).
pub fn set_roots(r: Roots) {
    crate::context::replace_current(r);
}

/// The process-wide procfs root (psutil's `PROCFS_PATH`).
pub fn procfs_path() -> PathBuf {
    roots().procfs.clone()
}

/// Changes only the process-wide procfs root (psutil's `PROCFS_PATH = path`): a new
/// process-wide host with the other roots kept.
pub fn set_procfs_path(path: impl Into<PathBuf>) {
    let mut r = (*roots()).clone();
    r.procfs = path.into();
    set_roots(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_roots_is_seen_by_this_and_other_threads() {
        // Use a private copy of the mechanism's observable behaviour: after set_roots,
        // roots() returns the new value everywhere; restore the default afterwards.
        let before = roots();
        let mut r = (*before).clone();
        r.utmp = PathBuf::from("/nonexistent/psoxide-utmp");
        set_roots(r.clone());
        assert_eq!(*roots(), r);
        let seen = std::thread::spawn(|| (*roots()).clone()).join().unwrap();
        assert_eq!(seen, r);
        set_roots((*before).clone());
        assert_eq!(*roots(), *before);
    }
}
