//! The prefetch store that `process_iter(attrs)` keeps on each handle, packed.
//!
//! A scan keeps one store per process until the next scan, so its size is the memory a
//! monitor holds, and building it is part of every scan's cost. Typed values
//! (`AttrValue`, 104 bytes each, with separately allocated strings and argument
//! vectors) cost about 1.2 KB and a dozen allocations per process for psutil's usual
//! ten attributes. Here the values are serialised into one exactly sized byte buffer
//! instead (about 200 bytes for those ten), and decoded again by the getter that serves
//! them. Values without a packed form (maps, lists of records) and the stored errors
//! are kept typed beside it, in a vector that stays unallocated when there are none.
//!
//! Layout of `packed`, one entry per requested attribute in request order:
//! `[attr index: u8][payload length: u32 LE][payload]`, where a length of `u32::MAX`
//! (with no payload) says "typed, in `other`".

use super::attrs::AttrResults;
use super::Attr;
use super::{
    AttrValue, CtxSwitches, Gids, Ionice, MemoryFootprint, MemoryInfo, MemoryInfoEx, MemoryMap, OpenFile,
    PageFaults, ProcessCpuTimes, ProcessIoCounters, ThreadTimes, Uids,
};
use crate::connections::ProcessConnection;
use crate::constants::ProcessStatus;
use crate::error::Result;
use crate::linux::parse::pid_files::cmdline_args;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// Marks an entry whose value is in [`Store::other`].
const TYPED: u32 = u32::MAX;

/// Every status, indexed by its packed byte.
const STATUSES: [ProcessStatus; 15] = [
    ProcessStatus::Running,
    ProcessStatus::Sleeping,
    ProcessStatus::DiskSleep,
    ProcessStatus::Stopped,
    ProcessStatus::TracingStop,
    ProcessStatus::Zombie,
    ProcessStatus::Dead,
    ProcessStatus::WakeKill,
    ProcessStatus::Waking,
    ProcessStatus::Idle,
    ProcessStatus::Parked,
    ProcessStatus::Locked,
    ProcessStatus::Waiting,
    ProcessStatus::Suspended,
    ProcessStatus::Unknown,
];

/// One handle's stored attribute results.
#[derive(Debug, Default)]
pub(crate) struct Store {
    packed: Box<[u8]>,
    other: Box<[(Attr, Result<AttrValue>)]>,
}

/// Builds a [`Store`] in a scratch buffer that a scan reuses from process to process.
pub(crate) struct StoreBuilder<'a> {
    buf: &'a mut Vec<u8>,
    other: AttrResults,
}

impl<'a> StoreBuilder<'a> {
    /// Starts a store in `buf` (cleared first).
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> StoreBuilder<'a> {
        buf.clear();
        StoreBuilder {
            buf,
            other: Vec::new(),
        }
    }

    /// Adds the result of `a`.
    pub(crate) fn push(&mut self, a: Attr, r: Result<AttrValue>) {
        if let Ok(v) = &r {
            let start = self.begin(a);
            if v.pack(self.buf) {
                self.end(start);
                return;
            }
            self.buf.truncate(start - 5);
        }
        self.push_typed(a, r);
    }

    /// Adds a value given as its packed payload, written by `f` (for the values a
    /// scan can pack straight from the bytes it read, with no intermediate `String`).
    pub(crate) fn push_raw(&mut self, a: Attr, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.begin(a);
        f(self.buf);
        self.end(start);
    }

    fn push_typed(&mut self, a: Attr, r: Result<AttrValue>) {
        self.buf.push(a as u8);
        self.buf.extend_from_slice(&TYPED.to_le_bytes());
        self.other.push((a, r));
    }

    /// Writes the entry header with a placeholder length; returns the payload start.
    fn begin(&mut self, a: Attr) -> usize {
        self.buf.push(a as u8);
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.len()
    }

    fn end(&mut self, start: usize) {
        let len = self.buf.len() - start;
        // Payloads are at most a command line or a path: far below 4 GiB. A larger one
        // would not fit the header, so it is dropped rather than stored wrongly.
        match u32::try_from(len) {
            Ok(n) if n != TYPED => self.buf[start - 4..start].copy_from_slice(&n.to_le_bytes()),
            _ => self.buf.truncate(start - 5),
        }
    }

    /// The finished store: one exact allocation for the packed bytes.
    pub(crate) fn finish(self) -> Store {
        Store {
            packed: Box::from(&self.buf[..]),
            other: self.other.into_boxed_slice(),
        }
    }
}

impl Store {
    /// Entries in request order: attribute, then payload (`None`: typed).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (Attr, Option<&[u8]>)> + '_ {
        self.entries_at().map(|(_, a, p)| (a, p))
    }

    /// [`entries`](Store::entries) with each entry's offset in the packed bytes (for
    /// [`entry_at`](Store::entry_at)).
    pub(crate) fn entries_at(&self) -> impl Iterator<Item = (usize, Attr, Option<&[u8]>)> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            let (a, payload, next) = self.entry_at(at)?;
            let here = at;
            at = next;
            Some((here, a, payload))
        })
    }

    /// The entry at byte `at` of the packed bytes: attribute, payload (`None`:
    /// typed) and where the next entry starts.
    pub(crate) fn entry_at(&self, at: usize) -> Option<(Attr, Option<&[u8]>, usize)> {
        let rest = self.packed.get(at..)?;
        let (&tag, tail) = rest.split_first()?;
        let a = *Attr::ALL.get(tag as usize)?;
        let len = u32::from_le_bytes(tail.get(..4)?.try_into().ok()?);
        let body = at + 5;
        if len == TYPED {
            return Some((a, None, body));
        }
        let len = len as usize;
        let payload = self.packed.get(body..body.checked_add(len)?)?;
        Some((a, Some(payload), body + len))
    }

    /// The stored result of `a`, decoded; `None` when `a` was not stored.
    pub(crate) fn get(&self, a: Attr) -> Option<Result<AttrValue>> {
        let (_, payload) = self.entries().find(|(k, _)| *k == a)?;
        self.decode(a, payload)
    }

    /// [`get`](Store::get) decoded as `T`: straight from the payload, or through
    /// `typed` for an entry kept typed (an error is returned as it is).
    pub(crate) fn get_as<T: Packed>(&self, a: Attr, typed: impl FnOnce(AttrValue) -> Option<T>) -> Option<Result<T>> {
        let (_, payload) = self.entries().find(|(k, _)| *k == a)?;
        match payload {
            Some(p) => T::unpack(p).map(Ok),
            None => match self.other.iter().find(|(k, _)| *k == a)? {
                (_, Ok(v)) => typed(v.clone()).map(Ok),
                (_, Err(e)) => Some(Err(e.clone())),
            },
        }
    }

    /// One entry's result: its payload decoded, or its typed value.
    pub(crate) fn decode(&self, a: Attr, payload: Option<&[u8]>) -> Option<Result<AttrValue>> {
        match payload {
            Some(p) => AttrValue::unpack(a, p).map(Ok),
            None => self.other.iter().find(|(k, _)| *k == a).map(|(_, r)| r.clone()),
        }
    }

    /// Every stored result, decoded, in request order.
    pub(crate) fn to_results(&self) -> AttrResults {
        // Sized first: the entries are about 130 bytes each, and growing the vector
        // one doubling at a time would copy them again and again.
        let mut v = Vec::with_capacity(self.entries().count());
        v.extend(self.entries().filter_map(|(a, p)| self.decode(a, p).map(|r| (a, r))));
        v
    }
}

/// Reads fixed-size fields from a payload.
struct Rd<'a>(&'a [u8]);

impl Rd<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (h, t) = self.0.split_first_chunk::<N>()?;
        self.0 = t;
        Some(*h)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.take().map(f64::from_le_bytes)
    }
}

/// A command line payload that holds `/proc/PID/cmdline` as read: split when decoded
/// (the split is a pure function of those bytes, so the result is the same).
pub(crate) const CMDLINE_RAW: u8 = 0;
/// A command line payload that holds arguments given as values: each as its length
/// (u32 LE) and its bytes (joining them with NULs would not survive the split rules).
pub(crate) const CMDLINE_ARGS: u8 = 1;

/// Packs the bytes of `/proc/PID/cmdline`.
pub(crate) fn put_raw_cmdline(out: &mut Vec<u8>, raw: &[u8]) {
    out.push(CMDLINE_RAW);
    out.extend_from_slice(raw);
}

/// The command line of a payload, as psutil's `cmdline()` returns it (exactly sized:
/// the caller keeps the vector).
fn cmdline_of(p: &[u8]) -> Option<Vec<OsString>> {
    fn collect<'x>(args: impl Iterator<Item = &'x [u8]> + Clone) -> Vec<OsString> {
        let mut v = Vec::with_capacity(args.clone().count());
        v.extend(args.map(|a| OsString::from_vec(a.to_vec())));
        v
    }
    match p.split_first()? {
        (&CMDLINE_RAW, raw) => Some(collect(cmdline_args(raw))),
        (&CMDLINE_ARGS, mut rest) => Some(collect(std::iter::from_fn(move || {
            let (n, tail) = rest.split_first_chunk::<4>()?;
            let n = u32::from_le_bytes(*n) as usize;
            let a = tail.get(..n)?;
            rest = &tail[n..];
            Some(a)
        }))),
        _ => None,
    }
}

fn put_args<'b>(out: &mut Vec<u8>, args: impl Iterator<Item = &'b [u8]>) {
    out.push(CMDLINE_ARGS);
    for a in args {
        // An argument longer than 4 GiB is cut; `/proc/PID/cmdline` cannot give one.
        let n = u32::try_from(a.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&a[..n as usize]);
    }
}

/// The packed form of an attribute's value type. Each value type of the attribute
/// table (`process_attrs!` in `attrs.rs`) implements it once, so every attribute with
/// that type shares the codec; a type kept typed says so with `KEPT_TYPED`.
pub(crate) trait Packed: Sized {
    /// Appends the packed form to `out`; false (nothing written) when kept typed.
    fn pack(&self, out: &mut Vec<u8>) -> bool;
    /// Decodes a payload written by `pack`; `None` for a damaged one or a type kept
    /// typed.
    fn unpack(p: &[u8]) -> Option<Self>;
}

macro_rules! packed_scalar {
    ($($t:ty => $rd:ident),*) => {
        $(impl Packed for $t {
            fn pack(&self, out: &mut Vec<u8>) -> bool {
                out.extend_from_slice(&self.to_le_bytes());
                true
            }
            fn unpack(p: &[u8]) -> Option<Self> {
                Rd(p).$rd()
            }
        })*
    };
}
packed_scalar!(u32 => u32, i32 => i32, u64 => u64, f64 => f64);

/// Structs of same-typed fields: the fields in order.
macro_rules! packed_fields {
    ($($t:ident: $ft:ident { $($f:ident),* })*) => {
        $(impl Packed for $t {
            fn pack(&self, out: &mut Vec<u8>) -> bool {
                $(out.extend_from_slice(&self.$f.to_le_bytes());)*
                true
            }
            fn unpack(p: &[u8]) -> Option<Self> {
                let mut r = Rd(p);
                Some($t { $($f: r.$ft()?,)* })
            }
        })*
    };
}
packed_fields! {
    ProcessCpuTimes: f64 { user, system, children_user, children_system, iowait }
    MemoryInfo: u64 { rss, vms, shared, text, data }
    MemoryInfoEx: u64 {
        rss, vms, shared, text, data, peak_rss, peak_vms, rss_anon, rss_file, rss_shmem, swap, hugetlb
    }
    MemoryFootprint: u64 { uss, pss, swap }
    Uids: u32 { real, effective, saved }
    Gids: u32 { real, effective, saved }
    CtxSwitches: u64 { voluntary, involuntary }
    PageFaults: u64 { minor, major }
    ProcessIoCounters: u64 { read_count, write_count, read_bytes, write_bytes, read_chars, write_chars }
}

/// Types whose values stay typed beside the packed bytes (maps and lists of records:
/// rarely requested, and no smaller packed).
macro_rules! kept_typed {
    ($($t:ty),*) => {
        $(impl Packed for $t {
            fn pack(&self, _: &mut Vec<u8>) -> bool {
                false
            }
            fn unpack(_: &[u8]) -> Option<Self> {
                None
            }
        })*
    };
}
kept_typed!(
    indexmap::IndexMap<OsString, OsString>,
    Ionice,
    Vec<MemoryMap>,
    Vec<ProcessConnection>,
    Vec<OpenFile>,
    Vec<ThreadTimes>
);

impl Packed for ProcessStatus {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        match STATUSES.iter().position(|x| x == self) {
            Some(i) => {
                out.push(i as u8);
                true
            }
            None => false,
        }
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        STATUSES.get(*p.first()? as usize).copied()
    }
}

impl Packed for String {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        out.extend_from_slice(self.as_bytes());
        true
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        Some(match std::str::from_utf8(p) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(p).into_owned(),
        })
    }
}

impl Packed for Vec<OsString> {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        put_args(out, self.iter().map(|a| a.as_bytes()));
        true
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        cmdline_of(p)
    }
}

impl Packed for PathBuf {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        out.extend_from_slice(self.as_os_str().as_bytes());
        true
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        Some(PathBuf::from(OsString::from_vec(p.to_vec())))
    }
}

impl Packed for Option<PathBuf> {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        match self {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                p.pack(out);
            }
        }
        true
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        match p.split_first()? {
            (0, _) => Some(None),
            (_, rest) => PathBuf::unpack(rest).map(Some),
        }
    }
}

impl Packed for Vec<u32> {
    fn pack(&self, out: &mut Vec<u8>) -> bool {
        for x in self {
            out.extend_from_slice(&x.to_le_bytes());
        }
        true
    }
    fn unpack(p: &[u8]) -> Option<Self> {
        Some(
            p.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn samples() -> Vec<AttrValue> {
        vec![
            AttrValue::Pid(7),
            AttrValue::Ppid(u32::MAX),
            AttrValue::CpuNum(1),
            AttrValue::Nice(-20),
            AttrValue::NumFds(3),
            AttrValue::NumThreads(u64::MAX),
            AttrValue::CpuPercent(12.5),
            AttrValue::CreateTime(1.7e9 + 0.25),
            AttrValue::MemoryPercent(0.0),
            AttrValue::Status(ProcessStatus::TracingStop),
            AttrValue::CpuTimes(ProcessCpuTimes {
                user: 1.0,
                system: 2.0,
                children_user: 3.0,
                children_system: 4.0,
                iowait: 5.0,
            }),
            AttrValue::MemoryInfo(MemoryInfo {
                rss: 1,
                vms: 2,
                shared: 3,
                text: 4,
                data: 5,
            }),
            AttrValue::Uids(Uids {
                real: 1,
                effective: 2,
                saved: 3,
            }),
            AttrValue::Name("a name with spaces ) and é".into()),
            AttrValue::Username(String::new()),
            AttrValue::Cmdline(vec![]),
            AttrValue::Cmdline(vec![OsString::new()]),
            AttrValue::Cmdline(vec![
                OsString::from("a"),
                OsString::new(),
                OsString::from_vec(vec![0xff, b' ']),
                OsString::from_vec(vec![b'a', 0, b'b']),
            ]),
            AttrValue::Cmdline(vec![OsString::from("one arg with spaces")]),
            AttrValue::Exe(PathBuf::from("/usr/bin/x (deleted)")),
            AttrValue::Terminal(None),
            AttrValue::Terminal(Some(PathBuf::from("/dev/pts/1"))),
            AttrValue::CpuAffinity(vec![0, 1, 63]),
            AttrValue::CpuAffinity(vec![]),
        ]
    }

    #[test]
    fn attribute_tags_index_attr_all() {
        // Entries are tagged `a as u8` and decoded with `Attr::ALL[tag]`.
        for (i, a) in Attr::ALL.iter().enumerate() {
            assert_eq!(*a as usize, i, "{a}");
        }
    }

    #[test]
    fn every_packed_value_round_trips() {
        for v in samples() {
            let a = v.attr();
            let mut buf = Vec::new();
            let mut b = StoreBuilder::new(&mut buf);
            b.push(a, Ok(v.clone()));
            let s = b.finish();
            assert!(s.other.is_empty(), "{v:?} has a packed form");
            assert_eq!(s.get(a).unwrap().unwrap(), v);
            assert!(s.get(Attr::Threads).is_none());
        }
    }

    #[test]
    fn order_errors_and_typed_values_are_kept() {
        let mut buf = vec![1, 2, 3];
        let mut b = StoreBuilder::new(&mut buf);
        b.push(Attr::Name, Ok(AttrValue::Name("x".into())));
        b.push(
            Attr::Exe,
            Err(Error::access_denied(Some(1), None, "/proc/1/exe".to_string())),
        );
        let env: indexmap::IndexMap<OsString, OsString> =
            [(OsString::from("K"), OsString::from("V"))].into_iter().collect();
        b.push(Attr::Environ, Ok(AttrValue::Environ(env.clone())));
        b.push_raw(Attr::Cmdline, |out| put_raw_cmdline(out, b"sh\0-c\0"));
        b.push(Attr::Pid, Ok(AttrValue::Pid(1)));
        let s = b.finish();
        let got = s.to_results();
        let order: Vec<Attr> = got.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            order,
            [Attr::Name, Attr::Exe, Attr::Environ, Attr::Cmdline, Attr::Pid]
        );
        assert!(matches!(got[1].1, Err(Error::AccessDenied { .. })));
        assert_eq!(got[2].1.as_ref().unwrap(), &AttrValue::Environ(env));
        assert_eq!(
            got[3].1.as_ref().unwrap(),
            &AttrValue::Cmdline(vec!["sh".into(), "-c".into()])
        );
        assert_eq!(s.get(Attr::Pid).unwrap().unwrap(), AttrValue::Pid(1));
    }

    #[test]
    fn a_damaged_buffer_decodes_to_nothing_rather_than_panicking() {
        let mut buf = Vec::new();
        let mut b = StoreBuilder::new(&mut buf);
        b.push(Attr::MemoryInfo, Ok(AttrValue::MemoryInfo(MemoryInfo::default())));
        b.push(Attr::Name, Ok(AttrValue::Name("abc".into())));
        let s = b.finish();
        for cut in 0..s.packed.len() {
            let d = Store {
                packed: s.packed[..cut].into(),
                other: Box::default(),
            };
            let _ = d.get(Attr::Name);
            let _ = d.to_results();
        }
    }
}
