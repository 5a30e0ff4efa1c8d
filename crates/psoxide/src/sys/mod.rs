//! The operating-system backend: the only code of the crate that opens files or makes
//! system calls. Everything above it (the area modules, `Process`, the parsers) is
//! platform-free apart from the kernel formats it interprets.
//!
//! Linux is the one backend; a macOS or BSD backend would be a sibling folder chosen
//! with `cfg(target_os)`, exporting the same names (`lib.rs` stops the build with one
//! `compile_error!` on any other target).

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub(crate) use linux::*;
