//! `psoxide ifconfig`: network interfaces with their state, addresses and counters
//! (psutil's net_if_stats, net_if_addrs and net_io_counters(pernic=True)).

use super::size::human;
use super::{emit, emit_json, Fail, JsonArgs, Outcome};
use psoxide::{AddressFamily, NicDuplex};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Examples shown by `psoxide ifconfig --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide ifconfig              every interface
  psoxide ifconfig lo eth0      only these
  psoxide ifconfig --json       {nic: {\"stats\": snicstats, \"addrs\": [snicaddr], \"io\": snetio}}";

/// Options of `psoxide ifconfig`.
#[derive(clap::Args, Debug)]
pub struct IfconfigArgs {
    /// Interfaces to show (default: all).
    names: Vec<String>,
    #[command(flatten)]
    json: JsonArgs,
}

fn family(f: AddressFamily) -> &'static str {
    match f {
        AddressFamily::Inet => "inet",
        AddressFamily::Inet6 => "inet6",
        AddressFamily::Link => "ether",
        AddressFamily::Unix => "unix",
        AddressFamily::Unspec => "unspec",
    }
}

/// Runs `psoxide ifconfig`.
pub fn run(a: &IfconfigArgs) -> Outcome {
    let addrs = psoxide::net_if_addrs()?;
    let stats = psoxide::net_if_stats()?;
    let io = psoxide::net_io_counters_pernic(false)?;
    let mut names: Vec<String> = Vec::new();
    for n in addrs.keys().chain(stats.keys()).chain(io.keys()) {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    for want in &a.names {
        if !names.contains(want) {
            return Err(Fail::Runtime(format!(
                "ifconfig: no interface named {want:?}; interfaces: {}",
                names.join(", ")
            )));
        }
    }
    if !a.names.is_empty() {
        names.retain(|n| a.names.contains(n));
    }
    if a.json.json {
        let mut m = Map::new();
        for n in &names {
            let mut o = Map::new();
            o.insert(
                "stats".into(),
                serde_json::to_value(stats.get(n)).unwrap_or(Value::Null),
            );
            o.insert(
                "addrs".into(),
                serde_json::to_value(addrs.get(n).cloned().unwrap_or_default()).unwrap_or(Value::Null),
            );
            o.insert(
                "io".into(),
                serde_json::to_value(io.get(n)).unwrap_or(Value::Null),
            );
            m.insert(n.clone(), Value::Object(o));
        }
        return emit_json(&m, a.json.pretty);
    }
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{n}:");
        if let Some(s) = stats.get(n) {
            let _ = write!(out, " {}", if s.isup { "UP" } else { "DOWN" });
            if !s.flags.is_empty() {
                let _ = write!(out, " flags={}", s.flags);
            }
            let _ = write!(out, " mtu {}", s.mtu);
            if s.speed > 0 {
                let _ = write!(out, " speed {} Mb/s", s.speed);
            }
            match s.duplex {
                NicDuplex::Full => out.push_str(" full-duplex"),
                NicDuplex::Half => out.push_str(" half-duplex"),
                NicDuplex::Unknown => {}
            }
        }
        out.push('\n');
        for ad in addrs.get(n).map(Vec::as_slice).unwrap_or_default() {
            let _ = write!(
                out,
                "    {:<6} {}",
                family(ad.family),
                ad.address.as_deref().unwrap_or("-")
            );
            if let Some(m) = &ad.netmask {
                let _ = write!(out, "  netmask {m}");
            }
            if let Some(b) = &ad.broadcast {
                let _ = write!(out, "  broadcast {b}");
            }
            if let Some(p) = &ad.ptp {
                let _ = write!(out, "  destination {p}");
            }
            out.push('\n');
        }
        if let Some(c) = io.get(n) {
            let _ = writeln!(
                out,
                "    RX packets {}  bytes {} ({})  errors {}  dropped {}",
                c.packets_recv,
                c.bytes_recv,
                human(c.bytes_recv),
                c.errin,
                c.dropin
            );
            let _ = writeln!(
                out,
                "    TX packets {}  bytes {} ({})  errors {}  dropped {}",
                c.packets_sent,
                c.bytes_sent,
                human(c.bytes_sent),
                c.errout,
                c.dropout
            );
        }
    }
    emit(&out)
}
