//! The review, corrective actions, recurrence links, the postmortem and the report through the
//! real `warroom serve` on a real SQLite file, and through the real binary's subcommands.

use crate::followup_pages::incidents_and_ids;
use crate::support::http::{Answer, send};
use crate::support::server::{TOKENS, TestServer, warroom};
use reqwest::Client;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Output;

fn as_(token: &str, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.bearer_auth(token)
}

async fn command(client: &Client, server: &TestServer, token: &str, body: Value) -> Answer {
    let url = server.url("/v1/incidents/INC-1/commands");
    send(as_(token, client.post(url)).json(&body)).await
}

async fn get(client: &Client, server: &TestServer, path: &str) -> Answer {
    send(as_("viewer-token", client.get(server.url(path)))).await
}

pub(super) fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

#[tokio::test]
async fn a_responder_writes_the_review_and_follow_ups_after_the_close_a_viewer_cannot() {
    let server = TestServer::with_tokens(TOKENS);
    let client = crate::support::http::client();
    let declared = send(
        as_("responder-token", client.post(server.url("/v1/incidents")))
            .json(&json!({"title": "checkout 5xx", "severity": "P1", "service": "checkout"})),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let whys =
        json!({"type": "set_review", "whys": ["5xx", "bad pool", "typo", "no check", "no CI"]});

    command(&client, &server, "viewer-token", whys.clone())
        .await
        .assert_error(403, "forbidden");
    let written = command(&client, &server, "responder-token", whys).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.json["events"][0]["kind"]["type"], "review_edited");

    let draft = get(&client, &server, "/v1/incidents/INC-1/postmortem.md").await;
    assert_eq!(draft.status, 200, "{}", draft.text);
    assert_eq!(
        draft.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    assert!(draft.text.contains("> **Draft:** INC-1 is acknowledged"));

    for to in ["mitigated", "resolved", "closed"] {
        let moved = command(
            &client,
            &server,
            "commander-token",
            json!({"type": "transition", "to": to}),
        )
        .await;
        assert_eq!(moved.status, 200, "{to}: {}", moved.text);
    }
    // Closed: the response record is final, the learning is not.
    let reopen = command(
        &client,
        &server,
        "commander-token",
        json!({"type": "transition", "to": "investigating"}),
    )
    .await;
    reopen.assert_error(422, "incident_closed");
    let root = command(
        &client,
        &server,
        "responder-token",
        json!({"type": "set_review", "root_cause": "no validation of LB configs",
               "went_well": ["fast page"]}),
    )
    .await;
    assert_eq!(root.status, 200, "{}", root.text);
    let add = |text: &str, kind: &str| {
        json!({"type": "add_corrective_action", "text": text, "kind": kind, "owner": "bob",
               "due_at": in_days(14), "ticket": "https://tickets.example/OPS-7"})
    };
    for (text, kind) in [
        ("validate configs", "preventive"),
        ("alert on drains", "detective"),
    ] {
        let added = command(&client, &server, "responder-token", add(text, kind)).await;
        assert_eq!(added.status, 200, "{}", added.text);
    }
    command(&client, &server, "viewer-token", add("x", "corrective"))
        .await
        .assert_error(403, "forbidden");
    let done = json!({"type": "complete_corrective_action", "id": 1});
    let first = command(&client, &server, "responder-token", done.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    command(&client, &server, "responder-token", done)
        .await
        .assert_error(422, "unchanged");
    let bad_kind = json!({"type": "add_corrective_action", "text": "t", "kind": "curative",
                          "owner": "bob", "due_at": in_days(1)});
    let refused = command(&client, &server, "responder-token", bad_kind).await;
    assert_eq!(refused.status, 400, "{}", refused.text);

    let shown = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(shown.json["status"], "closed");
    assert_eq!(
        shown.json["review"]["whys"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(
        shown.json["review"]["root_cause"],
        "no validation of LB configs"
    );
    let states: Vec<&str> = shown.json["corrective_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["done", "open"]);

    let closed = get(&client, &server, "/v1/incidents/INC-1/postmortem.md").await;
    assert!(!closed.text.contains("Draft"));
    assert!(
        closed
            .text
            .contains("| C2 | detective | alert on drains | bob |")
    );
    let again = get(&client, &server, "/v1/incidents/INC-1/postmortem.md").await;
    assert_eq!(closed.text, again.text, "the same log gives the same bytes");
    get(&client, &server, "/v1/incidents/INC-9/postmortem.md")
        .await
        .assert_error(404, "not_found");
    let anonymous = send(client.get(server.url("/v1/incidents/INC-1/postmortem.md"))).await;
    assert_eq!(anonymous.status, 401);
}

pub(super) async fn declare(
    client: &Client,
    server: &TestServer,
    title: &str,
    service: &str,
) -> Answer {
    let body = json!({"title": title, "severity": "P1", "service": service,
                      "started_at": (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339()});
    let answer = send(client.post(server.url("/v1/incidents")).json(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer
}

#[tokio::test]
async fn a_second_incident_of_a_service_links_the_first_and_the_report_counts_it() {
    let server = TestServer::open();
    let client = crate::support::http::client();
    declare(&client, &server, "checkout 5xx", "checkout").await;
    declare(&client, &server, "search slow", "search").await;
    let second = declare(&client, &server, "checkout 5xx again", "checkout").await;
    assert_eq!(second.json["recurs"][0]["incident"], "INC-1");
    assert_eq!(second.json["recurs"][0]["matched_on"], "service");
    assert_eq!(second.json["recurs"].as_array().map(Vec::len), Some(1));
    let events = send(client.get(server.url("/v1/incidents/INC-3/events"))).await;
    let kinds: Vec<&str> = events
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["declared", "recurrence_linked"]);
    assert_eq!(events.json[1]["actor"], "warroom");

    // A person's declaration starts acknowledged: taken on as it is detected.
    let acked = send(
        client
            .post(server.url("/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "transition", "to": "acknowledged"})),
    )
    .await;
    acked.assert_error(422, "invalid_transition");

    let report = send(client.get(server.url("/v1/report?since=90d"))).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let keys: BTreeSet<&str> = report
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "since",
        "until",
        "incidents",
        "overall",
        "by_severity",
        "by_service",
        "recurrence_rate",
        "update_discipline",
        "corrective_actions",
    ] {
        assert!(keys.contains(key), "{key} is missing from {}", report.text);
    }
    let r = &report.json;
    assert_eq!(r["incidents"], 3);
    let third = r["recurrence_rate"].as_f64().unwrap();
    assert!((third - 1.0 / 3.0).abs() < 1e-9, "{third}");
    assert_eq!(r["overall"]["mtta"]["count"], 3);
    assert_eq!(r["overall"]["mtta"]["left_out"], 0);
    assert_eq!(r["overall"]["mttr"]["count"], 0);
    assert_eq!(r["overall"]["mttr"]["mean_s"], Value::Null);
    let mttd = r["overall"]["mttd"]["median_s"].as_f64().unwrap();
    assert!(
        (599.0..=601.0).contains(&mttd),
        "detected 10 minutes after the impact: {mttd}"
    );
    assert_eq!(r["by_service"]["checkout"]["mttd"]["count"], 2);
    assert_eq!(r["by_severity"]["P1"]["mttd"]["count"], 3);
    assert_eq!(r["corrective_actions"], json!({"open": 0, "overdue": 0}));

    let filtered = send(client.get(server.url("/v1/report?service=search&severity=p1"))).await;
    assert_eq!(filtered.json["incidents"], 1, "{}", filtered.text);
    for bad in ["since=lately", "severity=P7", "recurrence=36h", "color=red"] {
        let answer = send(client.get(server.url(&format!("/v1/report?{bad}")))).await;
        answer.assert_error(400, "bad_request");
    }
}

pub(super) fn run(server: &TestServer, args: &[&str]) -> Output {
    warroom()
        .args(args)
        .env("WARROOM_BACKEND", server.base())
        .env("WARROOM_ACTOR", "alice")
        .env("HOME", server.dir())
        .env("XDG_CONFIG_HOME", server.dir().join("config"))
        .env_remove("WARROOM_TOKEN")
        .env_remove("WARROOM_CONFIG")
        .output()
        .expect("the binary runs")
}

#[track_caller]
pub(super) fn stdout(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "failed: {stderr}");
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

#[tokio::test]
async fn postmortem_report_and_followups_from_the_command_line() {
    let server = TestServer::open();
    let client = crate::support::http::client();
    declare(&client, &server, "checkout 5xx", "checkout").await;
    declare(&client, &server, "search slow", "search").await;
    let add = |incident: &str, text: &str, owner: &str, due: String| {
        let body = json!({"type": "add_corrective_action", "text": text, "kind": "corrective",
                          "owner": owner, "due_at": due});
        let url = server.url(&format!("/v1/incidents/{incident}/commands"));
        send(client.post(url).json(&body))
    };
    let due = chrono::Utc::now() + chrono::Duration::seconds(2);
    assert_eq!(
        add("INC-1", "fix the template", "bob", due.to_rfc3339())
            .await
            .status,
        200
    );
    assert_eq!(
        add("INC-2", "add an index", "erin", in_days(7))
            .await
            .status,
        200
    );
    assert_eq!(
        add("INC-2", "drop the cache", "bob", in_days(9))
            .await
            .status,
        200
    );
    let drop = json!({"type": "drop_corrective_action", "id": 2});
    let dropped = send(
        client
            .post(server.url("/v1/incidents/INC-2/commands"))
            .json(&drop),
    )
    .await;
    assert_eq!(dropped.status, 200);

    let file = server.dir().join("INC-1.md");
    let written = stdout(&run(
        &server,
        &["postmortem", "inc-1", "--out", file.to_str().unwrap()],
    ));
    assert!(
        written.contains("wrote the postmortem of INC-1"),
        "{written}"
    );
    let served = send(client.get(server.url("/v1/incidents/INC-1/postmortem.md"))).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), served.text);
    assert_eq!(stdout(&run(&server, &["postmortem", "INC-1"])), served.text);
    let missing = run(&server, &["postmortem", "INC-9"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no incident INC-9"));
    assert_eq!(run(&server, &["postmortem", "nine"]).status.code(), Some(2));

    let report: Value =
        serde_json::from_str(&stdout(&run(&server, &["report", "--json"]))).unwrap();
    assert_eq!(report["incidents"], 2);
    assert_eq!(report["corrective_actions"]["open"], 2);
    let text = stdout(&run(
        &server,
        &["report", "--since", "7d", "--service", "checkout"],
    ));
    assert!(text.contains(": 1 incidents (0 cancelled"), "{text}");
    assert!(
        text.contains("MTTD") && text.contains("service checkout"),
        "{text}"
    );
    let bad = run(&server, &["report", "--since", "lately"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a usage error, found before asking"
    );

    let all: Value =
        serde_json::from_str(&stdout(&run(&server, &["followups", "--json"]))).unwrap();
    assert_eq!(
        incidents_and_ids(&all),
        [
            ("INC-1".into(), 1),
            ("INC-2".into(), 1),
            ("INC-2".into(), 2)
        ],
        "soonest due first"
    );
    let open = stdout(&run(&server, &["followups", "--open"]));
    assert!(
        open.contains("add an index") && !open.contains("drop the cache"),
        "{open}"
    );
    let bobs = stdout(&run(&server, &["followups", "--owner", "BOB"]));
    assert!(
        bobs.contains("fix the template") && !bobs.contains("add an index"),
        "{bobs}"
    );
    // The first one falls due two seconds after it was added: wait for that moment (the
    // machine's clock, the CLI's too), polled.
    while chrono::Utc::now() <= due {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let overdue = stdout(&run(&server, &["followups", "--overdue"]));
    assert_eq!(overdue.lines().count(), 2, "{overdue}");
    assert!(
        overdue.contains("fix the template") && overdue.contains("OVERDUE"),
        "{overdue}"
    );
}

/// Issue 24 item 3: the summary (the business impact) is written after the declaration,
/// rewritten after the close, by a responder through the API and by the command line, and
/// the postmortem shows the latest; a viewer cannot write it.
#[tokio::test]
async fn the_summary_is_written_after_the_close_and_the_postmortem_shows_it() {
    let server = TestServer::with_tokens(TOKENS);
    let client = crate::support::http::client();
    let declared = send(
        as_("commander-token", client.post(server.url("/v1/incidents")))
            .json(&json!({"title": "checkout 5xx", "severity": "P1"})),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let postmortem = async || {
        get(&client, &server, "/v1/incidents/INC-1/postmortem.md")
            .await
            .text
    };
    assert!(
        postmortem().await.contains("_No summary was written"),
        "{}",
        postmortem().await
    );
    let summary = |text: &str| json!({"type": "set_summary", "summary": text});
    command(&client, &server, "viewer-token", summary("x"))
        .await
        .assert_error(403, "forbidden");
    let written = command(
        &client,
        &server,
        "responder-token",
        summary("Payments failed for a third of users."),
    )
    .await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(
        written.json["events"][0]["kind"],
        json!({"type": "summary_set", "summary": "Payments failed for a third of users."})
    );
    for to in ["mitigated", "resolved", "closed"] {
        let moved = command(
            &client,
            &server,
            "commander-token",
            json!({"type": "transition", "to": to}),
        )
        .await;
        assert_eq!(moved.status, 200, "{to}: {}", moved.text);
    }
    command(
        &client,
        &server,
        "responder-token",
        summary("Payments failed for a third of users."),
    )
    .await
    .assert_error(422, "unchanged");
    let too_long = command(
        &client,
        &server,
        "responder-token",
        summary(&"x".repeat(4001)),
    )
    .await;
    too_long.assert_error(422, "invalid_input");

    // The command line, after the close.
    let said = stdout(
        &warroom()
            .args([
                "incident",
                "set-summary",
                "INC-1",
                "Payments failed for a third of users for 40 minutes.",
            ])
            .env("WARROOM_BACKEND", server.base())
            .env("WARROOM_TOKEN", "responder-token")
            .env("HOME", server.dir())
            .env("XDG_CONFIG_HOME", server.dir().join("config"))
            .env_remove("WARROOM_CONFIG")
            .output()
            .expect("the binary runs"),
    );
    assert!(
        said.contains("summary: Payments failed for a third of users for 40 minutes."),
        "{said}"
    );
    let shown = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(shown.json["status"], "closed");
    assert_eq!(
        shown.json["summary"],
        "Payments failed for a third of users for 40 minutes."
    );
    let markdown = postmortem().await;
    assert!(
        markdown.contains("## Summary\n\nPayments failed for a third of users for 40 minutes.\n"),
        "{markdown}"
    );
    assert!(!markdown.contains("No summary was written"));
}

/// A dropped corrective action is opened again and reclassified from the command line (as
/// `C2` or `2`); a done one stays done, and the refusal says why.
#[tokio::test]
async fn a_dropped_follow_up_is_reopened_and_reclassified_from_the_command_line() {
    let server = TestServer::open();
    let client = crate::support::http::client();
    declare(&client, &server, "checkout 5xx", "checkout").await;
    for text in ["fix the template", "alert on drains"] {
        let body = json!({"type": "add_corrective_action", "text": text, "kind": "corrective",
                          "owner": "bob", "due_at": in_days(7)});
        let url = server.url("/v1/incidents/INC-1/commands");
        assert_eq!(send(client.post(url).json(&body)).await.status, 200);
    }
    stdout(&run(
        &server,
        &["incident", "followup", "INC-1", "done", "C1"],
    ));
    let dropped = stdout(&run(
        &server,
        &["incident", "followup", "INC-1", "drop", "2"],
    ));
    assert!(
        dropped.contains("corrective action C2 dropped"),
        "{dropped}"
    );
    let reopened = stdout(&run(
        &server,
        &["incident", "followup", "INC-1", "reopen", "C2"],
    ));
    assert!(
        reopened.contains("corrective action C2 reopened"),
        "{reopened}"
    );
    let kind = stdout(&run(
        &server,
        &["incident", "followup", "INC-1", "kind", "c2", "detective"],
    ));
    assert!(
        kind.contains("corrective action C2 is detective (was corrective)"),
        "{kind}"
    );
    let done = run(&server, &["incident", "followup", "INC-1", "reopen", "C1"]);
    assert_eq!(done.status.code(), Some(1));
    let said = String::from_utf8_lossy(&done.stderr);
    assert!(said.contains("C1 is done"), "{said}");
    let typo = run(
        &server,
        &["incident", "followup", "INC-1", "kind", "C2", "curative"],
    );
    assert_eq!(typo.status.code(), Some(2));
    let shown = send(client.get(server.url("/v1/incidents/INC-1"))).await;
    let followups: Vec<(&str, &str)> = shown.json["corrective_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["state"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(followups, [("done", "corrective"), ("open", "detective")]);
}
