//! Scans every process N times with psutil's W1 attributes (pid, ppid, name, status,
//! cpu_times, memory_info, num_threads, create_time, cmdline, username), as a monitor
//! does; for profiling (`valgrind --tool=callgrind`) and `/usr/bin/time -f %M`.
//!
//! Usage: `cargo run --release --example scan -- [SCANS]`

use psoxide::Attr;

fn main() -> Result<(), psoxide::Error> {
    let scans: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let attrs = [
        Attr::Pid,
        Attr::Ppid,
        Attr::Name,
        Attr::Status,
        Attr::CpuTimes,
        Attr::MemoryInfo,
        Attr::NumThreads,
        Attr::CreateTime,
        Attr::Cmdline,
        Attr::Username,
    ];
    let mut rows = 0usize;
    for _ in 0..scans {
        for p in psoxide::process_iter(Some(&attrs))? {
            let p = p?;
            rows += p.prefetched().map_or(0, |i| i.values.len());
        }
    }
    println!("{scans} scans, {rows} values");
    Ok(())
}
