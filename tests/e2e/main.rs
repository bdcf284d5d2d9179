//! The real binary in tmux against a real `warroom serve`: what a commander does, what the
//! wall shows, what the log holds, escape sequences in titles, and a backend outage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

#[path = "../support/mod.rs"]
mod support;

mod bound;
mod commander;
mod communicate;
mod evidence;
mod followups;
mod history;
mod malformed;
mod outages;
mod panels;
mod past;
mod private_files;
mod recurrence;
mod review;

use serde_json::{Value, json};
use std::path::Path;
use support::server::TestServer;
use support::tmux::{Tmux, scratch_home};

fn client_env<'a>(
    server: &'a TestServer,
    home: &'a str,
    actor: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("WARROOM_BACKEND", server.base()),
        ("WARROOM_ACTOR", actor),
        ("HOME", home),
        ("XDG_CONFIG_HOME", home),
        ("XDG_DATA_HOME", home),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm-256color"),
    ]
}

/// A client in tmux, with its own scratch home, talking to `server`.
fn open_client(server: &TestServer, name: &str, size: (u16, u16), args: &[&str]) -> Tmux {
    let home = scratch_home(server.dir(), name);
    let home = home.display().to_string();
    let env = client_env(server, &home, "alice");
    let stderr = server.dir().join(format!("{name}.stderr"));
    Tmux::start(
        name,
        size,
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        args,
        &env,
        &stderr,
    )
}

fn events(server: &TestServer, id: &str) -> Vec<Value> {
    let url = server.url(&format!("/v1/incidents/{id}/events"));
    let body = std::process::Command::new("curl")
        .args(["-sf", &url])
        .output()
        .expect("curl");
    serde_json::from_slice(&body.stdout).expect("the events are JSON")
}

/// Declares a P1 through the API, as a script would.
fn declare(server: &TestServer, title: &str, service: Option<&str>) {
    declare_as(server, title, "P1", service);
}

/// Declares an incident of `severity` through the API.
fn declare_as(server: &TestServer, title: &str, severity: &str, service: Option<&str>) {
    let body = json!({"title": title, "severity": severity, "service": service});
    let output = std::process::Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d"])
        .arg(body.to_string())
        .arg(server.url("/v1/incidents"))
        .output()
        .expect("curl");
    assert!(output.status.success(), "declare failed: {output:?}");
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let kind = &e["kind"];
            match kind["type"].as_str().unwrap() {
                "status_changed" => format!("status_changed:{}", kind["to"].as_str().unwrap()),
                other => other.to_string(),
            }
        })
        .collect()
}

#[test]
fn a_commander_drives_an_incident_and_the_wall_follows() {
    let server = TestServer::open();
    let desk = open_client(&server, "desk", (120, 40), &[]);
    let wall = open_client(&server, "wall", (200, 50), &["--wall"]);
    desk.wait_for_text("no open incidents");
    wall.wait_for_text("ALL CLEAR");

    desk.press("D");
    desk.wait_for_text("Declare an incident");
    desk.type_text("Checkout API returns 5xx");
    desk.press("Enter");
    // Whoever declares has taken it on: it starts acknowledged.
    desk.wait_for_text("ACKNOWLEDGED");
    wall.wait_for_text("Checkout API returns 5xx");
    wall.wait_for_text("ACKNOWLEDGED");

    desk.press("o");
    desk.wait_for_text("Assign or relieve a role");
    desk.type_text("alice");
    desk.press("Enter");
    desk.wait_for("alice as commander", |s| {
        s.contains("Incident Commander  alice")
    });
    wall.wait_for("alice as commander", |s| {
        s.contains("Incident Commander  alice")
    });

    desk.press("t");
    desk.type_text("roll back the LB config");
    desk.press("Enter");
    desk.wait_for_text("[ ] #1 roll back the LB config");
    wall.wait_for_text("[ ] #1 roll back the LB config");

    desk.press("Tab"); // focus the action items
    desk.press("Space");
    desk.wait_for_text("[✓] #1 roll back the LB config");
    wall.wait_for_text("[✓] #1 roll back the LB config");

    desk.press("m");
    desk.wait_for_text("MITIGATED");
    wall.wait_for_text("MITIGATED");

    desk.press("r");
    desk.wait_for_text("Resolve INC-1");
    desk.press("y");
    desk.wait_for_text("RESOLVED");
    wall.wait_for_text("RESOLVED");

    let log = events(&server, "INC-1");
    assert_eq!(
        kinds(&log),
        [
            "declared",
            "role_assigned",
            "action_added",
            "action_completed",
            "status_changed:mitigated",
            "status_changed:resolved",
        ]
    );
    assert!(log.iter().all(|e| e["actor"] == "alice"), "{log:?}");
    desk.press("q");
    desk.wait_for_text("[exited]");
    // SIGTERM (a closing war room, a systemd stop) leaves the terminal as it was.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &wall.program_pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let screen = wall.wait_for_text("[exited]");
    assert!(
        !screen.contains("Timeline"),
        "the alternate screen was left:\n{screen}"
    );
}

#[test]
fn escape_sequences_in_a_title_reach_the_terminal_inert() {
    let server = TestServer::open();
    declare(&server, "Pwn\u{1b}]0;pwned\u{7}Title X\u{1b}[2JY", None);

    let desk = open_client(&server, "desk", (120, 40), &[]);
    let raw = server.dir().join("terminal.bin");
    desk.record_output(&raw);
    let screen = desk.wait_for_text("Title X");
    assert!(
        screen.contains("Pwn\u{FFFD}]0;pwned\u{FFFD}Title X\u{FFFD}[2JY"),
        "{screen}"
    );
    assert_ne!(desk.pane_title(), "pwned");
    // Redraw once more so the recording certainly holds the title's bytes.
    desk.press("?");
    desk.wait_for_text("Keys");
    desk.press("Escape");
    desk.wait_for("help closed", |s| !s.contains(" Keys "));
    let bytes = std::fs::read(&raw).expect("the recording");
    let written = String::from_utf8_lossy(&bytes);
    assert!(
        written.contains("Pwn\u{FFFD}]0;pwned"),
        "the title was drawn"
    );
    assert!(
        !written.contains("\u{1b}]0;pwned"),
        "an OSC title change reached the terminal"
    );
    assert!(
        !written.contains("X\u{1b}[2JY"),
        "a screen clear reached the terminal"
    );
    assert!(!written.contains('\u{7}'), "a bell reached the terminal");
}

#[test]
fn a_backend_outage_shows_and_the_pending_command_lands_once() {
    let mut server = TestServer::open();
    declare(&server, "Payments slow", None);
    let desk = open_client(&server, "desk", (120, 40), &[]);
    desk.wait_for_text("Payments slow");

    server.kill();
    desk.wait_for_text("disconnected since");
    desk.press("n");
    desk.type_text("checked the payment gateway");
    desk.press("Enter");
    desk.wait_for_text("pending, retrying");

    server.restart();
    desk.wait_for_text("live");
    desk.wait_for_text("checked the payment gateway");
    let log = events(&server, "INC-1");
    let notes = log
        .iter()
        .filter(|e| e["kind"]["text"] == "checked the payment gateway")
        .count();
    assert_eq!(notes, 1, "{log:?}");
}

#[test]
fn sixteen_colours_never_reach_the_terminal_as_256_colour_codes() {
    let server = TestServer::open();
    declare(&server, "Checkout 5xx", Some("checkout"));
    let desk = open_client(&server, "sixteen", (120, 40), &["--color", "16"]);
    let raw = server.dir().join("sixteen.bin");
    desk.record_output(&raw);
    desk.wait_for_text("Checkout 5xx");
    // Redraw everything once more (help over it, then gone) so the recording holds the
    // colours of a whole frame.
    desk.press("?");
    desk.wait_for_text("Keys");
    desk.press("Escape");
    desk.wait_for("help closed", |s| !s.contains(" Keys "));
    let bytes = std::fs::read(&raw).expect("the recording");
    let written = String::from_utf8_lossy(&bytes);
    assert!(
        !written.contains("38;5;") && !written.contains("48;5;"),
        "a 256-colour code reached a 16-colour terminal"
    );
    // The colours are there, in their basic form (P1 is amber: yellow 33 or a 43 badge).
    let sgr: std::collections::BTreeSet<&str> = written
        .split('\u{1b}')
        .filter_map(|s| s.strip_prefix('['))
        .filter_map(|s| s.split_once('m').map(|(p, _)| p))
        .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';'))
        .collect();
    assert!(
        sgr.iter()
            .any(|params| params.split(';').any(|p| p == "33" || p == "43")),
        "no basic colour was written: {sgr:?}"
    );
}

#[test]
fn the_command_history_outlives_the_client() {
    let server = TestServer::open();
    declare(&server, "Checkout 5xx", Some("checkout"));
    declare(&server, "Search slow", Some("search"));
    let first = open_client(&server, "history", (120, 40), &[]);
    first.wait_for_text("Search slow");
    first.type_text(":go INC-1");
    first.press("Enter");
    first.press("q");
    let home = scratch_home(server.dir(), "history");
    let file = home.join("warroom").join("command_history");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !file.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let saved = std::fs::read_to_string(&file).expect("the history file");
    assert_eq!(saved, "go INC-1\n");
    drop(first);
    let second = open_client(&server, "history", (120, 40), &[]);
    second.wait_for_text("Search slow");
    second.press(":");
    second.press("Up");
    second.wait_for_text(":go INC-1");
}
