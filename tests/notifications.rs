//! Outbound notifications end to end: the real binary, a real HTTP receiver that goes down,
//! then slow, then answers 500, then comes back, and a SIGKILL of the backend in the middle.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use hmac::{Hmac, KeyInit, Mac};
use reqwest::Client;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};
use support::eventually::eventually;
use support::http::send;
use support::receiver::{Mode, Receiver};
use support::server::TestServer;

const SECRET: &str = "s3cret-for-tests";

fn config(url: &str) -> String {
    format!(
        r#"
[[notify]]
kind = "webhook"
url = "{url}"
secret = "{SECRET}"

[notify_delivery]
timeout = "1s"
max_retry_interval = "1s"
give_up_after = "1h"
"#
    )
}

/// Sends one change; it must be accepted.
async fn accepted(client: &Client, server: &TestServer, path: &str, body: Value) {
    let answer = send(
        client
            .post(server.url(path))
            .header("x-warroom-actor", "carol")
            .json(&body),
    )
    .await;
    assert!(
        answer.status == 200 || answer.status == 201,
        "{path}: {}",
        answer.text
    );
}

/// A few commands on two incidents, each accepted.
async fn traffic(client: &Client, server: &TestServer, round: usize) {
    for incident in ["INC-1", "INC-2"] {
        for n in 0..3 {
            let body = json!({"type": "add_note", "text": format!("round {round} note {n}")});
            let path = format!("/v1/incidents/{incident}/commands");
            accepted(client, server, &path, body).await;
        }
    }
}

fn verify(received: &support::receiver::Received) -> bool {
    let header = |name: &str| {
        received
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let timestamp = header("x-warroom-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    header("x-warroom-signature") == format!("sha256={expected}")
        && timestamp.parse::<i64>().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_committed_event_is_delivered_once_in_order_through_outages_and_a_crash() {
    let mut receiver = Receiver::down();
    let mut server = TestServer::with_config(None, &config(&receiver.url()), &[]);
    let client = support::http::client();

    // Down: nothing listens.
    for title in ["checkout errors", "search slow"] {
        let body = json!({"title": title, "severity": "P1"});
        accepted(&client, &server, "/v1/incidents", body).await;
    }
    traffic(&client, &server, 1).await;

    // Slow: answers after three times the delivery timeout. Once a delivery is held by the
    // receiver, six commands are answered before its timeout (1 s) runs out and it is sent
    // again: had a command waited on the receiver, the held delivery would have timed out
    // and been repeated before the last answer (the order is the server's own, not a
    // duration the test measures).
    receiver.set(Mode::Slow(Duration::from_secs(3)));
    receiver.up().await;
    eventually(
        "a delivery held by the slow receiver",
        Duration::from_secs(30),
        async || (!receiver.arrivals().is_empty()).then_some(()),
    )
    .await;
    traffic(&client, &server, 2).await;
    let arrivals = receiver.arrivals();
    let distinct: HashSet<&String> = arrivals.iter().collect();
    assert_eq!(
        distinct.len(),
        arrivals.len(),
        "a delivery was repeated before the commands were answered: {arrivals:?}"
    );
    assert!(
        receiver.seen().is_empty(),
        "the receiver answered before the commands were: {:?}",
        receiver.seen()
    );
    // Until a delivery timed out and was sent again: the worker sends the heads of two
    // queues (one per incident) and none succeeds while every answer is late, so a third
    // request is a repeat.
    let arrived = receiver.arrived();
    eventually(
        "a repeat of a slow delivery",
        Duration::from_secs(30),
        async || (receiver.arrived() >= arrived + 3).then_some(()),
    )
    .await;

    // 500s.
    receiver.set(Mode::Fail);
    traffic(&client, &server, 3).await;
    eventually(
        "a delivery answered 500",
        Duration::from_secs(30),
        async || {
            receiver
                .seen()
                .iter()
                .any(|r| r.answered == 500)
                .then_some(())
        },
    )
    .await;

    // A crash in the middle, with deliveries still pending, then more traffic.
    server.kill();
    server.restart();
    traffic(&client, &server, 4).await;

    // Back.
    receiver.set(Mode::Ok);
    let events = send(client.get(server.url("/v1/events?limit=1000")))
        .await
        .json;
    let committed: Vec<(String, u64)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["incident"].as_str().unwrap().to_string(),
                e["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(committed.len(), 2 + 4 * 6);

    let deadline = Instant::now() + Duration::from_secs(60);
    let delivered = loop {
        let accepted: HashSet<String> = receiver
            .seen()
            .iter()
            .filter(|r| r.answered == 200)
            .filter_map(|r| {
                r.headers
                    .get("x-warroom-delivery")?
                    .to_str()
                    .ok()
                    .map(String::from)
            })
            .collect();
        if accepted.len() >= committed.len() || Instant::now() > deadline {
            break accepted;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let log = send(client.get(server.url("/v1/notifications?limit=1000"))).await;
    assert_eq!(
        delivered.len(),
        committed.len(),
        "deliveries accepted by the receiver; the outbox says:\n{}\nthe server log:\n{}",
        log.text,
        server.log()
    );

    // The receiver's troubles really happened: 500s, and repeats of deliveries whose answer
    // came too late (the slow phase) or was refused.
    let seen = receiver.seen();
    assert!(
        seen.iter().any(|r| r.answered == 500),
        "no 500 was answered"
    );
    let repeats = seen.len() - delivered.len();
    assert!(repeats > 0, "no delivery was repeated");
    eprintln!("{} requests for {} deliveries", seen.len(), delivered.len());

    // Exactly once after dedupe by delivery id, each signed, in order per incident.
    let mut by_delivery: HashMap<String, (String, u64)> = HashMap::new();
    let mut order: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for received in receiver.seen() {
        assert!(verify(&received), "a bad signature on {received:?}");
        let id = received.headers["x-warroom-delivery"]
            .to_str()
            .unwrap()
            .to_string();
        let body: Value = serde_json::from_slice(&received.body).unwrap();
        assert_eq!(body["delivery"], id.as_str());
        let event = (
            body["event"]["incident"].as_str().unwrap().to_string(),
            body["event"]["seq"].as_u64().unwrap(),
        );
        assert_eq!(body["incident"]["id"], event.0.as_str());
        if let Some(earlier) = by_delivery.insert(id, event.clone()) {
            assert_eq!(earlier, event, "one delivery id, one event");
        } else {
            order.entry(event.0.clone()).or_default().push(event.1);
        }
    }
    let mut unique: Vec<(String, u64)> = by_delivery.into_values().collect();
    unique.sort();
    let mut expected = committed.clone();
    expected.sort();
    assert_eq!(unique, expected, "every committed event, once");
    for (incident, seqs) in &order {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{incident} out of order: {seqs:?}"
        );
    }

    // The log shows the failures the receiver caused, and all delivered in the end.
    let log = log.json;
    let log = log.as_array().unwrap();
    assert!(
        log.iter()
            .all(|d| d["state"] == "delivered" || d["state"] == "pending")
    );
    assert!(
        log.iter().any(|d| d["attempts"].as_u64().unwrap() > 1),
        "{log:?}"
    );
    assert!(log.iter().all(|d| d.get("body").is_none()));
}

#[tokio::test]
async fn a_notification_reaches_a_local_receiver_soon_after_the_answer() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    let server = TestServer::with_config(None, &config(&receiver.url()), &[]);
    let client = support::http::client();
    let body = json!({"title": "checkout errors", "severity": "P1"});
    accepted(&client, &server, "/v1/incidents", body).await;
    let answered = Instant::now();
    let deadline = answered + Duration::from_secs(10);
    while receiver.seen().is_empty() {
        assert!(Instant::now() < deadline, "no delivery within 10 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first = &receiver.seen()[0];
    assert!(verify(first));
    let body: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(body["event"]["kind"]["type"], "declared");
    assert_eq!(body["incident"]["title"], "checkout errors");
    eprintln!(
        "delivered {:?} after the answer",
        first.at.duration_since(answered)
    );
}

#[test]
fn a_broken_notify_table_is_refused_at_start_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    for (text, expected) in [
        (
            "[[notify]]\nkind = \"pager\"\nurl = \"http://127.0.0.1:1/\"\n",
            "kind 'pager' is not webhook, slack, pagerduty or opsgenie",
        ),
        // A pager needs its own credential, never quoted; only a pager takes one.
        (
            "[[notify]]\nname = \"pd\"\nkind = \"pagerduty\"\n",
            "[[notify]] 1 (\"pd\"): a pagerduty target needs a routing_key",
        ),
        (
            "[[notify]]\nkind = \"opsgenie\"\nrouting_key = \"SECRET\"\n",
            "an opsgenie target needs an api_key",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"http://127.0.0.1:1/\"\napi_key = \"SECRET\"\n",
            "api_key is for a pagerduty or opsgenie target, not a slack",
        ),
        (
            "[[notify]]\nkind = \"webhook\"\nsecret = \"SECRET\"\n",
            "a webhook needs a url",
        ),
        (
            "[[notify]]\nkind = \"pagerduty\"\nrouting_key = \"SECRET\"\nsource = \" \"\n",
            "source: must not be empty",
        ),
        (
            "[[notify]]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:1/\"\n",
            "a webhook needs a secret",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"http://127.0.0.1:1/\"\nevents = [\"exploded\"]\n",
            "unknown kind 'exploded'",
        ),
        (
            // The known kinds are the domain's, the learning and escalation events included.
            "[[notify]]\nkind = \"slack\"\nurl = \"http://127.0.0.1:1/\"\nevents = [\"exploded\"]\n",
            "corrective_action_added, corrective_action_completed",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"http://127.0.0.1:1/\"\nmin_severity = \"P9\"\n",
            "min_severity",
        ),
        // A Slack URL is its secret: the error names the target and the fault, not the URL.
        (
            "[[notify]]\nname = \"oncall\"\nkind = \"slack\"\nurl = \"ftp://hooks.example/SECRET\"\n",
            "[[notify]] 1 (\"oncall\"): url: the scheme 'ftp' is not http or https",
        ),
        (
            "[[notify]]\nkind = \"slack\"\nurl = \"hooks.example/SECRET\"\n",
            "url: relative URL without a base",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let output = support::server::warroom()
            .arg("--config")
            .arg(&path)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("db"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("[[notify]] 1") && stderr.contains(expected),
            "{stderr}"
        );
        assert!(!stderr.contains("SECRET"), "the URL was printed: {stderr}");
        // Only `serve` sends notifications: the client's commands are not stopped by them.
        let output = support::server::warroom()
            .arg("--config")
            .arg(&path)
            .args(["--backend", "http://127.0.0.1:1", "incident", "list"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{text}: {stderr}");
        assert!(!stderr.contains("[[notify]]"), "{stderr}");
    }
}

/// A webhook and a Slack target on one receiver, giving up after `give_up`.
fn config_giving_up_after(url: &str, give_up: &str) -> String {
    format!(
        r#"
[[notify]]
name = "hook"
kind = "webhook"
url = "{url}"
secret = "{SECRET}"
events = ["declared", "note_added"]

[notify_delivery]
timeout = "1s"
max_retry_interval = "1s"
give_up_after = "{give_up}"
"#
    )
}

/// The outbox as `GET /v1/notifications` lists it, oldest first.
async fn deliveries(client: &Client, server: &TestServer) -> Vec<Value> {
    let log = send(client.get(server.url("/v1/notifications?limit=1000"))).await;
    let mut list = log.json.as_array().cloned().unwrap_or_default();
    list.reverse();
    list
}

async fn wait_for_outbox(
    client: &Client,
    server: &TestServer,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = deliveries(client, server).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened; the outbox:\n{list:#?}\nthe server log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `give_up_after` counts from a delivery's first attempt, not from its event: the second
/// delivery of a queue waits the whole of its predecessor's 2 s of failures, then still gets
/// its own 2 s. (It used to be given up at its first failure, already older than 2 s.)
#[tokio::test]
async fn a_delivery_behind_a_failing_one_still_gets_its_full_give_up_after() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    receiver.set(Mode::Fail);
    let server = TestServer::with_config(None, &config_giving_up_after(&receiver.url(), "2s"), &[]);
    let client = support::http::client();
    accepted(
        &client,
        &server,
        "/v1/incidents",
        json!({"title": "checkout errors", "severity": "P1"}),
    )
    .await;
    let note = json!({"type": "add_note", "text": "behind the first"});
    accepted(&client, &server, "/v1/incidents/INC-1/commands", note).await;

    let list = wait_for_outbox(
        &client,
        &server,
        "the first delivery dying and the second failing",
        |list| {
            list.len() == 2 && list[0]["state"] == "dead" && list[1]["attempts"].as_u64() >= Some(1)
        },
    )
    .await;
    assert_eq!(list[1]["state"], "pending", "{list:#?}");
    assert!(list[1]["first_attempt_at"].is_string(), "{list:#?}");
    receiver.set(Mode::Ok);
    let list = wait_for_outbox(&client, &server, "the second delivery arriving", |list| {
        list[1]["state"] != "pending"
    })
    .await;
    assert_eq!(list[1]["state"], "delivered", "{list:#?}");
    assert!(list[1]["attempts"].as_u64().unwrap() >= 2, "{list:#?}");
    let first_dead =
        chrono::DateTime::parse_from_rfc3339(list[0]["finished_at"].as_str().unwrap()).unwrap();
    let second_first =
        chrono::DateTime::parse_from_rfc3339(list[1]["first_attempt_at"].as_str().unwrap())
            .unwrap();
    assert!(
        second_first >= first_dead,
        "its time started when its turn came: {list:#?}"
    );
}

/// A dead delivery is not final: `warroom notify retry ID` and `--dead` send it again, and
/// `/metrics` counts the dead and the failing by target until then.
#[tokio::test]
async fn dead_deliveries_show_in_metrics_and_notify_retry_resends_them() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    receiver.set(Mode::Fail);
    let server = TestServer::with_config(None, &config_giving_up_after(&receiver.url(), "1s"), &[]);
    let client = support::http::client();
    for title in ["checkout errors", "search slow"] {
        accepted(
            &client,
            &server,
            "/v1/incidents",
            json!({"title": title, "severity": "P1"}),
        )
        .await;
    }
    let list = wait_for_outbox(&client, &server, "both deliveries dying", |list| {
        list.len() == 2 && list.iter().all(|d| d["state"] == "dead")
    })
    .await;
    let metrics = send(client.get(server.url("/metrics"))).await.text;
    assert!(
        metrics.contains("warroom_notifications{target=\"hook\",state=\"dead\"} 2"),
        "{metrics}"
    );

    receiver.set(Mode::Ok);
    let notify = |args: &[&str]| {
        support::server::warroom()
            .args(["--backend", server.base(), "--actor", "carol", "notify"])
            .args(args)
            .output()
            .expect("run warroom")
    };
    let first = list[0]["id"].as_str().unwrap().to_string();
    let resent = notify(&["retry", &first]);
    assert!(resent.status.success(), "{resent:?}");
    assert_eq!(
        String::from_utf8_lossy(&resent.stdout),
        format!("delivery {first} is queued again\n")
    );
    let list = wait_for_outbox(&client, &server, "the resent delivery arriving", |list| {
        list[0]["state"] == "delivered"
    })
    .await;
    assert_eq!(
        list[1]["state"], "dead",
        "only the one asked for: {list:#?}"
    );
    let metrics = send(client.get(server.url("/metrics"))).await.text;
    assert!(
        metrics.contains("warroom_notifications{target=\"hook\",state=\"dead\"} 1"),
        "{metrics}"
    );

    // Delivered already: nothing to resend. Not an id: refused before asking.
    let again = notify(&["retry", &first]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("delivered already"),
        "{again:?}"
    );
    let bad = notify(&["retry", "INC-1"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a delivery id"),
        "{bad:?}"
    );

    let all = notify(&["retry", "--dead"]);
    assert!(all.status.success(), "{all:?}");
    assert_eq!(
        String::from_utf8_lossy(&all.stdout),
        "1 dead delivery is queued again\n"
    );
    wait_for_outbox(&client, &server, "every delivery arriving", |list| {
        list.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let metrics = send(client.get(server.url("/metrics"))).await.text;
    assert!(!metrics.contains("state=\"dead\""), "{metrics}");
    let delivered: HashSet<String> = receiver
        .seen()
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| {
            r.headers["x-warroom-delivery"]
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(delivered.len(), 2);
}

/// Text in a Slack message cannot ping a channel, disguise a link or reorder itself: a
/// title, a note and a name full of Slack markup arrive escaped; the handle the config maps a
/// person to stays a live mention.
#[tokio::test]
async fn slack_messages_escape_what_people_wrote_and_keep_configured_handles_live() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    let config = format!(
        r#"
[[notify]]
name = "chat"
kind = "slack"
url = "{}"
people = {{ carol = "<@U0CAROL>" }}
"#,
        receiver.url()
    );
    let server = TestServer::with_config(None, &config, &[]);
    let client = support::http::client();
    let title = "Checkout <!channel> & \u{202E}sknil\u{202C} down";
    accepted(
        &client,
        &server,
        "/v1/incidents",
        json!({"title": title, "severity": "P1"}),
    )
    .await;
    let path = "/v1/incidents/INC-1/commands";
    let note = "<!channel> <https://evil.example/login|Open the dashboard> @here";
    accepted(
        &client,
        &server,
        path,
        json!({"type": "add_note", "text": note}),
    )
    .await;
    accepted(
        &client,
        &server,
        path,
        json!({"type": "assign_role", "role": "commander", "person": "carol"}),
    )
    .await;
    accepted(
        &client,
        &server,
        path,
        json!({"type": "assign_role", "role": "scribe", "person": "<!here>"}),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.seen().len() < 4 {
        assert!(Instant::now() < deadline, "{:?}", receiver.seen());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let texts: Vec<String> = receiver
        .seen()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["text"].as_str().unwrap().to_string()
        })
        .collect();
    for text in &texts {
        for raw in ["<!channel>", "<!here>", "<https://", "\u{202E}", "@here"] {
            assert!(!text.contains(raw), "'{raw}' reached Slack raw: {text}");
        }
        assert!(
            text.contains("Checkout &lt;!channel&gt; &amp; \u{FFFD}sknil\u{FFFD} down"),
            "{text}"
        );
    }
    let joined = texts.join("\n");
    assert!(
        joined.contains("&lt;!channel&gt; &lt;https://evil.example/login|Open the dashboard&gt;"),
        "{joined}"
    );
    assert!(joined.contains("<@U0CAROL> is now commander"), "{joined}");
    assert!(joined.contains("&lt;!here&gt; is now scribe"), "{joined}");
}
