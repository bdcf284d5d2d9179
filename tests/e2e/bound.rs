//! Issue 20 with the real binary in tmux: what is typed lands on the incident that was on
//! screen when the typing began, a suggestion never takes a key, and walls started at any
//! moment agree.

use super::support::history::History;
use super::support::promstack::{Prometheus, PrometheusSetup};
use super::support::server::TestServer;
use super::{declare, declare_as, events, kinds, open_client};
use serde_json::json;
use std::time::{Duration, Instant};

/// Sends a command to an incident through the API.
fn command(server: &TestServer, id: &str, body: serde_json::Value) {
    let output = std::process::Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d"])
        .arg(body.to_string())
        .arg(server.url(&format!("/v1/incidents/{id}/commands")))
        .output()
        .expect("curl");
    assert!(output.status.success(), "command failed: {output:?}");
}

fn notes(server: &TestServer, id: &str) -> Vec<String> {
    events(server, id)
        .iter()
        .filter(|e| e["kind"]["type"] == "note_added")
        .map(|e| e["kind"]["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_note_typed_while_a_p0_is_declared_elsewhere_lands_on_the_incident_shown_at_colon() {
    let server = TestServer::open();
    declare(&server, "Checkout slow", None);
    let desk = open_client(&server, "typing", (120, 40), &[]);
    desk.wait_for_text("Checkout slow");
    desk.press(":");
    desk.type_text("note rolled back");
    desk.wait_for_text("INC-1 :note rolled back");
    // A P0 is declared elsewhere while the line is being typed.
    declare_as(&server, "Payments down", "P0", None);
    let screen = desk.wait_for_text("NEW P0 INC-2 OPEN: Payments down");
    assert!(screen.contains("Checkout slow"), "the desk stays: {screen}");
    desk.type_text(" lb-2");
    desk.press("Enter");
    desk.wait_for_text("done: note INC-1");
    assert_eq!(notes(&server, "INC-1"), ["rolled back lb-2"]);
    assert!(notes(&server, "INC-2").is_empty());
}

#[test]
fn an_offer_appearing_while_a_note_is_typed_takes_no_key_and_changes_no_record() {
    // checkout has breached the warn line (2% on /pay) for two hours: declaring it here
    // brings the panel's offer of an impact start as soon as the panel has data.
    // The panels ask about the clock's "now": the history goes on past it (as in tests/cli.rs).
    let end = chrono::Utc::now().timestamp().div_euclid(60) * 60 + 600;
    let mut history = History::default();
    history.checkout(end, 2);
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    });
    let server = TestServer::open();
    let config = server.dir().join("config.toml");
    std::fs::write(&config, super::panels::config(&prometheus.url())).unwrap();
    let config = config.display().to_string();
    let desk = open_client(&server, "offer", (120, 40), &["--config", &config]);
    desk.wait_for_text("no open incidents");

    desk.press("D");
    desk.wait_for_text("Declare an incident");
    desk.type_text("Checkout 5xx");
    desk.press("Tab");
    desk.press("Tab");
    desk.type_text("checkout");
    desk.press("Enter");
    desk.wait_for_text("ACKNOWLEDGED");
    // A note begins before the panel has answered; the offer comes while it is typed.
    desk.press("n");
    desk.wait_for_text("Add to the timeline — INC-1");
    desk.type_text("rolled back");
    desk.wait_for_text("by the panel? I to review");
    // The keys the old dialog swallowed or ran as hotkeys: all of them go into the note.
    desk.type_text(" nAIy");
    desk.press("Enter");
    desk.wait_for_text("done: note INC-1");
    let screen = desk.screen();
    assert!(screen.contains("by the panel? I to review"), "{screen}");
    assert!(!screen.contains("Confirm"), "{screen}");
    assert_eq!(notes(&server, "INC-1"), ["rolled back nAIy"]);
    let log = events(&server, "INC-1");
    assert_eq!(kinds(&log), ["declared", "note_added"], "{log:#?}");

    // I opens the proposal; n drops it and nothing is recorded.
    desk.press("I");
    desk.wait_for_text("Impact on INC-1 started at");
    desk.press("n");
    desk.wait_for("the proposal closed", |s| !s.contains("Impact on INC-1"));
    assert_eq!(kinds(&events(&server, "INC-1")), ["declared", "note_added"]);
}

/// The wall's screen without its clock line (the time of day differs by a second between
/// two captures), for comparing two walls.
fn without_clock(screen: &str) -> String {
    screen
        .lines()
        .filter(|line| !line.contains("UTC"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn walls_started_before_and_after_a_close_show_the_same_screen() {
    let server = TestServer::open();
    declare_as(&server, "Checkout 5xx ratio above 5%", "P0", None);
    let before = open_client(&server, "before", (160, 45), &["--wall"]);
    before.wait_for_text("Checkout 5xx ratio above 5%");
    command(
        &server,
        "INC-1",
        json!({"type": "transition", "to": "resolved"}),
    );
    command(
        &server,
        "INC-1",
        json!({"type": "transition", "to": "closed"}),
    );
    before.wait_for_text("CLOSED");
    let after = open_client(&server, "after", (160, 45), &["--wall"]);
    after.wait_for_text("CLOSED");
    // The same log, the same screen, whenever the wall started (retried across a clock
    // minute's turn).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (a, b) = (before.screen(), after.screen());
        if without_clock(&a) == without_clock(&b) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the walls differ:\n{a}\n----\n{b}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
