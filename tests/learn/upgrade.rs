//! The follow-ups' rows (schema 9 / migration 9): an upgraded file or database fills them
//! once from the figures it already has, and afterwards only a batch that changes an
//! incident's corrective actions writes its rows.

use crate::support;
use crate::t0;
use chrono::Duration;
use warroom::domain::*;
use warroom::store::{Commit, PostgresStore, SqliteStore, Store};

fn event(seq: u64, minutes: i64, kind: EventKind) -> Event {
    Event {
        seq,
        incident: IncidentId::from_number(1),
        at: t0() + Duration::minutes(minutes),
        actor: "alice".into(),
        via: None,
        kind,
        intended_at: None,
    }
}

fn added(id: u32, owner: &str, due_days: i64) -> EventKind {
    EventKind::CorrectiveActionAdded {
        id,
        text: format!("action {id}"),
        kind: CorrectiveKind::Preventive,
        owner: owner.into(),
        due_at: t0() + Duration::days(due_days),
        ticket: None,
    }
}

/// An incident declared with two corrective actions, the sooner due added second.
fn declared_with_actions() -> Vec<Event> {
    vec![
        event(
            1,
            0,
            EventKind::Declared {
                title: "disk full".into(),
                severity: Severity::new("P1"),
                service: Some("checkout".into()),
                summary: None,
                impact_started_at: None,
                detected_at: t0(),
                acknowledged: true,
            },
        ),
        event(2, 10, added(1, "Bob", 14)),
        event(3, 11, added(2, "carol", 7)),
    ]
}

fn commit(store: &mut dyn Store, events: Vec<Event>) {
    store
        .commit(&Commit {
            events,
            ..Commit::default()
        })
        .unwrap();
}

/// Every follow-up the store holds, in the list's order.
fn every(store: &mut dyn Store) -> Vec<(u32, String, CorrectiveState)> {
    store
        .followups_after(&FollowupFilter::default(), None, 100, t0())
        .unwrap()
        .into_iter()
        .map(|f| (f.action.id, f.action.owner, f.action.state))
        .collect()
}

fn the_upgrade_fills_the_followups_once(
    mut open: impl FnMut() -> Box<dyn Store>,
    run: impl Fn(&str),
    back_to_8: &str,
) {
    let events = declared_with_actions();
    let folded = Incident::fold(IncidentId::from_number(1), &events);
    commit(open().as_mut(), events);
    run(back_to_8);
    let mut store = open();
    let expected: Vec<Followup> = [1, 0]
        .map(|index| Followup {
            incident: folded.id.clone(),
            incident_title: folded.title.clone(),
            action: folded.corrective_actions[index].clone(),
            overdue: false,
        })
        .into();
    let filled = store
        .followups_after(&FollowupFilter::default(), None, 100, t0())
        .unwrap();
    assert_eq!(
        filled, expected,
        "filled from the figures, soonest due first"
    );
    let bobs = FollowupFilter {
        owner: Some("BOB".into()),
        ..FollowupFilter::default()
    };
    let bobs = store.followups_after(&bobs, None, 100, t0()).unwrap();
    assert_eq!(bobs, expected[1..], "the owner, whatever the case");
    drop(store);

    // Once: rows deleted by hand stay deleted at the next opening, and a note (no change to
    // the actions) writes none of them back.
    run("DELETE FROM followups");
    let mut store = open();
    assert_eq!(every(store.as_mut()), []);
    let note = EventKind::NoteAdded {
        kind: NoteKind::Note,
        text: "a note".into(),
    };
    commit(store.as_mut(), vec![event(4, 20, note)]);
    assert_eq!(every(store.as_mut()), [], "a note leaves the rows alone");
    // A change to an action writes the incident's rows, all of them.
    commit(
        store.as_mut(),
        vec![event(5, 30, EventKind::CorrectiveActionDropped { id: 1 })],
    );
    assert_eq!(
        every(store.as_mut()),
        [
            (2, "carol".to_string(), CorrectiveState::Open),
            (1, "Bob".to_string(), CorrectiveState::Dropped)
        ]
    );
}

#[test]
fn an_upgraded_sqlite_file_fills_the_followups_once_from_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    the_upgrade_fills_the_followups_once(
        || Box::new(SqliteStore::open(&path).unwrap()),
        |sql| {
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute_batch(sql)
                .unwrap()
        },
        "DROP TABLE followups; PRAGMA user_version = 8;",
    );
}

#[test]
fn an_upgraded_postgres_database_fills_the_followups_once_from_the_figures() {
    let url = support::postgres::database();
    the_upgrade_fills_the_followups_once(
        || Box::new(PostgresStore::connect(&url).unwrap()),
        |sql| support::postgres::execute(&url, sql),
        "DROP TABLE followups; DELETE FROM warroom_migrations WHERE version > 8;",
    );
}
