//! Public updates in the domain: the wire form, who may publish, what is checked and what the
//! incident keeps.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use chrono::{Duration, TimeZone, Utc};
use warroom_domain::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
}

fn declared() -> (Incident, Vec<Event>) {
    let scale = SeverityScale::default();
    let new = NewIncident {
        title: "db pool exhausted on pay-db-3 (alice paged)".into(),
        severity: Severity::new("P1"),
        service: Some("payments".into()),
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let mut incident = Incident::blank(IncidentId::from_number(1));
    let mut events = vec![];
    for kind in declare(new, t0(), &scale).unwrap() {
        push(&mut incident, &mut events, "alice", t0(), kind);
    }
    (incident, events)
}

fn push(
    incident: &mut Incident,
    events: &mut Vec<Event>,
    actor: &str,
    at: Timestamp,
    kind: EventKind,
) {
    let event = Event {
        seq: events.len() as u64 + 1,
        incident: incident.id.clone(),
        at,
        actor: actor.into(),
        via: None,
        kind,
        intended_at: None,
    };
    incident.apply(&event);
    events.push(event);
}

fn update(state: PublicState, next: Option<i64>) -> PublicUpdate {
    PublicUpdate {
        state,
        message: "  Elevated error rates on the payment API.  ".into(),
        components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
        next_update_at: next.map(|m| t0() + Duration::minutes(m)),
        title: Some("Payment API errors".into()),
        public_id: None,
    }
}

#[test]
fn the_wire_form_is_the_documented_one() {
    let text = r#"{"type":"public_update","state":"identified","message":"m","components":{"api":"partial_outage"},"next_update_at":"2026-11-25T15:00:00Z"}"#;
    let command: Command = serde_json::from_str(text).unwrap();
    let Command::PublicUpdate(update) = &command else {
        panic!("{command:?}")
    };
    assert_eq!(update.state, PublicState::Identified);
    assert_eq!(update.components["api"], ComponentStatus::PartialOutage);
    assert_eq!(
        serde_json::to_value(&command).unwrap(),
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
    let kind = EventKind::PublicUpdate(update.clone());
    assert_eq!(
        serde_json::to_value(&kind).unwrap()["type"],
        "public_update"
    );
    for bad in [
        r#"{"type":"public_update","state":"fixed","message":"m"}"#,
        r#"{"type":"public_update","state":"identified","message":"m","components":{"api":"down"}}"#,
        r#"{"type":"public_update","state":"identified","message":"m","secret":1}"#,
    ] {
        assert!(serde_json::from_str::<Command>(bad).is_err(), "{bad}");
    }
}

#[test]
fn only_the_commander_or_the_communications_lead_may_publish() {
    let (mut incident, mut events) = declared();
    let refused = check_publisher(&incident, "alice").unwrap_err();
    assert_eq!(refused.code, "not_publisher");
    assert!(
        refused.message.contains("alice is neither"),
        "{}",
        refused.message
    );
    let scale = SeverityScale::default();
    for (role, person) in [(Role::Commander, "carol"), (Role::Comms, "dana")] {
        let command = Command::AssignRole {
            role,
            person: person.into(),
            focus: None,
            brief: None,
        };
        let kinds = decide(&incident, command, t0(), &scale).unwrap();
        for kind in kinds {
            push(&mut incident, &mut events, "carol", t0(), kind);
        }
    }
    assert!(check_publisher(&incident, "carol").is_ok());
    assert!(check_publisher(&incident, "dana").is_ok());
    assert!(check_publisher(&incident, "bob").is_err());
}

#[test]
fn an_update_is_checked_trimmed_and_kept_in_order() {
    let (mut incident, mut events) = declared();
    let scale = SeverityScale::default();
    let at = t0() + Duration::minutes(5);
    let past = Command::PublicUpdate(update(PublicState::Investigating, Some(-1)));
    assert_eq!(
        decide(&incident, past, at, &scale).unwrap_err().code,
        "invalid_time"
    );
    let mut empty = update(PublicState::Investigating, None);
    empty.message = "  ".into();
    let refused = decide(&incident, Command::PublicUpdate(empty), at, &scale).unwrap_err();
    assert_eq!(refused.code, "invalid_input");

    assert_eq!(incident.public_title(), "Incident INC-1");
    let first = Command::PublicUpdate(update(PublicState::Investigating, Some(30)));
    for kind in decide(&incident, first, at, &scale).unwrap() {
        push(&mut incident, &mut events, "carol", at, kind);
    }
    let last = incident.last_public_update().unwrap();
    assert_eq!(
        last.update.message,
        "Elevated error rates on the payment API."
    );
    assert_eq!(
        incident.public_update_due_at(),
        Some(t0() + Duration::minutes(30))
    );
    assert!(incident.publicly_unresolved());
    assert_eq!(incident.public_title(), "Payment API errors");

    let later = t0() + Duration::minutes(20);
    let done = Command::PublicUpdate(update(PublicState::Resolved, None));
    for kind in decide(&incident, done, later, &scale).unwrap() {
        push(&mut incident, &mut events, "carol", later, kind);
    }
    assert!(!incident.publicly_unresolved());
    assert_eq!(incident.public_update_due_at(), None);
    assert_eq!(incident.publicly_resolved_at(), Some(later));
    assert_eq!(incident.public_updates.len(), 2);
    assert_eq!(Incident::fold(incident.id.clone(), &events), incident);
}

#[test]
fn the_worst_component_status_is_the_max() {
    use ComponentStatus::*;
    assert_eq!(
        [DegradedPerformance, MajorOutage, PartialOutage]
            .into_iter()
            .max(),
        Some(MajorOutage)
    );
    assert!(UnderMaintenance < DegradedPerformance);
    assert_eq!(
        "partial_outage".parse::<ComponentStatus>(),
        Ok(PartialOutage)
    );
    assert!(
        "down"
            .parse::<ComponentStatus>()
            .unwrap_err()
            .contains("major_outage")
    );
}

#[test]
fn a_lapse_is_due_once_per_episode_and_a_new_vacancy_is_a_new_one() {
    let (mut incident, mut events) = declared();
    let scale = SeverityScale::default();
    let rules = EscalationRules::default();
    let at = |m: i64| t0() + Duration::minutes(m);
    assert!(lapses_due(&incident, at(4), &rules, &scale).is_empty());
    let due = lapses_due(&incident, at(6), &rules, &scale);
    assert_eq!(
        due,
        [EventKind::Lapsed {
            lapse: Lapse::CommanderVacant,
            due: at(5)
        }]
    );
    for kind in due {
        push(&mut incident, &mut events, "warroom", at(6), kind);
    }
    assert!(lapses_due(&incident, at(7), &rules, &scale).is_empty());
    let assign = Command::AssignRole {
        role: Role::Commander,
        person: "carol".into(),
        focus: None,
        brief: None,
    };
    for kind in decide(&incident, assign, at(8), &scale).unwrap() {
        push(&mut incident, &mut events, "alice", at(8), kind);
    }
    assert!(lapses_due(&incident, at(20), &rules, &scale).is_empty());
    let relieve = Command::RelieveRole {
        role: Role::Commander,
        person: None,
    };
    for kind in decide(&incident, relieve, at(21), &scale).unwrap() {
        push(&mut incident, &mut events, "alice", at(21), kind);
    }
    // Vacant again from minute 21: a new episode, due at 26. The P1's internal update (every
    // 30 minutes from the declaration) is overdue by minute 31 as well.
    let kinds: Vec<_> = lapses_due(&incident, at(31), &rules, &scale)
        .into_iter()
        .map(|kind| match kind {
            EventKind::Lapsed { lapse, due } => (lapse, due),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (Lapse::CommanderVacant, at(26)),
            (Lapse::InternalUpdateOverdue, at(30))
        ]
    );
    assert_eq!(Incident::fold(incident.id.clone(), &events), incident);
}

#[test]
fn public_words_are_spelled_titled_and_read_back() {
    let states: Vec<(&str, &str)> = PublicState::ALL
        .iter()
        .map(|state| (state.as_str(), state.title()))
        .collect();
    assert_eq!(
        states,
        [
            ("investigating", "Investigating"),
            ("identified", "Identified"),
            ("monitoring", "Monitoring"),
            ("resolved", "Resolved"),
        ]
    );
    for state in PublicState::ALL {
        assert_eq!(format!(" {state} ").parse::<PublicState>(), Ok(state));
        assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        assert_eq!(format!("{state:>14}"), format!("{:>14}", state.as_str()));
    }
    assert!(
        "fixed"
            .parse::<PublicState>()
            .unwrap_err()
            .contains("'fixed'")
    );
    let titles: Vec<&str> = ComponentStatus::ALL.iter().map(|s| s.title()).collect();
    assert_eq!(
        titles,
        [
            "Operational",
            "Under Maintenance",
            "Degraded Performance",
            "Partial Outage",
            "Major Outage"
        ]
    );
    for status in ComponentStatus::ALL {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(format!("{status:>22}"), format!("{:>22}", status.as_str()));
    }
    let lapses = [
        Lapse::CommanderVacant,
        Lapse::InternalUpdateOverdue,
        Lapse::PublicUpdateOverdue,
    ];
    for lapse in lapses {
        assert_eq!(serde_json::to_value(lapse).unwrap(), lapse.as_str());
    }
    assert_eq!(
        lapses.map(Lapse::describe),
        [
            "the Incident Commander role is vacant",
            "the internal update is overdue",
            "the promised public update is overdue"
        ]
    );
}

#[test]
fn an_update_names_at_most_the_most_components() {
    let (incident, _) = declared();
    let scale = SeverityScale::default();
    let with = |count: usize| {
        let mut many = update(PublicState::Investigating, None);
        many.components = (0..count)
            .map(|i| (format!("c{i}"), ComponentStatus::DegradedPerformance))
            .collect();
        Command::PublicUpdate(many)
    };
    assert!(decide(&incident, with(MAX_COMPONENTS), t0(), &scale).is_ok());
    let refused = decide(&incident, with(MAX_COMPONENTS + 1), t0(), &scale).unwrap_err();
    assert_eq!(refused.code, "invalid_input");
}

#[test]
fn a_resolved_public_state_owes_no_update_even_while_the_response_goes_on() {
    let (mut incident, mut events) = declared();
    let scale = SeverityScale::default();
    let at = t0() + Duration::minutes(5);
    let resolved_with_a_promise = Command::PublicUpdate(update(PublicState::Resolved, Some(60)));
    for kind in decide(&incident, resolved_with_a_promise, at, &scale).unwrap() {
        push(&mut incident, &mut events, "carol", at, kind);
    }
    assert!(incident.status.is_open());
    assert_eq!(incident.public_update_due_at(), None);
}

/// When each lapse of this kind due at `now` became due, under the default rules and scale.
fn lapses_of(incident: &Incident, lapse: Lapse, now: Timestamp) -> Vec<Timestamp> {
    let (rules, scale) = (EscalationRules::default(), SeverityScale::default());
    lapses_due(incident, now, &rules, &scale)
        .into_iter()
        .filter_map(|kind| match kind {
            EventKind::Lapsed {
                lapse: due_lapse,
                due,
            } if due_lapse == lapse => Some(due),
            _ => None,
        })
        .collect()
}

/// Decides `command` at minute `m` as alice and applies its events.
fn send(incident: &mut Incident, events: &mut Vec<Event>, command: Command, m: i64) {
    let at = t0() + Duration::minutes(m);
    for kind in decide(incident, command, at, &SeverityScale::default()).unwrap() {
        push(incident, events, "alice", at, kind);
    }
}

/// Records every lapse due at minute `m`, as the backend's clock does.
fn record_lapses(incident: &mut Incident, events: &mut Vec<Event>, m: i64) {
    let at = t0() + Duration::minutes(m);
    let (rules, scale) = (EscalationRules::default(), SeverityScale::default());
    for kind in lapses_due(incident, at, &rules, &scale) {
        push(incident, events, "warroom", at, kind);
    }
}

#[test]
fn a_severity_change_does_not_start_a_new_overdue_episode() {
    // The internal update's due time follows the severity; the episode is the time since the
    // last update, so changing the severity twice while it is overdue records no new lapse.
    let (mut incident, mut events) = declared();
    let scale = SeverityScale::default();
    let at = |m: i64| t0() + Duration::minutes(m);
    let internal =
        |incident: &Incident, m: i64| lapses_of(incident, Lapse::InternalUpdateOverdue, at(m));
    // P1: every 30 minutes, so overdue from minute 30; recorded at 31 (with the vacancy).
    assert_eq!(internal(&incident, 31), [at(30)]);
    record_lapses(&mut incident, &mut events, 31);
    let severity = |name: &str| Command::SetSeverity {
        severity: Severity::new(name),
    };
    // To P0 (every 15 minutes: due at 15), then to P2 (every 60: due at 60), no update between.
    send(&mut incident, &mut events, severity("P0"), 33);
    assert_eq!(incident.update_due_at(&scale), Some(at(15)));
    assert!(internal(&incident, 34).is_empty());
    send(&mut incident, &mut events, severity("P2"), 35);
    assert_eq!(incident.update_due_at(&scale), Some(at(60)));
    assert!(internal(&incident, 61).is_empty());
    // An update ends the episode; the next overdue one is a new lapse, due an hour later.
    let note = Command::AddNote {
        kind: NoteKind::Update,
        text: "pool resized; watching".into(),
    };
    send(&mut incident, &mut events, note, 62);
    assert!(internal(&incident, 122).is_empty());
    assert_eq!(internal(&incident, 123), [at(122)]);
    assert_eq!(Incident::fold(incident.id.clone(), &events), incident);
}

#[test]
fn a_public_update_starts_a_new_overdue_episode() {
    let (mut incident, mut events) = declared();
    let at = |m: i64| t0() + Duration::minutes(m);
    let public =
        |incident: &Incident, m: i64| lapses_of(incident, Lapse::PublicUpdateOverdue, at(m));
    let assign = Command::AssignRole {
        role: Role::Commander,
        person: "alice".into(),
        focus: None,
        brief: None,
    };
    send(&mut incident, &mut events, assign, 1);
    let publish = |next: i64| Command::PublicUpdate(update(PublicState::Investigating, Some(next)));
    send(&mut incident, &mut events, publish(10), 2);
    assert_eq!(public(&incident, 11), [at(10)]);
    record_lapses(&mut incident, &mut events, 11);
    assert!(public(&incident, 12).is_empty());
    send(&mut incident, &mut events, publish(20), 13);
    assert!(public(&incident, 20).is_empty());
    assert_eq!(public(&incident, 21), [at(20)]);
}

#[test]
fn a_lapse_is_due_only_after_its_time_not_at_it() {
    let (incident, _) = declared();
    let scale = SeverityScale::default();
    let rules = EscalationRules::default();
    let grace_ends = t0() + Duration::minutes(5);
    assert!(lapses_due(&incident, grace_ends, &rules, &scale).is_empty());
    assert_eq!(
        lapses_due(&incident, grace_ends + Duration::seconds(1), &rules, &scale).len(),
        1
    );
}
