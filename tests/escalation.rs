//! The escalation clock with a clock the test sets: a P0 with a vacant commander records
//! exactly one lapse and one notification; a commander assigned later ends it; an overdue
//! internal update is a lapse of its own.

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use support::http::send;
use support::receiver::Receiver;
use warroom::config::Config;
use warroom::domain::SeverityScale;
use warroom::server::{Communicate, ServeOptions};
use warroom::store::Location;

async fn lapses(client: &Client, base: &str) -> Vec<Value> {
    let events = send(client.get(format!("{base}/v1/events?limit=1000")))
        .await
        .json;
    events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"]["type"] == "lapsed")
        .cloned()
        .collect()
}

/// Lets the clock look several times (it looks every 20 ms here).
async fn ticks() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vacant_commander_on_a_p0_is_one_lapse_and_one_notification() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    let text = format!(
        r#"
[[notify]]
kind = "webhook"
url = "{}"
secret = "k"
events = ["lapsed"]

[escalation]
commander_grace = "5m"
check_every = "1s"
"#,
        receiver.url()
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let scale = SeverityScale::default();
    let mut communicate = Communicate::from_config(&config, &scale).unwrap();
    // Looks faster than a config can ask for (whole seconds), to keep the test short.
    communicate.escalation.check_every = Duration::from_millis(20);
    let start = chrono::Utc::now();
    let offset = Arc::new(AtomicI64::new(0));
    communicate.escalation.clock = {
        let offset = offset.clone();
        Arc::new(move || start + chrono::Duration::seconds(offset.load(Ordering::SeqCst)))
    };
    let dir = tempfile::tempdir().unwrap();
    let server = warroom::server::start(ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        // The store under test (`WARROOM_TEST_STORE`): the lapses and their notifications
        // are committed the same way on both.
        db: match support::server::StoreKind::under_test() {
            support::server::StoreKind::Sqlite => {
                Location::Sqlite(dir.path().join("escalation.db"))
            }
            support::server::StoreKind::Postgres => Location::Postgres(
                tokio::task::spawn_blocking(support::postgres::database)
                    .await
                    .unwrap(),
            ),
        },
        tokens: None,
        scale,
        alert_severity: Default::default(),
        alert_routing: Default::default(),
        recent_events: warroom::server::DEFAULT_RECENT_EVENTS,
        keep_ended: warroom::server::DEFAULT_KEEP_ENDED,
        communicate,
        allowed_origins: Vec::new(),
        limits: warroom::server::Limits::default(),
        bounds: Default::default(),
    })
    .await
    .unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new();
    for (title, severity) in [("everything down", "P0"), ("a typo on a page", "P2")] {
        let declared = send(
            client
                .post(format!("{base}/v1/incidents"))
                .json(&json!({"title": title, "severity": severity})),
        )
        .await;
        assert_eq!(declared.status, 201);
    }

    // Within the grace: nothing.
    offset.store(4 * 60, Ordering::SeqCst);
    ticks().await;
    assert!(lapses(&client, &base).await.is_empty());

    // Past it: one lapse on the P0, however often the clock looks; none on the P2.
    offset.store(6 * 60, Ordering::SeqCst);
    ticks().await;
    ticks().await;
    let recorded = lapses(&client, &base).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["incident"], "INC-1");
    assert_eq!(recorded[0]["actor"], "warroom");
    assert_eq!(recorded[0]["kind"]["lapse"], "commander_vacant");
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1, "one notification");
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["event"]["kind"]["lapse"], "commander_vacant");

    // A commander ends it: later looks record nothing more of that kind.
    let assigned = send(
        client
            .post(format!("{base}/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "assign_role", "role": "commander", "person": "carol"})),
    )
    .await;
    assert_eq!(assigned.status, 200);
    offset.store(12 * 60, Ordering::SeqCst);
    ticks().await;
    assert_eq!(lapses(&client, &base).await.len(), 1);

    // The P0's internal update (every 15 minutes) becomes overdue: a lapse of its own, once.
    offset.store(16 * 60, Ordering::SeqCst);
    ticks().await;
    ticks().await;
    let recorded = lapses(&client, &base).await;
    let kinds: Vec<_> = recorded
        .iter()
        .map(|e| e["kind"]["lapse"].clone())
        .collect();
    assert_eq!(
        kinds,
        [json!("commander_vacant"), json!("internal_update_overdue")]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.seen().len(), 2);
    server.shutdown().await.unwrap();
}
