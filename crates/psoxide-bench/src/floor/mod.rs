//! The floor: for every measured call, hand-written code that gives psutil's answer with
//! the fewest reads and syscalls, building the same owned result an API has to return.
//!
//! - [`raw`]: the syscall helpers both floors use (`openat` + `read` into a reused
//!   buffer + `close`, `getdents64` listings, byte parsers);
//! - [`system`]: the system-wide calls (`psoxide-bench system`);
//! - [`procs`]: process scans and current-process calls (`psoxide-bench procs`).

pub mod procs;
pub mod raw;
pub mod system;
