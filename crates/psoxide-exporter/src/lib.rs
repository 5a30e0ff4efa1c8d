//! psoxide's Prometheus exporter (`psoxide serve`).
//!
//! - [`host`]: host metrics under node_exporter's names, labels and units.
//! - [`groups`]: process groups configured and named as process-exporter does, with
//!   its metric families.
//! - [`cgroups`]: per-cgroup (v2) limits and usage.
//! - [`expo`]: the exposition, in the Prometheus text format or OpenMetrics.
//! - [`scrape`]: one pass per scrape, shared by concurrent requests, with the state
//!   kept between scrapes.
//! - [`server`]: the HTTP server (hyper 1.x).
//! - [`config`]: the YAML configuration, process-exporter's shape.
//!
//! Everything is read through the psoxide library (its [`psoxide::Host`] context), so
//! a scrape reads each kernel file at most once and nothing runs between scrapes.

#![warn(missing_docs)]

pub mod cgroups;
pub mod config;
pub mod expo;
pub mod groups;
pub mod host;
pub mod scrape;
pub mod server;

pub use config::{Config, ConfigError};
pub use scrape::Exporter;

/// The default listen address: loopback only; any other must be given explicitly.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9717";
