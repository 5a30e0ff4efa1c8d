//! disk_partitions / disk_usage / disk_io_counters: fixture trees and live
//! cross-checks against /proc/self/mounts, findmnt, df and /proc/diskstats.

use psoxide::Host;
use psoxide::{
    disk_io_counters, disk_io_counters_cache_clear, disk_io_counters_perdisk, disk_partitions, disk_usage,
    DiskIoCounters, DiskPartition, Error, Roots,
};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture(name: &str) -> Roots {
    Roots::under(fixture_dir(name))
}

fn io(v: [u64; 9]) -> DiskIoCounters {
    DiskIoCounters {
        read_count: v[0],
        write_count: v[1],
        read_bytes: v[2],
        write_bytes: v[3],
        read_time: v[4],
        write_time: v[5],
        read_merged_count: v[6],
        write_merged_count: v[7],
        busy_time: v[8],
    }
}

fn part(d: &str, m: &str, f: &str, o: &str) -> DiskPartition {
    DiskPartition {
        device: d.into(),
        mountpoint: m.into(),
        fstype: f.into(),
        opts: o.into(),
    }
}

// ------------------------------------------------------------ disk_io_counters

/// Expected per-disk values of fixtures/disk-synth, as printed by psutil 7.2.2 with
/// PROCFS_PATH pointed at the tree.
fn synth_expected() -> Vec<(&'static str, [u64; 9])> {
    vec![
        ("sda", [1000, 400, 10240000, 4096000, 300, 500, 10, 40, 600]),
        ("sda1", [100, 40, 1024000, 409600, 0, 0, 0, 0, 0]), // 7 columns
        ("sda2", [900, 360, 9216000, 3686400, 290, 480, 10, 40, 550]), // 20 columns
        (
            "nvme0n1",
            [5000, 2000, 51200000, 20480000, 1000, 900, 50, 20, 1500],
        ),
        (
            "nvme0n1p1",
            [4000, 1500, 40960000, 15360000, 800, 700, 40, 15, 1200],
        ),
        ("dm-0", [4100, 1600, 41472000, 15872000, 850, 750, 0, 0, 1250]),
        ("loop0", [7, 0, 28672, 0, 1, 0, 0, 0, 2]),
        ("hda", [8, 14, 6144, 8192, 13, 17, 11, 15, 19]), // 15 columns (2.4)
        ("cciss/c0d0", [1, 5, 1536, 3584, 4, 8, 2, 6, 10]),
    ]
}

#[test]
fn perdisk_synthetic_layouts() {
    let got = Host::new(fixture("disk-synth"))
        .disk_io_counters_perdisk(false)
        .unwrap();
    let want: Vec<(String, DiskIoCounters)> = synth_expected()
        .into_iter()
        .map(|(k, v)| (k.to_string(), io(v)))
        .collect();
    let got: Vec<(String, DiskIoCounters)> = got.into_iter().collect();
    assert_eq!(got, want); // same order as the file
}

#[test]
fn aggregate_sums_sys_block_devices_only() {
    // sys/block holds sda, nvme0n1, dm-0, loop0, hda and cciss!c0d0 (the '/' of
    // cciss/c0d0 read as '!'); partitions sda1, sda2, nvme0n1p1 are skipped.
    let whole = ["sda", "nvme0n1", "dm-0", "loop0", "hda", "cciss/c0d0"];
    let mut sum = [0u64; 9];
    for (k, v) in synth_expected() {
        if whole.contains(&k) {
            for i in 0..9 {
                sum[i] += v[i];
            }
        }
    }
    let got = Host::new(fixture("disk-synth")).disk_io_counters(false).unwrap();
    assert_eq!(got, Some(io(sum)));
}

#[test]
fn captured_diskstats_fixture() {
    let r = fixture("disk-live");
    let per = Host::new(r.clone()).disk_io_counters_perdisk(false).unwrap();
    let names: Vec<&str> = per.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        ["loop0", "loop1", "loop2", "loop3", "loop4", "loop5", "loop6", "loop7", "vda", "zram0"]
    );
    // vda line of the capture: 5708 3082 1421634 3864 2058 12800 1434824 4594 0 2256 ...
    assert_eq!(
        per["vda"],
        io([
            5708,
            2058,
            1421634 * 512,
            1434824 * 512,
            3864,
            4594,
            3082,
            12800,
            2256
        ])
    );
    // every device has a sys/block entry, so the aggregate is the vda line plus zeros
    assert_eq!(
        Host::new(r.clone()).disk_io_counters(false).unwrap(),
        Some(per["vda"])
    );
}

#[test]
fn sysfs_fallback_when_no_diskstats() {
    let r = fixture("disk-sysfs");
    let per = Host::new(r.clone()).disk_io_counters_perdisk(false).unwrap();
    let mut names: Vec<&str> = per.keys().map(|s| s.as_str()).collect();
    names.sort();
    assert_eq!(names, ["loop0", "sda", "sda1"]);
    assert_eq!(
        per["sda"],
        io([1000, 400, 20000 * 512, 8000 * 512, 300, 500, 10, 40, 600])
    );
    assert_eq!(per["sda1"], io([100, 40, 2000 * 512, 800 * 512, 0, 0, 0, 0, 5]));
    assert_eq!(per["loop0"], io([7, 0, 56 * 512, 0, 1, 0, 0, 0, 2]));
    // sda1 has no sys/block/sda1: aggregate = sda + loop0
    let agg = Host::new(r.clone()).disk_io_counters(false).unwrap().unwrap();
    assert_eq!(agg.read_count, 1007);
    assert_eq!(agg.read_bytes, (20000 + 56) * 512);
    assert_eq!(agg.busy_time, 602);
}

#[test]
fn neither_diskstats_nor_sys_block_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let e = Host::new(Roots::under(dir.path()))
        .disk_io_counters_perdisk(false)
        .unwrap_err();
    assert_eq!(e.exception_name(), "NotImplementedError");
    assert!(e.to_string().contains("diskstats"), "{e}");
    assert!(Host::new(Roots::under(dir.path()))
        .disk_io_counters(true)
        .is_err());
}

#[test]
fn bad_width_is_a_parse_error_naming_file_and_line() {
    let e = Host::new(fixture("disk-bad"))
        .disk_io_counters_perdisk(false)
        .unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
    let s = e.to_string();
    assert!(
        s.contains("disk-bad/proc/diskstats") && s.contains("line 2") && s.contains("got 12"),
        "{s}"
    );
    assert!(Host::new(fixture("disk-bad")).disk_io_counters(false).is_err());
}

#[test]
fn empty_diskstats_gives_none_and_empty_map() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc")).unwrap();
    std::fs::write(dir.path().join("proc/diskstats"), "").unwrap();
    let r = Roots::under(dir.path());
    assert_eq!(Host::new(r.clone()).disk_io_counters(false).unwrap(), None);
    assert!(Host::new(r.clone())
        .disk_io_counters_perdisk(false)
        .unwrap()
        .is_empty());
    // only partitions: no sys/block entry qualifies -> None
    std::fs::write(dir.path().join("proc/diskstats"), "8 1 sda1 1 2 3 4\n").unwrap();
    assert_eq!(Host::new(r.clone()).disk_io_counters(false).unwrap(), None);
    assert_eq!(
        Host::new(r.clone())
            .disk_io_counters_perdisk(false)
            .unwrap()
            .len(),
        1
    );
}

fn wrap_tree() -> (tempfile::TempDir, Roots) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proc")).unwrap();
    for d in ["sda", "sdb"] {
        std::fs::create_dir_all(dir.path().join("sys/block").join(d)).unwrap();
    }
    let r = Roots::under(dir.path());
    (dir, r)
}

fn install(dir: &Path, which: u32) {
    let src = fixture_dir("disk-wrap").join(format!("diskstats.{which}"));
    std::fs::copy(src, dir.join("proc/diskstats")).unwrap();
}

#[test]
fn nowrap_compensates_and_cache_clear_resets() {
    let (dir, r) = wrap_tree();
    let h = psoxide::Host::new(r.clone());
    h.disk_io_counters_cache_clear();
    install(dir.path(), 1);
    let first = h.disk_io_counters_perdisk(true).unwrap();
    assert_eq!(first["sda"].read_count, 4_000_000_000);
    assert_eq!(first["sda"].read_bytes, 4_294_967_000 * 512);

    // sda's reads and sectors read went down (wrapped); sda1's reads too.
    install(dir.path(), 2);
    let second = h.disk_io_counters_perdisk(true).unwrap();
    assert_eq!(second["sda"].read_count, 4_000_000_000 + 100);
    assert_eq!(second["sda"].read_bytes, (4_294_967_000 + 50) * 512);
    assert_eq!(second["sda"].write_count, 401); // grew: unchanged
    assert_eq!(second["sda1"].read_count, 100 + 90);
    assert_eq!(second["sdb"].read_count, 2);
    // without nowrap the raw values show through and the state is not touched
    let raw = h.disk_io_counters_perdisk(false).unwrap();
    assert_eq!(raw["sda"].read_count, 100);

    // sdb vanished; the offsets of sda/sda1 stay.
    install(dir.path(), 3);
    let third = h.disk_io_counters_perdisk(true).unwrap();
    assert_eq!(third["sda"].read_count, 4_000_000_000 + 200);
    assert_eq!(third["sda1"].read_count, 100 + 95);
    assert!(!third.contains_key("sdb"));

    h.disk_io_counters_cache_clear();
    let cleared = h.disk_io_counters_perdisk(true).unwrap();
    assert_eq!(cleared["sda"].read_count, 200);
    assert_eq!(cleared["sda"].read_bytes, 60 * 512);
    h.disk_io_counters_cache_clear();
}

#[test]
fn nowrap_applies_before_summation() {
    let (dir, r) = wrap_tree();
    let h = psoxide::Host::new(r.clone());
    h.disk_io_counters_cache_clear();
    install(dir.path(), 1);
    let a = h.disk_io_counters(true).unwrap().unwrap();
    assert_eq!(a.read_count, 4_000_000_000 + 1); // sda + sdb
    install(dir.path(), 2);
    let b = h.disk_io_counters(true).unwrap().unwrap();
    assert_eq!(b.read_count, 4_000_000_000 + 100 + 2);
    assert_eq!(b.read_bytes, (4_294_967_000 + 50) * 512 + 3 * 512);
    let raw = h.disk_io_counters(false).unwrap().unwrap();
    assert_eq!(raw.read_count, 102);
    h.disk_io_counters_cache_clear();
}

// ------------------------------------------------------------ disk_partitions

/// What the fixtures' `/dev/root` turns into, given this machine's `stat("/")`.
fn synth_root_device() -> &'static str {
    let dev = std::fs::metadata("/").unwrap().dev();
    match (libc::major(dev), libc::minor(dev)) {
        (8, 2) => "/dev/sda2",
        (259, 1) => "/dev/nvme0n1p1",
        (253, 0) => "/dev/dm-0",
        _ => "/dev/root",
    }
}

#[test]
fn partitions_synthetic_all() {
    let got = Host::new(fixture("disk-synth")).disk_partitions(true).unwrap();
    let want = vec![
        part(synth_root_device(), "/", "ext4", "rw,relatime"),
        part("proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime"),
        part("", "/run/none", "tmpfs", "rw"),
        part("", "/mnt/nodev-ext4", "ext4", "rw"),
        part("/dev/sda1", "/boot/efi", "vfat", "rw,fmask=0077"),
        part("/dev/sdb1", "/media/my usb\tstick", "vfat", "ro,nosuid"),
        part("/dev/sdc1", "/media/caf\u{fffd}", "xfs", "rw"),
        part("tank/home", "/home", "zfs", "rw,xattr"),
        part("/dev/nvme0n1p1", "/data\\dir", "ext4", "rw"),
        part("//srv/share", "/mnt/smb", "cifs", "rw"),
    ];
    assert_eq!(got, want);
}

#[test]
fn partitions_synthetic_physical_only() {
    // etc/mtab of the fixture (/dev/wrong) is not read: procfs is not /proc.
    let got = Host::new(fixture("disk-synth")).disk_partitions(false).unwrap();
    let want = vec![
        part(synth_root_device(), "/", "ext4", "rw,relatime"),
        part("/dev/sda1", "/boot/efi", "vfat", "rw,fmask=0077"),
        part("/dev/sdb1", "/media/my usb\tstick", "vfat", "ro,nosuid"),
        part("/dev/sdc1", "/media/caf\u{fffd}", "xfs", "rw"),
        part("tank/home", "/home", "zfs", "rw,xattr"),
        part("/dev/nvme0n1p1", "/data\\dir", "ext4", "rw"),
    ];
    assert_eq!(got, want);
}

#[test]
fn partitions_captured_fixture() {
    let r = fixture("disk-live");
    let all = Host::new(r.clone()).disk_partitions(true).unwrap();
    assert_eq!(all.len(), 20);
    assert_eq!(
        all[5],
        part(
            "/dev/vda",
            "/",
            "ext4",
            "rw,relatime,discard,resv_strict,resuid=65534,resgid=65534"
        )
    );
    let phys = Host::new(r.clone()).disk_partitions(false).unwrap();
    assert_eq!(phys, vec![all[5].clone()]); // what psutil 7.2.2 printed on this machine
}

/// Builds a tree whose `/dev/root` must be resolved through one of the three sources,
/// keyed by this machine's real root device numbers.
#[test]
fn root_device_resolution_steps() {
    let dev = std::fs::metadata("/").unwrap().dev();
    let (ma, mi) = (libc::major(dev), libc::minor(dev));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("proc/self")).unwrap();
    std::fs::create_dir_all(d.join("dev")).unwrap();
    std::fs::write(
        d.join("proc/self/mounts"),
        "/dev/root / ext4 rw 0 0\nrootfs / rootfs rw 0 0\n",
    )
    .unwrap();
    std::fs::write(d.join("proc/filesystems"), "\text4\nnodev\trootfs\n").unwrap();
    let r = Roots::under(d);
    let devices = || -> Vec<String> {
        Host::new(r.clone())
            .disk_partitions(true)
            .unwrap()
            .into_iter()
            .map(|p| p.device)
            .collect()
    };

    // 1. /proc/partitions
    std::fs::write(
        d.join("proc/partitions"),
        format!("major minor  #blocks  name\n\n {ma} {mi} 100 rootdisk\n"),
    )
    .unwrap();
    assert_eq!(
        devices(),
        ["/dev/root", "rootfs"],
        "dev/rootdisk does not exist yet"
    );
    std::fs::write(d.join("dev/rootdisk"), "").unwrap();
    assert_eq!(devices(), ["/dev/rootdisk", "/dev/rootdisk"]);
    // all=false: rootfs is nodev but resolved device keeps the ext4 entry only
    let phys = Host::new(r.clone()).disk_partitions(false).unwrap();
    assert_eq!(phys.len(), 1);
    assert_eq!(phys[0].device, "/dev/rootdisk");

    // 2. sys/dev/block/MAJ:MIN/uevent when partitions has no match
    std::fs::write(
        d.join("proc/partitions"),
        "major minor  #blocks  name\n\n 1 2 3 other\n",
    )
    .unwrap();
    let ue = d.join(format!("sys/dev/block/{ma}:{mi}"));
    std::fs::create_dir_all(&ue).unwrap();
    std::fs::write(
        ue.join("uevent"),
        format!("MAJOR={ma}\nMINOR={mi}\nDEVNAME=viauevent\n"),
    )
    .unwrap();
    std::fs::write(d.join("dev/viauevent"), "").unwrap();
    assert_eq!(devices()[0], "/dev/viauevent");

    // 3. sys/class/block/*/dev when neither helps
    std::fs::remove_file(ue.join("uevent")).unwrap();
    let cb = d.join("sys/class/block/viaclass");
    std::fs::create_dir_all(&cb).unwrap();
    std::fs::write(cb.join("dev"), format!("{ma}:{mi}\n")).unwrap();
    std::fs::create_dir_all(d.join("sys/class/block/other")).unwrap();
    std::fs::write(d.join("sys/class/block/other/dev"), "1:2\n").unwrap();
    std::fs::write(d.join("dev/viaclass"), "").unwrap();
    assert_eq!(devices()[0], "/dev/viaclass");

    // no proc/partitions at all: still falls through to sysfs
    std::fs::remove_file(d.join("proc/partitions")).unwrap();
    assert_eq!(devices()[0], "/dev/viaclass");
}

#[test]
fn truncated_mounts_and_missing_filesystems() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("proc/self")).unwrap();
    std::fs::write(
        d.join("proc/self/mounts"),
        "proc /proc proc rw 0 0\n/dev/sda1 /bo",
    )
    .unwrap();
    let r = Roots::under(d);
    let e = Host::new(r.clone()).disk_partitions(true).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e}");
    assert!(
        e.to_string().contains("proc/self/mounts") && e.to_string().contains("line 2"),
        "{e}"
    );
    // all=false needs proc/filesystems; it is missing: FileNotFoundError, not [].
    std::fs::write(d.join("proc/self/mounts"), "proc /proc proc rw 0 0\n").unwrap();
    let e = Host::new(r.clone()).disk_partitions(false).unwrap_err();
    assert_eq!(e.exception_name(), "FileNotFoundError");
    assert!(e.to_string().contains("proc/filesystems"), "{e}");
    // all=true does not read it
    assert_eq!(Host::new(r.clone()).disk_partitions(true).unwrap().len(), 1);
}

// ------------------------------------------------------------ live

fn decode_findmnt(s: &str) -> String {
    // findmnt -r escapes unsafe characters as \xHH
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
            let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_self_mounts() -> Vec<DiskPartition> {
    let text = std::fs::read("/proc/self/mounts").unwrap();
    let unesc = |s: &str| {
        s.replace("\\040", " ")
            .replace("\\011", "\t")
            .replace("\\012", "\n")
            .replace("\\134", "\\")
    };
    String::from_utf8_lossy(&text)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let dev = if f[0] == "none" {
                String::new()
            } else {
                unesc(f[0])
            };
            part(&dev, &unesc(f[1]), &unesc(f[2]), &unesc(f[3]))
        })
        .collect()
}

#[test]
fn live_partitions_vs_proc_self_mounts_and_findmnt() {
    let want = read_self_mounts();
    let got = disk_partitions(true).unwrap();
    let has_root_alias = want
        .iter()
        .any(|p| p.device == "/dev/root" || p.device == "rootfs");
    if has_root_alias {
        println!("mount table has /dev/root or rootfs: comparing everything but those devices");
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                (&g.mountpoint, &g.fstype, &g.opts),
                (&w.mountpoint, &w.fstype, &w.opts)
            );
        }
    } else {
        assert_eq!(got, want);
    }
    let out = Command::new("findmnt")
        .args(["-rn", "-o", "SOURCE,TARGET,FSTYPE"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let fm: Vec<(String, String)> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| {
                    let f: Vec<&str> = l.split(' ').collect();
                    (decode_findmnt(f[1]), decode_findmnt(f[2]))
                })
                .collect();
            let ours: Vec<(String, String)> = got
                .iter()
                .map(|p| (p.mountpoint.clone(), p.fstype.clone()))
                .collect();
            assert_eq!(ours, fm);
        }
        _ => println!("findmnt not available: skipped the findmnt comparison"),
    }
}

#[test]
fn live_physical_partitions_are_a_filtered_subsequence() {
    let all = disk_partitions(true).unwrap();
    let phys = disk_partitions(false).unwrap();
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap();
    let types: Vec<&str> = fs
        .lines()
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>().as_slice() {
            [t] => Some(*t),
            ["nodev", "zfs"] => Some("zfs"),
            _ => None,
        })
        .collect();
    let want: Vec<DiskPartition> = all
        .into_iter()
        .filter(|p| !p.device.is_empty() && types.contains(&p.fstype.as_str()))
        .collect();
    assert_eq!(phys, want);
    // The root file system is always among them on a normal machine.
    assert!(phys.iter().any(|p| p.mountpoint == "/"), "{phys:?}");
}

fn df(path: &str) -> (u64, u64, u64) {
    let out = Command::new("df")
        .args(["-B1", "--output=size,used,avail", path])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<u64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (v[0], v[1], v[2])
}

#[test]
fn live_disk_usage_vs_df() {
    let b = df("/");
    let u = disk_usage("/").unwrap();
    let a = df("/");
    assert_eq!(u.total, b.0);
    assert_eq!(u.total, a.0);
    let slack = 256 << 20; // other processes write to / between the reads
    let within = |x: u64, p: u64, q: u64| x + slack >= p.min(q) && x <= p.max(q) + slack;
    assert!(
        within(u.used, b.1, a.1),
        "used {} vs df {} / {}",
        u.used,
        b.1,
        a.1
    );
    assert!(
        within(u.free, b.2, a.2),
        "free {} vs df {} / {}",
        u.free,
        b.2,
        a.2
    );
    let pct = u.used as f64 / (u.used + u.free) as f64 * 100.0;
    assert!((u.percent - pct).abs() <= 0.05 + 1e-9, "{} vs {}", u.percent, pct);
    // a regular file gives its file system's usage
    let f = disk_usage("/etc/passwd").unwrap();
    assert_eq!(f.total, df("/etc/passwd").0);
}

#[test]
fn disk_usage_errors_name_the_path() {
    let e = disk_usage("/nonexistent/psoxide-x").unwrap_err();
    assert_eq!(e.exception_name(), "FileNotFoundError");
    assert!(e.to_string().contains("/nonexistent/psoxide-x"), "{e}");
    let e = disk_usage("/etc/passwd/x").unwrap_err();
    assert_eq!(e.exception_name(), "NotADirectoryError");
    assert!(e.to_string().contains("/etc/passwd/x"), "{e}");
    let e = disk_usage("/tmp/a\0b").unwrap_err();
    assert_eq!(e.exception_name(), "ValueError");
    assert!(e.to_string().contains("/tmp/a"), "{e}");
}

/// /proc/diskstats read independently: name -> the 9 psutil values (14/>=18 layouts).
fn diskstats_independent() -> Vec<(String, [u64; 9])> {
    std::fs::read_to_string("/proc/diskstats")
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(
                f.len() == 14 || f.len() >= 18,
                "this machine has an unusual diskstats line: {l}"
            );
            let n = |i: usize| f[i].parse::<u64>().unwrap();
            (
                f[2].to_string(),
                [n(3), n(7), n(5) * 512, n(9) * 512, n(6), n(10), n(4), n(8), n(12)],
            )
        })
        .collect()
}

fn as_array(d: &DiskIoCounters) -> [u64; 9] {
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

#[test]
fn live_perdisk_bracketed_by_two_reads() {
    let before = diskstats_independent();
    let ours = disk_io_counters_perdisk(false).unwrap();
    let after = diskstats_independent();
    let names: Vec<&String> = ours.keys().collect();
    let bnames: Vec<&String> = before.iter().map(|(n, _)| n).collect();
    assert_eq!(names, bnames);
    for ((name, b), (_, a)) in before.iter().zip(&after) {
        let o = as_array(&ours[name]);
        for i in 0..9 {
            assert!(
                b[i] <= o[i] && o[i] <= a[i],
                "{name} field {i}: {} <= {} <= {}",
                b[i],
                o[i],
                a[i]
            );
        }
    }
    // aggregate: devices with /sys/block/<name>
    let sum = |t: &[(String, [u64; 9])]| {
        let mut s = [0u64; 9];
        for (n, v) in t {
            if Path::new("/sys/block").join(n.replace('/', "!")).exists() {
                for i in 0..9 {
                    s[i] += v[i];
                }
            }
        }
        s
    };
    let b = sum(&diskstats_independent());
    let agg = disk_io_counters(false)
        .unwrap()
        .expect("this machine has block devices");
    let a = sum(&diskstats_independent());
    let o = as_array(&agg);
    for i in 0..9 {
        assert!(
            b[i] <= o[i] && o[i] <= a[i],
            "aggregate field {i}: {} <= {} <= {}",
            b[i],
            o[i],
            a[i]
        );
    }
}

#[test]
fn live_nowrap_is_monotonic() {
    disk_io_counters_cache_clear();
    let a = disk_io_counters(true).unwrap().unwrap();
    let b = disk_io_counters(true).unwrap().unwrap();
    let (a, b) = (as_array(&a), as_array(&b));
    for i in 0..9 {
        assert!(a[i] <= b[i]);
    }
    disk_io_counters_cache_clear();
}
