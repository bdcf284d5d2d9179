//! warroom: a terminal war room for live incidents.
//!
//! Layers, from the inside out: `domain` (pure rules; a crate of its own, `crates/domain`),
//! `store` (the durable log), `server` (the shared backend), `client` (its typed HTTP client),
//! `prometheus` (outbound clients of Prometheus and Alertmanager), `panels` (what to chart and
//! what to read from a chart), `report` (the postmortem and the report across incidents, from
//! the log), `tui` (the people's screen), `ssh` (that screen served over SSH, one per key),
//! `cli` and `demo` (which wire the rest). `config` (the
//! file's raw tables), `duration` (the one parser and formatter of "15m" and RFC 3339),
//! `sanitize` (the one gate from network text to the terminal; a crate of its own,
//! `crates/text`), `secret`, `private_files` (files only their owner may read), `logging` and
//! `tls` (every outbound HTTP client's builder) are leaves the layers share.
//!
//! The arrows allowed between top-level modules; `tests/architecture.rs` reads this block
//! and every `crate::` path in `src/`, and fails on an arrow not drawn here:
//!
//! ```text
//! domain     →
//! store      → domain
//! client     → domain, config, secret, tls
//! prometheus → domain, config, secret, tls
//! panels     → prometheus, domain, config, duration
//! report     → domain, duration, sanitize
//! server     → store, report, domain, config, duration, sanitize, secret, tls
//! tui        → client, panels, prometheus, report, domain, config, duration, sanitize, secret, private_files
//! ssh        → tui, client, config, domain, duration
//! cli        → demo, ssh, tui, client, panels, prometheus, server, store, report, domain, config, duration, sanitize, secret, logging, private_files, tls
//! demo       → tui, client, panels, prometheus, server, store, report, domain, config, duration, sanitize, secret, logging
//! config     → domain, duration, secret
//! duration   →
//! sanitize   →
//! secret     →
//! logging    → private_files
//! private_files →
//! tls        →
//! ```

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
/// The pure domain is its own crate (`crates/domain`); `crate::domain` names it here.
pub use warroom_domain as domain;
pub mod duration;
pub mod logging;
pub mod panels;
pub mod private_files;
pub mod prometheus;
pub mod report;
/// The gate from network text to the terminal is its own crate (`crates/text`), so that only
/// `sanitize` can make a `SafeText`; `crate::sanitize` names it here.
pub use warroom_text as sanitize;
pub mod secret;
pub mod server;
pub mod ssh;
pub mod store;
pub mod tls;
pub mod tui;
