//! `warroom store copy|verify`: a team's log moves from SQLite to a real PostgreSQL and
//! serves the same incidents there; a difference is found and named.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use serde_json::json;
use support::http::send;
use support::server::{TestServer, warroom};

fn run(args: &[&str]) -> (bool, String, String) {
    let output = warroom().args(args).output().expect("run warroom");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_sqlite_log_moves_to_postgres_and_serves_the_same_incidents() {
    let mut old = TestServer::on_sqlite();
    let client = support::http::client();
    for title in ["disk full", "checkout errors"] {
        let declared = send(
            client
                .post(old.url("/v1/incidents"))
                .json(&json!({"title": title, "severity": "P1"})),
        )
        .await;
        assert_eq!(declared.status, 201);
    }
    let investigate = json!({"type": "transition", "to": "investigating"});
    // Given earlier and sent from an outbox: the time the person acted moves too.
    let typed = "2026-11-25T13:58:07Z";
    let investigate_earlier =
        json!({"type": "transition", "to": "investigating", "intended_at": typed});
    let moved = send(
        client
            .post(old.url("/v1/incidents/INC-2/commands"))
            .json(&investigate_earlier),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let before = send(client.get(old.url("/v1/incidents"))).await;
    old.kill();
    let sqlite = old.db_path().display().to_string();
    let postgres = support::postgres::database();

    let (ok, stdout, stderr) = run(&["store", "copy", "--from", &sqlite, "--to", &postgres]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("copied 3 events from"), "{stdout}");
    let (ok, stdout, stderr) = run(&["store", "verify", "--from", &sqlite, "--to", &postgres]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("identical: 3 events, last seq 3"),
        "{stdout}"
    );

    let new = TestServer::on_db(&postgres);
    let after = send(client.get(new.url("/v1/incidents"))).await;
    assert_eq!(after.json, before.json);
    let log = send(client.get(new.url("/v1/incidents/INC-2/events?after=0"))).await;
    assert_eq!(log.json[1]["intended_at"], typed, "{}", log.text);

    // A second copy would mix two logs: refused.
    let (ok, _, stderr) = run(&["store", "copy", "--from", &sqlite, "--to", &postgres]);
    assert!(!ok);
    assert!(stderr.contains("already holds events"), "{stderr}");

    // The PostgreSQL side moves on; verify names where they part.
    send(
        client
            .post(new.url("/v1/incidents/INC-1/commands"))
            .json(&investigate),
    )
    .await;
    let (ok, _, stderr) = run(&["store", "verify", "--from", &sqlite, "--to", &postgres]);
    assert!(!ok);
    assert!(
        stderr.contains("stops after 3 events") && stderr.contains(&sqlite),
        "{stderr}"
    );
}

#[test]
fn a_password_never_shows_in_an_error() {
    let (ok, _, stderr) = run(&[
        "store",
        "verify",
        "--from",
        "postgres://w:hunter2@127.0.0.1:9/x",
        "--to",
        "postgres://w:hunter2@127.0.0.1:9/y",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("postgres://w:***@127.0.0.1:9/x"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn how_an_actor_came_moves_with_the_log_and_a_difference_in_it_is_named() {
    use warroom::domain::Event;
    use warroom::store::{Commit, PostgresStore, SqliteStore, Store};
    // Notes as the API writes them, one of them added through `warroom ssh-serve`.
    let note = |seq: u64, via: Option<&str>| -> Event {
        serde_json::from_value(json!({
            "seq": seq, "incident": "INC-1", "at": "2025-01-02T03:04:05.123456789Z",
            "actor": "alice", "via": via,
            "kind": {"type": "note_added", "kind": "note", "text": format!("note {seq}")},
        }))
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("log.db");
    let written = vec![note(1, None), note(2, Some("ssh"))];
    let commit = |events: Vec<Event>| Commit {
        events,
        ..Commit::default()
    };
    SqliteStore::open(&sqlite)
        .unwrap()
        .commit(&commit(written.clone()))
        .unwrap();
    let sqlite = sqlite.display().to_string();
    let postgres = support::postgres::database();
    let (ok, _, stderr) = run(&["store", "copy", "--from", &sqlite, "--to", &postgres]);
    assert!(ok, "{stderr}");
    let mut copied = PostgresStore::connect(&postgres).unwrap();
    assert_eq!(copied.events_after(0, usize::MAX).unwrap(), written);
    let (ok, stdout, stderr) = run(&["store", "verify", "--from", &sqlite, "--to", &postgres]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("identical: 2 events"), "{stdout}");

    // The same events but for how one actor came: verify tells them apart.
    let other = dir.path().join("other.db");
    SqliteStore::open(&other)
        .unwrap()
        .commit(&commit(vec![note(1, None), note(2, None)]))
        .unwrap();
    let other = other.display().to_string();
    let (ok, _, stderr) = run(&["store", "verify", "--from", &other, "--to", &postgres]);
    assert!(!ok);
    assert!(
        stderr.contains("the logs differ at seq 2") && stderr.contains(r#""via":"ssh""#),
        "{stderr}"
    );
}

/// A SQLite file whose log is `count` notes on INC-1, written straight through the store.
fn log_of_notes(dir: &std::path::Path, count: u64) -> String {
    use warroom::domain::Event;
    use warroom::store::{Commit, SqliteStore, Store};
    let path = dir.join("notes.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let mut seq = 0;
    while seq < count {
        let events: Vec<Event> = (seq + 1..=(seq + 5_000).min(count))
            .map(|seq| {
                serde_json::from_value(json!({
                    "seq": seq, "incident": "INC-1", "at": "2026-12-01T10:00:00Z",
                    "actor": "alice",
                    "kind": {"type": "note_added", "kind": "note", "text": format!("note {seq}")},
                }))
                .unwrap()
            })
            .collect();
        seq = events.last().unwrap().seq;
        let commit = Commit {
            events,
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    }
    path.display().to_string()
}

/// `copy: 15000 of 40000 events (38%), 52000 events/s, 0s left` (the last: `…, took 1s`):
/// the events done of each line, checked for form.
fn progress_lines(what: &str, stderr: &str, total: u64) -> Vec<u64> {
    let lines: Vec<&str> = stderr.lines().collect();
    let last = lines.last().expect("progress lines");
    assert!(
        last.starts_with(&format!("{what}: {total} of {total} events (100%), "))
            && last.contains(" events/s, took "),
        "{stderr}"
    );
    lines
        .iter()
        .map(|line| {
            let rest = line.strip_prefix(&format!("{what}: ")).expect(line);
            let (done, rest) = rest
                .split_once(&format!(" of {total} events ("))
                .expect(line);
            assert!(rest.contains("%), "), "{line}");
            if !std::ptr::eq(line, last) {
                assert!(
                    line.ends_with(" left") || line.ends_with("starting"),
                    "{line}"
                );
            }
            done.parse().expect(line)
        })
        .collect()
}

#[test]
fn copy_and_verify_write_progress_lines_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let from = log_of_notes(dir.path(), 40_000);
    let to = dir.path().join("copy.db").display().to_string();
    // A line every millisecond instead of every 2 s: one per page of 5,000 events.
    let every = ["--progress-every-ms", "1"];
    for what in ["copy", "verify"] {
        let mut args = vec!["store", what, "--from", &from, "--to", &to];
        args.extend(every);
        let (ok, stdout, stderr) = run(&args);
        assert!(ok, "{stderr}");
        let expected = if what == "copy" {
            "copied 40000 events"
        } else {
            "identical: 40000 events"
        };
        assert!(stdout.starts_with(expected), "{stdout}");
        let done = progress_lines(what, &stderr, 40_000);
        assert!(done.len() >= 4, "a line per page or so: {stderr}");
        assert!(done.windows(2).all(|pair| pair[0] < pair[1]), "{stderr}");
        assert!(done.iter().all(|n| n % 5_000 == 0), "{stderr}");
    }
    // At the default pace a quick copy writes its first page's line and the last.
    let other = dir.path().join("other.db").display().to_string();
    let (ok, _, stderr) = run(&["store", "copy", "--from", &from, "--to", &other]);
    assert!(ok, "{stderr}");
    assert!(
        progress_lines("copy", &stderr, 40_000).len() >= 2,
        "{stderr}"
    );
}

#[test]
fn on_a_terminal_copy_draws_a_bar_in_place_that_ends_at_100_percent() {
    let dir = tempfile::tempdir().unwrap();
    let from = log_of_notes(dir.path(), 40_000);
    let to = dir.path().join("copy.db").display().to_string();
    // stderr onto the terminal (the harness sends the shell's own to a file).
    let command = format!(
        "'{}' store copy --from '{from}' --to '{to}' 2>&1",
        env!("CARGO_BIN_EXE_warroom")
    );
    let tmux = support::tmux::Tmux::start(
        "store-copy",
        (120, 10),
        std::path::Path::new("/bin/sh"),
        &["-c", &command],
        &[],
        &dir.path().join("sh.stderr"),
    );
    let raw = dir.path().join("raw");
    tmux.record_output(&raw);
    let screen = tmux.wait_for_text("[exited]");
    assert!(
        screen.contains("copy [########################] 100% 40000/40000 events, ")
            && screen.contains(" events/s, took "),
        "{screen}"
    );
    assert!(screen.contains("copied 40000 events from"), "{screen}");
    assert!(
        !screen.contains("copy: "),
        "no plain lines on a terminal: {screen}"
    );
    let raw = std::fs::read_to_string(&raw).unwrap_or_default();
    assert!(
        raw.contains("\rcopy ["),
        "the bar is redrawn in place: {raw:?}"
    );
}
