//! Durability: SIGKILL the server while clients stream commands. Every command a client saw
//! acknowledged must be in the log after a restart, exactly once, and the log must fold.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::http::{send, try_send};
use support::server::{ServerSetup, TestServer};

const WRITERS: usize = 4;
/// A bound on each writer, so the test stops by itself even if the kill came late.
const MAX_PER_WRITER: usize = 2000;
/// Kill once this many commands were acknowledged in all: enough to be mid-stream.
const KILL_AFTER: usize = 200;

/// What one writer learnt: texts acknowledged, and texts whose fate it never heard.
#[derive(Default)]
struct Outcome {
    acknowledged: Vec<String>,
    unknown: Vec<String>,
}

async fn stream_notes(
    client: Client,
    url: String,
    writer: usize,
    acks: Arc<AtomicUsize>,
) -> Outcome {
    let mut outcome = Outcome::default();
    for i in 0..MAX_PER_WRITER {
        let text = format!("w{writer}-n{i}");
        let request = client
            .post(&url)
            .header("Idempotency-Key", &text)
            .json(&json!({"type": "add_note", "text": text}));
        match try_send(request).await {
            Ok(answer) if answer.status == 200 => {
                outcome.acknowledged.push(text);
                acks.fetch_add(1, Ordering::SeqCst);
            }
            Ok(answer) => panic!(
                "{text}: unexpected answer {}: {}",
                answer.status, answer.text
            ),
            // The server died: this one may or may not have been committed.
            Err(_) => {
                outcome.unknown.push(text);
                break;
            }
        }
    }
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_loses_no_acknowledged_command_and_duplicates_none() {
    // The writers stream as fast as they can, far above the per-caller default.
    let mut server = TestServer::launch_with(ServerSetup {
        config: Some("[server.limits]\nwrites_per_minute = 0\n"),
        ..ServerSetup::default()
    });
    let client = support::http::client();
    let declared = send(
        client
            .post(server.url("/v1/incidents"))
            .json(&json!({"title": "crash test", "severity": "P1"})),
    )
    .await;
    assert_eq!(declared.status, 201);

    let acks = Arc::new(AtomicUsize::new(0));
    let url = server.url("/v1/incidents/INC-1/commands");
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            tokio::spawn(stream_notes(
                client.clone(),
                url.clone(),
                writer,
                acks.clone(),
            ))
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acks.load(Ordering::SeqCst) < KILL_AFTER && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.push(writer.await.unwrap());
    }
    let acknowledged: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.acknowledged.clone())
        .collect();
    assert!(
        acknowledged.len() >= KILL_AFTER,
        "the writers were cut off early"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.acknowledged.len() < MAX_PER_WRITER),
        "the kill must land while every writer is still streaming"
    );

    server.restart();
    // A fresh client: pooled connections died with the server.
    let client = support::http::client();
    // Retrying the commands whose fate was unknown, with the same keys, must not duplicate
    // any that did get committed before the kill.
    for outcome in &outcomes {
        for text in &outcome.unknown {
            let retry = send(
                client
                    .post(server.url("/v1/incidents/INC-1/commands"))
                    .header("Idempotency-Key", text)
                    .json(&json!({"type": "add_note", "text": text})),
            )
            .await;
            assert_eq!(retry.status, 200, "{}", retry.text);
        }
    }

    let log = send(client.get(server.url("/v1/events?limit=10000"))).await;
    let events = log.json.as_array().unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs strictly increase"
    );
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for event in events {
        if let Some(text) = event["kind"]["text"].as_str() {
            *counts.entry(text).or_default() += 1;
        }
    }
    for text in &acknowledged {
        assert_eq!(
            counts.get(text.as_str()),
            Some(&1),
            "{text} acknowledged: once in the log"
        );
    }
    for text in outcomes.iter().flat_map(|o| &o.unknown) {
        assert_eq!(
            counts.get(text.as_str()),
            Some(&1),
            "{text} retried: once in the log"
        );
    }
    assert!(counts.values().all(|&n| n == 1), "no note twice");
    assert_eq!(
        counts.len(),
        acknowledged.len() + outcomes.iter().map(|o| o.unknown.len()).sum::<usize>()
    );

    // The log folds cleanly: the incident's version is the last seq, on this and the next start.
    let incident = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(incident.json["version"].as_u64(), seqs.last().copied());
    let url_before = server.base().to_string();
    server.restart();
    assert_eq!(server.base(), url_before, "a restart keeps the port");
    let again = send(support::http::client().get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(again.json, incident.json);
}
