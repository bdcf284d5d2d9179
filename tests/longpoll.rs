//! Long-poll on the event feeds: a waiting client is answered when the command is
//! acknowledged, not when its wait runs out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::http::{Answer, send, try_send};
use support::server::TestServer;
use tokio::task::JoinHandle;

/// Bounds a failure only: a long-poll asked to wait 30 s that is answered within this was
/// answered because of news, not because its wait ran out. How fast a waiter wakes is
/// measured by `benches/longpoll.rs`, not asserted here.
const BEFORE_THE_WAIT: Duration = Duration::from_secs(20);

async fn post(client: &Client, server: &TestServer, path: &str, body: Value) -> Answer {
    let answer = send(client.post(server.url(path)).json(&body)).await;
    assert!(answer.status < 300, "{path}: {}", answer.text);
    answer
}

/// Starts a long-poll.
fn wait_on(client: &Client, url: String) -> JoinHandle<Answer> {
    let request = client.get(url);
    tokio::spawn(async move { try_send(request).await.expect("the long-poll is answered") })
}

/// The long-poll's answer (asked with a 30 s wait), which must come before that wait ran out.
async fn answered_before_the_wait(waiter: JoinHandle<Answer>) -> Answer {
    tokio::time::timeout(BEFORE_THE_WAIT, waiter)
        .await
        .expect("answered on the news, before its wait ran out")
        .expect("the long-poll task")
}

/// Nothing to wait for when a long-poll must *not* be answered: a wrong answer would come as
/// soon as the commit woke it, well within this.
async fn a_wrong_answer_would_have_come() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_waiting_client_gets_its_incidents_event_as_soon_as_the_command_is_acknowledged() {
    let server = TestServer::open();
    let client = support::http::client();
    let incident = json!({"title": "watched", "severity": "P1"});
    post(&client, &server, "/v1/incidents", incident.clone()).await;
    post(&client, &server, "/v1/incidents", incident).await;

    let waiter = wait_on(
        &client,
        server.url("/v1/incidents/INC-1/events?after=1&wait=30"),
    );
    server.long_polls_waiting(&client, 1).await;
    assert!(!waiter.is_finished(), "nothing new yet: it must wait");

    // Another incident's event wakes the waiter, which must go back to waiting.
    let note = |text: &str| json!({"type": "add_note", "text": text});
    post(
        &client,
        &server,
        "/v1/incidents/INC-2/commands",
        note("elsewhere"),
    )
    .await;
    a_wrong_answer_would_have_come().await;
    assert!(!waiter.is_finished(), "INC-2's event is not INC-1's");

    let ack = post(
        &client,
        &server,
        "/v1/incidents/INC-1/commands",
        note("here"),
    )
    .await;
    let answer = answered_before_the_wait(waiter).await;
    assert_eq!(answer.status, 200);
    let events = answer.json.as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", answer.text);
    assert_eq!(events[0], ack.json["events"][0]);
    assert_eq!(events[0]["kind"]["text"], "here");
}

#[tokio::test]
async fn a_waiting_client_of_the_global_feed_gets_any_incidents_event() {
    let server = TestServer::open();
    let client = support::http::client();
    let waiter = wait_on(&client, server.url("/v1/events?after=0&wait=30"));
    server.long_polls_waiting(&client, 1).await;
    assert!(!waiter.is_finished(), "the log is empty: it must wait");

    let declared = post(
        &client,
        &server,
        "/v1/incidents",
        json!({"title": "first ever", "severity": "P2"}),
    )
    .await;
    let answer = answered_before_the_wait(waiter).await;
    let events = answer.json.as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["incident"], declared.json["id"]);
    assert_eq!(events[0]["kind"]["type"], "declared");
}

#[tokio::test]
async fn feeds_answer_at_once_when_there_is_news_and_with_nothing_when_the_wait_ends() {
    let server = TestServer::open();
    let client = support::http::client();
    post(
        &client,
        &server,
        "/v1/incidents",
        json!({"title": "t", "severity": "P1"}),
    )
    .await;
    for text in ["a", "b", "c"] {
        let note = json!({"type": "add_note", "text": text});
        post(&client, &server, "/v1/incidents/INC-1/commands", note).await;
    }

    let news = tokio::time::timeout(
        BEFORE_THE_WAIT,
        send(client.get(server.url("/v1/events?after=1&wait=30&limit=2"))),
    )
    .await
    .expect("news answered before the wait ran out");
    let seqs: Vec<_> = news
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].clone())
        .collect();
    assert_eq!(
        seqs,
        [json!(2), json!(3)],
        "ascending, after the cursor, limited"
    );
    let rest = send(client.get(server.url("/v1/incidents/INC-1/events?after=3"))).await;
    assert_eq!(rest.json.as_array().unwrap().len(), 1);

    // A wait of one second with no news, and beside it a request asking for no wait: the
    // latter is answered first, the former with nothing once its second is over (a lower
    // bound, which no load on the machine can break; the upper one only bounds a failure).
    let answered = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();
    let waiting = async {
        let url = server.url("/v1/incidents/INC-1/events?after=4&wait=1");
        let nothing = send(client.get(url)).await;
        answered.lock().unwrap().push("wait=1");
        (nothing, started.elapsed())
    };
    let at_once = async {
        server.long_polls_waiting(&client, 1).await;
        let immediate = send(client.get(server.url("/v1/events?after=4"))).await;
        answered.lock().unwrap().push("no wait");
        immediate
    };
    let ((nothing, waited), immediate) =
        tokio::time::timeout(BEFORE_THE_WAIT, async { tokio::join!(waiting, at_once) })
            .await
            .expect("both answered");
    assert_eq!((nothing.status, nothing.json), (200, json!([])));
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert_eq!(immediate.json, json!([]));
    assert_eq!(
        *answered.lock().unwrap(),
        ["no wait", "wait=1"],
        "no wait asked, none taken"
    );
}

fn seqs(answer: &Answer) -> Vec<u64> {
    let events = answer.json.as_array().expect("a JSON array");
    events
        .iter()
        .filter_map(|event| event["seq"].as_u64())
        .collect()
}

#[tokio::test]
async fn pages_older_than_memory_come_from_the_store_and_new_ones_still_wake_waiters() {
    // Memory keeps the three newest events only.
    let mut server = TestServer::open_with_args(&["--recent-events", "3"]);
    let client = support::http::client();
    let incident = json!({"title": "long history", "severity": "P2"});
    post(&client, &server, "/v1/incidents", incident.clone()).await;
    post(&client, &server, "/v1/incidents", incident).await;
    for n in 0..4 {
        // The first is an update: the report's update discipline needs it, long after it left
        // memory.
        let kind = if n == 0 { "update" } else { "note" };
        let note = json!({"type": "add_note", "kind": kind, "text": format!("note {n}")});
        post(&client, &server, "/v1/incidents/INC-1/commands", note).await;
    }
    for round in ["before a restart", "after a restart (folded page by page)"] {
        // A fresh client each round: pooled connections die with the server.
        let client = support::http::client();
        let all = send(client.get(server.url("/v1/events?after=0"))).await;
        assert_eq!(seqs(&all), [1, 2, 3, 4, 5, 6], "{round}: {}", all.text);
        let one = send(client.get(server.url("/v1/incidents/INC-1/events?after=0"))).await;
        assert_eq!(seqs(&one), [1, 3, 4, 5, 6], "{round}");
        let paged = send(client.get(server.url("/v1/events?after=1&limit=2"))).await;
        assert_eq!(seqs(&paged), [2, 3], "{round}");
        let recent = send(client.get(server.url("/v1/events?after=4"))).await;
        assert_eq!(seqs(&recent), [5, 6], "{round}");
        // Every incident stays folded, however old its events.
        let two = send(client.get(server.url("/v1/incidents/INC-2"))).await;
        assert_eq!(two.json["version"], 2, "{round}");
        // The postmortem and the report read the logs memory no longer holds from the store.
        let postmortem = send(client.get(server.url("/v1/incidents/INC-1/postmortem.md"))).await;
        assert_eq!(postmortem.status, 200, "{round}: {}", postmortem.text);
        for n in 0..4 {
            assert!(
                postmortem.text.contains(&format!("note {n}")),
                "{round}: {}",
                postmortem.text
            );
        }
        let report = send(client.get(server.url("/v1/report?since=1d"))).await;
        assert_eq!(report.status, 200, "{round}: {}", report.text);
        assert_eq!(report.json["incidents"], 2, "{round}");
        assert_eq!(
            report.json["update_discipline"], 1.0,
            "{round}: {}",
            report.text
        );
        server.restart();
    }
    let client = support::http::client();
    let waiter = wait_on(&client, server.url("/v1/events?after=6&wait=30"));
    server.long_polls_waiting(&client, 1).await;
    let note = json!({"type": "add_note", "text": "live"});
    post(&client, &server, "/v1/incidents/INC-1/commands", note).await;
    assert_eq!(seqs(&answered_before_the_wait(waiter).await), [7]);
}

/// Memory holds the open incidents and those ended within `--keep-ended` (here one second);
/// an incident ended before that is answered from the store's snapshot row and log, before
/// and after a restart, and comes back when it changes.
#[tokio::test]
async fn incidents_ended_before_the_window_are_answered_from_the_store_and_not_held() {
    let mut server = TestServer::open_with_args(&["--keep-ended", "1s", "--recent-events", "3"]);
    let client = support::http::client();
    let old = json!({"title": "old outage", "severity": "P2", "service": "db"});
    post(&client, &server, "/v1/incidents", old).await;
    let burning = json!({"title": "still burning", "severity": "P1"});
    post(&client, &server, "/v1/incidents", burning).await;
    let cause = json!({"type": "add_note", "text": "root cause found"});
    post(&client, &server, "/v1/incidents/INC-1/commands", cause).await;
    let resolve = json!({"type": "transition", "to": "resolved"});
    let resolved = post(&client, &server, "/v1/incidents/INC-1/commands", resolve).await;
    let ended: chrono::DateTime<chrono::Utc> = resolved.json["events"][0]["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let held = |text: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix("warroom_incidents_in_memory "))
            .and_then(|value| value.parse::<u64>().ok())
    };
    let metrics = send(client.get(server.url("/metrics"))).await;
    assert_eq!(held(&metrics.text), Some(2), "{}", metrics.text);
    // A commit after the window ran out lets INC-1 go. The window is the server's clock
    // (the machine's): wait for the moment it runs out, polled, then commit once.
    while chrono::Utc::now() <= ended + chrono::Duration::seconds(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let note = json!({"type": "add_note", "text": "still looking"});
    post(&client, &server, "/v1/incidents/INC-2/commands", note).await;
    let resolved_version = 4;
    for round in ["after the window", "after a restart"] {
        let client = support::http::client();
        let metrics = send(client.get(server.url("/metrics"))).await;
        assert_eq!(held(&metrics.text), Some(1), "{round}: {}", metrics.text);
        let one = send(client.get(server.url("/v1/incidents/INC-1"))).await;
        assert_eq!(one.status, 200, "{round}: {}", one.text);
        assert_eq!(one.json["status"], "resolved", "{round}");
        assert_eq!(one.json["version"], resolved_version, "{round}");
        assert_eq!(one.header("etag"), Some("\"4\""), "{round}");
        let all = send(client.get(server.url("/v1/incidents"))).await;
        let ids: Vec<&str> = all
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["INC-2", "INC-1"], "{round}: {}", all.text);
        let open = send(client.get(server.url("/v1/incidents?open=true"))).await;
        assert_eq!(open.json.as_array().unwrap().len(), 1, "{round}");
        let log = send(client.get(server.url("/v1/incidents/INC-1/events?after=0"))).await;
        assert_eq!(seqs(&log), [1, 3, 4], "{round}: {}", log.text);
        let postmortem = send(client.get(server.url("/v1/incidents/INC-1/postmortem.md"))).await;
        assert!(
            postmortem.text.contains("root cause found"),
            "{round}: {}",
            postmortem.text
        );
        let report = send(client.get(server.url("/v1/report?since=1d"))).await;
        assert_eq!(report.json["incidents"], 2, "{round}: {}", report.text);
        let missing = send(client.get(server.url("/v1/incidents/INC-9"))).await;
        assert_eq!(missing.status, 404, "{round}");
        server.restart();
    }
    // A long-poll on the old incident is answered when it changes, and the change is decided
    // on its stored state (If-Match against the stored version).
    let client = support::http::client();
    let waiter = wait_on(
        &client,
        server.url("/v1/incidents/INC-1/events?after=4&wait=30"),
    );
    server.long_polls_waiting(&client, 1).await;
    let late = json!({"type": "add_note", "text": "a late finding"});
    let answer = send(
        client
            .post(server.url("/v1/incidents/INC-1/commands"))
            .header("If-Match", "\"4\"")
            .json(&late),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let news = answered_before_the_wait(waiter).await;
    assert_eq!(
        news.json[0]["kind"]["text"], "a late finding",
        "{}",
        news.text
    );
    // A new incident of the same service still finds the old one (read from the store).
    let again = json!({"title": "db again", "severity": "P2", "service": "db"});
    let declared = post(&client, &server, "/v1/incidents", again).await;
    assert_eq!(
        declared.json["recurs"][0]["incident"], "INC-1",
        "{}",
        declared.text
    );
}
