//! What the server benchmarks need: a real server on a real file or a real PostgreSQL, and
//! percentiles.
#![allow(dead_code)]

/// The tests' PostgreSQL harness; benchmarks start their own server with fsync on.
#[path = "../../tests/support/postgres.rs"]
pub mod postgres;

pub mod history;
pub mod serve;

/// The tests' tmux harness: the wall and the desk in a real terminal.
#[path = "../../tests/support/tmux.rs"]
pub mod tmux;

use std::time::Duration;
use warroom::server::{Limits, RunningServer, ServeOptions, start};
use warroom::store::Location;

/// A server in open mode on a fresh SQLite file under the target directory (a real disk, so
/// that fsync costs what it costs; /tmp may be a RAM disk elsewhere).
pub async fn fresh_server() -> (RunningServer, tempfile::TempDir) {
    fresh_server_with(Default::default()).await
}

/// The same, with a status page, notifications and escalation as given.
pub async fn fresh_server_with(
    communicate: warroom::server::Communicate,
) -> (RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
    let server = server_with(dir.path().join("bench.db").into(), communicate).await;
    (server, dir)
}

/// A server in open mode on this store.
pub async fn server_on(db: Location) -> RunningServer {
    server_with(db, Default::default()).await
}

async fn server_with(db: Location, communicate: warroom::server::Communicate) -> RunningServer {
    start(ServeOptions {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db,
        tokens: None,
        scale: Default::default(),
        alert_severity: Default::default(),
        alert_routing: Default::default(),
        recent_events: warroom::server::DEFAULT_RECENT_EVENTS,
        keep_ended: warroom::server::DEFAULT_KEEP_ENDED,
        communicate,
        allowed_origins: Vec::new(),
        // The benchmarks measure the server, not the per-caller limit.
        limits: Limits {
            writes: None,
            ..Limits::default()
        },
        bounds: Default::default(),
        clock: Default::default(),
    })
    .await
    .expect("the server starts")
}

pub fn base(server: &RunningServer) -> String {
    format!("http://{}", server.local_addr())
}

/// The value below which `p` percent of the sorted samples fall (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The machine's load average over 1, 5 and 15 minutes, printed with the figures: on a
/// shared machine they are only comparable at a similar load.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// A plain HTTP client, built as the crate builds its own (`tls::client_builder` installs the
/// one TLS provider, without which reqwest cannot build a client).
pub fn http_client() -> reqwest::Client {
    warroom::tls::client_builder()
        .build()
        .expect("an HTTP client")
}
