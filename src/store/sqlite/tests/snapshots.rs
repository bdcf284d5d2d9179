//! The snapshot rows as the writer's commits leave them: updated in place (index columns set
//! only when they change), and `folded.head` moved only every `FOLDED_HEAD_STEP` events, which
//! a later open makes up for without folding anything twice.

use super::super::commit::{FOLDED_HEAD_STEP, append_event};
use super::{SqliteStore, folded_head, note, three_incidents};
use crate::domain::{Event, EventKind, Status};
use crate::store::row::parse_time;
use crate::store::{Commit, Store};

fn commit_each(store: &mut SqliteStore, events: &[Event]) {
    for event in events {
        let commit = Commit {
            events: vec![event.clone()],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    }
}

fn action(seq: u64, incident: u64, number: u32) -> Event {
    Event {
        kind: EventKind::ActionAdded {
            action: number,
            text: format!("action {number}"),
            owner: None,
            due_at: None,
        },
        ..note(seq, incident, "")
    }
}

#[test]
fn an_incident_that_ends_and_opens_again_is_listed_by_its_columns_as_it_is_now() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    // One commit per event: every row after the first is an update of the row before.
    let mut events = three_incidents("2025-01-02T04:00:00Z", "2025-01-02T05:00:00Z");
    commit_each(&mut store, &events);
    let kept = |store: &mut SqliteStore, since: &str| -> Vec<u64> {
        let resume = store.resume(parse_time(since).unwrap(), 10).unwrap();
        resume.incidents.iter().map(|i| i.id.number()).collect()
    };
    assert_eq!(
        kept(&mut store, "2025-01-02T04:30:00Z"),
        [2, 3],
        "INC-1 ended before"
    );
    // INC-1 opens again: its `open` and `ended_at` columns (and their index) follow.
    let reopened = Event {
        kind: EventKind::StatusChanged {
            from: Status::Resolved,
            to: Status::Investigating,
            reason: None,
            commander: None,
        },
        ..note(6, 1, "")
    };
    events.push(reopened.clone());
    commit_each(&mut store, &[reopened]);
    assert_eq!(kept(&mut store, "2025-01-02T06:00:00Z"), [1, 3]);
    let check: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // Each row is what folding the whole log gives.
    drop(store);
    let rows: Vec<_> = (1..=3)
        .map(|n| {
            SqliteStore::open(&path)
                .unwrap()
                .incident(n)
                .unwrap()
                .unwrap()
        })
        .collect();
    let mut folded = crate::store::snapshot::fold(Default::default(), &events);
    folded.sort_by_key(|incident| incident.id.number());
    assert_eq!(rows, folded);
}

#[test]
fn the_folded_head_trails_the_writer_and_opening_again_folds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let actions: Vec<Event> = (1..=10).map(|n| action(n, 1, n as u32)).collect();
    commit_each(&mut store, &actions);
    assert_eq!(
        folded_head(&path),
        0,
        "fewer than {FOLDED_HEAD_STEP} events: not moved"
    );
    // A crash: no clean stop. The next open folds the 10 events again, and skips them all.
    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    let incident = store.incident(1).unwrap().unwrap();
    assert_eq!(incident.actions.len(), 10, "no action added twice");
    assert_eq!(incident.version, 10);
    assert_eq!(folded_head(&path), 10, "the open caught the head up");

    // An event appended by something other than warroom, behind a head that trails.
    commit_each(&mut store, &[action(11, 1, 11)]);
    drop(store);
    append_event(
        &rusqlite::Connection::open(&path).unwrap(),
        &action(12, 1, 12),
    )
    .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    let incident = store.incident(1).unwrap().unwrap();
    assert_eq!(incident.actions.len(), 12, "11 once, 12 folded at the open");

    // Enough commits move it, and a clean stop writes down the rest.
    let many: Vec<Event> = (13..=13 + FOLDED_HEAD_STEP)
        .map(|n| note(n, 2, "n"))
        .collect();
    commit_each(&mut store, &many);
    let head = folded_head(&path) as u64;
    assert!(
        head > 12 && head < 13 + FOLDED_HEAD_STEP,
        "moved once: {head}"
    );
    store.checkpoint().unwrap();
    assert_eq!(folded_head(&path) as u64, 13 + FOLDED_HEAD_STEP);
}

#[test]
fn a_note_on_an_incident_writes_two_pages_to_the_log() {
    // Every page a commit changes is written to the WAL and through the commit's fsync, the
    // serial part of the writer's cycle (BENCHMARKS.md, issue 23): the event's page and the
    // incident's row. Replacing the row (both incident indexes too) or moving `folded.head`
    // in every commit made it 6; the index on `events (incident, seq)` made it 3.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let notes: Vec<Event> = (1..=60).map(|n| note(n, 1, "a note")).collect();
    commit_each(&mut store, &notes[..20]);
    let wal = dir.path().join("log.db-wal");
    let before = std::fs::metadata(&wal).unwrap().len();
    commit_each(&mut store, &notes[20..]);
    let after = std::fs::metadata(&wal).unwrap().len();
    let frames = (after - before) as f64 / (4096.0 + 24.0);
    let per_commit = frames / 40.0;
    assert!(
        (1.5..=2.5).contains(&per_commit),
        "{per_commit:.2} pages a commit"
    );
}
