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
use std::sync::Arc;

#[cfg(feature = "serde")]
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The one table of process attributes. Each row gives the variant, psutil's name,
/// the getter call documented on the value, the value's type and how [`Process`]
/// computes it. From it come [`Attr`] (with [`Attr::ALL`] and the names),
/// [`AttrValue`], `attr_value` (what `as_dict` runs), the packing of the prefetch store
/// (through the value type's [`Packed`](super::store::Packed) impl) and the JSON shape
/// (through its [`Json`] impl). A new attribute is one row here plus its getter, which
/// starts with `serve_prefetched!(self, Variant)`; the test
/// `every_getter_serves_its_prefetched_value` fails for a getter that forgets it.
macro_rules! process_attrs {
    ($($variant:ident => $name:literal, $call:literal: $ty:ty = |$p:ident| $get:expr;)*) => {
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

        /// The value of one attribute.
        #[derive(Clone, Debug, PartialEq)]
        pub enum AttrValue {
            $(
                #[doc = concat!("`", $call, "`")]
                $variant($ty),
            )*
        }

        impl AttrValue {
            /// The attribute this is a value of.
            pub fn attr(&self) -> Attr {
                match self {
                    $(AttrValue::$variant(_) => Attr::$variant,)*
                }
            }

            /// Appends the packed form to `out`; false (nothing written) for a type
            /// that is kept typed.
            pub(crate) fn pack(&self, out: &mut Vec<u8>) -> bool {
                use super::store::Packed;
                match self {
                    $(AttrValue::$variant(v) => v.pack(out),)*
                }
            }

            /// Decodes the packed form of `a`'s value; `None` for a damaged payload
            /// or a type that is kept typed.
            pub(crate) fn unpack(a: Attr, payload: &[u8]) -> Option<AttrValue> {
                use super::store::Packed;
                match a {
                    $(Attr::$variant => <$ty as Packed>::unpack(payload).map(AttrValue::$variant),)*
                }
            }
        }

        impl Process {
            /// Computes one attribute with its no-argument getter.
            fn attr_value(&self, a: Attr) -> Result<AttrValue> {
                Ok(match a {
                    $(Attr::$variant => AttrValue::$variant((|$p: &Process| $get)(self)?),)*
                })
            }
        }

        #[cfg(feature = "serde")]
        impl Serialize for AttrValue {
            /// psutil's JSON shape: named tuples as objects, paths and OS strings as
            /// (lossily decoded) strings.
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self {
                    $(AttrValue::$variant(v) => Json::json(v, s),)*
                }
            }
        }
    };
}

process_attrs! {
    Cmdline => "cmdline", "cmdline()": Vec<OsString> = |p| p.cmdline();
    CpuAffinity => "cpu_affinity", "cpu_affinity()": Vec<u32> = |p| p.cpu_affinity();
    CpuNum => "cpu_num", "cpu_num()": u32 = |p| p.cpu_num();
    CpuPercent => "cpu_percent", "cpu_percent(None)": f64 = |p| p.cpu_percent(None);
    CpuTimes => "cpu_times", "cpu_times()": ProcessCpuTimes = |p| p.cpu_times();
    CreateTime => "create_time", "create_time()": f64 = |p| p.create_time();
    Cwd => "cwd", "cwd()": PathBuf = |p| p.cwd();
    Environ => "environ", "environ()": IndexMap<OsString, OsString> = |p| p.environ();
    Exe => "exe", "exe()": PathBuf = |p| p.exe();
    Gids => "gids", "gids()": Gids = |p| p.gids();
    IoCounters => "io_counters", "io_counters()": ProcessIoCounters = |p| p.io_counters();
    Ionice => "ionice", "ionice()": Ionice = |p| p.ionice();
    MemoryFootprint => "memory_footprint", "memory_footprint()": MemoryFootprint = |p| p.memory_footprint();
    MemoryInfo => "memory_info", "memory_info()": MemoryInfo = |p| p.memory_info();
    MemoryInfoEx => "memory_info_ex", "memory_info_ex()": MemoryInfoEx = |p| p.memory_info_ex();
    MemoryMaps => "memory_maps", "memory_maps(true)": Vec<MemoryMap> = |p| p.memory_maps(true);
    MemoryPercent => "memory_percent", "memory_percent(Rss)": f64 = |p| p.memory_percent(MemType::Rss);
    Name => "name", "name()": String = |p| p.name();
    NetConnections => "net_connections", "net_connections(Inet)": Vec<ProcessConnection> =
        |p| p.net_connections(ConnectionKind::Inet);
    Nice => "nice", "nice()": i32 = |p| p.nice();
    NumCtxSwitches => "num_ctx_switches", "num_ctx_switches()": CtxSwitches = |p| p.num_ctx_switches();
    NumFds => "num_fds", "num_fds()": u64 = |p| p.num_fds();
    NumThreads => "num_threads", "num_threads()": u64 = |p| p.num_threads();
    OpenFiles => "open_files", "open_files()": Vec<OpenFile> = |p| p.open_files();
    PageFaults => "page_faults", "page_faults()": PageFaults = |p| p.page_faults();
    Pid => "pid", "pid()": Pid = |p| Ok::<Pid, Error>(p.pid);
    Ppid => "ppid", "ppid()": Pid = |p| p.ppid();
    Status => "status", "status()": ProcessStatus = |p| p.status();
    Terminal => "terminal", "terminal()": Option<PathBuf> = |p| p.terminal();
    Threads => "threads", "threads()": Vec<ThreadTimes> = |p| p.threads();
    Uids => "uids", "uids()": Uids = |p| p.uids();
    Username => "username", "username()": String = |p| p.username();
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
    /// the `stat` the scan already read seeded into the oneshot snapshot, kept as the
    /// handle's prefetch store. `spare` and `scratch` are reused from one process to the
    /// next. Errors as [`as_dict`](Process::as_dict).
    pub(crate) fn prefetch(
        &self,
        attrs: &[Attr],
        seed: super::Stat,
        spare: &mut Option<Box<super::Snapshot>>,
        scratch: &mut Vec<u8>,
    ) -> Result<()> {
        let mut b = StoreBuilder::new(scratch);
        self.oneshot_reusing(spare, |p| {
            p.seed_stat(seed);
            p.collect(Some(attrs), &mut Sink::Store(&mut b))
        })?;
        let store = b.finish();
        self.may_store.store(true, std::sync::atomic::Ordering::Release);
        self.st().prefetch = Some(Arc::new(store));
        Ok(())
    }

    /// The loop shared by `as_dict` and `prefetch`; runs inside a oneshot.
    fn collect(&self, attrs: Option<&[Attr]>, sink: &mut Sink<'_, '_>) -> Result<()> {
        let explicit = attrs.is_some();
        let list: &[Attr] = attrs.unwrap_or(&Attr::ALL);
        // When `status` will be read anyway, read it first: `memory_info` can then
        // be derived from it instead of opening `statm` (one file fewer). Where IDs
        // come from `PIDFD_GET_INFO`, only the context switches and `memory_info_ex`
        // need `status`. (`num_threads` never does: it reads field 20 of `stat`
        // unless `status` is in the snapshot already.)
        const STATUS_USERS: [Attr; 5] = [
            Attr::NumCtxSwitches,
            Attr::MemoryInfoEx,
            Attr::Username,
            Attr::Uids,
            Attr::Gids,
        ];
        let status_users = if self.root.pidfd_info {
            &STATUS_USERS[..2]
        } else {
            &STATUS_USERS[..]
        };
        // Parse `status` only up to `Threads` unless an attribute needs its end.
        let tail = list
            .iter()
            .any(|a| matches!(a, Attr::NumCtxSwitches | Attr::CpuAffinity));
        if let Some(c) = self.st().snapshot.as_mut() {
            c.status_head_only = !tail;
        }
        if list.contains(&Attr::MemoryInfo) && list.iter().any(|a| status_users.contains(a)) {
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
                            users::with_user_name(&self.host, u.real, |n| {
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
        if let Some(c) = self.st().snapshot.as_mut() {
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
            Arc::new(b.finish())
        });
        if store.is_some() {
            self.may_store.store(true, std::sync::atomic::Ordering::Release);
        }
        self.st().prefetch = store;
    }

    /// A copy of the prefetch store (psutil's deprecated `Process.info`).
    pub fn prefetched(&self) -> Option<ProcessInfo> {
        self.st().prefetch.as_ref().map(|s| ProcessInfo {
            pid: self.pid,
            values: s.to_results(),
        })
    }

    /// The result `process_iter(attrs)` stored for `a` (a copy of that one value),
    /// or `None` when the store has no `a` or there is no store: what a getter
    /// without arguments returns, without copying the whole store as
    /// [`prefetched`](Process::prefetched) does.
    pub fn prefetched_result(&self, a: Attr) -> Option<Result<AttrValue>> {
        self.stored(a)
    }

    /// The stored result of `a` as the getter's own type, decoded straight from the
    /// packed bytes (no `AttrValue` in between); `typed` takes the value out of an
    /// entry kept typed. `None` when there is no such entry (or a damaged one).
    pub(crate) fn stored_as<T: super::store::Packed>(
        &self,
        a: Attr,
        typed: impl FnOnce(AttrValue) -> Option<T>,
    ) -> Option<Result<T>> {
        if !self.may_store.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        self.st().prefetch.as_ref()?.get_as(a, typed)
    }

    /// The stored result of `a`, if the prefetch store has it.
    pub(crate) fn stored(&self, a: Attr) -> Option<Result<AttrValue>> {
        if !self.may_store.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
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
        if let Some(r) = $self.stored_as($crate::process::Attr::$attr, |v| match v {
            $crate::process::AttrValue::$attr(x) => Some(x),
            _ => None,
        }) {
            return r;
        }
    };
}
pub(crate) use serve_prefetched;

/// How a value type appears in JSON (psutil's shape): through its `Serialize` impl,
/// except OS strings and paths, which become (lossily decoded) strings.
#[cfg(feature = "serde")]
trait Json {
    fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error>;
}

#[cfg(feature = "serde")]
macro_rules! json_via_serde {
    ($($t:ty),* $(,)?) => {
        $(impl Json for $t {
            fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                self.serialize(s)
            }
        })*
    };
}

#[cfg(feature = "serde")]
json_via_serde!(
    u32,
    i32,
    u64,
    f64,
    String,
    Vec<u32>,
    ProcessStatus,
    ProcessCpuTimes,
    ProcessIoCounters,
    Gids,
    Uids,
    Ionice,
    MemoryFootprint,
    MemoryInfo,
    MemoryInfoEx,
    Vec<MemoryMap>,
    Vec<ProcessConnection>,
    CtxSwitches,
    Vec<OpenFile>,
    PageFaults,
    Vec<ThreadTimes>,
);

#[cfg(feature = "serde")]
fn lossy_os(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().into_owned()
}

#[cfg(feature = "serde")]
impl Json for Vec<OsString> {
    fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|a| lossy_os(a)))
    }
}

#[cfg(feature = "serde")]
impl Json for PathBuf {
    fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_string_lossy().serialize(s)
    }
}

#[cfg(feature = "serde")]
impl Json for Option<PathBuf> {
    fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .serialize(s)
    }
}

#[cfg(feature = "serde")]
impl Json for IndexMap<OsString, OsString> {
    fn json<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(&lossy_os(k), &lossy_os(v))?;
        }
        map.end()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_getter_serves_its_prefetched_value() {
        // A stored error per attribute, each with its own message: a getter that
        // answers from the store gives it back; one that forgot `serve_prefetched!`
        // reads /proc instead and returns the real value.
        let p = Process::current().unwrap();
        let sentinel = |a: Attr| Error::access_denied(Some(p.pid()), None, format!("sentinel {a}"));
        p.set_prefetched(Some(ProcessInfo {
            pid: p.pid(),
            values: Attr::ALL.iter().map(|&a| (a, Err(sentinel(a)))).collect(),
        }));
        for a in Attr::ALL {
            if a == Attr::Pid {
                continue; // known without any read: never stored
            }
            match p.attr_value(a) {
                Err(e) => assert_eq!(e.to_string(), sentinel(a).to_string(), "{a}"),
                Ok(v) => panic!("{a}: the getter did not serve the stored result but read {v:?}"),
            }
        }
        p.set_prefetched(None);
        assert!(p.attr_value(Attr::Name).is_ok());
    }

    #[test]
    fn the_table_names_every_value_after_its_attribute() {
        let p = Process::current().unwrap();
        let info = p
            .as_dict(Some(&[Attr::Name, Attr::Pid, Attr::MemoryInfo]))
            .unwrap();
        for (a, r) in &info.values {
            assert_eq!(r.as_ref().unwrap().attr(), *a);
        }
        let mut names: Vec<&str> = Attr::ALL.iter().map(|a| a.as_str()).collect();
        let sorted = {
            let mut v = names.clone();
            v.sort_unstable();
            v
        };
        assert_eq!(names, sorted, "Attr::ALL is psutil's alphabetical order");
        names.dedup();
        assert_eq!(names.len(), 32);
    }
}
