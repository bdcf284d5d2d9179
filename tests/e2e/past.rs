//! Issue 19 items 4 and 5 with the real binary: a desk in tmux against a real `warroom serve`
//! holding 300 closed incidents (so the list needs pages) opens a closed one with `:go`, from
//! the list after reading down to the end of the history, and from a search, and shows each
//! one's timeline; on SQLite and on PostgreSQL. And what a screen starts from: the open
//! incidents and the newest that ended lately, never the whole list.

use super::open_client;
use crate::support::http::{client, send};
use crate::support::server::{TestServer, transition};
use serde_json::{Value, json};
use warroom::client::{BackendConfig, Client};
use warroom::tui::app::incidents::{ENDED_KEPT, Incidents};

/// Closed incidents on the backend: three pages of the list.
const CLOSED: u64 = 300;
/// No limit on how fast one person changes things: the history is written by one script.
const UNLIMITED: &str = "[server.limits]\nwrites_per_minute = 0\n";

#[test]
fn a_desk_opens_closed_incidents_with_go_and_from_the_list_on_sqlite() {
    a_desk_opens_closed_incidents(TestServer::on_sqlite_with_config(UNLIMITED));
}

#[test]
fn a_desk_opens_closed_incidents_with_go_and_from_the_list_on_postgres() {
    a_desk_opens_closed_incidents(TestServer::on_postgres_with_config(UNLIMITED));
}

fn a_desk_opens_closed_incidents(server: TestServer) {
    seed(&server);
    let desk = open_client(&server, "desk", (140, 45), &[]);
    desk.wait_for_text("Payments slow in eu-west");

    // `:go` an incident closed long before the desk started.
    desk.press(":");
    desk.type_text("go INC-2");
    desk.press("Enter");
    desk.wait_for_text("Old outage #2.");
    desk.wait_for_text("what we did on INC-2");
    desk.wait_for_text("RESOLVED");

    // The list: down to the end of the history, a page at a time, then up to INC-3.
    desk.press("l");
    desk.wait_for_text("Past incidents, newest first");
    desk.wait_for_text("INC-300");
    desk.wait_for("the end of the history", |screen| {
        if !screen.contains("the end of the history") {
            desk.press("End");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        screen.contains("the end of the history")
    });
    desk.wait_for_text("▶ INC-1 ");
    desk.press("Up");
    desk.press("Up");
    desk.wait_for_text("▶ INC-3 ");
    desk.press("Enter");
    desk.wait_for_text("what we did on INC-3");
    desk.wait_for_text("Old outage #3.");

    // A search: sent to the backend, which finds the one incident whatever page it is on.
    desk.press("l");
    desk.wait_for_text("Past incidents, newest first");
    desk.press("/");
    desk.type_text("#142.");
    desk.wait_for_text("Old outage #142.");
    desk.wait_for("the search's one match", |screen| {
        !screen.contains("INC-300") && screen.contains("the end of the history")
    });
    desk.press("Enter");
    desk.press("Enter");
    desk.wait_for_text("what we did on INC-142");
}

#[tokio::test]
async fn a_screen_starts_from_the_open_incidents_and_the_newest_ended_never_the_whole_list() {
    let server = TestServer::open();
    let http = client();
    // 76 changes: within the default burst of one person's writes.
    for n in 1..=40u64 {
        let declared = declare(&http, &server, &format!("Blip #{n}."), "P2").await;
        if !n.is_multiple_of(10) {
            transition(&http, &server, &declared, "resolved").await;
        }
    }
    let backend = Client::new(&BackendConfig {
        url: server.base().to_string(),
        token: None,
        actor: "alice".into(),
        timeout: std::time::Duration::from_secs(10),
    })
    .unwrap();
    let listed = backend.open_and_recent(ENDED_KEPT).await.unwrap();
    let open: Vec<u64> = listed
        .iter()
        .filter(|incident| incident.status.is_open())
        .map(|incident| incident.id.number())
        .collect();
    assert_eq!(open, [40, 30, 20, 10], "every open incident");
    let ended: Vec<u64> = listed
        .iter()
        .filter(|incident| !incident.status.is_open())
        .map(|incident| incident.id.number())
        .collect();
    assert_eq!(
        ended,
        (1..=39u64)
            .rev()
            .filter(|n| !n.is_multiple_of(10))
            .take(ENDED_KEPT)
            .collect::<Vec<_>>(),
        "the newest ended ones only, not the 36 of them"
    );
    // All ended within the hour: the screen holds them, and nothing else.
    let mut incidents = Incidents::default();
    let logs_fetched = incidents.start(listed, chrono::Utc::now());
    assert_eq!(logs_fetched.len(), 4);
    let held = (1..=40)
        .filter(|n| {
            incidents
                .get(&warroom::domain::IncidentId::from_number(*n))
                .is_some()
        })
        .count();
    assert_eq!(held, 4 + ENDED_KEPT);
}

/// 300 incidents declared and resolved through the API, each with a note, and one open.
fn seed(server: &TestServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = client();
        for n in 1..=CLOSED {
            let id = declare(&http, server, &format!("Old outage #{n}."), "P2").await;
            let note =
                json!({"type": "add_note", "kind": "note", "text": format!("what we did on {id}")});
            command(&http, server, &id, note).await;
            transition(&http, server, &id, "resolved").await;
        }
        declare(&http, server, "Payments slow in eu-west", "P1").await;
    });
}

async fn declare(
    http: &reqwest::Client,
    server: &TestServer,
    title: &str,
    severity: &str,
) -> String {
    let body = json!({"title": title, "severity": severity});
    let answer = send(http.post(server.url("/v1/incidents")).json(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json["id"].as_str().unwrap().to_string()
}

async fn command(http: &reqwest::Client, server: &TestServer, id: &str, body: Value) {
    let url = server.url(&format!("/v1/incidents/{id}/commands"));
    let answer = send(http.post(url).json(&body)).await;
    assert!(answer.status < 300, "{body} on {id}: {}", answer.text);
}
