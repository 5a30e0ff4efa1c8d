//! `psoxide-bench procs`: psoxide's process API side by side with psutil, sysinfo,
//! procfs and the hand-written floor, on a populated process table: W1 (full scan), W2
//! (pid + name + rss), W3 (current-process calls), `net_connections('inet')` and
//! `pids()`. See docs/bench-processes.md.
//!
//! The driver ([`driver`]) starts the process table ([`spawn`]) and one long-lived
//! runner per implementation ([`runner`]; psutil's is `py/procs_runner.py`), checks
//! every implementation's rows against the floor ([`check`]) and times them in
//! interleaved rounds.

pub mod check;
pub mod driver;
pub mod pf;
pub mod px;
pub mod rows;
pub mod runner;
pub mod si;
pub mod spawn;

use std::path::PathBuf;

/// `psoxide-bench procs`: the options of the benchmark, or one of its helpers.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A helper the driver runs itself (not needed for a benchmark run).
    #[command(subcommand)]
    pub helper: Option<Helper>,
    #[command(flatten)]
    pub opts: driver::Opts,
}

/// The helpers of `psoxide-bench procs`.
#[derive(clap::Subcommand, Debug)]
pub enum Helper {
    /// Serve the runner protocol on stdin/stdout: "WORKLOAD N" lines, answered with
    /// "wall_ns user_ns sys_ns items" (or "NA" for a workload IMPL does not have).
    Runner {
        /// The implementation.
        #[arg(value_enum)]
        imp: Impl,
    },
    /// Run WORKLOAD N times and exit (what strace and the peak-RSS table measure);
    /// exit code 3 if IMPL does not have WORKLOAD.
    Run {
        /// The implementation.
        #[arg(value_enum)]
        imp: Impl,
        /// w1, w1.handles, w1.cold, w1.notasks, w2, w2.status, w3.CALL, net or pids.
        workload: String,
        /// Iterations.
        n: usize,
    },
    /// Fill the process table (~1,000 children, ~400 loopback TCP ends) and hold it until
    /// SIGTERM/SIGINT/SIGHUP or 30 minutes; writes DIR/spawned.pids and DIR/ready.
    Spawn {
        /// A scratch directory.
        dir: PathBuf,
    },
}

/// The Rust columns.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Impl {
    /// psoxide.
    Psoxide,
    /// The hand-written floor.
    Floor,
    /// sysinfo 0.40, single-threaded.
    Sysinfo,
    /// procfs 0.18.
    Procfs,
}

impl Impl {
    fn runner(self) -> runner::Imp {
        let name = match self {
            Impl::Psoxide => "psoxide",
            Impl::Floor => "floor",
            Impl::Sysinfo => "sysinfo",
            Impl::Procfs => "procfs",
        };
        runner::Imp::by_name(name).expect("every Impl has a runner")
    }
}

/// Runs `psoxide-bench procs`; the process exit code.
pub fn main(args: Args) -> i32 {
    match args.helper {
        Some(Helper::Runner { imp }) => {
            runner::serve(&mut imp.runner());
            0
        }
        Some(Helper::Run { imp, workload, n }) => {
            if runner::run_n(&mut imp.runner(), &workload, n) {
                0
            } else {
                3
            }
        }
        Some(Helper::Spawn { dir }) => spawn::main(&dir),
        None => driver::main(args.opts),
    }
}
