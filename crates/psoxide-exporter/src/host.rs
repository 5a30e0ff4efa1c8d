//! Host metrics under node_exporter's names, labels and units, read through the
//! psoxide library (one read of each kernel file per scrape).

use crate::config::NodeConfig;
use crate::expo::{sanitize_name, Exposition, Kind};
use psoxide::Host;

type Labels = Vec<(&'static str, String)>;

/// The collectors, in the order they are written. Each one's failure is reported in
/// `psoxide_exporter_collector_success{collector}` and does not stop the others.
pub const COLLECTORS: [&str; 10] = [
    "cpu",
    "loadavg",
    "meminfo",
    "vmstat",
    "stat",
    "filesystem",
    "diskstats",
    "netdev",
    "hwmon",
    "powersupplyclass",
];

/// Adds every host family to `e`; returns `(collector, error)` for those that failed.
pub fn collect(host: &Host, node: &NodeConfig, e: &mut Exposition) -> Vec<(&'static str, String)> {
    let mut failed = Vec::new();
    // `cpu` and `stat` share one read of /proc/stat.
    match host.cpu_times_percpu_and_activity() {
        Ok((times, activity)) => {
            cpu(&times, e);
            stat(&activity, e);
        }
        Err(err) => {
            failed.push(("cpu", err.to_string()));
            failed.push(("stat", err.to_string()));
        }
    }
    let mut run = |name: &'static str, r: psoxide::Result<()>| {
        if let Err(err) = r {
            failed.push((name, err.to_string()));
        }
    };
    run("loadavg", loadavg(host, e));
    run("meminfo", meminfo(host, e));
    run("vmstat", vmstat(host, e));
    run("filesystem", filesystem(host, node, e));
    run("diskstats", diskstats(host, node, e));
    run("netdev", netdev(host, node, e));
    run("hwmon", hwmon(host, e));
    run("powersupplyclass", power_supply(host, e));
    failed
}

fn cpu(times: &[psoxide::CpuTimes], e: &mut Exposition) {
    let help = "Seconds the CPUs spent in each mode.";
    let ghelp = "Seconds the CPUs spent in guests (VMs) for each mode.";
    for (i, t) in times.iter().enumerate() {
        let cpu = i.to_string();
        for (mode, v) in [
            ("idle", t.idle),
            ("iowait", t.iowait),
            ("irq", t.irq),
            ("nice", t.nice),
            ("softirq", t.softirq),
            ("steal", t.steal),
            ("system", t.system),
            ("user", t.user),
        ] {
            e.add(
                "node_cpu_seconds_total",
                help,
                Kind::Counter,
                vec![("cpu", cpu.clone()), ("mode", mode.into())],
                v,
            );
        }
        for (mode, v) in [("nice", t.guest_nice), ("user", t.guest)] {
            e.add(
                "node_cpu_guest_seconds_total",
                ghelp,
                Kind::Counter,
                vec![("cpu", cpu.clone()), ("mode", mode.into())],
                v,
            );
        }
    }
}

fn loadavg(host: &Host, e: &mut Exposition) -> psoxide::Result<()> {
    let [l1, l5, l15] = host.getloadavg()?;
    e.add("node_load1", "1m load average.", Kind::Gauge, vec![], l1);
    e.add("node_load5", "5m load average.", Kind::Gauge, vec![], l5);
    e.add("node_load15", "15m load average.", Kind::Gauge, vec![], l15);
    Ok(())
}

/// node_exporter's name for a meminfo key: `Active(anon)` → `Active_anon`, plus
/// `_bytes` for kB lines.
pub fn meminfo_metric(key: &str, kib: bool) -> String {
    let k = key.replace('(', "_").replace(')', "");
    let k = sanitize_name(&k);
    if kib {
        format!("node_memory_{k}_bytes")
    } else {
        format!("node_memory_{k}")
    }
}

fn meminfo(host: &Host, e: &mut Exposition) -> psoxide::Result<()> {
    for (k, v) in host.meminfo_fields()? {
        let name = meminfo_metric(&k, v.kib);
        let field = name.trim_start_matches("node_memory_");
        let value = if v.kib {
            v.value as f64 * 1024.0
        } else {
            v.value as f64
        };
        let kind = if name.ends_with("_total") {
            Kind::Counter
        } else {
            Kind::Gauge
        };
        e.add(
            &name,
            &format!("Memory information field {field}."),
            kind,
            vec![],
            value,
        );
    }
    Ok(())
}

/// node_exporter's default `--collector.vmstat.fields`.
fn vmstat_wanted(k: &str) -> bool {
    k.starts_with("oom_kill")
        || k.starts_with("pgpg")
        || k.starts_with("pswp")
        || (k.starts_with("pg") && k[2..].contains("fault"))
}

fn vmstat(host: &Host, e: &mut Exposition) -> psoxide::Result<()> {
    for (k, v) in host.vmstat_fields()? {
        if vmstat_wanted(&k) {
            let k = sanitize_name(&k);
            e.add(
                &format!("node_vmstat_{k}"),
                &format!("/proc/vmstat information field {k}."),
                Kind::Untyped,
                vec![],
                v as f64,
            );
        }
    }
    Ok(())
}

fn stat(a: &psoxide::StatActivity, e: &mut Exposition) {
    let mut put = |name: &str, help: &str, kind: Kind, v: Option<u64>| {
        if let Some(v) = v {
            e.add(name, help, kind, vec![], v as f64);
        }
    };
    put(
        "node_intr_total",
        "Total number of interrupts serviced.",
        Kind::Counter,
        a.intr,
    );
    put(
        "node_context_switches_total",
        "Total number of context switches.",
        Kind::Counter,
        a.ctxt,
    );
    put(
        "node_forks_total",
        "Total number of forks.",
        Kind::Counter,
        a.processes,
    );
    put(
        "node_boot_time_seconds",
        "Node boot time, in unixtime.",
        Kind::Gauge,
        a.btime,
    );
    put(
        "node_procs_running",
        "Number of processes in runnable state.",
        Kind::Gauge,
        a.procs_running,
    );
    put(
        "node_procs_blocked",
        "Number of processes blocked waiting for I/O to complete.",
        Kind::Gauge,
        a.procs_blocked,
    );
}

fn filesystem(host: &Host, node: &NodeConfig, e: &mut Exposition) -> psoxide::Result<()> {
    for p in host.disk_partitions(true)? {
        if node.mount_points_exclude.is_match(&p.mountpoint) || node.fs_types_exclude.is_match(&p.fstype) {
            continue;
        }
        let labels: Labels = vec![
            ("device", p.device.clone()),
            ("fstype", p.fstype.clone()),
            ("mountpoint", p.mountpoint.clone()),
        ];
        if e.family("node_filesystem_device_error")
            .is_some_and(|f| f.samples.iter().any(|s| s.labels == labels))
        {
            continue; // the same mount twice (stacked mounts): node_exporter keeps one
        }
        match host.fs_stats(&p.mountpoint) {
            Ok(st) => {
                e.add(
                    "node_filesystem_device_error",
                    "Whether an error occurred while getting statistics for the given device.",
                    Kind::Gauge,
                    labels.clone(),
                    0.0,
                );
                let bs = st.block_size as f64;
                let rows: [(&str, &str, f64); 6] = [
                    (
                        "node_filesystem_size_bytes",
                        "Filesystem size in bytes.",
                        st.blocks as f64 * bs,
                    ),
                    (
                        "node_filesystem_free_bytes",
                        "Filesystem free space in bytes.",
                        st.blocks_free as f64 * bs,
                    ),
                    (
                        "node_filesystem_avail_bytes",
                        "Filesystem space available to non-root users in bytes.",
                        st.blocks_avail as f64 * bs,
                    ),
                    (
                        "node_filesystem_files",
                        "Filesystem total file nodes.",
                        st.files as f64,
                    ),
                    (
                        "node_filesystem_files_free",
                        "Filesystem total free file nodes.",
                        st.files_free as f64,
                    ),
                    (
                        "node_filesystem_readonly",
                        "Filesystem read-only status.",
                        if st.readonly { 1.0 } else { 0.0 },
                    ),
                ];
                for (name, help, v) in rows {
                    e.add(name, help, Kind::Gauge, labels.clone(), v);
                }
            }
            Err(_) => {
                e.add(
                    "node_filesystem_device_error",
                    "Whether an error occurred while getting statistics for the given device.",
                    Kind::Gauge,
                    labels,
                    1.0,
                );
            }
        }
    }
    Ok(())
}

/// `(metric, help, kind, multiplier)` of each `/proc/diskstats` counter column.
const DISK_COLUMNS: [(&str, &str, Kind, f64); 17] = [
    (
        "node_disk_reads_completed_total",
        "The total number of reads completed successfully.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_reads_merged_total",
        "The total number of reads merged.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_read_bytes_total",
        "The total number of bytes read successfully.",
        Kind::Counter,
        512.0,
    ),
    (
        "node_disk_read_time_seconds_total",
        "The total number of seconds spent by all reads.",
        Kind::Counter,
        0.001,
    ),
    (
        "node_disk_writes_completed_total",
        "The total number of writes completed successfully.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_writes_merged_total",
        "The number of writes merged.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_written_bytes_total",
        "The total number of bytes written successfully.",
        Kind::Counter,
        512.0,
    ),
    (
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        Kind::Counter,
        0.001,
    ),
    (
        "node_disk_io_now",
        "The number of I/Os currently in progress.",
        Kind::Gauge,
        1.0,
    ),
    (
        "node_disk_io_time_seconds_total",
        "Total seconds spent doing I/Os.",
        Kind::Counter,
        0.001,
    ),
    (
        "node_disk_io_time_weighted_seconds_total",
        "The weighted # of seconds spent doing I/Os.",
        Kind::Counter,
        0.001,
    ),
    (
        "node_disk_discards_completed_total",
        "The total number of discards completed successfully.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_discards_merged_total",
        "The total number of discards merged.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_discarded_sectors_total",
        "The total number of sectors discarded successfully.",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_discard_time_seconds_total",
        "This is the total number of seconds spent by all discards.",
        Kind::Counter,
        0.001,
    ),
    (
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        Kind::Counter,
        1.0,
    ),
    (
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        Kind::Counter,
        0.001,
    ),
];

fn diskstats(host: &Host, node: &NodeConfig, e: &mut Exposition) -> psoxide::Result<()> {
    for d in host.diskstats_all()? {
        if node.diskstats_device_exclude.is_match(&d.name) {
            continue;
        }
        for ((name, help, kind, mul), v) in DISK_COLUMNS.iter().zip(d.counters.iter()) {
            e.add(
                name,
                help,
                *kind,
                vec![("device", d.name.clone())],
                *v as f64 * mul,
            );
        }
    }
    Ok(())
}

const NET_COLUMNS: [&str; 16] = [
    "receive_bytes",
    "receive_packets",
    "receive_errs",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errs",
    "transmit_drop",
    "transmit_fifo",
    "transmit_colls",
    "transmit_carrier",
    "transmit_compressed",
];

fn netdev(host: &Host, node: &NodeConfig, e: &mut Exposition) -> psoxide::Result<()> {
    for (dev, vals) in host.net_dev_all()? {
        if node.netdev_device_exclude.is_match(&dev) {
            continue;
        }
        for (col, v) in NET_COLUMNS.iter().zip(vals.iter()) {
            e.add(
                &format!("node_network_{col}_total"),
                &format!("Network device statistic {col}."),
                Kind::Counter,
                vec![("device", dev.clone())],
                *v as f64,
            );
        }
    }
    Ok(())
}

/// node_exporter's cleaning of a hwmon name part: lower case, `[^a-z0-9:_]` → `_`,
/// `_` trimmed at both ends.
pub fn clean_hwmon(s: &str) -> String {
    let lower = s.to_lowercase();
    let replaced: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    replaced.trim_matches('_').to_string()
}

/// node_exporter's stable chip name: `<bus>_<device>` from the resolved `device`
/// link, else the `name` attribute, else the hwmon directory name.
pub fn hwmon_chip_id(chip: &psoxide::HwmonChip) -> Option<String> {
    if let Some(dev) = &chip.device {
        let name = dev
            .file_name()
            .map(|n| clean_hwmon(&n.to_string_lossy()))
            .unwrap_or_default();
        let ty = dev
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| clean_hwmon(&n.to_string_lossy()))
            .unwrap_or_default();
        if !ty.is_empty() && !name.is_empty() {
            return Some(format!("{ty}_{name}"));
        }
        if !name.is_empty() {
            return Some(name);
        }
    }
    if let Some(n) = chip.name.as_deref().map(clean_hwmon).filter(|n| !n.is_empty()) {
        return Some(n);
    }
    let base = chip
        .real_dir
        .as_ref()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| chip.dir.clone());
    Some(clean_hwmon(&base)).filter(|n| !n.is_empty())
}

fn hwmon(host: &Host, e: &mut Exposition) -> psoxide::Result<()> {
    for chip in host.hwmon_chips()? {
        let Some(id) = hwmon_chip_id(&chip) else { continue };
        if let Some(n) = chip.name.as_deref().map(clean_hwmon).filter(|n| !n.is_empty()) {
            e.add(
                "node_hwmon_chip_names",
                "Annotation metric for human-readable chip names",
                Kind::Gauge,
                vec![("chip", id.clone()), ("chip_name", n)],
                1.0,
            );
        }
        for s in &chip.sensors {
            let kind = s.sensor.trim_end_matches(|c: char| c.is_ascii_digit());
            if kind != "temp" && kind != "fan" {
                continue;
            }
            let labels: Labels = vec![("chip", id.clone()), ("sensor", s.sensor.clone())];
            if let Some(l) = &s.label {
                e.add(
                    "node_hwmon_sensor_label",
                    "Label for given chip and sensor",
                    Kind::Gauge,
                    vec![
                        ("chip", id.clone()),
                        ("label", l.clone()),
                        ("sensor", s.sensor.clone()),
                    ],
                    1.0,
                );
            }
            let mut elems: Vec<(&String, &f64)> = s.values.iter().collect();
            elems.sort_by(|a, b| a.0.cmp(b.0));
            for (elem, v) in elems {
                let base = if elem == "input" {
                    format!("node_hwmon_{kind}")
                } else {
                    format!("node_hwmon_{kind}_{}", clean_hwmon(elem))
                };
                let (name, help, value) = match (kind, elem.as_str()) {
                    (_, "alarm" | "fault") => (base, format!("Hardware sensor {elem} status ({kind})"), *v),
                    (_, "beep") => (
                        format!("{base}_enabled"),
                        "Hardware monitor sensor has beeping enabled".into(),
                        *v,
                    ),
                    ("temp", "type") => continue,
                    ("temp", _) => (
                        format!("{base}_celsius"),
                        format!("Hardware monitor for temperature ({elem})"),
                        v * 0.001,
                    ),
                    ("fan", "input" | "min" | "max" | "target") => (
                        format!("{base}_rpm"),
                        format!("Hardware monitor for fan revolutions per minute ({elem})"),
                        *v,
                    ),
                    _ => (base, format!("Hardware monitor {kind} element {elem}"), *v),
                };
                e.add(&name, &help, Kind::Gauge, labels.clone(), value);
            }
        }
    }
    Ok(())
}

/// `(attribute file, metric suffix, divisor)` of the power-supply attributes
/// node_exporter exports.
const POWER_ATTRS: [(&str, &str, f64); 41] = [
    ("authentic", "authentic", 1.0),
    ("calibrate", "calibrate", 1.0),
    ("capacity", "capacity", 1.0),
    ("capacity_alert_max", "capacity_alert_max", 1.0),
    ("capacity_alert_min", "capacity_alert_min", 1.0),
    ("cycle_count", "cyclecount", 1.0),
    ("online", "online", 1.0),
    ("present", "present", 1.0),
    ("time_to_empty_now", "time_to_empty_seconds", 1.0),
    ("time_to_full_now", "time_to_full_seconds", 1.0),
    ("current_boot", "current_boot", 1e6),
    ("current_max", "current_max", 1e6),
    ("current_now", "current_ampere", 1e6),
    ("energy_empty", "energy_empty", 1e6),
    ("energy_empty_design", "energy_empty_design", 1e6),
    ("energy_full", "energy_full", 1e6),
    ("energy_full_design", "energy_full_design", 1e6),
    ("energy_now", "energy_watthour", 1e6),
    ("voltage_boot", "voltage_boot", 1e6),
    ("voltage_max", "voltage_max", 1e6),
    ("voltage_max_design", "voltage_max_design", 1e6),
    ("voltage_min", "voltage_min", 1e6),
    ("voltage_min_design", "voltage_min_design", 1e6),
    ("voltage_now", "voltage_volt", 1e6),
    ("voltage_ocv", "voltage_ocv", 1e6),
    ("charge_control_limit", "charge_control_limit", 1e6),
    ("charge_control_limit_max", "charge_control_limit_max", 1e6),
    ("charge_counter", "charge_counter", 1e6),
    ("charge_empty", "charge_empty", 1e6),
    ("charge_empty_design", "charge_empty_design", 1e6),
    ("charge_full", "charge_full", 1e6),
    ("charge_full_design", "charge_full_design", 1e6),
    ("charge_now", "charge_ampere", 1e6),
    ("charge_term_current", "charge_term_current", 1e6),
    ("constant_charge_current", "constant_charge_current", 1e6),
    ("constant_charge_current_max", "constant_charge_current_max", 1e6),
    ("constant_charge_voltage", "constant_charge_voltage", 1e6),
    ("constant_charge_voltage_max", "constant_charge_voltage_max", 1e6),
    ("precharge_current", "precharge_current", 1e6),
    ("input_current_limit", "input_current_limit", 1e6),
    ("power_now", "power_watt", 1e6),
];

const POWER_TEMPS: [(&str, &str); 8] = [
    ("temp", "temp_celsius"),
    ("temp_alert_max", "temp_alert_max_celsius"),
    ("temp_alert_min", "temp_alert_min_celsius"),
    ("temp_ambient", "temp_ambient_celsius"),
    ("temp_ambient_max", "temp_ambient_max_celsius"),
    ("temp_ambient_min", "temp_ambient_min_celsius"),
    ("temp_max", "temp_max_celsius"),
    ("temp_min", "temp_min_celsius"),
];

const POWER_INFO: [&str; 11] = [
    "capacity_level",
    "charge_type",
    "health",
    "manufacturer",
    "model_name",
    "serial_number",
    "status",
    "technology",
    "type",
    "usb_type",
    "scope",
];

fn power_supply(host: &Host, e: &mut Exposition) -> psoxide::Result<()> {
    for (name, attrs) in host.power_supplies()? {
        let labels: Labels = vec![("power_supply", name.clone())];
        let num = |k: &str| attrs.get(k).and_then(|v| v.parse::<f64>().ok());
        for (file, suffix, div) in POWER_ATTRS {
            if let Some(v) = num(file) {
                e.add(
                    &format!("node_power_supply_{suffix}"),
                    &format!("{suffix} value of /sys/class/power_supply/<power_supply>."),
                    Kind::Gauge,
                    labels.clone(),
                    v / div,
                );
            }
        }
        for (file, suffix) in POWER_TEMPS {
            if let Some(v) = num(file) {
                e.add(
                    &format!("node_power_supply_{suffix}"),
                    &format!("{suffix} value of /sys/class/power_supply/<power_supply>."),
                    Kind::Gauge,
                    labels.clone(),
                    v / 10.0,
                );
            }
        }
        let mut info: Labels = Vec::new();
        for k in POWER_INFO {
            if let Some(v) = attrs.get(k).filter(|v| !v.is_empty()) {
                info.push((k, v.clone()));
            }
        }
        info.push(("power_supply", name.clone()));
        info.sort_by(|a, b| a.0.cmp(b.0));
        e.add(
            "node_power_supply_info",
            "info of /sys/class/power_supply/<power_supply>.",
            Kind::Gauge,
            info,
            1.0,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_names() {
        assert_eq!(
            meminfo_metric("Active(anon)", true),
            "node_memory_Active_anon_bytes"
        );
        assert_eq!(meminfo_metric("MemTotal", true), "node_memory_MemTotal_bytes");
        assert_eq!(
            meminfo_metric("HugePages_Total", false),
            "node_memory_HugePages_Total"
        );
    }

    #[test]
    fn vmstat_filter() {
        for k in [
            "oom_kill",
            "pgpgin",
            "pgpgout",
            "pswpin",
            "pswpout",
            "pgfault",
            "pgmajfault",
        ] {
            assert!(vmstat_wanted(k), "{k}");
        }
        for k in ["nr_free_pages", "pgfree", "numa_hit"] {
            assert!(!vmstat_wanted(k), "{k}");
        }
    }

    #[test]
    fn hwmon_names() {
        assert_eq!(clean_hwmon("coretemp.0"), "coretemp_0");
        assert_eq!(clean_hwmon("_ACPI Thermal_"), "acpi_thermal");
        let chip = psoxide::HwmonChip {
            dir: "hwmon0".into(),
            device: Some("/sys/devices/platform/coretemp.0".into()),
            ..Default::default()
        };
        assert_eq!(hwmon_chip_id(&chip).as_deref(), Some("platform_coretemp_0"));
        let chip = psoxide::HwmonChip {
            dir: "hwmon3".into(),
            name: Some("acpitz".into()),
            ..Default::default()
        };
        assert_eq!(hwmon_chip_id(&chip).as_deref(), Some("acpitz"));
        let chip = psoxide::HwmonChip {
            dir: "hwmon5".into(),
            ..Default::default()
        };
        assert_eq!(hwmon_chip_id(&chip).as_deref(), Some("hwmon5"));
    }
}
