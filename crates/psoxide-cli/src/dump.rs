//! `psoxide dump --json`: psutil's system functions as one JSON object.
//!
//! The keys, their order and the shape of every value are a contract documented in
//! docs/dump-json.md and checked by the differential tests against real psutil.

use clap::Args;
use psoxide::Error;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::io::Write;

/// Options of `psoxide dump`.
#[derive(Args, Debug)]
pub struct DumpArgs {
    /// Print JSON (the only format; accepted for clarity and future formats).
    #[arg(long)]
    json: bool,
    /// Indent the JSON for reading.
    #[arg(long)]
    pretty: bool,
    /// Only these keys (comma-separated psutil function names, e.g. cpu_times,users).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print one process's `as_dict()` (every attribute of `Process.attrs`) instead.
    #[arg(long, conflicts_with_all = ["procs", "only"], value_parser = crate::cmd::parse_pid, allow_hyphen_values = true)]
    pid: Option<u32>,
    /// Print a list with the `as_dict()` of every process instead.
    #[arg(long, conflicts_with = "only")]
    procs: bool,
    /// With --pid or --procs: only these attributes (comma-separated psutil names).
    #[arg(long, value_delimiter = ',', value_parser = attr_name)]
    attrs: Vec<String>,
    /// Which kernel process interfaces to use: `newest` (pidfds and PIDFD_GET_INFO
    /// where the kernel has them), `no-pidfd-info` (as on Linux 5.3-6.12) or
    /// `no-pidfd` (as before 5.3). The values are the same; this is for testing.
    #[arg(long, value_enum, default_value_t = KernelApiArg::Newest)]
    kernel_api: KernelApiArg,
}

/// `--attrs` value parser: a psutil attribute name; an unknown one lists the valid names.
fn attr_name(s: &str) -> Result<String, String> {
    crate::cmd::proc_::parse_attr(s).map(|a| a.as_str().to_string())
}

/// `--kernel-api` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelApiArg {
    /// Everything the kernel offers.
    Newest,
    /// Everything, with pidfds held only while a scan reads each process.
    NewestUnheld,
    /// Pidfds without PIDFD_GET_INFO.
    NoPidfdInfo,
    /// No pidfds.
    NoPidfd,
}

impl KernelApiArg {
    fn api(self) -> psoxide::KernelApi {
        match self {
            KernelApiArg::Newest => psoxide::KernelApi::Newest,
            KernelApiArg::NewestUnheld => psoxide::KernelApi::NewestUnheld,
            KernelApiArg::NoPidfdInfo => psoxide::KernelApi::NoPidfdInfo,
            KernelApiArg::NoPidfd => psoxide::KernelApi::NoPidfd,
        }
    }
}

/// Every key of the dump, in output order.
pub const KEYS: &[&str] = &[
    "cpu_times",
    "cpu_times_percpu",
    "cpu_count_logical",
    "cpu_count_physical",
    "cpu_stats",
    "cpu_freq",
    "cpu_freq_percpu",
    "getloadavg",
    "virtual_memory",
    "swap_memory",
    "disk_partitions",
    "disk_partitions_all",
    "disk_usage",
    "disk_io_counters",
    "disk_io_counters_perdisk",
    "net_io_counters",
    "net_io_counters_pernic",
    "net_if_addrs",
    "net_if_stats",
    "sensors_temperatures",
    "sensors_fans",
    "sensors_battery",
    "boot_time",
    "users",
];

fn val<T: Serialize>(r: psoxide::Result<T>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap_or_else(|e| error_value_msg("RuntimeError", &e.to_string())),
        Err(e) => error_value(&e),
    }
}

fn error_value(e: &Error) -> Value {
    error_value_msg(e.exception_name(), &e.to_string())
}

fn error_value_msg(name: &str, msg: &str) -> Value {
    json!({"error": name, "msg": msg})
}

fn disk_usage_all() -> Value {
    match psoxide::disk_partitions(false) {
        Err(e) => error_value(&e),
        Ok(parts) => {
            let mut m = Map::new();
            for p in parts {
                let v = val(psoxide::disk_usage(&p.mountpoint));
                m.insert(p.mountpoint.clone(), v);
            }
            Value::Object(m)
        }
    }
}

/// Computes the value of one key of the dump.
pub fn compute(key: &str) -> Option<Value> {
    Some(match key {
        "cpu_times" => val(psoxide::cpu_times()),
        "cpu_times_percpu" => val(psoxide::cpu_times_percpu()),
        "cpu_count_logical" => json!(psoxide::cpu_count()),
        "cpu_count_physical" => json!(psoxide::cpu_count_physical()),
        "cpu_stats" => val(psoxide::cpu_stats()),
        "cpu_freq" => val(psoxide::cpu_freq()),
        "cpu_freq_percpu" => val(psoxide::cpu_freq_percpu()),
        "getloadavg" => val(psoxide::getloadavg()),
        "virtual_memory" => val(psoxide::virtual_memory()),
        "swap_memory" => val(psoxide::swap_memory()),
        "disk_partitions" => val(psoxide::disk_partitions(false)),
        "disk_partitions_all" => val(psoxide::disk_partitions(true)),
        "disk_usage" => disk_usage_all(),
        "disk_io_counters" => val(psoxide::disk_io_counters(true)),
        "disk_io_counters_perdisk" => val(psoxide::disk_io_counters_perdisk(true)),
        "net_io_counters" => val(psoxide::net_io_counters(true)),
        "net_io_counters_pernic" => val(psoxide::net_io_counters_pernic(true)),
        "net_if_addrs" => val(psoxide::net_if_addrs()),
        "net_if_stats" => val(psoxide::net_if_stats()),
        "sensors_temperatures" => val(psoxide::sensors_temperatures(false)),
        "sensors_fans" => val(psoxide::sensors_fans()),
        "sensors_battery" => val(psoxide::sensors_battery()),
        "boot_time" => val(psoxide::boot_time()),
        "users" => val(psoxide::users()),
        _ => return None,
    })
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

fn print_json(v: &Value, pretty: bool) -> std::io::Result<()> {
    let text = if pretty {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    }
    .map_err(std::io::Error::other)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}

/// `--pid` / `--procs`: `as_dict()` of one or every process.
fn run_procs(args: &DumpArgs) -> std::io::Result<()> {
    let attrs = if args.attrs.is_empty() {
        None
    } else {
        Some(psoxide::parse_attrs(&args.attrs).map_err(|e| invalid(e.to_string()))?)
    };
    if let Some(pid) = args.pid {
        let info = psoxide::Process::new(pid)
            .and_then(|p| p.as_dict(attrs.as_deref()))
            .map_err(|e| invalid(format!("pid {pid}: {e} ({})", e.exception_name())))?;
        let v = serde_json::to_value(&info).map_err(std::io::Error::other)?;
        return print_json(&v, args.pretty);
    }
    let all = attrs.unwrap_or_else(|| psoxide::Attr::ALL.to_vec());
    let mut list = Vec::new();
    for p in psoxide::process_iter(Some(&all)).map_err(|e| invalid(e.to_string()))? {
        match p {
            Ok(p) => {
                if let Some(info) = p.prefetched() {
                    list.push(serde_json::to_value(&info).map_err(std::io::Error::other)?);
                }
            }
            Err(e) => list.push(error_value(&e)),
        }
    }
    print_json(&Value::Array(list), args.pretty)
}

/// Runs `psoxide dump`.
pub fn run(args: &DumpArgs) -> std::io::Result<()> {
    let _ = args.json;
    if args.kernel_api != KernelApiArg::Newest {
        psoxide::set_kernel_api(args.kernel_api.api());
    }
    if args.pid.is_some() || args.procs {
        return run_procs(args);
    }
    if !args.attrs.is_empty() {
        return Err(invalid("--attrs needs --pid or --procs".into()));
    }
    // Unknown names are refused first; the output keeps the contract's key order.
    for k in &args.only {
        let k = k.trim();
        if !KEYS.contains(&k) {
            return Err(invalid(format!(
                "unknown dump key {k:?}; accepted keys are: {}",
                KEYS.join(", ")
            )));
        }
    }
    let keys: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|k| args.only.is_empty() || args.only.iter().any(|o| o.trim() == *k))
        .collect();
    let mut out = Map::new();
    for k in keys {
        if let Some(v) = compute(k) {
            out.insert(k.to_string(), v);
        }
    }
    print_json(&Value::Object(out), args.pretty)
}
