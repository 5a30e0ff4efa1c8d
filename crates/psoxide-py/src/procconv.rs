//! Values of `Process` methods to Python objects: the `p*` named tuples, `str` for
//! paths and OS strings (decoded with the filesystem encoding and `surrogateescape`,
//! as `os.fsdecode` does), and enum members.

use crate::convert::{self, Obj};
use crate::types::Types;
use psoxide::{
    AttrValue, ExitStatus, Ionice, MemoryFootprint, MemoryInfo, MemoryMap, OpenFile, ProcessConnection,
    ProcessStatus,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::ffi::OsStr;

/// An OS string or path as `str`, decoded as Python decodes file names.
pub(crate) fn os_str<'py>(py: Python<'py>, s: &OsStr) -> PyResult<Obj<'py>> {
    Ok(s.into_pyobject(py)?.into_any())
}

/// A list of `f(item)`.
fn list_of<'py, T>(py: Python<'py>, items: &[T], f: impl Fn(&T) -> PyResult<Obj<'py>>) -> PyResult<Obj<'py>> {
    convert::list(py, items, f)
}

/// The `ProcessStatus` member of `s`.
fn status<'py>(py: Python<'py>, t: &Types, s: ProcessStatus) -> PyResult<Obj<'py>> {
    match t.proc_status.get(s.value()) {
        Some(m) => Ok(m.bind(py).clone()),
        None => Ok(s.value().into_pyobject(py)?.into_any()),
    }
}

/// `pionice(ioclass, value)` with a `ProcessIOPriority` member.
fn ionice<'py>(py: Python<'py>, t: &Types, i: &Ionice) -> PyResult<Obj<'py>> {
    let v = i.ioclass.value();
    let class = match usize::try_from(v).ok().and_then(|i| t.ioprio.get(i)) {
        Some(m) => m.bind(py).clone(),
        None => v.into_pyobject(py)?.into_any(),
    };
    t.c.pionice.bind(py).call1((class, i.value))
}

/// `pmem`.
pub(crate) fn pmem<'py>(py: Python<'py>, t: &Types, m: &MemoryInfo) -> PyResult<Obj<'py>> {
    t.c.pmem.bind(py).call1((m.rss, m.vms, m.shared, m.text, m.data))
}

/// `pfullmem`: `memory_info()` followed by `memory_footprint()`.
pub(crate) fn pfullmem<'py>(
    py: Python<'py>,
    t: &Types,
    m: &MemoryInfo,
    f: &MemoryFootprint,
) -> PyResult<Obj<'py>> {
    t.c.pfullmem
        .bind(py)
        .call1((m.rss, m.vms, m.shared, m.text, m.data, f.uss, f.pss, f.swap))
}

/// `pmmap_grouped` (with `grouped`) or `pmmap_ext` (13 fields: more than a Rust
/// tuple converts, so the arguments are built as a Python tuple).
pub(crate) fn mmap<'py>(py: Python<'py>, t: &Types, m: &MemoryMap, grouped: bool) -> PyResult<Obj<'py>> {
    let mut args: Vec<Obj<'py>> = Vec::with_capacity(13);
    if !grouped {
        args.push(m.addr.as_str().into_pyobject(py)?.into_any());
        args.push(m.perms.as_str().into_pyobject(py)?.into_any());
    }
    args.push(m.path.as_str().into_pyobject(py)?.into_any());
    for n in [
        m.rss,
        m.size,
        m.pss,
        m.shared_clean,
        m.shared_dirty,
        m.private_clean,
        m.private_dirty,
        m.referenced,
        m.anonymous,
        m.swap,
    ] {
        args.push(n.into_pyobject(py)?.into_any());
    }
    let cls = if grouped {
        &t.c.pmmap_grouped
    } else {
        &t.c.pmmap_ext
    };
    cls.bind(py).call1(PyTuple::new(py, args)?)
}

/// `pconn`.
pub(crate) fn pconn<'py>(py: Python<'py>, t: &Types, c: &ProcessConnection) -> PyResult<Obj<'py>> {
    t.c.pconn.bind(py).call1((
        c.fd,
        convert::family(py, t, c.family)?,
        convert::socket_kind(py, t, c.type_)?,
        convert::endpoint(py, t, &c.laddr)?,
        convert::endpoint(py, t, &c.raddr)?,
        convert::conn_status(py, t, c.status.value())?,
    ))
}

/// `popenfile`.
fn openfile<'py>(py: Python<'py>, t: &Types, f: &OpenFile) -> PyResult<Obj<'py>> {
    t.c.popenfile.bind(py).call1((
        os_str(py, f.path.as_os_str())?,
        f.fd,
        f.position,
        &f.mode,
        f.flags,
    ))
}

/// What `wait()` returns: the exit code, a `NegSignal` member (a plain negative int
/// for a signal Python does not name), or `None`.
pub(crate) fn exit_status<'py>(py: Python<'py>, t: &Types, s: Option<ExitStatus>) -> PyResult<Obj<'py>> {
    match s {
        None => Ok(py.None().into_bound(py)),
        Some(ExitStatus::Code(c)) => Ok(c.into_pyobject(py)?.into_any()),
        Some(ExitStatus::NegSignal(n)) => match t.c.NegSignal.bind(py).call1((n,)) {
            Ok(m) => Ok(m),
            Err(_) => Ok(n.into_pyobject(py)?.into_any()),
        },
    }
}

/// The Python value of one attribute, as the method of the same name returns it.
pub(crate) fn value<'py>(py: Python<'py>, t: &Types, v: &AttrValue) -> PyResult<Obj<'py>> {
    let int = |x: u64| -> PyResult<Obj<'py>> { Ok(x.into_pyobject(py)?.into_any()) };
    let float = |x: f64| -> PyResult<Obj<'py>> { Ok(x.into_pyobject(py)?.into_any()) };
    match v {
        AttrValue::Cmdline(args) => list_of(py, args, |a| os_str(py, a)),
        AttrValue::CpuAffinity(cpus) => Ok(PyList::new(py, cpus)?.into_any()),
        AttrValue::CpuNum(n) => int(u64::from(*n)),
        AttrValue::CpuPercent(x) | AttrValue::CreateTime(x) | AttrValue::MemoryPercent(x) => float(*x),
        AttrValue::CpuTimes(c) => {
            t.c.pcputimes
                .bind(py)
                .call1((c.user, c.system, c.children_user, c.children_system, c.iowait))
        }
        AttrValue::Cwd(p) | AttrValue::Exe(p) => os_str(py, p.as_os_str()),
        AttrValue::Environ(env) => {
            let d = PyDict::new(py);
            for (k, v) in env {
                d.set_item(os_str(py, k)?, os_str(py, v)?)?;
            }
            Ok(d.into_any())
        }
        AttrValue::Gids(g) => t.c.pgids.bind(py).call1((g.real, g.effective, g.saved)),
        AttrValue::Uids(u) => t.c.puids.bind(py).call1((u.real, u.effective, u.saved)),
        AttrValue::IoCounters(i) => t.c.pio.bind(py).call1((
            i.read_count,
            i.write_count,
            i.read_bytes,
            i.write_bytes,
            i.read_chars,
            i.write_chars,
        )),
        AttrValue::Ionice(i) => ionice(py, t, i),
        AttrValue::MemoryFootprint(f) => t.c.pfootprint.bind(py).call1((f.uss, f.pss, f.swap)),
        AttrValue::MemoryInfo(m) => pmem(py, t, m),
        AttrValue::MemoryInfoEx(m) => t.c.pmem_ex.bind(py).call1((
            m.rss,
            m.vms,
            m.shared,
            m.text,
            m.data,
            m.peak_rss,
            m.peak_vms,
            m.rss_anon,
            m.rss_file,
            m.rss_shmem,
            m.swap,
            m.hugetlb,
        )),
        AttrValue::MemoryMaps(maps) => list_of(py, maps, |m| mmap(py, t, m, true)),
        AttrValue::Name(s) | AttrValue::Username(s) => Ok(s.into_pyobject(py)?.into_any()),
        AttrValue::NetConnections(c) => list_of(py, c, |c| pconn(py, t, c)),
        AttrValue::Nice(n) => Ok(n.into_pyobject(py)?.into_any()),
        AttrValue::NumCtxSwitches(c) => t.c.pctxsw.bind(py).call1((c.voluntary, c.involuntary)),
        AttrValue::NumFds(n) | AttrValue::NumThreads(n) => int(*n),
        AttrValue::OpenFiles(f) => list_of(py, f, |f| openfile(py, t, f)),
        AttrValue::PageFaults(f) => t.c.ppagefaults.bind(py).call1((f.minor, f.major)),
        AttrValue::Pid(p) | AttrValue::Ppid(p) => int(u64::from(*p)),
        AttrValue::Status(s) => status(py, t, *s),
        AttrValue::Terminal(None) => Ok(py.None().into_bound(py)),
        AttrValue::Terminal(Some(p)) => os_str(py, p.as_os_str()),
        AttrValue::Threads(th) => list_of(py, th, |x| {
            t.c.pthread.bind(py).call1((x.id, x.user_time, x.system_time))
        }),
    }
}
