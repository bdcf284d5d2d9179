//! Detection's cost against a real Prometheus 2.42 holding 10,000 metric names besides one
//! service's request metrics: API calls made and wall time, median of three runs.
//!
//! Run: `cargo bench --bench panels_detect` (prints a Markdown row for BENCHMARKS.md). The
//! bound is at most 20 API calls and 5 s.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use chrono::Utc;
use std::time::Instant;
use support::history::History;
use support::promstack::{Prometheus, PrometheusSetup};
use warroom::config::ServerConfig;
use warroom::panels::detect::detect;
use warroom::prometheus::PrometheusClient;

const NAMES: usize = 10_000;
const RUNS: usize = 3;

#[tokio::main]
async fn main() {
    let end = Utc::now().timestamp().div_euclid(60) * 60;
    let mut history = History::default();
    history.checkout(end, 2);
    for n in 0..NAMES {
        let labels = format!(r#"instance="10.0.{}.{}:9100""#, n / 250, n % 250);
        history.gauge(
            &format!("app_metric_{n:05}"),
            &labels,
            (end - 120, end),
            1.0,
        );
    }
    let backfill = Instant::now();
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    });
    eprintln!("backfilled and started in {:?}", backfill.elapsed());
    let client = PrometheusClient::new(&ServerConfig::new(prometheus.url())).expect("a client");

    let mut times = Vec::with_capacity(RUNS);
    let mut calls = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let detection = detect(&client, Some("checkout"), end)
            .await
            .expect("a detection");
        times.push(started.elapsed());
        assert_eq!(detection.panels().len(), 3, "{detection:?}");
        calls = detection.api_calls;
    }
    times.sort();
    println!("| metric names | API calls | median detection |");
    println!("|---|---|---|");
    println!(
        "| {} | {calls} | {:.0} ms |",
        NAMES + 2,
        times[RUNS / 2].as_secs_f64() * 1000.0
    );
}
