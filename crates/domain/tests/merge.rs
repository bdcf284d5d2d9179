//! Merging duplicates, acknowledgements that take command, escalation policies and alert
//! joining: examples first, then generated command sequences over two incidents.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use warroom_domain::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
}

/// Two incidents in one log, as the backend keeps them.
struct Room {
    events: Vec<Event>,
    incidents: [Incident; 2],
    scale: SeverityScale,
    ack_takes_command: bool,
}

impl Room {
    /// INC-1 a page for checkout (triggered), INC-2 declared by alice for checkout.
    fn new(ack_takes_command: bool) -> Room {
        let scale = SeverityScale::default();
        let mut room = Room {
            events: vec![],
            incidents: [
                Incident::blank(IncidentId::from_number(1)),
                Incident::blank(IncidentId::from_number(2)),
            ],
            scale,
            ack_takes_command,
        };
        let new = |title: &str| NewIncident {
            title: title.into(),
            severity: Severity::new("P0"),
            service: Some("checkout".into()),
            summary: None,
            started_at: None,
            detected_at: None,
            alerts: vec![alert("a1")],
        };
        let paged = declare_page(new("checkout 5xx"), t0(), &room.scale).unwrap();
        room.append(0, "alertmanager", t0(), paged);
        let declared = declare(new("checkout down"), t0(), &room.scale).unwrap();
        room.append(1, "alice", t0(), declared);
        room
    }

    fn append(&mut self, which: usize, actor: &str, at: Timestamp, kinds: Vec<EventKind>) {
        for kind in kinds {
            let event = Event {
                seq: self.events.len() as u64 + 1,
                incident: self.incidents[which].id.clone(),
                at,
                actor: actor.into(),
                via: None,
                kind,
                intended_at: None,
            };
            self.incidents[which].apply(&event);
            self.events.push(event);
        }
    }

    /// What the backend does with a command on incident `which` (0 or 1).
    fn run(
        &mut self,
        which: usize,
        actor: &str,
        at: Timestamp,
        command: Command,
    ) -> Result<(), Rejection> {
        if let Command::MergeInto { into } = &command {
            let other = (into.number() as usize).wrapping_sub(1);
            // The server answers 404 for an incident it does not know.
            let Some(survivor) = self.incidents.get(other).cloned() else {
                return Err(Rejection {
                    code: "not_found".into(),
                    message: format!("no incident {into}"),
                });
            };
            let duplicate = &self.incidents[which];
            let merged = merge(duplicate, &self.events, &survivor)?;
            self.append(which, actor, at, merged.duplicate);
            self.append(other, actor, at, merged.survivor);
            return Ok(());
        }
        let acting = Acting {
            person: actor,
            ack_takes_command: self.ack_takes_command,
        };
        let kinds = decide_as(&self.incidents[which], command, acting, at, &self.scale)?;
        self.append(which, actor, at, kinds);
        Ok(())
    }

    fn refold(&self, which: usize) -> Incident {
        Incident::fold(self.incidents[which].id.clone(), &self.events)
    }
}

fn alert(fingerprint: &str) -> AlertRef {
    AlertRef {
        fingerprint: fingerprint.into(),
        name: "HighErrorRatio".into(),
        summary: None,
        labels: [("service".to_string(), "checkout".to_string())].into(),
        starts_at: t0(),
    }
}

fn merge_into(number: u64) -> Command {
    Command::MergeInto {
        into: IncidentId::from_number(number),
    }
}

fn note(text: &str) -> Command {
    Command::AddNote {
        kind: NoteKind::Note,
        text: text.into(),
    }
}

#[test]
fn a_merged_duplicate_ends_merged_and_its_evidence_joins_the_survivor() {
    let mut room = Room::new(true);
    let at = t0() + Duration::minutes(1);
    room.run(0, "bob", at, note("pool exhausted on db-2"))
        .unwrap();
    room.run(
        0,
        "bob",
        at,
        Command::AddAction {
            text: "drain db-2".into(),
            owner: Some("bob".into()),
            due_at: None,
            due_in: Some(600),
        },
    )
    .unwrap();
    room.run(0, "alice", at, merge_into(2)).unwrap();
    let [duplicate, survivor] = &room.incidents;
    assert_eq!(duplicate.status, Status::Merged);
    assert_eq!(duplicate.survivor(), Some(&IncidentId::from_number(2)));
    assert_eq!(survivor.merged_from, [IncidentId::from_number(1)]);
    // The alert a1 was on both; the survivor keeps one, firing.
    assert_eq!(survivor.alerts.len(), 1);
    assert_eq!(survivor.actions[0].text, "INC-1 #1: drain db-2");
    let carried = room
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::IncidentMerged { notes, .. } => Some(notes.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(carried.len(), 1);
    assert_eq!(
        (carried[0].actor.as_str(), carried[0].text.as_str()),
        ("bob", "pool exhausted on db-2")
    );

    // Final: a second merge, and anything else on the duplicate, is refused.
    let again = room.run(0, "alice", at, merge_into(2)).unwrap_err();
    assert_eq!(again.code, "already_merged");
    assert!(MERGE_CONFLICTS.contains(&again.code.as_str()));
    assert_eq!(
        room.run(0, "alice", at, note("x")).unwrap_err().code,
        "incident_merged"
    );
    let reopen = Command::Transition {
        to: Status::Investigating,
    };
    assert_eq!(
        room.run(0, "alice", at, reopen).unwrap_err().code,
        "incident_merged"
    );
    assert_eq!(room.refold(0), room.incidents[0]);
    assert_eq!(room.refold(1), room.incidents[1]);
}

#[test]
fn a_merge_into_an_ended_incident_or_itself_is_refused_and_says_why() {
    let mut room = Room::new(true);
    let at = t0() + Duration::minutes(1);
    for to in [Status::Resolved, Status::Closed] {
        room.run(1, "alice", at, Command::Transition { to })
            .unwrap();
    }
    let closed = room.run(0, "alice", at, merge_into(2)).unwrap_err();
    assert_eq!(closed.code, "survivor_ended");
    assert!(
        closed.message.contains("INC-2 is closed"),
        "{}",
        closed.message
    );
    let itself = room.run(0, "alice", at, merge_into(1)).unwrap_err();
    assert_eq!(itself.code, "invalid_input");
    assert_eq!(room.incidents[0].status, Status::Triggered);
}

#[test]
fn acknowledging_a_page_with_a_vacant_seat_takes_command_in_one_event() {
    let mut room = Room::new(true);
    let ack = Command::Transition {
        to: Status::Acknowledged,
    };
    room.run(0, "carol", t0(), ack.clone()).unwrap();
    let last = room.events.last().unwrap();
    assert_eq!(
        last.kind.describe(),
        "triggered → acknowledged; carol takes command"
    );
    assert_eq!(room.incidents[0].roles.commander.as_deref(), Some("carol"));

    // Off: the seat stays vacant.
    let mut room = Room::new(false);
    room.run(0, "carol", t0(), ack).unwrap();
    assert_eq!(room.incidents[0].roles.commander, None);
    assert_eq!(room.incidents[0].status, Status::Acknowledged);
}

fn policy() -> EscalationPolicy {
    let step = |after: i64, target: &str, mention: Option<&str>| EscalationStep {
        after: Duration::seconds(after),
        notify: vec![target.into()],
        mention: mention.map(Into::into),
    };
    EscalationPolicy {
        severities: vec![Severity::new("P0"), Severity::new("P1")],
        repeat: 1,
        steps: vec![
            step(120, "ops-slack", Some("<!here>")),
            step(300, "pager", None),
        ],
    }
}

/// The targets of the steps due at `seconds` after t0, recorded as the clock would.
fn escalate(room: &mut Room, which: usize, seconds: i64) -> Vec<String> {
    let now = t0() + Duration::seconds(seconds);
    let due = escalations_due(&room.incidents[which], now, &[policy()]);
    let named = due
        .iter()
        .map(|kind| match kind {
            EventKind::Escalated { notify, round, .. } => format!("{}@{round}", notify.join(",")),
            other => panic!("{other:?}"),
        })
        .collect();
    room.append(which, "warroom", now, due);
    named
}

#[test]
fn a_policy_steps_in_order_repeats_and_stops_at_the_acknowledgement() {
    let mut room = Room::new(true);
    assert_eq!(escalate(&mut room, 0, 119), Vec::<String>::new());
    assert_eq!(escalate(&mut room, 0, 120), ["ops-slack@1"]);
    assert_eq!(escalate(&mut room, 0, 121), Vec::<String>::new(), "once");
    assert_eq!(escalate(&mut room, 0, 300), ["pager@1"]);
    // The second round starts when the first one's last step was due.
    assert_eq!(escalate(&mut room, 0, 420), ["ops-slack@2"]);
    assert_eq!(
        escalate(&mut room, 0, 5000),
        ["pager@2"],
        "repeat = 1: two rounds"
    );
    assert_eq!(escalate(&mut room, 0, 9000), Vec::<String>::new());

    // A fresh page acknowledged after the first step: nothing more.
    let mut room = Room::new(true);
    assert_eq!(escalate(&mut room, 0, 130), ["ops-slack@1"]);
    let ack = Command::Transition {
        to: Status::Acknowledged,
    };
    room.run(0, "carol", t0() + Duration::seconds(140), ack)
        .unwrap();
    assert_eq!(escalate(&mut room, 0, 5000), Vec::<String>::new());

    // The declared incident has nobody commanding: the policy runs from the declaration,
    // and a commander stops it.
    assert_eq!(escalate(&mut room, 1, 120), ["ops-slack@1"]);
    room.run(
        1,
        "alice",
        t0(),
        Command::AssignRole {
            role: Role::Commander,
            person: "alice".into(),
            focus: None,
            brief: None,
        },
    )
    .unwrap();
    assert_eq!(escalate(&mut room, 1, 5000), Vec::<String>::new());
    let steps = policy();
    assert_eq!(steps.check(), Ok(()));
    let backwards = EscalationPolicy {
        steps: steps.steps.into_iter().rev().collect(),
        ..policy()
    };
    assert!(backwards.check().unwrap_err().contains("order"));
}

#[test]
fn a_page_joins_on_its_labels_unless_it_is_severe_enough_for_its_own() {
    let scale = SeverityScale::default();
    let routing = AlertRouting {
        join_on: vec!["service".into()],
        join_below: Some(Severity::new("P0")),
    };
    let labels: Labels = [("service".to_string(), "checkout".to_string())].into();
    let key = routing
        .join_key(&labels, &Severity::new("P1"), &scale)
        .unwrap();
    let room = Room::new(true);
    assert!(AlertRouting::matches(&key, &room.incidents[1]));
    assert_eq!(
        routing.join_key(&labels, &Severity::new("P0"), &scale),
        None
    );
    assert_eq!(
        routing.join_key(&Labels::new(), &Severity::new("P1"), &scale),
        None
    );
    let other: Labels = [("service".to_string(), "search".to_string())].into();
    let key = routing
        .join_key(&other, &Severity::new("P2"), &scale)
        .unwrap();
    assert!(!AlertRouting::matches(&key, &room.incidents[1]));
    // Another label is matched against the incident's alerts.
    let by_alert = AlertRouting {
        join_on: vec!["service".into(), "alertname".into()],
        join_below: None,
    };
    assert_eq!(
        by_alert.join_key(&labels, &Severity::new("P2"), &scale),
        None,
        "no alertname"
    );
}

fn any_command() -> impl Strategy<Value = Command> {
    let status = proptest::sample::select(Status::ALL.to_vec());
    let person = proptest::sample::select(vec!["alice", "bob"]);
    prop_oneof![
        3 => status.prop_map(|to| Command::Transition { to }),
        2 => (1u64..=3).prop_map(merge_into),
        2 => proptest::sample::select(vec!["x", "pool exhausted"]).prop_map(note),
        1 => Just(Command::AddAction {
            text: "roll back".into(),
            owner: None,
            due_at: None,
            due_in: None,
        }),
        1 => (1u32..3).prop_map(|action| Command::DropAction { action }),
        1 => proptest::sample::select(vec!["a1", "a2", "a3"]).prop_map(|f| Command::AttachAlert {
            alert: alert(f),
            group: Some("g".into()),
        }),
        1 => (person.clone(), proptest::option::of(Just("handover"))).prop_map(|(person, brief)| {
            Command::AssignRole {
                role: Role::Commander,
                person: person.into(),
                focus: None,
                brief: brief.map(Into::into),
            }
        }),
        1 => Just(Command::RelieveRole { role: Role::Commander, person: None }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    /// Random commands on either incident, merges among them (into each other, into itself,
    /// into one that does not exist) and the escalation clock between them: merged is final
    /// and refuses everything after; a merge needs an open survivor and brings every note,
    /// alert and open action item of the duplicate; a first acknowledgement with the seat
    /// vacant takes command; no escalation step is ever taken twice, none is taken once
    /// someone commands an acknowledged incident; and every state equals a fresh fold.
    #[test]
    fn generated_sequences_over_two_incidents_keep_the_merge_and_escalation_rules(
        ack_takes_command in any::<bool>(),
        steps in proptest::collection::vec(
            (0usize..2, proptest::sample::select(vec!["alice", "bob", "carol"]), 0i64..200, any_command()),
            0..60,
        )
    ) {
        let mut room = Room::new(ack_takes_command);
        let mut seconds = 0;
        for (which, actor, gap, command) in steps {
            seconds += gap;
            let at = t0() + Duration::seconds(seconds);
            escalate(&mut room, 0, seconds);
            escalate(&mut room, 1, seconds);
            let before = (room.incidents.clone(), room.events.len());
            let was = before.0[which].clone();
            let other = before.0[1 - which].clone();
            let result = room.run(which, actor, at, command.clone());
            match (&result, &command) {
                (Err(_), _) => {
                    prop_assert_eq!(&room.incidents, &before.0, "a refusal changed state");
                    prop_assert_eq!(room.events.len(), before.1);
                }
                (Ok(()), Command::MergeInto { into }) => {
                    prop_assert_eq!(into, &other.id);
                    prop_assert!(other.status.is_open(), "merged into {:?}", other.status);
                    prop_assert!(was.survivor().is_none() && was.status != Status::Closed);
                    let survivor = &room.incidents[1 - which];
                    for attached in &was.alerts {
                        prop_assert!(survivor.alert(&attached.alert.fingerprint).is_some());
                    }
                    let open_actions = was.actions.iter().filter(|a| a.state == ActionState::Open).count();
                    prop_assert_eq!(survivor.actions.len(), other.actions.len() + open_actions);
                    let notes = room.events.iter()
                        .filter(|e| e.incident == was.id && matches!(e.kind, EventKind::NoteAdded { .. }))
                        .count();
                    let carried = match &room.events.iter().rev()
                        .find(|e| matches!(e.kind, EventKind::IncidentMerged { .. })).unwrap().kind {
                        EventKind::IncidentMerged { notes, .. } => notes.len(),
                        _ => unreachable!(),
                    };
                    prop_assert_eq!(carried, notes);
                }
                (Ok(()), _) => {
                    prop_assert!(was.survivor().is_none(), "a merged incident accepted {:?}", command);
                    let now = &room.incidents[which];
                    if ack_takes_command
                        && was.status == Status::Triggered
                        && now.status.is_open()
                        && now.status != Status::Triggered
                        && was.last_commander.is_none()
                    {
                        prop_assert!(now.roles.commander.is_some(), "the acknowledger commands");
                    }
                }
            }
            for which in 0..2 {
                let incident = &room.incidents[which];
                prop_assert_eq!(&room.refold(which), incident);
                prop_assert_eq!(incident.status == Status::Merged, incident.merged_into.is_some());
                let mut taken: Vec<_> = incident.escalations.iter().map(|r| (r.episode, r.round, r.step)).collect();
                let all = taken.len();
                taken.sort();
                taken.dedup();
                prop_assert_eq!(taken.len(), all, "a step taken twice");
                if incident.roles.commander.is_some() && incident.status != Status::Triggered {
                    prop_assert_eq!(incident.escalation_episode(), None);
                }
            }
        }
    }
}
