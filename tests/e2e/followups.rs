//! The follow-ups screen (`F`) with the real binary: a desk in tmux against a real
//! `warroom serve` holding 150 corrective actions (two pages of open ones, then a dropped
//! one) shows the first page, and scrolling reads the rest, the open ones first, down to the
//! dropped one at the end.

use super::open_client;
use crate::support::http::{client, send};
use crate::support::server::TestServer;
use serde_json::json;

/// Actions on the backend: more than a page (100) of open ones.
const ACTIONS: u64 = 150;
/// No limit on how fast one person changes things: the actions are written by one script.
const UNLIMITED: &str = "[server.limits]\nwrites_per_minute = 0\n";

#[test]
fn the_follow_ups_screen_reads_its_pages_as_it_scrolls_the_open_ones_first() {
    let server = TestServer::on_sqlite_with_config(UNLIMITED);
    seed(&server);
    let desk = open_client(&server, "desk", (140, 45), &[]);
    desk.wait_for_text("Disk full on db-1");
    desk.press("F");
    desk.wait_for_text("fix #002.");
    let first = desk.screen();
    assert!(
        !first.contains("fix #001."),
        "the dropped one is last: {first}"
    );
    desk.wait_for("the last row, the dropped one", |screen| {
        if !screen.contains("fix #001.") {
            desk.press("PageDown");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        screen.contains("fix #001.")
    });
    let last = desk.wait_for_text("fix #150.");
    assert!(
        last.contains("dropped") && !last.contains("loading"),
        "{last}"
    );
}

/// One incident with `ACTIONS` corrective actions, the soonest due dropped.
fn seed(server: &TestServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = client();
        let body = json!({"title": "Disk full on db-1", "severity": "P2"});
        let answer = send(http.post(server.url("/v1/incidents")).json(&body)).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        let url = server.url("/v1/incidents/INC-1/commands");
        for n in 1..=ACTIONS {
            let due = chrono::Utc::now() + chrono::Duration::days(n as i64);
            let action = json!({"type": "add_corrective_action", "text": format!("fix #{n:03}."),
                                "kind": "corrective", "owner": "bob", "due_at": due.to_rfc3339()});
            let answer = send(http.post(url.clone()).json(&action)).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
        }
        let drop = json!({"type": "drop_corrective_action", "id": 1});
        assert_eq!(send(http.post(url).json(&drop)).await.status, 200);
    });
}
