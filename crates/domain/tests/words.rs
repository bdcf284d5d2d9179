//! The words the domain gives the wire, the CLI and the timeline: note kinds, severities and
//! the scale, each read back as it was written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use warroom_domain::*;

#[test]
fn note_kinds_are_spelled_and_read_back() {
    for kind in [NoteKind::Update, NoteKind::Decision, NoteKind::Note] {
        assert_eq!(kind.as_str().parse::<NoteKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert_eq!(" Decision ".parse::<NoteKind>(), Ok(NoteKind::Decision));
    assert_eq!(
        ["update", "decision", "note"].map(|word| word.parse::<NoteKind>().unwrap().as_str()),
        ["update", "decision", "note"]
    );
    let unknown = "memo".parse::<NoteKind>().unwrap_err();
    assert!(unknown.contains("unknown note kind 'memo'"), "{unknown}");
}

#[test]
fn an_engineer_without_a_focus_is_described_without_one() {
    let assigned = |focus: Option<&str>| EventKind::RoleAssigned {
        role: Role::Engineer,
        person: "bob".into(),
        focus: focus.map(String::from),
    };
    assert_eq!(assigned(Some("db")).describe(), "bob is engineer (db)");
    assert_eq!(assigned(Some("")).describe(), "bob is engineer");
    assert_eq!(assigned(None).describe(), "bob is engineer");
    assert_eq!(assigned(None).label(), "role");
    assert_eq!(assigned(None).tag(), "role_assigned");
}

#[test]
fn a_severity_pads_like_text_and_a_scale_travels_as_its_levels() {
    assert_eq!(format!("[{:>4}]", Severity::new("P1")), "[  P1]");
    let scale = SeverityScale::default();
    let wire = serde_json::to_value(&scale).unwrap();
    assert_eq!(wire[0]["name"], "P0");
    assert_eq!(wire.as_array().map(Vec::len), Some(3));
    let back: SeverityScale = serde_json::from_value(wire).unwrap();
    assert_eq!(back, scale);
}

#[test]
fn roles_are_spelled_titled_and_read_back_with_their_aliases() {
    let spelled: Vec<(&str, &str)> = Role::ALL
        .iter()
        .map(|role| (role.as_str(), role.title()))
        .collect();
    assert_eq!(
        spelled,
        [
            ("commander", "Incident Commander"),
            ("engineer", "Engineers"),
            ("product", "Product Manager"),
            ("comms", "Communications Lead"),
            ("scribe", "Scribe"),
        ]
    );
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        assert_eq!(format!("{role:>10}"), format!("{:>10}", role.as_str()));
    }
    for (alias, role) in [
        ("IC", Role::Commander),
        (" eng", Role::Engineer),
        ("pm", Role::Product),
    ] {
        assert_eq!(alias.parse::<Role>(), Ok(role));
    }
    let unknown = "boss".parse::<Role>().unwrap_err();
    assert!(unknown.contains("unknown role 'boss'"), "{unknown}");
}

/// One event of every kind, each at its position in [`EventKind::TAGS`]. The match has no
/// catch-all arm, so a new kind does not compile until it is added here.
fn one_event_of_every_kind() -> Vec<EventKind> {
    use chrono::{TimeZone, Utc};
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0).unwrap();
    let kinds = vec![
        EventKind::Declared {
            title: "checkout errors".into(),
            severity: Severity::new("P1"),
            service: None,
            summary: None,
            impact_started_at: None,
            detected_at: at,
            acknowledged: true,
        },
        EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Investigating,
            reason: None,
            commander: None,
        },
        EventKind::SeverityChanged {
            from: Severity::new("P1"),
            to: Severity::new("P0"),
        },
        EventKind::RoleAssigned {
            role: Role::Commander,
            person: "carol".into(),
            focus: None,
        },
        EventKind::RoleRelieved {
            role: Role::Commander,
            person: "carol".into(),
        },
        EventKind::CommandTransferred {
            from: "carol".into(),
            to: "dave".into(),
            brief: "pool resized".into(),
        },
        EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: "draining".into(),
        },
        EventKind::ActionAdded {
            action: 1,
            text: "roll back".into(),
            owner: None,
            due_at: None,
        },
        EventKind::ActionCompleted { action: 1 },
        EventKind::ActionReopened { action: 1 },
        EventKind::ActionDropped { action: 1 },
        EventKind::ImpactStartSet { at },
        EventKind::SummarySet {
            summary: "a third of payments failed for 40 minutes".into(),
        },
        EventKind::AlertAttached {
            alert: AlertRef {
                fingerprint: "f1".into(),
                name: "HighErrorRatio".into(),
                summary: None,
                labels: Default::default(),
                starts_at: at,
            },
            group: None,
        },
        EventKind::AlertResolved {
            fingerprint: "f1".into(),
            name: "HighErrorRatio".into(),
            ended_at: at,
        },
        EventKind::AlertsCounted { more: 3 },
        EventKind::MetricSnapshot {
            reason: SnapshotReason::Pin,
            values: vec![],
            as_of: Some(at),
        },
        EventKind::ReviewEdited {
            edit: ReviewEdit::default(),
        },
        EventKind::CorrectiveActionAdded {
            id: 1,
            text: "alert on LB 5xx".into(),
            kind: CorrectiveKind::Detective,
            owner: "bob".into(),
            due_at: at,
            ticket: None,
        },
        EventKind::CorrectiveActionCompleted { id: 1 },
        EventKind::CorrectiveActionDropped { id: 1 },
        EventKind::CorrectiveActionReopened { id: 1 },
        EventKind::CorrectiveKindChanged {
            id: 1,
            from: CorrectiveKind::Detective,
            to: CorrectiveKind::Preventive,
        },
        EventKind::RecurrenceLinked { earlier: vec![] },
        EventKind::PublicUpdate(PublicUpdate {
            state: PublicState::Investigating,
            message: "we are looking into it".into(),
            components: Default::default(),
            next_update_at: None,
            title: None,
            public_id: None,
        }),
        EventKind::Lapsed {
            lapse: Lapse::CommanderVacant,
            due: at,
        },
        EventKind::AlertJoined {
            group: "{}:{service=\"checkout\"}".into(),
            title: "checkout 5xx".into(),
            severity: Severity::new("P1"),
            matched: [("service".to_string(), "checkout".to_string())].into(),
        },
        EventKind::MergedInto {
            into: IncidentId::from_number(3),
        },
        EventKind::IncidentMerged {
            from: IncidentId::from_number(4),
            title: "checkout 5xx".into(),
            notes: vec![CarriedNote {
                at,
                actor: "bob".into(),
                kind: NoteKind::Note,
                text: "pool exhausted".into(),
            }],
        },
        EventKind::Escalated {
            step: 1,
            steps: 2,
            round: 1,
            rounds: 3,
            notify: vec!["ops-slack".into()],
            mention: Some("<!here>".into()),
            episode: at,
            due: at,
        },
    ];
    for (index, kind) in kinds.iter().enumerate() {
        let position = match kind {
            EventKind::Declared { .. } => 0,
            EventKind::StatusChanged { .. } => 1,
            EventKind::SeverityChanged { .. } => 2,
            EventKind::RoleAssigned { .. } => 3,
            EventKind::RoleRelieved { .. } => 4,
            EventKind::CommandTransferred { .. } => 5,
            EventKind::NoteAdded { .. } => 6,
            EventKind::ActionAdded { .. } => 7,
            EventKind::ActionCompleted { .. } => 8,
            EventKind::ActionReopened { .. } => 9,
            EventKind::ActionDropped { .. } => 10,
            EventKind::ImpactStartSet { .. } => 11,
            EventKind::SummarySet { .. } => 12,
            EventKind::AlertAttached { .. } => 13,
            EventKind::AlertResolved { .. } => 14,
            EventKind::AlertsCounted { .. } => 15,
            EventKind::MetricSnapshot { .. } => 16,
            EventKind::ReviewEdited { .. } => 17,
            EventKind::CorrectiveActionAdded { .. } => 18,
            EventKind::CorrectiveActionCompleted { .. } => 19,
            EventKind::CorrectiveActionDropped { .. } => 20,
            EventKind::CorrectiveActionReopened { .. } => 21,
            EventKind::CorrectiveKindChanged { .. } => 22,
            EventKind::RecurrenceLinked { .. } => 23,
            EventKind::PublicUpdate(_) => 24,
            EventKind::Lapsed { .. } => 25,
            EventKind::AlertJoined { .. } => 26,
            EventKind::MergedInto { .. } => 27,
            EventKind::IncidentMerged { .. } => 28,
            EventKind::Escalated { .. } => 29,
        };
        assert_eq!(index, position, "{kind:?} is out of place");
    }
    kinds
}

#[test]
fn every_event_kind_is_tagged_as_the_wire_names_it_and_listed_in_tags() {
    let kinds = one_event_of_every_kind();
    assert_eq!(kinds.len(), EventKind::TAGS.len(), "one of each kind");
    for (kind, listed) in kinds.iter().zip(EventKind::TAGS) {
        let wire = serde_json::to_value(kind).unwrap();
        assert_eq!(wire["type"], kind.tag(), "{wire}");
        assert_eq!(
            kind.tag(),
            listed,
            "TAGS lists the kinds in declaration order"
        );
        let back: EventKind = serde_json::from_value(wire).unwrap();
        assert_eq!(&back, kind);
    }
}

#[test]
fn action_states_are_spelled_as_the_wire_spells_them() {
    let states = [ActionState::Open, ActionState::Done, ActionState::Dropped];
    assert_eq!(states.map(ActionState::as_str), ["open", "done", "dropped"]);
    for state in states {
        assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
    }
}
