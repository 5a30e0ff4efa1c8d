//! C heap introspection: psutil's `heap_info()` and `heap_trim()` (spec 2.7), glibc only.
//!
//! Both report on or act on the **calling process's** glibc `malloc`. Rust's default
//! global allocator is the system `malloc`, so in a Rust program these cover ordinary
//! `Box`/`Vec`/`String` allocations too (unless another `#[global_allocator]` is set).

use crate::error::Result;

/// The C heap's usage: psutil's `pheap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HeapInfo {
    /// Bytes in use in the `malloc` arenas (glibc's `uordblks`): the small allocations
    /// below the mmap threshold.
    pub heap_used: u64,
    /// Bytes in use in chunks that `malloc` got straight from `mmap` (glibc's `hblkhd`):
    /// the large allocations.
    pub mmap_used: u64,
}

/// The C heap's statistics for this process: psutil's `heap_info()`.
///
/// Uses `mallinfo2()` when the running glibc has it (looked up once with `dlsym`, so
/// the binary still loads on glibc < 2.33), otherwise the older `mallinfo()`, whose `int`
/// fields wrap past 2 GiB. psoxide reads those as unsigned 32-bit values (exact below
/// 4 GiB); psutil sign-extends them, giving huge numbers between 2 and 4 GiB.
#[cfg(target_env = "gnu")]
pub fn heap_info() -> Result<HeapInfo> {
    let m = crate::sys::heap::mallinfo();
    Ok(HeapInfo {
        heap_used: m.uordblks,
        mmap_used: m.hblkhd,
    })
}

/// psutil's `heap_info()`: not available without glibc (psutil does not define it there).
#[cfg(not(target_env = "gnu"))]
pub fn heap_info() -> Result<HeapInfo> {
    Err(crate::error::Error::unsupported(
        "heap_info() needs glibc's mallinfo",
    ))
}

/// Asks `malloc` to give unused memory back to the system: psutil's `heap_trim()`.
///
/// First drops the read buffer psoxide keeps for reuse on the calling thread if a
/// big file made it grow (up to 1 MiB; the usual 16 KiB buffer and the 32 KiB one
/// for directory entries are kept), then calls glibc's `malloc_trim(0)`; whether anything was released is not
/// reported (psutil discards it too). It never fails on glibc.
#[cfg(target_env = "gnu")]
pub fn heap_trim() -> Result<()> {
    crate::sys::fs::release_thread_buffers();
    crate::sys::heap::malloc_trim();
    Ok(())
}

/// psutil's `heap_trim()`: not available without glibc.
#[cfg(not(target_env = "gnu"))]
pub fn heap_trim() -> Result<()> {
    Err(crate::error::Error::unsupported(
        "heap_trim() needs glibc's malloc_trim",
    ))
}
