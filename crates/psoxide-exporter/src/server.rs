//! The HTTP server: hyper 1.x (HTTP/1.1) on a current-thread tokio runtime, with the
//! scrapes run on a small blocking pool.
//!
//! Limits: request heads above [`MAX_HEAD_BYTES`] get 431 (hyper's parser), a
//! client that does not send its head within [`HEAD_TIMEOUT`] is dropped, a
//! connection lives at most [`CONNECTION_LIFETIME`], and at most
//! [`MAX_CONNECTIONS`] are served at once (more get 503). None of these stops the
//! exporter.

use crate::expo::{wants_openmetrics, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};
use crate::scrape::{Exporter, ScrapeResult};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, ALLOW, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

/// The largest request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a client may take to send a request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection is kept, keep-alive included.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Threads that run scrapes (one pass at a time; concurrent requests share it).
pub const SCRAPE_THREADS: usize = 2;

const INDEX: &str = "<!DOCTYPE html>\n<html><head><title>psoxide exporter</title></head><body>\n<h1>psoxide exporter</h1>\n<p>Host metrics with node_exporter's names, process groups with process-exporter's, cgroup v2 limits.</p>\n<ul><li><a href=\"/metrics\">/metrics</a></li><li><a href=\"/healthz\">/healthz</a></li></ul>\n</body></html>\n";

/// Single flight on the async side: a request that arrives while a pass runs waits
/// on a watch channel, holding no thread, and is answered with that pass's result.
struct Flight {
    running: std::sync::Mutex<bool>,
    tx: tokio::sync::watch::Sender<Option<ScrapeResult>>,
}

impl Flight {
    fn new() -> Flight {
        Flight {
            running: std::sync::Mutex::new(false),
            tx: tokio::sync::watch::channel(None).0,
        }
    }

    async fn get(&self, exporter: &Arc<Exporter>) -> Result<ScrapeResult, String> {
        let waiting = {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if *running {
                Some(self.tx.subscribe())
            } else {
                *running = true;
                None
            }
        };
        if let Some(mut rx) = waiting {
            rx.changed().await.map_err(|e| e.to_string())?;
            let r = rx.borrow().clone();
            return r.ok_or_else(|| "the shared pass failed".to_string());
        }
        let ex = exporter.clone();
        let r = tokio::task::spawn_blocking(move || ex.scrape()).await;
        // Publish and clear `running` under the lock: a request either subscribed
        // before this send (and sees it) or finds `running` false and leads the next.
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let out = match r {
            Ok(r) => {
                self.tx.send_replace(Some(r.clone()));
                Ok(r)
            }
            Err(e) => {
                self.tx.send_replace(None);
                Err(e.to_string())
            }
        };
        *running = false;
        out
    }
}

fn reply(status: StatusCode, ctype: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

async fn handle(
    req: Request<Incoming>,
    exporter: Arc<Exporter>,
    flight: Arc<Flight>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    let known = matches!(path, "/" | "/metrics" | "/healthz");
    if !known {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            format!("404 not found: {path}\n"),
        ));
    }
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            format!("405 method not allowed: {}; accepted: GET, HEAD\n", req.method()),
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(r);
    }
    let mut r = match path {
        "/" => reply(StatusCode::OK, "text/html; charset=utf-8", INDEX),
        "/healthz" => reply(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
        _ => {
            let om = req
                .headers()
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(wants_openmetrics);
            match flight.get(&exporter).await {
                Ok(r) => reply(
                    StatusCode::OK,
                    if om {
                        OPENMETRICS_CONTENT_TYPE
                    } else {
                        TEXT_CONTENT_TYPE
                    },
                    if om {
                        r.exposition.render_openmetrics()
                    } else {
                        r.exposition.render_text()
                    },
                ),
                Err(e) => reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    format!("500 scrape failed: {e}\n"),
                ),
            }
        }
    };
    if head {
        *r.body_mut() = Full::new(Bytes::new());
    }
    Ok(r)
}

/// Serves `exporter` on `listener` until the process ends. Errors only when the
/// runtime cannot be built or the listener cannot be registered.
pub fn serve(listener: std::net::TcpListener, exporter: Arc<Exporter>) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(SCRAPE_THREADS)
        .thread_name("psoxide-scrape")
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let flight = Arc::new(Flight::new());
        loop {
            let (mut stream, _peer): (tokio::net::TcpStream, SocketAddr) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: wait a little instead of spinning.
                    eprintln!("psoxide serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                tokio::spawn(async move {
                    let _ = stream
                        .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 24\r\nconnection: close\r\n\r\n503 too many connections")
                        .await;
                    let _ = stream.shutdown().await;
                });
                continue;
            };
            let ex = exporter.clone();
            let fl = flight.clone();
            tokio::spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD_BYTES)
                    .serve_connection(TokioIo::new(stream), service_fn(move |req| handle(req, ex.clone(), fl.clone())));
                let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
                drop(permit);
            });
        }
    })
}
