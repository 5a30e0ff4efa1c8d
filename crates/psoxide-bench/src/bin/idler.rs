//! `psoxide-bench-idler THREADS [padding...]`: starts THREADS-1 extra threads and sleeps
//! until killed, or until `$IDLER_LIFETIME` seconds (default 1800) have passed.
fn main() {
    let threads: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let life: u64 = std::env::var("IDLER_LIFETIME")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1800);
    let life = std::time::Duration::from_secs(life.min(1800));
    for _ in 1..threads {
        std::thread::spawn(move || std::thread::sleep(life));
    }
    std::thread::sleep(life);
}
