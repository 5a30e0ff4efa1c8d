//! glibc's `malloc` statistics and trimming (`mallinfo2` / `mallinfo`, `malloc_trim`).
//! libc: these are C library functions about the C library's own allocator; there is
//! no system call behind them and so no rustix API.

/// glibc's `struct mallinfo2` (glibc >= 2.33): the same fields as `mallinfo`, as `size_t`.
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

type MallInfo2Fn = unsafe extern "C" fn() -> MallInfo2;

/// The two `mallinfo` fields psutil reports, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MallocStats {
    /// `uordblks`: bytes in use in the arenas.
    pub(crate) uordblks: u64,
    /// `hblkhd`: bytes in chunks obtained straight from `mmap`.
    pub(crate) hblkhd: u64,
}

/// `mallinfo2()` when the running glibc has it (looked up once with `dlsym`, so the
/// binary still loads on glibc < 2.33), otherwise `mallinfo()`, whose `int` fields
/// wrap past 2 GiB: those are read as unsigned 32-bit values (exact below 4 GiB).
pub(crate) fn mallinfo() -> MallocStats {
    // The symbol's address does not change while the process runs: look it up once.
    static MALLINFO2: std::sync::OnceLock<Option<MallInfo2Fn>> = std::sync::OnceLock::new();
    let mallinfo2 = *MALLINFO2.get_or_init(|| {
        // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name is always safe to
        // call; a non-null result for "mallinfo2" is glibc's `mallinfo2`, which has
        // exactly the signature and return layout of `MallInfo2Fn`.
        unsafe {
            let sym = libc::dlsym(libc::RTLD_DEFAULT, c"mallinfo2".as_ptr());
            (!sym.is_null()).then(|| std::mem::transmute::<*mut libc::c_void, MallInfo2Fn>(sym))
        }
    });
    // SAFETY: `mallinfo2` and `mallinfo` take no arguments and only read the
    // allocator's state.
    unsafe {
        match mallinfo2 {
            Some(f) => {
                let m = f();
                MallocStats {
                    uordblks: m.uordblks as u64,
                    hblkhd: m.hblkhd as u64,
                }
            }
            None => {
                #[allow(deprecated)]
                let m = libc::mallinfo();
                MallocStats {
                    uordblks: u64::from(m.uordblks as u32),
                    hblkhd: u64::from(m.hblkhd as u32),
                }
            }
        }
    }
}

/// `malloc_trim(0)`; whether anything was released is not reported.
pub(crate) fn malloc_trim() {
    // SAFETY: malloc_trim only walks and trims the allocator's own arenas.
    unsafe { libc::malloc_trim(0) };
}
