//! Public updates and the public status page, against the real binary: who may publish, what
//! the page, the JSON, the feed and the Statuspage-compatible routes show, that nothing
//! internal leaks into any of them, caching, `--status-listen`, and the page in headless
//! Chromium.

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
use support::server::{TestServer, warroom};

const CONFIG: &str = r#"
[status]
title = "Example status"
components = ["api", "web", "payments"]
"#;

/// In names, titles, notes, decisions and action items: never on a public route.
const MARKER: &str = "SECRETMARKER7F3A";

async fn post(
    client: &Client,
    server: &TestServer,
    actor: &str,
    path: &str,
    body: Value,
) -> Answer {
    send(
        client
            .post(server.url(path))
            .header("x-warroom-actor", actor)
            .json(&body),
    )
    .await
}

async fn command(client: &Client, server: &TestServer, actor: &str, body: Value) -> Answer {
    post(client, server, actor, "/v1/incidents/INC-1/commands", body).await
}

fn public(state: &str, message: &str, components: Value) -> Value {
    json!({"type": "public_update", "state": state, "message": message, "components": components})
}

/// INC-1 declared by alice with the marker in every internal place; carol commands, dana is
/// the Communications Lead.
async fn incident_with_secrets(client: &Client, server: &TestServer) {
    let declared = post(
        client,
        server,
        "alice",
        "/v1/incidents",
        json!({"title": format!("pay-db-3 pool exhausted {MARKER}"), "severity": "P1",
               "service": format!("svc{MARKER}"), "summary": format!("summary {MARKER}")}),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    for body in [
        json!({"type": "assign_role", "role": "commander", "person": "carol"}),
        json!({"type": "assign_role", "role": "comms", "person": "dana"}),
        json!({"type": "assign_role", "role": "engineer", "person": format!("eve{MARKER}"), "focus": format!("focus {MARKER}")}),
        json!({"type": "add_note", "kind": "note", "text": format!("note {MARKER}")}),
        json!({"type": "add_note", "kind": "decision", "text": format!("decision {MARKER}")}),
        json!({"type": "add_note", "kind": "update", "text": format!("internal update {MARKER}")}),
        json!({"type": "add_action", "text": format!("action {MARKER}"), "owner": format!("o{MARKER}")}),
    ] {
        let answer = command(client, server, "alice", body).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
}

#[tokio::test]
async fn only_the_commander_or_the_communications_lead_publishes_and_components_are_checked() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    incident_with_secrets(&client, &server).await;
    let update = public(
        "investigating",
        "Looking into errors.",
        json!({"api": "partial_outage"}),
    );
    command(&client, &server, "alice", update.clone())
        .await
        .assert_error(403, "forbidden");
    let answer = command(&client, &server, "carol", update.clone()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["events"][0]["kind"]["type"], "public_update");
    let answer = command(&client, &server, "dana", update).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let unknown = public("identified", "x", json!({"db": "major_outage"}));
    let refused = command(&client, &server, "carol", unknown).await;
    refused.assert_error(422, "unknown_component");
    assert!(
        refused.error_message().contains("api, web, payments"),
        "{}",
        refused.text
    );
    let past = json!({"type": "public_update", "state": "identified", "message": "x",
                      "next_update_at": "2001-01-01T00:00:00Z"});
    command(&client, &server, "carol", past)
        .await
        .assert_error(422, "invalid_time");
    let bad = json!({"type": "public_update", "state": "fixed", "message": "x"});
    assert_eq!(command(&client, &server, "carol", bad).await.status, 400);
}

#[test]
fn the_cli_publishes_with_components_and_a_promise() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let run = |actor: &str, args: &[&str]| {
        warroom()
            .args(["--backend", server.base(), "--actor", actor, "incident"])
            .args(args)
            .output()
            .expect("run warroom")
    };
    let declared = run(
        "carol",
        &["declare", "--title", "errors", "--severity", "P1"],
    );
    assert!(declared.status.success(), "{declared:?}");
    let assigned = run("carol", &["role", "INC-1", "commander", "carol"]);
    assert!(assigned.status.success(), "{assigned:?}");
    let args = [
        "public",
        "INC-1",
        "--state",
        "identified",
        "--component",
        "api=partial_outage",
        "--component",
        "payments=degraded_performance",
        "--message",
        "Pool exhausted.",
        "--next",
        "30m",
        "--title",
        "Payment API errors",
        "--json",
    ];
    let published = run("carol", &args);
    assert!(published.status.success(), "{published:?}");
    let answer: Value = serde_json::from_slice(&published.stdout).unwrap();
    let kind = &answer["events"][0]["kind"];
    assert_eq!(kind["state"], "identified");
    assert_eq!(
        kind["components"],
        json!({"api": "partial_outage", "payments": "degraded_performance"})
    );
    let next =
        chrono::DateTime::parse_from_rfc3339(kind["next_update_at"].as_str().unwrap()).unwrap();
    let ahead = next.to_utc() - chrono::Utc::now();
    assert!((28..=30).contains(&ahead.num_minutes()), "{ahead}");

    let refused = run(
        "bob",
        &["public", "INC-1", "--state", "monitoring", "--message", "x"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("bob is neither"), "{stderr}");
    let bad = run(
        "carol",
        &[
            "public",
            "INC-1",
            "--state",
            "identified",
            "--component",
            "api",
            "--message",
            "x",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NAME=STATUS"));
}

#[tokio::test]
async fn the_page_shows_public_updates_only_and_nothing_internal_leaks() {
    let server = TestServer::with_config(None, CONFIG, &["--status-listen", "127.0.0.1:0"]);
    let client = support::http::client();
    incident_with_secrets(&client, &server).await;
    for (state, message, components) in [
        (
            "investigating",
            "We're seeing elevated error rates on the payment API.",
            json!({"api": "partial_outage", "payments": "degraded_performance"}),
        ),
        (
            "identified",
            "Database connection pool exhaustion. A fix is rolling out.",
            json!({"api": "partial_outage"}),
        ),
    ] {
        let mut body = public(state, message, components);
        body["title"] = json!("Payment API errors");
        body["next_update_at"] =
            json!((chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339());
        let answer = command(&client, &server, "dana", body).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    // A second incident, resolved publicly: listed under the last 7 days.
    let second = post(
        &client,
        &server,
        "carol",
        "/v1/incidents",
        json!({"title": "web slow", "severity": "P2"}),
    )
    .await;
    assert_eq!(second.status, 201);
    let path = "/v1/incidents/INC-2/commands";
    post(
        &client,
        &server,
        "carol",
        path,
        json!({"type": "assign_role", "role": "commander", "person": "carol"}),
    )
    .await;
    for state in ["investigating", "resolved"] {
        let answer = post(
            &client,
            &server,
            "carol",
            path,
            public(
                state,
                &format!("Web {state}."),
                json!({"web": "degraded_performance"}),
            ),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }

    let page = fetch_eventually(&client, &server.url("/status"), "Database connection pool").await;
    assert!(
        page.text.len() <= 30 * 1024,
        "the page is {} bytes",
        page.text.len()
    );
    assert!(!page.text.contains("<script"), "no JavaScript on the page");
    assert!(page.text.contains("prefers-color-scheme:dark"));
    assert!(page.text.contains("name=\"viewport\""));
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    // Nothing internal on any public route, on either address.
    let routes = [
        "/",
        "/status",
        "/history",
        "/status.json",
        "/status/feed.atom",
        "/api/v2/summary.json",
        "/api/v2/status.json",
        "/api/v2/components.json",
        "/api/v2/incidents.json",
        "/api/v2/incidents/unresolved.json",
        "/api/v2/scheduled-maintenances.json",
    ];
    let public_base = status_base(&server);
    for route in routes {
        for base in [server.base().to_string(), public_base.clone()] {
            let answer = send(client.get(format!("{base}{route}"))).await;
            assert_eq!(answer.status, 200, "{base}{route}");
            for secret in [
                MARKER,
                "alice",
                "carol",
                "dana",
                "pay-db-3",
                "Communications",
                "commander",
            ] {
                assert!(
                    !answer.text.contains(secret),
                    "{route} shows '{secret}':\n{}",
                    answer.text
                );
            }
        }
    }

    // Statuspage-compatible fields.
    let summary = send(client.get(server.url("/api/v2/summary.json")))
        .await
        .json;
    assert_eq!(summary["page"]["name"], "Example status");
    let statuses: Vec<(&str, &str)> = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    // A component keeps the status an update gave it until another update names it (as on
    // Statuspage): the second update names only the api.
    assert_eq!(
        statuses,
        [
            ("api", "partial_outage"),
            ("web", "operational"),
            ("payments", "degraded_performance")
        ]
    );
    let incidents = summary["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "only the unresolved one: {summary}");
    assert_eq!(incidents[0]["status"], "identified");
    assert_eq!(incidents[0]["impact"], "major");
    assert_eq!(incidents[0]["name"], "Payment API errors");
    let updates = incidents[0]["incident_updates"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["status"], "identified", "newest first");
    assert_eq!(summary["status"]["indicator"], "major");
    let unresolved = send(client.get(server.url("/api/v2/incidents/unresolved.json")))
        .await
        .json;
    // Public ids are opaque: never the internal INC-n, which would count the incidents.
    let public_id = unresolved["incidents"][0]["id"].as_str().unwrap();
    assert_eq!(public_id, incidents[0]["id"].as_str().unwrap());
    assert!(
        public_id.len() == 12 && !public_id.contains("INC"),
        "{public_id}"
    );

    let own = send(client.get(server.url("/status.json"))).await.json;
    assert_ne!(own["recent"][0]["id"].as_str(), Some(public_id));
    assert!(!own.to_string().contains("INC-"), "{own}");
    assert_eq!(own["recent"][0]["state"], "resolved");

    // The feed is XML, one entry per update.
    let feed = send(client.get(server.url("/status/feed.atom"))).await;
    let document = roxmltree::Document::parse(&feed.text).expect("the feed parses as XML");
    let entries = document
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .count();
    assert_eq!(entries, 4);

    // The public address serves nothing but the public routes.
    let api = send(client.get(format!("{public_base}/v1/incidents"))).await;
    assert_eq!(api.status, 404);
}

/// Characters XML 1.0 cannot carry (a noncharacter, a C0 and a C1 control, U+FFFF, the last
/// noncharacter of a supplementary plane) in a public update and its title: one of them used to
/// make the whole feed invalid XML, which feed readers drop. Every public document shows
/// U+FFFD in their place, the feed parses, and the text around them is kept.
#[tokio::test]
async fn text_xml_cannot_carry_is_replaced_on_every_public_document() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    incident_with_secrets(&client, &server).await;
    let message = "Errors \u{FFFE}on\u{1} api\u{85} since\u{FFFF} 14:00\u{10FFFF}.";
    let mut update = public("investigating", message, json!({"api": "partial_outage"}));
    update["title"] = json!("Payment \u{FFFE}errors");
    let answer = command(&client, &server, "carol", update).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let shown = "Errors \u{FFFD}on\u{FFFD} api\u{FFFD} since\u{FFFD} 14:00\u{FFFD}.";

    let feed = fetch_eventually(&client, &server.url("/status/feed.atom"), "14:00").await;
    let document = roxmltree::Document::parse(&feed.text).expect("the feed parses as XML");
    let texts: Vec<&str> = document
        .descendants()
        .filter_map(|node| match node.tag_name().name() {
            "content" | "title" => node.text(),
            _ => None,
        })
        .collect();
    assert!(texts.contains(&shown), "{texts:?}");
    assert!(
        texts.contains(&"Payment \u{FFFD}errors: Investigating"),
        "{texts:?}"
    );
    let html = send(client.get(server.url("/status"))).await.text;
    assert!(html.contains(shown), "{html}");
    for route in ["/status.json", "/api/v2/summary.json"] {
        let json = send(client.get(server.url(route))).await;
        assert!(
            json.text.contains("Payment \u{FFFD}errors"),
            "{route}: {}",
            json.text
        );
        let value = json.json.to_string();
        assert!(value.contains(shown), "{route}: {value}");
        assert!(
            !value.contains(['\u{FFFE}', '\u{FFFF}', '\u{1}', '\u{85}', '\u{10FFFF}']),
            "{route}: {value}"
        );
    }
}

#[tokio::test]
async fn an_unchanged_page_answers_304_and_an_internal_note_changes_nothing() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    incident_with_secrets(&client, &server).await;
    let published = command(
        &client,
        &server,
        "carol",
        public("investigating", "Looking.", json!({"web": "major_outage"})),
    )
    .await;
    assert_eq!(published.status, 200);
    let first = fetch_eventually(&client, &server.url("/status"), "Looking.").await;
    let etag = first.header("etag").expect("an ETag").to_string();
    assert_eq!(first.header("cache-control"), Some("public, no-cache"));
    let again = send(
        client
            .get(server.url("/status"))
            .header("if-none-match", &etag),
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());
    command(
        &client,
        &server,
        "alice",
        json!({"type": "add_note", "text": "internal only"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after_note = send(
        client
            .get(server.url("/status"))
            .header("if-none-match", &etag),
    )
    .await;
    assert_eq!(
        after_note.status, 304,
        "an internal note does not change the public page"
    );
    command(
        &client,
        &server,
        "carol",
        public("monitoring", "Fix deployed.", json!({"web": "operational"})),
    )
    .await;
    let changed = fetch_eventually(&client, &server.url("/status"), "Fix deployed.").await;
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn chromium_shows_the_component_statuses_and_the_message_at_phone_width() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    incident_with_secrets(&client, &server).await;
    let update = public(
        "identified",
        "Database connection pool exhaustion.",
        json!({"api": "partial_outage", "payments": "major_outage"}),
    );
    assert_eq!(command(&client, &server, "carol", update).await.status, 200);
    let url = server.url("/status");
    fetch_eventually(&client, &url, "Database connection pool exhaustion.").await;

    let dom = tokio::task::spawn_blocking({
        let url = url.clone();
        move || support::chromium::dump_dom(&url)
    })
    .await
    .unwrap();
    assert!(
        dom.contains("data-component=\"api\" data-status=\"partial_outage\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-component=\"payments\" data-status=\"major_outage\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-component=\"web\" data-status=\"operational\""),
        "{dom}"
    );
    assert!(
        dom.contains("Database connection pool exhaustion."),
        "{dom}"
    );
    assert!(dom.contains("Major System Outage"), "{dom}");
    assert!(!dom.contains(MARKER));

    let artefacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let shot = artefacts.join("status-page-390x844.png");
    let _ = std::fs::remove_file(&shot);
    tokio::task::spawn_blocking({
        let shot = shot.clone();
        move || support::chromium::screenshot(&url, 390, 844, &shot)
    })
    .await
    .unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    // The IHDR chunk: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 390);
    eprintln!("screenshot: {}", shot.display());
}

/// Reads a route until its body contains `needle`: the page is regenerated just after a
/// commit, not within it.
async fn fetch_eventually(client: &Client, url: &str, needle: &str) -> Answer {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let answer = send(client.get(url)).await;
        if answer.text.contains(needle) {
            return answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{url} never showed '{needle}':\n{}",
            answer.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The `--status-listen` address, from the server's log line.
fn status_base(server: &TestServer) -> String {
    let log = server.log();
    let line = log
        .lines()
        .find_map(|line| line.split("status page on http://").nth(1))
        .unwrap_or_else(|| panic!("the server logs no status page address:\n{log}"));
    format!("http://{}", line.split("/status").next().unwrap())
}

#[test]
fn the_summary_has_roles_actions_the_last_public_update_and_next_times() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let run = |args: &[&str]| {
        let output = warroom()
            .args(["--backend", server.base(), "--actor", "carol", "incident"])
            .args(args)
            .output()
            .expect("run warroom");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    run(&[
        "declare",
        "--title",
        "Checkout \u{1b}[2J errors",
        "--severity",
        "P1",
        "--service",
        "checkout",
    ]);
    run(&["role", "INC-1", "commander", "carol"]);
    run(&[
        "action",
        "INC-1",
        "add",
        "roll back lb-2",
        "--owner",
        "bob",
        "--due",
        "15m",
    ]);
    run(&[
        "public",
        "INC-1",
        "--state",
        "identified",
        "--component",
        "api=partial_outage",
        "--message",
        "Pool exhausted.",
        "--next",
        "30m",
    ]);
    let text = run(&["summary", "INC-1"]);
    assert!(
        text.starts_with("INC-1 [P1] ACKNOWLEDGED: Checkout \u{fffd}[2J errors\n"),
        "{text}"
    );
    assert!(text.contains("Roles Incident Commander: carol"), "{text}");
    assert!(text.contains("  - #1 roll back lb-2 @bob (due "), "{text}");
    assert!(text.contains("Public identified at "), "{text}");
    assert!(text.contains(": Pool exhausted."), "{text}");
    assert!(
        text.contains("Next update internal ") && text.contains(", public "),
        "{text}"
    );
    let slack = run(&["summary", "INC-1", "--format", "slack"]);
    assert!(slack.starts_with("*INC-1* [P1]"), "{slack}");
    assert!(slack.contains("*Roles* "), "{slack}");
}
