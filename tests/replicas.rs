//! Several `warroom serve` replicas on one real PostgreSQL: wake-ups cross replicas, the
//! global feed stays gapless, a replica without its database says so (503) and recovers, and
//! clients with several backend URLs ride through replicas being killed.

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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::eventually::eventually;
use support::http::{Answer, send, try_send};
use support::server::TestServer;
use warroom::client::{BackendConfig, Client as Backend};
use warroom::domain::{Command, EventKind, IncidentId, NoteKind};

async fn declare(client: &Client, server: &TestServer, title: &str) -> Answer {
    let answer = send(
        client
            .post(server.url("/v1/incidents"))
            .json(&json!({"title": title, "severity": "P2"})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer
}

fn seqs(answer: &Answer) -> Vec<u64> {
    answer
        .json
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["seq"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_command_on_replica_a_wakes_a_watcher_on_replica_b() {
    let a = TestServer::on_postgres();
    let b = TestServer::replica_of(&a);
    let client = support::http::client();
    declare(&client, &a, "seen everywhere").await;
    // B learns of A's incident, and its watcher waits past it.
    let shown = eventually("B to show INC-1", Duration::from_secs(5), async || {
        let answer = send(client.get(b.url("/v1/incidents/INC-1"))).await;
        (answer.status == 200).then_some(answer)
    })
    .await;
    assert_eq!(shown.json["title"], "seen everywhere");

    let waiter = tokio::spawn(try_send(client.get(b.url("/v1/events?after=1&wait=30"))));
    b.long_polls_waiting(&client, 1).await;
    let ack = send(
        client
            .post(a.url("/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "transition", "to": "investigating"})),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    // Woken by A's commit, not by its 30 s wait running out (which would answer with nothing:
    // B learns of A's commits only from the database's notification). How fast is measured
    // by `benches/replicas.rs`; the bound here only ends a failure.
    let woken = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("B's watcher is woken by A's commit, before its wait runs out")
        .unwrap()
        .unwrap();
    assert_eq!(seqs(&woken), [2], "{}", woken.text);
    assert_eq!(woken.json[0]["kind"]["type"], "status_changed");

    // B decides on the state A left: the next incident is INC-2 and seq follows on.
    let second = declare(&client, &b, "declared on B").await;
    assert_eq!(
        (second.json["id"].clone(), second.json["version"].clone()),
        (json!("INC-2"), json!(3))
    );
}

#[tokio::test]
async fn concurrent_writes_on_two_replicas_make_one_gapless_log() {
    let a = TestServer::on_postgres();
    let b = TestServer::replica_of(&a);
    let client = support::http::client();
    declare(&client, &a, "busy").await;
    let mut writers = Vec::new();
    for (n, server) in [&a, &b, &a, &b].into_iter().enumerate() {
        let url = server.url("/v1/incidents/INC-1/commands");
        let client = client.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                let note = json!({"type": "add_note", "text": format!("{n}-{i}")});
                let answer = send(client.post(&url).json(&note)).await;
                assert_eq!(answer.status, 200, "{}", answer.text);
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    for server in [&a, &b] {
        let feed = eventually("all 101 events", Duration::from_secs(5), async || {
            let answer = send(client.get(server.url("/v1/events?after=0&limit=1000"))).await;
            (seqs(&answer).len() == 101).then_some(answer)
        })
        .await;
        assert_eq!(seqs(&feed), (1..=101).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn a_replica_that_loses_its_database_answers_503_and_reconnects() {
    let server = TestServer::on_postgres();
    let client = support::http::client();
    declare(&client, &server, "before the outage").await;
    let url = server.db().to_string();
    let (admin, name) = url.rsplit_once('/').unwrap();
    let admin = format!("{admin}/postgres");
    support::postgres::execute(
        &admin,
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
    );
    support::postgres::execute(
        &admin,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    );
    let note = || {
        client
            .post(server.url("/v1/incidents/INC-1/commands"))
            .header("Idempotency-Key", "during-the-outage")
            .json(&json!({"type": "add_note", "text": "written once"}))
    };
    let refused = send(note()).await;
    refused.assert_error(503, "unavailable");
    assert!(
        refused.error_message().contains("database is unreachable"),
        "{}",
        refused.text
    );
    let feed = feed_answering(&client, &server, 503).await;
    feed.assert_error(503, "unavailable");
    // The notification log reads the outbox in the same database: unavailable too, not a 500.
    let log = eventually(
        "the notification log to answer",
        Duration::from_secs(10),
        async || {
            let answer = send(client.get(server.url("/v1/notifications"))).await;
            (answer.status != 200).then_some(answer)
        },
    )
    .await;
    log.assert_error(503, "unavailable");

    support::postgres::execute(
        &admin,
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
    );
    let accepted = eventually(
        "the command to go through",
        Duration::from_secs(10),
        async || {
            let answer = send(note()).await;
            (answer.status == 200).then_some(answer)
        },
    )
    .await;
    assert_eq!(accepted.json["version"], 2);
    let feed = feed_answering(&client, &server, 200).await;
    assert_eq!(seqs(&feed), [1, 2]);
}

/// A PostgreSQL restart cuts every connection of a replica. The first read of a feed page
/// older than memory used to get 503 (its reading connection was dead) while /readyz said
/// ready: now a read finds the connection lost, opens a new one and reads again, and /readyz
/// is ready only once both the writer's probe write and a read go through.
#[tokio::test]
async fn after_its_connections_are_cut_old_pages_are_read_at_once_and_readyz_tells_the_truth() {
    let server = TestServer::replica_with(&TestServer::on_postgres(), &["--recent-events", "3"]);
    let client = support::http::client();
    declare(&client, &server, "old").await;
    for n in 0..5 {
        let note = client
            .post(server.url("/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "add_note", "text": format!("note {n}")}));
        assert_eq!(send(note).await.status, 200);
    }
    let url = server.db().to_string();
    let (admin, name) = url.rsplit_once('/').unwrap();
    let terminate =
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    support::postgres::execute(&format!("{admin}/postgres"), &terminate);
    // Until the connection that follows the other replicas is back, the feed says it may be
    // behind (503); once it is, the first page, older than the three events memory keeps,
    // comes from the store at once.
    eventually(
        "the commit listener to see the cut",
        Duration::from_secs(10),
        async || {
            let log = server.log();
            log.contains("lost the database's commit notifications")
                .then_some(())
        },
    )
    .await;
    eventually(
        "the commit listener to be back",
        Duration::from_secs(10),
        async || {
            let metrics = send(client.get(server.url("/metrics"))).await;
            metrics
                .text
                .lines()
                .any(|line| line == "warroom_database_connected 1")
                .then_some(())
        },
    )
    .await;
    let page = send(client.get(server.url("/v1/events?after=0&limit=2"))).await;
    assert_eq!(
        (page.status, seqs(&page)),
        (200, vec![1, 2]),
        "{}",
        page.text
    );
    assert_eq!(ready_soon(&client, &server).await.json["status"], "ready");

    // While the database refuses connections, /readyz says so, for writes and reads.
    support::postgres::execute(
        &format!("{admin}/postgres"),
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
    );
    support::postgres::execute(&format!("{admin}/postgres"), &terminate);
    let unready = send(client.get(server.url("/readyz"))).await;
    assert_eq!(unready.status, 503, "{}", unready.text);
    assert!(
        unready.text.contains("the reading connection fails"),
        "{}",
        unready.text
    );
    support::postgres::execute(
        &format!("{admin}/postgres"),
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
    );
    ready_soon(&client, &server).await;
}

/// `/readyz` of `server` once it says ready (within 10 s).
async fn ready_soon(client: &Client, server: &TestServer) -> Answer {
    eventually(
        "/readyz to say ready",
        Duration::from_secs(10),
        async || {
            let answer = send(client.get(server.url("/readyz"))).await;
            (answer.status == 200).then_some(answer)
        },
    )
    .await
}

/// The global feed of `server` once it answers with `status`.
async fn feed_answering(client: &Client, server: &TestServer, status: u16) -> Answer {
    let what = format!("the feed to answer {status}");
    eventually(&what, Duration::from_secs(10), async || {
        let answer = send(client.get(server.url("/v1/events?after=0"))).await;
        (answer.status == status).then_some(answer)
    })
    .await
}

#[test]
fn the_cli_moves_to_the_next_backend_url_when_the_first_is_down() {
    let server = TestServer::on_postgres();
    let dead = support::closed_port::ClosedPort::new();
    let output = support::server::warroom()
        .args([
            "incident",
            "declare",
            "--title",
            "failover",
            "--severity",
            "P1",
            "--json",
        ])
        .env(
            "WARROOM_BACKEND",
            format!("{}, {}", dead.url(), server.base()),
        )
        .env("WARROOM_ACTOR", "alice")
        .env("HOME", server.dir())
        .env("XDG_CONFIG_HOME", server.dir().join("config"))
        .env_remove("WARROOM_TOKEN")
        .env_remove("WARROOM_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let declared: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(declared["id"], "INC-1");
}

/// Follows the global feed through `backend` from the start until `done` holds its head,
/// checking that every page continues exactly where the previous one ended.
async fn watch(backend: Backend, done: Arc<Mutex<Option<u64>>>) -> Vec<u64> {
    let mut seen = Vec::new();
    loop {
        let after = seen.last().copied().unwrap_or(0);
        if done.lock().unwrap().is_some_and(|head| after >= head) {
            return seen;
        }
        match backend.feed(after, Duration::from_secs(1)).await {
            Ok(events) => {
                for event in events {
                    let expected = seen.last().map_or(1, |seq| seq + 1);
                    assert_eq!(event.seq, expected, "a gap in the feed after {seen:?}");
                    seen.push(event.seq);
                }
            }
            Err(error) => {
                assert!(error.is_transient(), "{error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_ride_through_replicas_killed_ten_times() {
    let a = TestServer::on_postgres();
    let b = TestServer::replica_of(&a);
    let urls = format!("{},{}", a.base(), b.base());
    let backend = |url: &str| {
        Backend::new(&BackendConfig {
            url: url.to_string(),
            token: None,
            actor: "writer".into(),
            timeout: Duration::from_secs(3),
        })
        .unwrap()
    };
    let incident = IncidentId::from_number(1);
    declare(&support::http::client(), &a, "under fire").await;

    let stop = Arc::new(Mutex::new(false));
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(Mutex::new(None));
    let watchers: Vec<_> = [urls.clone(), format!("{},{}", b.base(), a.base())]
        .into_iter()
        .map(|urls| tokio::spawn(watch(backend(&urls), done.clone())))
        .collect();
    let mut writers = Vec::new();
    for w in 0..16 {
        let (client, stop, acks, incident) =
            (backend(&urls), stop.clone(), acks.clone(), incident.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0.. {
                if *stop.lock().unwrap() {
                    break;
                }
                let text = format!("w{w}-{n}");
                let key = warroom::client::idempotency_key();
                let command = Command::AddNote {
                    kind: NoteKind::Note,
                    text: text.clone(),
                };
                // The same key until it is acknowledged, on whichever replica is up.
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    match client.command(&incident, &command, &key, None).await {
                        Ok(_) => break,
                        Err(error) if error.is_transient() && Instant::now() < deadline => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(error) => panic!("{text}: {error}"),
                    }
                }
                acknowledged.push(text);
                acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            acknowledged
        }));
    }

    let mut replicas = [a, b];
    for _ in 0..10 {
        let pause = 200 + random(500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let victim = random(2) as usize;
        tokio::task::block_in_place(|| replicas[victim].restart());
    }
    // Until the writers are through again after the last restart: sixteen more commands.
    let after_restarts = acks.load(std::sync::atomic::Ordering::SeqCst);
    eventually(
        "commands after the last restart",
        Duration::from_secs(30),
        async || {
            (acks.load(std::sync::atomic::Ordering::SeqCst) >= after_restarts + 16).then_some(())
        },
    )
    .await;
    *stop.lock().unwrap() = true;
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(
        acknowledged.len() > 100,
        "only {} commands went through",
        acknowledged.len()
    );

    let log = backend(&urls).feed(0, Duration::ZERO).await.unwrap();
    let everything = {
        let mut all = log;
        loop {
            let after = all.last().map_or(0, |e| e.seq);
            let page = backend(&urls).feed(after, Duration::ZERO).await.unwrap();
            if page.is_empty() {
                break all;
            }
            all.extend(page);
        }
    };
    let head = everything.last().map_or(0, |e| e.seq);
    *done.lock().unwrap() = Some(head);
    let mut notes: HashMap<String, usize> = HashMap::new();
    for event in &everything {
        if let EventKind::NoteAdded { text, .. } = &event.kind {
            *notes.entry(text.clone()).or_default() += 1;
        }
    }
    for text in &acknowledged {
        assert_eq!(
            notes.get(text),
            Some(&1),
            "{text} must be in the log exactly once"
        );
    }
    assert_eq!(
        everything.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=head).collect::<Vec<_>>()
    );
    for watcher in watchers {
        let seen = tokio::time::timeout(Duration::from_secs(30), watcher)
            .await
            .expect("the watchers reach the head")
            .unwrap();
        assert_eq!(
            seen,
            (1..=head).collect::<Vec<_>>(),
            "every watcher's feed is gapless"
        );
    }
}

/// A random number below `bound`, from the operating system's generator via a v4 UUID.
fn random(bound: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(bound)) as u64
}

/// A replica that let an ended incident go (`--keep-ended 1s`) takes it back, as the store
/// has it folded, when another replica changes it: its own view and the feeds agree.
#[tokio::test]
async fn an_incident_another_replica_changes_comes_back_into_memory_as_stored() {
    let a = TestServer::on_postgres();
    let b = TestServer::replica_with(&a, &["--keep-ended", "1s"]);
    let client = support::http::client();
    declare(&client, &a, "ended long ago").await;
    declare(&client, &a, "still open").await;
    let resolve = json!({"type": "transition", "to": "resolved"});
    let resolved = send(
        client
            .post(a.url("/v1/incidents/INC-1/commands"))
            .json(&resolve),
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let held = async |server: &TestServer| {
        let metrics = send(client.get(server.url("/metrics"))).await;
        metrics
            .text
            .lines()
            .find_map(|line| line.strip_prefix("warroom_incidents_in_memory "))
            .and_then(|value| value.parse::<u64>().ok())
    };
    eventually(
        "B to follow A's resolution",
        Duration::from_secs(5),
        async || {
            let one = send(client.get(b.url("/v1/incidents/INC-1"))).await;
            (one.json["status"] == "resolved").then_some(())
        },
    )
    .await;
    // B follows A, and lets INC-1 go once its window has run out and B publishes again: A
    // commits until B has (about a second; a note every 100 ms).
    let deadline = Instant::now() + Duration::from_secs(10);
    while held(&b).await != Some(1) {
        assert!(Instant::now() < deadline, "B still holds INC-1");
        let note = json!({"type": "add_note", "text": "news on the open one"});
        let noted = send(
            client
                .post(a.url("/v1/incidents/INC-2/commands"))
                .json(&note),
        )
        .await;
        assert_eq!(noted.status, 200, "{}", noted.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let old = send(client.get(b.url("/v1/incidents/INC-1"))).await;
    assert_eq!(old.json["status"], "resolved", "{}", old.text);
    // A reopens it: B reads it back from the store and folds A's event on top.
    let reopen = json!({"type": "transition", "to": "investigating"});
    let reopened = send(
        client
            .post(a.url("/v1/incidents/INC-1/commands"))
            .json(&reopen),
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    let version = reopened.json["version"].as_u64().unwrap();
    let shown = eventually(
        "B to show INC-1 reopened",
        Duration::from_secs(5),
        async || {
            let open = send(client.get(b.url("/v1/incidents?open=true"))).await;
            (open.json.as_array().is_some_and(|list| list.len() == 2)).then_some(open)
        },
    )
    .await;
    let one = &shown.json.as_array().unwrap()[1];
    assert_eq!(one["id"], "INC-1", "{}", shown.text);
    assert_eq!(one["status"], "investigating");
    assert_eq!(one["version"], version);
    assert_eq!(held(&b).await, Some(2));
}

/// The steps the receiver was sent, once per delivery id: (round, step) and how many
/// distinct deliveries carried each.
fn steps_sent(
    receiver: &support::receiver::Receiver,
) -> std::collections::BTreeMap<(u64, u64), usize> {
    let mut ids = std::collections::BTreeSet::new();
    let mut steps = std::collections::BTreeMap::new();
    for seen in receiver.seen().into_iter().filter(|r| r.answered == 200) {
        let id = seen.headers["x-warroom-delivery"]
            .to_str()
            .unwrap()
            .to_string();
        if !ids.insert(id) {
            continue;
        }
        let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
        let kind = &body["event"]["kind"];
        assert_eq!(kind["type"], "escalated", "{body}");
        let step = (
            kind["round"].as_u64().unwrap(),
            kind["step"].as_u64().unwrap(),
        );
        *steps.entry(step).or_insert(0) += 1;
    }
    steps
}

/// Two replicas on one database, each running the escalation clock every second: every step
/// of a short policy is recorded and sent exactly once, and when the replica that took the
/// first step is SIGKILLed mid-policy, the other takes the rest: none lost, none repeated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_take_each_escalation_step_once_even_when_one_dies_mid_policy() {
    let mut receiver = support::receiver::Receiver::down();
    receiver.up().await;
    let config = format!(
        r#"
[[notify]]
name = "pager"
kind = "webhook"
url = "{}"
secret = "k"
events = ["escalated"]

[escalation]
commander_grace = "1h"
check_every = "1s"

[[escalation.policy]]
severities = ["P0"]
repeat = 1
[[escalation.policy.step]]
after = "3s"
notify = ["pager"]
[[escalation.policy.step]]
after = "6s"
notify = ["pager"]
"#,
        receiver.url()
    );
    let mut a = TestServer::on_postgres_with_config(&config);
    let b = TestServer::replica_of(&a);
    let client = support::http::client();
    let page = json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"CheckoutDown\"}",
        "status": "firing",
        "commonLabels": {"alertname": "CheckoutDown", "severity": "critical"},
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "CheckoutDown", "severity": "critical"},
            "startsAt": chrono::Utc::now(),
            "fingerprint": "f1",
        }],
    });
    let paged = send(client.post(a.url("/v1/alertmanager")).json(&page)).await;
    assert_eq!(paged.json["incident"], "INC-1", "{}", paged.text);

    eventually("the first step", Duration::from_secs(15), async || {
        steps_sent(&receiver).contains_key(&(1, 1)).then_some(())
    })
    .await;
    a.kill();
    // The rest falls due at 6, 9 and 12 s: all of them from B alone.
    let all = [(1, 1), (1, 2), (2, 1), (2, 2)];
    eventually("every step", Duration::from_secs(30), async || {
        (steps_sent(&receiver).len() == all.len()).then_some(())
    })
    .await;
    // Past the policy's end, with both clocks having looked many times: nothing more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = steps_sent(&receiver);
    assert_eq!(
        sent,
        all.into_iter().map(|step| (step, 1)).collect(),
        "each step sent once"
    );
    let events = send(client.get(b.url("/v1/incidents/INC-1/events"))).await;
    let recorded = events
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"]["type"] == "escalated")
        .count();
    assert_eq!(recorded, 4, "each step recorded once: {}", events.text);
}
