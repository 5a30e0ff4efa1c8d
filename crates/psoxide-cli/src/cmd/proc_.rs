//! `psoxide proc PID`: everything psutil knows about one process (its `as_dict()`),
//! one attribute per line, or as JSON.

use super::size::human;
use super::{emit, emit_json, error_text, local_datetime, parse_pid, Fail, JsonArgs, Outcome};
use psoxide::{Attr, Pid, Process};
use serde_json::Value;
use std::fmt::Write as _;

/// Examples shown by `psoxide proc --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide proc 1                        every attribute of psutil's Process.attrs
  psoxide proc $$ --attrs name,cwd,exe  some of them
  psoxide proc 1 --json                 as_dict(): the same object as dump --pid 1 --json

Attributes psutil would answer with AccessDenied show as \"(access denied)\" (null in
JSON). Sizes are human-readable (exact bytes in --json).";

/// Options of `psoxide proc`.
#[derive(clap::Args, Debug)]
pub struct ProcArgs {
    /// The process.
    #[arg(value_parser = parse_pid, allow_hyphen_values = true)]
    pid: Pid,
    /// Only these attributes (comma-separated psutil names).
    #[arg(long, value_delimiter = ',', value_parser = parse_attr)]
    attrs: Vec<Attr>,
    #[command(flatten)]
    json: JsonArgs,
}

/// `--attrs` value parser: an unknown name lists the valid ones.
pub fn parse_attr(s: &str) -> Result<Attr, String> {
    s.trim().parse::<Attr>().map_err(|e| {
        let valid: Vec<&str> = Attr::ALL.iter().map(|a| a.as_str()).collect();
        format!("{e}; valid names: {}", valid.join(", "))
    })
}

/// Attributes whose numbers are all byte counts.
const BYTES: [&str; 3] = ["memory_info", "memory_info_ex", "memory_footprint"];

fn scalar(key: &str, field: Option<&str>, v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let bytes = BYTES.contains(&key)
                || (key == "io_counters"
                    && field.is_some_and(|f| f.ends_with("_bytes") || f.ends_with("_chars")));
            match n.as_u64() {
                Some(b) if bytes => format!("{} ({b})", human(b)),
                _ if key == "create_time" => {
                    format!("{} ({n})", n.as_f64().map(local_datetime).unwrap_or_default())
                }
                _ => n.to_string(),
            }
        }
        other => other.to_string(),
    }
}

fn object_line(key: &str, m: &serde_json::Map<String, Value>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={}", scalar(key, Some(k), v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `psoxide proc`.
pub fn run(a: &ProcArgs) -> Outcome {
    let fail = |e: psoxide::Error| Fail::Runtime(format!("proc: pid {}: {}", a.pid, error_text(&e)));
    let p = Process::new(a.pid).map_err(fail)?;
    let attrs = if a.attrs.is_empty() {
        None
    } else {
        Some(a.attrs.as_slice())
    };
    let info = p.as_dict(attrs).map_err(fail)?;
    if a.json.json {
        return emit_json(&info, a.json.pretty);
    }
    let mut out = String::new();
    let width = info
        .values
        .iter()
        .map(|(k, _)| k.as_str().len())
        .max()
        .unwrap_or(0);
    for (attr, r) in &info.values {
        let key = attr.as_str();
        let _ = write!(out, "{key:<width$}  ");
        let v = match r {
            Err(e) => {
                let _ = writeln!(
                    out,
                    "({})",
                    match e {
                        psoxide::Error::AccessDenied { .. } => "access denied",
                        psoxide::Error::ZombieProcess { .. } => "zombie process",
                        _ => "error",
                    }
                );
                continue;
            }
            Ok(v) => serde_json::to_value(v).unwrap_or(Value::Null),
        };
        match &v {
            Value::Object(m) if key == "environ" => {
                let _ = writeln!(out, "{} variables", m.len());
                for (k, x) in m {
                    let _ = writeln!(out, "    {k}={}", x.as_str().unwrap_or_default());
                }
            }
            Value::Object(m) => {
                let _ = writeln!(out, "{}", object_line(key, m));
            }
            Value::Array(list) if key == "cmdline" => {
                let words: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                let _ = writeln!(out, "{}", words.join(" "));
            }
            Value::Array(list) if list.iter().all(|x| !x.is_object() && !x.is_array()) => {
                let words: Vec<String> = list.iter().map(|x| scalar(key, None, x)).collect();
                let _ = writeln!(out, "{}", words.join(" "));
            }
            Value::Array(list) => {
                let _ = writeln!(out, "{} entries", list.len());
                for x in list {
                    let line = match x {
                        Value::Object(m) => {
                            object_line(if key == "memory_maps" { "memory_info" } else { key }, m)
                        }
                        other => other.to_string(),
                    };
                    let _ = writeln!(out, "    {line}");
                }
            }
            other => {
                let _ = writeln!(out, "{}", scalar(key, None, other));
            }
        }
    }
    emit(&out)
}
