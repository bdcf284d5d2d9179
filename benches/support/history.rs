//! A long history for the benchmarks that read it (`learn`, `history`): incidents worked
//! through from declaration to close, written straight into a store.

use chrono::Duration;
use warroom::domain::*;

/// An incident's log of `count` events declared at `declared`: declared, an alert, the lifecycle, roles, notes and
/// updates, a review and corrective actions, in time order.
pub fn incident_log(number: u64, count: u64, declared: Timestamp, seq: &mut u64) -> Vec<Event> {
    let services = ["checkout", "search", "auth", "payments", "catalog"];
    let mut events = Vec::with_capacity(count as usize);
    let mut push = |events: &mut Vec<Event>, kind: EventKind| {
        *seq += 1;
        let at = declared + Duration::seconds(events.len() as i64 * 20);
        events.push(Event {
            seq: *seq,
            incident: IncidentId::from_number(number),
            at,
            actor: "bench".into(),
            via: None,
            kind,
            intended_at: None,
        });
    };
    push(
        &mut events,
        EventKind::Declared {
            title: format!("incident {number}"),
            severity: Severity::new(["P0", "P1", "P2"][(number % 3) as usize]),
            service: Some(services[(number % 5) as usize].into()),
            summary: Some("generated for the benchmark".into()),
            impact_started_at: (!number.is_multiple_of(4)).then(|| declared - Duration::minutes(7)),
            detected_at: declared,
            acknowledged: false,
        },
    );
    let alert = AlertRef {
        fingerprint: format!("f{number}"),
        name: format!("Alert{}", number % 50),
        summary: Some("error ratio above 5%".into()),
        labels: Default::default(),
        starts_at: declared,
    };
    push(&mut events, EventKind::AlertAttached { alert, group: None });
    push(
        &mut events,
        EventKind::StatusChanged {
            from: Status::Triggered,
            to: Status::Acknowledged,
            reason: None,
            commander: None,
        },
    );
    push(
        &mut events,
        EventKind::RoleAssigned {
            role: Role::Commander,
            person: "alice".into(),
            focus: None,
        },
    );
    let middle = count.saturating_sub(10);
    for n in 0..middle {
        let kind = if n.is_multiple_of(10) {
            NoteKind::Update
        } else {
            NoteKind::Note
        };
        push(
            &mut events,
            EventKind::NoteAdded {
                kind,
                text: format!("note {n}: looking at the dashboards"),
            },
        );
    }
    push(
        &mut events,
        EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Mitigated,
            reason: None,
            commander: None,
        },
    );
    push(
        &mut events,
        EventKind::StatusChanged {
            from: Status::Mitigated,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
    );
    push(
        &mut events,
        EventKind::ReviewEdited {
            edit: ReviewEdit {
                whys: Some((1..=5).map(|n| format!("why {n}")).collect()),
                root_cause: Some("a config pushed without validation".into()),
                contributing_factors: Some(vec!["no canary".into()]),
                went_well: Some(vec!["fast page".into()]),
                went_badly: Some(vec!["slow rollback".into()]),
            },
        },
    );
    for id in 1..=3 {
        push(
            &mut events,
            EventKind::CorrectiveActionAdded {
                id,
                text: format!("follow-up {id}"),
                kind: CorrectiveKind::ALL[id as usize - 1],
                owner: "bob".into(),
                due_at: declared + Duration::days(14),
                ticket: None,
            },
        );
    }
    push(&mut events, EventKind::CorrectiveActionCompleted { id: 1 });
    push(
        &mut events,
        EventKind::StatusChanged {
            from: Status::Resolved,
            to: Status::Closed,
            reason: None,
            commander: None,
        },
    );
    events
}
