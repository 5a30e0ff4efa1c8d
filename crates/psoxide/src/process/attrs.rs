//! `Process.attrs`, `as_dict()` and the prefetch store that `process_iter` fills.
//!
//! One mechanism serves all three: `as_dict` runs the requested getters inside
//! [`Process::oneshot`], so each per-process source (`stat`, `status`, `statm`, ...) is
//! read at most once and only the sources those getters need are read at all. The
//! result can be kept on the handle as its prefetch store; later no-argument calls of
//! those getters then return the stored value (or the stored `AccessDenied` /
//! `ZombieProcess`) without touching `/proc`.

use super::store::StoreBuilder;
use super::*;
use crate::connections::{ConnectionKind, ProcessConnection};
use std::str::FromStr;

#[cfg(feature = "serde")]
use serde::ser::{Serialize, SerializeMap, Serializer};

macro_rules! attrs {
    ($($variant:ident => $name:literal,)*) => {
        /// An attribute name accepted by `as_dict` and `process_iter` (psutil's
        /// `Process.attrs`, plus the deprecated `memory_full_info`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Attr {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Attr {
            /// psutil's `Process.attrs` on Linux: 32 names, in alphabetical order.
            pub const ALL: [Attr; 32] = [$(Attr::$variant,)*];

            /// psutil's name for the attribute.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Attr::$variant => $name,)*
                }
            }
        }
    };
}

attrs! {
    Cmdline => "cmdline",
    CpuAffinity => "cpu_affinity",
    CpuNum => "cpu_num",
    CpuPercent => "cpu_percent",
    CpuTimes => "cpu_times",
    CreateTime => "create_time",
    Cwd => "cwd",
    Environ => "environ",
    Exe => "exe",
    Gids => "gids",
    IoCounters => "io_counters",
    Ionice => "ionice",
    MemoryFootprint => "memory_footprint",
    MemoryInfo => "memory_info",
    MemoryInfoEx => "memory_info_ex",
    MemoryMaps => "memory_maps",
    MemoryPercent => "memory_percent",
    Name => "name",
    NetConnections => "net_connections",
    Nice => "nice",
    NumCtxSwitches => "num_ctx_switches",
    NumFds => "num_fds",
    NumThreads => "num_threads",
    OpenFiles => "open_files",
    PageFaults => "page_faults",
    Pid => "pid",
    Ppid => "ppid",
    Status => "status",
    Terminal => "terminal",
    Threads => "threads",
    Uids => "uids",
    Username => "username",
}

impl FromStr for Attr {
    type Err = Error;
    /// psutil's names; anything else gives psutil's `ValueError` text
    /// ("invalid attr name 'foo'").
    fn from_str(s: &str) -> Result<Attr> {
        Attr::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("invalid attr name '{s}'")))
    }
}

impl std::fmt::Display for Attr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses several attribute names at once; unknown names are reported together, as
/// psutil does ("invalid attr names 'a', 'b'").
pub fn parse_attrs<S: AsRef<str>>(names: &[S]) -> Result<Vec<Attr>> {
    let mut out = Vec::with_capacity(names.len());
    let mut bad = Vec::new();
    for n in names {
        match Attr::from_str(n.as_ref()) {
            Ok(a) => {
                if !out.contains(&a) {
                    out.push(a)
                }
            }
            Err(_) => bad.push(format!("'{}'", n.as_ref())),
        }
    }
    match bad.len() {
        0 => Ok(out),
        1 => Err(Error::invalid(format!("invalid attr name {}", bad[0]))),
        _ => Err(Error::invalid(format!("invalid attr names {}", bad.join(", ")))),
    }
}

/// The value of one attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// `cmdline()`.
    Cmdline(Vec<OsString>),
    /// `cpu_affinity()`.
    CpuAffinity(Vec<u32>),
    /// `cpu_num()`.
    CpuNum(u32),
    /// `cpu_percent(None)`.
    CpuPercent(f64),
    /// `cpu_times()`.
    CpuTimes(ProcessCpuTimes),
    /// `create_time()`.
    CreateTime(f64),
    /// `cwd()`.
    Cwd(PathBuf),
    /// `environ()`.
    Environ(IndexMap<OsString, OsString>),
    /// `exe()`.
    Exe(PathBuf),
    /// `gids()`.
    Gids(Gids),
    /// `io_counters()`.
    IoCounters(ProcessIoCounters),
    /// `ionice()`.
    Ionice(Ionice),
    /// `memory_footprint()`.
    MemoryFootprint(MemoryFootprint),
    /// `memory_info()`.
    MemoryInfo(MemoryInfo),
    /// `memory_info_ex()`.
    MemoryInfoEx(MemoryInfoEx),
    /// `memory_maps(true)`.
    MemoryMaps(Vec<MemoryMap>),
    /// `memory_percent(Rss)`.
    MemoryPercent(f64),
    /// `name()`.
    Name(String),
    /// `net_connections(Inet)`.
    NetConnections(Vec<ProcessConnection>),
    /// `nice()`.
    Nice(i32),
    /// `num_ctx_switches()`.
    NumCtxSwitches(CtxSwitches),
    /// `num_fds()`.
    NumFds(u64),
    /// `num_threads()`.
    NumThreads(u64),
    /// `open_files()`.
    OpenFiles(Vec<OpenFile>),
    /// `page_faults()`.
    PageFaults(PageFaults),
    /// `pid()`.
    Pid(Pid),
    /// `ppid()`.
    Ppid(Pid),
    /// `status()`.
    Status(ProcessStatus),
    /// `terminal()`.
    Terminal(Option<PathBuf>),
    /// `threads()`.
    Threads(Vec<ThreadTimes>),
    /// `uids()`.
    Uids(Uids),
    /// `username()`.
    Username(String),
}

/// Attribute results in request order (see [`ProcessInfo::values`]).
pub type AttrResults = Vec<(Attr, Result<AttrValue>)>;

/// The result of [`Process::as_dict`]: each requested attribute's value, or the
/// `AccessDenied` / `ZombieProcess` error it raised (psutil puts `ad_value` there).
#[derive(Clone, Debug)]
pub struct ProcessInfo {
    /// The process's PID.
    pub pid: Pid,
    /// Attribute -> value or error, in the requested order (alphabetical when all).
    pub values: AttrResults,
}

impl ProcessInfo {
    /// The value of `attr`, if it was requested and did not fail.
    pub fn get(&self, attr: Attr) -> Option<&AttrValue> {
        self.values
            .iter()
            .find(|(a, _)| *a == attr)
            .and_then(|(_, r)| r.as_ref().ok())
    }
}

impl Process {
    /// Computes one attribute with its no-argument getter.
    fn attr_value(&self, a: Attr) -> Result<AttrValue> {
        Ok(match a {
            Attr::Cmdline => AttrValue::Cmdline(self.cmdline()?),
            Attr::CpuAffinity => AttrValue::CpuAffinity(self.cpu_affinity()?),
            Attr::CpuNum => AttrValue::CpuNum(self.cpu_num()?),
            Attr::CpuPercent => AttrValue::CpuPercent(self.cpu_percent(None)?),
            Attr::CpuTimes => AttrValue::CpuTimes(self.cpu_times()?),
            Attr::CreateTime => AttrValue::CreateTime(self.create_time()?),
            Attr::Cwd => AttrValue::Cwd(self.cwd()?),
            Attr::Environ => AttrValue::Environ(self.environ()?),
            Attr::Exe => AttrValue::Exe(self.exe()?),
            Attr::Gids => AttrValue::Gids(self.gids()?),
            Attr::IoCounters => AttrValue::IoCounters(self.io_counters()?),
            Attr::Ionice => AttrValue::Ionice(self.ionice()?),
            Attr::MemoryFootprint => AttrValue::MemoryFootprint(self.memory_footprint()?),
            Attr::MemoryInfo => AttrValue::MemoryInfo(self.memory_info()?),
            Attr::MemoryInfoEx => AttrValue::MemoryInfoEx(self.memory_info_ex()?),
            Attr::MemoryMaps => AttrValue::MemoryMaps(self.memory_maps(true)?),
            Attr::MemoryPercent => AttrValue::MemoryPercent(self.memory_percent(MemType::Rss)?),
            Attr::Name => AttrValue::Name(self.name()?),
            Attr::NetConnections => AttrValue::NetConnections(self.net_connections(ConnectionKind::Inet)?),
            Attr::Nice => AttrValue::Nice(self.nice()?),
            Attr::NumCtxSwitches => AttrValue::NumCtxSwitches(self.num_ctx_switches()?),
            Attr::NumFds => AttrValue::NumFds(self.num_fds()?),
            Attr::NumThreads => AttrValue::NumThreads(self.num_threads()?),
            Attr::OpenFiles => AttrValue::OpenFiles(self.open_files()?),
            Attr::PageFaults => AttrValue::PageFaults(self.page_faults()?),
            Attr::Pid => AttrValue::Pid(self.pid),
            Attr::Ppid => AttrValue::Ppid(self.ppid()?),
            Attr::Status => AttrValue::Status(self.status()?),
            Attr::Terminal => AttrValue::Terminal(self.terminal()?),
            Attr::Threads => AttrValue::Threads(self.threads()?),
            Attr::Uids => AttrValue::Uids(self.uids()?),
            Attr::Username => AttrValue::Username(self.username()?),
        })
    }

    /// Several attributes at once (psutil's `as_dict(attrs)`), all read inside one
    /// [`oneshot`](Process::oneshot). `None` means every attribute of [`Attr::ALL`],
    /// in alphabetical order. Per attribute, `AccessDenied` and `ZombieProcess` are
    /// stored as that attribute's result; `NoSuchProcess` fails the whole call;
    /// `Unsupported` fails it when the attributes were named, and leaves the attribute
    /// out when they were not (psutil's rules).
    pub fn as_dict(&self, attrs: Option<&[Attr]>) -> Result<ProcessInfo> {
        let mut values = Vec::with_capacity(attrs.map_or(Attr::ALL.len(), <[Attr]>::len));
        self.oneshot(|p| p.collect(attrs, &mut Sink::Dict(&mut values)))?;
        Ok(ProcessInfo {
            pid: self.pid,
            values,
        })
    }

    /// What `process_iter(attrs)` does per process: the work of `as_dict(attrs)`, with
    /// the `stat` the scan already read seeded into the oneshot cache, kept as the
    /// handle's prefetch store. `spare` and `scratch` are reused from one process to the
    /// next. Errors as [`as_dict`](Process::as_dict).
    pub(crate) fn prefetch(
        &self,
        attrs: &[Attr],
        seed: super::Stat,
        spare: &mut Option<Box<super::Cache>>,
        scratch: &mut Vec<u8>,
    ) -> Result<()> {
        let mut b = StoreBuilder::new(scratch);
        self.oneshot_reusing(spare, |p| {
            p.seed_stat(seed);
            p.collect(Some(attrs), &mut Sink::Store(&mut b))
        })?;
        self.st().prefetch = Some(b.finish());
        Ok(())
    }

    /// The loop shared by `as_dict` and `prefetch`; runs inside a oneshot.
    fn collect(&self, attrs: Option<&[Attr]>, sink: &mut Sink<'_, '_>) -> Result<()> {
        let explicit = attrs.is_some();
        let list: &[Attr] = attrs.unwrap_or(&Attr::ALL);
        // When `status` will be read anyway, read it first: `memory_info` can then
        // be derived from it instead of opening `statm` (one file fewer).
        const STATUS_USERS: [Attr; 6] = [
            Attr::NumThreads,
            Attr::Username,
            Attr::Uids,
            Attr::Gids,
            Attr::NumCtxSwitches,
            Attr::MemoryInfoEx,
        ];
        // Parse `status` only up to `Threads` unless an attribute needs its end.
        let tail = list
            .iter()
            .any(|a| matches!(a, Attr::NumCtxSwitches | Attr::CpuAffinity));
        if let Some(c) = self.st().cache.as_mut() {
            c.status_head_only = !tail;
        }
        if list.contains(&Attr::MemoryInfo) && list.iter().any(|a| STATUS_USERS.contains(a)) {
            let _ = self.cache_status(tail);
        }
        for &a in list {
            let r = match sink {
                // The text values go into the store as bytes, with no `String` or
                // argument vector built and dropped on the way.
                Sink::Store(b) if matches!(a, Attr::Name | Attr::Cmdline | Attr::Username) => {
                    let mut raw = |f: &dyn Fn(&mut Vec<u8>)| b.push_raw(a, f);
                    match a {
                        Attr::Name => self.name_with(|n| raw(&|out| out.extend_from_slice(n))),
                        Attr::Cmdline => {
                            self.with_cmdline(|c| raw(&|out| super::store::put_raw_cmdline(out, c)))
                        }
                        _ => self.uids().map(|u| {
                            users::with_user_name(&self.host.users, u.real, |n| {
                                raw(&|out| out.extend_from_slice(n.as_bytes()))
                            })
                        }),
                    }
                    .map(|()| None)
                }
                _ => self.attr_value(a).map(Some),
            };
            match r {
                Ok(None) => {}
                Ok(Some(v)) => sink.push(a, Ok(v)),
                Err(e @ Error::AccessDenied { .. }) | Err(e @ Error::ZombieProcess { .. }) => {
                    sink.push(a, Err(e))
                }
                Err(Error::Unsupported { .. }) if !explicit => {}
                Err(e) => return Err(e),
            }
        }
        // Later getters of an enclosing oneshot may want the whole file.
        if let Some(c) = self.st().cache.as_mut() {
            c.status_head_only = false;
        }
        Ok(())
    }

    /// Stores `info` as this handle's prefetch store: until it is replaced or cleared,
    /// the no-argument getters of its attributes return the stored results.
    pub fn set_prefetched(&self, info: Option<ProcessInfo>) {
        let store = info.map(|i| {
            let mut scratch = Vec::new();
            let mut b = StoreBuilder::new(&mut scratch);
            for (a, r) in i.values {
                b.push(a, r);
            }
            b.finish()
        });
        self.st().prefetch = store;
    }

    /// A copy of the prefetch store (psutil's deprecated `Process.info`).
    pub fn prefetched(&self) -> Option<ProcessInfo> {
        self.st().prefetch.as_ref().map(|s| ProcessInfo {
            pid: self.pid,
            values: s.to_results(),
        })
    }

    /// The stored result of `a`, if the prefetch store has it.
    pub(crate) fn stored(&self, a: Attr) -> Option<Result<AttrValue>> {
        self.st().prefetch.as_ref()?.get(a)
    }
}

/// Where `collect` puts each attribute's result.
enum Sink<'a, 'b> {
    /// `as_dict`'s typed values.
    Dict(&'a mut AttrResults),
    /// A prefetch store being built.
    Store(&'a mut StoreBuilder<'b>),
}

impl Sink<'_, '_> {
    fn push(&mut self, a: Attr, r: Result<AttrValue>) {
        match self {
            Sink::Dict(v) => v.push((a, r)),
            Sink::Store(b) => b.push(a, r),
        }
    }
}

/// Returns early from a getter with the prefetched value of its attribute.
macro_rules! serve_prefetched {
    ($self:ident, $attr:ident) => {
        if let Some(r) = $self.stored($crate::process::Attr::$attr) {
            match r {
                Ok($crate::process::AttrValue::$attr(v)) => return Ok(v),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    };
}
pub(crate) use serve_prefetched;

#[cfg(feature = "serde")]
fn lossy_os(s: &OsString) -> String {
    s.to_string_lossy().into_owned()
}

#[cfg(feature = "serde")]
impl Serialize for AttrValue {
    /// psutil's JSON shape: named tuples as objects, paths and OS strings as (lossily
    /// decoded) strings.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            AttrValue::Cmdline(v) => s.collect_seq(v.iter().map(lossy_os)),
            AttrValue::CpuAffinity(v) => v.serialize(s),
            AttrValue::CpuNum(v) => v.serialize(s),
            AttrValue::CpuPercent(v) | AttrValue::CreateTime(v) | AttrValue::MemoryPercent(v) => {
                v.serialize(s)
            }
            AttrValue::CpuTimes(v) => v.serialize(s),
            AttrValue::Cwd(p) | AttrValue::Exe(p) => p.to_string_lossy().serialize(s),
            AttrValue::Environ(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(&lossy_os(k), &lossy_os(v))?;
                }
                map.end()
            }
            AttrValue::Gids(v) => v.serialize(s),
            AttrValue::IoCounters(v) => v.serialize(s),
            AttrValue::Ionice(v) => v.serialize(s),
            AttrValue::MemoryFootprint(v) => v.serialize(s),
            AttrValue::MemoryInfo(v) => v.serialize(s),
            AttrValue::MemoryInfoEx(v) => v.serialize(s),
            AttrValue::MemoryMaps(v) => v.serialize(s),
            AttrValue::Name(v) | AttrValue::Username(v) => v.serialize(s),
            AttrValue::NetConnections(v) => v.serialize(s),
            AttrValue::Nice(v) => v.serialize(s),
            AttrValue::NumCtxSwitches(v) => v.serialize(s),
            AttrValue::NumFds(v) | AttrValue::NumThreads(v) => v.serialize(s),
            AttrValue::OpenFiles(v) => v.serialize(s),
            AttrValue::PageFaults(v) => v.serialize(s),
            AttrValue::Pid(v) | AttrValue::Ppid(v) => v.serialize(s),
            AttrValue::Status(v) => v.serialize(s),
            AttrValue::Terminal(v) => v.as_ref().map(|p| p.to_string_lossy().into_owned()).serialize(s),
            AttrValue::Threads(v) => v.serialize(s),
            AttrValue::Uids(v) => v.serialize(s),
        }
    }
}

#[cfg(feature = "serde")]
impl Serialize for ProcessInfo {
    /// An object keyed by psutil's attribute names; attributes that raised
    /// `AccessDenied` or `ZombieProcess` are `null` (psutil's default `ad_value`).
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.values.len()))?;
        for (k, v) in &self.values {
            match v {
                Ok(v) => map.serialize_entry(k.as_str(), v)?,
                Err(_) => map.serialize_entry(k.as_str(), &Option::<()>::None)?,
            }
        }
        map.end()
    }
}
