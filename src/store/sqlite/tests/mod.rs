//! The SQLite store against real files: `log.rs` holds the log's promises (durability
//! settings, all-or-nothing commits, the snapshot rows, the readiness probes), `upgrades.rs`
//! every upgrade from an older file. The events and answers both use are made here.

mod log;
mod snapshots;
mod timeline;
mod upgrades;

use super::SqliteStore;
use crate::domain::{Event, EventKind, IncidentId, NoteKind};
use crate::store::row::parse_time;
use crate::store::{Commit, IdempotencyKey, Remembered, Store, StoredResponse};

pub(super) fn note(seq: u64, incident: u64, text: &str) -> Event {
    Event {
        seq,
        incident: IncidentId::from_number(incident),
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

pub(super) fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey {
        actor: "alice".into(),
        key: k.into(),
    }
}

pub(super) fn remembered(status: u16, stored_at: &str) -> Remembered {
    Remembered {
        request: "POST /v1/incidents 0123456789abcdef".into(),
        stored_at: stored_at.parse().unwrap(),
        response: StoredResponse {
            status,
            body: r#"{"id":"INC-1"}"#.into(),
            location: Some("/v1/incidents/INC-1".into()),
        },
    }
}

/// Where `folded.head` stands in the file at `path`.
pub(super) fn folded_head(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT head FROM folded", [], |row| row.get(0))
        .unwrap()
}

/// A store in a fresh file holding one committed note, seq 1, "kept".
pub(super) fn store_with_one_note() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    let commit = Commit {
        events: vec![note(1, 1, "kept")],
        ..Commit::default()
    };
    store.commit(&commit).unwrap();
    (dir, store)
}

/// INC-1 resolved at `resolved`, INC-2 resolved at `later`, INC-3 open: notes, then the
/// status changes.
pub(super) fn three_incidents(resolved: &str, later: &str) -> Vec<Event> {
    let ended = |seq, incident, at: &str| Event {
        at: parse_time(at).unwrap(),
        kind: EventKind::StatusChanged {
            from: crate::domain::Status::Investigating,
            to: crate::domain::Status::Resolved,
            reason: None,
            commander: None,
        },
        ..note(seq, incident, "")
    };
    vec![
        note(1, 1, "one"),
        note(2, 2, "two"),
        note(3, 3, "three"),
        ended(4, 1, resolved),
        ended(5, 2, later),
    ]
}
