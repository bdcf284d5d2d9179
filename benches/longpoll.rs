//! Long-poll wake-up latency with many waiting clients.
//!
//! 200 clients wait on an incident's feed; one command is posted; each waiter's latency is
//! the time from the command's acknowledgement to the waiter holding the new event (and,
//! for reference, from the moment the command was sent, which includes its fsync).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use serde_json::json;
use std::time::{Duration, Instant};

const WAITERS: usize = 200;
const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    let (server, _dir) = support::fresh_server().await;
    let base = support::base(&server);
    let http = support::http_client();
    let declared = http
        .post(format!("{base}/v1/incidents"))
        .json(&json!({"title": "watched", "severity": "P1"}))
        .send()
        .await
        .expect("declare");
    assert_eq!(declared.status(), 201);
    let mut version = 1u64;
    let mut from_ack = Vec::new();
    let mut from_send = Vec::new();
    for round in 0..ROUNDS {
        let url = format!("{base}/v1/incidents/INC-1/events?after={version}&wait=30");
        let waiters: Vec<_> = (0..WAITERS)
            .map(|_| {
                let request = http.get(&url);
                tokio::spawn(async move {
                    let response = request.send().await.expect("the long-poll answers");
                    let body = response.text().await.expect("a body");
                    (Instant::now(), body)
                })
            })
            .collect();
        // Let every waiter reach the server and park.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            waiters.iter().all(|w| !w.is_finished()),
            "waiters must wait"
        );
        let sent = Instant::now();
        let answer: serde_json::Value = http
            .post(format!("{base}/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "add_note", "text": format!("round {round}")}))
            .send()
            .await
            .expect("the command")
            .json()
            .await
            .expect("a JSON answer");
        let acknowledged = Instant::now();
        version = answer["version"].as_u64().expect("a version");
        for waiter in waiters {
            let (woke, body) = waiter.await.expect("a waiter");
            assert!(body.contains(&format!("round {round}")), "{body}");
            from_ack.push(woke.saturating_duration_since(acknowledged));
            from_send.push(woke.duration_since(sent));
        }
    }
    server.shutdown().await.expect("a clean stop");
    for (name, samples) in [
        ("from acknowledgement", &mut from_ack),
        ("from sending the command", &mut from_send),
    ] {
        samples.sort();
        println!(
            "{WAITERS} waiters x {ROUNDS} rounds, wake-up latency {name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(support::percentile(samples, 50.0)),
            ms(support::percentile(samples, 99.0)),
            ms(samples.last().copied().unwrap_or_default()),
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
