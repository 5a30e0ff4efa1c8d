//! `psoxide disks` and `psoxide net`: I/O rates per disk and per network interface,
//! from two readings of psutil's counters `--interval` seconds apart.

use super::size::{fmt, rate, Unit};
use super::table::{pct, Align, Table};
use super::{emit, emit_json, parse_interval, JsonArgs, Outcome};
use psoxide::IndexMap;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// Examples shown by `psoxide disks --help`.
pub const DISKS_EXAMPLES: &str = "Examples:
  psoxide disks                 rates per disk over one second
  psoxide disks --interval 0.5  a shorter window (at least 0.05 s)
  psoxide disks --json          {\"interval\": s, \"perdisk\": {name: {sdiskio field: value per second}}}

Columns: reads/s and writes/s (operations), read/s and write/s (bytes), busy% (time
with I/O in flight over the window, from busy_time).";

/// Examples shown by `psoxide net --help`.
pub const NET_EXAMPLES: &str = "Examples:
  psoxide net                   rates per interface over one second
  psoxide net --interval 2      a longer window
  psoxide net --json            {\"interval\": s, \"pernic\": {nic: {snetio field: value per second}}}

Columns: recv/s and sent/s (bytes), packets in and out per second, errors and drops
per second.";

/// Options of `psoxide disks` and `psoxide net`.
#[derive(clap::Args, Debug)]
pub struct RateArgs {
    /// Seconds between the two readings (0.05 to 3600).
    #[arg(short = 'i', long, default_value_t = 1.0, value_parser = parse_interval)]
    interval: f64,
    /// Show the counters' totals since boot too (bytes).
    #[arg(long)]
    totals: bool,
    #[command(flatten)]
    json: JsonArgs,
}

/// Per name: (each field per second, the later reading's fields).
type Rates = IndexMap<String, (Map<String, Value>, Map<String, Value>)>;

/// Per-second rates of every field of two readings of named counters.
fn rates<T: serde::Serialize>(before: &IndexMap<String, T>, after: &IndexMap<String, T>, secs: f64) -> Rates {
    let mut out = IndexMap::new();
    for (name, a) in after {
        let Some(b) = before.get(name) else { continue };
        let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(a), serde_json::to_value(b))
        else {
            continue;
        };
        let mut r = Map::new();
        for (k, va) in &a {
            let (Some(x), Some(y)) = (va.as_u64(), b.get(k).and_then(Value::as_u64)) else {
                continue;
            };
            r.insert(k.clone(), json!(x.saturating_sub(y) as f64 / secs));
        }
        out.insert(name.clone(), (r, a));
    }
    out
}

fn get(m: &Map<String, Value>, k: &str) -> f64 {
    m.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

fn per_sec(v: f64) -> String {
    if v >= 100.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Sleeps the interval and returns the exact seconds elapsed.
fn wait(interval: f64, start: Instant) -> f64 {
    std::thread::sleep(Duration::from_secs_f64(interval));
    start.elapsed().as_secs_f64()
}

/// Runs `psoxide disks`.
pub fn run_disks(a: &RateArgs) -> Outcome {
    let t0 = Instant::now();
    let before = psoxide::disk_io_counters_perdisk(true)?;
    let secs = wait(a.interval, t0);
    let after = psoxide::disk_io_counters_perdisk(true)?;
    let r = rates(&before, &after, secs);
    if a.json.json {
        let per: Map<String, Value> = r.into_iter().map(|(k, (v, _))| (k, Value::Object(v))).collect();
        return emit_json(&json!({"interval": secs, "perdisk": per}), a.json.pretty);
    }
    let mut heads = vec![
        ("Disk", Align::Left),
        ("reads/s", Align::Right),
        ("writes/s", Align::Right),
        ("read/s", Align::Right),
        ("write/s", Align::Right),
        ("busy%", Align::Right),
    ];
    if a.totals {
        heads.extend([("read", Align::Right), ("written", Align::Right)]);
    }
    let mut t = Table::new(heads);
    for (name, (v, tot)) in &r {
        // busy_time is in ms: ms per second / 10 = percent.
        let busy = (get(v, "busy_time") / 10.0).min(100.0);
        let mut row = vec![
            name.clone(),
            per_sec(get(v, "read_count")),
            per_sec(get(v, "write_count")),
            rate(get(v, "read_bytes")),
            rate(get(v, "write_bytes")),
            pct(busy),
        ];
        if a.totals {
            row.push(fmt(get_u64(tot, "read_bytes"), Unit::Human));
            row.push(fmt(get_u64(tot, "write_bytes"), Unit::Human));
        }
        t.row(row);
    }
    emit(&t.render(None))
}

/// Runs `psoxide net`.
pub fn run_net(a: &RateArgs) -> Outcome {
    let t0 = Instant::now();
    let before = psoxide::net_io_counters_pernic(true)?;
    let secs = wait(a.interval, t0);
    let after = psoxide::net_io_counters_pernic(true)?;
    let r = rates(&before, &after, secs);
    if a.json.json {
        let per: Map<String, Value> = r.into_iter().map(|(k, (v, _))| (k, Value::Object(v))).collect();
        return emit_json(&json!({"interval": secs, "pernic": per}), a.json.pretty);
    }
    let stats = psoxide::net_if_stats().unwrap_or_default();
    let mut heads = vec![
        ("Interface", Align::Left),
        ("up", Align::Left),
        ("recv/s", Align::Right),
        ("sent/s", Align::Right),
        ("pkts in/s", Align::Right),
        ("pkts out/s", Align::Right),
        ("err/s", Align::Right),
        ("drop/s", Align::Right),
    ];
    if a.totals {
        heads.extend([("received", Align::Right), ("sent", Align::Right)]);
    }
    let mut t = Table::new(heads);
    for (name, (v, tot)) in &r {
        let up = match stats.get(name) {
            Some(s) if s.isup => "yes",
            Some(_) => "no",
            None => "?",
        };
        let mut row = vec![
            name.clone(),
            up.to_string(),
            rate(get(v, "bytes_recv")),
            rate(get(v, "bytes_sent")),
            per_sec(get(v, "packets_recv")),
            per_sec(get(v, "packets_sent")),
            per_sec(get(v, "errin") + get(v, "errout")),
            per_sec(get(v, "dropin") + get(v, "dropout")),
        ];
        if a.totals {
            row.push(fmt(get_u64(tot, "bytes_recv"), Unit::Human));
            row.push(fmt(get_u64(tot, "bytes_sent"), Unit::Human));
        }
        t.row(row);
    }
    emit(&t.render(None))
}

fn get_u64(m: &Map<String, Value>, k: &str) -> u64 {
    m.get(k).and_then(Value::as_u64).unwrap_or(0)
}
