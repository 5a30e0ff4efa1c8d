//! The HTTP server on loopback: routes, content negotiation, bad requests (unknown
//! path, bad method, huge head, garbage, a slow client holding a connection, many
//! concurrent scrapes) get clean HTTP answers and the exporter keeps serving.

use psoxide_exporter::{Config, Exporter};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One server for the whole test binary (the default configuration).
fn addr() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        let ex = Arc::new(Exporter::new(
            psoxide::Host::new(psoxide::Roots::new()),
            Config::default_config(),
        ));
        std::thread::spawn(move || psoxide_exporter::server::serve(l, ex));
        a
    })
}

/// Sends `raw` and returns the whole response (the server closes or the read times
/// out after the body).
fn request(raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(path: &str, extra: &str) -> String {
    request(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").as_bytes())
}

fn status(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

fn body(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .map(|v| v.trim().parse().unwrap())
}

#[test]
fn metrics_in_text_format() {
    let r = get("/metrics", "");
    assert_eq!(status(&r), "HTTP/1.1 200 OK", "{r:.300}");
    assert!(r
        .to_ascii_lowercase()
        .contains("content-type: text/plain; version=0.0.4; charset=utf-8"));
    let b = body(&r);
    // MemTotal read independently from /proc/meminfo.
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kb: f64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(sample(b, "node_memory_MemTotal_bytes"), Some(kb * 1024.0));
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(sample(b, "node_boot_time_seconds"), Some(btime));
    assert!(b.contains("# TYPE node_cpu_seconds_total counter\n"));
    assert!(b.contains("namedprocess_namegroup_num_procs{groupname="));
    assert!(!b.contains("# EOF"));
}

#[test]
fn metrics_in_openmetrics_when_asked() {
    let r = get(
        "/metrics",
        "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n",
    );
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert!(r
        .to_ascii_lowercase()
        .contains("content-type: application/openmetrics-text; version=1.0.0; charset=utf-8"));
    let b = body(&r);
    assert!(b.ends_with("# EOF\n"));
    assert!(b.contains("# TYPE node_cpu_seconds counter\n"));
    assert!(b.contains("\nnode_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} "));
}

#[test]
fn index_health_and_head() {
    let r = get("/", "");
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert!(body(&r).contains("href=\"/metrics\""));
    let r = get("/healthz", "");
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert_eq!(body(&r), "ok\n");
    let r = request(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert_eq!(body(&r), "");
}

#[test]
fn bad_requests_get_clean_errors() {
    let r = get("/nope", "");
    assert_eq!(status(&r), "HTTP/1.1 404 Not Found");
    let r =
        request(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    assert_eq!(status(&r), "HTTP/1.1 405 Method Not Allowed");
    assert!(r.to_ascii_lowercase().contains("allow: get, head"));
    let r = request(b"DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(status(&r), "HTTP/1.1 405 Method Not Allowed");
    // A head above the limit: 431 from the parser.
    let big = "a".repeat(psoxide_exporter::server::MAX_HEAD_BYTES * 2);
    let r = get("/metrics", &format!("X-Big: {big}\r\n"));
    assert_eq!(status(&r), "HTTP/1.1 431 Request Header Fields Too Large");
    // Garbage: 400.
    let r = request(b"\x16\x03\x01 not http at all\r\n\r\n");
    assert_eq!(status(&r), "HTTP/1.1 400 Bad Request");
    // Still serving.
    assert_eq!(status(&get("/healthz", "")), "HTTP/1.1 200 OK");
}

#[test]
fn slow_client_does_not_block_scrapes() {
    // A client that sends half a request line and then nothing.
    let mut slow = TcpStream::connect(addr()).unwrap();
    slow.write_all(b"GET /met").unwrap();
    let mut idle = TcpStream::connect(addr()).unwrap();
    idle.write_all(b"").unwrap();
    let t = std::time::Instant::now();
    let r = get("/metrics", "");
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert!(t.elapsed() < psoxide_exporter::server::HEAD_TIMEOUT);
    drop(slow);
    drop(idle);
}

#[test]
fn concurrent_scrapes_share_passes() {
    let before = sample(body(&get("/metrics", "")), "psoxide_exporter_scrapes_total").unwrap();
    let n = 24;
    let threads: Vec<_> = (0..n)
        .map(|_| std::thread::spawn(|| get("/metrics", "")))
        .collect();
    let mut last = 0.0f64;
    for t in threads {
        let r = t.join().unwrap();
        assert_eq!(status(&r), "HTTP/1.1 200 OK");
        last = last.max(sample(body(&r), "psoxide_exporter_scrapes_total").unwrap());
    }
    // Other tests of this binary scrape meanwhile too; the 24 requests alone would
    // be 24 passes without sharing.
    // Waiting requests share the running pass: a handful of passes, not one each.
    assert!(
        last - before <= (n / 3) as f64,
        "{before} -> {last}: {n} requests made too many passes"
    );
    assert_eq!(status(&get("/healthz", "")), "HTTP/1.1 200 OK");
}
