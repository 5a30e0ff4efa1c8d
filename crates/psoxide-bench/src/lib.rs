//! psoxide-bench: psoxide timed side by side, in one run, with a hand-written floor
//! (the fewest syscalls that give the same answer) and with other libraries.
//!
//! - [`system`]: every system-wide call against the floor and psutil (BENCHMARKS.md);
//! - [`procs`]: the process workloads W1-W3, `net_connections` and `pids` against the
//!   floor, psutil, sysinfo and procfs (docs/bench-processes.md);
//! - [`floor`]: the floor of both, on one set of raw read helpers.
//!
//! The binary `psoxide-bench` (src/main.rs) exposes both as subcommands.

pub mod common;
pub mod floor;
pub mod procs;
pub mod system;
