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
    AttrValue, CtxSwitches, Gids, MemoryFootprint, MemoryInfo, MemoryInfoEx, PageFaults, ProcessCpuTimes,
    ProcessIoCounters, Uids,
};
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
            if pack(v, self.buf) {
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
    fn entries(&self) -> impl Iterator<Item = (Attr, Option<&[u8]>)> + '_ {
        let mut rest: &[u8] = &self.packed;
        std::iter::from_fn(move || {
            let (&tag, tail) = rest.split_first()?;
            let a = *Attr::ALL.get(tag as usize)?;
            let len = u32::from_le_bytes(tail.get(..4)?.try_into().ok()?);
            let tail = &tail[4..];
            if len == TYPED {
                rest = tail;
                return Some((a, None));
            }
            let len = len as usize;
            let payload = tail.get(..len)?;
            rest = &tail[len..];
            Some((a, Some(payload)))
        })
    }

    /// The stored result of `a`, decoded; `None` when `a` was not stored.
    pub(crate) fn get(&self, a: Attr) -> Option<Result<AttrValue>> {
        let (_, payload) = self.entries().find(|(k, _)| *k == a)?;
        self.decode(a, payload)
    }

    /// One entry's result: its payload decoded, or its typed value.
    fn decode(&self, a: Attr, payload: Option<&[u8]>) -> Option<Result<AttrValue>> {
        match payload {
            Some(p) => unpack(a, p).map(Ok),
            None => self.other.iter().find(|(k, _)| *k == a).map(|(_, r)| r.clone()),
        }
    }

    /// Every stored result, decoded, in request order.
    pub(crate) fn to_results(&self) -> AttrResults {
        self.entries()
            .filter_map(|(a, p)| self.decode(a, p).map(|r| (a, r)))
            .collect()
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

fn put_u64s(out: &mut Vec<u8>, v: &[u64]) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_f64s(out: &mut Vec<u8>, v: &[f64]) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// A command line payload that holds `/proc/PID/cmdline` as read: split when decoded
/// (the split is a pure function of those bytes, so the result is the same).
const CMDLINE_RAW: u8 = 0;
/// A command line payload that holds arguments given as values: each as its length
/// (u32 LE) and its bytes (joining them with NULs would not survive the split rules).
const CMDLINE_ARGS: u8 = 1;

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

/// Serialises `v` when it has a packed form.
fn pack(v: &AttrValue, out: &mut Vec<u8>) -> bool {
    match v {
        AttrValue::Pid(x) | AttrValue::Ppid(x) | AttrValue::CpuNum(x) => put_u32s(out, &[*x]),
        AttrValue::Nice(x) => out.extend_from_slice(&x.to_le_bytes()),
        AttrValue::NumFds(x) | AttrValue::NumThreads(x) => put_u64s(out, &[*x]),
        AttrValue::CpuPercent(x) | AttrValue::CreateTime(x) | AttrValue::MemoryPercent(x) => {
            put_f64s(out, &[*x])
        }
        AttrValue::Status(s) => match STATUSES.iter().position(|x| x == s) {
            Some(i) => out.push(i as u8),
            None => return false,
        },
        AttrValue::CpuTimes(t) => put_f64s(
            out,
            &[t.user, t.system, t.children_user, t.children_system, t.iowait],
        ),
        AttrValue::MemoryInfo(m) => put_u64s(out, &[m.rss, m.vms, m.shared, m.text, m.data]),
        AttrValue::MemoryInfoEx(m) => put_u64s(
            out,
            &[
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
            ],
        ),
        AttrValue::MemoryFootprint(m) => put_u64s(out, &[m.uss, m.pss, m.swap]),
        AttrValue::Uids(u) => put_u32s(out, &[u.real, u.effective, u.saved]),
        AttrValue::Gids(g) => put_u32s(out, &[g.real, g.effective, g.saved]),
        AttrValue::NumCtxSwitches(c) => put_u64s(out, &[c.voluntary, c.involuntary]),
        AttrValue::PageFaults(p) => put_u64s(out, &[p.minor, p.major]),
        AttrValue::IoCounters(c) => put_u64s(
            out,
            &[
                c.read_count,
                c.write_count,
                c.read_bytes,
                c.write_bytes,
                c.read_chars,
                c.write_chars,
            ],
        ),
        AttrValue::Name(s) | AttrValue::Username(s) => out.extend_from_slice(s.as_bytes()),
        AttrValue::Cmdline(v) => put_args(out, v.iter().map(|a| a.as_bytes())),
        AttrValue::Exe(p) | AttrValue::Cwd(p) => out.extend_from_slice(p.as_os_str().as_bytes()),
        AttrValue::Terminal(t) => match t {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                out.extend_from_slice(p.as_os_str().as_bytes());
            }
        },
        AttrValue::CpuAffinity(v) => put_u32s(out, v),
        AttrValue::Environ(_)
        | AttrValue::Ionice(_)
        | AttrValue::MemoryMaps(_)
        | AttrValue::NetConnections(_)
        | AttrValue::OpenFiles(_)
        | AttrValue::Threads(_) => return false,
    }
    true
}

fn text(p: &[u8]) -> String {
    match std::str::from_utf8(p) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(p).into_owned(),
    }
}

fn path(p: &[u8]) -> PathBuf {
    PathBuf::from(OsString::from_vec(p.to_vec()))
}

/// Decodes a payload written by [`pack`] (or [`StoreBuilder::push_raw`]) for `a`.
fn unpack(a: Attr, p: &[u8]) -> Option<AttrValue> {
    let mut r = Rd(p);
    Some(match a {
        Attr::Pid => AttrValue::Pid(r.u32()?),
        Attr::Ppid => AttrValue::Ppid(r.u32()?),
        Attr::CpuNum => AttrValue::CpuNum(r.u32()?),
        Attr::Nice => AttrValue::Nice(r.i32()?),
        Attr::NumFds => AttrValue::NumFds(r.u64()?),
        Attr::NumThreads => AttrValue::NumThreads(r.u64()?),
        Attr::CpuPercent => AttrValue::CpuPercent(r.f64()?),
        Attr::CreateTime => AttrValue::CreateTime(r.f64()?),
        Attr::MemoryPercent => AttrValue::MemoryPercent(r.f64()?),
        Attr::Status => AttrValue::Status(*STATUSES.get(*p.first()? as usize)?),
        Attr::CpuTimes => AttrValue::CpuTimes(ProcessCpuTimes {
            user: r.f64()?,
            system: r.f64()?,
            children_user: r.f64()?,
            children_system: r.f64()?,
            iowait: r.f64()?,
        }),
        Attr::MemoryInfo => AttrValue::MemoryInfo(MemoryInfo {
            rss: r.u64()?,
            vms: r.u64()?,
            shared: r.u64()?,
            text: r.u64()?,
            data: r.u64()?,
        }),
        Attr::MemoryInfoEx => AttrValue::MemoryInfoEx(MemoryInfoEx {
            rss: r.u64()?,
            vms: r.u64()?,
            shared: r.u64()?,
            text: r.u64()?,
            data: r.u64()?,
            peak_rss: r.u64()?,
            peak_vms: r.u64()?,
            rss_anon: r.u64()?,
            rss_file: r.u64()?,
            rss_shmem: r.u64()?,
            swap: r.u64()?,
            hugetlb: r.u64()?,
        }),
        Attr::MemoryFootprint => AttrValue::MemoryFootprint(MemoryFootprint {
            uss: r.u64()?,
            pss: r.u64()?,
            swap: r.u64()?,
        }),
        Attr::Uids => AttrValue::Uids(Uids {
            real: r.u32()?,
            effective: r.u32()?,
            saved: r.u32()?,
        }),
        Attr::Gids => AttrValue::Gids(Gids {
            real: r.u32()?,
            effective: r.u32()?,
            saved: r.u32()?,
        }),
        Attr::NumCtxSwitches => AttrValue::NumCtxSwitches(CtxSwitches {
            voluntary: r.u64()?,
            involuntary: r.u64()?,
        }),
        Attr::PageFaults => AttrValue::PageFaults(PageFaults {
            minor: r.u64()?,
            major: r.u64()?,
        }),
        Attr::IoCounters => AttrValue::IoCounters(ProcessIoCounters {
            read_count: r.u64()?,
            write_count: r.u64()?,
            read_bytes: r.u64()?,
            write_bytes: r.u64()?,
            read_chars: r.u64()?,
            write_chars: r.u64()?,
        }),
        Attr::Name => AttrValue::Name(text(p)),
        Attr::Username => AttrValue::Username(text(p)),
        Attr::Cmdline => AttrValue::Cmdline(cmdline_of(p)?),
        Attr::Exe => AttrValue::Exe(path(p)),
        Attr::Cwd => AttrValue::Cwd(path(p)),
        Attr::Terminal => AttrValue::Terminal(match p.split_first()? {
            (0, _) => None,
            (_, rest) => Some(path(rest)),
        }),
        Attr::CpuAffinity => AttrValue::CpuAffinity(
            p.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        Attr::Environ
        | Attr::Ionice
        | Attr::MemoryMaps
        | Attr::NetConnections
        | Attr::OpenFiles
        | Attr::Threads => return None,
    })
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

    fn attr_of(v: &AttrValue) -> Attr {
        match v {
            AttrValue::Pid(_) => Attr::Pid,
            AttrValue::Ppid(_) => Attr::Ppid,
            AttrValue::CpuNum(_) => Attr::CpuNum,
            AttrValue::Nice(_) => Attr::Nice,
            AttrValue::NumFds(_) => Attr::NumFds,
            AttrValue::NumThreads(_) => Attr::NumThreads,
            AttrValue::CpuPercent(_) => Attr::CpuPercent,
            AttrValue::CreateTime(_) => Attr::CreateTime,
            AttrValue::MemoryPercent(_) => Attr::MemoryPercent,
            AttrValue::Status(_) => Attr::Status,
            AttrValue::CpuTimes(_) => Attr::CpuTimes,
            AttrValue::MemoryInfo(_) => Attr::MemoryInfo,
            AttrValue::Uids(_) => Attr::Uids,
            AttrValue::Name(_) => Attr::Name,
            AttrValue::Username(_) => Attr::Username,
            AttrValue::Cmdline(_) => Attr::Cmdline,
            AttrValue::Exe(_) => Attr::Exe,
            AttrValue::Terminal(_) => Attr::Terminal,
            AttrValue::CpuAffinity(_) => Attr::CpuAffinity,
            AttrValue::Environ(_) => Attr::Environ,
            _ => unreachable!("not in samples"),
        }
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
            let a = attr_of(&v);
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
