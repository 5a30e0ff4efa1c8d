//! psutil's CPU-percent baselines: one set per calling thread.
//!
//! psutil keeps the previous sample of `cpu_percent` and `cpu_times_percent` (each
//! with and without `percpu`) per thread, keyed by the thread's identifier, and takes
//! one sample at import for the importing thread. Here they live in a thread-local
//! map keyed by the [`Context`](crate::Context)'s id: each thread sees only its own,
//! and they are freed when the thread ends. The formulas are the core's
//! ([`CpuTimes::busy_percent_since`], [`CpuTimes::percent_since`]).

use psoxide::{CpuTimes, Host};
use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The four previous samples of one thread for one context.
#[derive(Default)]
pub(crate) struct Baselines {
    pub(crate) percent: Option<CpuTimes>,
    pub(crate) percent_percpu: Option<Vec<CpuTimes>>,
    pub(crate) times: Option<CpuTimes>,
    pub(crate) times_percpu: Option<Vec<CpuTimes>>,
}

thread_local! {
    static BASELINES: RefCell<HashMap<u64, Baselines>> = RefCell::new(HashMap::new());
}

/// Runs `f` on this thread's baselines for context `id`.
pub(crate) fn with_baselines<R>(id: u64, f: impl FnOnce(&mut Baselines) -> R) -> R {
    BASELINES.with(|b| f(b.borrow_mut().entry(id).or_default()))
}

/// Takes the import-time samples for the calling thread. Failures leave the
/// baselines empty (psutil does not fail its import over them either).
pub(crate) fn prime(id: u64, host: &Host) {
    let total = host.cpu_times().ok();
    let per = host.cpu_times_percpu().ok();
    with_baselines(id, |b| {
        b.percent = total;
        b.times = total;
        b.percent_percpu = per.clone();
        b.times_percpu = per;
    });
}

/// What the `interval` argument asks for.
pub(crate) enum Interval {
    /// `None`, 0 or NaN: compare with the thread's previous sample.
    NonBlocking,
    /// A positive number of seconds: sample, sleep, sample.
    Blocking(Duration),
}

/// Validates `interval` as psutil does: a negative number is a `ValueError`
/// ("interval is not positive (got X)", X as `str()` for `cpu_percent`, `repr()` for
/// `cpu_times_percent`), something that is not a number a `TypeError`.
pub(crate) fn interval(obj: Option<&Bound<'_, PyAny>>, use_repr: bool) -> PyResult<Interval> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Interval::NonBlocking);
    };
    let x: f64 = obj.extract()?;
    if x < 0.0 {
        let shown = if use_repr { obj.repr()? } else { obj.str()? };
        return Err(PyValueError::new_err(format!(
            "interval is not positive (got {shown})"
        )));
    }
    if x > 0.0 {
        return Duration::try_from_secs_f64(x)
            .map(Interval::Blocking)
            .map_err(|_| PyOverflowError::new_err("sleep length is too large"));
    }
    Ok(Interval::NonBlocking)
}

/// Sleeps `d` without the GIL, in slices of at most 100 ms between which pending
/// signals are handled (so Ctrl-C interrupts a long interval as `time.sleep` would).
pub(crate) fn sleep(py: Python<'_>, d: Duration) -> PyResult<()> {
    let end = Instant::now() + d;
    loop {
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        let step = (end - now).min(Duration::from_millis(100));
        py.detach(|| std::thread::sleep(step));
        py.check_signals()?;
    }
}
