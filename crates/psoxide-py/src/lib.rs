//! `psoxide._psoxide`: the native half of the Python package `psoxide`.
//!
//! The package (`python/psoxide/`) defines the public functions with psutil's names,
//! keyword arguments, defaults and type annotations, plus the named tuples, enums and
//! exception classes. Every function body is one call into a [`Context`], the object
//! made once when the package is imported: it owns a [`psoxide::Host`] (the core's
//! context: roots, nowrap counters, caches) and does all the work in Rust, with the
//! GIL released while it reads the kernel or sleeps.

mod convert;
mod cpu;
mod errors;
mod procconv;
mod process;
mod system;
mod types;

use psoxide::{Host, Roots};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use types::Types;

/// Numbers for contexts, so that per-thread CPU baselines of two contexts never mix.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The state psutil keeps in its module, for one import of the package: the core's
/// [`Host`] (replaced when `PROCFS_PATH` changes), the Python classes results are
/// built from, and an identity for this context's per-thread CPU baselines.
#[pyclass(frozen, module = "psoxide._psoxide")]
pub struct Context {
    host: RwLock<Host>,
    id: u64,
    t: Types,
    /// `process_iter`'s handles and objects, kept between calls.
    iter_cache: std::sync::Mutex<process::IterCache>,
}

impl Context {
    /// The current host (a cheap clone: hosts share their state).
    fn host(&self) -> Host {
        self.host.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs `f` on the host with the GIL released, then raises the core's warnings
    /// as `RuntimeWarning`s and maps its error to psutil's exception.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Host) -> psoxide::Result<T> + Send,
    ) -> PyResult<T> {
        let host = self.host();
        let (res, warnings) = py.detach(|| psoxide::capture_warnings(|| f(&host)));
        for w in warnings {
            let msg = CString::new(w.message.replace('\0', "?"))
                .unwrap_or_else(|_| CString::from(c"psoxide warning"));
            PyErr::warn(py, self.t.runtime_warning.bind(py), &msg, 1)?;
        }
        res.map_err(|e| errors::to_pyerr(py, &self.t, e))
    }
}

/// Turns psutil's debug output on or off: each thing the core ignores on the way to a
/// result (an unreadable sensor file, a vanished NIC, a recycled PID's handle
/// refreshed, ...) becomes a `psutil-debug [file:line]> message` line on standard
/// error (file descriptor 2, written directly, as psutil's C extension does: the core
/// may report from a thread that does not hold the GIL).
#[pyfunction]
fn set_debug(on: bool) {
    if on {
        psoxide::set_debug_handler(Some(Box::new(|m: &psoxide::DebugMessage| {
            use std::io::Write;
            let line = format!("psutil-debug [{}:{}]> {}\n", m.file, m.line, m.message);
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        })));
    } else {
        psoxide::set_debug_handler(None);
    }
}

#[pymodule(gil_used = false)]
fn _psoxide(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Context>()?;
    m.add_class::<process::Handle>()?;
    m.add_function(wrap_pyfunction!(system::bytes2human, m)?)?;
    m.add_function(wrap_pyfunction!(set_debug, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // heap_info()/heap_trim() exist with glibc only, as in psutil.
    m.add("HAS_HEAP", cfg!(target_env = "gnu"))?;
    Ok(())
}

impl Context {
    /// A context on the live machine's roots, with the CPU-percent baselines of the
    /// calling thread taken now (psutil samples at import time).
    fn create(py: Python<'_>, types: &Bound<'_, PyDict>) -> PyResult<Self> {
        let t = Types::load(py, types)?;
        let ctx = Context {
            host: RwLock::new(Host::new(Roots::default())),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            t,
            iter_cache: Default::default(),
        };
        let host = ctx.host();
        let id = ctx.id;
        py.detach(|| cpu::prime(id, &host));
        Ok(ctx)
    }

    /// psutil's `PROCFS_PATH = path`: a new host on the new procfs root, the other
    /// roots kept.
    fn replace_procfs(&self, path: PathBuf) {
        let mut guard = self.host.write().unwrap_or_else(|e| e.into_inner());
        let mut roots = guard.roots().clone();
        roots.procfs = path;
        *guard = Host::new(roots);
    }
}
