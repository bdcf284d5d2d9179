//! Each incident's events, found through `timeline` up to `folded.head` and through the log's
//! tail beyond it: every page is what filtering the log gives, wherever the head stands, and
//! `timeline` holds exactly the events up to the head.

use super::super::commit::{FOLDED_HEAD_STEP, append_event};
use super::super::schema::SCHEMA_VERSION;
use super::{SqliteStore, folded_head, note};
use crate::domain::{Event, IncidentId};
use crate::store::{Commit, Store};
use rusqlite::Connection;
use std::path::Path;

/// Notes spread over incidents 1 to 3 (none on 4), committed seven at a time as the writer's
/// batches are.
fn notes(store: &mut SqliteStore, seqs: std::ops::RangeInclusive<u64>) -> Vec<Event> {
    let events: Vec<Event> = seqs.map(|seq| note(seq, seq % 3 + 1, "n")).collect();
    for batch in events.chunks(7) {
        let commit = Commit {
            events: batch.to_vec(),
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    }
    events
}

/// Every page `incident_events_after` gives, for each incident and around the head, is the
/// log filtered by incident, after the cursor, cut at the limit.
fn pages_are_the_log_filtered(store: &mut SqliteStore, log: &[Event], head: u64) {
    let last = log.last().map_or(0, |event| event.seq);
    let cursors = [
        0,
        1,
        500,
        head.saturating_sub(1),
        head,
        head + 1,
        last - 1,
        last,
    ];
    for incident in 1..=4 {
        let id = IncidentId::from_number(incident);
        for after in cursors {
            for limit in [1, 10, 1_000, usize::MAX] {
                let expected: Vec<u64> = log
                    .iter()
                    .filter(|event| event.incident == id && event.seq > after)
                    .take(limit)
                    .map(|event| event.seq)
                    .collect();
                let found: Vec<u64> = store
                    .incident_events_after(&id, after, limit)
                    .unwrap()
                    .iter()
                    .map(|event| event.seq)
                    .collect();
                assert_eq!(
                    found, expected,
                    "{id} after {after}, at most {limit}, head {head}"
                );
            }
        }
    }
}

/// `(rows in timeline, rows beyond the head)`: the first is the head, the second 0.
fn timeline_rows(path: &Path) -> (i64, i64) {
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE seq > (SELECT head FROM folded))
             FROM timeline",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
}

#[test]
fn an_incidents_pages_are_the_log_filtered_wherever_the_head_stands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let steps = 2 * FOLDED_HEAD_STEP + FOLDED_HEAD_STEP / 2;
    let mut log = notes(&mut store, 1..=steps);
    // The head moved twice and trails the last commit by hundreds of events.
    let head = folded_head(&path) as u64;
    assert!((2 * FOLDED_HEAD_STEP..steps).contains(&head), "head {head}");
    assert_eq!(timeline_rows(&path), (head as i64, 0));
    pages_are_the_log_filtered(&mut store, &log, head);

    // An event appended behind warroom's back, beyond the head: the next open folds it and
    // finds it in the timeline.
    drop(store);
    let outside = note(steps + 1, 2, "outside");
    append_event(&Connection::open(&path).unwrap(), &outside).unwrap();
    log.push(outside);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(folded_head(&path) as u64, steps + 1);
    assert_eq!(timeline_rows(&path), (steps as i64 + 1, 0));
    pages_are_the_log_filtered(&mut store, &log, steps + 1);

    // More commits, then a clean stop: the head and the timeline reach the last event.
    log.extend(notes(&mut store, steps + 2..=steps + 20));
    pages_are_the_log_filtered(&mut store, &log, steps + 1);
    store.checkpoint().unwrap();
    assert_eq!(timeline_rows(&path), (steps as i64 + 20, 0));
    pages_are_the_log_filtered(&mut store, &log, steps + 20);
}

#[test]
fn a_schema_9_file_loses_its_index_and_gains_the_timeline_up_to_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let log = notes(&mut store, 1..=FOLDED_HEAD_STEP + 100);
    let head = folded_head(&path) as u64;
    assert!(head >= FOLDED_HEAD_STEP, "head {head}");
    drop(store);
    // The file as schema 9 had it: the index on every event, no timeline.
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP TABLE timeline;
             CREATE INDEX events_by_incident ON events (incident, seq);
             PRAGMA user_version = 9;",
        )
        .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let (version, index): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_master WHERE name = 'events_by_incident')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((version, index), (SCHEMA_VERSION, 0));
    // The open after the upgrade folded (and indexed) the events the head trailed.
    let last = FOLDED_HEAD_STEP + 100;
    assert_eq!(folded_head(&path) as u64, last);
    assert_eq!(timeline_rows(&path), (last as i64, 0));
    pages_are_the_log_filtered(&mut store, &log, last);
}

#[test]
fn a_commit_of_notes_on_eight_incidents_writes_five_pages_not_thirteen() {
    // Every page a commit changes goes to the WAL and through its fsync (BENCHMARKS.md,
    // issue 23). An index on `events (incident, seq)` added a page per incident touched,
    // since each incident's entries end on a page of their own: 12.95 pages here.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let mut seq = 0;
    let mut commit_round = |store: &mut SqliteStore| {
        let events: Vec<Event> = (1..=8)
            .map(|incident| {
                seq += 1;
                note(seq, incident, "a note")
            })
            .collect();
        let commit = Commit {
            events,
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    };
    // A history long enough that each incident's entries span pages of their own.
    for _ in 0..400 {
        commit_round(&mut store);
    }
    // An empty WAL, so that the 40 commits measured are not cut by a checkpoint.
    store
        .engine
        .conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let wal = dir.path().join("log.db-wal");
    let before = std::fs::metadata(&wal).unwrap().len();
    for _ in 0..40 {
        commit_round(&mut store);
    }
    let after = std::fs::metadata(&wal).unwrap().len();
    let per_commit = (after - before) as f64 / (4096.0 + 24.0) / 40.0;
    // The events' page (sometimes two) and the pages holding the eight incidents' rows: 4.58.
    assert!(per_commit <= 5.5, "{per_commit:.2} pages a commit");
}
