//! Merging a duplicate into the incident that carries on, through the real `warroom serve` on
//! the store under test (`WARROOM_TEST_STORE`: SQLite, and PostgreSQL in `scripts/test`), by
//! the API (`warroom incident merge` is in cli.rs).

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
use support::server::TestServer;

async fn post(client: &Client, server: &TestServer, path: &str, body: Value) -> Answer {
    send(
        client
            .post(server.url(path))
            .header("X-Warroom-Actor", "alice")
            .json(&body),
    )
    .await
}

async fn command(client: &Client, server: &TestServer, id: &str, body: Value) -> Answer {
    post(
        client,
        server,
        &format!("/v1/incidents/{id}/commands"),
        body,
    )
    .await
}

async fn get(client: &Client, server: &TestServer, path: &str) -> Value {
    let answer = send(client.get(server.url(path))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

/// A page of Alertmanager for `service` (payload version 4), one firing alert `fingerprint`.
fn page(service: &str, fingerprint: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{service=\"{service}\"}}"),
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"service": service},
        "commonLabels": {"alertname": "HighErrorRatio", "service": service, "severity": "critical"},
        "commonAnnotations": {"summary": format!("{service} 5xx above 5%")},
        "externalURL": "http://alertmanager.example",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "HighErrorRatio", "service": service, "severity": "critical"},
            "annotations": {},
            "startsAt": chrono::Utc::now() - chrono::Duration::minutes(2),
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": fingerprint,
        }],
    })
}

/// INC-1 declared by a person for `checkout` (joining off, so a page opens INC-2 for the same
/// service, the duplicate of the story), INC-2 with a note and an action item.
async fn duplicate_pair(client: &Client) -> TestServer {
    let server = TestServer::with_config(None, "[alert_routing]\njoin_on = []\n", &[]);
    let declared = post(
        client,
        &server,
        "/v1/incidents",
        json!({"title": "checkout down", "severity": "P1", "service": "checkout"}),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.text);
    let paged = post(client, &server, "/v1/alertmanager", page("checkout", "f-1")).await;
    assert_eq!(paged.json["incident"], "INC-2", "{}", paged.text);
    let note = json!({"type": "add_note", "text": "db-2 pool exhausted"});
    assert_eq!(command(client, &server, "INC-2", note).await.status, 200);
    let action = json!({"type": "add_action", "text": "drain db-2", "owner": "bob"});
    assert_eq!(command(client, &server, "INC-2", action).await.status, 200);
    server
}

#[tokio::test]
async fn a_merged_duplicate_points_to_its_survivor_which_holds_its_notes_and_alerts() {
    let client = support::http::client();
    let server = duplicate_pair(&client).await;
    let merged = command(
        &client,
        &server,
        "INC-2",
        json!({"type": "merge_into", "into": "INC-1"}),
    )
    .await;
    assert_eq!(merged.status, 200, "{}", merged.text);

    let duplicate = get(&client, &server, "/v1/incidents/INC-2").await;
    assert_eq!(duplicate["status"], "merged");
    assert_eq!(duplicate["merged_into"], "INC-1");

    let survivor = get(&client, &server, "/v1/incidents/INC-1").await;
    assert_eq!(
        survivor["status"], "acknowledged",
        "the survivor carries on"
    );
    assert_eq!(survivor["merged_from"], json!(["INC-2"]));
    assert_eq!(survivor["alerts"][0]["alert"]["fingerprint"], "f-1");
    assert_eq!(survivor["actions"][0]["text"], "INC-2 #1: drain db-2");
    assert_eq!(survivor["actions"][0]["owner"], "bob");

    let events = get(&client, &server, "/v1/incidents/INC-1/events").await;
    let merged_in = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"]["type"] == "incident_merged")
        .expect("an incident_merged event on the survivor");
    assert_eq!(merged_in["kind"]["from"], "INC-2");
    assert_eq!(merged_in["kind"]["notes"][0]["text"], "db-2 pool exhausted");
    assert_eq!(merged_in["kind"]["notes"][0]["actor"], "alice");

    // The duplicate's group goes on at the survivor: its next notification lands there.
    let again = post(
        &client,
        &server,
        "/v1/alertmanager",
        page("checkout", "f-2"),
    )
    .await;
    assert_eq!(
        (&again.json["incident"], &again.json["opened"]),
        (&json!("INC-1"), &json!(false)),
        "{}",
        again.text
    );

    // The report counts one incident, and the duplicate apart, not as a false alarm.
    let report = get(&client, &server, "/v1/report?since=1d").await;
    assert_eq!(
        (
            &report["incidents"],
            &report["merged"],
            &report["cancelled"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    assert_eq!(
        report["overall"]["mtta"]["count"], 1,
        "the survivor alone is measured"
    );
}

#[tokio::test]
async fn a_second_merge_or_a_merge_into_a_closed_incident_is_a_409_that_says_why() {
    let client = support::http::client();
    let server = duplicate_pair(&client).await;
    let into = |id: &str| json!({"type": "merge_into", "into": id});

    // Into a closed incident.
    for to in ["resolved", "closed"] {
        let moved = command(
            &client,
            &server,
            "INC-1",
            json!({"type": "transition", "to": to}),
        )
        .await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    let closed = command(&client, &server, "INC-2", into("INC-1")).await;
    closed.assert_error(409, "survivor_ended");
    assert!(
        closed.error_message().contains("INC-1 is closed"),
        "{}",
        closed.text
    );
    let untouched = get(&client, &server, "/v1/incidents/INC-2").await;
    assert_eq!(untouched["status"], "triggered");

    // A third incident takes it; a second merge is refused, into itself a 422, into nothing
    // a 404, and a responder may not merge at all (a commander's call).
    let third = post(
        &client,
        &server,
        "/v1/incidents",
        json!({"title": "checkout down again", "severity": "P1", "service": "checkout"}),
    )
    .await;
    assert_eq!(third.json["id"], "INC-3");
    assert_eq!(
        command(&client, &server, "INC-2", into("INC-3"))
            .await
            .status,
        200
    );
    let second = command(&client, &server, "INC-2", into("INC-3")).await;
    second.assert_error(409, "already_merged");
    assert!(
        second
            .error_message()
            .contains("INC-2 was merged into INC-3 already"),
        "{}",
        second.text
    );
    command(&client, &server, "INC-3", into("INC-3"))
        .await
        .assert_error(422, "invalid_input");
    command(&client, &server, "INC-3", into("INC-9"))
        .await
        .assert_error(404, "not_found");
    let note = json!({"type": "add_note", "text": "late"});
    command(&client, &server, "INC-2", note)
        .await
        .assert_error(422, "incident_merged");
}

#[tokio::test]
async fn a_responder_cannot_merge() {
    let server = TestServer::with_tokens(support::server::TOKENS);
    let client = support::http::client();
    let declare = |title: &str| {
        client
            .post(server.url("/v1/incidents"))
            .bearer_auth("responder-token")
            .json(&json!({"title": title, "severity": "P2"}))
    };
    assert_eq!(send(declare("a")).await.status, 201);
    assert_eq!(send(declare("b")).await.status, 201);
    let merge = client
        .post(server.url("/v1/incidents/INC-2/commands"))
        .bearer_auth("responder-token")
        .json(&json!({"type": "merge_into", "into": "INC-1"}));
    send(merge).await.assert_error(403, "forbidden");
}

/// A duplicate that had spoken to the public: after the merge its updates show under the
/// survivor on the status page, which lists one incident, not two.
#[tokio::test]
async fn a_merged_duplicates_public_updates_show_under_its_survivor() {
    let client = support::http::client();
    let server = duplicate_pair(&client).await;
    // Alice acknowledges the page, which makes her its commander, and tells the public.
    let ack = json!({"type": "transition", "to": "acknowledged"});
    let acked = command(&client, &server, "INC-2", ack).await;
    assert_eq!(
        acked.json["events"][0]["kind"]["commander"], "alice",
        "{}",
        acked.text
    );
    // Both had spoken to the public: INC-1 (alice takes its command) under a public title,
    // then the duplicate.
    let take = json!({"type": "assign_role", "role": "commander", "person": "alice"});
    assert_eq!(command(&client, &server, "INC-1", take).await.status, 200);
    let survivor_post = json!({
        "type": "public_update",
        "state": "investigating",
        "title": "Checkout payments failing",
        "message": "We are looking into failed payments.",
        "components": {},
    });
    let posted = command(&client, &server, "INC-1", survivor_post).await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    let duplicate_post = json!({
        "type": "public_update",
        "state": "investigating",
        "message": "Checkout fails for some customers.",
        "components": {},
    });
    assert_eq!(
        command(&client, &server, "INC-2", duplicate_post)
            .await
            .status,
        200
    );
    // The survivor's public id (its page's address), before the merge.
    let before = support::eventually::eventually(
        "the page shows both",
        std::time::Duration::from_secs(10),
        async || {
            let page = get(&client, &server, "/status.json").await;
            let open = page["open"].as_array()?.clone();
            let survivor = open
                .iter()
                .find(|i| i["name"] == "Checkout payments failing")?;
            (open.len() == 2).then(|| survivor["id"].clone())
        },
    )
    .await;
    let merge = json!({"type": "merge_into", "into": "INC-1"});
    assert_eq!(command(&client, &server, "INC-2", merge).await.status, 200);

    // One incident: the survivor, at the address the public already follows, with both
    // updates, newest first.
    let shown = support::eventually::eventually(
        "the page rebuilt after the merge",
        std::time::Duration::from_secs(10),
        async || {
            let page = get(&client, &server, "/status.json").await;
            let open = page["open"].as_array()?.clone();
            (open.len() == 1).then_some(open)
        },
    )
    .await;
    assert_eq!(shown[0]["id"], before);
    assert_eq!(shown[0]["name"], "Checkout payments failing");
    let messages: Vec<_> = shown[0]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["message"].clone())
        .collect();
    assert_eq!(
        messages,
        [
            json!("Checkout fails for some customers."),
            json!("We are looking into failed payments.")
        ]
    );
}
