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

/// glibc's `struct mallinfo2` (glibc >= 2.33): the same fields as `mallinfo`, as `size_t`.
#[cfg(target_env = "gnu")]
#[repr(C)]
#[derive(Clone, Copy)]
struct MallInfo2 {
    arena: libc::size_t,
    ordblks: libc::size_t,
    smblks: libc::size_t,
    hblks: libc::size_t,
    hblkhd: libc::size_t,
    usmblks: libc::size_t,
    fsmblks: libc::size_t,
    uordblks: libc::size_t,
    fordblks: libc::size_t,
    keepcost: libc::size_t,
}

/// The C heap's statistics for this process: psutil's `heap_info()`.
///
/// Uses `mallinfo2()` when the running glibc has it (looked up once with `dlsym`, so
/// the binary still loads on glibc < 2.33), otherwise the older `mallinfo()`, whose `int`
/// fields wrap past 2 GiB. psoxide reads those as unsigned 32-bit values (exact below
/// 4 GiB); psutil sign-extends them, giving huge numbers between 2 and 4 GiB.
#[cfg(target_env = "gnu")]
pub fn heap_info() -> Result<HeapInfo> {
    type MallInfo2Fn = unsafe extern "C" fn() -> MallInfo2;
    // The symbol's address does not change while the process runs: look it up once.
    static MALLINFO2: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name is always safe to call.
    let sym = *MALLINFO2
        .get_or_init(|| unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"mallinfo2".as_ptr()) } as usize)
        as *mut libc::c_void;
    if !sym.is_null() {
        // SAFETY: glibc's `mallinfo2` has exactly this signature and return layout.
        let f: MallInfo2Fn = unsafe { std::mem::transmute::<*mut libc::c_void, MallInfo2Fn>(sym) };
        // SAFETY: mallinfo2 takes no arguments and only reads allocator state.
        let m = unsafe { f() };
        return Ok(HeapInfo {
            heap_used: m.uordblks as u64,
            mmap_used: m.hblkhd as u64,
        });
    }
    #[allow(deprecated)]
    // SAFETY: mallinfo takes no arguments and only reads allocator state.
    let m = unsafe { libc::mallinfo() };
    Ok(HeapInfo {
        heap_used: u64::from(m.uordblks as u32),
        mmap_used: u64::from(m.hblkhd as u32),
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
/// Calls glibc's `malloc_trim(0)`; whether anything was released is not reported
/// (psutil discards it too). It never fails on glibc.
#[cfg(target_env = "gnu")]
pub fn heap_trim() -> Result<()> {
    // SAFETY: malloc_trim only walks and trims the allocator's own arenas.
    unsafe { libc::malloc_trim(0) };
    Ok(())
}

/// psutil's `heap_trim()`: not available without glibc.
#[cfg(not(target_env = "gnu"))]
pub fn heap_trim() -> Result<()> {
    Err(crate::error::Error::unsupported(
        "heap_trim() needs glibc's malloc_trim",
    ))
}
