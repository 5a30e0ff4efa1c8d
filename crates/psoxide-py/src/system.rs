//! The system functions of psutil (spec sections 2 and 3) as methods of [`Context`].
//!
//! The package's wrappers pass every argument positionally, already defaulted; the
//! methods validate what psutil validates and convert the core's values.

use crate::convert::{self, Obj};
use crate::cpu::{self, with_baselines, Baselines, Interval};
use crate::process::Handle;
use crate::Context;
use psoxide::{ConnectionKind, Host, Pid};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

impl Context {
    /// The two samples a CPU-percent function compares: blocking, two reads
    /// `interval` apart; otherwise this thread's previous sample (the new one again
    /// when there is none) and a new one. The second becomes the thread's baseline.
    fn sample<S: Clone + Send>(
        &self,
        py: Python<'_>,
        iv: Interval,
        read: fn(&Host) -> psoxide::Result<S>,
        slot: fn(&mut Baselines) -> &mut Option<S>,
    ) -> PyResult<(S, S)> {
        let id = self.id;
        match iv {
            Interval::Blocking(d) => {
                let t1 = self.run(py, read)?;
                cpu::sleep(py, d)?;
                let t2 = self.run(py, read)?;
                with_baselines(id, |b| *slot(b) = Some(t2.clone()));
                Ok((t1, t2))
            }
            Interval::NonBlocking => self.run(py, move |h| {
                let t2 = read(h)?;
                let prev = with_baselines(id, |b| slot(b).replace(t2.clone()));
                // A thread's first call has nothing to compare with: it compares the
                // sample with itself, giving 0.0 (spec 2.1).
                Ok((prev.unwrap_or_else(|| t2.clone()), t2))
            }),
        }
    }
}

/// A path argument as `os.statvfs` takes it: `str`, `bytes` or `os.PathLike`.
fn path_arg(obj: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let path = if let Ok(b) = obj.cast::<PyBytes>() {
        PathBuf::from(OsString::from_vec(b.as_bytes().to_vec()))
    } else {
        match obj.extract::<PathBuf>() {
            Ok(p) => p,
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "path should be string, bytes or os.PathLike, not {}",
                    obj.get_type().name()?
                )))
            }
        }
    };
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(PyValueError::new_err("embedded null byte"));
    }
    Ok(path)
}

#[pymethods]
impl Context {
    /// Makes the context; `types` maps the names of the package's named tuples, enums
    /// and exception classes to the classes.
    #[new]
    fn py_new(py: Python<'_>, types: &Bound<'_, PyDict>) -> PyResult<Self> {
        Context::create(py, types)
    }

    /// The procfs root in use (psutil's `PROCFS_PATH`).
    #[getter]
    fn procfs_path(&self) -> PathBuf {
        self.host().roots().procfs.clone()
    }

    /// Sets the procfs root (psutil's `PROCFS_PATH = path`).
    fn set_procfs_path(&self, path: &Bound<'_, PyAny>) -> PyResult<()> {
        self.replace_procfs(path_arg(path)?);
        Ok(())
    }

    // --- CPU ---------------------------------------------------------------

    /// `cpu_times(percpu)`.
    fn cpu_times<'py>(&self, py: Python<'py>, percpu: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let t = &self.t;
        if percpu.is_truthy()? {
            let v = self.run(py, |h| h.cpu_times_percpu())?;
            convert::list(py, &v, |c| convert::cputimes(py, t, c))
        } else {
            let c = self.run(py, |h| h.cpu_times())?;
            convert::cputimes(py, t, &c)
        }
    }

    /// `cpu_percent(interval, percpu)`.
    fn cpu_percent<'py>(
        &self,
        py: Python<'py>,
        interval: Option<&Bound<'py, PyAny>>,
        percpu: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let iv = cpu::interval(interval, false)?;
        if percpu.is_truthy()? {
            let (a, b) = self.sample(py, iv, |h| h.cpu_times_percpu(), |s| &mut s.percent_percpu)?;
            let v: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y.busy_percent_since(x)).collect();
            Ok(PyList::new(py, v)?.into_any())
        } else {
            let (a, b) = self.sample(py, iv, |h| h.cpu_times(), |s| &mut s.percent)?;
            Ok(b.busy_percent_since(&a).into_pyobject(py)?.into_any())
        }
    }

    /// `cpu_times_percent(interval, percpu)`.
    fn cpu_times_percent<'py>(
        &self,
        py: Python<'py>,
        interval: Option<&Bound<'py, PyAny>>,
        percpu: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let iv = cpu::interval(interval, true)?;
        let t = &self.t;
        if percpu.is_truthy()? {
            let (a, b) = self.sample(py, iv, |h| h.cpu_times_percpu(), |s| &mut s.times_percpu)?;
            let v: Vec<_> = a.iter().zip(&b).map(|(x, y)| y.percent_since(x)).collect();
            convert::list(py, &v, |c| convert::cputimes(py, t, c))
        } else {
            let (a, b) = self.sample(py, iv, |h| h.cpu_times(), |s| &mut s.times)?;
            convert::cputimes(py, t, &b.percent_since(&a))
        }
    }

    /// `cpu_count(logical)`.
    fn cpu_count(&self, py: Python<'_>, logical: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
        let logical = logical.is_truthy()?;
        let host = self.host();
        Ok(py.detach(|| {
            if logical {
                host.cpu_count()
            } else {
                host.cpu_count_physical()
            }
        }))
    }

    /// `cpu_stats()`.
    fn cpu_stats<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let s = self.run(py, |h| h.cpu_stats())?;
        convert::cpustats(py, &self.t, &s)
    }

    /// `cpu_freq(percpu)`.
    fn cpu_freq<'py>(&self, py: Python<'py>, percpu: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let t = &self.t;
        if percpu.is_truthy()? {
            let v = self.run(py, |h| h.cpu_freq_percpu())?;
            convert::list(py, &v, |f| convert::cpufreq(py, t, f))
        } else {
            match self.run(py, |h| h.cpu_freq())? {
                Some(f) => convert::cpufreq(py, t, &f),
                None => Ok(py.None().into_bound(py)),
            }
        }
    }

    /// `getloadavg()`: a plain tuple of three floats.
    fn getloadavg<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let [a, b, c] = self.run(py, |h| h.getloadavg())?;
        PyTuple::new(py, [a, b, c])
    }

    // --- memory ------------------------------------------------------------

    /// `virtual_memory()`.
    fn virtual_memory<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let m = self.run(py, |h| h.virtual_memory())?;
        convert::vmem(py, &self.t, &m)
    }

    /// `swap_memory()`.
    fn swap_memory<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let s = self.run(py, |h| h.swap_memory())?;
        convert::swap(py, &self.t, &s)
    }

    // --- disks -------------------------------------------------------------

    /// `disk_partitions(all)`.
    fn disk_partitions<'py>(&self, py: Python<'py>, all: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let all = all.is_truthy()?;
        let v = self.run(py, |h| h.disk_partitions(all))?;
        convert::list(py, &v, |p| convert::diskpart(py, &self.t, p))
    }

    /// `disk_usage(path)`.
    fn disk_usage<'py>(&self, py: Python<'py>, path: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let path = path_arg(path)?;
        let u = self.run(py, |h| h.disk_usage(&path))?;
        convert::diskusage(py, &self.t, &u)
    }

    /// `disk_usage(fd)` for an integer, which `os.statvfs` (psutil's source) takes as
    /// a file descriptor, with its errors: beyond a C int `OverflowError`, -1 (which
    /// Python passes on as "no descriptor") `EFAULT`, another negative `EBADF`; the
    /// `OSError`'s filename is the integer, as Python's.
    fn disk_usage_fd<'py>(&self, py: Python<'py>, fd: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let n = match fd.extract::<i32>() {
            Ok(n) => n,
            Err(_) if fd.lt(0)? => return Err(PyOverflowError::new_err("fd is less than minimum")),
            Err(_) => return Err(PyOverflowError::new_err("fd is greater than maximum")),
        };
        let os_error =
            |errno: i32| pyo3::exceptions::PyOSError::new_err((errno, crate::errors::strerror(errno), n));
        if n < 0 {
            return Err(os_error(if n == -1 { libc::EFAULT } else { libc::EBADF }));
        }
        // SAFETY: `n` is not negative; the descriptor is only queried by fstatvfs(2)
        // during this call, which answers EBADF for a number that is not open (the
        // caller's descriptor, as `os.statvfs(fd)` takes it).
        let bfd = unsafe { std::os::fd::BorrowedFd::borrow_raw(n) };
        let r = py.detach(|| psoxide::disk_usage_fd(bfd));
        match r {
            Ok(u) => convert::diskusage(py, &self.t, &u),
            Err(psoxide::Error::Io { source, .. }) => {
                Err(os_error(source.raw_os_error().unwrap_or(libc::EIO)))
            }
            Err(e) => Err(crate::errors::to_pyerr(py, &self.t, e)),
        }
    }

    /// `disk_io_counters(perdisk, nowrap)`: `None` / `{}` without disks.
    fn disk_io_counters<'py>(
        &self,
        py: Python<'py>,
        perdisk: &Bound<'py, PyAny>,
        nowrap: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let nowrap = nowrap.is_truthy()?;
        let t = &self.t;
        if perdisk.is_truthy()? {
            let m = self.run(py, |h| h.disk_io_counters_perdisk(nowrap))?;
            convert::dict(py, &m, |d| convert::diskio(py, t, d))
        } else {
            match self.run(py, |h| h.disk_io_counters(nowrap))? {
                Some(d) => convert::diskio(py, t, &d),
                None => Ok(py.None().into_bound(py)),
            }
        }
    }

    /// `disk_io_counters.cache_clear()`.
    fn disk_io_counters_cache_clear(&self) {
        self.host().disk_io_counters_cache_clear();
    }

    // --- network -----------------------------------------------------------

    /// `net_io_counters(pernic, nowrap)`: `None` / `{}` without interfaces.
    fn net_io_counters<'py>(
        &self,
        py: Python<'py>,
        pernic: &Bound<'py, PyAny>,
        nowrap: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let nowrap = nowrap.is_truthy()?;
        let t = &self.t;
        if pernic.is_truthy()? {
            let m = self.run(py, |h| h.net_io_counters_pernic(nowrap))?;
            convert::dict(py, &m, |n| convert::netio(py, t, n))
        } else {
            match self.run(py, |h| h.net_io_counters(nowrap))? {
                Some(n) => convert::netio(py, t, &n),
                None => Ok(py.None().into_bound(py)),
            }
        }
    }

    /// `net_io_counters.cache_clear()`.
    fn net_io_counters_cache_clear(&self) {
        self.host().net_io_counters_cache_clear();
    }

    /// `net_connections(kind)`.
    fn net_connections<'py>(&self, py: Python<'py>, kind: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let kind = connection_kind(kind)?;
        let v = self.run(py, |h| h.net_connections(kind))?;
        convert::list(py, &v, |c| convert::sconn(py, &self.t, c))
    }

    /// `net_if_addrs()` (always the live kernel: psutil does not apply `PROCFS_PATH`).
    fn net_if_addrs<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let m = self.run(py, |_| psoxide::net_if_addrs())?;
        let t = &self.t;
        convert::dict(py, &m, |v| convert::list(py, v, |a| convert::nicaddr(py, t, a)))
    }

    /// `net_if_stats()`.
    fn net_if_stats<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let m = self.run(py, |h| h.net_if_stats())?;
        convert::dict(py, &m, |s| convert::nicstats(py, &self.t, s))
    }

    // --- sensors -----------------------------------------------------------

    /// `sensors_temperatures(fahrenheit)`.
    fn sensors_temperatures<'py>(
        &self,
        py: Python<'py>,
        fahrenheit: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let f = fahrenheit.is_truthy()?;
        let m = self.run(py, |h| h.sensors_temperatures(f))?;
        let t = &self.t;
        convert::dict(py, &m, |v| convert::list(py, v, |s| convert::temp(py, t, s)))
    }

    /// `sensors_fans()`.
    fn sensors_fans<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let m = self.run(py, |h| h.sensors_fans())?;
        let t = &self.t;
        convert::dict(py, &m, |v| convert::list(py, v, |f| convert::fan(py, t, f)))
    }

    /// `sensors_battery()`: `None` without a battery.
    fn sensors_battery<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        match self.run(py, |h| h.sensors_battery())? {
            Some(b) => convert::battery(py, &self.t, &b),
            None => Ok(py.None().into_bound(py)),
        }
    }

    // --- other -------------------------------------------------------------

    /// `boot_time()`.
    fn boot_time(&self, py: Python<'_>) -> PyResult<f64> {
        self.run(py, |h| h.boot_time())
    }

    /// `users()`.
    fn users<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let v = self.run(py, |h| h.users())?;
        convert::list(py, &v, |u| convert::user(py, &self.t, u))
    }

    /// `heap_info()` (glibc).
    fn heap_info<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let h = self.run(py, |_| psoxide::heap_info())?;
        convert::heap(py, &self.t, &h)
    }

    /// `heap_trim()` (glibc).
    fn heap_trim(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |_| psoxide::heap_trim())
    }

    // --- process table -----------------------------------------------------

    /// `pids()`.
    fn pids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let v = self.run(py, |h| h.pids())?;
        PyList::new(py, v)
    }

    // --- processes -----------------------------------------------------------

    /// A handle for `pid` (`Process(pid)`; the package checks the range first).
    fn process(slf: &Bound<'_, Self>, pid: Pid) -> PyResult<Handle> {
        Context::new_handle(slf, pid)
    }

    /// `process_iter(attrs, ad_value)`: a list of `Process` objects; `wrap(handle)`
    /// makes the object of a process not yielded before.
    fn process_iter<'py>(
        slf: &Bound<'py, Self>,
        names: Option<Vec<String>>,
        ad_value: &Bound<'py, PyAny>,
        wrap: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        Context::iter_processes(slf, names, ad_value, wrap)
    }

    /// `process_iter.cache_clear()`: forgets the handles and objects kept between calls.
    fn process_iter_cache_clear(&self) {
        self.host().process_iter_cache_clear();
        // Dropped after the lock is released: dropping objects can run Python code.
        let old = std::mem::take(&mut *self.iter_cache.lock().unwrap_or_else(|e| e.into_inner()));
        drop(old);
    }

    /// `pid_exists(pid)`: `False` for a negative PID; a PID beyond `pid_t` is an
    /// `OverflowError` (psutil's `os.kill` raises it).
    fn pid_exists(&self, py: Python<'_>, pid: &Bound<'_, PyAny>) -> PyResult<bool> {
        let pid: i64 = match pid.extract() {
            Ok(p) => p,
            Err(e) if pid.is_instance_of::<pyo3::types::PyInt>() => {
                return Err(PyOverflowError::new_err(format!(
                    "Python int too large to convert to C long ({e})"
                )))
            }
            Err(e) => return Err(e),
        };
        if pid < 0 {
            return Ok(false);
        }
        let pid = u32::try_from(pid)
            .ok()
            .filter(|p| i32::try_from(*p).is_ok())
            .ok_or_else(|| PyOverflowError::new_err("signed integer is greater than maximum"))?;
        self.run(py, |h| h.pid_exists(pid))
    }
}

/// `kind` as psutil checks it: one of its names, else `ValueError` naming the repr.
pub(crate) fn connection_kind(kind: &Bound<'_, PyAny>) -> PyResult<ConnectionKind> {
    if let Ok(s) = kind.extract::<String>() {
        if let Ok(k) = s.parse::<ConnectionKind>() {
            return Ok(k);
        }
    }
    Err(PyValueError::new_err(format!(
        "invalid kind argument {}; valid ones are: ('all', 'tcp', 'tcp4', 'udp', 'udp4', \
         'inet', 'inet4', 'inet6', 'tcp6', 'udp6', 'unix')",
        kind.repr()?
    )))
}

/// psutil's `bytes2human(n)`. Integers that fit in 64 bits use the core's
/// [`psoxide::bytes2human`]; floats and larger integers the same rule in `f64`.
#[pyfunction]
pub(crate) fn bytes2human(n: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(i) = n.extract::<i64>() {
        return Ok(psoxide::bytes2human(i));
    }
    let x: f64 = n.extract()?;
    if x.is_nan() {
        return Ok("nanB".to_string());
    }
    const SYMBOLS: [char; 8] = ['K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    for (i, symbol) in SYMBOLS.iter().enumerate().rev() {
        let prefix = 2f64.powi(10 * (i as i32 + 1));
        if x.abs() >= prefix {
            return Ok(format!("{:.1}{symbol}", x / prefix));
        }
    }
    Ok(format!("{x:.1}B"))
}
