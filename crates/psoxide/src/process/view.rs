//! [`PrefetchedView`]: a handle's prefetch store read in place.
//!
//! [`Process::prefetched`] copies every stored value out (strings and argument
//! vectors allocated anew), and [`Process::prefetched_result`] takes the handle's lock
//! and searches the store for each value. A listing that turns every process of a scan
//! into a row needs neither: the view shares the store (one reference count), finds
//! each attribute's entry through an index built once, and lends the text values
//! ([`AttrRef`]) instead of copying them.

use super::store::{self, Store};
use super::{Attr, AttrValue, Process};
use crate::error::Result;
use crate::linux::parse::pid_files::{cmdline_args, Args};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

/// Marks an attribute that the store does not have.
const ABSENT: u32 = u32::MAX;

/// The values that `process_iter(attrs)` stored on a handle, read without copying
/// the store and without the handle's lock (see
/// [`Process::prefetched_view`]). The view stays valid after the handle gets a new
/// store (it keeps the one it was made from).
#[derive(Clone, Debug)]
pub struct PrefetchedView {
    store: Arc<Store>,
    /// The entry of each attribute (indexed by [`Attr`] as `usize`): its byte
    /// offset in the store, or [`ABSENT`].
    index: [u32; Attr::ALL.len()],
}

/// A stored value as [`PrefetchedView::get_ref`] lends it: text is borrowed from the
/// store; the other values are decoded (they hold no heap memory, or are rare).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AttrRef<'a> {
    /// `name`, `username`, `exe` or `cwd`: the bytes as stored (a name or user name
    /// that is not valid UTF-8 is what [`AttrValue`] would decode with replacement
    /// characters).
    Text(&'a OsStr),
    /// `terminal`: the device path, or `None` for no controlling terminal.
    Terminal(Option<&'a Path>),
    /// `cmdline`: its arguments, in order.
    Cmdline(CmdlineRef<'a>),
    /// Any other attribute, decoded.
    Value(AttrValue),
}

/// The arguments of a stored command line, lent one by one (psutil's `cmdline()`
/// split rules applied).
#[derive(Clone, Debug)]
pub struct CmdlineRef<'a>(ArgsOf<'a>);

#[derive(Clone, Debug)]
enum ArgsOf<'a> {
    /// `/proc/PID/cmdline` as read.
    Raw(Args<'a>),
    /// Arguments stored one by one, each after its length.
    Counted(&'a [u8]),
}

impl<'a> Iterator for CmdlineRef<'a> {
    type Item = &'a OsStr;

    fn next(&mut self) -> Option<&'a OsStr> {
        match &mut self.0 {
            ArgsOf::Raw(a) => a.next().map(OsStr::from_bytes),
            ArgsOf::Counted(rest) => {
                let (n, tail) = rest.split_first_chunk::<4>()?;
                let n = u32::from_le_bytes(*n) as usize;
                let a = tail.get(..n)?;
                *rest = &tail[n..];
                Some(OsStr::from_bytes(a))
            }
        }
    }
}

impl CmdlineRef<'_> {
    /// Whether there are no arguments (a kernel thread, a zombie).
    pub fn is_empty(&self) -> bool {
        self.clone().next().is_none()
    }
}

impl PrefetchedView {
    fn new(store: Arc<Store>) -> PrefetchedView {
        let mut index = [ABSENT; Attr::ALL.len()];
        for (at, a, _) in store.entries_at() {
            if let Some(slot) = index.get_mut(a as usize) {
                if *slot == ABSENT {
                    // Stores past 4 GiB cannot be made (payload lengths are u32).
                    *slot = u32::try_from(at).unwrap_or(ABSENT);
                }
            }
        }
        PrefetchedView { store, index }
    }

    /// The entry of `a`: `Some(Some(payload))` packed, `Some(None)` kept typed.
    fn entry(&self, a: Attr) -> Option<Option<&[u8]>> {
        let i = *self.index.get(a as usize)?;
        if i == ABSENT {
            return None;
        }
        self.store.entry_at(i as usize).map(|(_, p, _)| p)
    }

    /// Whether the store has a result for `a`.
    pub fn contains(&self, a: Attr) -> bool {
        self.index.get(a as usize).is_some_and(|&i| i != ABSENT)
    }

    /// The stored result of `a`, decoded: what
    /// [`Process::prefetched_result`] returns. `None` when the store has no `a`.
    pub fn get(&self, a: Attr) -> Option<Result<AttrValue>> {
        let payload = self.entry(a)?;
        self.store.decode(a, payload)
    }

    /// The stored result of `a` with text lent from the store (see [`AttrRef`]);
    /// `None` when the store has no `a`.
    pub fn get_ref(&self, a: Attr) -> Option<Result<AttrRef<'_>>> {
        let payload = match self.entry(a)? {
            Some(p) => p,
            // Kept typed: an error, or a value without a packed form.
            None => return self.store.decode(a, None).map(|r| r.map(AttrRef::Value)),
        };
        let lent = match a {
            Attr::Name | Attr::Username | Attr::Exe | Attr::Cwd => AttrRef::Text(OsStr::from_bytes(payload)),
            Attr::Terminal => match payload.split_first()? {
                (0, _) => AttrRef::Terminal(None),
                (_, path) => AttrRef::Terminal(Some(Path::new(OsStr::from_bytes(path)))),
            },
            Attr::Cmdline => AttrRef::Cmdline(CmdlineRef(match payload.split_first()? {
                (&store::CMDLINE_RAW, raw) => ArgsOf::Raw(cmdline_args(raw)),
                (&store::CMDLINE_ARGS, counted) => ArgsOf::Counted(counted),
                _ => return None,
            })),
            _ => return self.store.decode(a, Some(payload)).map(|r| r.map(AttrRef::Value)),
        };
        Some(Ok(lent))
    }
}

impl Process {
    /// The values `process_iter(attrs)` stored on this handle, as a view that reads
    /// them in place (see [`PrefetchedView`]); `None` when the handle has no store.
    /// Cheaper than [`prefetched`](Process::prefetched) (which copies every value)
    /// and than several [`prefetched_result`](Process::prefetched_result) calls
    /// (each takes the handle's lock and searches the store).
    pub fn prefetched_view(&self) -> Option<PrefetchedView> {
        if !self.may_store.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        let store = self.st().prefetch.clone()?;
        Some(PrefetchedView::new(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::process::ProcessInfo;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::path::PathBuf;

    fn lent_text(r: AttrRef<'_>) -> Option<Vec<OsString>> {
        match r {
            AttrRef::Text(s) => Some(vec![s.to_owned()]),
            AttrRef::Terminal(t) => Some(t.map(|p| p.as_os_str().to_owned()).into_iter().collect()),
            AttrRef::Cmdline(c) => Some(c.map(OsStr::to_owned).collect()),
            AttrRef::Value(_) => None,
        }
    }

    fn owned_text(v: &AttrValue) -> Option<Vec<OsString>> {
        match v {
            AttrValue::Name(s) | AttrValue::Username(s) => Some(vec![s.into()]),
            AttrValue::Exe(p) | AttrValue::Cwd(p) => Some(vec![p.as_os_str().to_owned()]),
            AttrValue::Terminal(t) => Some(t.iter().map(|p| p.as_os_str().to_owned()).collect()),
            AttrValue::Cmdline(c) => Some(c.clone()),
            _ => None,
        }
    }

    #[test]
    fn the_view_gives_what_the_handle_gives() {
        let p = Process::current().unwrap();
        assert!(p.prefetched_view().is_none(), "no store yet");
        let values = vec![
            (Attr::Name, Ok(AttrValue::Name("a name ) é".into()))),
            (Attr::Username, Ok(AttrValue::Username(String::new()))),
            (
                Attr::Cmdline,
                Ok(AttrValue::Cmdline(vec![
                    OsString::from("a"),
                    OsString::new(),
                    OsString::from_vec(vec![0xff, b' ']),
                    OsString::from_vec(vec![b'a', 0, b'b']),
                ])),
            ),
            (Attr::Exe, Ok(AttrValue::Exe(PathBuf::from("/usr/bin/x (deleted)")))),
            (Attr::Terminal, Ok(AttrValue::Terminal(None))),
            (Attr::Nice, Ok(AttrValue::Nice(-3))),
            (Attr::Cwd, Err(Error::access_denied(Some(p.pid()), None, "cwd"))),
        ];
        p.set_prefetched(Some(ProcessInfo {
            pid: p.pid(),
            values: values.clone(),
        }));
        let v = p.prefetched_view().unwrap();
        for (a, want) in &values {
            assert!(v.contains(*a), "{a}");
            assert_eq!(
                format!("{:?}", v.get(*a)),
                format!("{:?}", p.prefetched_result(*a)),
                "{a}"
            );
            match (v.get_ref(*a).unwrap(), want) {
                (Ok(r), Ok(w)) => match owned_text(w) {
                    Some(t) => assert_eq!(lent_text(r), Some(t), "{a}"),
                    None => assert!(matches!(r, AttrRef::Value(x) if &x == w), "{a}"),
                },
                (Err(e), Err(w)) => assert_eq!(e.to_string(), w.to_string(), "{a}"),
                (r, w) => panic!("{a}: {r:?} against {w:?}"),
            }
        }
        assert!(!v.contains(Attr::Ppid));
        assert!(v.get(Attr::Ppid).is_none() && v.get_ref(Attr::Ppid).is_none());
        // A later store does not change a view already made.
        p.set_prefetched(Some(ProcessInfo {
            pid: p.pid(),
            values: vec![(Attr::Nice, Ok(AttrValue::Nice(5)))],
        }));
        assert_eq!(v.get(Attr::Nice).unwrap().unwrap(), AttrValue::Nice(-3));
        assert_eq!(p.prefetched_view().unwrap().get(Attr::Nice).unwrap().unwrap(), AttrValue::Nice(5));
        p.set_prefetched(None);
        assert!(p.prefetched_view().is_none());
    }

    #[test]
    fn a_scan_s_views_match_its_copies() {
        // Raw command lines (as read from /proc) and every attribute a scan stores.
        let host = crate::context::Host::default();
        let mut n = 0;
        for p in host.process_iter(Some(&Attr::ALL)).unwrap() {
            let p = p.unwrap();
            let v = p.prefetched_view().unwrap();
            for a in Attr::ALL {
                let copy = p.prefetched_result(a);
                assert_eq!(v.contains(a), copy.is_some(), "pid {} {a}", p.pid());
                let (Some(r), Some(copy)) = (v.get_ref(a), copy) else { continue };
                match (r, copy) {
                    (Ok(r), Ok(w)) => match owned_text(&w) {
                        // Name and user name: the view lends the bytes, the copy
                        // decodes them (lossily when they are not UTF-8).
                        Some(t) => {
                            let lent = lent_text(r).unwrap();
                            let lossy: Vec<String> = lent.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                            let want: Vec<String> = t.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                            assert_eq!(lossy, want, "pid {} {a}", p.pid());
                        }
                        None => assert!(matches!(&r, AttrRef::Value(x) if *x == w), "pid {} {a}", p.pid()),
                    },
                    (Err(e), Err(w)) => assert_eq!(e.to_string(), w.to_string()),
                    (r, w) => panic!("pid {} {a}: {r:?} against {w:?}", p.pid()),
                }
            }
            n += 1;
        }
        assert!(n > 5, "only {n} processes");
    }
}
