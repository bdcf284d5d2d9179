//! How the draft decides a batch: one incident, several, and what a batch leaves behind.

use super::*;
use crate::domain::{NoteKind, Status};
use crate::server::engine::KeyedRequest;
use crate::store::SqliteStore;

/// A fixed moment for the tests to decide at: they do not depend on the wall clock.
fn moment() -> Timestamp {
    Timestamp::UNIX_EPOCH + chrono::Duration::days(20_000)
}

fn command(incident: u64, command: Command, version: Option<u64>, key: &str) -> Request {
    let idempotency = Some(KeyedRequest::bind(
        key.into(),
        &format!("a command on INC-{incident}"),
        &command,
    ));
    Request {
        actor: "alice".into(),
        change: Change::Command {
            incident: IncidentId::from_number(incident),
            command,
            expected_version: version,
            intended_at: None,
        },
        idempotency,
        via: None,
    }
}

fn disk_full() -> NewIncident {
    serde_json::from_value(serde_json::json!({"title": "disk full", "severity": "P1"})).unwrap()
}

#[test]
fn later_requests_in_a_batch_see_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    let (timeline, scale) = (Timeline::default(), SeverityScale::default());
    let routes = Routes::default();
    let rules = DecisionRules::default();
    let limits = WriterBounds::default();
    let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &rules, &mut store);
    let now = moment();

    let declared = draft
        .apply(
            Request {
                actor: "alice".into(),
                change: Change::Declare(disk_full()),
                idempotency: None,
                via: None,
            },
            now,
        )
        .unwrap();
    assert_eq!(declared.response.status, 201);
    // The incident declared a moment ago in this batch exists, at version 1.
    let ack = Command::Transition {
        to: Status::Investigating,
    };
    let first = draft
        .apply(command(1, ack.clone(), Some(1), "k"), now)
        .unwrap();
    assert_eq!((first.response.status, first.replayed), (200, false));
    // The same key within the batch replays, even though version 1 is now stale.
    let again = draft
        .apply(command(1, ack.clone(), Some(1), "k"), now)
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.response, first.response);
    let note = Command::AddNote {
        kind: NoteKind::Note,
        text: "stale".into(),
    };
    let stale = draft.apply(command(1, note.clone(), Some(1), "k2"), now);
    assert!(matches!(stale, Err(ApiError::VersionConflict(m)) if m.contains("version 2")));
    let missing = draft.apply(command(2, note.clone(), None, "k3"), now);
    assert!(matches!(missing, Err(ApiError::NotFound(_))));

    let seqs: Vec<_> = draft.commit.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(draft.commit.responses.len(), 1, "errors are not remembered");
    assert_eq!(timeline.head(), 0, "nothing is visible before the commit");

    // The key is bound to its request: another body, or another route, is refused.
    let cancel = Command::Transition {
        to: Status::Cancelled,
    };
    for reuse in [command(1, cancel, None, "k"), command(2, ack, None, "k")] {
        let refused = draft.apply(reuse, now).unwrap_err();
        assert_eq!(refused.code(), "idempotency_key_reused");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(draft.commit.events.len(), 2, "a reused key changes nothing");
}

#[test]
fn stored_answers_expire() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    let (timeline, scale) = (Timeline::default(), SeverityScale::default());
    let limits = WriterBounds {
        alerts_per_incident: 100,
        idempotency_ttl: chrono::Duration::hours(1),
    };
    let declare = |key: &str| {
        let new = disk_full();
        Request {
            actor: "alice".into(),
            idempotency: Some(KeyedRequest::bind(key.into(), "a declaration", &new)),
            change: Change::Declare(new),
            via: None,
        }
    };
    let then = moment() - chrono::Duration::hours(2);
    let routes = Routes::default();
    let rules = DecisionRules::default();
    let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &rules, &mut store);
    draft.apply(declare("k"), then).unwrap();
    let commit = std::mem::take(&mut draft.commit);
    store.commit(&commit).unwrap();
    let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &rules, &mut store);
    let within = draft.apply(declare("k"), then + chrono::Duration::minutes(59));
    assert!(within.unwrap().replayed);
    let after = draft.apply(declare("k"), then + chrono::Duration::minutes(61));
    assert!(!after.unwrap().replayed, "an expired key is a new request");
}
