//! Durable commands per second through the HTTP API, with concurrent clients, on SQLite and
//! on PostgreSQL side by side.
//!
//! Each run starts a fresh server on a real SQLite file (or a fresh database of a real
//! PostgreSQL started here with fsync on), lets N clients post notes as fast as their answers
//! come back (each answer means "durable"), and counts. Group commit is what makes this more
//! than one command per fsync.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use warroom::store::Location;

const RUNS: usize = 5;
const RUN_TIME: Duration = Duration::from_secs(3);

struct Run {
    per_second: f64,
    mean_batch: f64,
    largest_batch: u64,
}

async fn run(clients: usize, store: &Store) -> Run {
    let (server, _dir) = match store {
        Store::Sqlite => support::fresh_server().await,
        Store::Postgres(pg) => {
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let db = Location::parse(&pg.database(&name)).expect("a URL");
            let dir = tempfile::tempdir().expect("a temporary directory");
            (support::server_on(db).await, dir)
        }
    };
    let base = support::base(&server);
    let http = support::http_client();
    for n in 0..clients {
        let declared = http
            .post(format!("{base}/v1/incidents"))
            .json(&json!({"title": format!("bench {n}"), "severity": "P2"}))
            .send()
            .await
            .expect("declare");
        assert_eq!(declared.status(), 201);
    }
    let before = server.stats();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (1..=clients)
        .map(|incident| {
            let (http, done, stop) = (http.clone(), done.clone(), stop.clone());
            let url = format!("{base}/v1/incidents/INC-{incident}/commands");
            tokio::spawn(async move {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let response = http
                        .post(&url)
                        .json(&json!({"type": "add_note", "text": format!("note {i}")}))
                        .send()
                        .await
                        .expect("the server answers");
                    assert_eq!(response.status(), 200);
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    tokio::time::sleep(RUN_TIME).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a client task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = server.stats();
    server.shutdown().await.expect("a clean stop");
    let commits = after.commits - before.commits;
    let requests = after.requests - before.requests;
    Run {
        per_second: done.load(Ordering::Relaxed) as f64 / elapsed,
        mean_batch: requests as f64 / commits.max(1) as f64,
        largest_batch: after.largest_batch,
    }
}

enum Store {
    Sqlite,
    Postgres(support::postgres::Postgres),
}

#[tokio::main]
async fn main() {
    // Started from the main thread, which lives as long as the process: the server's
    // parent-death signal is tied to the thread that started it.
    let postgres = support::postgres::Postgres::start(support::postgres::Durability::Full);
    println!("load average at the start: {}", support::load_average());
    for (name, store) in [
        ("SQLite", Store::Sqlite),
        ("PostgreSQL", Store::Postgres(postgres)),
    ] {
        for clients in [1, 16] {
            measure(name, &store, clients).await;
        }
    }
    println!("load average at the end: {}", support::load_average());
}

async fn measure(name: &str, store: &Store, clients: usize) {
    let mut rates = Vec::new();
    println!(
        "{name}: {clients} concurrent client(s), {RUNS} runs of {}s:",
        RUN_TIME.as_secs()
    );
    for _ in 0..RUNS {
        let result = run(clients, store).await;
        println!(
            "  {:>7.0} commands/s, mean batch {:>5.2}, largest batch {}",
            result.per_second, result.mean_batch, result.largest_batch
        );
        rates.push(result.per_second);
    }
    println!("  median: {:.0} commands/s", support::median(&mut rates));
}
