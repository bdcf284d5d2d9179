//! Every upgrade from an older file: the log, the outbox and what may be kept of the stored
//! answers survive; a failing step or a newer file leaves the file as it was.

use super::super::SqliteStore;
use super::super::schema::SCHEMA_VERSION;
use super::{key, note, remembered, three_incidents};
use crate::domain::{Event, Incident, IncidentId};
use crate::store::row::{Row, parse_time};
use crate::store::{Commit, DeliveryState, Outbox, Store, StoreError};
use rusqlite::{Connection, params};
use std::path::Path;

/// The tables as a schema-3 file had them (before `via` and `intended_at`), holding one
/// event, one stored answer ("k", 201) and one delivery ("d1").
const SCHEMA_3_FILE: &str = "
    CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
        at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TABLE idempotency (actor TEXT NOT NULL, key TEXT NOT NULL,
        request TEXT NOT NULL, stored_at TEXT NOT NULL, status INTEGER NOT NULL,
        body TEXT NOT NULL, location TEXT, PRIMARY KEY (actor, key)) WITHOUT ROWID;
    CREATE TABLE outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE, target TEXT NOT NULL, incident TEXT NOT NULL,
        seq INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, next_attempt_at TEXT, finished_at TEXT);
    CREATE INDEX outbox_pending ON outbox (state, target, incident, pos);
    CREATE INDEX idempotency_age ON idempotency (stored_at);
    INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
        '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}');
    INSERT INTO idempotency VALUES ('alice', 'k', 'POST /v1/incidents 0123456789abcdef',
        '2026-11-25T14:00:00Z', 201, '{\"id\":\"INC-1\"}', '/v1/incidents/INC-1');
    INSERT INTO outbox (id, target, incident, seq, body, created_at, next_attempt_at)
        VALUES ('d1', 'ops', 'INC-1', 1, '{}', '2025-01-02T03:04:05.000000000Z',
                '2025-01-02T03:04:05.000000000Z');
    PRAGMA user_version = 3;
";

/// A schema-3 file at `path` as [`SCHEMA_3_FILE`] describes it, then `extra` run on it.
fn write_schema_3_file(path: &Path, extra: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA_3_FILE).unwrap();
    conn.execute_batch(extra).unwrap();
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

fn event_columns(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT name FROM pragma_table_info('events')")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_upgrade_failing_part_way_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    // Step 4 (via) succeeds, then step 5 finds its column already there and fails.
    write_schema_3_file(&path, "ALTER TABLE events ADD COLUMN intended_at TEXT;");
    let before = event_columns(&path);
    let err = SqliteStore::open(&path).err().unwrap().to_string();
    assert!(err.contains("failed at step 5"), "{err}");
    assert!(err.contains("the file is unchanged"), "{err}");
    assert_eq!(user_version(&path), 3);
    assert_eq!(event_columns(&path), before, "step 4 was rolled back");
    let answers: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM idempotency", [], |row| row.get(0))
        .unwrap();
    assert_eq!(answers, 1, "the stored answer is still there");
}

#[test]
fn connections_opening_an_old_file_at_once_all_succeed() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        write_schema_3_file(&path, "");
        let start = std::sync::Barrier::new(3);
        let opened: Vec<Result<SqliteStore, StoreError>> = std::thread::scope(|scope| {
            let openers: Vec<_> = (0..3)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteStore::open(&path)
                    })
                })
                .collect();
            openers.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for store in opened {
            let mut store = store.unwrap();
            assert_eq!(
                store.events_after(0, usize::MAX).unwrap(),
                vec![note(1, 1, "kept")]
            );
        }
        assert_eq!(user_version(&path), SCHEMA_VERSION);
    }
}

#[test]
fn how_an_actor_came_survives_and_a_schema_3_file_gains_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    write_schema_3_file(&path, "");
    let mut store = SqliteStore::open(&path).unwrap();
    let via_ssh = Event {
        via: Some("ssh".into()),
        ..note(2, 1, "from a bastion")
    };
    let commit = Commit {
        events: vec![via_ssh.clone()],
        ..Commit::default()
    };
    store.commit(&commit).unwrap();
    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, 1, "kept"), via_ssh]
    );
    // Schema 3's answers already had their request and time: they are kept, as is the
    // outbox.
    assert_eq!(
        store.recall(&key("k")).unwrap(),
        Some(remembered(201, "2026-11-25T14:00:00Z"))
    );
    let deliveries = store.recent(false, 10).unwrap();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0].id, "d1");
    assert_eq!(deliveries[0].seq, 1);
    assert_eq!(deliveries[0].state, DeliveryState::Pending);
}

#[test]
fn a_schema_5_file_and_events_appended_behind_warroom_are_folded_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let events = three_incidents("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .commit(&Commit {
                events: events[..3].to_vec(),
                ..Commit::default()
            })
            .unwrap();
        // Back to schema 5, without the rows; then two events appended by hand.
        store
            .engine
            .conn
            .execute_batch("DROP TABLE incidents; DROP TABLE folded; PRAGMA user_version = 5;")
            .unwrap();
        for event in &events[3..] {
            let row = Row::encode(event).unwrap();
            store.engine
                .conn
                .execute(
                    "INSERT INTO events (seq, incident, at, actor, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![row.seq, row.incident, row.at, row.actor, row.kind],
                )
                .unwrap();
        }
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    for number in 1..=3 {
        let id = IncidentId::from_number(number);
        assert_eq!(
            store.incident(number).unwrap(),
            Some(Incident::fold(id, &events)),
            "INC-{number}"
        );
    }
}

#[test]
fn a_file_of_schema_4_gains_the_time_the_person_acted_and_keeps_how_they_came() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
                 at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, via TEXT);
             INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
                 '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}', 'ssh');",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 4).unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    let typed = parse_time("2026-11-25T13:58:07Z").unwrap();
    let offline = Event {
        intended_at: Some(typed),
        ..note(2, 1, "typed offline")
    };
    let commit = Commit {
        events: vec![offline.clone()],
        ..Commit::default()
    };
    store.commit(&commit).unwrap();
    let kept = Event {
        via: Some("ssh".into()),
        ..note(1, 1, "kept")
    };
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![kept, offline]
    );
}

#[test]
fn a_file_of_schema_1_or_2_keeps_its_log_and_outbox_and_drops_its_old_answers() {
    for version in [1, 2] {
        an_old_file_is_upgraded(version);
    }
}

fn an_old_file_is_upgraded(version: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    {
        let conn = Connection::open(&path).unwrap();
        if version == 2 {
            conn.execute_batch(
                "CREATE TABLE outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT,
                     id TEXT NOT NULL UNIQUE, target TEXT NOT NULL, incident TEXT NOT NULL,
                     seq INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
                     state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
                     last_error TEXT, next_attempt_at TEXT, finished_at TEXT);
                 INSERT INTO outbox (id, target, incident, seq, body, created_at)
                     VALUES ('d1', 'ops', 'INC-1', 1, '{}', '2025-01-02T03:04:05Z');",
            )
            .unwrap();
        }
        conn.pragma_update(None, "user_version", version).unwrap();
        conn.execute_batch(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
                 at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL);
             CREATE TABLE idempotency (actor TEXT NOT NULL, target TEXT NOT NULL,
                 key TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
                 location TEXT, PRIMARY KEY (actor, target, key)) WITHOUT ROWID;
             INSERT INTO idempotency VALUES ('alice', 'POST /v1/incidents', 'k', 201, '{}', NULL);
             INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
                 '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}');",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, 1, "kept")]
    );
    assert_eq!(store.recall(&key("k")).unwrap(), None, "schema {version}");
    let deliveries: i64 = store
        .engine
        .conn
        .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))
        .unwrap();
    assert_eq!(deliveries, i64::from(version == 2), "schema {version}");
    let upgraded: i64 = store
        .engine
        .conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(upgraded, SCHEMA_VERSION);
}

#[test]
fn a_file_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(
        matches!(err, StoreError::NewerSchema { found, known, .. }
            if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("newer warroom"), "{message}");
    assert!(message.contains("log.db"), "names the file: {message}");
}
