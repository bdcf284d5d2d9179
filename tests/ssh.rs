//! `warroom ssh-serve` with the real OpenSSH client in tmux, against a real `warroom serve`:
//! keys as identity, the gateway token acting for the person, one screen per connection.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};
use support::server::TestServer;
use support::ssh::{GATEWAY_TOKENS, SshServe, key_pair, key_pair_of};
use support::tmux::Tmux;

/// `GET path` on the backend as its admin.
fn get(backend: &TestServer, path: &str) -> Value {
    let output = Command::new("curl")
        .args(["-sf", "-H", "authorization: Bearer admin-token"])
        .arg(backend.url(path))
        .output()
        .expect("curl");
    assert!(output.status.success(), "GET {path} failed: {output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Declares a P1 as the backend's admin, as a script would.
fn declare(backend: &TestServer, title: &str) {
    declare_severity(backend, title, "P1");
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "waited 20s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Adds a note to INC-1 on the screen and waits until the backend has it.
fn add_note(backend: &TestServer, screen: &Tmux, text: &str) {
    screen.press("n");
    screen.wait_for_text("note");
    screen.type_text(text);
    screen.wait_for_text(text);
    screen.press("Enter");
    wait_until("the note in the log", || {
        let events = get(backend, "/v1/incidents/INC-1/events");
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"]["text"] == text)
    });
}

#[test]
fn a_listed_key_sees_the_war_room_and_its_note_is_the_persons_via_ssh() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "commander")]);
    assert!(
        gateway.fingerprint.starts_with("SHA256:"),
        "{}",
        gateway.fingerprint
    );
    declare(&backend, "Checkout returns 5xx");

    let screen = gateway.connect("alice", "alice", (120, 40), &[], &[]);
    screen.wait_for_text("Checkout returns 5xx");
    screen.wait_for_text("alice (commander)");
    add_note(&backend, &screen, "rolled back the LB config");

    let events = get(&backend, "/v1/incidents/INC-1/events");
    let note = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"]["type"] == "note_added")
        .expect("the note is in the log");
    assert_eq!(note["actor"], "alice");
    assert_eq!(note["via"], "ssh");
    assert_eq!(note["kind"]["text"], "rolled back the LB config");
    // The admin's own declaration came directly.
    assert!(events[0].get("via").is_none(), "{}", events[0]);

    // `y` copies the summary through OSC 52 on this session's channel, to the terminal the
    // ssh client runs in (here tmux, which keeps it as its paste buffer).
    screen.allow_clipboard();
    assert_eq!(screen.clipboard(), None, "nothing copied yet");
    screen.press("y");
    screen.wait_for_text("sent to the clipboard");
    wait_until("the copy in tmux's buffer", || {
        screen.clipboard().is_some_and(|text| {
            text.starts_with("INC-1 [P1] ") && text.contains("Checkout returns 5xx")
        })
    });

    screen.press("q");
    wait_until("the session's end in the log", || {
        gateway.log().contains("ssh session ended")
    });
    let log = gateway.log();
    for line in log.lines().filter(|l| l.contains("ssh session")) {
        assert!(line.contains("person=\"alice\""), "{line}");
        assert!(line.contains("key=SHA256:"), "{line}");
        assert!(line.contains("source=127.0.0.1:"), "{line}");
    }
    assert!(
        !log.contains("gateway-token"),
        "the token reached the log:\n{log}"
    );
}

#[test]
fn an_unlisted_key_is_refused_until_the_file_lists_it() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "responder")]);
    declare(&backend, "Queue backlog");
    let mallory = key_pair(gateway.dir(), "mallory");

    let (code, stdout, stderr) = gateway.run("mallory", &["incident", "list"]);
    assert_eq!(code, 255, "refused at authentication: {stdout}{stderr}");
    assert!(stderr.contains("Permission denied (publickey)"), "{stderr}");
    assert!(!stdout.contains("Queue backlog"));

    // Listed now: the next connection gets in, with no restart.
    let file = gateway.dir().join("authorized.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&format!(
        "[[key]]\nperson = \"mallory\"\nrole = \"viewer\"\nkey = \"{mallory}\"\n"
    ));
    std::fs::write(&file, text).unwrap();
    let (code, stdout, stderr) = gateway.run("mallory", &["incident", "list"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("INC-1") && stdout.contains("Queue backlog"),
        "{stdout}"
    );

    // Commands that change things are for the screen, where the roles show.
    let (code, _, stderr) = gateway.run("alice", &["incident", "note", "INC-1", "hi"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("only the screen"), "{stderr}");
}

/// Bastion users bring the keys they have: ECDSA and RSA keys log in as Ed25519 ones do, the
/// RSA key signing with SHA-2 as OpenSSH does by default (`tests/ssh_limits.rs` has the same
/// key refused when it signs with SHA-1).
#[test]
fn ecdsa_and_rsa_keys_log_in_with_openssh() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "responder")]);
    declare(&backend, "Disk full on db-2");
    let file = gateway.dir().join("authorized.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    for (person, kind) in [("erin", "ecdsa"), ("robert", "rsa")] {
        let key = key_pair_of(kind, gateway.dir(), person);
        text.push_str(&format!(
            "[[key]]\nperson = \"{person}\"\nrole = \"viewer\"\nkey = \"{key}\"\n"
        ));
    }
    std::fs::write(&file, text).unwrap();

    for person in ["erin", "robert"] {
        let (code, stdout, stderr) = gateway.run(person, &["incident", "list"]);
        assert_eq!(code, 0, "{person}: {stdout}{stderr}");
        assert!(stdout.contains("Disk full on db-2"), "{person}: {stdout}");
    }
}

#[test]
fn a_viewers_key_cannot_transition() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("victor", "viewer")]);
    declare(&backend, "Login errors");
    let screen = gateway.connect("victor", "victor", (120, 40), &[], &[]);
    screen.wait_for_text("Login errors");
    screen.wait_for_text("victor (viewer)");
    screen.press("m");
    screen.wait_for_text("you are a viewer");
    std::thread::sleep(Duration::from_millis(500));
    let incident = get(&backend, "/v1/incidents/INC-1");
    assert_eq!(incident["status"], "acknowledged", "{incident}");
}

#[test]
fn resizing_the_window_redraws_at_the_new_size() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "responder")]);
    let screen = gateway.connect("alice", "resize", (100, 30), &[], &[]);
    let widest = |screen: &str| {
        screen
            .lines()
            .filter(|line| line.contains("Metrics"))
            .map(|line| line.trim_end().chars().count())
            .max()
            .unwrap_or(0)
    };
    screen.wait_for("the panels at 100 columns", |s| widest(s) == 100);
    screen.resize((140, 45));
    screen.wait_for("the panels at 140 columns", |s| widest(s) == 140);
    screen.wait_for("45 rows", |s| s.lines().count() >= 44 && s.contains("quit"));
    screen.resize((110, 30));
    screen.wait_for("the panels at 110 columns", |s| widest(s) == 110);
}

#[test]
fn lang_c_over_sendenv_gives_ascii() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "responder")]);
    let utf8 = gateway.connect("alice", "utf8", (100, 30), &[], &[]);
    utf8.wait_for("box drawing", |s| s.contains("┌ Metrics"));
    let ascii = gateway.connect("alice", "ascii", (100, 30), &[("LANG", "C")], &[]);
    let screen = ascii.wait_for("ASCII borders", |s| s.contains("+ Metrics"));
    assert!(screen.is_ascii(), "{screen}");
}

#[test]
fn two_sessions_see_each_others_changes_and_one_killed_leaves_the_other() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start(&backend, &[("alice", "commander"), ("bob", "responder")]);
    let alice = gateway.connect("alice", "alice", (120, 40), &[], &[]);
    let bob = gateway.connect("bob", "bob", (120, 40), &[], &[]);
    alice.wait_for_text("no open incidents");
    bob.wait_for_text("no open incidents");

    alice.press("D");
    alice.wait_for_text("Declare an incident");
    alice.type_text("Payments timing out");
    alice.press("Enter");
    bob.wait_for_text("Payments timing out");
    add_note(&backend, &bob, "seeing it in eu-west");
    alice.wait_for_text("seeing it in eu-west");

    // Alice's connection dies (her laptop's network goes); Bob's session does not notice.
    let pid = alice.program_pid();
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    wait_until("alice's session to end", || {
        gateway
            .log()
            .lines()
            .any(|l| l.contains("ssh session ended") && l.contains("alice"))
    });
    add_note(&backend, &bob, "still here after alice left");
    bob.wait_for_text("live bob (responder)");
    let events = get(&backend, "/v1/incidents/INC-1/events");
    let notes: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "bob")
        .collect();
    assert_eq!(notes.len(), 2, "{events}");
    assert!(notes.iter().all(|e| e["via"] == "ssh"));
    assert!(!gateway.log().contains("panicked"), "{}", gateway.log());
}

#[test]
fn the_wall_and_incident_list_run_as_commands_and_limits_hold() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    let gateway = SshServe::start_with(
        &backend,
        &[("alice", "commander"), ("bob", "viewer")],
        &["--max-sessions", "2", "--idle", "6s"],
    );
    declare(&backend, "Search is slow");
    let (code, stdout, stderr) = gateway.run("bob", &["incident", "list", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let list: Value = serde_json::from_str(&stdout).expect("JSON from incident list --json");
    assert_eq!(list[0]["title"], "Search is slow");

    let wall = gateway.connect("bob", "wall", (160, 45), &[], &["wall"]);
    wall.wait_for_text("Search is slow");
    let desk = gateway.connect("alice", "desk", (120, 40), &[], &[]);
    desk.wait_for_text("Search is slow");

    // Two sessions are the cap: a third is turned away with a reason.
    let (code, _, stderr) = gateway.run("alice", &["incident", "list"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("all 2 sessions are taken"), "{stderr}");

    // Nobody types at the desk: it closes after 6 s; the wall stays. Nothing to wait for:
    // the wall connected first, so an idle timer of its own would have run out before the
    // desk's (each session has its own).
    desk.wait_for_text("closed after 6s idle");
    let screen = wall.screen();
    assert!(
        screen.contains("Search is slow") && !screen.contains("idle"),
        "{screen}"
    );
    let (code, stdout, stderr) = gateway.run("alice", &["incident", "list"]);
    assert_eq!(code, 0, "a slot is free again: {stderr}");
    assert!(stdout.contains("Search is slow"));
}

/// Declares an incident of `severity` as the backend's admin.
fn declare_severity(backend: &TestServer, title: &str, severity: &str) {
    let body = serde_json::json!({"title": title, "severity": severity});
    post(backend, "/v1/incidents", body);
}

/// `POST path` on the backend as its admin, as a script would.
fn post(backend: &TestServer, path: &str, body: Value) {
    let output = Command::new("curl")
        .args(["-sf", "-H", "authorization: Bearer admin-token"])
        .args(["-H", "content-type: application/json", "-d"])
        .arg(body.to_string())
        .arg(backend.url(path))
        .output()
        .expect("curl");
    assert!(output.status.success(), "POST {path} failed: {output:?}");
}

/// Waits until the session's raw output holds more bells than `before`.
fn wait_for_bell(screen: &Tmux, raw: &std::path::Path, before: usize, what: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rung = support::tmux::bells(&std::fs::read(raw).unwrap_or_default());
        if rung > before {
            return rung;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: no BEL reached the ssh client's terminal; the screen:\n{}",
            screen.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issue 20 item 4: SSH sessions ring and show the banner as a local desk does, each on its
/// own, for a new P0 and for a lapse (a P0's commander vacant past its grace).
#[test]
fn ssh_sessions_get_the_bell_and_the_banner_for_a_new_p0_and_a_lapse() {
    let config = "[escalation]\ncommander_grace = \"3s\"\ncheck_every = \"1s\"\n";
    let backend = TestServer::with_config(Some(GATEWAY_TOKENS), config, &[]);
    let gateway = SshServe::start(&backend, &[("alice", "commander"), ("bob", "responder")]);
    declare(&backend, "Search is slow");
    // INC-1 has its commander: the only seat left vacant is the P0's, so the lapse that
    // rings is the P0's (a lapse of INC-1 would ring, and hold the banner, first).
    let command =
        serde_json::json!({"type": "assign_role", "role": "commander", "person": "alice"});
    post(&backend, "/v1/incidents/INC-1/commands", command);
    let sessions: Vec<(Tmux, std::path::PathBuf)> = [("alice", "ring-a"), ("bob", "ring-b")]
        .into_iter()
        .map(|(person, name)| {
            let screen = gateway.connect(person, name, (120, 40), &[], &[]);
            screen.wait_for_text("Search is slow");
            let raw = gateway.dir().join(format!("{name}.raw"));
            screen.record_output(&raw);
            (screen, raw)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for (_, raw) in &sessions {
        assert_eq!(
            support::tmux::bells(&std::fs::read(raw).unwrap_or_default()),
            0
        );
    }

    declare_severity(&backend, "Payments down", "P0");
    let mut rung = Vec::new();
    for (screen, raw) in &sessions {
        let shown = screen.wait_for_text("NEW P0 INC-2 OPEN: Payments down");
        assert!(
            shown.contains("Search is slow"),
            "the session stays: {shown}"
        );
        rung.push(wait_for_bell(screen, raw, 0, "the new P0"));
    }
    // Nobody takes command of the P0: its lapse rings again, with its own banner.
    for ((screen, raw), before) in sessions.iter().zip(rung) {
        screen.wait_for_text("INC-2: COMMANDER VACANT");
        wait_for_bell(screen, raw, before, "the lapse");
    }
}

/// Issue 20 item 4: the SSH wall draws the incident's whole timeline at once, not from the
/// next event on.
#[test]
fn the_ssh_wall_shows_an_existing_timeline_on_first_draw() {
    let backend = TestServer::with_tokens(GATEWAY_TOKENS);
    declare(&backend, "Search is slow");
    for text in ["first look at the search nodes", "rolled back search-7"] {
        let note = serde_json::json!({"type": "add_note", "kind": "note", "text": text});
        post(&backend, "/v1/incidents/INC-1/commands", note);
    }
    let gateway = SshServe::start(&backend, &[("bob", "viewer")]);
    let wall = gateway.connect("bob", "first-wall", (160, 45), &[], &["wall"]);
    let screen = wall.wait_for_text("Timeline (3)");
    assert!(
        screen.contains("first look at the search nodes")
            && screen.contains("rolled back search-7"),
        "{screen}"
    );
    assert!(!screen.contains("nothing matches"), "{screen}");
    // Resolved, it stays on the walls a while as ended; the shared fold keeps no ended
    // incident's log, so a wall started now fetches it for itself.
    let resolve = serde_json::json!({"type": "transition", "to": "resolved"});
    post(&backend, "/v1/incidents/INC-1/commands", resolve);
    wall.wait_for_text("Timeline (4)");
    let later = gateway.connect("bob", "later-wall", (160, 45), &[], &["wall"]);
    let screen = later.wait_for_text("Timeline (4)");
    assert!(
        screen.contains("RESOLVED") && screen.contains("rolled back search-7"),
        "{screen}"
    );
}
