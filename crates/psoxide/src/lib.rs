//! # psoxide: psutil, oxidized
//!
//! Process and system information for Rust, with the semantics, field order and units
//! of Python's psutil 8.0 on Linux.
//!
//! Every psutil system function exists under its psutil name, both flat at the crate
//! root (`psoxide::virtual_memory()`) and in its area module
//! (`psoxide::memory::virtual_memory()`). A psutil flag that changes the return type
//! becomes a second function (`cpu_times()` / `cpu_times_percpu()`,
//! `disk_io_counters()` / `disk_io_counters_perdisk()`). Each is also a method of
//! [`Host`], the context that owns what psutil keeps per module (CPU-percent
//! baselines, wrap-around counters, `process_iter`'s handles) and the [`Roots`] it
//! reads from (psutil's `PROCFS_PATH`, generalised to sysfs, `/dev`, `/etc` and utmp);
//! the free functions use [`Host::current`].
//!
//! Named tuples become structs whose fields carry psutil's names in psutil's order;
//! psutil dicts become [`IndexMap`]s (insertion order kept). Units are documented on
//! every field. Nothing here panics on kernel data, and no error is turned into a zero:
//! see [`Error`].
//!
//! ```no_run
//! let m = psoxide::virtual_memory()?;
//! println!("{} of {} bytes used ({}%)", m.used, m.total, m.percent);
//! # Ok::<(), psoxide::Error>(())
//! ```

#![warn(missing_docs)]

// psoxide has one backend, Linux's (/proc, /sys and Linux system calls). Elsewhere the
// build stops with this one error instead of a cascade from the modules below.
// `--cfg psoxide_unsupported` simulates such a target on Linux (see
// scripts/check-unsupported.sh).
#[cfg(any(not(target_os = "linux"), psoxide_unsupported))]
compile_error!(
    "psoxide supports Linux only: this target has no backend (see docs/conventions.md, \
     'Adding an OS backend')"
);

/// The items of the crate, compiled on Linux only.
macro_rules! linux_only {
    ($($item:item)*) => {
        $(
            #[cfg(all(target_os = "linux", not(psoxide_unsupported)))]
            $item
        )*
    };
}

linux_only! {
    pub mod connections;
    pub mod constants;
    mod context;
    pub mod cpu;
    pub mod disk;
    mod error;
    pub mod heap;
    pub mod host;
    pub mod kstats;
    /// The kernel-format parsers, public for the fuzz targets and benches only: not part
    /// of the API (no stability promise).
    #[doc(hidden)]
    pub mod linux;
    pub mod memory;
    pub mod net;
    mod nowrap;
    pub mod process;
    pub mod roots;
    pub mod sensors;
    mod sys;
    pub mod users;
    pub mod util;
    mod warning;
    mod debug;

    pub use connections::*;
    pub use constants::*;
    pub use context::{set_kernel_api, Host, KernelApi};
    pub use cpu::*;
    pub use disk::*;
    pub use error::{Error, ParseKind, Pid, Result};
    pub use heap::*;
    pub use host::*;
    pub use kstats::*;
    pub use indexmap::IndexMap;
    pub use memory::*;
    pub use net::*;
    pub use process::*;
    pub use roots::{procfs_path, roots, set_procfs_path, set_roots, Roots};
    pub use sensors::*;
    pub use users::*;
    pub use util::*;
    pub use warning::{capture_warnings, set_warning_handler, Warning};
    pub use debug::{debug_enabled, set_debug_handler, DebugHandler, DebugMessage};
}
