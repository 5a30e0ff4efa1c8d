//! `psoxide sensors`: temperatures, fans and the battery (psutil's
//! sensors_temperatures, sensors_fans and sensors_battery).

use super::{emit, emit_json, error_text, JsonArgs, Outcome};
use psoxide::BatteryTime;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Examples shown by `psoxide sensors --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide sensors                 every chip's temperatures, fans, the battery
  psoxide sensors --fahrenheit
  psoxide sensors --json          {\"temperatures\": {chip: [shwtemp]}, \"fans\": {chip: [sfan]}, \"battery\": sbattery|null}

A machine without sensors (many VMs) prints what it lacks; that is not an error.";

/// Options of `psoxide sensors`.
#[derive(clap::Args, Debug)]
pub struct SensorsArgs {
    /// Temperatures in °F instead of °C.
    #[arg(short = 'f', long)]
    fahrenheit: bool,
    #[command(flatten)]
    json: JsonArgs,
}

fn val<T: serde::Serialize>(r: &psoxide::Result<T>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap_or(Value::Null),
        Err(e) => json!({"error": e.exception_name(), "msg": e.to_string()}),
    }
}

/// Runs `psoxide sensors`.
pub fn run(a: &SensorsArgs) -> Outcome {
    let temps = psoxide::sensors_temperatures(a.fahrenheit);
    let fans = psoxide::sensors_fans();
    let bat = psoxide::sensors_battery();
    if a.json.json {
        let v = json!({"temperatures": val(&temps), "fans": val(&fans), "battery": val(&bat)});
        return emit_json(&v, a.json.pretty);
    }
    let deg = if a.fahrenheit { "°F" } else { "°C" };
    let mut out = String::new();
    match &temps {
        Ok(t) if t.is_empty() => out.push_str("Temperatures: none found\n"),
        Ok(t) => {
            out.push_str("Temperatures:\n");
            for (chip, list) in t {
                let _ = writeln!(out, "  {chip}");
                let w = list
                    .iter()
                    .map(|x| x.label.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(5);
                for x in list {
                    let label = if x.label.is_empty() {
                        chip.as_str()
                    } else {
                        x.label.as_str()
                    };
                    let _ = write!(out, "    {label:<w$}  {:>6.1}{deg}", x.current);
                    if let Some(h) = x.high {
                        let _ = write!(out, "  (high {h:.1}{deg}");
                        match x.critical {
                            Some(c) => {
                                let _ = write!(out, ", critical {c:.1}{deg})");
                            }
                            None => out.push(')'),
                        }
                    } else if let Some(c) = x.critical {
                        let _ = write!(out, "  (critical {c:.1}{deg})");
                    }
                    out.push('\n');
                }
            }
        }
        Err(e) => {
            let _ = writeln!(out, "Temperatures: {}", error_text(e));
        }
    }
    match &fans {
        Ok(f) if f.is_empty() => out.push_str("Fans: none found\n"),
        Ok(f) => {
            out.push_str("Fans:\n");
            for (chip, list) in f {
                let _ = writeln!(out, "  {chip}");
                for x in list {
                    let label = if x.label.is_empty() {
                        chip.as_str()
                    } else {
                        x.label.as_str()
                    };
                    let _ = writeln!(out, "    {label}  {} RPM", x.current);
                }
            }
        }
        Err(e) => {
            let _ = writeln!(out, "Fans: {}", error_text(e));
        }
    }
    match &bat {
        Ok(None) => out.push_str("Battery: none found\n"),
        Ok(Some(b)) => {
            let left = match b.secsleft {
                BatteryTime::Seconds(s) => format!("{}:{:02} left", s / 3600, s / 60 % 60),
                BatteryTime::Unknown => "time left unknown".into(),
                BatteryTime::Unlimited => "unlimited (on AC power)".into(),
            };
            let plugged = match b.power_plugged {
                Some(true) => "plugged in",
                Some(false) => "on battery",
                None => "power source unknown",
            };
            let _ = writeln!(out, "Battery: {:.1}%, {left}, {plugged}", b.percent);
        }
        Err(e) => {
            let _ = writeln!(out, "Battery: {}", error_text(e));
        }
    }
    emit(&out)
}
