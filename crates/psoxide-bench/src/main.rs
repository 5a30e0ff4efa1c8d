//! `psoxide-bench`: psoxide timed side by side with a hand-written floor and with psutil
//! (and, for processes, sysinfo and procfs), in one run, on this machine.

use clap::{Parser, Subcommand};
use psoxide_bench::{procs, system};

/// psoxide timed side by side, in one run, with a hand-written floor (the fewest
/// syscalls that give the same answer) and with psutil; for processes also with sysinfo
/// and procfs. Ratios are medians of per-round ratios from interleaved, shuffled rounds.
#[derive(Parser, Debug)]
#[command(name = "psoxide-bench", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Every system-wide call (cpu_times, virtual_memory, disk_io_counters, ...): psoxide
    /// vs the floor vs psutil; check, timing table, optional syscall counts (BENCHMARKS.md).
    System(system::Args),
    /// Process workloads W1 (full scan), W2 (pid + name + rss), W3 (current-process
    /// calls), net_connections and pids: psoxide vs psutil, sysinfo, procfs and the floor,
    /// on a spawned table of ~1,000 processes (docs/bench-processes.md).
    Procs(procs::Args),
}

fn main() {
    let code = match Cli::parse().cmd {
        Cmd::System(a) => system::main(a),
        Cmd::Procs(a) => procs::main(a),
    };
    std::process::exit(code);
}
