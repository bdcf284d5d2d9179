//! The learning outputs at scale, end to end through the real binary:
//! - `warroom report --json` over 10,000 incidents and 1,000,000 events;
//! - `warroom postmortem` of one incident with 5,000 events.
//!
//! Each log is written straight into a SQLite file with the store, served by an in-process
//! `warroom serve` (which folds it at start, as after a restart), then the real binary is run
//! three times against it; the median wall time is printed, with the time of the pure
//! function alone for reference.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::{Duration, Utc};
use std::process::Command as Process;
use std::time::{Duration as StdDuration, Instant};
use support::history::incident_log;
use warroom::domain::*;
use warroom::report::{ReportBuilder, ReportQuery, postmortem};
use warroom::server::{ServeOptions, start};
use warroom::store::{Commit, SqliteStore, Store};

const INCIDENTS: u64 = 10_000;
const EVENTS_PER_INCIDENT: u64 = 100;
const POSTMORTEM_EVENTS: u64 = 5_000;
const RUNS: usize = 3;

/// Writes `incidents` logs of `per_incident` events into a fresh SQLite file.
fn write_log(path: &std::path::Path, incidents: u64, per_incident: u64) -> Vec<Event> {
    let mut store = SqliteStore::open(path).expect("a store");
    let mut seq = 0;
    let mut all = Vec::new();
    let mut batch = Vec::new();
    for number in 1..=incidents {
        let declared = Utc::now() - Duration::days(80) + Duration::minutes((number * 11) as i64);
        batch.extend(incident_log(number, per_incident, declared, &mut seq));
        if batch.len() >= 50_000 || number == incidents {
            let commit = Commit {
                events: std::mem::take(&mut batch),
                deliveries: vec![],
                ..Commit::default()
            };
            store.commit(&commit).expect("the commit");
            all.extend(commit.events);
        }
    }
    all
}

/// Runs the real binary `RUNS` times; returns the median wall time and the last stdout.
fn median_run(base: &str, args: &[&str]) -> (StdDuration, String) {
    let mut times = Vec::new();
    let mut out = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let output = Process::new(env!("CARGO_BIN_EXE_warroom"))
            .args(args)
            .env("WARROOM_BACKEND", base)
            .env_remove("WARROOM_CONFIG")
            .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
            .output()
            .expect("the binary runs");
        times.push(started.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out = String::from_utf8(output.stdout).expect("UTF-8");
    }
    times.sort();
    (times[RUNS / 2], out)
}

fn ms(duration: StdDuration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn served(path: std::path::PathBuf) -> (warroom::server::RunningServer, String) {
    let server = start(ServeOptions {
        listen: "127.0.0.1:0".parse().expect("an address"),
        db: path.into(),
        tokens: None,
        scale: Default::default(),
        alert_severity: Default::default(),
        alert_routing: Default::default(),
        recent_events: warroom::server::DEFAULT_RECENT_EVENTS,
        keep_ended: warroom::server::DEFAULT_KEEP_ENDED,
        communicate: Default::default(),
        allowed_origins: Vec::new(),
        limits: Default::default(),
        bounds: Default::default(),
        clock: Default::default(),
    })
    .await
    .expect("the server starts");
    let base = format!("http://{}", server.local_addr());
    (server, base)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");

    // The report.
    let path = dir.path().join("report.db");
    let events = write_log(&path, INCIDENTS, EVENTS_PER_INCIDENT);
    let (server, base) = served(path).await;
    let (wall, out) = median_run(&base, &["report", "--json", "--since", "90d"]);
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(parsed["incidents"], INCIDENTS);
    println!(
        "warroom report --json over {INCIDENTS} incidents / {} events: median of {RUNS} runs {:.0} ms",
        events.len(),
        ms(wall)
    );
    server.shutdown().await.expect("a clean stop");
    let mut folded: std::collections::BTreeMap<u64, Incident> = Default::default();
    for event in &events {
        folded
            .entry(event.incident.number())
            .or_insert_with(|| Incident::blank(event.incident.clone()))
            .apply(event);
    }
    let mut figures: Vec<IncidentFigures> = folded.values().map(IncidentFigures::from).collect();
    figures.sort_by_key(|f| (f.declared_at, f.id.number()));
    let query = ReportQuery {
        since: Utc::now() - Duration::days(90),
        until: Utc::now(),
        service: None,
        severity: None,
        recurrence_days: 30,
    };
    let scale = SeverityScale::default();
    let started = Instant::now();
    let mut builder = ReportBuilder::new(query, &scale);
    for incident in figures {
        builder.add(incident);
    }
    let report = builder.finish();
    println!(
        "  ReportBuilder alone over the figures in memory: {:.0} ms ({} incidents)",
        ms(started.elapsed()),
        report.incidents
    );

    // The postmortem.
    let path = dir.path().join("postmortem.db");
    let events = write_log(&path, 1, POSTMORTEM_EVENTS);
    let (server, base) = served(path).await;
    let (wall, out) = median_run(&base, &["postmortem", "INC-1"]);
    println!(
        "warroom postmortem of an incident with {} events: median of {RUNS} runs {:.0} ms ({} KiB of Markdown)",
        events.len(),
        ms(wall),
        out.len() / 1024
    );
    server.shutdown().await.expect("a clean stop");
    let incident = Incident::fold(IncidentId::from_number(1), &events);
    let refs: Vec<&Event> = events.iter().collect();
    let started = Instant::now();
    let markdown = postmortem(&incident, &refs);
    println!("  postmortem() alone: {:.1} ms", ms(started.elapsed()));
    assert_eq!(markdown, out);
}
