//! A backend that sends an event with a malformed incident id: the real client, in tmux,
//! drops that event and keeps running with every valid incident on screen.

use crate::support::tinyhttp::{self, Request};
use crate::support::tmux::{Tmux, scratch_home};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use warroom::domain::{Event, IncidentId, NewIncident, Severity, SeverityScale, declare};

/// Two valid incidents with a malformed one between them, in the global feed's shape.
fn feed() -> Vec<Value> {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap();
    let incident = |title: &str, severity: &str| NewIncident {
        title: title.into(),
        severity: Severity::new(severity),
        service: None,
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let mut events = Vec::new();
    for (number, title, severity) in [
        (1, "Checkout returns 5xx", "P1"),
        (2, "Forged by a broken backend PWNED", "P0"),
        (3, "Search is slow", "P2"),
    ] {
        for kind in declare(incident(title, severity), at, &SeverityScale::default()).unwrap() {
            let event = Event {
                seq: events.len() as u64 + 1,
                incident: IncidentId::from_number(number),
                at,
                actor: "alice".into(),
                via: None,
                kind,
                intended_at: None,
            };
            let mut value = serde_json::to_value(event).unwrap();
            if number == 2 {
                value["incident"] = json!("bogus\u{1b}]0;PWNED\u{7}");
            }
            events.push(value);
        }
    }
    events
}

/// The empty long-polls answered: a client still asking is still running.
static POLLS_ANSWERED: AtomicUsize = AtomicUsize::new(0);

/// Answers what the client asks of a backend: who it is, the scale, and the feed (whole the
/// first time, then empty after a pause, as a long-poll that timed out).
fn backend(request: Request) -> String {
    let path = request
        .head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    if path.starts_with("/v1/whoami") {
        json!({"person": "alice", "role": "admin"}).to_string()
    } else if path.starts_with("/v1/severities") {
        serde_json::to_string(SeverityScale::default().levels()).unwrap()
    } else if path.starts_with("/v1/events?after=0&") {
        Value::Array(feed()).to_string()
    } else {
        std::thread::sleep(std::time::Duration::from_millis(300));
        POLLS_ANSWERED.fetch_add(1, Ordering::SeqCst);
        "[]".into()
    }
}

#[test]
fn a_malformed_id_in_the_feed_is_dropped_and_the_valid_incidents_stay() {
    let address = tinyhttp::serve("application/json", backend);
    let dir = tempfile::tempdir().unwrap();
    let home = scratch_home(dir.path(), "client").display().to_string();
    let url = format!("http://{address}");
    let env = [
        ("WARROOM_BACKEND", url.as_str()),
        ("WARROOM_ACTOR", "alice"),
        ("HOME", home.as_str()),
        ("XDG_CONFIG_HOME", home.as_str()),
        ("XDG_DATA_HOME", home.as_str()),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm-256color"),
    ];
    let tmux = Tmux::start(
        "malformed",
        (120, 40),
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        &[],
        &env,
        &dir.path().join("client.stderr"),
    );
    // The more severe valid incident is shown, and the other is counted.
    let screen = tmux.wait_for_text("Checkout returns 5xx");
    assert!(screen.contains("1 other open"), "{screen}");
    tmux.press("]");
    tmux.wait_for_text("Search is slow");
    // Still running and asking the backend for more (two more answers than when the screen
    // showed the incidents), and the forged incident never reached the screen.
    let answered = POLLS_ANSWERED.load(Ordering::SeqCst);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while POLLS_ANSWERED.load(Ordering::SeqCst) < answered + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the client stopped asking: {}",
            tmux.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let screen = tmux.screen();
    assert!(!screen.contains("[exited]"), "{screen}");
    assert!(!screen.contains("PWNED"), "{screen}");
    assert!(!tmux.pane_title().contains("PWNED"));
    let log =
        std::fs::read_to_string(Path::new(&home).join("warroom/warroom.log")).unwrap_or_default();
    assert!(
        log.contains("dropped a malformed item"),
        "the drop is logged: {log}"
    );
}
