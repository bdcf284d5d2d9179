//! The escalation clock with a clock the test sets: a P0 with a vacant commander records
//! exactly one lapse and one notification; a commander assigned later ends it; an overdue
//! internal update is a lapse of its own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use support::eventually::eventually;
use support::http::send;
use support::receiver::Receiver;
use warroom::config::Config;
use warroom::domain::SeverityScale;
use warroom::server::clock::Clock;
use warroom::server::{Communicate, ServeOptions};
use warroom::store::Location;

/// The events of one type on the global feed.
async fn of_type(client: &Client, base: &str, kind: &str) -> Vec<Value> {
    let events = send(client.get(format!("{base}/v1/events?limit=1000")))
        .await
        .json;
    events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"]["type"] == kind)
        .cloned()
        .collect()
}

async fn lapses(client: &Client, base: &str) -> Vec<Value> {
    of_type(client, base, "lapsed").await
}

/// What the receiver has seen, once it has seen at least `count` notifications.
async fn delivered(receiver: &Receiver, count: usize) -> Vec<support::receiver::Received> {
    eventually("the notifications", Duration::from_secs(10), async || {
        let seen = receiver.seen();
        (seen.len() >= count).then_some(seen)
    })
    .await
}

/// Lets the escalation clock look a few more times (every 20 ms here) at the time the test
/// set: waits until the server has read its clock (`reads`) eight more times, not a fixed
/// time. Each look reads it once and the writer once more for its batch; the test sends
/// nothing meanwhile, so eight reads are at least three looks done.
async fn ticks(reads: &AtomicU64) {
    let seen = reads.load(Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while reads.load(Ordering::SeqCst) < seen + 8 {
        assert!(
            std::time::Instant::now() < deadline,
            "the clock stopped looking"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A server on the store under test (`WARROOM_TEST_STORE`: the escalation's events and
/// their notifications are committed the same way on both) with this config, whose clock is
/// the test's: `start` plus the seconds in `offset`, counting its reads in `reads`.
struct Clocked {
    server: warroom::server::RunningServer,
    base: String,
    offset: Arc<AtomicI64>,
    reads: Arc<AtomicU64>,
    _dir: tempfile::TempDir,
}

impl Clocked {
    async fn start(config: &str) -> Clocked {
        let config = Config::parse(config, "test.toml").unwrap();
        let scale = SeverityScale::default();
        let mut communicate = Communicate::from_config(&config, &scale).unwrap();
        // Looks faster than a config can ask for (whole seconds), to keep the test short.
        communicate.escalation.check_every = Duration::from_millis(20);
        let start = chrono::Utc::now();
        let offset = Arc::new(AtomicI64::new(0));
        // The server's clock: it moves when the test moves it.
        let reads = Arc::new(AtomicU64::new(0));
        let clock = {
            let (offset, reads) = (offset.clone(), reads.clone());
            Clock::reading(move || {
                reads.fetch_add(1, Ordering::SeqCst);
                start + chrono::Duration::seconds(offset.load(Ordering::SeqCst))
            })
        };
        let dir = tempfile::tempdir().unwrap();
        let db = match support::server::StoreKind::under_test() {
            support::server::StoreKind::Sqlite => {
                Location::Sqlite(dir.path().join("escalation.db"))
            }
            support::server::StoreKind::Postgres => Location::Postgres(
                tokio::task::spawn_blocking(support::postgres::database)
                    .await
                    .unwrap(),
            ),
        };
        let server = warroom::server::start(ServeOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            db,
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
            clock,
        })
        .await
        .unwrap();
        let base = format!("http://{}", server.local_addr());
        Clocked {
            server,
            base,
            offset,
            reads,
            _dir: dir,
        }
    }

    /// Sets the server's clock `seconds` after the start and lets it look a few times.
    async fn at(&self, seconds: i64) {
        self.offset.store(seconds, Ordering::SeqCst);
        ticks(&self.reads).await;
    }
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
    let clocked = Clocked::start(&text).await;
    let (base, offset, reads) = (
        clocked.base.clone(),
        clocked.offset.clone(),
        clocked.reads.clone(),
    );
    let client = support::http::client();
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
    ticks(&reads).await;
    assert!(lapses(&client, &base).await.is_empty());

    // Past it: one lapse on the P0, however often the clock looks; none on the P2.
    offset.store(6 * 60, Ordering::SeqCst);
    ticks(&reads).await;
    ticks(&reads).await;
    let recorded = lapses(&client, &base).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["incident"], "INC-1");
    assert_eq!(recorded[0]["actor"], "warroom");
    assert_eq!(recorded[0]["kind"]["lapse"], "commander_vacant");
    let seen = delivered(&receiver, 1).await;
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
    ticks(&reads).await;
    assert_eq!(lapses(&client, &base).await.len(), 1);

    // The P0's internal update (every 15 minutes) becomes overdue: a lapse of its own, once.
    offset.store(16 * 60, Ordering::SeqCst);
    ticks(&reads).await;
    ticks(&reads).await;
    let recorded = lapses(&client, &base).await;
    let kinds: Vec<_> = recorded
        .iter()
        .map(|e| e["kind"]["lapse"].clone())
        .collect();
    assert_eq!(
        kinds,
        [json!("commander_vacant"), json!("internal_update_overdue")]
    );
    assert_eq!(delivered(&receiver, 2).await.len(), 2);
    clocked.server.shutdown().await.unwrap();
}

/// The `escalated` events on the global feed, as (round, step, targets).
async fn escalations(client: &Client, base: &str) -> Vec<(u64, u64, Value)> {
    let step = |e: &Value| {
        let kind = &e["kind"];
        let number = |field: &str| kind[field].as_u64().unwrap();
        (number("round"), number("step"), kind["notify"].clone())
    };
    of_type(client, base, "escalated")
        .await
        .iter()
        .map(step)
        .collect()
}

/// A page nobody answers: the policy's steps go out in order, each to its target (the chat
/// one led by its mention), run again for `repeat`, and stop at the acknowledgement, which
/// makes the acknowledger commander.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_steps_in_order_with_its_mentions_repeats_and_stops_at_the_acknowledgement() {
    let (mut chat, mut pager) = (Receiver::down(), Receiver::down());
    chat.up().await;
    pager.up().await;
    let text = format!(
        r#"
[[notify]]
name = "ops-slack"
kind = "slack"
url = "{}"
events = []

[[notify]]
name = "pager"
kind = "webhook"
url = "{}"
secret = "k"
events = []

[escalation]
commander_grace = "1h"

[[escalation.policy]]
severities = ["P0", "P1"]
repeat = 1
[[escalation.policy.step]]
after = "20s"
notify = ["ops-slack"]
mention = "<!here>"
[[escalation.policy.step]]
after = "50s"
notify = ["pager"]
"#,
        chat.url(),
        pager.url()
    );
    let clocked = Clocked::start(&text).await;
    let (client, base) = (support::http::client(), clocked.base.clone());
    // A P0 page: triggered, nobody commands.
    let page = json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"CheckoutDown\"}",
        "status": "firing",
        "groupLabels": {"alertname": "CheckoutDown"},
        "commonLabels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "CheckoutDown", "service": "checkout", "severity": "critical"},
            "startsAt": chrono::Utc::now(),
            "fingerprint": "f1",
        }],
    });
    let paged = send(client.post(format!("{base}/v1/alertmanager")).json(&page)).await;
    assert_eq!(paged.json["incident"], "INC-1", "{}", paged.text);

    // The page was declared on the test's clock, at `start`: each step falls due on the second.
    clocked.at(19).await;
    assert!(escalations(&client, &base).await.is_empty(), "not yet");
    clocked.at(20).await;
    clocked.at(21).await;
    let pager_targets = json!(["pager"]);
    let chat_targets = json!(["ops-slack"]);
    assert_eq!(
        escalations(&client, &base).await,
        [(1, 1, chat_targets.clone())],
        "the first step, once"
    );
    clocked.at(50).await;
    // The second round starts when the first one's last step was due: 50 + 20 s.
    clocked.at(69).await;
    assert_eq!(escalations(&client, &base).await.len(), 2, "not yet");
    clocked.at(70).await;
    assert_eq!(
        escalations(&client, &base).await,
        [
            (1, 1, chat_targets.clone()),
            (1, 2, pager_targets.clone()),
            (2, 1, chat_targets.clone()),
        ]
    );
    // Acknowledged: carol commands, and nothing more goes out, however late it gets.
    let ack = send(
        client
            .post(format!("{base}/v1/incidents/INC-1/commands"))
            .header("X-Warroom-Actor", "carol")
            .json(&json!({"type": "transition", "to": "acknowledged"})),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    assert_eq!(ack.json["events"][0]["kind"]["commander"], "carol");
    clocked.at(500).await;
    clocked.at(1000).await;
    assert_eq!(escalations(&client, &base).await.len(), 3);
    let incident = send(client.get(format!("{base}/v1/incidents/INC-1")))
        .await
        .json;
    assert_eq!(incident["roles"]["commander"], "carol");

    // The chat got both of its steps, each led by the mention as it is; the pager its one,
    // signed like every webhook delivery. Nothing else (the targets' filters are empty).
    let delivered = |receiver: &Receiver| {
        receiver
            .seen()
            .into_iter()
            .filter(|r| r.answered == 200)
            .count()
    };
    support::eventually::eventually("the deliveries", Duration::from_secs(10), async || {
        (delivered(&chat) == 2 && delivered(&pager) == 1).then_some(())
    })
    .await;
    for seen in chat.seen() {
        let body: Value = serde_json::from_slice(&seen.body).unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with("<!here> [P0] INC-1 "), "{text}");
        assert!(
            text.contains("escalated to ops-slack (step 1 of 2, round"),
            "{text}"
        );
    }
    let body: Value = serde_json::from_slice(&pager.seen()[0].body).unwrap();
    assert_eq!(body["event"]["kind"]["type"], "escalated");
    assert_eq!(body["event"]["kind"]["step"], 2);
    assert!(pager.seen()[0].headers.contains_key("x-warroom-signature"));
    clocked.server.shutdown().await.unwrap();
}
