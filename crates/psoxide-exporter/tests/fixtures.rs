//! Collectors on fixture trees: hwmon and power-supply values (this VM has neither)
//! and cgroup v2 limits, checked against the fixture files read directly.

use psoxide::{Host, Roots};
use psoxide_exporter::config::{CgroupConfig, NodeConfig};
use psoxide_exporter::expo::Exposition;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../psoxide/tests/fixtures")
        .join(name)
}

fn num(path: &Path) -> f64 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

fn value(e: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    let f = e.family(name).unwrap_or_else(|| panic!("no family {name}"));
    let want: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for s in &f.samples {
        let mut got: Vec<(String, String)> =
            s.labels.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        got.sort();
        let mut w = want.clone();
        w.sort();
        if got == w {
            return s.value;
        }
    }
    panic!("no sample {name}{labels:?}; have {:?}", f.samples);
}

#[test]
fn hwmon_and_power_supply_from_fixture() {
    let root = fixture("sensors-hwmon");
    let host = Host::new(Roots::under(&root));
    let mut e = Exposition::new();
    // Only the hwmon and power-supply collectors find anything in this tree; the
    // others fail (no /proc there), which `collect` reports per collector.
    let failed = psoxide_exporter::host::collect(&host, &NodeConfig::defaults(), &mut e);
    assert!(
        !failed
            .iter()
            .any(|(c, _)| *c == "hwmon" || *c == "powersupplyclass"),
        "{failed:?}"
    );

    let hw = root.join("sys/class/hwmon");
    let core = root.join("sys/devices/platform/coretemp.0/hwmon/hwmon0");
    // hwmon0 has no `device` link: the chip is named after its `name` file.
    assert_eq!(
        value(
            &e,
            "node_hwmon_temp_celsius",
            &[("chip", "coretemp"), ("sensor", "temp10")]
        ),
        num(&core.join("temp10_input")) / 1000.0
    );
    assert_eq!(
        value(
            &e,
            "node_hwmon_temp_max_celsius",
            &[("chip", "coretemp"), ("sensor", "temp10")]
        ),
        num(&core.join("temp10_max")) / 1000.0
    );
    // hwmon1's `device` is a directory: node_exporter's rule gives <parent>_<name>.
    assert_eq!(
        value(
            &e,
            "node_hwmon_temp_crit_celsius",
            &[("chip", "hwmon1_device"), ("sensor", "temp2")]
        ),
        num(&hw.join("hwmon1/device/temp2_crit")) / 1000.0
    );
    assert_eq!(
        value(
            &e,
            "node_hwmon_temp_celsius",
            &[("chip", "nvme"), ("sensor", "temp1")]
        ),
        num(&hw.join("hwmon10/temp1_input")) / 1000.0
    );
    assert_eq!(
        value(
            &e,
            "node_hwmon_sensor_label",
            &[("chip", "nvme"), ("label", "Composite"), ("sensor", "temp1")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &e,
            "node_hwmon_chip_names",
            &[("chip", "nvme"), ("chip_name", "nvme")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &e,
            "node_hwmon_fan_rpm",
            &[("chip", "thinkpad"), ("sensor", "fan1")]
        ),
        num(&hw.join("hwmon5/fan1_input"))
    );
    // A negative temperature is kept; an unparsable attribute is skipped.
    assert_eq!(
        value(
            &e,
            "node_hwmon_temp_celsius",
            &[("chip", "zerocrit"), ("sensor", "temp3")]
        ),
        -5.5
    );
    assert!(
        !e.family("node_hwmon_temp_max_celsius")
            .unwrap()
            .samples
            .iter()
            .any(|s| s.labels.iter().any(|(_, v)| v == "zerocrit")
                && s.labels.iter().any(|(_, v)| v == "temp3"))
    );

    let bat = root.join("sys/class/power_supply/BAT0");
    let b = [("power_supply", "BAT0")];
    assert_eq!(
        value(&e, "node_power_supply_capacity", &b),
        num(&bat.join("capacity"))
    );
    assert_eq!(
        value(&e, "node_power_supply_energy_watthour", &b),
        num(&bat.join("energy_now")) / 1e6
    );
    assert_eq!(
        value(&e, "node_power_supply_energy_full", &b),
        num(&bat.join("energy_full")) / 1e6
    );
    assert_eq!(
        value(&e, "node_power_supply_power_watt", &b),
        num(&bat.join("power_now")) / 1e6
    );
    assert_eq!(
        value(
            &e,
            "node_power_supply_info",
            &[("power_supply", "BAT0"), ("status", "Discharging")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &e,
            "node_power_supply_online",
            &[("power_supply", "ucsi-source-psy-USBC000:001")]
        ),
        0.0
    );
    // The text rendering of fixture data parses as the text format.
    let text = e.render_text();
    assert!(
        text.contains("node_hwmon_temp_celsius{chip=\"nvme\",sensor=\"temp1\"} 38.85\n"),
        "{text}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn cgroup_v2_limits_from_a_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let cg = tmp.path().join("sys/fs/cgroup");
    write(&cg, "cgroup.procs", "1\n");
    write(
        &cg,
        "cpu.stat",
        "usage_usec 5000000\nuser_usec 3000000\nsystem_usec 2000000\n",
    );
    let svc = cg.join("system.slice/web.service");
    write(&cg.join("system.slice"), "cgroup.procs", "");
    write(&svc, "cgroup.procs", "42\n");
    write(&svc, "memory.current", "104857600\n");
    write(&svc, "memory.max", "268435456\n");
    write(&svc, "cpu.max", "50000 100000\n");
    write(
        &svc,
        "cpu.stat",
        "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 3\n",
    );
    write(&svc, "pids.current", "7\n");
    write(&svc, "pids.max", "max\n");
    // Deeper than depth 2: not exported.
    write(&svc.join("deep"), "cgroup.procs", "");

    let host = Host::new(Roots::under(tmp.path()));
    let cfg = CgroupConfig {
        depth: 2,
        include: Vec::new(),
        max: 10,
    };
    let mut e = Exposition::new();
    let dropped = psoxide_exporter::cgroups::collect(&host, &cfg, &mut e).unwrap();
    assert_eq!(dropped, 0);
    let w = [("cgroup", "/system.slice/web.service")];
    assert_eq!(value(&e, "psoxide_cgroup_memory_current_bytes", &w), 104857600.0);
    assert_eq!(value(&e, "psoxide_cgroup_memory_max_bytes", &w), 268435456.0);
    assert_eq!(value(&e, "psoxide_cgroup_cpu_max_cores", &w), 0.5);
    assert_eq!(value(&e, "psoxide_cgroup_cpu_usage_seconds_total", &w), 1.5);
    assert_eq!(
        value(
            &e,
            "psoxide_cgroup_cpu_seconds_total",
            &[("cgroup", "/system.slice/web.service"), ("mode", "system")]
        ),
        0.5
    );
    assert_eq!(value(&e, "psoxide_cgroup_pids_current", &w), 7.0);
    assert_eq!(value(&e, "psoxide_cgroup_pids_max", &w), f64::INFINITY);
    assert_eq!(
        value(&e, "psoxide_cgroup_cpu_usage_seconds_total", &[("cgroup", "/")]),
        5.0
    );
    let paths: Vec<String> = e
        .family("psoxide_cgroup_cpu_usage_seconds_total")
        .unwrap()
        .samples
        .iter()
        .map(|s| s.labels[0].1.clone())
        .collect();
    assert!(!paths.iter().any(|p| p.ends_with("/deep")), "{paths:?}");

    // The bound: one cgroup at most, the rest counted as dropped.
    let cfg = CgroupConfig {
        depth: 2,
        include: Vec::new(),
        max: 1,
    };
    let mut e = Exposition::new();
    assert_eq!(
        psoxide_exporter::cgroups::collect(&host, &cfg, &mut e).unwrap(),
        2
    );
    // A malformed limit is an error naming the file, and that cgroup is skipped.
    write(&svc, "memory.max", "lots\n");
    let err = host
        .cgroup_stats("/system.slice/web.service")
        .unwrap_err()
        .to_string();
    assert!(err.contains("memory.max") && err.contains("lots"), "{err}");
}
