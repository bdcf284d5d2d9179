//! Points fetched per series per refresh, and the time a refresh takes, for the default
//! panels on a 200-column chart, against a real Prometheus 2.42 holding 26 h of history.
//!
//! Then the evidence query each panel adds (issue 20): at 15 s whatever the width.
//!
//! Run: `cargo bench --bench prometheus_panels` (prints Markdown rows for BENCHMARKS.md).
//! The target is at most 400 points per series (two per column); Grafana's default asks
//! for one point per pixel of panel width.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};
use support::history::History;
use support::promstack::{Prometheus, PrometheusSetup};
use warroom::config::{ImpactConfig, ServerConfig, default_panels};
use warroom::panels::{ImpactWindows, Panel, validate_panels};
use warroom::prometheus::{PrometheusClient, RangeWindow, Series};

const COLUMNS: u16 = 200;
const REFRESHES: usize = 20;

#[tokio::main]
async fn main() {
    let end = Utc::now().timestamp().div_euclid(60) * 60;
    let mut history = History::default();
    history.checkout(end, 26);
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    });
    let client = PrometheusClient::new(&ServerConfig::new(prometheus.url())).expect("a client");
    let panels = validate_panels(&default_panels()).expect("valid defaults");
    let now = DateTime::from_timestamp(end, 0).expect("a time");

    println!("| range | step | panel | series | points per series | median refresh |");
    println!("|---|---|---|---|---|---|");
    for hours in [1, 6, 24] {
        let window = RangeWindow::for_width(Duration::from_secs(hours * 3600), COLUMNS, now);
        for panel in &panels {
            let (series, median) = refresh(&client, panel, &window).await;
            let points: Vec<_> = series.iter().map(|s| s.points.len()).collect();
            assert!(
                points.iter().all(|&n| n <= usize::from(COLUMNS) * 2),
                "{points:?}"
            );
            println!(
                "| {hours}h | {:?} | {} | {} | {} | {:.1} ms |",
                window.step,
                panel.title,
                series.len(),
                points.iter().max().unwrap_or(&0),
                median.as_secs_f64() * 1000.0
            );
        }
    }

    // The evidence query each panel adds, at the scrape resolution whatever the width: the
    // main panel's over the default lookback (6 h), the others' over their last four steps.
    let windows = ImpactWindows::from_config(&ImpactConfig::default()).expect("the defaults");
    println!();
    println!("| evidence | span | step | panel | series | points per series | median refresh |");
    println!("|---|---|---|---|---|---|---|");
    for panel in &panels {
        let window = windows.evidence_window(panel, now);
        let (series, median) = refresh(&client, panel, &window).await;
        let points = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
        assert_eq!(points as u64, window.points(), "{}", panel.title);
        println!(
            "| evidence | {}s | {:?} | {} | {} | {points} | {:.1} ms |",
            window.end - window.start,
            window.step,
            panel.title,
            series.len(),
            median.as_secs_f64() * 1000.0
        );
    }
}

/// `REFRESHES` queries of `panel` over `window`: the last answer and the median time.
async fn refresh(
    client: &PrometheusClient,
    panel: &Panel,
    window: &RangeWindow,
) -> (Vec<Series>, Duration) {
    let expr = panel.expr(Some("checkout")).expect("a service is given");
    let mut times = Vec::with_capacity(REFRESHES);
    let mut series = Vec::new();
    for _ in 0..REFRESHES {
        let started = Instant::now();
        series = client.query_range(&expr, window).await.expect("a refresh");
        times.push(started.elapsed());
    }
    times.sort();
    (series, times[REFRESHES / 2])
}
