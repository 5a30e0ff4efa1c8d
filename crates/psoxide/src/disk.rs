//! Disks: psutil's `disk_partitions()`, `disk_usage()` and `disk_io_counters()`
//! (spec 2.3).
//!
//! Mount points, devices and device names come from the kernel as bytes; they are
//! decoded with `String::from_utf8_lossy` (invalid UTF-8 becomes U+FFFD), where psutil
//! would use Python's filesystem encoding with surrogate escapes.

use crate::context::{lock, Host};
use crate::error::{Error, Result};
use crate::linux::parse::diskstats::{parse_sysfs_block_stat, visit_diskstats, DiskStatLine};
use crate::linux::parse::mounts::{
    find_partition_name, mount_text, parse_mountinfo_fstypes, parse_uevent_devname, visit_filesystems,
    visit_mounts,
};
use crate::nowrap::NoWrap;
use crate::roots::Roots;
use crate::sys::errno::OsErr;
use crate::sys::fs::{
    exists, is_file, list_dir, open, open_regular, put_buf, read_bytes, read_fd, read_into, take_buf,
    with_file, Dir, FileKind,
};
use crate::sys::kept::{kept_file, SysFile};
use crate::util::round1;
use indexmap::IndexMap;
use std::borrow::Cow;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A mounted file system: psutil's `sdiskpart`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DiskPartition {
    /// Mounted device (`/dev/sda1`), `""` for psutil's `none`; `/dev/root` and `rootfs`
    /// are replaced by the real root device when it can be found.
    pub device: String,
    /// Mount point (escapes such as `\040` decoded).
    pub mountpoint: String,
    /// File-system type (`ext4`, `tmpfs`).
    pub fstype: String,
    /// Mount options as one comma-separated string (`rw,relatime`).
    pub opts: String,
}

/// File-system usage: psutil's `sdiskusage`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DiskUsage {
    /// Size of the file system (`f_blocks × f_frsize`), bytes.
    pub total: u64,
    /// Space in use (`(f_blocks − f_bfree) × f_frsize`), bytes.
    pub used: u64,
    /// Space available to unprivileged users (`f_bavail × f_frsize`), bytes.
    pub free: u64,
    /// `used / (used + free) * 100`, rounded to 1 decimal (so it matches `df`'s Use%
    /// and can exceed `used / total`); percent 0-100.
    pub percent: f64,
}

/// Block-device I/O counters: psutil's `sdiskio` (Linux fields, 8.0 order). All
/// cumulative since boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DiskIoCounters {
    /// Completed reads (count).
    pub read_count: u64,
    /// Completed writes (count).
    pub write_count: u64,
    /// Bytes read (512-byte sectors × 512).
    pub read_bytes: u64,
    /// Bytes written (512-byte sectors × 512).
    pub write_bytes: u64,
    /// Time spent reading (ms).
    pub read_time: u64,
    /// Time spent writing (ms).
    pub write_time: u64,
    /// Reads merged with adjacent ones (count).
    pub read_merged_count: u64,
    /// Writes merged with adjacent ones (count).
    pub write_merged_count: u64,
    /// Time the device had I/O in flight (ms).
    pub busy_time: u64,
}

// ---------------------------------------------------------------------------
// disk_partitions

/// psutil's `disk_partitions(all)` for the process-wide roots.
pub fn disk_partitions(all: bool) -> Result<Vec<DiskPartition>> {
    Host::current().disk_partitions(all)
}

/// The `major:minor` of the device holding `/` (psutil stats the literal `/`).
fn root_dev() -> Result<(u32, u32)> {
    let dev = crate::sys::fs::stat(Path::new("/"))
        .map_err(|e| Error::io("/", e))?
        .st_dev;
    Ok((rustix::fs::major(dev), rustix::fs::minor(dev)))
}

/// Finds the block device `major:minor` under `roots` the way psutil does for
/// `/dev/root` and `rootfs`: `{procfs}/partitions`, then
/// `{sysfs}/dev/block/MAJ:MIN/uevent` (`DEVNAME=`), then any `{sysfs}/class/block/*/dev`
/// holding `MAJ:MIN`. Files that cannot be read are skipped (psutil ignores `OSError`
/// at each step). The result `{dev}/NAME` must exist; `/dev/NAME` is returned.
fn find_root_device(roots: &Roots, major: u32, minor: u32) -> Option<String> {
    let from_partitions = || {
        let b = read_bytes(&roots.proc("partitions"), FileKind::TABLE).ok()?;
        find_partition_name(&b, major, minor)
    };
    let from_dev_block = || {
        let b = read_bytes(
            &roots.sys(format!("dev/block/{major}:{minor}/uevent")),
            FileKind::RECORD,
        )
        .ok()?;
        parse_uevent_devname(&b)
    };
    let from_class_block = || {
        let needle = format!("{major}:{minor}");
        let dir = roots.sys("class/block");
        for ent in list_dir(&dir).ok()? {
            let Ok(b) = read_bytes(&dir.join(&ent).join("dev"), FileKind::RECORD) else {
                continue;
            };
            if b.trim_ascii() == needle.as_bytes() {
                return Some(ent.to_string_lossy().into_owned());
            }
        }
        None
    };
    let name = from_partitions()
        .or_else(from_dev_block)
        .or_else(from_class_block)?;
    exists(&roots.dev.join(&name)).then(|| format!("/dev/{name}"))
}

thread_local! {
    /// A second reusable read buffer (`/proc/filesystems`), alongside the one the
    /// mount table is read into.
    static FS_BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Calls `f` with the file-system types `disk_partitions(all=False)` keeps:
/// `{procfs}/filesystems` without `nodev` types (plus zfs); when that file may not be
/// read (EACCES/EPERM, Android) psutil 8.0 takes every type found in
/// `{procfs}/self/mountinfo`. The types are decoded lossily and borrow from the read
/// buffer.
fn with_physical_fstypes<T>(roots: &Roots, f: impl FnOnce(&[Cow<'_, str>]) -> Result<T>) -> Result<T> {
    // The types borrow from this buffer while `f` reads the mount table into the
    // thread's usual one.
    let mut buf = FS_BUF.with(|b| b.take());
    let kept = kept_file(&roots.procfs, SysFile::Filesystems);
    let path: Cow<'_, Path> = match &kept {
        Some(k) => Cow::Borrowed(k.path()),
        None => Cow::Owned(roots.proc("filesystems")),
    };
    let read = match kept {
        Some(k) => k.read_into(&mut buf, FileKind::TABLE),
        None => read_into(&path, &mut buf, FileKind::TABLE),
    };
    let r = match read {
        Ok(()) => {
            let mut types = Vec::with_capacity(32);
            match visit_filesystems(&buf, &path, |t| types.push(String::from_utf8_lossy(t))) {
                Ok(()) => f(&types),
                Err(e) => Err(e),
            }
        }
        Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
            let mi = roots.proc("self/mountinfo");
            with_file(&mi, FileKind::TABLE, |b| parse_mountinfo_fstypes(b, &mi)).and_then(|types| {
                let types: Vec<Cow<'_, str>> = types.into_iter().map(Cow::Owned).collect();
                f(&types)
            })
        }
        Err(e) => Err(e),
    };
    if buf.capacity() <= 1 << 20 {
        FS_BUF.with(|b| b.set(buf));
    }
    r
}

/// Opens the mount table psutil reads: `{etc}/mtab` when `roots.procfs` is the literal
/// `/proc` and that file is a regular file (after following links), else
/// `{procfs}/self/mounts`. `/etc/mtab` is opened directly and checked with `fstat`
/// (one path walk instead of a `stat` and an `open`); only when that open fails is
/// `stat` asked whether psutil's `isfile` test would have passed (then the open error
/// is the call's error, as psutil's read would fail) or not (the fallback is used).
fn open_mount_table(roots: &Roots) -> Result<(PathBuf, OwnedFd)> {
    if roots.is_default_procfs() {
        let mtab = roots.etc.join("mtab");
        match open_regular(&mtab) {
            Ok(Some(fd)) => return Ok((mtab, fd)),
            Ok(None) => {}
            Err(e) if is_file(&mtab) => return Err(Error::io(&mtab, e)),
            Err(_) => {}
        }
    }
    let path = roots.proc("self/mounts");
    let fd = open(&path).map_err(|e| Error::io(&path, e))?;
    Ok((path, fd))
}

impl Host {
    /// psutil's `disk_partitions(all)`.
    ///
    /// The mount table is `{etc}/mtab` when `roots.procfs` is the literal `/proc` and that
    /// file is a regular file (after following links), else `{procfs}/self/mounts`. Device
    /// `none` becomes `""`; `/dev/root` and `rootfs` are resolved to the device of `/`
    /// (`stat("/")`, of the running system as in psutil) through `roots`' partitions and
    /// sysfs files. With `all == false` only entries with a device and a "physical" type
    /// are kept (see the spec 2.3). Entries keep mount-table order.
    pub fn disk_partitions(&self, all: bool) -> Result<Vec<DiskPartition>> {
        let roots: &Roots = self.roots();
        if all {
            mount_entries(roots, None)
        } else {
            with_physical_fstypes(roots, |types| mount_entries(roots, Some(types)))
        }
    }
}

/// The mount-table entries, filtered by `fstypes` (all=False) before anything is
/// allocated for them.
fn mount_entries(roots: &Roots, fstypes: Option<&[Cow<'_, str>]>) -> Result<Vec<DiskPartition>> {
    let (table, fd) = open_mount_table(roots)?;
    let mut buf = take_buf();
    let r = read_fd(fd.as_fd(), &mut buf, FileKind::TABLE).map_err(|e| Error::io(&table, e));
    drop(fd);
    let mut root: Option<Option<String>> = None; // resolved lazily, once
    let mut out = Vec::new();
    let r = r.and_then(|()| {
        visit_mounts(&buf, &table, |e| {
            let dev = mount_text(e.device);
            let mut device: Cow<'_, str> = if dev == "none" { Cow::Borrowed("") } else { dev };
            if device == "/dev/root" || device == "rootfs" {
                if root.is_none() {
                    let (ma, mi) = root_dev()?;
                    root = Some(find_root_device(roots, ma, mi));
                }
                if let Some(Some(real)) = &root {
                    device = Cow::Owned(real.clone());
                }
            }
            let fstype = mount_text(e.fstype);
            if let Some(types) = fstypes {
                if device.is_empty() || !types.contains(&fstype) {
                    return Ok(());
                }
            }
            out.push(DiskPartition {
                device: device.into_owned(),
                mountpoint: mount_text(e.mountpoint).into_owned(),
                fstype: fstype.into_owned(),
                opts: mount_text(e.opts).into_owned(),
            });
            Ok(())
        })
    });
    put_buf(buf);
    r.map(|()| out)
}

// ---------------------------------------------------------------------------
// disk_usage

/// psutil's `disk_usage(path)`: `statvfs(2)` of `path`, which may be any file or
/// directory (a regular file gives the usage of the file system holding it).
///
/// Errors: an [`Error::Io`] naming `path` with statvfs' errno (`ENOENT` →
/// FileNotFoundError, `ENOTDIR` → NotADirectoryError, ...); a path containing a NUL
/// byte is an [`Error::InvalidArgument`] naming it (Python's `ValueError`).
/// psutil would report a negative `used` if `f_bfree > f_blocks`; here it is 0.
pub fn disk_usage(path: impl AsRef<Path>) -> Result<DiskUsage> {
    let path = path.as_ref();
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(Error::invalid(format!(
            "disk_usage: path contains a NUL byte: {:?}",
            path
        )));
    }
    let st = crate::sys::fs::statvfs(path).map_err(|e| Error::io(path, e))?;
    usage_of(&st, path)
}

/// [`disk_usage`] of the file system holding the open file `fd` (`fstatvfs(2)`):
/// what psutil's `disk_usage(fd)` gives for an integer, which `os.statvfs` takes as a
/// descriptor. Errors name `fstatvfs(fd N)`; a descriptor that is not open is
/// `EBADF`.
pub fn disk_usage_fd(fd: std::os::fd::BorrowedFd<'_>) -> Result<DiskUsage> {
    use std::os::fd::AsRawFd;
    let what = || PathBuf::from(format!("fstatvfs(fd {})", fd.as_raw_fd()));
    let st = crate::sys::fs::fstatvfs(fd).map_err(|e| Error::io(what(), e))?;
    usage_of(&st, &what())
}

/// Sizes from a `statvfs` result; `path` names the file system in errors.
fn usage_of(st: &rustix::fs::StatVfs, path: &Path) -> Result<DiskUsage> {
    let frsize = st.f_frsize;
    // Blocks to bytes: beyond 16 EiB (a FUSE file system may claim anything) is an
    // error naming the path, never a saturated size.
    let bytes = |blocks: u64, what: &str| {
        blocks.checked_mul(frsize).ok_or_else(|| {
            Error::parse(
                path,
                format!("statvfs: {what} {blocks} blocks of {frsize} bytes overflow a 64-bit byte count"),
            )
        })
    };
    let total = bytes(st.f_blocks, "f_blocks")?;
    let avail_root = bytes(st.f_bfree, "f_bfree")?;
    let free = bytes(st.f_bavail, "f_bavail")?;
    let used = total.saturating_sub(avail_root);
    let denom = used as f64 + free as f64;
    let percent = if denom == 0.0 {
        0.0
    } else {
        round1(used as f64 / denom * 100.0)
    };
    Ok(DiskUsage {
        total,
        used,
        free,
        percent,
    })
}

impl Host {
    /// Same as [`disk_usage`]; `roots` is ignored because psutil does not apply
    /// `PROCFS_PATH` to `statvfs` (spec 0.5). Present for API symmetry.
    pub fn disk_usage(&self, path: impl AsRef<Path>) -> Result<DiskUsage> {
        disk_usage(path)
    }

    /// Same as [`disk_usage_fd`] (no root applies to a descriptor).
    pub fn disk_usage_fd(&self, fd: std::os::fd::BorrowedFd<'_>) -> Result<DiskUsage> {
        disk_usage_fd(fd)
    }
}

// ---------------------------------------------------------------------------
// disk_io_counters

fn to_row(d: &DiskStatLine, name: &[u8], path: &Path) -> Result<[u64; 9]> {
    let bytes = |sectors: u64| {
        sectors.checked_mul(512).ok_or_else(|| {
            Error::parse(
                path,
                format!(
                    "{}: {sectors} sectors overflow a byte count",
                    String::from_utf8_lossy(name)
                ),
            )
        })
    };
    Ok([
        d.reads,
        d.writes,
        bytes(d.read_sectors)?,
        bytes(d.write_sectors)?,
        d.read_time,
        d.write_time,
        d.reads_merged,
        d.writes_merged,
        d.busy_time,
    ])
}

fn from_row(r: [u64; 9]) -> DiskIoCounters {
    DiskIoCounters {
        read_count: r[0],
        write_count: r[1],
        read_bytes: r[2],
        write_bytes: r[3],
        read_time: r[4],
        write_time: r[5],
        read_merged_count: r[6],
        write_merged_count: r[7],
        busy_time: r[8],
    }
}

fn as_row(d: &DiskIoCounters) -> [u64; 9] {
    [
        d.read_count,
        d.write_count,
        d.read_bytes,
        d.write_bytes,
        d.read_time,
        d.write_time,
        d.read_merged_count,
        d.write_merged_count,
        d.busy_time,
    ]
}

/// psutil's sysfs fallback: every `stat` file found walking each `{sysfs}/block/*`
/// (the top entry is followed, links inside it are not), named after its directory.
fn read_sysfs_block(roots: &Roots, out: &mut Vec<(DiskStatLine, PathBuf)>) -> Result<()> {
    fn walk(dir: &Path, depth: u32, out: &mut Vec<(DiskStatLine, PathBuf)>) -> Result<()> {
        let mut subdirs = Vec::new();
        let mut has_stat = false;
        Dir::open(dir)
            .and_then(|mut d| {
                d.for_each_typed(|name, ft| {
                    if ft == rustix::fs::FileType::Directory {
                        subdirs.push(dir.join(std::ffi::OsStr::from_bytes(name)));
                    } else if name == b"stat" {
                        has_stat = true;
                    }
                })
            })
            .map_err(|e| Error::io(dir, e))?;
        if has_stat {
            let p = dir.join("stat");
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rec = with_file(&p, FileKind::RECORD, |b| parse_sysfs_block_stat(b, &p, &name))?;
            out.push((rec, p));
        }
        // sysfs is shallow; a bound keeps a looping tree from recursing forever.
        if depth < 8 {
            for d in subdirs {
                walk(&d, depth + 1, out)?;
            }
        }
        Ok(())
    }
    let block = roots.sys("block");
    for ent in list_dir(&block)? {
        walk(&block.join(ent), 0, out)?;
    }
    Ok(())
}

/// Hands `f` every device line as `(name, row)` (raw counters, bytes already × 512),
/// in file order: `{procfs}/diskstats`, or when that file does not exist the `stat`
/// files under `{sysfs}/block`, or else [`Error::Unsupported`]. Names are decoded
/// lossily and borrow from the read buffer.
///
/// The file is opened directly; only when the open fails is it decided, as psutil's
/// `os.path.exists` test does, whether it is missing (`ENOENT`/`ENOTDIR`, or any
/// error for which `access(F_OK)` also fails), which selects the fallback.
/// The rows of the `diskstats` text `buf` (read from `path`) handed to `f`.
fn diskstats_rows<T>(buf: &[u8], path: &Path, f: impl FnOnce(&[(Cow<'_, str>, [u64; 9])]) -> T) -> Result<T> {
    let mut rows = Vec::with_capacity(32);
    visit_diskstats(buf, path, |name, d| {
        rows.push((String::from_utf8_lossy(name), to_row(&d, name, path)?));
        Ok(())
    })?;
    Ok(f(&rows))
}

fn with_rows<T>(roots: &Roots, f: impl FnOnce(&[(Cow<'_, str>, [u64; 9])]) -> T) -> Result<T> {
    if let Some(k) = kept_file(&roots.procfs, SysFile::Diskstats) {
        return k.with(FileKind::TABLE, |buf, path| diskstats_rows(buf, path, f));
    }
    let path = roots.proc("diskstats");
    let fd = match open(&path) {
        Ok(fd) => Some(fd),
        Err(e) if matches!(OsErr::of(&e), OsErr::NotFound | OsErr::NotADirectory) => None,
        Err(_) if !exists(&path) => None,
        Err(e) => return Err(Error::io(&path, e)),
    };
    if let Some(fd) = fd {
        let mut buf = take_buf();
        let r = read_fd(fd.as_fd(), &mut buf, FileKind::TABLE).map_err(|e| Error::io(&path, e));
        drop(fd);
        let r = r.and_then(|()| diskstats_rows(&buf, &path, f));
        put_buf(buf);
        return r;
    }
    if exists(&roots.sys("block")) {
        let mut recs = Vec::new();
        read_sysfs_block(roots, &mut recs)?;
        let mut rows = Vec::with_capacity(recs.len());
        for (d, p) in &recs {
            rows.push((Cow::Borrowed(d.name.as_str()), to_row(d, d.name.as_bytes(), p)?));
        }
        return Ok(f(&rows));
    }
    Err(Error::unsupported(format!(
        "{} nor {} are available on this system",
        path.display(),
        roots.sys("block").display()
    )))
}

/// The entries of `{sysfs}/block`, listed once per call: psutil tests
/// `os.path.exists("/sys/block/" + name.replace("/", "!"))` for each device; a lookup
/// in one listing gives the same answer with one `getdents64` instead of one
/// `access` per device. (sysfs removes a block device's link together with the
/// device, so a listed entry always resolves.)
enum BlockNames {
    /// The listing: names separated by NUL bytes, and their ranges sorted by name.
    Listed(Vec<u8>, Vec<(usize, usize)>),
    /// `{sysfs}/block` does not exist: no name exists below it.
    Missing,
    /// The directory could not be listed for another reason: test each name.
    PerName(PathBuf),
}

/// Up to this many entries a listing is searched linearly; above, it is sorted once
/// and binary-searched.
const SORT_ABOVE: usize = 24;

impl BlockNames {
    fn read(roots: &Roots) -> BlockNames {
        let mut dir = match Dir::open_joined(&roots.sysfs, "block") {
            Ok(d) => d,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => {
                return BlockNames::Missing
            }
            Err(_) => return BlockNames::PerName(roots.sys("block")),
        };
        let mut names = Vec::with_capacity(512);
        let mut ranges = Vec::with_capacity(64);
        if dir
            .for_each(|n| {
                ranges.push((names.len(), n.len()));
                names.extend_from_slice(n);
            })
            .is_err()
        {
            return BlockNames::PerName(roots.sys("block"));
        }
        if ranges.len() > SORT_ABOVE {
            ranges.sort_unstable_by(|a, b| names[a.0..a.0 + a.1].cmp(&names[b.0..b.0 + b.1]));
        }
        BlockNames::Listed(names, ranges)
    }

    /// Whether `{sysfs}/block/<name with '/' read as '!'>` exists.
    fn contains(&self, name: &str) -> bool {
        let mut stack = [0u8; 64];
        let heap;
        let key: &[u8] = if !name.contains('/') {
            name.as_bytes()
        } else if name.len() <= stack.len() {
            for (d, s) in stack.iter_mut().zip(name.bytes()) {
                *d = if s == b'/' { b'!' } else { s };
            }
            &stack[..name.len()]
        } else {
            heap = name.replace('/', "!");
            heap.as_bytes()
        };
        match self {
            BlockNames::Missing => false,
            BlockNames::PerName(dir) => exists(&dir.join(std::ffi::OsStr::from_bytes(key))),
            // "." and ".." are not listed but exist in any directory.
            BlockNames::Listed(..) if key == b"." || key == b".." => true,
            BlockNames::Listed(names, ranges) if ranges.len() > SORT_ABOVE => ranges
                .binary_search_by(|r| names[r.0..r.0 + r.1].cmp(key))
                .is_ok(),
            BlockNames::Listed(names, ranges) => ranges
                .iter()
                .any(|r| r.1 == key.len() && names[r.0..r.0 + r.1] == *key),
        }
    }
}

/// psutil's `disk_io_counters(perdisk=False, nowrap)` for the process-wide roots.
pub fn disk_io_counters(nowrap: bool) -> Result<Option<DiskIoCounters>> {
    Host::current().disk_io_counters(nowrap)
}

impl Host {
    /// psutil's `disk_io_counters(perdisk=False, nowrap)`: the sum over the devices of
    /// `{procfs}/diskstats` that have a `{sysfs}/block/<name>` entry (a `/` in the name
    /// read as `!`), i.e. whole disks and virtual devices (loop, dm-*, zram; which may
    /// double count stacked devices, quirk 10.15), partitions excluded. `None` when no
    /// device qualifies. With `nowrap`, wrap-around compensation is applied to the
    /// per-device table before summing (the state is shared with
    /// [`disk_io_counters_perdisk`], as in psutil).
    ///
    /// Source: `{procfs}/diskstats` when it exists, else the `stat` files under
    /// `{sysfs}/block`, else [`Error::Unsupported`]. A diskstats line whose width is not 7,
    /// 14, 15 or ≥ 18 columns is an [`Error::Parse`] naming the file and line.
    pub fn disk_io_counters(&self, nowrap: bool) -> Result<Option<DiskIoCounters>> {
        let roots: &Roots = self.roots();
        let blocks = BlockNames::read(roots);
        with_rows(roots, |rows| {
            // A repeated name keeps its first position and its last values (psutil builds a
            // dict). Only devices with a /sys/block entry are kept.
            let mut table: IndexMap<&str, [u64; 9]> = IndexMap::with_capacity(rows.len());
            for (name, row) in rows {
                if blocks.contains(name) {
                    table.insert(name, *row);
                }
            }
            if table.is_empty() {
                return None;
            }
            if nowrap {
                let mut g = lock(&self.state().disk_nowrap);
                g.get_or_insert_with(NoWrap::new)
                    .apply_in_place(&mut table, |r| *r, |r, c| *r = c);
            }
            let mut sum = [0u64; 9];
            for row in table.values() {
                for (s, v) in sum.iter_mut().zip(row) {
                    // Python integers do not overflow; a sum past u64 cannot happen in practice.
                    *s = s.saturating_add(*v);
                }
            }
            Some(from_row(sum))
        })
    }
}

/// psutil's `disk_io_counters(perdisk=True, nowrap)` for the process-wide roots.
pub fn disk_io_counters_perdisk(nowrap: bool) -> Result<IndexMap<String, DiskIoCounters>> {
    Host::current().disk_io_counters_perdisk(nowrap)
}

impl Host {
    /// psutil's `disk_io_counters(perdisk=True, nowrap)`: one entry per line of
    /// `{procfs}/diskstats` (disks, partitions, loop, dm, zram ...), keyed by kernel name
    /// in file order (a repeated name keeps its first position and its last values).
    /// Empty when the file lists no device. Sources and errors as
    /// [`Host::disk_io_counters`].
    pub fn disk_io_counters_perdisk(&self, nowrap: bool) -> Result<IndexMap<String, DiskIoCounters>> {
        let roots: &Roots = self.roots();
        let mut table = with_rows(roots, |rows| {
            let mut table: IndexMap<String, DiskIoCounters> = IndexMap::with_capacity(rows.len());
            for (name, row) in rows {
                table.insert(name.as_ref().to_owned(), from_row(*row));
            }
            table
        })?;
        if nowrap && !table.is_empty() {
            let mut g = lock(&self.state().disk_nowrap);
            g.get_or_insert_with(NoWrap::new)
                .apply_in_place(&mut table, as_row, |d, c| *d = from_row(c));
        }
        Ok(table)
    }
}

/// psutil's `disk_io_counters.cache_clear()`: forgets the wrap-around state of
/// [`Host::current`], so the next `nowrap` call starts again from the raw kernel
/// values.
pub fn disk_io_counters_cache_clear() {
    Host::current().disk_io_counters_cache_clear();
}

impl Host {
    /// Forgets this host's `disk_io_counters` wrap-around state.
    pub fn disk_io_counters_cache_clear(&self) {
        if let Some(s) = lock(&self.state().disk_nowrap).as_mut() {
            s.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_device_lookup_order() {
        let r = Roots::fixture("disk-synth");
        // 8:2 is in the fixture's proc/partitions as sda2, and dev/sda2 exists.
        assert_eq!(find_root_device(&r, 8, 2).as_deref(), Some("/dev/sda2"));
        // 259:1 is missing from proc/partitions; sys/dev/block/259:1/uevent names it.
        assert_eq!(find_root_device(&r, 259, 1).as_deref(), Some("/dev/nvme0n1p1"));
        // 253:0 is only in sys/class/block/dm-0/dev.
        assert_eq!(find_root_device(&r, 253, 0).as_deref(), Some("/dev/dm-0"));
        // 8:1 is found (sda1) but dev/sda1 does not exist in the fixture.
        assert_eq!(find_root_device(&r, 8, 1), None);
        // Unknown everywhere.
        assert_eq!(find_root_device(&r, 99, 99), None);
    }

    /// The /sys/block listing answers like psutil's per-name `os.path.exists` test,
    /// both below and above the size where it switches to binary search.
    #[test]
    fn block_names_match_per_name_exists() {
        for count in [3usize, SORT_ABOVE + 10] {
            let dir = std::env::temp_dir().join(format!("psoxide-blocknames-{}-{count}", std::process::id()));
            let block = dir.join("sys/block");
            std::fs::create_dir_all(&block).unwrap();
            for i in 0..count {
                std::fs::create_dir_all(block.join(format!("dev{i}"))).unwrap();
            }
            std::fs::create_dir_all(block.join("cciss!c0d0")).unwrap();
            std::fs::write(block.join("plainfile"), b"").unwrap();
            let roots = Roots::under(&dir);
            let names = BlockNames::read(&roots);
            assert!(matches!(names, BlockNames::Listed(..)));
            let mut probes: Vec<String> = (0..count + 3).map(|i| format!("dev{i}")).collect();
            probes.extend(
                [
                    "cciss/c0d0",
                    "cciss!c0d0",
                    "cciss",
                    "plainfile",
                    ".",
                    "..",
                    "dev",
                    "dev00",
                    "Dev1",
                ]
                .map(String::from),
            );
            probes.push(format!("{}/x", "y".repeat(100)));
            for p in &probes {
                let want = block.join(p.replace('/', "!")).exists() || p == "." || p == "..";
                assert_eq!(names.contains(p), want, "{p} with {count} entries");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
        let missing = Roots::under("/nonexistent/psoxide");
        let names = BlockNames::read(&missing);
        assert!(matches!(names, BlockNames::Missing));
        assert!(!names.contains("sda"));
    }
}
