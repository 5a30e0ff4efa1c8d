//! The Python classes and enum members the extension returns or raises.
//!
//! The named tuples, enums and exception classes are defined in Python
//! (`python/psoxide/_ntuples.py`, `_enums.py`, `_exceptions.py`) and handed to
//! [`Context`](crate::Context) when the package is imported; the extension keeps a
//! reference to each and builds its results by calling them. Enum members that are
//! returned often are resolved once here, so a conversion is a lookup, not a call.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;

/// Looks up `name` in the dictionary the package passed, with an error that names it.
fn entry(d: &Bound<'_, PyDict>, name: &str) -> PyResult<Py<PyAny>> {
    match d.get_item(name)? {
        Some(v) => Ok(v.unbind()),
        None => Err(pyo3::exceptions::PyKeyError::new_err(format!(
            "psoxide._psoxide.Context: the types dictionary lacks {name:?}"
        ))),
    }
}

macro_rules! classes {
    ($($name:ident),* $(,)?) => {
        /// The Python classes handed over by the package, by their Python names.
        #[allow(non_snake_case)]
        pub(crate) struct Classes {
            $(
                #[doc = concat!("The Python class `", stringify!($name), "`.")]
                pub(crate) $name: Py<PyAny>,
            )*
        }

        impl Classes {
            fn load(d: &Bound<'_, PyDict>) -> PyResult<Self> {
                Ok(Classes { $($name: entry(d, stringify!($name))?,)* })
            }
        }
    };
}

classes!(
    // named tuples
    scputimes,
    scpustats,
    scpufreq,
    svmem,
    sswap,
    sdiskpart,
    sdiskusage,
    sdiskio,
    snetio,
    addr,
    sconn,
    snicaddr,
    snicstats,
    shwtemp,
    sfan,
    sbattery,
    suser,
    pheap,
    pconn,
    pcputimes,
    pmem,
    pmem_ex,
    pfootprint,
    pfullmem,
    pmmap_grouped,
    pmmap_ext,
    popenfile,
    pthread,
    puids,
    pgids,
    pio,
    pionice,
    pctxsw,
    ppagefaults,
    // exceptions
    NoSuchProcess,
    ZombieProcess,
    AccessDenied,
    TimeoutExpired,
    // enums
    NicDuplex,
    BatteryTime,
    ConnectionStatus,
    ProcessStatus,
    ProcessIOPriority,
    NegSignal,
);

/// The classes plus enum members resolved once.
pub(crate) struct Types {
    /// The classes themselves.
    pub(crate) c: Classes,
    /// `NicDuplex` members by value (0 unknown, 1 half, 2 full).
    pub(crate) duplex: [Py<PyAny>; 3],
    /// `BatteryTime.POWER_TIME_UNKNOWN`.
    pub(crate) power_unknown: Py<PyAny>,
    /// `BatteryTime.POWER_TIME_UNLIMITED`.
    pub(crate) power_unlimited: Py<PyAny>,
    /// `ConnectionStatus` members by value ("ESTABLISHED", ..., "NONE").
    pub(crate) conn_status: HashMap<String, Py<PyAny>>,
    /// `socket.AddressFamily` members by number (as psutil returns them).
    pub(crate) families: HashMap<i32, Py<PyAny>>,
    /// `socket.SocketKind` class, for socket types not pre-resolved.
    pub(crate) socket_kind: Py<PyAny>,
    /// `socket.SocketKind` members by number.
    pub(crate) kinds: HashMap<i32, Py<PyAny>>,
    /// `RuntimeWarning`.
    pub(crate) runtime_warning: Py<PyAny>,
    /// `ProcessStatus` members by value ("running", ...).
    pub(crate) proc_status: HashMap<String, Py<PyAny>>,
    /// `ProcessIOPriority` members by value (0 none, 1 rt, 2 be, 3 idle).
    pub(crate) ioprio: [Py<PyAny>; 4],
}

/// `{member.value: member for member in enum_class}`.
fn members_by_value(cls: &Bound<'_, PyAny>) -> PyResult<HashMap<String, Py<PyAny>>> {
    let mut out = HashMap::new();
    for member in cls.try_iter()? {
        let member = member?;
        let value: String = member.getattr("value")?.extract()?;
        out.insert(value, member.unbind());
    }
    Ok(out)
}

impl Types {
    /// Loads the classes from the package's dictionary and resolves the members.
    pub(crate) fn load(py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<Self> {
        let c = Classes::load(d)?;
        let duplex_cls = c.NicDuplex.bind(py);
        let duplex = [
            duplex_cls.call1((0,))?.unbind(),
            duplex_cls.call1((1,))?.unbind(),
            duplex_cls.call1((2,))?.unbind(),
        ];
        let battery = c.BatteryTime.bind(py);
        let power_unknown = battery.call1((-1,))?.unbind();
        let power_unlimited = battery.call1((-2,))?.unbind();
        let conn_status = members_by_value(c.ConnectionStatus.bind(py))?;
        let socket = py.import("socket")?;
        let af = socket.getattr("AddressFamily")?;
        let mut families = HashMap::new();
        for v in [0, 1, 2, 10, 17] {
            families.insert(v, af.call1((v,))?.unbind());
        }
        let sk = socket.getattr("SocketKind")?;
        let mut kinds = HashMap::new();
        for v in [1, 2, 5] {
            kinds.insert(v, sk.call1((v,))?.unbind());
        }
        let runtime_warning = py
            .get_type::<pyo3::exceptions::PyRuntimeWarning>()
            .into_any()
            .unbind();
        let proc_status = members_by_value(c.ProcessStatus.bind(py))?;
        let io = c.ProcessIOPriority.bind(py);
        let ioprio = [
            io.call1((0,))?.unbind(),
            io.call1((1,))?.unbind(),
            io.call1((2,))?.unbind(),
            io.call1((3,))?.unbind(),
        ];
        Ok(Types {
            proc_status,
            ioprio,
            c,
            duplex,
            power_unknown,
            power_unlimited,
            conn_status,
            families,
            socket_kind: sk.unbind(),
            kinds,
            runtime_warning,
        })
    }
}
