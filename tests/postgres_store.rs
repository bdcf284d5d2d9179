//! The PostgreSQL store against a real PostgreSQL: the same promises as the SQLite store
//! (append-only, all-or-nothing commits, stored answers, refusing a newer schema), and the
//! turn-taking that keeps several writers' log gapless. The snapshot rows and the resume are
//! checked on both stores here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::sync::mpsc;
use std::time::Duration;
use warroom::domain::{
    CorrectiveKind, Event, EventKind, FollowupFilter, Incident, IncidentFigures, IncidentId,
    NoteKind, Severity, Status,
};
use warroom::store::{
    Attempt, Commit, DeliveryState, IdempotencyKey, NewDelivery, Outbox, PostgresStore, Remembered,
    SqliteStore, Store, StoreError, StoredResponse, Which,
};

fn note(seq: u64, text: &str) -> Event {
    Event {
        seq,
        incident: IncidentId::from_number(1),
        at: chrono::DateTime::parse_from_rfc3339("2025-01-02T03:04:05.123456789Z")
            .unwrap()
            .to_utc(),
        actor: "alice".into(),
        via: None,
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: text.into(),
        },
        intended_at: None,
    }
}

/// A note the person typed earlier (it waited in their outbox): migration 5 keeps the time.
fn typed_earlier(seq: u64, text: &str) -> Event {
    Event {
        intended_at: Some(time("2025-01-02T02:58:07.5Z")),
        ..note(seq, text)
    }
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey {
        actor: "alice".into(),
        key: k.into(),
    }
}

fn time(text: &str) -> warroom::domain::Timestamp {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn remembered(status: u16, stored_at: &str) -> Remembered {
    Remembered {
        request: "fingerprint".into(),
        stored_at: time(stored_at),
        response: StoredResponse {
            status,
            body: "{}".into(),
            location: None,
        },
    }
}

fn events(list: Vec<Event>) -> Commit {
    Commit {
        events: list,
        ..Commit::default()
    }
}

#[test]
fn committed_events_and_answers_survive_a_new_connection_exactly() {
    let url = support::postgres::database();
    let answer = Remembered {
        request: "POST /v1/incidents 3f2a".into(),
        stored_at: time("2025-01-02T03:04:05.123456789Z"),
        response: StoredResponse {
            status: 201,
            body: r#"{"id":"INC-1"}"#.into(),
            location: Some("/v1/incidents/INC-1".into()),
        },
    };
    {
        let mut store = PostgresStore::connect(&url).unwrap();
        let commit = Commit {
            events: vec![note(1, "first"), typed_earlier(2, "second")],
            responses: vec![(key("k1"), answer.clone())],
            ..Commit::default()
        };
        store.begin(0).unwrap();
        store.commit(&commit).unwrap();
    }
    let mut store = PostgresStore::connect(&url).unwrap();
    // Nanoseconds and all, and the time a person acted: what was written is what is read.
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, "first"), typed_earlier(2, "second")]
    );
    assert_eq!(
        store.events_after(1, 10).unwrap(),
        vec![typed_earlier(2, "second")]
    );
    let one = IncidentId::from_number(1);
    assert_eq!(
        store.incident_events_after(&one, 1, 10).unwrap(),
        vec![typed_earlier(2, "second")]
    );
    let two = IncidentId::from_number(2);
    assert_eq!(store.incident_events_after(&two, 0, 10).unwrap(), vec![]);
    assert_eq!(store.recall(&key("k1")).unwrap(), Some(answer));
    assert_eq!(store.recall(&key("k2")).unwrap(), None);
}

#[test]
fn the_log_refuses_updates_deletes_and_truncation() {
    let url = support::postgres::database();
    let mut store = PostgresStore::connect(&url).unwrap();
    store.commit(&events(vec![note(1, "kept")])).unwrap();
    let sql = support::postgres::Sql::connect(&url);
    for statement in [
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let error = sql.batch_execute(statement).unwrap_err();
        let message = error.as_db_error().map(|e| e.message().to_string());
        assert_eq!(
            message.as_deref(),
            Some("the event log is append-only"),
            "{statement}"
        );
    }
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, "kept")]
    );
}

#[test]
fn a_failed_commit_stores_nothing_of_its_batch_and_frees_the_turn() {
    let url = support::postgres::database();
    let mut store = PostgresStore::connect(&url).unwrap();
    store.commit(&events(vec![note(1, "kept")])).unwrap();
    let clash = Commit {
        events: vec![note(2, "lost"), note(1, "clash")],
        responses: vec![(key("k"), remembered(200, "2025-01-02T03:04:05Z"))],
        deliveries: vec![delivery("d-lost", 2, "2025-01-02T03:04:05Z")],
        ..Commit::default()
    };
    store.begin(1).unwrap();
    let error = store.commit(&clash).unwrap_err().to_string();
    assert!(error.starts_with("PostgreSQL: duplicate key"), "{error}");
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, "kept")]
    );
    assert_eq!(store.recall(&key("k")).unwrap(), None);
    assert_eq!(
        store.pending().unwrap(),
        0,
        "no delivery of a failed commit"
    );
    // The lock went with the failed transaction: another writer gets its turn at once.
    let mut other = PostgresStore::connect(&url).unwrap();
    assert_eq!(other.begin(0).unwrap(), vec![note(1, "kept")]);
    other.commit(&events(vec![note(2, "next")])).unwrap();
}

#[test]
fn a_writer_waits_for_the_turn_and_then_sees_what_the_other_committed() {
    let url = support::postgres::database();
    let mut first = PostgresStore::connect(&url).unwrap();
    let mut second = PostgresStore::connect(&url).unwrap();
    assert_eq!(first.begin(0).unwrap(), vec![]);
    let (began, waited) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let theirs = second.begin(0).unwrap();
        began.send(()).unwrap();
        second.commit(&events(vec![note(3, "after them")])).unwrap();
        theirs
    });
    // The second writer is held until the first commits...
    assert!(waited.recv_timeout(Duration::from_millis(500)).is_err());
    first
        .commit(&events(vec![note(1, "a"), note(2, "b")]))
        .unwrap();
    // ...and then numbers after what the first committed, so no reader can see a hole.
    assert_eq!(waiter.join().unwrap(), vec![note(1, "a"), note(2, "b")]);
    let seqs: Vec<u64> = first
        .events_after(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[test]
fn migrations_are_recorded_and_a_newer_schema_is_refused() {
    let url = support::postgres::database();
    PostgresStore::connect(&url).unwrap();
    // Connecting again migrates nothing twice.
    PostgresStore::connect(&url).unwrap();
    let sql = support::postgres::Sql::connect(&url);
    let versions: Vec<i32> = sql
        .query(
            "SELECT version FROM warroom_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        versions,
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "numbered as SQLite's schemas"
    );
    sql.batch_execute("INSERT INTO warroom_migrations (version) VALUES (99)")
        .unwrap();
    let error = PostgresStore::connect(&url).err().unwrap().to_string();
    assert!(error.contains("newer warroom (schema 99"), "{error}");
}

#[test]
fn how_an_actor_came_survives_and_a_database_at_migration_3_gains_the_columns_and_snapshots() {
    let url = support::postgres::database();
    PostgresStore::connect(&url).unwrap();
    // Back to what migration 3 left, with a row written then.
    let sql = support::postgres::Sql::connect(&url);
    sql.batch_execute(
        "ALTER TABLE events DROP COLUMN via;
         ALTER TABLE events DROP COLUMN intended_at;
         DROP TABLE incidents;
         DROP TABLE folded;
         DROP TABLE followups;
         ALTER TABLE outbox DROP COLUMN first_attempt_at;
         DELETE FROM warroom_migrations WHERE version > 3;
         INSERT INTO events (seq, incident, at, actor, kind) VALUES (1, 'INC-1',
             '2025-01-02T03:04:05.123456789Z', 'alice',
             '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}')",
    )
    .unwrap();
    let mut store = PostgresStore::connect(&url).unwrap();
    let via_ssh = Event {
        via: Some("ssh".into()),
        ..note(2, "from a bastion")
    };
    store.commit(&events(vec![via_ssh.clone()])).unwrap();
    drop(store);
    let mut store = PostgresStore::connect(&url).unwrap();
    assert_eq!(
        store.events_after(0, usize::MAX).unwrap(),
        vec![note(1, "kept"), via_ssh]
    );
    // The snapshot row folds the event written before migration 6 (folded by the upgrade)
    // and the one committed after it.
    let folded = store.incident(1).unwrap().expect("a snapshot row");
    assert_eq!(folded.version, 2);
    assert_eq!(folded.id, IncidentId::from_number(1));
    assert_eq!(store.incident(2).unwrap(), None);
}

/// The rows fold the log in the commit, and a resume reads the open incidents, those ended
/// after the cutoff and the newest events; in SQLite as in PostgreSQL, as both read with the
/// same statements.
#[test]
fn snapshot_rows_fold_the_log_and_a_resume_reads_only_what_memory_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    let postgres = PostgresStore::connect(&support::postgres::database()).unwrap();
    for store in [Box::new(sqlite) as Box<dyn Store>, Box::new(postgres)] {
        folds_and_resumes(store);
    }
}

fn folds_and_resumes(mut store: Box<dyn Store>) {
    let on = |incident: u64, event: Event| Event {
        incident: IncidentId::from_number(incident),
        ..event
    };
    let ended = |seq, incident, at: &str| Event {
        at: time(at),
        kind: EventKind::StatusChanged {
            from: Status::Investigating,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        ..on(incident, note(seq, ""))
    };
    let log = vec![
        on(1, note(1, "one")),
        on(2, note(2, "two")),
        on(3, note(3, "three")),
        ended(4, 1, "2026-01-01T00:00:00Z"),
        ended(5, 2, "2026-06-01T00:00:00Z"),
    ];
    store.commit(&events(log[..4].to_vec())).unwrap();
    store.commit(&events(log[4..].to_vec())).unwrap();
    let one = store.incident(1).unwrap().expect("INC-1's row");
    assert_eq!(one, Incident::fold(IncidentId::from_number(1), &log));
    assert_eq!(store.incident(4).unwrap(), None);
    let resume = store.resume(time("2026-03-01T00:00:00Z"), 2).unwrap();
    let numbers: Vec<u64> = resume.incidents.iter().map(|i| i.id.number()).collect();
    assert_eq!(numbers, [2, 3]);
    let tail: Vec<u64> = resume.tail.iter().map(|e| e.seq).collect();
    assert_eq!(tail, [4, 5]);
    assert_eq!(resume.newest_number, 3);
    assert_eq!(store.incidents(Which::All).unwrap().len(), 3);
    // None has public updates: the status page's history reads none of them (a restart of
    // `tests/status_site.rs` reads the published ones back).
    let published = store
        .incidents(Which::PublishedSince(time("2000-01-01T00:00:00Z")))
        .unwrap();
    assert!(published.is_empty(), "{published:?}");
}

fn delivery(id: &str, seq: u64, created_at: &str) -> NewDelivery {
    NewDelivery {
        id: id.into(),
        target: "chat".into(),
        incident: "INC-1".into(),
        seq,
        body: format!("{{\"seq\":{seq}}}"),
        created_at: time(created_at),
    }
}

#[test]
fn expired_answers_are_forgotten_and_an_expired_key_may_be_used_again() {
    let url = support::postgres::database();
    let mut store = PostgresStore::connect(&url).unwrap();
    store
        .commit(&Commit {
            responses: vec![
                (key("old"), remembered(201, "2025-01-01T00:00:00Z")),
                (key("new"), remembered(200, "2025-01-02T00:00:00Z")),
            ],
            ..Commit::default()
        })
        .unwrap();
    store
        .commit(&Commit {
            responses: vec![(key("old"), remembered(202, "2025-01-03T00:00:00Z"))],
            forget_before: Some(time("2025-01-02T12:00:00Z")),
            ..Commit::default()
        })
        .unwrap();
    assert_eq!(
        store.recall(&key("new")).unwrap(),
        None,
        "expired, forgotten"
    );
    assert_eq!(
        store.recall(&key("old")).unwrap(),
        Some(remembered(202, "2025-01-03T00:00:00Z")),
        "stored again after the pruning"
    );
}

#[test]
fn deliveries_are_committed_with_their_events_and_one_replica_at_a_time_sends_each() {
    let url = support::postgres::database();
    let mut store = PostgresStore::connect(&url).unwrap();
    store
        .commit(&Commit {
            events: vec![note(1, "a"), note(2, "b")],
            deliveries: vec![
                delivery("d1", 1, "2025-01-02T03:04:05.5Z"),
                delivery("d2", 2, "2025-01-02T03:04:06Z"),
            ],
            ..Commit::default()
        })
        .unwrap();
    assert_eq!(store.pending().unwrap(), 2);
    let now = time("2025-01-02T03:05:00Z");
    // Two replicas' workers: only the head of the (target, incident) queue is due, and the
    // one that claims it hides it from the other.
    let mut a = PostgresStore::connect(&url).unwrap();
    let mut b = PostgresStore::connect(&url).unwrap();
    let due = a.due(now, 10).unwrap();
    assert_eq!(
        due.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["d1"]
    );
    assert_eq!(due[0].created_at, time("2025-01-02T03:04:05.5Z"));
    assert_eq!(due[0].body, "{\"seq\":1}");
    assert_eq!(
        b.due(now, 10).unwrap(),
        vec![],
        "claimed by the other replica"
    );
    a.record_attempt(
        "d1",
        &Attempt::Retry {
            error: "the receiver answered 502".into(),
            at: now,
            next: time("2025-01-02T03:05:10Z"),
        },
    )
    .unwrap();
    assert_eq!(b.due(now, 10).unwrap(), vec![], "its retry is not due yet");
    let later = time("2025-01-02T03:05:20Z");
    let due = b.due(later, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id.as_str(), due[0].attempts), ("d1", 1));
    assert_eq!(
        due[0].first_attempt_at,
        Some(now),
        "give_up_after counts from here"
    );
    b.record_attempt("d1", &Attempt::Delivered { at: later })
        .unwrap();
    // With d1 done, d2 is the head of its queue.
    let due = a.due(later, 10).unwrap();
    assert_eq!(
        due.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["d2"]
    );
    a.record_attempt(
        "d2",
        &Attempt::Dead {
            error: "gone".into(),
            at: later,
        },
    )
    .unwrap();
    assert_eq!(a.pending().unwrap(), 0);
    assert_eq!(a.next_due().unwrap(), None);
    let recent = a.recent(false, 10).unwrap();
    let states: Vec<_> = recent.iter().map(|d| (d.id.as_str(), d.state)).collect();
    assert_eq!(
        states,
        [
            ("d2", DeliveryState::Dead),
            ("d1", DeliveryState::Delivered)
        ]
    );
    let failed = a.recent(true, 10).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("gone"));
    assert!(
        a.record_attempt("nope", &Attempt::Delivered { at: later })
            .is_err()
    );
}

#[test]
fn an_unreachable_database_is_reported_as_such() {
    let error = PostgresStore::connect("postgres://postgres@127.0.0.1:9/nothing")
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("the database is unreachable"), "{error}");
}

#[test]
fn a_url_that_does_not_parse_is_a_bad_location_and_keeps_its_password() {
    let error = PostgresStore::connect("postgres://w:hunter2@db/x?sslmode=sometimes")
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::BadLocation(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.starts_with("not a PostgreSQL URL"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

/// One incident worked through: declared, updates on the severity's cadence and one late, a
/// severity change, a corrective action, resolved.
fn worked_incident() -> Vec<Event> {
    let at = |minutes: i64| time("2026-03-01T10:00:00Z") + chrono::Duration::minutes(minutes);
    let kinds = [
        EventKind::Declared {
            title: "worked".into(),
            severity: Severity::new("P1"),
            service: Some("checkout".into()),
            summary: None,
            impact_started_at: Some(at(-5)),
            detected_at: at(-1),
            acknowledged: true,
        },
        EventKind::NoteAdded {
            kind: NoteKind::Update,
            text: "on time".into(),
        },
        EventKind::SeverityChanged {
            from: Severity::new("P1"),
            to: Severity::new("P0"),
        },
        EventKind::NoteAdded {
            kind: NoteKind::Update,
            text: "late for a P0".into(),
        },
        EventKind::CorrectiveActionAdded {
            id: 1,
            text: "add a canary".into(),
            kind: CorrectiveKind::Preventive,
            owner: "bob".into(),
            due_at: at(60 * 24 * 14),
            ticket: None,
        },
        EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
    ];
    let minutes = [0, 20, 25, 60, 61, 70];
    kinds
        .into_iter()
        .zip(minutes)
        .enumerate()
        .map(|(index, (kind, minute))| Event {
            at: at(minute),
            kind,
            ..note(index as u64 + 1, "")
        })
        .collect()
}

/// Every incident's figures, as the report reads them.
fn every_figures(store: &mut dyn Store) -> Vec<IncidentFigures> {
    let mut read = Vec::new();
    store
        .figures_declared(
            time("2000-01-01T00:00:00Z"),
            time("2100-01-01T00:00:00Z"),
            &mut |f| {
                read.push(f);
                Ok(())
            },
        )
        .unwrap();
    read
}

/// After an upgrade from the schema before the figures (7), every row has them and its body
/// the update marks, folded from the log once: a second opening folds nothing again.
fn the_upgrade_fills_the_figures_once(
    mut open: impl FnMut() -> Box<dyn Store>,
    run: impl Fn(&str),
    back_to_7: &str,
) {
    let events = worked_incident();
    let folded = Incident::fold(IncidentId::from_number(1), &events);
    assert_eq!(
        folded.update_marks.len(),
        3,
        "two updates and the resolution"
    );
    open().commit(&self::events(events.clone())).unwrap();
    run(back_to_7);
    let mut store = open();
    assert_eq!(store.incident(1).unwrap(), Some(folded.clone()));
    assert_eq!(
        every_figures(store.as_mut()),
        [IncidentFigures::from(&folded)]
    );
    let followups = store
        .followups_after(
            &FollowupFilter::default(),
            None,
            10,
            time("2026-03-01T12:00:00Z"),
        )
        .unwrap();
    let followups: Vec<(IncidentId, u32)> = followups
        .into_iter()
        .map(|f| (f.incident, f.action.id))
        .collect();
    assert_eq!(followups, [(IncidentId::from_number(1), 1)]);
    drop(store);
    // Once: a row changed by hand stays as it is at the next opening.
    run("UPDATE incidents SET figures = replace(figures, '\"worked\"', '\"by hand\"')");
    assert_eq!(every_figures(open().as_mut())[0].title, "by hand");
}

#[test]
fn an_upgraded_sqlite_file_fills_the_figures_once_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    the_upgrade_fills_the_figures_once(
        || Box::new(SqliteStore::open(&path).unwrap()),
        |sql| {
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute_batch(sql)
                .unwrap()
        },
        "ALTER TABLE incidents DROP COLUMN title;
         ALTER TABLE incidents DROP COLUMN service;
         ALTER TABLE incidents DROP COLUMN severity;
         ALTER TABLE incidents DROP COLUMN status;
         ALTER TABLE incidents DROP COLUMN published;
         ALTER TABLE incidents DROP COLUMN followups;
         ALTER TABLE incidents DROP COLUMN figures;
         UPDATE incidents SET body = json_remove(body, '$.update_marks');
         PRAGMA user_version = 7;",
    );
}

#[test]
fn an_upgraded_postgres_database_fills_the_figures_once_from_the_log() {
    let url = support::postgres::database();
    the_upgrade_fills_the_figures_once(
        || Box::new(PostgresStore::connect(&url).unwrap()),
        |sql| support::postgres::execute(&url, sql),
        "ALTER TABLE incidents DROP COLUMN title, DROP COLUMN service, DROP COLUMN severity,
             DROP COLUMN status, DROP COLUMN published, DROP COLUMN followups,
             DROP COLUMN figures;
         UPDATE incidents SET body = (body::jsonb - 'update_marks')::text;
         DROP INDEX incidents_declared;
         CREATE INDEX incidents_declared ON incidents (declared_at);
         DROP TABLE followups;
         DELETE FROM warroom_migrations WHERE version > 7;",
    );
}
