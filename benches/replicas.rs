//! Cross-replica propagation: two in-process replicas on one real PostgreSQL (fsync on),
//! 1,000 clients long-polling the global feed, half on each. One command is posted to
//! replica A; each waiter's latency is the time from A's answer to the waiter holding the
//! event. Waiters on B measure the path through PostgreSQL's NOTIFY and B's catch-up read;
//! waiters on A are the local path, for comparison.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use warroom::store::Location;

const WAITERS: usize = 1_000;
const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    // From the main thread, which lives as long as the process (see benches/commands.rs).
    let postgres = support::postgres::Postgres::start(support::postgres::Durability::Full);
    let db = Location::parse(&postgres.database("propagation")).expect("a URL");
    let a = support::server_on(db.clone()).await;
    let b = support::server_on(db).await;
    let (a_url, b_url) = (support::base(&a), support::base(&b));
    let http = support::http_client();
    let declared = http
        .post(format!("{a_url}/v1/incidents"))
        .json(&json!({"title": "watched", "severity": "P1"}))
        .send()
        .await
        .expect("declare");
    assert_eq!(declared.status(), 201);
    let mut head = 1u64;
    let (mut cross, mut local) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let waiters: Vec<_> = (0..WAITERS)
            .map(|n| {
                let on_b = n % 2 == 1;
                let base = if on_b { &b_url } else { &a_url };
                let request = http.get(format!("{base}/v1/events?after={head}&wait=30"));
                tokio::spawn(async move {
                    let response = request.send().await.expect("the long-poll answers");
                    let body = response.text().await.expect("a body");
                    (on_b, Instant::now(), body)
                })
            })
            .collect();
        // Let every waiter reach its replica and park.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert!(
            waiters.iter().all(|w| !w.is_finished()),
            "waiters must wait"
        );
        let answer: serde_json::Value = http
            .post(format!("{a_url}/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "add_note", "text": format!("round {round}")}))
            .send()
            .await
            .expect("the command")
            .json()
            .await
            .expect("a JSON answer");
        let acknowledged = Instant::now();
        head = answer["version"].as_u64().expect("a version");
        for waiter in waiters {
            let (on_b, woke, body) = waiter.await.expect("a waiter");
            assert!(body.contains(&format!("round {round}")), "{body}");
            let latency = woke.saturating_duration_since(acknowledged);
            if on_b {
                cross.push(latency)
            } else {
                local.push(latency)
            }
        }
    }
    b.shutdown().await.expect("a clean stop");
    a.shutdown().await.expect("a clean stop");
    for (name, samples) in [
        ("on B (cross-replica)", &mut cross),
        ("on A (local)", &mut local),
    ] {
        samples.sort();
        println!(
            "{} waiters {name} x {ROUNDS} rounds, from A's answer: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            WAITERS / 2,
            ms(support::percentile(samples, 50.0)),
            ms(support::percentile(samples, 99.0)),
            ms(samples.last().copied().unwrap_or_default()),
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
