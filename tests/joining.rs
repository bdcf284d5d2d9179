//! A page for a service that already has an open incident joins it, through a real
//! Alertmanager 0.25 posting to the real `warroom serve`: the test posts alerts to
//! Alertmanager's own API, Alertmanager groups them and notifies the backend, and the
//! commander's desk (the real binary in tmux) shows the banner. Without Alertmanager or tmux
//! installed the test fails; it never skips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::time::Duration;
use support::eventually::eventually;
use support::http::send;
use support::promstack::Alertmanager;
use support::server::TestServer;
use support::tmux::{Tmux, scratch_home};

/// Carol's desk in tmux, 120x40, on `server`.
fn desk(server: &TestServer) -> Tmux {
    let home = scratch_home(server.dir(), "desk").display().to_string();
    let env = [
        ("WARROOM_BACKEND", server.base()),
        ("WARROOM_ACTOR", "carol"),
        ("HOME", home.as_str()),
        ("XDG_CONFIG_HOME", home.as_str()),
        ("XDG_DATA_HOME", home.as_str()),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm-256color"),
    ];
    Tmux::start(
        "desk",
        (120, 40),
        std::path::Path::new(env!("CARGO_BIN_EXE_warroom")),
        &[],
        &env,
        &server.dir().join("desk.stderr"),
    )
}

/// Hands an alert of `service` to Alertmanager, as Prometheus would.
async fn fire(client: &Client, alertmanager: &Alertmanager, name: &str, service: &str) {
    let alert = json!([{
        "labels": {"alertname": name, "service": service, "severity": "warning"},
        "annotations": {"summary": format!("{service}: {name}")},
        "startsAt": chrono::Utc::now() - chrono::Duration::seconds(30),
        "generatorURL": "http://prometheus.example/graph",
    }]);
    let answer = send(
        client
            .post(format!("{}/api/v2/alerts", alertmanager.url()))
            .json(&alert),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn incidents(client: &Client, server: &TestServer) -> Vec<Value> {
    let answer = send(client.get(server.url("/v1/incidents"))).await;
    answer.json.as_array().cloned().unwrap_or_default()
}

async fn events(client: &Client, server: &TestServer, id: &str) -> Vec<Value> {
    let answer = send(client.get(server.url(&format!("/v1/incidents/{id}/events")))).await;
    answer.json.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_for_a_service_with_an_open_incident_joins_it_and_another_service_opens_its_own() {
    let server = TestServer::open();
    let client = support::http::client();
    let alertmanager = Alertmanager::start(&server.url("/v1/alertmanager"));
    let declared = send(
        client
            .post(server.url("/v1/incidents"))
            .header("X-Warroom-Actor", "carol")
            .json(&json!({"title": "checkout is down", "severity": "P1", "service": "checkout"})),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let desk = desk(&server);
    desk.wait_for_text("checkout is down");

    fire(&client, &alertmanager, "CheckoutErrors", "checkout").await;
    let joined = eventually(
        "the page to join INC-1",
        Duration::from_secs(30),
        async || {
            let events = events(&client, &server, "INC-1").await;
            events
                .iter()
                .find(|e| e["kind"]["type"] == "alert_joined")
                .cloned()
        },
    )
    .await;
    assert_eq!(joined["actor"], "alertmanager");
    assert_eq!(joined["kind"]["matched"], json!({"service": "checkout"}));
    assert_eq!(joined["kind"]["title"], "checkout: CheckoutErrors");
    let incident = send(client.get(server.url("/v1/incidents/INC-1")))
        .await
        .json;
    assert_eq!(incident["alerts"][0]["alert"]["name"], "CheckoutErrors");
    assert_eq!(
        incidents(&client, &server).await.len(),
        1,
        "no new incident"
    );

    // Another service: an incident of its own, triggered.
    fire(&client, &alertmanager, "SearchErrors", "search").await;
    let opened = eventually(
        "the search page to open INC-2",
        Duration::from_secs(30),
        async || {
            incidents(&client, &server)
                .await
                .into_iter()
                .find(|incident| incident["id"] == "INC-2")
        },
    )
    .await;
    assert_eq!(opened["service"], "search");
    assert_eq!(opened["status"], "triggered");
    assert!(
        !events(&client, &server, "INC-1")
            .await
            .iter()
            .any(|e| e["kind"]["alert"]["name"] == "SearchErrors"),
        "the search page stays out of the checkout incident"
    );
}
