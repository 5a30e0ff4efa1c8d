//! `psoxide.Process`'s native half: [`Handle`], one `psoxide::Process` of the
//! context's host, and `process_iter` with its handle cache.
//!
//! The Python class `psoxide.Process` (in `python/psoxide/_process.py`) holds a
//! `Handle` in `_h` and gives every method psutil's signature, validation of the
//! arguments psutil checks in Python, and its docstring; each body calls one method
//! here. The work (reading `/proc`, system calls, waiting) runs with the GIL released.

use crate::convert::Obj;
use crate::procconv;
use crate::Context;
use psoxide::{
    Attr, AttrValue, ConnectionKind, Error, IoPriorityClass, MemType, Pid, Process, Rlimit, RlimitValue,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::collections::HashMap;
use std::ffi::CString;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One process of a context's host (the core's handle, shared with the host's
/// `process_iter` table), plus the `ad_value` of its last `process_iter(attrs)`.
#[pyclass(frozen, module = "psoxide._psoxide")]
pub struct Handle {
    p: Arc<Process>,
    ctx: Py<Context>,
    /// What a getter whose prefetched result was `AccessDenied`/`ZombieProcess`
    /// returns instead of raising (psutil 8.0's `ad_value`).
    ad_value: Mutex<Option<Py<PyAny>>>,
    /// The name `name()` (or `as_dict`, or the repr) last returned: psutil puts
    /// that, not the core's last-seen name, in the exceptions of this object.
    last_name: Mutex<Option<String>>,
}

/// The `process_iter` cache: for each PID, the handle and the `psoxide.Process`
/// object last yielded for it.
pub(crate) type IterCache = HashMap<Pid, (Py<Handle>, Py<PyAny>)>;

impl Handle {
    fn new(p: Arc<Process>, ctx: Py<Context>) -> Handle {
        Handle {
            p,
            ctx,
            ad_value: Mutex::new(None),
            last_name: Mutex::new(None),
        }
    }

    /// Records the name a call returned.
    fn saw_name(&self, name: &str) {
        *self.last_name.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_string());
    }

    /// The name psutil's exceptions show for this object: the last one returned, or
    /// the one `process_iter(["name", ...])` stored (its prefetch is an `as_dict`).
    fn shown_name(&self) -> Option<String> {
        let known = self.last_name.lock().unwrap_or_else(|e| e.into_inner()).clone();
        known.or_else(|| match self.p.prefetched_result(Attr::Name)? {
            Ok(AttrValue::Name(n)) => Some(n),
            _ => None,
        })
    }

    /// Runs `f` on the process with the GIL released, raises the core's warnings and
    /// maps its error to psutil's exception.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Process) -> psoxide::Result<T> + Send,
    ) -> PyResult<T> {
        let p = Arc::clone(&self.p);
        let (res, warnings) = py.detach(|| psoxide::capture_warnings(|| f(&p)));
        let ctx = self.ctx.get();
        for w in warnings {
            let msg = CString::new(w.message.replace('\0', "?"))
                .unwrap_or_else(|_| CString::from(c"psoxide warning"));
            PyErr::warn(py, ctx.t.runtime_warning.bind(py), &msg, 1)?;
        }
        res.map_err(|e| self.err(py, e))
    }

    fn err(&self, py: Python<'_>, mut e: Error) -> PyErr {
        match &mut e {
            Error::NoSuchProcess { name, .. }
            | Error::ZombieProcess { name, .. }
            | Error::AccessDenied { name, .. }
            | Error::TimeoutExpired { name, .. } => *name = self.shown_name(),
            _ => {}
        }
        crate::errors::to_pyerr(py, &self.ctx.get().t, e)
    }

    fn wrap(&self, py: Python<'_>, p: Process) -> PyResult<Py<Handle>> {
        Py::new(py, Handle::new(Arc::new(p), self.ctx.clone_ref(py)))
    }

    /// psutil 8.0's derived `ad_value`: a method computed from another attribute
    /// (`memory_info_ex()` and `memory_percent()` from `memory_info`, `username()`
    /// from `uids`) returns the stored `ad_value` when `process_iter(attrs)` stored
    /// that attribute as an error and did not store the method's own value.
    fn derived_ad_value(&self, py: Python<'_>, a: Attr) -> Option<Py<PyAny>> {
        let source = match a {
            Attr::MemoryInfoEx | Attr::MemoryPercent => Attr::MemoryInfo,
            Attr::Username => Attr::Uids,
            _ => return None,
        };
        if self.p.prefetched_result(a).is_some() {
            return None;
        }
        self.prefetched_error(py, source)
    }

    /// The prefetched result of `a` was an error: the stored `ad_value`.
    fn prefetched_error(&self, py: Python<'_>, a: Attr) -> Option<Py<PyAny>> {
        if !matches!(self.p.prefetched_result(a), Some(Err(_))) {
            return None;
        }
        let ad = self.ad_value.lock().unwrap_or_else(|e| e.into_inner());
        Some(ad.as_ref().map_or_else(|| py.None(), |v| v.clone_ref(py)))
    }
}

/// Whether `v` is the empty environment of a kernel thread. The core returns `{}`
/// there (documented as its choice); psutil raises `NoSuchProcess`, because the
/// kernel answers ESRCH (quirk 10.17), and the drop-in keeps psutil's behaviour:
/// `environ()` and `as_dict()` raise, `process_iter(["environ"])` skips the thread.
fn kthread_environ(p: &Process, v: &AttrValue) -> bool {
    matches!(v, AttrValue::Environ(m) if m.is_empty()) && matches!(p.is_kernel_thread(), Ok(true))
}

/// psutil's error for the environment of a kernel thread.
fn kthread_error(p: &Process) -> Error {
    Error::no_such_process(p.pid(), p.name().ok())
}

/// Attribute names to [`Attr`]s, with psutil's `ValueError` for unknown ones.
fn attrs_of(names: &[String]) -> psoxide::Result<Vec<Attr>> {
    psoxide::parse_attrs(names)
}

#[pymethods]
impl Handle {
    /// The process ID.
    #[getter]
    fn pid(&self) -> Pid {
        self.p.pid()
    }

    /// The no-argument getter `name` (one of `Process.attrs`): the prefetched value
    /// when `process_iter(attrs)` stored one (`ad_value` for a stored
    /// `AccessDenied`/`ZombieProcess`), else read now.
    fn get<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Obj<'py>> {
        let a = Attr::from_str(name).map_err(|e| self.err(py, e))?;
        if let Some(v) = self.derived_ad_value(py, a) {
            return Ok(v.into_bound(py));
        }
        let res = self.run(py, |p| {
            let mut info = p.as_dict(Some(&[a]))?;
            match info.values.pop() {
                Some((_, Ok(v))) if kthread_environ(p, &v) => Err(kthread_error(p)),
                Some((_, r)) => r,
                None => Err(Error::invalid(format!("no value for {name}"))),
            }
        });
        match res {
            Ok(v) => {
                if let AttrValue::Name(n) = &v {
                    self.saw_name(n);
                }
                procconv::value(py, &self.ctx.get().t, &v)
            }
            Err(e) => {
                let ad = e.is_instance(py, self.ctx.get().t.c.AccessDenied.bind(py))
                    || e.is_instance(py, self.ctx.get().t.c.ZombieProcess.bind(py));
                match ad.then(|| self.prefetched_error(py, a)).flatten() {
                    Some(v) => Ok(v.into_bound(py)),
                    None => Err(e),
                }
            }
        }
    }

    /// `as_dict(names)`: `None` for every attribute (alphabetical); `AccessDenied`
    /// and `ZombieProcess` give `ad_value`.
    fn as_dict<'py>(
        &self,
        py: Python<'py>,
        names: Option<Vec<String>>,
        ad_value: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let attrs = match &names {
            Some(n) => Some(attrs_of(n).map_err(|e| self.err(py, e))?),
            None => None,
        };
        let info = self.run(py, |p| {
            let info = p.as_dict(attrs.as_deref())?;
            if info.get(Attr::Environ).is_some_and(|v| kthread_environ(p, v)) {
                return Err(kthread_error(p));
            }
            Ok(info)
        })?;
        if let Some(AttrValue::Name(n)) = info.get(Attr::Name) {
            self.saw_name(n);
        }
        let t = &self.ctx.get().t;
        let d = PyDict::new(py);
        for (a, r) in &info.values {
            match r {
                Ok(v) => d.set_item(a.as_str(), procconv::value(py, t, v)?)?,
                Err(_) => d.set_item(a.as_str(), ad_value)?,
            }
        }
        Ok(d.into_any())
    }

    /// A copy of the prefetch store as a dict (`{}` when there is none).
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        let d = PyDict::new(py);
        if let Some(info) = self.p.prefetched() {
            let t = &self.ctx.get().t;
            let ad = self
                .ad_value
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .map_or_else(|| py.None(), |v| v.clone_ref(py));
            for (a, r) in &info.values {
                match r {
                    Ok(v) => d.set_item(a.as_str(), procconv::value(py, t, v)?)?,
                    Err(_) => d.set_item(a.as_str(), &ad)?,
                }
            }
        }
        Ok(d.into_any())
    }

    /// `cpu_percent(interval)`; `interval` already validated (>= 0). A blocking
    /// measurement runs on a helper thread while this one waits without the GIL,
    /// handling signals every 100 ms (so Ctrl-C interrupts it, as `time.sleep`;
    /// the helper then finishes its interval on its own and its result is dropped).
    fn cpu_percent(&self, py: Python<'_>, interval: Option<f64>) -> PyResult<f64> {
        let d = match interval.filter(|x| *x > 0.0) {
            Some(x) => Duration::try_from_secs_f64(x)
                .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("sleep length is too large"))?,
            None => return self.run(py, |p| p.cpu_percent(None)),
        };
        let p = Arc::clone(&self.p);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("psoxide-cpu-percent".into())
            .spawn(move || {
                let _ = tx.send(psoxide::capture_warnings(|| p.cpu_percent(Some(d))));
            })
            .map_err(pyo3::exceptions::PyOSError::new_err)?;
        let mut rx = rx;
        loop {
            // The receiver is not `Sync`: it moves into the detached closure and back.
            let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(100)), rx));
            rx = back;
            match got {
                Ok((res, warnings)) => {
                    let ctx = self.ctx.get();
                    for w in warnings {
                        let msg = CString::new(w.message.replace('\0', "?"))
                            .unwrap_or_else(|_| CString::from(c"psoxide warning"));
                        PyErr::warn(py, ctx.t.runtime_warning.bind(py), &msg, 1)?;
                    }
                    return res.map_err(|e| self.err(py, e));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "cpu_percent: the measuring thread ended without a result",
                    ))
                }
            }
        }
    }

    /// `memory_percent(memtype)`.
    fn memory_percent(&self, py: Python<'_>, memtype: &str) -> PyResult<f64> {
        let m = MemType::from_str(memtype).map_err(|e| self.err(py, e))?;
        self.run(py, move |p| p.memory_percent(m))
    }

    /// `memory_maps(grouped)`.
    fn memory_maps<'py>(&self, py: Python<'py>, grouped: bool) -> PyResult<Obj<'py>> {
        if grouped {
            return self.get(py, "memory_maps");
        }
        let maps = self.run(py, |p| p.memory_maps(false))?;
        let t = &self.ctx.get().t;
        crate::convert::list(py, &maps, |m| procconv::mmap(py, t, m, false))
    }

    /// `memory_full_info()` (without its deprecation warning, which the package gives).
    fn memory_full_info<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        // Derived from memory_info: its stored ad_value (psutil 8.0).
        if let Some(v) = self.prefetched_error(py, Attr::MemoryInfo) {
            return Ok(v.into_bound(py));
        }
        let (m, f) = self.run(py, |p| {
            p.oneshot(|p| Ok((p.memory_info()?, p.memory_footprint()?)))
        })?;
        procconv::pfullmem(py, &self.ctx.get().t, &m, &f)
    }

    /// `net_connections(kind)`; `kind` "inet" goes through the prefetch store.
    fn net_connections<'py>(&self, py: Python<'py>, kind: &Bound<'py, PyAny>) -> PyResult<Obj<'py>> {
        let k = crate::system::connection_kind(kind)?;
        if k == ConnectionKind::Inet {
            return self.get(py, "net_connections");
        }
        let conns = self.run(py, move |p| p.net_connections(k))?;
        let t = &self.ctx.get().t;
        crate::convert::list(py, &conns, |c| procconv::pconn(py, t, c))
    }

    /// `nice(value)`.
    fn set_nice(&self, py: Python<'_>, value: i32) -> PyResult<()> {
        self.run(py, move |p| p.set_nice(value))
    }

    /// `ionice(ioclass, value)`.
    fn set_ionice(&self, py: Python<'_>, ioclass: i64, value: Option<i64>) -> PyResult<()> {
        let class = IoPriorityClass::from_value(ioclass)
            .ok_or_else(|| PyValueError::new_err(format!("invalid ioclass {ioclass}")))?;
        self.run(py, move |p| p.set_ionice(class, value))
    }

    /// `rlimit(resource)`: `(soft, hard)`, -1 for unlimited.
    fn rlimit(&self, py: Python<'_>, resource: i64) -> PyResult<(i128, i128)> {
        let r = rlimit_of(resource)?;
        let (soft, hard) = self.run(py, move |p| p.rlimit(r))?;
        Ok((soft.as_psutil(), hard.as_psutil()))
    }

    /// `rlimit(resource, (soft, hard))`.
    fn set_rlimit(&self, py: Python<'_>, resource: i64, soft: i128, hard: i128) -> PyResult<()> {
        let r = rlimit_of(resource)?;
        let soft = RlimitValue::from_psutil(soft).map_err(|e| self.err(py, e))?;
        let hard = RlimitValue::from_psutil(hard).map_err(|e| self.err(py, e))?;
        self.run(py, move |p| p.set_rlimit(r, soft, hard))
    }

    /// `cpu_affinity(cpus)`.
    fn set_cpu_affinity(&self, py: Python<'_>, cpus: Vec<u32>) -> PyResult<()> {
        self.run(py, move |p| p.set_cpu_affinity(&cpus))
    }

    /// `parent()`: a handle or `None`.
    fn parent(&self, py: Python<'_>) -> PyResult<Option<Py<Handle>>> {
        match self.run(py, |p| p.parent())? {
            Some(p) => Ok(Some(self.wrap(py, p)?)),
            None => Ok(None),
        }
    }

    /// `parents()`: handles, nearest first.
    fn parents<'py>(&self, py: Python<'py>) -> PyResult<Vec<Py<Handle>>> {
        let v = self.run(py, |p| p.parents())?;
        v.into_iter().map(|p| self.wrap(py, p)).collect()
    }

    /// `children(recursive)`: handles.
    fn children<'py>(&self, py: Python<'py>, recursive: bool) -> PyResult<Vec<Py<Handle>>> {
        let v = self.run(py, move |p| p.children(recursive))?;
        v.into_iter().map(|p| self.wrap(py, p)).collect()
    }

    /// `send_signal(sig)`.
    fn send_signal(&self, py: Python<'_>, sig: i32) -> PyResult<()> {
        self.run(py, move |p| p.send_signal(sig))
    }

    /// `suspend()`.
    fn suspend(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |p| p.suspend())
    }

    /// `resume()`.
    fn resume(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |p| p.resume())
    }

    /// `terminate()`.
    fn terminate(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |p| p.terminate())
    }

    /// `kill()`.
    fn kill(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |p| p.kill())
    }

    /// `wait(timeout)`, `timeout` already validated (`None` or >= 0). Waits without
    /// the GIL in slices of at most 100 ms, handling signals between them (so
    /// Ctrl-C interrupts it); on expiry `TimeoutExpired`.
    fn wait<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Obj<'py>> {
        let slice = Duration::from_millis(100);
        // An unrepresentable timeout waits forever (`Some(None)`), as a huge one would.
        let deadline = timeout.map(|x| {
            Duration::try_from_secs_f64(x)
                .ok()
                .and_then(|d| Instant::now().checked_add(d))
        });
        loop {
            let step = match deadline {
                None | Some(None) => slice,
                Some(Some(end)) => end.saturating_duration_since(Instant::now()).min(slice),
            };
            let last = matches!(deadline, Some(Some(end)) if Instant::now() + step >= end);
            match self.run(py, move |p| p.wait(Some(step))) {
                Ok(v) => return procconv::exit_status(py, &self.ctx.get().t, v),
                Err(e) if e.is_instance(py, self.ctx.get().t.c.TimeoutExpired.bind(py)) && !last => {
                    py.check_signals()?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The exit status a previous `wait()` returned, for `returncode` and the repr.
    fn returncode<'py>(&self, py: Python<'py>) -> PyResult<Obj<'py>> {
        procconv::exit_status(py, &self.ctx.get().t, self.p.returncode())
    }

    /// `is_running()`.
    fn is_running(&self, py: Python<'_>) -> bool {
        let p = Arc::clone(&self.p);
        py.detach(move || p.is_running())
    }

    /// psutil 8.0 equality: same PID and start time (an unknown start time matches).
    fn same(&self, other: &Handle) -> bool {
        *self.p == *other.p
    }

    /// Enters a `oneshot()` block.
    fn oneshot_enter(&self) {
        self.p.oneshot_enter();
    }

    /// Leaves a `oneshot()` block.
    fn oneshot_exit(&self) {
        self.p.oneshot_exit();
    }

    /// The repr's name (the last one seen when it cannot be read now; `None`
    /// without one) and status text (`None` on `AccessDenied`; "terminated" once
    /// gone, "terminated + PID reused" once another process has the PID).
    fn repr_parts(&self, py: Python<'_>) -> (Option<String>, Option<String>) {
        let p = Arc::clone(&self.p);
        let parts = py.detach(move || {
            let name = p.name().ok();
            let status = match p.status() {
                Ok(s) if p.is_running() => Some(s.value().to_string()),
                Err(Error::AccessDenied { .. }) => None,
                _ if p.pid_reused() => Some("terminated + PID reused".to_string()),
                _ => Some("terminated".to_string()),
            };
            (name, status)
        });
        // psutil's repr calls name(), which it remembers; when that fails it shows
        // the name it remembered before.
        match parts {
            (Some(n), status) => {
                self.saw_name(&n);
                (Some(n), status)
            }
            (None, status) => (self.shown_name(), status),
        }
    }
}

/// A resource number psutil accepts, else `ValueError` as Python's `resource` module.
fn rlimit_of(resource: i64) -> PyResult<Rlimit> {
    Rlimit::from_value(resource).ok_or_else(|| PyValueError::new_err("invalid resource specified"))
}

impl Context {
    /// The handle of `pid`.
    pub(crate) fn new_handle(slf: &Bound<'_, Context>, pid: Pid) -> PyResult<Handle> {
        let py = slf.py();
        let ctx = slf.get();
        let p = ctx.run(py, move |h| h.process(pid))?;
        Ok(Handle::new(Arc::new(p), slf.clone().unbind()))
    }

    /// `process_iter(attrs, ad_value)`: scans the table in Rust (prefetching `names`
    /// for every process when given) and returns the `Process` objects, the same
    /// object again for a process already yielded by an earlier call. `wrap` makes a
    /// `Process` object from a new handle.
    pub(crate) fn iter_processes<'py>(
        slf: &Bound<'py, Context>,
        names: Option<Vec<String>>,
        ad_value: &Bound<'py, PyAny>,
        wrap: &Bound<'py, PyAny>,
    ) -> PyResult<Obj<'py>> {
        let py = slf.py();
        let ctx = slf.get();
        let attrs = match &names {
            Some(n) => Some(attrs_of(n).map_err(|e| crate::errors::to_pyerr(py, &ctx.t, e))?),
            None => None,
        };
        let environ = attrs.as_ref().is_some_and(|a| a.contains(&Attr::Environ));
        let procs: Vec<Arc<Process>> = ctx.run(py, |h| {
            let mut out = Vec::new();
            for p in h.process_iter(attrs.as_deref())? {
                let p = p?;
                if environ {
                    let info = p.prefetched();
                    if info
                        .and_then(|i| i.get(Attr::Environ).cloned())
                        .is_some_and(|v| kthread_environ(&p, &v))
                    {
                        continue;
                    }
                }
                out.push(p);
            }
            Ok(out)
        })?;
        // The map is taken out and put back rather than locked throughout: making a
        // `Process` object runs Python code, during which another thread may hold
        // the GIL and call `process_iter` too (two concurrent scans: the later
        // map wins, which only costs new objects next time).
        let mut old = std::mem::take(&mut *ctx.iter_cache.lock().unwrap_or_else(|e| e.into_inner()));
        let mut cache = IterCache::with_capacity(procs.len());
        let out = PyList::empty(py);
        for p in procs {
            let pid = p.pid();
            let (h, obj) = match old.remove(&pid) {
                Some((h, obj)) if Arc::ptr_eq(&h.get().p, &p) => (h, obj),
                _ => {
                    let h = Py::new(py, Handle::new(p, slf.clone().unbind()))?;
                    let obj = wrap.call1((h.clone_ref(py),))?.unbind();
                    (h, obj)
                }
            };
            if names.is_some() {
                *h.get().ad_value.lock().unwrap_or_else(|e| e.into_inner()) = Some(ad_value.clone().unbind());
            }
            out.append(obj.bind(py))?;
            cache.insert(pid, (h, obj));
        }
        *ctx.iter_cache.lock().unwrap_or_else(|e| e.into_inner()) = cache;
        drop(old);
        Ok(out.into_any())
    }
}
