//! Paging systems: the `pagerduty` and `opsgenie` notify kinds, sent by the real binary to a
//! local receiver standing in for the vendor (its SaaS is not reachable here). Each request
//! is checked against the vendor's published schema, written down below: required fields,
//! types, enums and length limits, and no field the schema does not know.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::{DateTime, Duration as Span, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use std::time::Duration;
use support::eventually::eventually;
use support::http::send;
use support::receiver::{Mode, Received, Receiver};
use support::server::{StoreKind, TestServer};

const ROUTING_KEY: &str = "R0UTINGKEY0000000000000000000042";
const API_KEY: &str = "eb243592-faa2-4ba2-a551-1afdf565c889";

/// A field's type in a vendor's schema.
#[derive(Debug, Clone, Copy)]
enum Ty {
    /// A string of at most this many characters.
    Text(usize),
    OneOf(&'static [&'static str]),
    /// An ISO 8601 time.
    Time,
    Object,
    /// An object whose values are all strings (Opsgenie's `details`).
    TextMap,
    TextList,
    List,
}

struct Field {
    name: &'static str,
    ty: Ty,
    required: bool,
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// Fails unless `value` is an object with every required field, no unknown one, and each of
/// the schema's type.
#[track_caller]
fn conforms(value: &Value, schema: &[Field], what: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {value}"));
    for field in schema.iter().filter(|f| f.required) {
        assert!(
            object.contains_key(field.name),
            "{what}: '{}' is required: {value}",
            field.name
        );
    }
    for (name, field_value) in object {
        let field = schema
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{what}: '{name}' is not in the schema: {value}"));
        let ok = match field.ty {
            Ty::Text(max) => field_value
                .as_str()
                .is_some_and(|s| !s.is_empty() && s.chars().count() <= max),
            Ty::OneOf(allowed) => field_value.as_str().is_some_and(|s| allowed.contains(&s)),
            Ty::Time => field_value
                .as_str()
                .is_some_and(|s| s.parse::<DateTime<Utc>>().is_ok()),
            Ty::Object => field_value.is_object(),
            Ty::TextMap => field_value
                .as_object()
                .is_some_and(|map| map.values().all(Value::is_string)),
            Ty::TextList => field_value
                .as_array()
                .is_some_and(|list| list.iter().all(Value::is_string)),
            Ty::List => field_value.is_array(),
        };
        assert!(ok, "{what}: '{name}' is not {:?}: {field_value}", field.ty);
    }
}

/// PagerDuty Events API v2, `POST /v2/enqueue` (developer.pagerduty.com, "Send an Alert
/// Event" / "Acknowledge and Resolve Alerts").
const PD_EVENT: &[Field] = &[
    req("routing_key", Ty::Text(32)),
    req(
        "event_action",
        Ty::OneOf(&["trigger", "acknowledge", "resolve"]),
    ),
    opt("dedup_key", Ty::Text(255)),
    opt("payload", Ty::Object),
    opt("client", Ty::Text(1024)),
    opt("client_url", Ty::Text(1024)),
    opt("links", Ty::List),
    opt("images", Ty::List),
];
const PD_PAYLOAD: &[Field] = &[
    req("summary", Ty::Text(1024)),
    req("source", Ty::Text(1024)),
    req(
        "severity",
        Ty::OneOf(&["critical", "error", "warning", "info"]),
    ),
    opt("timestamp", Ty::Time),
    opt("component", Ty::Text(1024)),
    opt("group", Ty::Text(1024)),
    opt("class", Ty::Text(1024)),
    opt("custom_details", Ty::Object),
];

/// Opsgenie Alert API, "Create Alert" (`POST /v2/alerts`).
const OG_CREATE: &[Field] = &[
    req("message", Ty::Text(130)),
    opt("alias", Ty::Text(512)),
    opt("description", Ty::Text(15_000)),
    opt("responders", Ty::List),
    opt("visibleTo", Ty::List),
    opt("actions", Ty::TextList),
    opt("tags", Ty::TextList),
    opt("details", Ty::TextMap),
    opt("entity", Ty::Text(512)),
    opt("source", Ty::Text(100)),
    opt("priority", Ty::OneOf(&["P1", "P2", "P3", "P4", "P5"])),
    opt("user", Ty::Text(100)),
    opt("note", Ty::Text(25_000)),
];
/// Opsgenie Alert API, "Acknowledge Alert" and "Close Alert" share this body.
const OG_ACTION: &[Field] = &[
    opt("user", Ty::Text(100)),
    opt("source", Ty::Text(100)),
    opt("note", Ty::Text(25_000)),
];

/// A version 4 Alertmanager notification that opens a triggered incident for `checkout`
/// (severity `critical` maps to the scale's top level, P0) titled `summary`.
fn page(summary: &str) -> Value {
    let started = Utc::now() - Span::minutes(3);
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"HighErrorRatio\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": "HighErrorRatio"},
        "commonLabels": {"alertname": "HighErrorRatio", "service": "checkout", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "HighErrorRatio", "service": "checkout", "severity": "critical"},
            "annotations": {"summary": summary},
            "startsAt": started,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": "a",
        }],
    })
}

async fn post(client: &Client, server: &TestServer, path: &str, body: Value) -> Value {
    let answer = send(
        client
            .post(server.url(path))
            .header("x-warroom-actor", "carol")
            .json(&body),
    )
    .await;
    assert!(
        answer.status == 200 || answer.status == 201,
        "{path}: {} {}",
        answer.status,
        answer.text
    );
    answer.json
}

async fn transition(client: &Client, server: &TestServer, to: &str) {
    let body = json!({"type": "transition", "to": to});
    post(client, server, "/v1/incidents/INC-1/commands", body).await;
}

/// The requests the receiver answered with success, once there are `count`.
async fn delivered(receiver: &Receiver, count: usize) -> Vec<Received> {
    eventually(
        &format!("{count} deliveries"),
        Duration::from_secs(20),
        async || {
            let ok: Vec<Received> = receiver
                .seen()
                .into_iter()
                .filter(|r| r.answered == 200)
                .collect();
            (ok.len() >= count).then_some(ok)
        },
    )
    .await
}

/// Waits until the outbox has nothing left to send (every delivery delivered or dead). The
/// outbox is written with the events it carries, so by then whatever the server meant to
/// send, an extra page included, has reached the receiver.
async fn settled(client: &Client, server: &TestServer) {
    eventually("the outbox settled", Duration::from_secs(20), async || {
        let log = send(client.get(server.url("/v1/notifications?limit=1000"))).await;
        let deliveries = log.json.as_array().unwrap().clone();
        deliveries
            .iter()
            .all(|delivery| delivery["state"] != "pending")
            .then_some(())
    })
    .await;
}

fn json_of(received: &Received) -> Value {
    serde_json::from_slice(&received.body).unwrap()
}

/// Neither the server's log nor (on SQLite) its database holds the secret.
fn assert_secret_kept(server: &TestServer, secret: &str) {
    assert!(!server.log().contains(secret), "the log holds the secret");
    if server.store() == StoreKind::Sqlite {
        let mut stored = std::fs::read(server.db_path()).unwrap();
        let wal = format!("{}-wal", server.db_path().display());
        stored.extend(std::fs::read(wal).unwrap_or_default());
        let needle = secret.as_bytes();
        assert!(
            !stored.windows(needle.len()).any(|w| w == needle),
            "the database holds the secret"
        );
    }
}

/// A page triggers, an acknowledgement acknowledges and the resolve resolves one PagerDuty
/// alert (one `dedup_key`), each event valid by the v2 schema; the receiver failing at
/// first only delays the trigger, which is retried like any delivery, in order.
#[tokio::test]
async fn pagerduty_hears_trigger_acknowledge_resolve_under_one_dedup_key() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    receiver.set(Mode::Fail);
    let config = format!(
        r#"
[[notify]]
name = "pager"
kind = "pagerduty"
url = "{}"
routing_key = "{ROUTING_KEY}"
source = "warroom-eu"

[notify_delivery]
timeout = "1s"
max_retry_interval = "1s"
give_up_after = "1h"
"#,
        receiver.url()
    );
    let server = TestServer::with_config(None, &config, &[]);
    let client = support::http::client();

    post(
        &client,
        &server,
        "/v1/alertmanager",
        page("5xx above 5% on /pay"),
    )
    .await;
    eventually("two failed attempts", Duration::from_secs(20), async || {
        (receiver.seen().iter().filter(|r| r.answered == 500).count() >= 2).then_some(())
    })
    .await;
    receiver.set(Mode::Ok);
    let note = json!({"type": "add_note", "text": "looking"});
    post(&client, &server, "/v1/incidents/INC-1/commands", note).await;
    transition(&client, &server, "acknowledged").await;
    transition(&client, &server, "resolved").await;
    transition(&client, &server, "closed").await;

    delivered(&receiver, 3).await;
    // Anything extra (the note, the close) has arrived once the outbox settled.
    settled(&client, &server).await;
    let sent: Vec<Value> = receiver
        .seen()
        .iter()
        .filter(|r| r.answered == 200)
        .map(json_of)
        .collect();
    assert_eq!(sent.len(), 3, "only the lifecycle pages: {sent:#?}");
    for (event, received) in sent.iter().zip(receiver.seen()) {
        conforms(event, PD_EVENT, "PagerDuty event");
        assert_eq!(event["routing_key"], ROUTING_KEY);
        assert_eq!(received.path, "/hook");
        assert_eq!(
            received.headers["content-type"], "application/json",
            "{event}"
        );
    }
    let actions: Vec<&str> = sent
        .iter()
        .map(|e| e["event_action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["trigger", "acknowledge", "resolve"]);
    let key = sent[0]["dedup_key"].as_str().unwrap();
    assert_eq!(
        key, "warroom-eu:INC-1",
        "the configured source, then the incident"
    );
    assert!(
        sent.iter().all(|e| e["dedup_key"] == key),
        "one dedup_key: {sent:#?}"
    );

    let trigger = &sent[0]["payload"];
    conforms(trigger, PD_PAYLOAD, "PagerDuty payload");
    assert_eq!(trigger["severity"], "critical", "P0 is critical");
    assert_eq!(trigger["source"], "warroom-eu");
    assert_eq!(trigger["component"], "checkout");
    assert_eq!(trigger["summary"], "[P0] INC-1 5xx above 5% on /pay");
    for later in &sent[1..] {
        assert!(later.get("payload").is_none(), "{later}");
    }
    // The failed attempts carried the same event: a retry, not a new one.
    let failed = receiver
        .seen()
        .into_iter()
        .find(|r| r.answered == 500)
        .unwrap();
    assert_eq!(json_of(&failed), sent[0]);
    assert_secret_kept(&server, ROUTING_KEY);
}

/// Opsgenie gets a create (its schema's fields, priority P1 for P0, the message cut to 130
/// characters), then an acknowledge and a close of the same alias at their own URLs, each
/// with the `GenieKey` header.
#[tokio::test]
async fn opsgenie_creates_acknowledges_and_closes_one_alert_by_alias() {
    let mut receiver = Receiver::down();
    receiver.up().await;
    let config = format!(
        r#"
[[notify]]
name = "genie"
kind = "opsgenie"
url = "{}"
api_key = "{API_KEY}"
"#,
        receiver.url()
    );
    let server = TestServer::with_config(None, &config, &[]);
    let client = support::http::client();

    let title = format!("Checkout 5xx above 5% {}", "on every endpoint ".repeat(10));
    post(&client, &server, "/v1/alertmanager", page(&title)).await;
    transition(&client, &server, "acknowledged").await;
    post(
        &client,
        &server,
        "/v1/incidents/INC-1/commands",
        json!({"type": "add_note", "text": "rolling back"}),
    )
    .await;
    transition(&client, &server, "cancelled").await;

    let sent = delivered(&receiver, 3).await;
    settled(&client, &server).await;
    assert_eq!(receiver.seen().len(), 3, "{:#?}", receiver.seen());
    for received in &sent {
        assert_eq!(
            received.headers["authorization"],
            format!("GenieKey {API_KEY}").as_str()
        );
    }

    let create = json_of(&sent[0]);
    assert_eq!(sent[0].path, "/hook");
    conforms(&create, OG_CREATE, "Opsgenie create");
    for field in ["message", "alias", "priority", "source"] {
        assert!(create.get(field).is_some(), "{field}: {create}");
    }
    assert_eq!(create["priority"], "P1", "P0 is P1");
    assert_eq!(create["entity"], "checkout");
    let message = create["message"].as_str().unwrap();
    assert!(message.starts_with("[P0] INC-1 Checkout 5xx"), "{message}");
    assert_eq!(message.chars().count(), 130);
    let alias = create["alias"].as_str().unwrap();

    assert_eq!(
        alias, "warroom:INC-1",
        "the default source, then the incident"
    );
    for (received, action) in sent[1..].iter().zip(["acknowledge", "close"]) {
        assert_eq!(
            received.path,
            format!("/hook/warroom:INC-1/{action}?identifierType=alias")
        );
        let body = json_of(received);
        conforms(&body, OG_ACTION, action);
        assert_eq!(body["user"], "carol");
    }
    assert_secret_kept(&server, API_KEY);
}
