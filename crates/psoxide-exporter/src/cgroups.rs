//! Containers: one set of series per cgroup v2 group, with the group's own limits
//! and usage (`memory.max`/`current`, `cpu.max` and `cpu.stat`, `pids.max`/`current`)
//! beside the host totals.

use crate::config::CgroupConfig;
use crate::expo::{Exposition, Kind};
use psoxide::Host;

/// Adds the `psoxide_cgroup_*` families for the cgroups `cfg` selects. Returns how
/// many matching cgroups were left out because of `cfg.max`.
pub fn collect(host: &Host, cfg: &CgroupConfig, e: &mut Exposition) -> psoxide::Result<usize> {
    let mut dropped = 0;
    let mut n = 0;
    for path in host.cgroup_paths(cfg.depth)? {
        if !cfg.include.is_empty() && !cfg.include.iter().any(|r| r.is_match(&path)) {
            continue;
        }
        if n >= cfg.max {
            dropped += 1;
            continue;
        }
        let Ok(st) = host.cgroup_stats(&path) else {
            continue;
        }; // removed meanwhile
        n += 1;
        let l = || vec![("cgroup", path.clone())];
        let limit = |v: Option<u64>| v.map_or(f64::INFINITY, |x| x as f64);
        if let Some(v) = st.memory_current {
            e.add(
                "psoxide_cgroup_memory_current_bytes",
                "memory.current: memory charged to the cgroup, in bytes.",
                Kind::Gauge,
                l(),
                v as f64,
            );
        }
        if let Some(v) = st.memory_max {
            e.add(
                "psoxide_cgroup_memory_max_bytes",
                "memory.max: the cgroup's memory limit in bytes (+Inf: none).",
                Kind::Gauge,
                l(),
                limit(v),
            );
        }
        if let Some(v) = st.swap_current {
            e.add(
                "psoxide_cgroup_swap_current_bytes",
                "memory.swap.current: swap charged to the cgroup, in bytes.",
                Kind::Gauge,
                l(),
                v as f64,
            );
        }
        if let Some((quota, period)) = st.cpu_max {
            let cores = match quota {
                Some(q) if period > 0 => q as f64 / period as f64,
                _ => f64::INFINITY,
            };
            e.add(
                "psoxide_cgroup_cpu_max_cores",
                "cpu.max: the cgroup's CPU limit as quota/period, in cores (+Inf: none).",
                Kind::Gauge,
                l(),
                cores,
            );
        }
        if let Some(v) = st.cpu_usage_usec {
            e.add(
                "psoxide_cgroup_cpu_usage_seconds_total",
                "cpu.stat usage_usec: CPU time used by the cgroup, in seconds.",
                Kind::Counter,
                l(),
                v as f64 / 1e6,
            );
        }
        for (mode, v) in [("user", st.cpu_user_usec), ("system", st.cpu_system_usec)] {
            if let Some(v) = v {
                e.add(
                    "psoxide_cgroup_cpu_seconds_total",
                    "cpu.stat user_usec/system_usec: CPU time used by the cgroup by mode, in seconds.",
                    Kind::Counter,
                    vec![("cgroup", path.clone()), ("mode", mode.to_string())],
                    v as f64 / 1e6,
                );
            }
        }
        if let Some(v) = st.pids_current {
            e.add(
                "psoxide_cgroup_pids_current",
                "pids.current: tasks in the cgroup.",
                Kind::Gauge,
                l(),
                v as f64,
            );
        }
        if let Some(v) = st.pids_max {
            e.add(
                "psoxide_cgroup_pids_max",
                "pids.max: the cgroup's task limit (+Inf: none).",
                Kind::Gauge,
                l(),
                limit(v),
            );
        }
    }
    Ok(dropped)
}
