//! psoxide-procbench: process-scan benchmark of psoxide against psutil, sysinfo,
//! procfs and a hand-written `/proc` floor. See `docs/bench-processes.md`.

pub mod check;
pub mod driver;
pub mod floor;
pub mod pf;
pub mod px;
pub mod rows;
pub mod runner;
pub mod si;
pub mod spawn;
