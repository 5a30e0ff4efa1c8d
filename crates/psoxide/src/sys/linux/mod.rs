//! The Linux backend, on rustix (and libc only where rustix has no API; each such use
//! is listed in docs/decisions.md). All `unsafe` code of the library lives below this
//! folder, each block with a `SAFETY` comment.

pub(crate) mod errno;
pub(crate) mod fs;
#[cfg(target_env = "gnu")]
pub(crate) mod heap;
pub(crate) mod kept;
pub(crate) mod net;
pub(crate) mod process;
pub(crate) mod system;
