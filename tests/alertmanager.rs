//! `POST /v1/alertmanager` of the real `warroom serve` on a real SQLite file: first with
//! notifications the test posts, then live, where an exporter's errors make a real
//! Prometheus 2.42 rule fire and a real Alertmanager 0.25 notifies the backend. Without
//! Prometheus and Alertmanager installed the live test fails; it never skips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::{DateTime, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use std::time::Duration;
use support::eventually::eventually;
use support::exporter::alerting_prometheus;
use support::http::{Answer, send};
use support::promstack::{Alertmanager, AlertmanagerSetup, binary, run_tool};
use support::server::{TOKENS, TestServer, transition};

const GROUP: &str = r#"{}:{alertname="HighErrorRatio"}"#;

/// Whole seconds `minutes` ago, as Alertmanager would send them.
fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp() - minutes * 60, 0).unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("{value} is not a time"))
}

/// A firing alert of the group, on the endpoint `/<fingerprint>`.
fn firing(fingerprint: &str, starts_at: DateTime<Utc>) -> Value {
    json!({
        "status": "firing",
        "labels": {
            "alertname": "HighErrorRatio",
            "endpoint": format!("/{fingerprint}"),
            "service": "checkout",
            "severity": "critical",
        },
        "annotations": {"summary": format!("5xx above 5% on /{fingerprint}")},
        "startsAt": starts_at,
        // Go's zero time: what Alertmanager sends while an alert fires.
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    })
}

fn resolved(fingerprint: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Value {
    let mut alert = firing(fingerprint, starts_at);
    alert["status"] = json!("resolved");
    alert["endsAt"] = json!(ends_at);
    alert
}

/// A version 4 notification of `group`, as Alertmanager 0.25 posts it.
fn notification(group: &str, alerts: Vec<Value>) -> Value {
    let status = if alerts.iter().any(|alert| alert["status"] == "firing") {
        "firing"
    } else {
        "resolved"
    };
    json!({
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {"alertname": "HighErrorRatio"},
        "commonLabels": {"alertname": "HighErrorRatio", "service": "checkout", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    })
}

async fn post(client: &Client, server: &TestServer, body: &Value) -> Answer {
    send(client.post(server.url("/v1/alertmanager")).json(body)).await
}

/// Posts and expects `200` with this incident and counts.
#[track_caller]
fn assert_received(answer: &Answer, incident: &str, opened: bool, attached: u64, ended: u64) {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json,
        json!({"incident": incident, "opened": opened, "joined": false, "attached": attached, "resolved": ended, "more": 0}),
    );
}

async fn get(client: &Client, server: &TestServer, path: &str) -> Value {
    let answer = send(client.get(server.url(path))).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.json
}

async fn incident_count(client: &Client, server: &TestServer) -> usize {
    let incidents = get(client, server, "/v1/incidents").await;
    incidents.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_firing_group_opens_one_triggered_incident_and_repeats_update_it() {
    let server = TestServer::open();
    let client = support::http::client();
    let started = minutes_ago(5);

    let page = notification(GROUP, vec![firing("a", started)]);
    assert_received(&post(&client, &server, &page).await, "INC-1", true, 1, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(incident["status"], "triggered");
    assert_eq!(incident["title"], "5xx above 5% on /a");
    assert_eq!(incident["severity"], "P0", "severity=critical maps to P0");
    assert_eq!(incident["service"], "checkout");
    assert_eq!(incident["declared_by"], "alertmanager");
    assert_eq!(time(&incident["detected_at"]), started);
    assert_eq!(incident["alert_group"], GROUP);
    let attached = &incident["alerts"][0];
    assert_eq!(attached["alert"]["fingerprint"], "a");
    assert_eq!(attached["alert"]["name"], "HighErrorRatio");
    assert_eq!(time(&attached["alert"]["starts_at"]), started);
    assert_eq!(attached["resolved_at"], Value::Null);

    // Alertmanager repeats the group: nothing new, nothing recorded.
    assert_received(&post(&client, &server, &page).await, "INC-1", false, 0, 0);
    let unchanged = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(unchanged["version"], incident["version"]);

    // A second alert joins the group: attached to the same incident.
    let joined = minutes_ago(1);
    let both = notification(GROUP, vec![firing("a", started), firing("b", joined)]);
    assert_received(&post(&client, &server, &both).await, "INC-1", false, 1, 0);
    let incidents = get(&client, &server, "/v1/incidents").await;
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "{incidents}");
    let alerts = &incidents[0]["alerts"];
    assert_eq!(alerts[1]["alert"]["fingerprint"], "b");
    let events = get(&client, &server, "/v1/incidents/INC-1/events").await;
    let kinds: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| (event["actor"].as_str(), event["kind"]["type"].as_str()))
        .collect();
    let by_alertmanager = |kind| (Some("alertmanager"), Some(kind));
    assert_eq!(
        kinds,
        [
            by_alertmanager("declared"),
            by_alertmanager("alert_attached"),
            by_alertmanager("alert_attached")
        ]
    );
    assert_eq!(events[1]["kind"]["group"], GROUP);
}

#[tokio::test]
async fn resolved_alerts_are_recorded_and_unknown_groups_recorded_nowhere() {
    let server = TestServer::open();
    let client = support::http::client();
    let (started, ended) = (minutes_ago(10), minutes_ago(2));
    let opened = notification(GROUP, vec![firing("a", started), firing("b", started)]);
    assert_received(&post(&client, &server, &opened).await, "INC-1", true, 2, 0);

    // One of the two ends; Alertmanager lists it beside the one still firing.
    let half = notification(
        GROUP,
        vec![resolved("a", started, ended), firing("b", started)],
    );
    assert_received(&post(&client, &server, &half).await, "INC-1", false, 0, 1);
    let incident = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(time(&incident["alerts"][0]["resolved_at"]), ended);
    assert_eq!(incident["alerts"][1]["resolved_at"], Value::Null);
    let events = get(&client, &server, "/v1/incidents/INC-1/events").await;
    let last = &events.as_array().unwrap().last().unwrap()["kind"];
    assert_eq!(
        (&last["type"], &last["fingerprint"], &last["name"]),
        (
            &json!("alert_resolved"),
            &json!("a"),
            &json!("HighErrorRatio")
        )
    );
    assert_eq!(time(&last["ended_at"]), ended);

    // The group resolves; a repeat of that records nothing more.
    let all = notification(
        GROUP,
        vec![resolved("a", started, ended), resolved("b", started, ended)],
    );
    assert_received(&post(&client, &server, &all).await, "INC-1", false, 0, 1);
    assert_received(&post(&client, &server, &all).await, "INC-1", false, 0, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(
        incident["status"], "triggered",
        "alerts ending do not resolve the incident: people do"
    );

    let stranger = notification(
        "{}:{alertname=\"Other\"}",
        vec![resolved("z", started, ended)],
    );
    let answer = post(&client, &server, &stranger).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["incident"], Value::Null);
    assert_eq!(answer.json["opened"], false);
    assert!(
        answer.json["note"]
            .as_str()
            .is_some_and(|note| note.contains("nothing was recorded")),
        "{}",
        answer.text
    );
    assert_eq!(incident_count(&client, &server).await, 1);
}

#[tokio::test]
async fn after_a_close_or_a_cancel_the_group_firing_again_is_a_new_incident() {
    let server = TestServer::open();
    let client = support::http::client();
    let page = notification(GROUP, vec![firing("a", minutes_ago(30))]);
    assert_received(&post(&client, &server, &page).await, "INC-1", true, 1, 0);

    // Resolved is not over: the alert firing again is still this incident's business.
    transition(&client, &server, "INC-1", "resolved").await;
    let back = notification(GROUP, vec![firing("b", minutes_ago(20))]);
    assert_received(&post(&client, &server, &back).await, "INC-1", false, 1, 0);

    transition(&client, &server, "INC-1", "resolved").await;
    transition(&client, &server, "INC-1", "closed").await;
    // Endings for a closed incident: its record is final, and the page is still answered 200.
    let ended = notification(GROUP, vec![resolved("b", minutes_ago(20), minutes_ago(15))]);
    let answer = post(&client, &server, &ended).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.text.contains("closed"), "{}", answer.text);
    let recurred = minutes_ago(10);
    let recurrence = notification(GROUP, vec![firing("a", recurred)]);
    assert_received(
        &post(&client, &server, &recurrence).await,
        "INC-2",
        true,
        1,
        0,
    );
    let second = get(&client, &server, "/v1/incidents/INC-2").await;
    assert_eq!(second["status"], "triggered");
    assert_eq!(time(&second["detected_at"]), recurred);

    transition(&client, &server, "INC-2", "cancelled").await;
    let again = notification(GROUP, vec![firing("a", minutes_ago(1))]);
    assert_received(&post(&client, &server, &again).await, "INC-3", true, 1, 0);
    let closed = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(closed["alerts"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn notifications_of_a_new_group_arriving_together_open_one_incident() {
    let server = TestServer::open();
    let client = support::http::client();
    let page = notification(GROUP, vec![firing("a", minutes_ago(1))]);
    let answers =
        futures_util::future::join_all((0..16).map(|_| post(&client, &server, &page))).await;
    let opened = answers
        .iter()
        .filter(|answer| answer.json["opened"] == true)
        .count();
    assert_eq!(opened, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|answer| answer.json["incident"] == "INC-1")
    );
    assert_eq!(incident_count(&client, &server).await, 1);
}

#[tokio::test]
async fn payloads_that_are_not_version_4_notifications_are_refused_with_400() {
    let server = TestServer::open();
    let client = support::http::client();
    let good = || notification(GROUP, vec![firing("a", minutes_ago(1))]);
    let mut old = good();
    old["version"] = json!("3");
    let mut undated = good();
    undated["alerts"][0]["startsAt"] = json!("last Tuesday");
    let mut empty = good();
    empty["alerts"] = json!([]);
    for (body, says) in [
        (old, "version \"3\" is not supported"),
        (undated, "alerts[0].startsAt"),
        (empty, "no alerts"),
        (json!({"version": "4"}), "missing field"),
    ] {
        let answer = post(&client, &server, &body).await;
        answer.assert_error(400, "bad_request");
        assert!(answer.error_message().contains(says), "{}", answer.text);
    }
    let garbage = send(
        client
            .post(server.url("/v1/alertmanager"))
            .header("content-type", "application/json")
            .body("{\"version\": \"4\", "),
    )
    .await;
    garbage.assert_error(400, "bad_request");
    let huge = send(
        client
            .post(server.url("/v1/alertmanager"))
            .header("content-type", "application/json")
            .body(vec![b' '; 1025 * 1024]),
    )
    .await;
    huge.assert_error(413, "payload_too_large");
    assert_eq!(
        incident_count(&client, &server).await,
        0,
        "nothing was recorded"
    );
}

/// The ids of every incident, in order.
async fn incident_ids(client: &Client, server: &TestServer) -> Vec<String> {
    let incidents = get(client, server, "/v1/incidents").await;
    let mut ids: Vec<String> = incidents
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn wild_payloads_each_open_or_update_exactly_one_incident_and_never_get_a_4xx() {
    let server = TestServer::open();
    let client = support::http::client();
    let started = minutes_ago(5);

    // No fingerprint (relays, older senders): derived from the labels as Alertmanager does.
    let mut anonymous = firing("a", started);
    anonymous.as_object_mut().unwrap().remove("fingerprint");
    let labels = anonymous["labels"].clone();
    let answer = post(
        &client,
        &server,
        &notification("{}:{g=\"1\"}", vec![anonymous]),
    )
    .await;
    assert_received(&answer, "INC-1", true, 1, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-1").await;
    let expected: std::collections::BTreeMap<String, String> =
        serde_json::from_value(labels).unwrap();
    assert_eq!(
        incident["alerts"][0]["alert"]["fingerprint"],
        warroom::domain::label_fingerprint(&expected)
    );

    // Each group below is for a service of its own: a group for a service with an open
    // incident would join it (tested in joining.rs).
    let alone = |mut page: Value, service: &str| {
        page["commonLabels"]["service"] = json!(service);
        page
    };
    // "version": 4 as a number.
    let mut numeric = alone(
        notification("{}:{g=\"2\"}", vec![firing("b", started)]),
        "b",
    );
    numeric["version"] = json!(4);
    assert_received(&post(&client, &server, &numeric).await, "INC-2", true, 1, 0);

    // One alert with an overlong name, value, alertname and fingerprint, and 80 labels,
    // among good ones: all of them are attached, cut with a marker.
    let mut wild = firing(&"f".repeat(300), started);
    wild["labels"]["alertname"] = json!("A".repeat(500));
    wild["labels"]["description"] = json!("v".repeat(5000));
    wild["labels"][&"n".repeat(400)] = json!("x");
    for i in 0..80 {
        wild["labels"][format!("extra{i:02}")] = json!("y");
    }
    let group = alone(
        notification(
            "{}:{g=\"3\"}",
            vec![firing("c", started), wild, firing("d", started)],
        ),
        "c",
    );
    assert_received(&post(&client, &server, &group).await, "INC-3", true, 3, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-3").await;
    let kept = &incident["alerts"][1]["alert"];
    let fingerprint = kept["fingerprint"].as_str().unwrap();
    assert!(
        fingerprint.chars().count() <= 64 && fingerprint.contains('…'),
        "{fingerprint}"
    );
    assert!(kept["name"].as_str().unwrap().ends_with("..."));
    let kept_labels = kept["labels"].as_object().unwrap();
    assert_eq!(kept_labels.len(), 64);
    assert!(
        kept_labels["description"]
            .as_str()
            .unwrap()
            .ends_with("...")
    );
    // 86 labels: 63 kept, and the count of the 23 left out.
    assert_eq!(kept_labels["warroom_dropped_labels"], "23");

    // 300 typical alerts in one group (about 100 KB): 100 attached, the rest counted.
    let storm: Vec<Value> = (0..300)
        .map(|i| firing(&format!("s{i:03}"), started))
        .collect();
    let storm = alone(notification("{}:{g=\"4\"}", storm), "s");
    assert!(serde_json::to_vec(&storm).unwrap().len() > 64 * 1024);
    let answer = post(&client, &server, &storm).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        (
            &answer.json["incident"],
            &answer.json["attached"],
            &answer.json["more"]
        ),
        (&json!("INC-4"), &json!(100), &json!(200))
    );
    let incident = get(&client, &server, "/v1/incidents/INC-4").await;
    assert_eq!(incident["alerts"].as_array().unwrap().len(), 100);
    assert_eq!(incident["more_alerts"], 200);

    // A group key with a line break, long enough to be hashed: one incident, found again by
    // the next notification, and never a forged line in the log.
    let forged = format!(
        "{{}}:{{g=\"5\"}}\n2026-11-25T14:00:00Z  INFO forged line{}",
        "k".repeat(300)
    );
    let first = alone(notification(&forged, vec![firing("e", started)]), "e");
    assert_received(&post(&client, &server, &first).await, "INC-5", true, 1, 0);
    let second = alone(
        notification(&forged, vec![firing("e", started), firing("f", started)]),
        "e",
    );
    assert_received(&post(&client, &server, &second).await, "INC-5", false, 1, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-5").await;
    let stored = incident["alert_group"].as_str().unwrap();
    assert!(stored.chars().count() <= 256, "{stored}");
    let log = server.log();
    assert!(
        !log.lines()
            .any(|line| line.starts_with("2026-11-25T14:00:00Z  INFO forged")),
        "{log}"
    );

    // Five payloads, five incidents, each opened once.
    assert_eq!(
        incident_ids(&client, &server).await,
        ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    );
}

#[tokio::test]
async fn an_alert_firing_again_after_the_resolve_reopens_the_incident() {
    let server = TestServer::open();
    let client = support::http::client();
    let started = minutes_ago(30);
    let page = notification(GROUP, vec![firing("a", started)]);
    assert_received(&post(&client, &server, &page).await, "INC-1", true, 1, 0);
    let ended = notification(GROUP, vec![resolved("a", started, minutes_ago(20))]);
    assert_received(&post(&client, &server, &ended).await, "INC-1", false, 0, 1);
    transition(&client, &server, "INC-1", "resolved").await;

    let again = notification(GROUP, vec![firing("a", minutes_ago(2))]);
    assert_received(&post(&client, &server, &again).await, "INC-1", false, 1, 0);
    let incident = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["resolved_at"], Value::Null);
    let events = get(&client, &server, "/v1/incidents/INC-1/events").await;
    let reopen = events.as_array().unwrap().last().unwrap();
    assert_eq!(reopen["actor"], "alertmanager");
    assert_eq!(reopen["kind"]["from"], "resolved");
    assert_eq!(reopen["kind"]["to"], "investigating");
    assert_eq!(
        reopen["kind"]["reason"],
        "alert HighErrorRatio fired again after the resolve"
    );
    // The wall follows open incidents: it is one again.
    let open = get(&client, &server, "/v1/incidents?open=true").await;
    assert_eq!(open[0]["id"], "INC-1");
}

#[tokio::test]
async fn with_tokens_the_webhook_needs_a_responder_token_and_never_logs_it() {
    let server = TestServer::with_tokens(TOKENS);
    let client = support::http::client();
    let page = notification(GROUP, vec![firing("a", minutes_ago(1))]);
    post(&client, &server, &page)
        .await
        .assert_error(401, "unauthorized");
    let as_viewer = client
        .post(server.url("/v1/alertmanager"))
        .bearer_auth("viewer-token")
        .json(&page);
    send(as_viewer).await.assert_error(403, "forbidden");

    let as_alertmanager = client
        .post(server.url("/v1/alertmanager"))
        .bearer_auth("responder-token")
        .json(&page);
    assert_received(&send(as_alertmanager).await, "INC-1", true, 1, 0);
    let shown = send(
        client
            .get(server.url("/v1/incidents/INC-1"))
            .bearer_auth("viewer-token"),
    )
    .await;
    assert_eq!(shown.json["declared_by"], "alertmanager");
    let log = server.log();
    assert!(log.contains("alertmanager notification"), "{log}");
    assert!(!log.contains("responder-token"), "{log}");
}

/// An alert storm of 300 distinct groups, then 1,000 replays of those notifications, 32 at a
/// time, as Alertmanager and its retries send them, under the default limits: the per-caller
/// limit on changes (600 a minute, bursts of 120) would have refused most of them with 429,
/// which Alertmanager never retries. Every notification is taken, every group has one incident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_storm_and_its_replays_are_never_refused_under_the_default_limits() {
    use futures_util::StreamExt;
    const GROUPS: usize = 300;
    const REPLAYS: usize = 1000;
    let server = TestServer::with_tokens(TOKENS);
    let client = support::http::client();
    let started = minutes_ago(5);
    // A service each: groups of one service would join its open incident instead.
    let pages: Vec<Value> = (0..GROUPS)
        .map(|i| {
            let mut page = notification(
                &format!("{{}}:{{alertname=\"HighErrorRatio\", endpoint=\"/e{i}\"}}"),
                vec![firing(&format!("e{i}"), started)],
            );
            page["commonLabels"]["service"] = json!(format!("service-{i}"));
            page
        })
        .collect();
    let post_all = |order: Vec<usize>| {
        let (client, server, pages) = (&client, &server, &pages);
        futures_util::stream::iter(order)
            .map(move |i| async move {
                let request = client
                    .post(server.url("/v1/alertmanager"))
                    .bearer_auth("responder-token")
                    .json(&pages[i]);
                (i, send(request).await)
            })
            .buffer_unordered(32)
            .collect::<Vec<_>>()
    };
    let storm = post_all((0..GROUPS).collect()).await;
    let replays = post_all((0..REPLAYS).map(|n| n % GROUPS).collect()).await;

    let refused: Vec<_> = storm
        .iter()
        .chain(&replays)
        .filter(|(_, answer)| answer.status != 200)
        .map(|(i, answer)| (i, answer.status, &answer.text))
        .collect();
    assert!(
        refused.is_empty(),
        "{} of {} notifications refused, the first: {:?}",
        refused.len(),
        GROUPS + REPLAYS,
        refused.first()
    );
    // Each group opened its incident once, and its replays found that incident again.
    let mut incident_of = vec![None; GROUPS];
    for (i, answer) in &storm {
        assert_eq!(answer.json["opened"], true, "{}", answer.text);
        incident_of[*i] = answer.json["incident"].as_str().map(str::to_string);
    }
    for (i, answer) in &replays {
        assert_eq!(
            (&answer.json["opened"], answer.json["incident"].as_str()),
            (&json!(false), incident_of[*i].as_deref()),
            "{}",
            answer.text
        );
    }
    // One page of up to 1000 holds them all.
    let incidents = send(
        client
            .get(server.url("/v1/incidents?limit=1000"))
            .bearer_auth("viewer-token"),
    )
    .await;
    let groups: std::collections::BTreeSet<&str> = incidents
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|incident| incident["alert_group"].as_str().unwrap())
        .collect();
    assert_eq!(
        (incidents.json.as_array().unwrap().len(), groups.len()),
        (GROUPS, GROUPS)
    );
}

#[tokio::test]
async fn a_sender_over_the_pages_budget_gets_a_503_to_retry_and_people_keep_their_own_limit() {
    let server = TestServer::with_config(
        Some(TOKENS),
        "[server.limits]\nalertmanager_per_minute = 30\nalertmanager_burst = 2\n\
         writes_per_minute = 6\nwrite_burst = 1\n",
        &[],
    );
    let client = support::http::client();
    let page = |token: &str| {
        client
            .post(server.url("/v1/alertmanager"))
            .bearer_auth(token)
            .json(&notification(GROUP, vec![firing("a", minutes_ago(1))]))
    };
    // The budget of pages is apart from the budget of changes: a declaration first spends
    // the responder's only change, and the pages still go through.
    let declared = send(
        client
            .post(server.url("/v1/incidents"))
            .bearer_auth("responder-token")
            .json(&json!({"title": "by hand", "severity": "P2"})),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let opened = send(page("responder-token")).await;
    assert_eq!((opened.status, &opened.json["opened"]), (200, &json!(true)));
    assert_eq!(send(page("responder-token")).await.status, 200);
    let shed = send(page("responder-token")).await;
    shed.assert_error(503, "unavailable");
    // A page every 2 s refills the budget.
    let retry_after: u64 = shed.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // Another caller has a budget of its own; the responder's changes are still limited.
    assert_eq!(send(page("commander-token")).await.status, 200);
    send(
        client
            .post(server.url("/v1/incidents"))
            .bearer_auth("responder-token")
            .json(&json!({"title": "again", "severity": "P2"})),
    )
    .await
    .assert_error(429, "rate_limited");
    // After the wait the page goes through, as Alertmanager's retry would.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(send(page("responder-token")).await.status, 200);
}

#[tokio::test]
async fn the_group_still_finds_its_incident_after_a_restart() {
    let mut server = TestServer::open();
    let page = notification(GROUP, vec![firing("a", minutes_ago(5))]);
    assert_received(
        &post(&support::http::client(), &server, &page).await,
        "INC-1",
        true,
        1,
        0,
    );
    server.restart();
    // A fresh client: the old one's pooled connection died with the server.
    let client = support::http::client();
    let more = notification(
        GROUP,
        vec![firing("a", minutes_ago(5)), firing("b", minutes_ago(1))],
    );
    assert_received(&post(&client, &server, &more).await, "INC-1", false, 1, 0);
    assert_eq!(incident_count(&client, &server).await, 1);
}

#[test]
fn the_documented_alertmanager_route_passes_amtool() {
    let doc = include_str!("../docs/api.md");
    let example = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/api.md has a YAML example");
    assert!(example.contains("/v1/alertmanager"), "{example}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, example).unwrap();
    let mut amtool = std::process::Command::new(binary("amtool", "prometheus-alertmanager"));
    amtool.arg("check-config").arg(&config);
    run_tool(amtool, "Alertmanager refuses the route in docs/api.md");
}

/// A live step takes seconds (firing about 17 s after the errors start); a minute is a
/// failure, not slowness.
const LIVE_STEP: Duration = Duration::from_secs(60);

/// The sum of one of Alertmanager's own counters over its webhook series.
async fn webhook_counter(client: &Client, alertmanager: &Alertmanager, name: &str) -> Option<f64> {
    let text = client
        .get(format!("{}/metrics", alertmanager.url()))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let prefix = format!("{name}{{");
    Some(
        text.lines()
            .filter(|line| line.starts_with(&prefix) && line.contains(r#"integration="webhook""#))
            .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum(),
    )
}

#[tokio::test]
async fn live_a_real_rule_opens_one_incident_through_alertmanager_and_its_end_is_recorded() {
    let server = TestServer::with_tokens(TOKENS);
    let webhook = server.url("/v1/alertmanager");
    let alertmanager = Alertmanager::start_with(AlertmanagerSetup {
        group_interval: "2s",
        // Below the group interval: every flush of the group repeats the notification.
        repeat_interval: "1s",
        bearer_token: Some("responder-token"),
        ..AlertmanagerSetup::new(&webhook)
    });
    let (exporter, _prometheus) = alerting_prometheus(&alertmanager);
    let client = support::http::client();
    let read = |path: &str| {
        client
            .get(server.url(path))
            .bearer_auth("viewer-token")
            .send()
    };
    exporter.raise_errors();
    let raised = Utc::now();

    let incident = eventually("a triggered incident", LIVE_STEP, async || {
        let incidents: Value = read("/v1/incidents").await.ok()?.json().await.ok()?;
        incidents.as_array()?.first().cloned()
    })
    .await;
    assert_eq!(incident["id"], "INC-1");
    assert_eq!(incident["status"], "triggered");
    assert_eq!(incident["title"], "5xx ratio above 5% on /pay");
    assert_eq!(incident["severity"], "P0");
    assert_eq!(incident["service"], "live");
    assert_eq!(incident["declared_by"], "alertmanager");
    assert_eq!(incident["alert_group"], GROUP);
    let alert = &incident["alerts"][0]["alert"];
    assert_eq!(alert["name"], "HighErrorRatio");
    assert_eq!(alert["labels"]["endpoint"], "/pay");
    // The fingerprint warroom derives when a sender leaves it out is Alertmanager's own.
    let labels: std::collections::BTreeMap<String, String> =
        serde_json::from_value(alert["labels"].clone()).unwrap();
    assert_eq!(
        alert["fingerprint"],
        warroom::domain::label_fingerprint(&labels)
    );
    let detected = time(&incident["detected_at"]);
    assert_eq!(
        detected,
        time(&alert["starts_at"]),
        "detected when it fired"
    );
    assert!(
        detected > raised,
        "{detected} is before the errors ({raised})"
    );

    // More notifications of the group reach the backend and change nothing.
    eventually("a second notification", LIVE_STEP, async || {
        let sent = webhook_counter(&client, &alertmanager, "alertmanager_notifications_total");
        (sent.await? >= 2.0).then_some(())
    })
    .await;
    let incidents: Value = read("/v1/incidents").await.unwrap().json().await.unwrap();
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "{incidents}");
    assert_eq!(incidents[0]["version"], incident["version"]);

    exporter.stop_errors();
    let ended = eventually("the resolution on the timeline", LIVE_STEP, async || {
        let events: Value = read("/v1/incidents/INC-1/events")
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        events
            .as_array()?
            .iter()
            .find(|event| event["kind"]["type"] == "alert_resolved")
            .cloned()
    })
    .await;
    assert_eq!(ended["actor"], "alertmanager");
    assert!(time(&ended["kind"]["ended_at"]) > detected, "{ended}");
    let failed = webhook_counter(
        &client,
        &alertmanager,
        "alertmanager_notifications_failed_total",
    )
    .await;
    assert_eq!(
        failed,
        Some(0.0),
        "Alertmanager saw the backend refuse a notification"
    );
    let incidents: Value = read("/v1/incidents").await.unwrap().json().await.unwrap();
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "{incidents}");
}

#[tokio::test]
async fn a_group_firing_again_after_the_close_links_the_earlier_incident() {
    let server = TestServer::open();
    let client = support::http::client();
    let page = notification(GROUP, vec![firing("a", minutes_ago(30))]);
    assert_received(&post(&client, &server, &page).await, "INC-1", true, 1, 0);
    let first = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(first["recurs"], json!([]), "nothing happened before it");
    for to in ["resolved", "closed"] {
        transition(&client, &server, "INC-1", to).await;
    }
    let again = notification(GROUP, vec![firing("a", minutes_ago(5))]);
    assert_received(&post(&client, &server, &again).await, "INC-2", true, 1, 0);
    let second = get(&client, &server, "/v1/incidents/INC-2").await;
    assert_eq!(second["recurs"][0]["incident"], "INC-1");
    let events = get(&client, &server, "/v1/incidents/INC-2/events").await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["declared", "alert_attached", "recurrence_linked"],
        "the link is recorded once the alert is attached"
    );
}
