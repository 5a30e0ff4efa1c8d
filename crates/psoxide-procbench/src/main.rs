//! `psoxide-procbench`: the driver (default), a runner, a one-shot run, or the spawner.

use psoxide_procbench::{driver, runner, spawn};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("runner") => match args.get(1).and_then(|i| runner::Imp::by_name(i)) {
            Some(mut imp) => {
                runner::serve(&mut imp);
                0
            }
            None => {
                eprintln!("runner: psoxide|floor|sysinfo|procfs");
                2
            }
        },
        Some("run") => {
            let (Some(imp), Some(w), Some(n)) =
                (args.get(1), args.get(2), args.get(3).and_then(|n| n.parse().ok()))
            else {
                eprintln!("run IMPL WORKLOAD N");
                std::process::exit(2);
            };
            match runner::Imp::by_name(imp) {
                Some(mut i) => {
                    if runner::run_n(&mut i, w, n) {
                        0
                    } else {
                        3
                    }
                }
                None => 2,
            }
        }
        Some("spawn") => match args.get(1) {
            Some(dir) => spawn::main(std::path::Path::new(dir)),
            None => 2,
        },
        _ => match driver::Opts::parse(&args) {
            Ok(o) => driver::main(o),
            Err(e) => {
                eprintln!("{e}");
                2
            }
        },
    };
    std::process::exit(code);
}
