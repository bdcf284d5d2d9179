//! The HTTP API of `warroom serve`, against the real binary and a real SQLite file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use support::http::{Answer, send};
use support::server::{TOKENS, TestServer, warroom};

async fn declare(client: &Client, server: &TestServer, title: &str) -> Answer {
    send(
        client
            .post(server.url("/v1/incidents"))
            .json(&json!({"title": title, "severity": "P1", "service": "checkout"})),
    )
    .await
}

/// A server in open mode with one declared incident, INC-1.
async fn with_incident(title: &str) -> (TestServer, Client) {
    let server = TestServer::open();
    let client = support::http::client();
    assert_eq!(declare(&client, &server, title).await.status, 201);
    (server, client)
}

/// A request to INC-1's commands route, to add headers to.
fn commands(client: &Client, server: &TestServer) -> reqwest::RequestBuilder {
    client.post(server.url("/v1/incidents/INC-1/commands"))
}

async fn command(client: &Client, server: &TestServer, id: &str, body: Value) -> Answer {
    send(
        client
            .post(server.url(&format!("/v1/incidents/{id}/commands")))
            .json(&body),
    )
    .await
}

async fn events(client: &Client, server: &TestServer, id: &str) -> Vec<Value> {
    let answer = send(client.get(server.url(&format!("/v1/incidents/{id}/events")))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn declaring_returns_201_with_the_incident_its_location_and_a_readable_state() {
    let server = TestServer::open();
    let client = support::http::client();
    let first = declare(&client, &server, "checkout errors").await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.json["id"], "INC-1");
    assert_eq!(
        first.json["status"], "acknowledged",
        "whoever declares has taken it on"
    );
    assert_eq!(first.json["acknowledged_at"], first.json["declared_at"]);
    assert_eq!(first.json["version"], 1);
    assert_eq!(first.header("location"), Some("/v1/incidents/INC-1"));
    let second = declare(&client, &server, "search slow").await;
    assert_eq!(second.json["id"], "INC-2");
    // Seq is global across incidents: INC-2's events are 2 (declared) and 3 (the backend's
    // link to INC-1, an earlier incident of the same service).
    assert_eq!(second.json["version"], 3, "seq is global across incidents");

    let shown = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.json, first.json);
    assert_eq!(shown.header("etag"), Some("\"1\""));

    let ack = command(
        &client,
        &server,
        "INC-1",
        json!({"type": "transition", "to": "investigating"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    assert_eq!(ack.json["version"], 4);
    assert_eq!(ack.json["events"][0]["seq"], 4);
    assert_eq!(ack.json["events"][0]["kind"]["type"], "status_changed");
    let shown = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(shown.json["status"], "investigating");
    assert_eq!(shown.json["version"], 4);
    assert_eq!(shown.header("etag"), Some("\"4\""));
}

#[tokio::test]
async fn listing_is_newest_first_and_can_keep_only_open_incidents() {
    let server = TestServer::open();
    let client = support::http::client();
    for title in ["one", "two", "three"] {
        assert_eq!(declare(&client, &server, title).await.status, 201);
    }
    let cancel = command(
        &client,
        &server,
        "INC-2",
        json!({"type": "transition", "to": "cancelled"}),
    )
    .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);

    let ids = |answer: &Answer| -> Vec<String> {
        answer
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = send(client.get(server.url("/v1/incidents"))).await;
    assert_eq!(ids(&all), ["INC-3", "INC-2", "INC-1"]);
    assert_eq!(all.json[1]["status"], "cancelled");
    let open = send(client.get(server.url("/v1/incidents?open=true"))).await;
    assert_eq!(ids(&open), ["INC-3", "INC-1"]);
    let bad = send(client.get(server.url("/v1/incidents?open=maybe"))).await;
    bad.assert_error(400, "bad_request");
}

#[tokio::test]
async fn an_invalid_transition_is_422_with_the_domains_code_and_changes_nothing() {
    let (server, client) = with_incident("disk full").await;
    let answer = command(
        &client,
        &server,
        "INC-1",
        json!({"type": "transition", "to": "closed"}),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.error_code(), "invalid_transition");
    assert!(
        answer.error_message().contains("only a resolved incident"),
        "{}",
        answer.text
    );
    let severity = command(
        &client,
        &server,
        "INC-1",
        json!({"type": "set_severity", "severity": "P9"}),
    )
    .await;
    severity.assert_error(422, "unknown_severity");
    assert_eq!(events(&client, &server, "INC-1").await.len(), 1);
}

#[tokio::test]
async fn a_stale_if_match_is_409_naming_the_current_version() {
    let (server, client) = with_incident("latency").await;
    let note = |version: &str| {
        commands(&client, &server)
            .header("If-Match", version)
            .json(&json!({"type": "add_note", "text": "looking"}))
    };
    let fresh = send(note("\"1\"")).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let stale = send(note("1")).await;
    stale.assert_error(409, "version_conflict");
    assert!(
        stale.error_message().contains("version 2"),
        "{}",
        stale.text
    );
    assert_eq!(send(note("2")).await.status, 200, "a bare number works too");
    let garbage = send(note("W/\"x\"")).await;
    garbage.assert_error(400, "bad_request");
    assert_eq!(events(&client, &server, "INC-1").await.len(), 3);
}

#[tokio::test]
async fn the_same_idempotency_key_applies_once_and_answers_the_same() {
    let server = TestServer::open();
    let client = support::http::client();
    let declare_once = || {
        client
            .post(server.url("/v1/incidents"))
            .header("Idempotency-Key", "declare-1")
            .json(&json!({"title": "payments down", "severity": "P0"}))
    };
    let first = send(declare_once()).await;
    let again = send(declare_once()).await;
    assert_eq!(first.status, 201);
    assert_eq!(
        (again.status, again.text.as_str()),
        (201, first.text.as_str())
    );
    assert_eq!(again.header("location"), Some("/v1/incidents/INC-1"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let listed = send(client.get(server.url("/v1/incidents"))).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);

    let ack = |actor: &str| {
        commands(&client, &server)
            .header("Idempotency-Key", "ack-1")
            .header("X-Warroom-Actor", actor)
            .json(&json!({"type": "transition", "to": "investigating"}))
    };
    let first = send(ack("alice")).await;
    // Even with If-Match now stale, the retry returns the stored answer rather than a 409.
    let retry = send(ack("alice").header("If-Match", "1")).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        (retry.status, retry.text.as_str()),
        (200, first.text.as_str())
    );
    assert_eq!(events(&client, &server, "INC-1").await.len(), 2);

    // The same key for another request (a cancellation, another route) is refused, and
    // nothing happens: the first answer is not passed off as this one's.
    let reused = send(
        commands(&client, &server)
            .header("Idempotency-Key", "ack-1")
            .header("X-Warroom-Actor", "alice")
            .json(&json!({"type": "transition", "to": "cancelled"})),
    )
    .await;
    reused.assert_error(422, "idempotency_key_reused");
    let elsewhere = send(
        client
            .post(server.url("/v1/incidents"))
            .header("Idempotency-Key", "ack-1")
            .header("X-Warroom-Actor", "alice")
            .json(&json!({"title": "payments down", "severity": "P0"})),
    )
    .await;
    elsewhere.assert_error(422, "idempotency_key_reused");
    assert_eq!(events(&client, &server, "INC-1").await.len(), 2);
    let incident = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(incident.json["status"], "investigating");

    // A refusal is an answer too: bob's key is his own, so his move is decided (and refused).
    let bobs = send(ack("bob")).await;
    bobs.assert_error(422, "invalid_transition");
    let bobs_retry = send(ack("bob")).await;
    assert_eq!((bobs_retry.status, bobs_retry.text), (422, bobs.text));
    assert_eq!(events(&client, &server, "INC-1").await.len(), 2);

    let with_key = |key: &str| {
        commands(&client, &server)
            .header("Idempotency-Key", key)
            .json(&json!({"type": "add_note", "text": "keyed"}))
    };
    for bad in ["x".repeat(256), "two words".into()] {
        let answer = send(with_key(&bad)).await;
        answer.assert_error(400, "bad_request");
    }
    let twice = send(ack("alice").header("Idempotency-Key", "ack-2")).await;
    twice.assert_error(400, "bad_request");
    assert_eq!(events(&client, &server, "INC-1").await.len(), 2);
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_json_error() {
    let (server, client) = with_incident("api errors").await;
    let raw = |body: &'static str| {
        commands(&client, &server)
            .header("content-type", "application/json")
            .body(body)
    };
    for body in [
        "{not json",
        "",
        r#"{"type": "launch_rockets"}"#,
        r#"{"type": "add_note", "text": "hi", "colour": "red"}"#,
        r#"{"type": "transition", "to": "exploded"}"#,
    ] {
        let answer = send(raw(body)).await;
        answer.assert_error(400, "bad_request");
        assert!(!answer.error_message().is_empty());
    }
    let declare_typo = send(
        client
            .post(server.url("/v1/incidents"))
            .json(&json!({"title": "x", "severity": "P1", "sevice": "typo"})),
    )
    .await;
    assert_eq!(declare_typo.status, 400, "{}", declare_typo.text);
    for query in ["after=-1", "after=abc", "wait=soon", "limit=many"] {
        let answer = send(client.get(server.url(&format!("/v1/events?{query}")))).await;
        answer.assert_error(400, "bad_request");
    }
    assert_eq!(events(&client, &server, "INC-1").await.len(), 1);
}

#[tokio::test]
async fn unknown_incidents_and_routes_are_404_with_a_json_error() {
    let server = TestServer::open();
    let client = support::http::client();
    for path in [
        "/v1/incidents/INC-9",
        "/v1/incidents/INC-9/events",
        "/v1/incidents/not-an-id",
        "/v1/incidents/INC-0/events",
        "/v1/nothing-here",
    ] {
        let answer = send(client.get(server.url(path))).await;
        answer.assert_error(404, "not_found");
    }
    let answer = command(
        &client,
        &server,
        "INC-9",
        json!({"type": "add_note", "text": "x"}),
    )
    .await;
    answer.assert_error(404, "not_found");
    let wrong_method = send(client.delete(server.url("/v1/incidents"))).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let (server, client) = with_incident("big").await;
    let text = "x".repeat(70 * 1024);
    let answer = command(
        &client,
        &server,
        "INC-1",
        json!({"type": "add_note", "text": text}),
    )
    .await;
    answer.assert_error(413, "payload_too_large");
    // Just under the limit is read (and then refused by the domain for its length).
    let text = "x".repeat(60 * 1024);
    let answer = command(
        &client,
        &server,
        "INC-1",
        json!({"type": "add_note", "text": text}),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.error_message());
}

#[tokio::test]
async fn tokens_decide_who_may_read_and_change() {
    let server = TestServer::with_tokens(TOKENS);
    let client = support::http::client();
    let as_ = |token: &str, request: reqwest::RequestBuilder| request.bearer_auth(token);

    // No token, or a wrong one: 401 everywhere but health and the API description.
    for path in [
        "/v1/incidents",
        "/v1/events",
        "/v1/whoami",
        "/v1/severities",
    ] {
        let answer = send(client.get(server.url(path))).await;
        answer.assert_error(401, "unauthorized");
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    }
    let wrong = send(as_("guess", client.get(server.url("/v1/incidents")))).await;
    assert_eq!(wrong.status, 401);
    let anonymous_declare = declare(&client, &server, "x").await;
    assert_eq!(anonymous_declare.status, 401);
    assert_eq!(send(client.get(server.url("/healthz"))).await.status, 200);
    assert_eq!(
        send(client.get(server.url("/v1/openapi.json")))
            .await
            .status,
        200
    );

    let whoami = send(as_("commander-token", client.get(server.url("/v1/whoami")))).await;
    assert_eq!(whoami.json, json!({"person": "carol", "role": "commander"}));

    // A viewer reads but cannot change anything.
    let body = json!({"title": "queue backlog", "severity": "P2"});
    let viewer = send(as_(
        "viewer-token",
        client.post(server.url("/v1/incidents")).json(&body),
    ))
    .await;
    viewer.assert_error(403, "forbidden");
    assert!(
        viewer.error_message().contains("responder"),
        "{}",
        viewer.text
    );

    // A responder declares and adds notes, but does not drive the status.
    let declared = send(as_(
        "responder-token",
        client.post(server.url("/v1/incidents")).json(&body),
    ))
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    assert_eq!(declared.json["declared_by"], "rita");
    let post = |token: &str, body: Value| {
        as_(
            token,
            client
                .post(server.url("/v1/incidents/INC-1/commands"))
                .json(&body),
        )
    };
    let note = send(post(
        "responder-token",
        json!({"type": "add_note", "text": "draining"}),
    ))
    .await;
    assert_eq!(note.status, 200, "{}", note.text);
    let viewer_note = send(post(
        "viewer-token",
        json!({"type": "add_note", "text": "hi"}),
    ))
    .await;
    assert_eq!(viewer_note.status, 403);
    let transition = json!({"type": "transition", "to": "investigating"});
    let responder_move = send(post("responder-token", transition.clone())).await;
    responder_move.assert_error(403, "forbidden");
    assert!(
        responder_move.error_message().contains("commander"),
        "{}",
        responder_move.text
    );
    let commander_move = send(post("commander-token", transition)).await;
    assert_eq!(commander_move.status, 200, "{}", commander_move.text);

    let listed = send(as_(
        "viewer-token",
        client.get(server.url("/v1/incidents/INC-1/events")),
    ))
    .await;
    let actors: Vec<_> = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].clone())
        .collect();
    assert_eq!(actors, [json!("rita"), json!("rita"), json!("carol")]);
    assert!(
        !server.log().contains("-token"),
        "tokens must never be logged"
    );
}

#[tokio::test]
async fn no_person_may_send_the_alertmanager_receivers_commands() {
    // An alert attached to a resolved incident reopens it, so a forged one from a responder
    // would reopen it without a commander: only the Alertmanager receiver sends them.
    let server = TestServer::with_tokens(TOKENS);
    let client = support::http::client();
    let post = |token: &str, path: &str, body: Value| {
        client.post(server.url(path)).bearer_auth(token).json(&body)
    };
    let declared = send(post(
        "responder-token",
        "/v1/incidents",
        json!({"title": "checkout errors", "severity": "P1"}),
    ))
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let commands = "/v1/incidents/INC-1/commands";
    let resolved = send(post(
        "commander-token",
        commands,
        json!({"type": "transition", "to": "resolved"}),
    ))
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let before = send(
        client
            .get(server.url("/v1/incidents/INC-1"))
            .bearer_auth("viewer-token"),
    )
    .await;
    assert_eq!(before.json["status"], "resolved");

    let forged = json!({
        "type": "attach_alert",
        "alert": {
            "fingerprint": "f1",
            "name": "HighErrorRatio",
            "labels": {"service": "checkout"},
            "starts_at": "2025-01-01T10:00:00Z",
        },
    });
    let resolve = json!({
        "type": "resolve_alert",
        "fingerprint": "f1",
        "ended_at": "2025-01-01T10:30:00Z",
    });
    for token in ["responder-token", "commander-token"] {
        for body in [&forged, &resolve] {
            let refused = send(post(token, commands, body.clone())).await;
            refused.assert_error(403, "forbidden");
            assert!(
                refused.error_message().contains("Alertmanager"),
                "{}",
                refused.text
            );
        }
    }

    let after = send(
        client
            .get(server.url("/v1/incidents/INC-1"))
            .bearer_auth("viewer-token"),
    )
    .await;
    assert_eq!(after.json["status"], "resolved", "{}", after.text);
    assert_eq!(after.json["version"], before.json["version"]);
    assert_eq!(after.json["alerts"], json!([]), "{}", after.text);
}

#[tokio::test]
async fn open_mode_records_the_actor_the_client_names() {
    let server = TestServer::open();
    let client = support::http::client();
    let declared = send(
        client
            .post(server.url("/v1/incidents"))
            .header("X-Warroom-Actor", "  dana ")
            .json(&json!({"title": "dns", "severity": "P1"})),
    )
    .await;
    assert_eq!(declared.json["declared_by"], "dana");
    command(
        &client,
        &server,
        "INC-1",
        json!({"type": "add_note", "text": "nobody named"}),
    )
    .await;
    let actors: Vec<_> = events(&client, &server, "INC-1")
        .await
        .iter()
        .map(|e| e["actor"].clone())
        .collect();
    assert_eq!(actors, [json!("dana"), json!("anonymous")]);

    let whoami = send(
        client
            .get(server.url("/v1/whoami"))
            .header("X-Warroom-Actor", "erin"),
    )
    .await;
    assert_eq!(whoami.json, json!({"person": "erin", "role": "admin"}));
    let long = send(
        client
            .get(server.url("/v1/whoami"))
            .header("X-Warroom-Actor", "x".repeat(65)),
    )
    .await;
    long.assert_error(400, "bad_request");
    let tab = send(
        client
            .get(server.url("/v1/whoami"))
            .header("X-Warroom-Actor", "a\tb"),
    )
    .await;
    tab.assert_error(400, "bad_request");
}

#[tokio::test]
async fn severities_are_the_scale_of_the_backend() {
    let server = TestServer::open();
    let answer = send(support::http::client().get(server.url("/v1/severities"))).await;
    assert_eq!(
        answer.json[0],
        json!({"name": "P0", "description": "complete outage, all users", "update_every_minutes": 15})
    );
    assert_eq!(answer.json.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn every_route_in_the_openapi_document_is_served() {
    let (server, client) = with_incident("documented").await;
    let document = send(client.get(server.url("/v1/openapi.json"))).await;
    assert_eq!(document.status, 200);
    assert!(document.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document.json["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = server.url(&path.replace("{id}", "INC-1"));
            let request = match method.as_str() {
                "get" => client.get(url),
                "post" => client.post(url).body("{}"),
                other => panic!("unexpected method {other}"),
            };
            let answer = send(request).await;
            // Not the router's fallback: the route exists (a 400 for the empty body is fine).
            assert!(
                !answer.error_message().starts_with("no route") && answer.status != 405,
                "{method} {path}: {}",
                answer.text
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 19, "the v1 routes, /healthz, /readyz and /metrics");
}

#[tokio::test]
async fn metrics_count_commands_and_waiters_in_a_format_promtool_accepts() {
    let (server, client) = with_incident("measured").await;
    let note = json!({"type": "add_note", "text": "measured"});
    assert_eq!(command(&client, &server, "INC-1", note).await.status, 200);
    let log = send(client.get(server.url("/v1/events?after=0"))).await;
    let head = log.json.as_array().unwrap().len();
    let waiting = tokio::spawn(support::http::try_send(
        client.get(server.url(&format!("/v1/events?after={head}&wait=30"))),
    ));
    // On PostgreSQL the store's own NOTIFY of a commit queues a catch-up for the writer a
    // moment after the commit: the queue is read once that has drained too.
    let scrape = support::eventually::eventually(
        "the long-poll to be counted and the writer's queue empty",
        std::time::Duration::from_secs(5),
        async || {
            let answer = send(client.get(server.url("/metrics"))).await;
            (answer.text.contains("\nwarroom_longpoll_waiters 1\n")
                && answer.text.contains("\nwarroom_writer_queue_depth 0\n"))
            .then_some(answer)
        },
    )
    .await;
    assert_eq!(scrape.status, 200);
    assert!(
        scrape
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"),
        "{:?}",
        scrape.headers
    );
    for line in [
        "warroom_commands_total 2".to_string(),
        "warroom_commits_total 2".to_string(),
        "warroom_database_connected 1".to_string(),
        format!("warroom_log_head_seq {head}"),
        "warroom_notifications_pending 0".to_string(),
        "warroom_commit_seconds_count 2".to_string(),
    ] {
        assert!(
            scrape.text.contains(&format!("\n{line}\n")),
            "{line}: {}",
            scrape.text
        );
    }
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (scripts/test installs Debian's prometheus)");
    let mut stdin = promtool.stdin.take().unwrap();
    stdin.write_all(scrape.text.as_bytes()).unwrap();
    drop(stdin);
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    waiting.abort();
}

#[tokio::test]
async fn a_failed_commit_answers_500_and_changes_nothing() {
    let (server, client) = with_incident("storage").await;
    // A real failure of the store, from outside the server: a trigger that aborts the insert
    // of one particular note.
    server.break_commits_mentioning("doomed");
    let failed = send(
        commands(&client, &server)
            .header("Idempotency-Key", "doomed-1")
            .json(&json!({"type": "add_note", "text": "doomed"})),
    )
    .await;
    failed.assert_error(500, "internal");
    assert!(
        failed.error_message().contains("nothing was applied"),
        "{}",
        failed.text
    );
    let shown = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(shown.json["version"], 1);
    assert_eq!(events(&client, &server, "INC-1").await.len(), 1);

    // Once the disk is fine again, the same retry goes through, with the next seq.
    server.mend_commits();
    let retried = send(
        commands(&client, &server)
            .header("Idempotency-Key", "doomed-1")
            .json(&json!({"type": "add_note", "text": "doomed"})),
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json["version"], 2);
}

#[test]
fn open_mode_refuses_to_listen_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let output = warroom()
        .args(["serve", "--listen", "0.0.0.0:7700", "--db"])
        .arg(dir.path().join("w.db"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "refusing to listen on 0.0.0.0:7700 without --tokens: open mode is loopback only"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_broken_tokens_file_stops_startup_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(
        &tokens,
        "[[tokens]]\ntoken = \"t\"\nperson = \"p\"\nrole = \"emperor\"\n",
    )
    .unwrap();
    let output = warroom()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("w.db"))
        .arg("--tokens")
        .arg(&tokens)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:4:", tokens.display())),
        "{stderr}"
    );
    assert!(stderr.contains("emperor"), "{stderr}");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_and_the_log_reopens() {
    let mut server = TestServer::open();
    let client = support::http::client();
    declare(&client, &server, "before the stop").await;
    let pid = server.pid().unwrap() as libc::pid_t;
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}; log:\n{}", server.log());
    server.restart();
    // A fresh client: the old one's pooled connection died with the server.
    let shown = send(support::http::client().get(server.url("/v1/incidents/INC-1"))).await;
    assert_eq!(shown.json["title"], "before the stop");
}

#[tokio::test]
async fn the_library_starts_and_stops_a_server_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let options = warroom::server::ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: dir.path().join("in-process.db").into(),
        tokens: None,
        scale: warroom::domain::SeverityScale::default(),
        alert_severity: warroom::domain::AlertSeverity::default(),
        alert_routing: Default::default(),
        recent_events: warroom::server::DEFAULT_RECENT_EVENTS,
        keep_ended: warroom::server::DEFAULT_KEEP_ENDED,
        communicate: Default::default(),
        allowed_origins: Vec::new(),
        limits: warroom::server::Limits::default(),
        bounds: Default::default(),
        clock: Default::default(),
    };
    let server = warroom::server::start(options.clone()).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = support::http::client();
    let declared = send(
        client
            .post(format!("{base}/v1/incidents"))
            .json(&json!({"title": "in process", "severity": "P2"})),
    )
    .await;
    assert_eq!(declared.status, 201);
    // A long-poller must not hold the stop up.
    let waiting = tokio::spawn(support::http::try_send(
        client.get(format!("{base}/v1/events?after=1&wait=60")),
    ));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(server.stats().commits, 1);
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), server.shutdown()).await;
    stopped.expect("shutdown within 5 s").unwrap();
    let answered = waiting.await.unwrap().unwrap();
    assert_eq!((answered.status, answered.json), (200, json!([])));

    let again = warroom::server::start(options).await.unwrap();
    let base = format!("http://{}", again.local_addr());
    let shown = send(client.get(format!("{base}/v1/incidents/INC-1"))).await;
    assert_eq!(shown.json["title"], "in process");
    again.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_command_carries_the_time_the_person_acted_beside_the_servers() {
    let (server, client) = with_incident("Payments slow").await;
    let typed = "2026-11-25T13:58:07Z";
    let body =
        json!({"type": "add_note", "kind": "note", "text": "typed offline", "intended_at": typed});
    let answer = command(&client, &server, "INC-1", body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["events"][0]["intended_at"], typed);
    let plain = json!({"type": "add_note", "text": "typed online"});
    assert_eq!(command(&client, &server, "INC-1", plain).await.status, 200);
    let log = events(&client, &server, "INC-1").await;
    let offline = log
        .iter()
        .find(|e| e["kind"]["text"] == "typed offline")
        .unwrap();
    assert_eq!(offline["intended_at"], typed);
    assert_ne!(offline["at"], typed);
    let online = log
        .iter()
        .find(|e| e["kind"]["text"] == "typed online")
        .unwrap();
    assert!(online.get("intended_at").is_none(), "{online}");

    let bad = json!({"type": "add_note", "text": "x", "intended_at": "yesterday"});
    let refused = command(&client, &server, "INC-1", bad).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("intended_at"), "{}", refused.text);
    // An unknown field is still refused: only intended_at is taken off the command.
    let unknown = json!({"type": "add_note", "text": "x", "typed_at": typed});
    assert_eq!(
        command(&client, &server, "INC-1", unknown).await.status,
        400
    );
}
