//! Kernel statistics beyond psutil's API, for exporters: every line of
//! `/proc/meminfo` and `/proc/vmstat`, the activity lines of `/proc/stat`, every
//! column of `/proc/diskstats` and `/proc/net/dev`, `statfs` with inode counts, raw
//! hwmon and power-supply attributes, and cgroup v2 limits and usage.
//!
//! psutil summarises these tables (`virtual_memory()` keeps a dozen meminfo lines,
//! `disk_io_counters()` nine diskstats columns); a metrics exporter that follows
//! node_exporter's names needs them whole. Each function reads its file once, through
//! the host's [`Roots`], like the rest of the crate.

use crate::context::Host;
use crate::error::{Error, Result};
use crate::linux::parse::kstats::{
    parse_cgroup_cpu_max, parse_cgroup_keyed, parse_cgroup_limit, parse_diskstats_all, parse_meminfo_all,
    parse_net_dev_all, parse_stat_activity, parse_vmstat_all,
};
pub use crate::linux::parse::kstats::{DiskStatsRaw, MeminfoRaw, StatActivity, NET_DEV_COLUMNS};
use crate::roots::Roots;
use crate::sys::fs::{list_dir, realpath, statvfs, with_file, FileKind};
use crate::sys::kept::{with_sys_file, SysFile};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// `statfs(2)` of a mounted file system, with the inode counts `disk_usage` leaves out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FsStats {
    /// Block size `f_bsize` (bytes): the unit of the block counts, as node_exporter uses it.
    pub block_size: u64,
    /// Total blocks `f_blocks` (count of `block_size`).
    pub blocks: u64,
    /// Free blocks `f_bfree`, including those reserved for root (count).
    pub blocks_free: u64,
    /// Blocks available to unprivileged users `f_bavail` (count).
    pub blocks_avail: u64,
    /// Inodes `f_files` (count).
    pub files: u64,
    /// Free inodes `f_ffree` (count).
    pub files_free: u64,
    /// True when mounted read-only (`ST_RDONLY`).
    pub readonly: bool,
}

/// One hwmon sensor input (`temp1_*`, `fan2_*`, ...) with its attribute files.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HwmonSensor {
    /// The sensor name as the files spell it: `temp1`, `fan2`, `in0`, ...
    pub sensor: String,
    /// The numeric attributes by suffix (`input`, `max`, `crit`, `min`, ...), raw as
    /// the kernel writes them (millidegrees Celsius, RPM, millivolts, ...).
    pub values: IndexMap<String, f64>,
    /// The `_label` file, when there is one.
    pub label: Option<String>,
}

/// One directory of `/sys/class/hwmon`.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HwmonChip {
    /// The directory name (`hwmon0`).
    pub dir: String,
    /// The resolved `device` link of the chip (absolute, symlinks followed), when it
    /// has one.
    pub device: Option<PathBuf>,
    /// The resolved hwmon directory itself.
    pub real_dir: Option<PathBuf>,
    /// The `name` attribute (in the chip directory or its `device/`), stripped.
    pub name: Option<String>,
    /// The sensors found in the chip directory and in its `device/` directory, sorted
    /// by name.
    pub sensors: Vec<HwmonSensor>,
}

/// cgroup v2 limits and usage of one cgroup (each `None` when its controller is not
/// enabled there or the file is absent).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CgroupStats {
    /// The cgroup's path below the cgroup2 mount (`/system.slice/x.service`).
    pub path: String,
    /// `memory.current` (bytes).
    pub memory_current: Option<u64>,
    /// `memory.max` (bytes; `Some(None)` for `max`, no limit).
    pub memory_max: Option<Option<u64>>,
    /// `memory.swap.current` (bytes).
    pub swap_current: Option<u64>,
    /// `cpu.max` quota and period (microseconds; quota `None` for `max`).
    pub cpu_max: Option<(Option<u64>, u64)>,
    /// `cpu.stat` `usage_usec`, `user_usec`, `system_usec` (microseconds).
    pub cpu_usage_usec: Option<u64>,
    /// `cpu.stat` `user_usec` (microseconds).
    pub cpu_user_usec: Option<u64>,
    /// `cpu.stat` `system_usec` (microseconds).
    pub cpu_system_usec: Option<u64>,
    /// `pids.current` (count).
    pub pids_current: Option<u64>,
    /// `pids.max` (count; `Some(None)` for `max`).
    pub pids_max: Option<Option<u64>>,
}

impl Host {
    /// Every line of `{procfs}/meminfo`, in file order, keyed as the kernel spells it
    /// (`Active(anon)`); values as written (kB lines have `kib` set).
    pub fn meminfo_fields(&self) -> Result<IndexMap<String, MeminfoRaw>> {
        with_sys_file(&self.roots().procfs, SysFile::Meminfo, FileKind::RECORD, parse_meminfo_all)
    }

    /// Every line of `{procfs}/vmstat`, in file order (counts and pages as the kernel
    /// writes them).
    pub fn vmstat_fields(&self) -> Result<IndexMap<String, u64>> {
        with_sys_file(&self.roots().procfs, SysFile::Vmstat, FileKind::RECORD, parse_vmstat_all)
    }

    /// The activity lines of `{procfs}/stat`: context switches, forks, boot time,
    /// runnable and blocked threads, interrupts.
    pub fn stat_activity(&self) -> Result<StatActivity> {
        with_sys_file(&self.roots().procfs, SysFile::Stat, FileKind::RECORD, parse_stat_activity)
    }

    /// Every line of `{procfs}/diskstats`, all columns (partitions and virtual
    /// devices included; filtering is the caller's).
    pub fn diskstats_all(&self) -> Result<Vec<DiskStatsRaw>> {
        with_sys_file(&self.roots().procfs, SysFile::Diskstats, FileKind::TABLE, parse_diskstats_all)
    }

    /// Every interface of `{procfs}/net/dev` with its 16 counters (see
    /// [`NET_DEV_COLUMNS`]; bytes, packets and event counts).
    pub fn net_dev_all(&self) -> Result<IndexMap<String, [u64; NET_DEV_COLUMNS]>> {
        let path = self.roots().proc("net/dev");
        with_file(&path, FileKind::TABLE, |b| parse_net_dev_all(b, &path))
    }

    /// `statfs(2)` of the file system mounted at `mountpoint` (not below the roots:
    /// like psutil's `disk_usage`, a path of this machine).
    pub fn fs_stats(&self, mountpoint: impl AsRef<Path>) -> Result<FsStats> {
        let path = mountpoint.as_ref();
        let st = statvfs(path).map_err(|e| Error::io(format!("statvfs({})", path.display()), e))?;
        Ok(FsStats {
            block_size: st.f_bsize,
            blocks: st.f_blocks,
            blocks_free: st.f_bfree,
            blocks_avail: st.f_bavail,
            files: st.f_files,
            files_free: st.f_ffree,
            readonly: st.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY),
        })
    }

    /// Every chip of `{sysfs}/class/hwmon` with its raw sensor attributes. No hwmon
    /// directory (a VM) is an empty list, not an error.
    pub fn hwmon_chips(&self) -> Result<Vec<HwmonChip>> {
        let base = self.roots().sys("class/hwmon");
        let Ok(mut names) = list_dir(&base) else {
            return Ok(Vec::new());
        };
        names.sort();
        let mut out = Vec::new();
        for n in names {
            let dir = base.join(&n);
            let mut chip = HwmonChip {
                dir: n.to_string_lossy().into_owned(),
                device: realpath(&dir.join("device")).ok(),
                real_dir: realpath(&dir).ok(),
                ..HwmonChip::default()
            };
            let mut sensors: IndexMap<String, HwmonSensor> = IndexMap::new();
            for sub in [dir.clone(), dir.join("device")] {
                if chip.name.is_none() {
                    chip.name = read_trimmed(&sub.join("name")).filter(|s| !s.is_empty());
                }
                let Ok(files) = list_dir(&sub) else { continue };
                for f in files {
                    let f = f.to_string_lossy();
                    let Some((sensor, attr)) = split_sensor_file(&f) else {
                        continue;
                    };
                    let Some(text) = read_trimmed(&sub.join(&*f)) else {
                        continue;
                    };
                    let s = sensors.entry(sensor.to_string()).or_insert_with(|| HwmonSensor {
                        sensor: sensor.to_string(),
                        ..HwmonSensor::default()
                    });
                    if attr == "label" {
                        s.label.get_or_insert(text);
                    } else if let Ok(v) = text.parse::<f64>() {
                        s.values.entry(attr.to_string()).or_insert(v);
                    }
                }
            }
            sensors.sort_keys();
            chip.sensors = sensors.into_values().collect();
            out.push(chip);
        }
        Ok(out)
    }

    /// Every entry of `{sysfs}/class/power_supply` with its readable attribute files
    /// (stripped text, `uevent` left out). No such directory is an empty map.
    pub fn power_supplies(&self) -> Result<IndexMap<String, IndexMap<String, String>>> {
        let base = self.roots().sys("class/power_supply");
        let Ok(mut names) = list_dir(&base) else {
            return Ok(IndexMap::new());
        };
        names.sort();
        let mut out = IndexMap::new();
        for n in names {
            let dir = base.join(&n);
            let Ok(mut files) = list_dir(&dir) else { continue };
            files.sort();
            let mut attrs = IndexMap::new();
            for f in files {
                let f = f.to_string_lossy().into_owned();
                if f == "uevent" {
                    continue;
                }
                if let Some(v) = read_trimmed(&dir.join(&f)) {
                    attrs.insert(f, v);
                }
            }
            out.insert(n.to_string_lossy().into_owned(), attrs);
        }
        Ok(out)
    }

    /// The limits and usage of the cgroup at `path` (as in `/proc/PID/cgroup`, e.g.
    /// `/system.slice/ssh.service`) below the cgroup2 mount (`{sysfs}/fs/cgroup`, or
    /// `{sysfs}/fs/cgroup/unified` in systemd's hybrid layout).
    /// Errors when the directory does not exist; files a controller does not provide
    /// there are `None`.
    pub fn cgroup_stats(&self, path: &str) -> Result<CgroupStats> {
        let dir = cgroup_dir(self.roots(), path);
        list_dir(&dir)?;
        let opt = |name: &str| -> Option<PathBuf> {
            let p = dir.join(name);
            crate::sys::fs::is_file(&p).then_some(p)
        };
        let read = |name: &str| -> Result<Option<u64>> {
            match opt(name) {
                Some(p) => with_file(&p, FileKind::RECORD, |b| {
                    parse_cgroup_limit(b, &p)?
                        .map(Some)
                        .ok_or_else(|| Error::parse(&p, "expected a number, got `max`"))
                }),
                None => Ok(None),
            }
        };
        let limit = |name: &str| -> Result<Option<Option<u64>>> {
            match opt(name) {
                Some(p) => with_file(&p, FileKind::RECORD, |b| parse_cgroup_limit(b, &p)).map(Some),
                None => Ok(None),
            }
        };
        let cpu_max = match opt("cpu.max") {
            Some(p) => Some(with_file(&p, FileKind::RECORD, |b| parse_cgroup_cpu_max(b, &p))?),
            None => None,
        };
        let cpu_stat = match opt("cpu.stat") {
            Some(p) => Some(with_file(&p, FileKind::RECORD, |b| parse_cgroup_keyed(b, &p))?),
            None => None,
        };
        let stat = |k: &str| cpu_stat.as_ref().and_then(|m| m.get(k).copied());
        Ok(CgroupStats {
            path: path.to_string(),
            memory_current: read("memory.current")?,
            memory_max: limit("memory.max")?,
            swap_current: read("memory.swap.current")?,
            cpu_max,
            cpu_usage_usec: stat("usage_usec"),
            cpu_user_usec: stat("user_usec"),
            cpu_system_usec: stat("system_usec"),
            pids_current: read("pids.current")?,
            pids_max: limit("pids.max")?,
        })
    }

    /// The cgroup paths at most `depth` levels below the root of the cgroup2 mount
    /// (`/` itself is depth 0), sorted. An absent cgroup2 mount is an empty list.
    pub fn cgroup_paths(&self, depth: usize) -> Result<Vec<String>> {
        let root = cgroup_dir(self.roots(), "/");
        let mut out = Vec::new();
        if !crate::sys::fs::is_file(&root.join("cgroup.procs")) {
            return Ok(out);
        }
        let mut level = vec![String::from("/")];
        out.push(String::from("/"));
        for _ in 0..depth {
            let mut next = Vec::new();
            for p in &level {
                let d = cgroup_dir(self.roots(), p);
                let Ok(entries) = list_dir(&d) else { continue };
                for e in entries {
                    let e = e.to_string_lossy();
                    if crate::sys::fs::is_file(&d.join(&*e).join("cgroup.procs")) {
                        let child = if p == "/" { format!("/{e}") } else { format!("{p}/{e}") };
                        next.push(child);
                    }
                }
            }
            out.extend(next.iter().cloned());
            level = next;
        }
        out.sort();
        Ok(out)
    }
}

/// The cgroup2 mount: `{sysfs}/fs/cgroup` (the unified layout) or
/// `{sysfs}/fs/cgroup/unified` (systemd's hybrid layout), whichever holds a
/// `cgroup.procs`.
fn cgroup2_root(roots: &Roots) -> PathBuf {
    let unified = roots.sys("fs/cgroup");
    if crate::sys::fs::is_file(&unified.join("cgroup.procs")) {
        return unified;
    }
    let hybrid = roots.sys("fs/cgroup/unified");
    if crate::sys::fs::is_file(&hybrid.join("cgroup.procs")) {
        return hybrid;
    }
    unified
}

/// The directory of cgroup `path` below the cgroup2 mount.
fn cgroup_dir(roots: &Roots, path: &str) -> PathBuf {
    let rel = path.trim_start_matches('/');
    let base = cgroup2_root(roots);
    if rel.is_empty() {
        base
    } else {
        base.join(rel)
    }
}

/// Reads a small sysfs attribute as stripped text; `None` when it cannot be read (a
/// write-only attribute, a device that went away).
fn read_trimmed(path: &Path) -> Option<String> {
    with_file(path, FileKind::RECORD, |b| Ok(String::from_utf8_lossy(b).trim().to_string())).ok()
}

/// Splits `temp1_input` into (`temp1`, `input`); `None` for files that are not
/// sensor attributes (`name`, `uevent`, `power`).
fn split_sensor_file(f: &str) -> Option<(&str, &str)> {
    let (sensor, attr) = f.split_once('_')?;
    let digits = sensor.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let kind_len = sensor.len() - digits.len();
    (kind_len > 0 && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) && !attr.is_empty())
        .then_some((sensor, attr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_file_names() {
        assert_eq!(split_sensor_file("temp1_input"), Some(("temp1", "input")));
        assert_eq!(split_sensor_file("fan12_min"), Some(("fan12", "min")));
        assert_eq!(split_sensor_file("in0_label"), Some(("in0", "label")));
        assert_eq!(split_sensor_file("name"), None);
        assert_eq!(split_sensor_file("temp_input"), None);
        assert_eq!(split_sensor_file("1_input"), None);
        assert_eq!(split_sensor_file("temp1_"), None);
    }
}
