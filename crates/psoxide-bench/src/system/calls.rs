//! The registry of measured calls: for each, psoxide's call, the floor's call, and how
//! the check compares their values.

use crate::floor::system::Floor;
use serde::Serialize;
use serde_json::{json, Value};
use std::hint::black_box;
use std::time::Instant;

/// How the check compares psoxide's value with the floor's (read before and after).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    /// Values that do not move: strings, counts, lists must be equal (numbers within the
    /// before/after range, which for these is one value).
    Exact,
    /// Monotonic counters: every number between the floor's before and after reading.
    Counter,
    /// Gauges that move both ways: within the before/after range widened by this
    /// fraction of the value.
    Gauge(f64),
    /// Values that depend on when the call is made (percentages since the previous call,
    /// the caller's own heap): only the shape (keys, lengths, types) is compared.
    Shape,
}

fn time_n<T>(n: u64, mut f: impl FnMut() -> T) -> u64 {
    let t0 = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    t0.elapsed().as_nanos() as u64
}

/// A result as JSON; errors become `{"__error__": message}`.
fn to_json<T: Serialize, E: std::fmt::Display>(r: Result<T, E>) -> Value {
    match r {
        Ok(v) => {
            serde_json::to_value(v).unwrap_or_else(|e| json!({ "__error__": format!("serialize: {e}") }))
        }
        Err(e) => json!({ "__error__": e.to_string() }),
    }
}

macro_rules! registry {
    ($( $name:literal, $cmp:expr, ps: $ps:expr, floor: |$f:ident| $fe:expr; )*) => {
        /// Every call, in table order, with its check rule.
        pub const CALLS: &[(&str, Cmp)] = &[$(($name, $cmp)),*];

        /// Runs psoxide's `call` `n` times; the elapsed wall time in ns.
        pub fn time_psoxide(call: &str, n: u64) -> Option<u64> {
            match call {
                $($name => Some(time_n(n, || $ps)),)*
                _ => None,
            }
        }

        /// Runs the floor's `call` `n` times; the elapsed wall time in ns.
        pub fn time_floor(fl: &mut Floor, call: &str, n: u64) -> Option<u64> {
            match call {
                $($name => Some(time_n(n, || { let $f = &mut *fl; $fe })),)*
                _ => None,
            }
        }

        /// psoxide's value of `call` as JSON.
        pub fn json_psoxide(call: &str) -> Option<Value> {
            match call {
                $($name => Some(to_json($ps)),)*
                _ => None,
            }
        }

        /// The floor's value of `call` as JSON.
        pub fn json_floor(fl: &mut Floor, call: &str) -> Option<Value> {
            match call {
                $($name => Some({ let $f = &mut *fl; to_json($fe) }),)*
                _ => None,
            }
        }
    };
}

type Ok0<T> = Result<T, psoxide::Error>;

registry! {
    "cpu_times", Cmp::Counter, ps: psoxide::cpu_times(), floor: |f| f.cpu_times();
    "cpu_times_percpu", Cmp::Counter, ps: psoxide::cpu_times_percpu(), floor: |f| f.cpu_times_percpu();
    "cpu_percent", Cmp::Shape, ps: psoxide::cpu_percent(None), floor: |f| f.cpu_percent();
    "cpu_percent_percpu", Cmp::Shape, ps: psoxide::cpu_percent_percpu(None), floor: |f| f.cpu_percent_percpu();
    "cpu_times_percent", Cmp::Shape, ps: psoxide::cpu_times_percent(None), floor: |f| f.cpu_times_percent();
    "cpu_times_percent_percpu", Cmp::Shape, ps: psoxide::cpu_times_percent_percpu(None),
        floor: |f| f.cpu_times_percent_percpu();
    "cpu_count", Cmp::Exact, ps: Ok0::Ok(psoxide::cpu_count()), floor: |f| Ok0::Ok(f.cpu_count());
    "cpu_count_physical", Cmp::Exact, ps: Ok0::Ok(psoxide::cpu_count_physical()),
        floor: |f| f.cpu_count_physical();
    "cpu_stats", Cmp::Counter, ps: psoxide::cpu_stats(), floor: |f| f.cpu_stats();
    "cpu_freq", Cmp::Gauge(0.05), ps: psoxide::cpu_freq(), floor: |f| f.cpu_freq();
    "cpu_freq_percpu", Cmp::Gauge(0.05), ps: psoxide::cpu_freq_percpu(), floor: |f| f.cpu_freq_percpu();
    "getloadavg", Cmp::Gauge(0.0), ps: psoxide::getloadavg(), floor: |f| f.getloadavg();
    "boot_time", Cmp::Gauge(0.0), ps: psoxide::boot_time(), floor: |f| f.boot_time();
    "virtual_memory", Cmp::Gauge(0.02), ps: psoxide::virtual_memory(), floor: |f| f.virtual_memory();
    "swap_memory", Cmp::Gauge(0.02), ps: psoxide::swap_memory(), floor: |f| f.swap_memory();
    "disk_partitions", Cmp::Exact, ps: psoxide::disk_partitions(false), floor: |f| f.disk_partitions(false);
    "disk_partitions_all", Cmp::Exact, ps: psoxide::disk_partitions(true), floor: |f| f.disk_partitions(true);
    "disk_usage", Cmp::Gauge(0.01), ps: psoxide::disk_usage("/"), floor: |f| f.disk_usage(c"/");
    "disk_io_counters", Cmp::Counter, ps: psoxide::disk_io_counters(true), floor: |f| f.disk_io_counters();
    "disk_io_counters_perdisk", Cmp::Counter, ps: psoxide::disk_io_counters_perdisk(true),
        floor: |f| f.disk_io_counters_perdisk();
    "net_io_counters", Cmp::Counter, ps: psoxide::net_io_counters(true), floor: |f| f.net_io_counters();
    "net_io_counters_pernic", Cmp::Counter, ps: psoxide::net_io_counters_pernic(true),
        floor: |f| f.net_io_counters_pernic();
    // the same with nowrap=False: attributes the cost of the wrap-around bookkeeping
    "disk_io_counters_raw", Cmp::Counter, ps: psoxide::disk_io_counters(false), floor: |f| f.disk_io_counters();
    "disk_io_counters_perdisk_raw", Cmp::Counter, ps: psoxide::disk_io_counters_perdisk(false),
        floor: |f| f.disk_io_counters_perdisk();
    "net_io_counters_raw", Cmp::Counter, ps: psoxide::net_io_counters(false), floor: |f| f.net_io_counters();
    "net_io_counters_pernic_raw", Cmp::Counter, ps: psoxide::net_io_counters_pernic(false),
        floor: |f| f.net_io_counters_pernic();
    "net_if_addrs", Cmp::Exact, ps: psoxide::net_if_addrs(), floor: |f| f.net_if_addrs();
    "net_if_stats", Cmp::Exact, ps: psoxide::net_if_stats(), floor: |f| f.net_if_stats();
    "sensors_temperatures", Cmp::Exact, ps: psoxide::sensors_temperatures(false),
        floor: |f| f.sensors_temperatures();
    "sensors_fans", Cmp::Exact, ps: psoxide::sensors_fans(), floor: |f| f.sensors_fans();
    "sensors_battery", Cmp::Exact, ps: psoxide::sensors_battery(), floor: |f| f.sensors_battery();
    "users", Cmp::Exact, ps: psoxide::users(), floor: |f| f.users();
    "heap_info", Cmp::Shape, ps: psoxide::heap_info(), floor: |f| f.heap_info();
    "heap_trim", Cmp::Shape, ps: psoxide::heap_trim(), floor: |f| f.heap_trim();
}

/// Compares psoxide's value `p` with the floor's values read just before (`lo`) and
/// just after (`hi`); returns the differences found (empty = equal under `cmp`).
pub fn compare(lo: &Value, p: &Value, hi: &Value, cmp: Cmp) -> Vec<String> {
    let mut out = Vec::new();
    walk("", lo, p, hi, cmp, true, &mut out);
    out
}

/// Like [`compare`] for two values where key order may differ and only the shape
/// (and, for `Exact`, the values) is compared: psoxide against psutil 7.x.
pub fn compare_loose(reference: &Value, p: &Value, cmp: Cmp) -> Vec<String> {
    let mut out = Vec::new();
    let c = if cmp == Cmp::Exact { Cmp::Exact } else { Cmp::Shape };
    walk("", reference, p, reference, c, false, &mut out);
    out
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}...",
            &s[..s.char_indices().nth(77).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

fn walk(path: &str, lo: &Value, p: &Value, hi: &Value, cmp: Cmp, ordered: bool, out: &mut Vec<String>) {
    if out.len() > 20 {
        return;
    }
    let at = if path.is_empty() { "value" } else { path };
    match (lo, p, hi) {
        (Value::Object(a), Value::Object(b), Value::Object(c)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            let same = if ordered {
                ka == kb
            } else {
                ka.len() == kb.len() && ka.iter().all(|k| b.contains_key(*k))
            };
            if !same {
                out.push(format!("{at}: keys {ka:?} (floor) vs {kb:?} (psoxide)"));
                return;
            }
            for (k, va) in a {
                let vc = c.get(k).unwrap_or(va);
                walk(&format!("{path}.{k}"), va, &b[k], vc, cmp, ordered, out);
            }
        }
        (Value::Array(a), Value::Array(b), Value::Array(c)) => {
            if a.len() != b.len() {
                out.push(format!(
                    "{at}: {} items (floor) vs {} (psoxide)",
                    a.len(),
                    b.len()
                ));
                return;
            }
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                walk(
                    &format!("{path}[{i}]"),
                    va,
                    vb,
                    c.get(i).unwrap_or(va),
                    cmp,
                    ordered,
                    out,
                );
            }
        }
        (Value::Number(a), Value::Number(b), Value::Number(c)) => {
            if cmp == Cmp::Shape {
                return;
            }
            let (a, b, c) = (
                a.as_f64().unwrap_or(0.0),
                b.as_f64().unwrap_or(0.0),
                c.as_f64().unwrap_or(0.0),
            );
            let (l, h) = (a.min(c), a.max(c));
            let frac = match cmp {
                Cmp::Gauge(t) => t,
                _ => 0.0,
            };
            let slack = frac * l.abs().max(h.abs()) + 1e-9 * h.abs().max(1.0);
            if b < l - slack || b > h + slack {
                out.push(format!("{at}: {b} (psoxide) outside floor's [{a}, {c}]"));
            }
        }
        (a, b, c) => {
            let same_kind = std::mem::discriminant(a) == std::mem::discriminant(b);
            if cmp == Cmp::Shape {
                if !same_kind && !a.is_null() && !b.is_null() {
                    out.push(format!("{at}: {} (floor) vs {} (psoxide)", short(a), short(b)));
                }
            } else if a != b && c != b {
                out.push(format!("{at}: {} (floor) vs {} (psoxide)", short(a), short(b)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_rules() {
        let lo = json!({"a": 1, "b": "x", "c": [1.0, 2.0]});
        let hi = json!({"a": 3, "b": "x", "c": [1.0, 2.5]});
        assert!(compare(
            &lo,
            &json!({"a": 2, "b": "x", "c": [1.0, 2.2]}),
            &hi,
            Cmp::Counter
        )
        .is_empty());
        assert_eq!(
            compare(
                &lo,
                &json!({"a": 4, "b": "x", "c": [1.0, 2.2]}),
                &hi,
                Cmp::Counter
            )
            .len(),
            1
        );
        assert_eq!(
            compare(
                &lo,
                &json!({"a": 2, "b": "y", "c": [1.0, 2.2]}),
                &hi,
                Cmp::Counter
            )
            .len(),
            1
        );
        assert_eq!(
            compare(
                &lo,
                &json!({"b": "x", "a": 2, "c": [1.0, 2.2]}),
                &hi,
                Cmp::Counter
            )
            .len(),
            1
        );
        assert_eq!(
            compare(&lo, &json!({"a": 2, "b": "x", "c": [1.0]}), &hi, Cmp::Counter).len(),
            1
        );
        assert!(compare(&lo, &json!({"a": 99, "b": "x", "c": [0, 0]}), &hi, Cmp::Shape).is_empty());
        assert!(compare(&json!(100), &json!(101), &json!(100), Cmp::Gauge(0.02)).is_empty());
        assert_eq!(
            compare(&json!(100), &json!(103), &json!(100), Cmp::Gauge(0.02)).len(),
            1
        );
        assert!(compare_loose(&json!({"b": 1, "a": 2}), &json!({"a": 5, "b": 1}), Cmp::Counter).is_empty());
    }
}
