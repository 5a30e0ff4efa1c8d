//! `psoxide-bench-rss psoxide|floor N`: N W1 scans in a binary that links only psoxide and
//! the floor, for the peak-RSS figure (`/usr/bin/time -f %M`).
use psoxide_bench::{floor::procs::Floor, procs::px::Px};
use std::hint::black_box;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    match a.get(1).map(String::as_str) {
        Some("psoxide") => {
            let mut p = Px::new();
            for _ in 0..n {
                black_box(p.w1());
            }
        }
        Some("floor") => {
            let mut f = Floor::new();
            for _ in 0..n {
                black_box(f.w1());
            }
        }
        _ => {
            eprintln!("psoxide-bench-rss psoxide|floor N");
            std::process::exit(2);
        }
    }
}
