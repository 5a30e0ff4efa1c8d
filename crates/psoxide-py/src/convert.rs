//! Core values to Python objects: named tuples built by calling the package's classes,
//! dicts in the core's (psutil's) order, enum members from [`Types`].

use crate::types::Types;
use psoxide::{
    Addr, AddressFamily, BatteryTime, Connection, CpuFreq, CpuStats, CpuTimes, DiskIoCounters, DiskPartition,
    DiskUsage, Fan, HeapInfo, IndexMap, NetIoCounters, NicAddr, NicStats, SocketKind, SwapMemory,
    Temperature, User, VirtualMemory,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// A Python object bound to the interpreter.
pub(crate) type Obj<'py> = Bound<'py, PyAny>;

/// A list of the conversions of `items`.
pub(crate) fn list<'py, T>(
    py: Python<'py>,
    items: &[T],
    f: impl Fn(&T) -> PyResult<Obj<'py>>,
) -> PyResult<Obj<'py>> {
    let out = PyList::empty(py);
    for x in items {
        out.append(f(x)?)?;
    }
    Ok(out.into_any())
}

/// A dict with the keys of `m` in order and the conversions of its values.
pub(crate) fn dict<'py, T>(
    py: Python<'py>,
    m: &IndexMap<String, T>,
    f: impl Fn(&T) -> PyResult<Obj<'py>>,
) -> PyResult<Obj<'py>> {
    let out = PyDict::new(py);
    for (k, v) in m {
        out.set_item(k, f(v)?)?;
    }
    Ok(out.into_any())
}

/// `scputimes` in 8.0 field order.
pub(crate) fn cputimes<'py>(py: Python<'py>, t: &Types, c: &CpuTimes) -> PyResult<Obj<'py>> {
    t.c.scputimes.bind(py).call1((
        c.user,
        c.system,
        c.idle,
        c.nice,
        c.iowait,
        c.irq,
        c.softirq,
        c.steal,
        c.guest,
        c.guest_nice,
    ))
}

/// `scpustats`.
pub(crate) fn cpustats<'py>(py: Python<'py>, t: &Types, s: &CpuStats) -> PyResult<Obj<'py>> {
    t.c.scpustats
        .bind(py)
        .call1((s.ctx_switches, s.interrupts, s.soft_interrupts, s.syscalls))
}

/// `scpufreq`.
pub(crate) fn cpufreq<'py>(py: Python<'py>, t: &Types, f: &CpuFreq) -> PyResult<Obj<'py>> {
    t.c.scpufreq.bind(py).call1((f.current, f.min, f.max))
}

/// `svmem`.
pub(crate) fn vmem<'py>(py: Python<'py>, t: &Types, m: &VirtualMemory) -> PyResult<Obj<'py>> {
    t.c.svmem.bind(py).call1((
        m.total,
        m.available,
        m.percent,
        m.used,
        m.free,
        m.active,
        m.inactive,
        m.buffers,
        m.cached,
        m.shared,
        m.slab,
    ))
}

/// `sswap`.
pub(crate) fn swap<'py>(py: Python<'py>, t: &Types, s: &SwapMemory) -> PyResult<Obj<'py>> {
    t.c.sswap
        .bind(py)
        .call1((s.total, s.used, s.free, s.percent, s.sin, s.sout))
}

/// `sdiskpart`.
pub(crate) fn diskpart<'py>(py: Python<'py>, t: &Types, p: &DiskPartition) -> PyResult<Obj<'py>> {
    t.c.sdiskpart
        .bind(py)
        .call1((&p.device, &p.mountpoint, &p.fstype, &p.opts))
}

/// `sdiskusage`.
pub(crate) fn diskusage<'py>(py: Python<'py>, t: &Types, u: &DiskUsage) -> PyResult<Obj<'py>> {
    t.c.sdiskusage
        .bind(py)
        .call1((u.total, u.used, u.free, u.percent))
}

/// `sdiskio`.
pub(crate) fn diskio<'py>(py: Python<'py>, t: &Types, d: &DiskIoCounters) -> PyResult<Obj<'py>> {
    t.c.sdiskio.bind(py).call1((
        d.read_count,
        d.write_count,
        d.read_bytes,
        d.write_bytes,
        d.read_time,
        d.write_time,
        d.read_merged_count,
        d.write_merged_count,
        d.busy_time,
    ))
}

/// `snetio`.
pub(crate) fn netio<'py>(py: Python<'py>, t: &Types, n: &NetIoCounters) -> PyResult<Obj<'py>> {
    t.c.snetio.bind(py).call1((
        n.bytes_sent,
        n.bytes_recv,
        n.packets_sent,
        n.packets_recv,
        n.errin,
        n.errout,
        n.dropin,
        n.dropout,
    ))
}

/// A `socket.AddressFamily` member, as psutil returns it (17 is `AF_PACKET`).
pub(crate) fn family<'py>(py: Python<'py>, t: &Types, f: AddressFamily) -> PyResult<Obj<'py>> {
    match t.families.get(&f.value()) {
        Some(m) => Ok(m.bind(py).clone()),
        None => Ok(f.value().into_pyobject(py)?.into_any()),
    }
}

/// A `socket.SocketKind` member, or the plain number when Python does not know it
/// (psutil's rule).
pub(crate) fn socket_kind<'py>(py: Python<'py>, t: &Types, k: SocketKind) -> PyResult<Obj<'py>> {
    let v = k.value();
    if let Some(m) = t.kinds.get(&v) {
        return Ok(m.bind(py).clone());
    }
    match t.socket_kind.bind(py).call1((v,)) {
        Ok(m) => Ok(m),
        Err(_) => Ok(v.into_pyobject(py)?.into_any()),
    }
}

/// A connection endpoint: `addr(ip, port)`, `()` or a UNIX path.
pub(crate) fn endpoint<'py>(py: Python<'py>, t: &Types, a: &Addr) -> PyResult<Obj<'py>> {
    match a {
        Addr::Inet { port, .. } => {
            let ip = a.ip_text().unwrap_or_default();
            t.c.addr.bind(py).call1((ip, *port))
        }
        Addr::Unix(s) => Ok(s.into_pyobject(py)?.into_any()),
        Addr::Empty => Ok(PyTuple::empty(py).into_any()),
    }
}

/// The `ConnectionStatus` member of `value`.
pub(crate) fn conn_status<'py>(py: Python<'py>, t: &Types, value: &str) -> PyResult<Obj<'py>> {
    match t.conn_status.get(value) {
        Some(m) => Ok(m.bind(py).clone()),
        None => Ok(value.into_pyobject(py)?.into_any()),
    }
}

/// `sconn`.
pub(crate) fn sconn<'py>(py: Python<'py>, t: &Types, c: &Connection) -> PyResult<Obj<'py>> {
    t.c.sconn.bind(py).call1((
        c.fd,
        family(py, t, c.family)?,
        socket_kind(py, t, c.type_)?,
        endpoint(py, t, &c.laddr)?,
        endpoint(py, t, &c.raddr)?,
        conn_status(py, t, c.status.value())?,
        c.pid,
    ))
}

/// `snicaddr`.
pub(crate) fn nicaddr<'py>(py: Python<'py>, t: &Types, a: &NicAddr) -> PyResult<Obj<'py>> {
    t.c.snicaddr.bind(py).call1((
        family(py, t, a.family)?,
        &a.address,
        &a.netmask,
        &a.broadcast,
        &a.ptp,
    ))
}

/// `snicstats`.
pub(crate) fn nicstats<'py>(py: Python<'py>, t: &Types, s: &NicStats) -> PyResult<Obj<'py>> {
    let duplex = match usize::try_from(s.duplex.value())
        .ok()
        .and_then(|i| t.duplex.get(i))
    {
        Some(m) => m.bind(py).clone(),
        None => s.duplex.value().into_pyobject(py)?.into_any(),
    };
    t.c.snicstats
        .bind(py)
        .call1((s.isup, duplex, s.speed, s.mtu, &s.flags))
}

/// `shwtemp`.
pub(crate) fn temp<'py>(py: Python<'py>, t: &Types, s: &Temperature) -> PyResult<Obj<'py>> {
    t.c.shwtemp
        .bind(py)
        .call1((&s.label, s.current, s.high, s.critical))
}

/// `sfan`.
pub(crate) fn fan<'py>(py: Python<'py>, t: &Types, f: &Fan) -> PyResult<Obj<'py>> {
    t.c.sfan.bind(py).call1((&f.label, f.current))
}

/// `sbattery`; `secsleft` is a plain int or a `BatteryTime` member.
pub(crate) fn battery<'py>(py: Python<'py>, t: &Types, b: &psoxide::Battery) -> PyResult<Obj<'py>> {
    let secsleft = match b.secsleft {
        BatteryTime::Seconds(_) => b.secsleft.value().into_pyobject(py)?.into_any(),
        BatteryTime::Unknown => t.power_unknown.bind(py).clone(),
        BatteryTime::Unlimited => t.power_unlimited.bind(py).clone(),
    };
    t.c.sbattery
        .bind(py)
        .call1((b.percent, secsleft, b.power_plugged))
}

/// `suser`.
pub(crate) fn user<'py>(py: Python<'py>, t: &Types, u: &User) -> PyResult<Obj<'py>> {
    t.c.suser
        .bind(py)
        .call1((&u.name, &u.terminal, &u.host, u.started, u.pid))
}

/// `pheap`.
pub(crate) fn heap<'py>(py: Python<'py>, t: &Types, h: &HeapInfo) -> PyResult<Obj<'py>> {
    t.c.pheap.bind(py).call1((h.heap_used, h.mmap_used))
}
