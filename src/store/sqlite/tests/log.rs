//! The log's promises on a real file: durability settings, all-or-nothing commits, the
//! reopened file, forgetting expired answers, the readiness probes. (The snapshot rows and
//! what a resume reads are checked on both stores in `tests/postgres_store.rs`.)

use super::super::SqliteStore;
use super::{key, note, remembered, store_with_one_note};
use crate::domain::Event;
use crate::store::row::parse_time;
use crate::store::{Attempt, Commit, NewDelivery, Outbox, Store, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::time::Duration;

#[test]
fn an_event_keeps_the_time_the_person_acted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let typed = parse_time("2026-11-25T13:58:07Z").unwrap();
    let event = Event {
        intended_at: Some(typed),
        ..note(1, 1, "typed offline")
    };
    {
        let mut store = SqliteStore::open(&path).unwrap();
        let commit = Commit {
            events: vec![event.clone(), note(2, 1, "typed online")],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    }
    let loaded = SqliteStore::open(&path)
        .unwrap()
        .events_after(0, usize::MAX)
        .unwrap();
    assert_eq!(loaded[0].intended_at, Some(typed));
    assert_eq!(loaded[1].intended_at, None);
}

#[test]
fn committed_events_and_responses_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let response = remembered(201, "2026-11-25T14:00:00Z");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        let commit = Commit {
            events: vec![note(1, 1, "first"), note(2, 2, "second")],
            responses: vec![(key("k1"), response.clone())],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, 1, "first"), note(2, 2, "second")]
    );
    assert_eq!(store.recall(&key("k1")).unwrap(), Some(response));
    assert_eq!(store.recall(&key("k2")).unwrap(), None);
    let mut other_actor = key("k1");
    other_actor.actor = "bob".into();
    assert_eq!(store.recall(&other_actor).unwrap(), None);
}

#[test]
fn the_log_is_in_wal_mode_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    let pragma = |name: &str| -> String {
        store
            .engine
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |row| {
                row.get::<_, rusqlite::types::Value>(0)
            })
            .map(|value| format!("{value:?}"))
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
    // 2 is FULL: every commit fsyncs the WAL.
    assert_eq!(pragma("synchronous"), "Integer(2)");
}

#[test]
fn a_failed_commit_stores_nothing_of_its_batch() {
    let (_dir, mut store) = store_with_one_note();
    // seq 1 again violates the primary key after seq 2 was inserted in the same batch.
    let clash = Commit {
        events: vec![note(2, 1, "lost"), note(1, 1, "clash")],
        responses: vec![(key("k"), remembered(200, "2026-11-25T14:00:00Z"))],
        ..Commit::default()
    };
    assert!(store.commit(&clash).is_err());
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, 1, "kept")]
    );
    assert_eq!(store.recall(&key("k")).unwrap(), None);
}

#[test]
fn a_delivery_whose_seq_does_not_fit_the_column_fails_its_commit_whole() {
    let (_dir, mut store) = store_with_one_note();
    let commit = Commit {
        events: vec![note(2, 1, "lost")],
        deliveries: vec![NewDelivery {
            id: "d1".into(),
            target: "ops".into(),
            incident: "INC-1".into(),
            seq: u64::MAX,
            body: "{}".into(),
            created_at: "2026-11-25T14:00:00Z".parse().unwrap(),
        }],
        ..Commit::default()
    };
    let err = store.commit(&commit).unwrap_err().to_string();
    assert!(err.contains("does not fit a 64-bit column"), "{err}");
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, 1, "kept")]
    );
    let deliveries: i64 = store
        .engine
        .conn
        .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))
        .unwrap();
    assert_eq!(deliveries, 0, "no wrapped seq was stored");
}

#[test]
fn expired_answers_are_forgotten_in_the_commit_that_says_so() {
    let (_dir, mut store) = store_with_one_note();
    let commit = Commit {
        responses: vec![
            (key("old"), remembered(200, "2026-11-01T00:00:00Z")),
            (key("new"), remembered(200, "2026-11-20T00:00:00Z")),
        ],
        ..Commit::default()
    };
    store.commit(&commit).unwrap();
    let prune = Commit {
        forget_before: Some("2026-11-10T00:00:00Z".parse().unwrap()),
        ..Commit::default()
    };
    assert!(!prune.is_empty(), "a prune alone is a commit");
    store.commit(&prune).unwrap();
    assert_eq!(store.recall(&key("old")).unwrap(), None);
    assert!(store.recall(&key("new")).unwrap().is_some());
    // An expired key used again replaces the old answer.
    let again = Commit {
        responses: vec![(key("new"), remembered(201, "2026-11-25T00:00:00Z"))],
        ..Commit::default()
    };
    store.commit(&again).unwrap();
    assert_eq!(
        store.recall(&key("new")).unwrap().unwrap().response.status,
        201
    );
}

#[test]
fn an_answer_stored_within_the_second_before_the_cutoff_is_forgotten() {
    let (_dir, mut store) = store_with_one_note();
    let commit = Commit {
        responses: vec![
            (key("whole"), remembered(200, "2026-11-25T14:00:00Z")),
            (key("tenth"), remembered(200, "2026-11-25T14:00:00.1Z")),
            (key("later"), remembered(200, "2026-11-25T14:00:00.6Z")),
        ],
        ..Commit::default()
    };
    store.commit(&commit).unwrap();
    // As variable-width text, "14:00:00Z" and "14:00:00.1Z" sort after "14:00:00.5Z".
    let prune = Commit {
        forget_before: Some("2026-11-25T14:00:00.5Z".parse().unwrap()),
        ..Commit::default()
    };
    store.commit(&prune).unwrap();
    assert_eq!(store.recall(&key("whole")).unwrap(), None);
    assert_eq!(store.recall(&key("tenth")).unwrap(), None);
    assert!(store.recall(&key("later")).unwrap().is_some());
}

#[test]
fn the_probe_waits_out_a_short_write_and_reports_a_long_one_as_locked() {
    let (dir, mut store) = store_with_one_note();
    let mut other = Connection::open(dir.path().join("log.db")).unwrap();
    // Another connection (the delivery worker's, say) writing for a moment.
    let held = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let tx = other
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .unwrap();
            held.wait();
            std::thread::sleep(Duration::from_millis(50));
            tx.commit().unwrap();
        });
        held.wait();
        store.check_writable().unwrap();
    });
    // A lock held for longer than the probe waits.
    let tx = other
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    assert!(matches!(store.check_writable(), Err(StoreError::Locked)));
    drop(tx);
    store.check_writable().unwrap();
}

#[test]
fn a_checkpoint_kept_busy_by_a_reader_still_lets_the_stop_go_on() {
    let (dir, mut store) = store_with_one_note();
    let mut reader = Connection::open(dir.path().join("log.db")).unwrap();
    let snapshot = reader.transaction().unwrap();
    let _: i64 = snapshot
        .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
        .unwrap();
    // Not the 5 s a commit waits: the reader will not leave during the test.
    store.engine.conn.busy_timeout(Duration::ZERO).unwrap();
    store.checkpoint().unwrap();
    let wal = dir.path().join("log.db-wal");
    assert!(
        wal.metadata().unwrap().len() > 0,
        "the WAL was not truncated"
    );
    drop(snapshot);
    store.checkpoint().unwrap();
    assert_eq!(wal.metadata().unwrap().len(), 0, "now it is");
}

#[test]
fn the_log_refuses_updates_and_deletes() {
    let (_dir, mut store) = store_with_one_note();
    let update = store
        .engine
        .conn
        .execute("UPDATE events SET actor = 'mallory'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(store.engine.conn.execute("DELETE FROM events", []).is_err());
    assert_eq!(store.events_after(0, usize::MAX).unwrap().len(), 1);
}

#[test]
fn an_unreadable_row_says_which_row_it_is() {
    let (_dir, mut store) = store_with_one_note();
    let conn = &store.engine.conn;
    conn.execute(
        "INSERT INTO events (seq, incident, at, actor, kind) VALUES (7, 'INC-1', '2025-01-01T00:00:00Z', 'a', '{\"type\":\"exploded\"}')",
        [],
    )
    .unwrap();
    conn.execute("UPDATE incidents SET body = '{' WHERE number = 1", [])
        .unwrap();
    let unreadable = [
        (store.events_after(0, usize::MAX), "event 7 in the log"),
        (
            store.incident(1).map(|_| Vec::new()),
            "the snapshot row of incident 1",
        ),
    ];
    for (read, row) in unreadable {
        let err = read.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{row} is unreadable")),
            "{message}"
        );
    }
}

#[test]
fn an_attempt_on_a_delivery_the_outbox_does_not_hold_is_refused() {
    let (_dir, mut store) = store_with_one_note();
    let at = parse_time("2026-11-25T14:00:00Z").unwrap();
    let err = store
        .record_attempt("nowhere", &Attempt::Delivered { at })
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchDelivery(id) if id == "nowhere"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "no delivery nowhere in the outbox");
}
