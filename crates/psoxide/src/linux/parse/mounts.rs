//! Mount tables and the small files `disk_partitions()` consults:
//! `/proc/self/mounts` (or `/etc/mtab`), `/proc/filesystems`, `/proc/self/mountinfo`,
//! `/proc/partitions` and sysfs `uevent` files.
//!
//! Mount lines are split the way glibc's `getmntent(3)` splits them (psutil calls it):
//! blank lines and lines starting with `#` are skipped, fields are separated by runs of
//! spaces and tabs, and each field has the kernel's escapes `\040` (space), `\011`
//! (tab), `\012` (newline), `\134` and `\\` (backslash) decoded; any other backslash
//! sequence is kept as is. Text is then decoded with `String::from_utf8_lossy` (a
//! mount point is arbitrary bytes; invalid UTF-8 becomes U+FFFD).

use crate::error::{Error, Result};
use crate::util::split_lines;
use std::borrow::Cow;
use std::path::Path;

/// One entry of a mount table (`fstab(5)` layout), decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountEntry {
    /// Mounted device or source (`/dev/sda1`, `tmpfs`, `none`), unescaped.
    pub device: String,
    /// Mount point, unescaped.
    pub mountpoint: String,
    /// File-system type (`ext4`, `tmpfs`).
    pub fstype: String,
    /// The raw comma-separated mount options (`rw,relatime`).
    pub opts: String,
}

/// Decodes the escapes glibc's `getmntent` decodes (see the module doc).
pub fn unescape_mount_field(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let rest = &field[i..];
        let (byte, used) = if rest.starts_with(b"\\040") {
            (b' ', 4)
        } else if rest.starts_with(b"\\011") {
            (b'\t', 4)
        } else if rest.starts_with(b"\\012") {
            (b'\n', 4)
        } else if rest.starts_with(b"\\134") {
            (b'\\', 4)
        } else if rest.starts_with(b"\\\\") {
            (b'\\', 2)
        } else {
            (rest[0], 1)
        };
        out.push(byte);
        i += used;
    }
    out
}

fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty())
}

/// The first four fields of one mount-table line, still escaped, borrowed from the
/// file's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawMountEntry<'a> {
    /// Mounted device or source, escaped.
    pub device: &'a [u8],
    /// Mount point, escaped.
    pub mountpoint: &'a [u8],
    /// File-system type, escaped.
    pub fstype: &'a [u8],
    /// Mount options, escaped.
    pub opts: &'a [u8],
}

/// A mount-table field as text: escapes decoded, then `String::from_utf8_lossy`.
/// Borrows (no allocation) when the field has no backslash and is valid UTF-8.
pub fn mount_text(field: &[u8]) -> Cow<'_, str> {
    if field.contains(&b'\\') {
        Cow::Owned(String::from_utf8_lossy(&unescape_mount_field(field)).into_owned())
    } else {
        String::from_utf8_lossy(field)
    }
}

/// Parses a mount table (`/proc/self/mounts`, `/etc/mtab`) read from `path` (used only
/// in errors). Entries keep file order.
///
/// glibc fills missing fields with `""`; here a non-comment line with fewer than four
/// fields (a truncated file, say) is an error instead.
pub fn parse_mounts(bytes: &[u8], path: &Path) -> Result<Vec<MountEntry>> {
    let mut out = Vec::new();
    visit_mounts(bytes, path, |e| {
        out.push(MountEntry {
            device: mount_text(e.device).into_owned(),
            mountpoint: mount_text(e.mountpoint).into_owned(),
            fstype: mount_text(e.fstype).into_owned(),
            opts: mount_text(e.opts).into_owned(),
        });
        Ok(())
    })?;
    Ok(out)
}

/// Like [`parse_mounts`], without allocating: calls `f` with each entry's raw fields,
/// in file order (decode them with [`mount_text`]). Same errors as `parse_mounts`;
/// the first error, or the first returned by `f`, stops the walk.
pub fn visit_mounts<'a>(
    bytes: &'a [u8],
    path: &Path,
    mut f: impl FnMut(RawMountEntry<'a>) -> Result<()>,
) -> Result<()> {
    for (i, line) in split_lines(bytes).enumerate() {
        let head = line.trim_ascii_start();
        if matches!(head.first(), None | Some(b'#')) {
            continue;
        }
        let mut it = fields(line);
        let (Some(device), Some(mountpoint), Some(fstype), Some(opts)) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(Error::parse(
                path,
                format!(
                    "line {}: expected at least 4 fields (device, mount point, type, options), got {:?}",
                    i + 1,
                    String::from_utf8_lossy(line)
                ),
            ));
        };
        f(RawMountEntry {
            device,
            mountpoint,
            fstype,
            opts,
        })?;
    }
    Ok(())
}

/// Parses `/proc/filesystems` into the "physical" file-system types psutil keeps for
/// `disk_partitions(all=False)`: every type without the `nodev` flag, plus `zfs`
/// (which is flagged `nodev`). Errors: a line that is neither `\tTYPE` nor
/// `nodev\tTYPE`.
pub fn parse_filesystems(bytes: &[u8], path: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    visit_filesystems(bytes, path, |ty| {
        out.push(String::from_utf8_lossy(ty).into_owned())
    })?;
    Ok(out)
}

/// Like [`parse_filesystems`], without allocating: calls `f` with each kept type's
/// raw bytes, in file order.
pub fn visit_filesystems<'a>(bytes: &'a [u8], path: &Path, mut f: impl FnMut(&'a [u8])) -> Result<()> {
    for (i, line) in split_lines(bytes).enumerate() {
        let mut toks: [&'a [u8]; 2] = [&[]; 2];
        let mut n = 0usize;
        for t in line.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()) {
            if let Some(slot) = toks.get_mut(n) {
                *slot = t;
            }
            n += 1;
        }
        match (n, toks) {
            (0, _) => {}
            (1, [ty, _]) if ty != b"nodev" => f(ty),
            (2, [b"nodev", ty]) => {
                if ty == b"zfs" {
                    f(ty);
                }
            }
            _ => {
                return Err(Error::parse(
                    path,
                    format!(
                        "line {}: expected '[nodev]\\tTYPE', got {:?}",
                        i + 1,
                        String::from_utf8_lossy(line)
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Parses `/proc/self/mountinfo` into the file-system type of each entry (the field
/// after the ` - ` separator), unescaped, in file order. psutil 8.0 uses this set in
/// place of `/proc/filesystems` when that file may not be read (Android).
pub fn parse_mountinfo_fstypes(bytes: &[u8], path: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        let f: Vec<&[u8]> = line.split(|&b| b == b' ').filter(|t| !t.is_empty()).collect();
        // Fields 1-6 are fixed, then optional fields up to "-", then fstype.
        let ty = f
            .iter()
            .enumerate()
            .skip(6)
            .find(|(_, t)| **t == b"-")
            .and_then(|(k, _)| f.get(k + 1));
        match ty {
            Some(ty) => out.push(String::from_utf8_lossy(&unescape_mount_field(ty)).into_owned()),
            None => {
                return Err(Error::parse(
                    path,
                    format!(
                        "line {}: no file-system type after ' - ' in {:?}",
                        i + 1,
                        String::from_utf8_lossy(line)
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// Looks up `major:minor` in `/proc/partitions` (two header lines, then
/// `major minor #blocks name`) and returns the device name. Lines with fewer than four
/// fields or non-numeric numbers are skipped, as psutil does; this never fails.
pub fn find_partition_name(bytes: &[u8], major: u32, minor: u32) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').skip(2) {
        let f: Vec<&[u8]> = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        let [ma, mi, _, name, ..] = f.as_slice() else {
            continue;
        };
        let parse = |t: &[u8]| std::str::from_utf8(t).ok().and_then(|s| s.parse::<u32>().ok());
        if parse(ma) == Some(major) && parse(mi) == Some(minor) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    None
}

/// Returns the value of the first `DEVNAME=` line of a sysfs `uevent` file, if it is
/// present and not empty.
pub fn parse_uevent_devname(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n') {
        if let Some(v) = line.strip_prefix(b"DEVNAME=") {
            let v = v.trim_ascii();
            return (!v.is_empty()).then(|| String::from_utf8_lossy(v).into_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(b: &[u8]) -> Result<Vec<MountEntry>> {
        parse_mounts(b, Path::new("/proc/self/mounts"))
    }

    #[test]
    fn mount_text_equals_unescape_then_lossy() {
        for f in [
            &b"/dev/sda1"[..],
            b"/mnt/a\\040b",
            b"\\",
            b"a\\134b\\\\c\\x",
            b"\xff\xfe/bad",
            b"\xff\\040",
            b"",
        ] {
            let want = String::from_utf8_lossy(&unescape_mount_field(f)).into_owned();
            assert_eq!(mount_text(f), want, "{f:?}");
        }
        assert!(matches!(mount_text(b"/dev/vda1"), Cow::Borrowed(_)));
    }

    #[test]
    fn unescapes_like_glibc() {
        assert_eq!(
            unescape_mount_field(b"/mnt/a\\040b\\011c\\012d\\134e\\\\f"),
            b"/mnt/a b\tc\nd\\e\\f"
        );
        // Other escapes stay as they are; a lone trailing backslash too.
        assert_eq!(unescape_mount_field(b"a\\043b\\"), b"a\\043b\\");
        assert_eq!(unescape_mount_field(b"\\04"), b"\\04");
        assert_eq!(unescape_mount_field(b""), b"");
    }

    #[test]
    fn parses_lines() {
        let v = p(
            b"/dev/vda / ext4 rw,relatime 0 0\n# comment\n\n  none\t/mnt/my\\040disk\ttmpfs rw\n\
                    /dev/sdb1 /media/caf\xc3\xa9\\011x vfat ro 0 0\n/dev/sdc1 /m/\xff auto defaults",
        )
        .unwrap();
        assert_eq!(v.len(), 4);
        assert_eq!(
            v[0],
            MountEntry {
                device: "/dev/vda".into(),
                mountpoint: "/".into(),
                fstype: "ext4".into(),
                opts: "rw,relatime".into()
            }
        );
        assert_eq!(v[1].device, "none");
        assert_eq!(v[1].mountpoint, "/mnt/my disk");
        assert_eq!(v[1].opts, "rw");
        assert_eq!(v[2].mountpoint, "/media/café\tx");
        assert_eq!(v[3].mountpoint, "/m/\u{fffd}");
    }

    #[test]
    fn truncated_lines_are_errors() {
        for bad in [
            &b"/dev/vda / ext4"[..],
            b"/dev/vda /\n",
            b"proc /proc proc rw 0 0\ntmpfs /dev/sh",
        ] {
            let e = p(bad).unwrap_err();
            assert!(matches!(e, Error::Parse { .. }));
            assert!(e.to_string().contains("/proc/self/mounts"));
        }
        assert!(p(b"").unwrap().is_empty());
    }

    #[test]
    fn filesystems() {
        let v = parse_filesystems(
            b"nodev\tsysfs\nnodev\ttmpfs\n\text4\n\txfs\nnodev\tzfs\n\n",
            Path::new("f"),
        )
        .unwrap();
        assert_eq!(v, ["ext4", "xfs", "zfs"]);
        assert!(parse_filesystems(b"", Path::new("f")).unwrap().is_empty());
        for bad in [&b"nodev\n"[..], b"a b c\n", b"ext4 extra\n"] {
            assert!(
                matches!(parse_filesystems(bad, Path::new("f")), Err(Error::Parse { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn mountinfo() {
        let s = b"22 1 0:21 / /proc rw,relatime shared:12 - proc proc rw\n\
                  30 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n\
                  31 30 0:5 / /a\\040b rw master:1 shared:2 - fuse\\040x src rw\n";
        let v = parse_mountinfo_fstypes(s, Path::new("mi")).unwrap();
        assert_eq!(v, ["proc", "ext4", "fuse x"]);
        for bad in [
            &b"22 1 0:21 / /proc rw\n"[..],
            b"1 2 3 4 5 6 -\n",
            b"- - - - - - x\n",
        ] {
            assert!(matches!(
                parse_mountinfo_fstypes(bad, Path::new("mi")),
                Err(Error::Parse { .. })
            ));
        }
    }

    #[test]
    fn partitions_lookup() {
        let s =
            b"major minor  #blocks  name\n\n 254        0  268435456 vda\n   8 1 100 sda1\n x y z w\n 8 2\n";
        assert_eq!(find_partition_name(s, 254, 0).as_deref(), Some("vda"));
        assert_eq!(find_partition_name(s, 8, 1).as_deref(), Some("sda1"));
        assert_eq!(find_partition_name(s, 8, 2), None);
        assert_eq!(find_partition_name(b"", 8, 2), None);
        // the first two lines are headers even if they look like data
        assert_eq!(
            find_partition_name(b"8 3 1 sdx\n8 3 1 sdy\n8 3 1 sdz\n", 8, 3).as_deref(),
            Some("sdz")
        );
    }

    #[test]
    fn uevent() {
        assert_eq!(
            parse_uevent_devname(b"MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n").as_deref(),
            Some("vda")
        );
        assert_eq!(parse_uevent_devname(b"MAJOR=254\nDEVNAME=\n"), None);
        assert_eq!(parse_uevent_devname(b""), None);
    }
}
