//! Issue 24 item 3 with the real binary in tmux against a real `warroom serve`: in the review,
//! a drop asks first and `u` takes it back; the kind is changed; the summary is written; and
//! the backend holds each of them.

use super::support::server::TestServer;
use super::{declare, events, open_client};
use serde_json::json;

/// Sends `body` to INC-1's commands, as a script would.
fn command(server: &TestServer, body: serde_json::Value) {
    let output = std::process::Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d"])
        .arg(body.to_string())
        .arg(server.url("/v1/incidents/INC-1/commands"))
        .output()
        .expect("curl");
    assert!(output.status.success(), "{body} refused: {output:?}");
}

fn incident(server: &TestServer) -> serde_json::Value {
    let body = std::process::Command::new("curl")
        .args(["-sf", &server.url("/v1/incidents/INC-1")])
        .output()
        .expect("curl");
    serde_json::from_slice(&body.stdout).expect("the incident is JSON")
}

#[test]
fn in_the_review_a_drop_asks_first_and_u_takes_it_back() {
    let server = TestServer::open();
    declare(&server, "Checkout 5xx", Some("checkout"));
    command(&server, json!({"type": "transition", "to": "mitigated"}));
    let due = (chrono::Utc::now() + chrono::Duration::days(14)).to_rfc3339();
    command(
        &server,
        json!({"type": "add_corrective_action", "text": "validate LB configs in CI",
               "kind": "corrective", "owner": "bob", "due_at": due}),
    );
    let desk = open_client(&server, "review", (120, 40), &[]);
    desk.wait_for_text("MITIGATED");
    desk.press("R");
    desk.wait_for_text("Summary (business impact)");

    // The summary, the first row.
    desk.press("Enter");
    desk.type_text("A third of payments failed");
    desk.press("Enter");
    desk.wait_for_text("A third of payments failed");

    // Down to C1: 5 whys, root cause, 1 factor slot, 1 went-well slot, 1 went-badly slot.
    for _ in 0..10 {
        desk.press("j");
    }
    desk.wait_for_text("esc close");
    desk.press("x");
    desk.wait_for_text("Drop C1 \u{201c}validate LB configs in CI\u{201d}?");
    // Any other key keeps it: nothing was sent.
    desk.press("n");
    desk.wait_for("the question gone", |s| !s.contains("Drop C1"));
    desk.press("x");
    desk.wait_for_text("Drop C1");
    desk.press("y");
    let offered = desk.wait_for("the undo offered", |s| {
        s.contains("C1 dropped (") && s.contains("u undoes the drop")
    });
    assert!(offered.contains("dropped"), "{offered}");
    desk.wait_for("the server to drop it", |_| {
        incident(&server)["corrective_actions"][0]["state"] == "dropped"
    });
    desk.press("u");
    desk.wait_for("the server to hold it open again", |_| {
        incident(&server)["corrective_actions"][0]["state"] == "open"
    });

    // The kind, with Enter on the row.
    desk.press("Enter");
    desk.wait_for_text("Kind of C1");
    desk.press("d");
    desk.wait_for_text("C1 detective");

    let state = incident(&server);
    assert_eq!(state["summary"], "A third of payments failed");
    assert_eq!(state["corrective_actions"][0]["kind"], "detective");
    let kinds: Vec<String> = events(&server, "INC-1")
        .iter()
        .map(|e| e["kind"]["type"].as_str().unwrap().to_string())
        .collect();
    let learned: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| {
            matches!(
                *k,
                "summary_set"
                    | "corrective_action_dropped"
                    | "corrective_action_reopened"
                    | "corrective_kind_changed"
            )
        })
        .collect();
    assert_eq!(
        learned,
        [
            "summary_set",
            "corrective_action_dropped",
            "corrective_action_reopened",
            "corrective_kind_changed"
        ],
        "one drop, after the question was answered: {kinds:?}"
    );
}
