//! The `psoxide` command: a full-screen monitor of this machine, and psutil-shaped JSON dumps.

mod cmd;
mod dump;
mod monitor;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// psutil, oxidized: process and system information.
///
/// With no subcommand, runs a full-screen monitor of this machine (CPU, memory, disks,
/// network, sensors, load, uptime, and a process table with sorting, search, tree
/// view and actions; `?` for help, `q` to quit). When standard output is not a
/// terminal, or with --once, one plain frame is printed.
#[derive(Parser, Debug)]
#[command(name = "psoxide", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Print one frame and exit instead of refreshing.
    #[arg(long)]
    once: bool,

    /// Seconds between refreshes (also the sampling window for rates and CPU %);
    /// at least 0.1.
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval)]
    interval: f64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print what psutil's system functions return, as one JSON object keyed by
    /// psutil's function names (see docs/dump-json.md for the contract).
    Dump(cmd::Lazy<dump::DumpArgs>),
    /// Serve Prometheus metrics over HTTP (/metrics, /healthz): host metrics with
    /// node_exporter's names, process groups with process-exporter's, cgroup v2 limits
    /// (see docs/exporter.md).
    Serve(cmd::Lazy<ServeArgs>),
    /// The classic views: ps, free, df, disks, net, ifconfig, netstat, pstree, pmap,
    /// sensors, who, pidof, killall, proc.
    #[command(flatten)]
    Classic(cmd::Classic),
}

/// Arguments of `psoxide serve`.
#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address to listen on (loopback by default; any other must be given here).
    #[arg(long, default_value = psoxide_exporter::DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// YAML configuration (process-exporter's `process_names:` shape, see
    /// docs/exporter.md); without it, one group per command name.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
}

fn serve(args: &ServeArgs) -> std::io::Result<()> {
    let cfg = match &args.config {
        Some(p) => psoxide_exporter::Config::load(p).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad configuration: {e}"),
            )
        })?,
        None => psoxide_exporter::Config::default_config(),
    };
    let listener = std::net::TcpListener::bind(args.listen)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", args.listen)))?;
    eprintln!(
        "psoxide serve: listening on http://{}/metrics",
        listener.local_addr()?
    );
    let exporter = std::sync::Arc::new(psoxide_exporter::Exporter::new(psoxide::Host::current(), cfg));
    psoxide_exporter::server::serve(listener, exporter)
}

fn parse_interval(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("invalid interval {s:?}: expected a number of seconds, e.g. 1 or 0.5"))?;
    if !(v.is_finite() && (0.1..=3600.0).contains(&v)) {
        return Err(format!(
            "invalid interval {s}: accepted values are 0.1 to 3600 seconds"
        ));
    }
    Ok(v)
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit, for the faces that
/// scan again and again (the monitor, `serve`): the library's handles hold a pidfd and
/// keep three `/proc/PID` files open within a quarter of the soft limit, and the usual
/// soft limit of 1,024 leaves room for 256 of them, fewer than a machine's processes.
/// Neither face uses `select(2)`, the one reason to keep descriptor numbers below
/// 1,024. Nothing changes when the limit cannot be read or set.
fn raise_nofile_soft_limit() {
    use psoxide::{Rlimit, RlimitValue};
    let Ok(me) = psoxide::Process::current() else {
        return;
    };
    let Ok((soft, hard)) = me.rlimit(Rlimit::Nofile) else {
        return;
    };
    // An unlimited hard limit cannot be the soft one (the kernel caps descriptors at
    // fs.nr_open): 262,144 then, which gives the library its largest budget.
    let want = match hard {
        RlimitValue::Limited(h) => h,
        RlimitValue::Infinity => 1 << 18,
    };
    if matches!(soft, RlimitValue::Limited(s) if s < want) {
        let _ = me.set_rlimit(Rlimit::Nofile, RlimitValue::Limited(want), hard);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Some(Command::Dump(cmd::Lazy(args))) => dump::run(&args),
        Some(Command::Serve(cmd::Lazy(args))) => {
            raise_nofile_soft_limit();
            serve(&args)
        }
        Some(Command::Classic(c)) => return cmd::run(c),
        None => {
            raise_nofile_soft_limit();
            monitor::run(cli.once, cli.interval)
        }
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
