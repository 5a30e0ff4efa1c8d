//! `psoxide killall NAME...`: signal every process whose psutil name() is NAME,
//! through its process handle (a pidfd where the kernel has them, so a PID reused
//! after the scan is never signalled).

use super::{emit, error_text, Fail, Outcome};
use psoxide::{Attr, AttrValue};
use std::fmt::Write as _;

/// Examples shown by `psoxide killall --help`.
pub const EXAMPLES: &str = "Examples:
  psoxide killall sleep               SIGTERM to every process named sleep
  psoxide killall -s KILL sleep       SIGKILL (also -s 9, -s SIGKILL, -s kill)
  psoxide killall --dry-run sleep     list PID and name of what would be signalled
  psoxide killall -u alice -s HUP x   only alice's processes
  psoxide killall -w --timeout 5 app  SIGTERM, then wait up to 5 s for them to end

Names are compared exactly with psutil's name(). Exit status 1 when a name matches
no process, a signal could not be sent (the message names the PID), or with --wait
when processes were still running at the timeout (the message names them).";

/// A signal by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal(pub i32);

fn signal_names() -> Vec<&'static str> {
    (1..=64)
        .filter_map(psoxide::signal_name)
        .map(|n| n.trim_start_matches("SIG"))
        .collect()
}

/// Parses a signal: a number (1-64), or a name with or without `SIG`, any case.
pub fn parse_signal(s: &str) -> Result<Signal, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return match n {
            1..=64 => Ok(Signal(n as i32)),
            _ => Err(format!("invalid signal number {n}: accepted are 1 to 64")),
        };
    }
    let up = t.to_ascii_uppercase();
    let want = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    (1..=64)
        .find(|&n| psoxide::signal_name(n) == Some(want.as_str()))
        .map(Signal)
        .ok_or_else(|| {
            format!(
                "unknown signal {t:?}; accepted: 1-64 or {}",
                signal_names().join(", ")
            )
        })
}

/// Options of `psoxide killall`.
#[derive(clap::Args, Debug)]
pub struct KillallArgs {
    /// Process names (exact psutil name()).
    #[arg(required = true)]
    names: Vec<String>,
    /// The signal: a name (TERM, SIGTERM, kill) or a number (15).
    #[arg(short = 's', long, default_value = "TERM", value_parser = parse_signal)]
    signal: Signal,
    /// Only processes of this user.
    #[arg(short = 'u', long)]
    user: Option<String>,
    /// Do not signal; print the PID and name of each process that would be signalled.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Print each process signalled.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Do not complain when a name matches no process.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// After signalling, wait until every signalled process has ended (been reaped by
    /// its parent), as procps killall -w.
    #[arg(short = 'w', long)]
    wait: bool,
    /// With --wait: give up after this many seconds (0 to 86400; default: no limit).
    #[arg(long, value_parser = parse_timeout, requires = "wait", allow_negative_numbers = true)]
    timeout: Option<f64>,
}

/// Parses the `--timeout` seconds: a finite number from 0 to 86400.
fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "invalid timeout {s:?}: accepted are seconds from 0 to 86400"
        )),
    }
}

/// Runs `psoxide killall`.
pub fn run(a: &KillallArgs) -> Outcome {
    let me = std::process::id();
    let mut attrs = vec![Attr::Name];
    if a.user.is_some() {
        attrs.push(Attr::Username);
    }
    let mut matched = Vec::new();
    for p in psoxide::process_iter(Some(&attrs))? {
        let Ok(p) = p else { continue };
        if p.pid() == me {
            continue;
        }
        let Some(info) = p.prefetched() else { continue };
        let Some(AttrValue::Name(name)) = info.get(Attr::Name) else {
            continue;
        };
        if !a.names.contains(name) {
            continue;
        }
        if let Some(u) = &a.user {
            match info.get(Attr::Username) {
                Some(AttrValue::Username(x)) if x == u => {}
                _ => continue,
            }
        }
        matched.push((p, name.clone()));
    }
    let mut failed = false;
    for n in &a.names {
        if !matched.iter().any(|(_, m)| m == n) {
            failed = true;
            if !a.quiet {
                eprintln!("psoxide: killall: {n}: no process found");
            }
        }
    }
    let sig = a.signal.0;
    let signame = psoxide::signal_name(sig)
        .map(str::to_string)
        .unwrap_or_else(|| sig.to_string());
    let mut out = String::new();
    let mut signalled = Vec::new();
    for (p, name) in &matched {
        if a.dry_run {
            let _ = writeln!(out, "{} {name}", p.pid());
            continue;
        }
        match p.send_signal(sig) {
            Ok(()) => {
                signalled.push(&**p);
                if a.verbose {
                    let _ = writeln!(out, "signalled {name}({}) with {signame}", p.pid());
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("psoxide: killall: pid {} ({name}): {}", p.pid(), error_text(&e));
            }
        }
    }
    emit(&out)?;
    if a.wait && !a.dry_run && !signalled.is_empty() {
        // Through the same handles: a PID reused meanwhile counts as ended.
        let timeout = a.timeout.map(std::time::Duration::from_secs_f64);
        let (_, alive) = psoxide::wait_procs(signalled, timeout, None)?;
        if !alive.is_empty() {
            let pids: Vec<String> = alive.iter().map(|p| p.pid().to_string()).collect();
            eprintln!(
                "psoxide: killall: still running after {} s: pid {}",
                a.timeout.unwrap_or(0.0),
                pids.join(", ")
            );
            failed = true;
        }
    }
    if failed {
        return Err(Fail::Quiet);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("TERM"), Ok(Signal(15)));
        assert_eq!(parse_signal("sigkill"), Ok(Signal(9)));
        assert_eq!(parse_signal("9"), Ok(Signal(9)));
        assert_eq!(parse_signal("hup"), Ok(Signal(1)));
        let e = parse_signal("BOGUS").unwrap_err();
        assert!(e.contains("HUP, INT"), "{e}");
        assert!(parse_signal("0").unwrap_err().contains("1 to 64"));
        assert!(parse_signal("-9").is_err());
    }
}
