//! The `psoxide` command: a live overview of this machine, and psutil-shaped JSON dumps.

mod cmd;
mod dump;
mod overview;
mod term;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// psutil, oxidized: process and system information.
///
/// With no subcommand, shows a live overview of this machine (CPU, memory, disks,
/// network, sensors, load, uptime, users), refreshed every second until interrupted.
/// When standard output is not a terminal, or with --once, one frame is printed.
#[derive(Parser, Debug)]
#[command(name = "psoxide", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Print one frame and exit instead of refreshing.
    #[arg(long)]
    once: bool,

    /// Seconds between refreshes (also the sampling window for rates and CPU %).
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval)]
    interval: f64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print what psutil's system functions return, as one JSON object keyed by
    /// psutil's function names (see docs/dump-json.md for the contract).
    Dump(dump::DumpArgs),
    /// The classic views: ps, free, df, disks, net, ifconfig, netstat, pstree, pmap,
    /// sensors, who, pidof, killall, proc.
    #[command(flatten)]
    Classic(cmd::Classic),
}

fn parse_interval(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("invalid interval {s:?}: expected a number of seconds, e.g. 1 or 0.5"))?;
    if !(v.is_finite() && v > 0.0 && v <= 3600.0) {
        return Err(format!(
            "invalid interval {s}: accepted values are > 0 and <= 3600 seconds"
        ));
    }
    Ok(v)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Some(Command::Dump(args)) => dump::run(&args),
        Some(Command::Classic(c)) => return cmd::run(c),
        None => overview::run(cli.once, cli.interval),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("psoxide: {e}");
            ExitCode::FAILURE
        }
    }
}
