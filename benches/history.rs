//! Issue 19: what reading a long history costs the backend. A log of `HISTORY_EVENTS`
//! (default 1,000,000) events in `HISTORY_INCIDENTS` (default 5,000) incidents declared over
//! the last year, each worked through to its close with updates, a review and three
//! corrective actions, is written straight into each store of `HISTORY_STORES` (default
//! `sqlite,postgres`: a file under the target directory, and a database on a PostgreSQL of
//! the bench's own with fsync on). Then the real `warroom serve` (this build's binary, a
//! child process so that its memory is its own) serves it, and the bench measures:
//!
//! - `GET /v1/report?since=365d` and `GET /v1/followups` (its first page): median wall time
//!   of 5; every page of the follow-ups (`limit=1000`, each by its `Link`): once;
//! - `warroom report --since 365d` and `warroom followups` (the real CLI, text, walking every
//!   page): median of 3;
//! - `GET /v1/incidents` (the list's first page, what every desk and wall loads), the list
//!   filtered by a service no incident has and searched for one title (each read down the
//!   whole history), and an old incident opened (`GET /v1/incidents/INC-n` and its events, n
//!   half the history): median of 5;
//! - the backend's RSS once started, its peak while answering (sampled every 5 ms, and the
//!   kernel's high-water mark `VmHWM`), and after;
//! - the RSS of `warroom --wall` and of the desk (`warroom`), each in a 200x50 tmux pane
//!   against the backend, 5 s after their first frame.
//!
//! ```text
//! cargo bench --bench history
//! HISTORY_INCIDENTS=50000 HISTORY_EVENTS=10000000 HISTORY_STORES=postgres cargo bench --bench history
//! ```
//! A benchmark, not a test: nothing fails when a figure misses its target. The issue's other
//! readers (the list's first page, an old incident, a wall and a desk) can reuse
//! [`Backend`] and [`write_history`].

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::{Duration, Utc};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};
use support::history::incident_log;
use warroom::store::{Commit, Location, Store};

const HTTP_RUNS: usize = 5;
const CLI_RUNS: usize = 3;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.replace(['_', ','], "").parse().expect("a number"))
        .unwrap_or(default)
}

/// Writes the history into `store` in commits of about 50,000 events; how many it wrote.
fn write_history(store: &mut dyn Store, incidents: u64, events: u64) -> u64 {
    let per_incident = (events / incidents).max(20);
    let year_ago = Utc::now() - Duration::days(365);
    let spacing = Duration::seconds(365 * 86_400 / incidents as i64);
    let (mut seq, mut batch) = (0, Vec::new());
    for number in 1..=incidents {
        let declared = year_ago + spacing * number as i32;
        batch.extend(incident_log(number, per_incident, declared, &mut seq));
        if batch.len() >= 50_000 || number == incidents {
            let commit = Commit {
                events: std::mem::take(&mut batch),
                ..Commit::default()
            };
            store.commit(&commit).expect("the commit");
        }
    }
    seq
}

/// A real `warroom serve` on a store, with its RSS sampled while it runs.
pub struct Backend {
    server: support::serve::Served,
    pub url: String,
    peak_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

impl Backend {
    pub fn start(db: &str) -> Backend {
        let server = support::serve::Served::start(db, None, Stdio::null());
        let (peak_kib, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (pid, peak, stopping) = (server.pid(), peak_kib.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib(pid, "VmRSS"), Ordering::Relaxed);
                std::thread::sleep(StdDuration::from_millis(5));
            }
        });
        Backend {
            url: server.url.clone(),
            server,
            peak_kib,
            stop,
        }
    }

    pub fn rss_mib(&self) -> f64 {
        status_kib(self.server.pid(), "VmRSS") as f64 / 1024.0
    }

    pub fn high_water_mib(&self) -> f64 {
        status_kib(self.server.pid(), "VmHWM") as f64 / 1024.0
    }

    /// The highest RSS sampled since the last call, in MiB.
    pub fn take_peak_mib(&self) -> f64 {
        self.peak_kib.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn median(mut times: Vec<StdDuration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// `GET url` `HTTP_RUNS` times: the median in ms and the last body.
fn get(url: &str) -> (f64, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = support::http_client();
    let mut times = Vec::new();
    let mut body = String::new();
    for _ in 0..HTTP_RUNS {
        let started = Instant::now();
        body = runtime.block_on(async {
            let answer = client.get(url).send().await.expect("an answer");
            assert!(answer.status().is_success(), "{url}: {}", answer.status());
            answer.text().await.expect("a body")
        });
        times.push(started.elapsed());
    }
    (median(times), body)
}

/// Every page of the follow-ups, `limit=1000`, each by the previous one's `Link`: the time of
/// the whole walk in ms, the actions read and the pages.
fn every_followup(backend: &str) -> (f64, usize, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = support::http_client();
    let started = Instant::now();
    let (mut actions, mut pages) = (0, 0);
    let mut next = Some("/v1/followups?limit=1000".to_string());
    while let Some(path) = next.take() {
        let url = format!("{backend}{path}");
        let (page, link) = runtime.block_on(async {
            let answer = client.get(&url).send().await.expect("an answer");
            assert!(answer.status().is_success(), "{url}: {}", answer.status());
            let link = answer
                .headers()
                .get("link")
                .map(|link| link.to_str().expect("ASCII").to_string());
            (answer.text().await.expect("a body"), link)
        });
        actions += serde_json::from_str::<Vec<serde_json::Value>>(&page)
            .expect("JSON")
            .len();
        pages += 1;
        next = link.and_then(|link| {
            let target = link.strip_prefix('<')?.split_once(">; rel=\"next\"")?.0;
            Some(target.to_string())
        });
    }
    (started.elapsed().as_secs_f64() * 1000.0, actions, pages)
}

/// The real CLI `CLI_RUNS` times against `backend`: the median in ms.
fn cli(backend: &str, args: &[&str]) -> f64 {
    let mut times = Vec::new();
    for _ in 0..CLI_RUNS {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(args)
            .env("WARROOM_BACKEND", backend)
            .env_remove("WARROOM_CONFIG")
            .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
            .output()
            .expect("the binary runs");
        times.push(started.elapsed());
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    median(times)
}

/// The RSS in MiB of the war room's screen (`args`: `--wall`, or none for the desk) in a
/// 200x50 tmux pane against `backend`, 5 s after it first drew its status bar.
fn screen_rss(backend: &str, args: &[&str]) -> f64 {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a directory");
    let config = dir.path().join("config");
    let tmux = support::tmux::Tmux::start(
        if args.is_empty() { "desk" } else { "wall" },
        (200, 50),
        std::path::Path::new(env!("CARGO_BIN_EXE_warroom")),
        args,
        &[
            ("WARROOM_BACKEND", backend),
            ("XDG_CONFIG_HOME", config.to_str().expect("UTF-8")),
            ("XDG_DATA_HOME", config.to_str().expect("UTF-8")),
        ],
        &dir.path().join("stderr"),
    );
    // A history with nothing open draws only "ALL CLEAR" on the wall: that is a first frame too.
    tmux.wait_for("a first frame", |screen| {
        screen.contains("ALL CLEAR") || screen.lines().filter(|l| !l.trim().is_empty()).count() > 3
    });
    std::thread::sleep(StdDuration::from_secs(5));
    status_kib(tmux.program_pid(), "VmRSS") as f64 / 1024.0
}

fn measure(name: &str, db: &str, incidents: u64, events: u64) {
    let started = Instant::now();
    let mut store =
        warroom::store::open(&Location::parse(db).expect("a location")).expect("a store");
    let written = write_history(store.as_mut(), incidents, events);
    drop(store);
    println!(
        "{name}: {incidents} incidents, {written} events (written in {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let backend = Backend::start(db);
    println!(
        "  warroom serve: listening after {:.2} s, RSS {:.1} MiB",
        started.elapsed().as_secs_f64(),
        backend.rss_mib()
    );
    backend.take_peak_mib();
    let (report_ms, report) = get(&format!("{}/v1/report?since=365d", backend.url));
    let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    println!(
        "  GET /v1/report?since=365d: median of {HTTP_RUNS} {report_ms:.0} ms ({} incidents); \
         backend RSS peak {:.1} MiB",
        report["incidents"],
        backend.take_peak_mib()
    );
    let (followups_ms, followups) = get(&format!("{}/v1/followups", backend.url));
    let rows = serde_json::from_str::<Vec<serde_json::Value>>(&followups)
        .expect("JSON")
        .len();
    println!(
        "  GET /v1/followups (first page): median of {HTTP_RUNS} {followups_ms:.1} ms ({rows} \
         corrective actions, {} KiB); backend RSS peak {:.1} MiB",
        followups.len() / 1024,
        backend.take_peak_mib()
    );
    let (walk_ms, walked, pages) = every_followup(&backend.url);
    println!(
        "  GET /v1/followups?limit=1000, every page by its Link: {walk_ms:.0} ms ({walked} \
         corrective actions in {pages} pages); backend RSS peak {:.1} MiB",
        backend.take_peak_mib()
    );
    let (list_ms, list) = get(&format!("{}/v1/incidents", backend.url));
    let listed = serde_json::from_str::<Vec<serde_json::Value>>(&list)
        .expect("JSON")
        .len();
    println!(
        "  GET /v1/incidents (first page): median of {HTTP_RUNS} {list_ms:.1} ms ({listed} \
         incidents, {} KiB); backend RSS peak {:.1} MiB",
        list.len() / 1024,
        backend.take_peak_mib()
    );
    // Filters few incidents match: their page is read down the whole history. A service no
    // incident has, and a title one has (a text search).
    for query in [
        "service=ledger&limit=100".to_string(),
        format!("q=incident%20{}&limit=100", incidents / 2 + 7),
    ] {
        let (ms, list) = get(&format!("{}/v1/incidents?{query}", backend.url));
        let listed = serde_json::from_str::<Vec<serde_json::Value>>(&list)
            .expect("JSON")
            .len();
        println!(
            "  GET /v1/incidents?{query}: median of {HTTP_RUNS} {ms:.1} ms ({listed} \
             incidents); backend RSS peak {:.1} MiB",
            backend.take_peak_mib()
        );
    }
    let old = format!("{}/v1/incidents/INC-{}", backend.url, incidents / 2);
    let (show_ms, _) = get(&old);
    let (log_ms, log) = get(&format!("{old}/events?after=0"));
    let logged = serde_json::from_str::<Vec<serde_json::Value>>(&log)
        .expect("JSON")
        .len();
    println!(
        "  an old incident, INC-{}: GET it median {show_ms:.1} ms, its events {log_ms:.1} ms \
         ({logged} events); backend RSS peak {:.1} MiB",
        incidents / 2,
        backend.take_peak_mib()
    );
    let wall = screen_rss(&backend.url, &["--wall"]);
    let desk = screen_rss(&backend.url, &[]);
    println!(
        "  RSS 5 s after the first frame: wall {wall:.1} MiB, desk {desk:.1} MiB; backend RSS \
         peak {:.1} MiB",
        backend.take_peak_mib()
    );
    let report_cli = cli(&backend.url, &["report", "--since", "365d"]);
    let followups_cli = cli(&backend.url, &["followups"]);
    println!(
        "  warroom report --since 365d: median of {CLI_RUNS} {report_cli:.0} ms; \
         warroom followups (every page): median of {CLI_RUNS} {followups_cli:.0} ms; backend \
         RSS peak {:.1} MiB",
        backend.take_peak_mib()
    );
    println!(
        "  backend RSS after: {:.1} MiB; high-water mark over its life (VmHWM): {:.1} MiB",
        backend.rss_mib(),
        backend.high_water_mib()
    );
}

fn main() {
    let incidents = setting("HISTORY_INCIDENTS", 5_000);
    let events = setting("HISTORY_EVENTS", 1_000_000);
    let stores = std::env::var("HISTORY_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    for name in stores.split(',').map(str::trim) {
        match name {
            "sqlite" => {
                let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a directory");
                let path = dir.path().join("history.db");
                measure("SQLite", path.to_str().expect("UTF-8"), incidents, events);
            }
            "postgres" => {
                // Fsync on: the figures are a production server's.
                let server =
                    support::postgres::Postgres::start(support::postgres::Durability::Full);
                let url = server.database("history");
                measure("PostgreSQL", &url, incidents, events);
            }
            other => panic!("HISTORY_STORES: unknown store {other} (sqlite, postgres)"),
        }
    }
}
