//! The domain rules, end to end through `declare`, `decide` and `fold`.

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

/// A log in memory: what the backend does, without the disk.
struct Log {
    events: Vec<Event>,
    state: Incident,
    scale: SeverityScale,
}

impl Log {
    /// An incident a person declared (it starts acknowledged).
    fn declared(title: &str, severity: &str) -> Log {
        Log::opened(title, severity, declare)
    }

    /// An incident a page opened (it starts triggered).
    fn paged(title: &str) -> Log {
        Log::opened(title, "P1", declare_page)
    }

    fn opened(
        title: &str,
        severity: &str,
        how: fn(NewIncident, Timestamp, &SeverityScale) -> Result<Vec<EventKind>, Rejection>,
    ) -> Log {
        let id = IncidentId::from_number(1);
        let scale = SeverityScale::default();
        let new = NewIncident {
            title: title.into(),
            severity: Severity::new(severity),
            service: Some("checkout".into()),
            summary: None,
            started_at: Some(t0() - Duration::minutes(7)),
            detected_at: None,
            alerts: vec![],
        };
        let kind = how(new, t0(), &scale).expect("a valid declaration");
        let mut log = Log {
            events: vec![],
            state: Incident::blank(id),
            scale,
        };
        log.append("alice", t0(), kind);
        log
    }

    fn append(&mut self, actor: &str, at: Timestamp, kinds: Vec<EventKind>) {
        for kind in kinds {
            let event = Event {
                seq: self.events.len() as u64 + 1,
                incident: self.state.id.clone(),
                at,
                actor: actor.into(),
                via: None,
                kind,
                intended_at: None,
            };
            self.state.apply(&event);
            self.events.push(event);
        }
    }

    fn run(&mut self, actor: &str, minutes: i64, command: Command) -> Result<(), Rejection> {
        let at = t0() + Duration::minutes(minutes);
        let kinds = decide(&self.state, command, at, &self.scale)?;
        self.append(actor, at, kinds);
        Ok(())
    }

    fn refused(&mut self, command: Command) -> Rejection {
        let before = (self.state.clone(), self.events.len());
        let rejection = self
            .run("alice", 60, command)
            .expect_err("the command should be refused");
        assert_eq!(
            (self.state.clone(), self.events.len()),
            before,
            "a refusal must not change the state or the log"
        );
        rejection
    }

    fn refold(&self) -> Incident {
        Incident::fold(self.state.id.clone(), &self.events)
    }
}

fn to(status: Status) -> Command {
    Command::Transition { to: status }
}

fn assign(role: Role, person: &str) -> Command {
    Command::AssignRole {
        role,
        person: person.into(),
        focus: None,
        brief: None,
    }
}

#[test]
fn a_whole_response_folds_back_to_the_same_state() {
    let mut log = Log::declared("Checkout API returns 5xx", "P1");
    assert_eq!(
        log.refused(to(Status::Acknowledged)).message,
        "the incident is already acknowledged",
        "whoever declares takes it on"
    );
    log.run("alice", 1, assign(Role::Commander, "alice"))
        .unwrap();
    let engineer = Command::AssignRole {
        role: Role::Engineer,
        person: "bob".into(),
        focus: Some("load balancer".into()),
        brief: None,
    };
    log.run("alice", 2, engineer).unwrap();
    log.run("alice", 3, to(Status::Investigating)).unwrap();
    log.run(
        "alice",
        4,
        Command::SetSeverity {
            severity: Severity::new("p0"),
        },
    )
    .unwrap();
    let action = Command::AddAction {
        text: "roll back the LB config".into(),
        owner: Some("bob".into()),
        due_at: None,
        due_in: Some(15 * 60),
    };
    log.run("bob", 5, action).unwrap();
    let update = Command::AddNote {
        kind: NoteKind::Update,
        text: "rolling back".into(),
    };
    log.run("carol", 6, update).unwrap();
    log.run("bob", 12, Command::CompleteAction { action: 1 })
        .unwrap();
    log.run("alice", 13, to(Status::Mitigated)).unwrap();
    log.run("alice", 30, to(Status::Resolved)).unwrap();

    let state = &log.state;
    assert_eq!(state.status, Status::Resolved);
    assert_eq!(state.severity, Severity::new("P0"));
    assert_eq!(state.roles.commander.as_deref(), Some("alice"));
    assert_eq!(state.roles.engineers[0].focus, "load balancer");
    assert_eq!(state.actions[0].state, ActionState::Done);
    assert_eq!(state.actions[0].due_at, Some(t0() + Duration::minutes(20)));
    assert_eq!(state.acknowledged_at, Some(t0()));
    assert_eq!(state.mitigated_at, Some(t0() + Duration::minutes(13)));
    assert_eq!(state.resolved_at, Some(t0() + Duration::minutes(30)));
    assert_eq!(state.impact_started_at, Some(t0() - Duration::minutes(7)));
    assert_eq!(state.last_update_at, t0() + Duration::minutes(6));
    assert_eq!(state.version, 10);
    assert_eq!(log.refold(), log.state);

    // The log survives its wire format unchanged.
    let json = serde_json::to_string(&log.events).unwrap();
    let parsed: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(Incident::fold(state.id.clone(), &parsed), log.state);

    // Each event names its kind as the wire does, and the timeline's words for it.
    for event in &log.events {
        let wire = serde_json::to_value(&event.kind).unwrap();
        assert_eq!(wire["type"], event.kind.tag(), "{wire}");
        assert!(EventKind::TAGS.contains(&event.kind.tag()));
    }
    let words: Vec<(&str, String)> = log
        .events
        .iter()
        .map(|event| (event.kind.label(), event.kind.describe()))
        .collect();
    assert_eq!(words[0].0, "declared");
    assert!(words.contains(&("role", "bob is engineer (load balancer)".into())));
    assert!(words.contains(&("update", "rolling back".into())));
    assert!(words.contains(&("severity", "severity P1 → P0".into())));
}

#[test]
fn the_update_countdown_follows_the_severity_and_the_last_update() {
    let mut log = Log::declared("Checkout API returns 5xx", "P1");
    let scale = SeverityScale::default();
    assert_eq!(
        log.state.update_due_at(&scale),
        Some(t0() + Duration::minutes(30))
    );
    log.run(
        "alice",
        1,
        Command::SetSeverity {
            severity: Severity::new("P0"),
        },
    )
    .unwrap();
    assert_eq!(
        log.state.update_due_at(&scale),
        Some(t0() + Duration::minutes(15))
    );
    let note = Command::AddNote {
        kind: NoteKind::Note,
        text: "not an update".into(),
    };
    log.run("alice", 10, note).unwrap();
    assert_eq!(
        log.state.update_due_at(&scale),
        Some(t0() + Duration::minutes(15))
    );
    let update = Command::AddNote {
        kind: NoteKind::Update,
        text: "still rolling back".into(),
    };
    log.run("alice", 10, update).unwrap();
    assert_eq!(
        log.state.update_due_at(&scale),
        Some(t0() + Duration::minutes(25))
    );
    log.run("alice", 11, to(Status::Resolved)).unwrap();
    assert_eq!(log.state.update_due_at(&scale), None);
}

#[test]
fn transitions_through_decide_follow_the_table_and_refusals_carry_a_code() {
    let mut log = Log::paged("x");
    assert_eq!(log.state.status, Status::Triggered);
    assert_eq!(log.state.acknowledged_at, None, "a page waits for a person");
    let rejection = log.refused(to(Status::Closed));
    assert_eq!(rejection.code, "invalid_transition");
    assert_eq!(rejection.message, "only a resolved incident can be closed");
    log.run("alice", 1, to(Status::Mitigated)).unwrap();
    // Skipping ahead stamps the steps it skipped.
    assert_eq!(log.state.acknowledged_at, Some(t0() + Duration::minutes(1)));
    assert_eq!(
        log.refused(to(Status::Cancelled)).code,
        "invalid_transition"
    );
    log.run("alice", 2, to(Status::Resolved)).unwrap();
    log.run("alice", 3, to(Status::Investigating)).unwrap();
    assert_eq!(
        log.state.resolved_at, None,
        "reopening clears the resolution"
    );
    assert_eq!(
        log.state.mitigated_at,
        Some(t0() + Duration::minutes(1)),
        "reopening keeps the first mitigation"
    );
    log.run("alice", 4, to(Status::Resolved)).unwrap();
    log.run("alice", 5, to(Status::Closed)).unwrap();
    assert_eq!(log.state.closed_at, Some(t0() + Duration::minutes(5)));
    assert_eq!(log.refold(), log.state);
}

/// Every command that changes the response, on a closed incident.
fn response_commands() -> Vec<Command> {
    vec![
        to(Status::Investigating),
        Command::SetSeverity {
            severity: Severity::new("P0"),
        },
        assign(Role::Scribe, "dan"),
        Command::RelieveRole {
            role: Role::Commander,
            person: None,
        },
        Command::SetImpactStart {
            at: Utc.with_ymd_and_hms(1971, 1, 1, 0, 0, 0).unwrap(),
            after_detection: false,
        },
        Command::AddNote {
            kind: NoteKind::Note,
            text: "pm on Friday".into(),
        },
        Command::AddAction {
            text: "add a canary".into(),
            owner: None,
            due_at: None,
            due_in: None,
        },
        Command::CompleteAction { action: 1 },
        Command::ReopenAction { action: 1 },
        Command::DropAction { action: 1 },
        Command::AttachAlert {
            alert: alert("a2"),
            group: None,
        },
        Command::ResolveAlert {
            fingerprint: "a1".into(),
            ended_at: t0(),
        },
        Command::RecordSnapshot {
            reason: SnapshotReason::Pin,
            values: vec![SnapshotValue {
                panel: "5xx".into(),
                series: String::new(),
                before: None,
                value: "1%".into(),
                breached: false,
            }],
            as_of: None,
        },
        Command::PublicUpdate(PublicUpdate {
            state: PublicState::Resolved,
            message: "all is well".into(),
            components: Default::default(),
            next_update_at: None,
            title: None,
            public_id: None,
        }),
    ]
}

#[test]
fn closed_means_the_response_record_is_final() {
    let mut log = Log::declared("x", "P2");
    log.run("alice", 1, assign(Role::Commander, "alice"))
        .unwrap();
    log.run(
        "alice",
        2,
        Command::AttachAlert {
            alert: alert("a1"),
            group: None,
        },
    )
    .unwrap();
    log.run(
        "alice",
        3,
        Command::AddAction {
            text: "roll back".into(),
            owner: None,
            due_at: None,
            due_in: None,
        },
    )
    .unwrap();
    log.run("alice", 4, to(Status::Resolved)).unwrap();
    log.run("alice", 5, to(Status::Closed)).unwrap();
    let resolve_times = ResponseTimes::of(&log.state);
    for command in response_commands() {
        assert!(command.changes_response_record(), "{command:?}");
        let refused = log.refused(command.clone());
        assert_eq!(refused.code, "incident_closed", "{command:?}");
        assert!(
            refused.message.contains("INC-1 is closed"),
            "{}",
            refused.message
        );
    }
    // The response times of a closed incident cannot move (the 1971 impact start above).
    assert_eq!(ResponseTimes::of(&log.state), resolve_times);
    assert_eq!(
        resolve_times.to_resolve,
        Some(Duration::minutes(4 + 7)),
        "from the impact start 7 minutes before the declaration"
    );
}

#[test]
fn a_mitigated_incident_is_no_false_alarm_even_after_going_back() {
    let mut log = Log::declared("x", "P2");
    log.run("alice", 1, to(Status::Mitigated)).unwrap();
    log.run("alice", 2, to(Status::Investigating)).unwrap();
    assert_eq!(log.state.mitigated_at, Some(t0() + Duration::minutes(1)));
    let refused = log.refused(to(Status::Cancelled));
    assert_eq!(refused.code, "invalid_transition");
    assert!(refused.message.contains("not a false alarm"));
    // Through a resolve and a reopen as well.
    log.run("alice", 3, to(Status::Resolved)).unwrap();
    log.run("alice", 4, to(Status::Investigating)).unwrap();
    assert_eq!(
        log.refused(to(Status::Cancelled)).code,
        "invalid_transition"
    );
}

#[test]
fn a_cancellation_records_when_and_a_reopening_clears_it() {
    let mut log = Log::paged("x");
    log.run("alice", 2, to(Status::Cancelled)).unwrap();
    assert_eq!(log.state.cancelled_at, Some(t0() + Duration::minutes(2)));
    assert_eq!(
        log.state.acknowledged_at,
        Some(t0() + Duration::minutes(2)),
        "calling a page a false alarm is taking it on"
    );
    log.run("alice", 3, to(Status::Investigating)).unwrap();
    assert_eq!(log.state.cancelled_at, None);
    log.run("alice", 4, to(Status::Cancelled)).unwrap();
    assert_eq!(log.state.cancelled_at, Some(t0() + Duration::minutes(4)));
    assert_eq!(log.refold(), log.state);
}

#[test]
fn a_declared_incident_starts_acknowledged_and_a_page_triggered() {
    let declared = Log::declared("x", "P1");
    assert_eq!(declared.state.status, Status::Acknowledged);
    assert_eq!(declared.state.acknowledged_at, Some(t0()));
    let mut paged = Log::paged("x");
    assert_eq!(paged.state.status, Status::Triggered);
    assert_eq!(paged.state.acknowledged_at, None);
    // The first human move out of triggered is the acknowledgement, whatever it is.
    paged.run("bob", 5, to(Status::Investigating)).unwrap();
    assert_eq!(
        paged.state.acknowledged_at,
        Some(t0() + Duration::minutes(5))
    );
    paged.run("bob", 6, to(Status::Mitigated)).unwrap();
    assert_eq!(
        paged.state.acknowledged_at,
        Some(t0() + Duration::minutes(5))
    );
    // The wire form of an old declaration (no `acknowledged`) still reads as triggered.
    let old: EventKind = serde_json::from_str(
        r#"{"type":"declared","title":"x","severity":"P1","detected_at":"2026-11-25T14:00:00Z"}"#,
    )
    .unwrap();
    assert!(matches!(
        old,
        EventKind::Declared {
            acknowledged: false,
            ..
        }
    ));
}

#[test]
fn roles_assign_relieve_and_transfer_command_with_a_brief() {
    let mut log = Log::declared("x", "P1");
    assert_eq!(log.state.roles.vacant(), Role::ALL.to_vec());
    log.run("alice", 1, assign(Role::Commander, "alice"))
        .unwrap();
    assert_eq!(
        log.refused(assign(Role::Commander, "alice")).code,
        "unchanged"
    );
    let no_brief = log.refused(assign(Role::Commander, "carol"));
    assert_eq!(no_brief.code, "brief_required");
    assert!(no_brief.message.contains("alice is commanding"));
    let handover = Command::AssignRole {
        role: Role::Commander,
        person: "carol".into(),
        focus: None,
        brief: Some("LB rollback in flight, next update 14:30".into()),
    };
    log.run("alice", 2, handover).unwrap();
    assert_eq!(log.state.roles.commander.as_deref(), Some("carol"));
    assert!(matches!(
        log.events.last().unwrap().kind,
        EventKind::CommandTransferred { ref from, ref to, .. } if from == "alice" && to == "carol"
    ));

    for (person, focus) in [("bob", "lb"), ("erin", "db")] {
        let engineer = Command::AssignRole {
            role: Role::Engineer,
            person: person.into(),
            focus: Some(focus.into()),
            brief: None,
        };
        log.run("carol", 3, engineer).unwrap();
    }
    let several = log.refused(Command::RelieveRole {
        role: Role::Engineer,
        person: None,
    });
    assert!(several.message.contains("several"));
    let stranger = log.refused(Command::RelieveRole {
        role: Role::Engineer,
        person: Some("zed".into()),
    });
    assert_eq!(stranger.code, "role_vacant");
    log.run(
        "carol",
        4,
        Command::RelieveRole {
            role: Role::Engineer,
            person: Some("bob".into()),
        },
    )
    .unwrap();
    assert_eq!(log.state.roles.engineers.len(), 1);
    assert_eq!(
        log.refused(Command::RelieveRole {
            role: Role::Scribe,
            person: None
        })
        .code,
        "role_vacant"
    );
    let focus_on_scribe = log.refused(Command::AssignRole {
        role: Role::Scribe,
        person: "dan".into(),
        focus: Some("notes".into()),
        brief: None,
    });
    assert_eq!(focus_on_scribe.code, "invalid_input");
    log.run(
        "carol",
        5,
        Command::RelieveRole {
            role: Role::Commander,
            person: None,
        },
    )
    .unwrap();
    assert!(log.state.roles.vacant().contains(&Role::Commander));
    // The seat is vacant, but the incident has had a commander: taking it is a handover.
    let skipped = log.refused(assign(Role::Commander, "dan"));
    assert_eq!(skipped.code, "brief_required");
    assert!(
        skipped.message.contains("carol commanded before"),
        "{}",
        skipped.message
    );
    let take_over = Command::AssignRole {
        role: Role::Commander,
        person: "dan".into(),
        focus: None,
        brief: Some("carol left: rollback done, watching error rate".into()),
    };
    log.run("dan", 6, take_over).unwrap();
    assert!(matches!(
        log.events.last().unwrap().kind,
        EventKind::CommandTransferred { ref from, ref to, .. } if from == "carol" && to == "dan"
    ));
    assert_eq!(log.state.roles.commander.as_deref(), Some("dan"));
    assert_eq!(log.refold(), log.state);
}

#[test]
fn action_items_move_between_open_done_and_dropped() {
    let mut log = Log::declared("x", "P1");
    let add = |text: &str| Command::AddAction {
        text: text.into(),
        owner: None,
        due_at: None,
        due_in: None,
    };
    log.run("bob", 1, add("check the LB")).unwrap();
    log.run("bob", 1, add("page the DB team")).unwrap();
    assert_eq!(
        log.state.actions.iter().map(|a| a.id).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        log.refused(Command::CompleteAction { action: 9 }).code,
        "unknown_action"
    );
    assert_eq!(
        log.refused(Command::ReopenAction { action: 1 }).code,
        "unchanged"
    );
    log.run("bob", 2, Command::CompleteAction { action: 1 })
        .unwrap();
    assert_eq!(
        log.state.actions[0].closed_at,
        Some(t0() + Duration::minutes(2))
    );
    log.run("bob", 3, Command::ReopenAction { action: 1 })
        .unwrap();
    assert_eq!(log.state.actions[0].closed_at, None, "open again");
    log.run("bob", 4, Command::DropAction { action: 2 })
        .unwrap();
    assert_eq!(log.state.actions[0].state, ActionState::Open);
    assert_eq!(log.state.actions[1].state, ActionState::Dropped);
    let past = log.refused(Command::AddAction {
        text: "late".into(),
        owner: None,
        due_at: Some(t0()),
        due_in: None,
    });
    assert_eq!(past.code, "invalid_time");
    let both = log.refused(Command::AddAction {
        text: "twice".into(),
        owner: None,
        due_at: Some(t0() + Duration::hours(2)),
        due_in: Some(60),
    });
    assert_eq!(both.code, "invalid_input");
    assert_eq!(log.refused(add("   ")).message, "the text is empty");
    assert_eq!(log.refold(), log.state);
}

#[test]
fn declarations_are_validated() {
    let scale = SeverityScale::default();
    let new = |title: &str, severity: &str| NewIncident {
        title: title.into(),
        severity: Severity::new(severity),
        service: None,
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    assert_eq!(
        declare(new("", "P1"), t0(), &scale).unwrap_err().code,
        "invalid_input"
    );
    assert_eq!(
        declare(new("x", "SEV1"), t0(), &scale).unwrap_err().code,
        "unknown_severity"
    );
    let long = "x".repeat(201);
    assert!(
        declare(new(&long, "P1"), t0(), &scale)
            .unwrap_err()
            .message
            .contains("200")
    );
    let mut future = new("x", "P1");
    future.started_at = Some(t0() + Duration::minutes(1));
    assert_eq!(
        declare(future, t0(), &scale).unwrap_err().code,
        "invalid_time"
    );
}

#[test]
fn impact_start_can_be_backdated_but_not_after_detection() {
    let mut log = Log::declared("x", "P1");
    log.run(
        "alice",
        1,
        Command::SetImpactStart {
            at: t0() - Duration::hours(1),
            after_detection: false,
        },
    )
    .unwrap();
    assert_eq!(log.state.impact_started_at, Some(t0() - Duration::hours(1)));
    let after = log.refused(Command::SetImpactStart {
        at: t0() + Duration::minutes(1),
        after_detection: false,
    });
    assert_eq!(after.code, "invalid_time");
    assert!(after.message.contains("predictive"), "{}", after.message);
    // A predictive alert: detected before the impact, which the flag allows...
    log.run(
        "alice",
        30,
        Command::SetImpactStart {
            at: t0() + Duration::minutes(20),
            after_detection: true,
        },
    )
    .unwrap();
    assert_eq!(
        log.state.impact_started_at,
        Some(t0() + Duration::minutes(20))
    );
    // ...but never in the future.
    let future = log.refused(Command::SetImpactStart {
        at: t0() + Duration::minutes(61),
        after_detection: true,
    });
    assert!(future.message.contains("future"), "{}", future.message);
}

fn alert(fingerprint: &str) -> AlertRef {
    AlertRef {
        fingerprint: fingerprint.into(),
        name: "CheckoutHighErrorRate".into(),
        summary: Some("5xx ratio over 5% on /api/checkout".into()),
        labels: [("severity".to_string(), "critical".to_string())].into(),
        starts_at: t0() - Duration::minutes(3),
    }
}

#[test]
fn alerts_attach_resolve_and_fire_again() {
    let mut log = Log::declared("x", "P1");
    let attach = |f: &str| Command::AttachAlert {
        alert: alert(f),
        group: Some("{}:{alertname=\"x\"}".into()),
    };
    log.run("alertmanager", 1, attach("a1")).unwrap();
    assert_eq!(log.refused(attach("a1")).code, "unchanged");
    assert_eq!(
        log.state.alert_group.as_deref(),
        Some("{}:{alertname=\"x\"}")
    );
    let resolve = |f: &str| Command::ResolveAlert {
        fingerprint: f.into(),
        ended_at: t0() + Duration::minutes(9),
    };
    assert_eq!(log.refused(resolve("zz")).code, "unknown_alert");
    log.run("alertmanager", 10, resolve("a1")).unwrap();
    assert_eq!(
        log.state.alerts[0].resolved_at,
        Some(t0() + Duration::minutes(9))
    );
    assert_eq!(log.refused(resolve("a1")).code, "unchanged");
    log.run("alertmanager", 20, attach("a1")).unwrap();
    assert_eq!(
        log.state.alerts.len(),
        1,
        "the same alert firing again is one entry"
    );
    assert_eq!(log.state.alerts[0].resolved_at, None);
    assert_eq!(log.refold(), log.state);
}

#[test]
fn an_alert_firing_after_the_resolve_reopens_the_incident() {
    let mut log = Log::paged("x");
    let attach = Command::AttachAlert {
        alert: alert("a1"),
        group: Some("g".into()),
    };
    log.run("alertmanager", 1, attach.clone()).unwrap();
    log.run(
        "alertmanager",
        2,
        Command::ResolveAlert {
            fingerprint: "a1".into(),
            ended_at: t0() + Duration::minutes(2),
        },
    )
    .unwrap();
    log.run("alice", 3, to(Status::Resolved)).unwrap();
    log.run("alertmanager", 9, attach).unwrap();
    assert_eq!(log.state.status, Status::Investigating);
    assert_eq!(log.state.resolved_at, None);
    let reopen = log.events.last().unwrap();
    assert_eq!(reopen.actor, "alertmanager");
    assert_eq!(
        reopen.kind.describe(),
        "resolved → investigating: alert CheckoutHighErrorRate fired again after the resolve"
    );
    assert_eq!(log.refold(), log.state);
}

#[test]
fn declaring_from_an_alert_attaches_it_in_the_same_breath() {
    let new = NewIncident {
        title: "CheckoutHighErrorRate".into(),
        severity: Severity::new("P0"),
        service: None,
        summary: None,
        started_at: None,
        detected_at: Some(t0() - Duration::minutes(3)),
        alerts: vec![alert("a1")],
    };
    let kinds = declare(new, t0(), &SeverityScale::default()).unwrap();
    assert!(matches!(
        kinds.as_slice(),
        [
            EventKind::Declared { .. },
            EventKind::AlertAttached { group: None, .. }
        ]
    ));
}

#[test]
fn snapshots_are_bounded_and_validated() {
    let mut log = Log::declared("x", "P1");
    let value = |v: &str| SnapshotValue {
        panel: "5xx ratio".into(),
        series: "/api/checkout".into(),
        before: Some("12.0%".into()),
        value: v.into(),
        breached: false,
    };
    let pin = |values| Command::RecordSnapshot {
        reason: SnapshotReason::Pin,
        values,
        as_of: None,
    };
    log.run("alice", 1, pin(vec![value("0.4%")])).unwrap();
    assert!(
        log.events
            .last()
            .unwrap()
            .kind
            .describe()
            .contains("12.0% → 0.4%")
    );
    // A snapshot says how old its values are.
    let as_of = Utc.with_ymd_and_hms(2026, 12, 6, 13, 2, 15).unwrap();
    let dated = Command::RecordSnapshot {
        reason: SnapshotReason::Resolve,
        values: vec![value("0.4%")],
        as_of: Some(as_of),
    };
    log.run("alice", 1, dated).unwrap();
    let kind = &log.events.last().unwrap().kind;
    assert!(
        kind.describe().starts_with("at resolve as of 13:02:15: "),
        "{}",
        kind.describe()
    );
    assert_eq!(
        serde_json::to_value(kind).unwrap()["as_of"],
        "2026-12-06T13:02:15Z"
    );
    // A snapshot written before `as_of` existed still reads, without it.
    let old: EventKind = serde_json::from_str(
        r#"{"type":"metric_snapshot","reason":"pin","values":[{"panel":"5xx","series":"","value":"1%"}]}"#,
    )
    .unwrap();
    assert!(matches!(old, EventKind::MetricSnapshot { as_of: None, .. }));
    assert_eq!(old.describe(), "pinned: 5xx : 1%");
    assert_eq!(log.refused(pin(vec![])).code, "invalid_input");
    assert_eq!(
        log.refused(pin(vec![value("1%"); 65])).code,
        "invalid_input"
    );
    assert_eq!(log.refused(pin(vec![value(" ")])).code, "invalid_input");
}

#[test]
fn commands_name_the_access_they_need() {
    assert_eq!(
        to(Status::Mitigated).required_access(),
        AccessRole::Commander
    );
    assert_eq!(
        assign(Role::Scribe, "x").required_access(),
        AccessRole::Commander
    );
    let note = Command::AddNote {
        kind: NoteKind::Decision,
        text: "x".into(),
    };
    assert_eq!(note.required_access(), AccessRole::Responder);
    assert!(!note.from_alert_receiver_only());
    // An attached alert can reopen a resolved incident: only the receiver sends them.
    let attach = Command::AttachAlert {
        alert: alert("f1"),
        group: None,
    };
    let resolve = Command::ResolveAlert {
        fingerprint: "f1".into(),
        ended_at: t0(),
    };
    for command in [attach, resolve] {
        assert!(command.from_alert_receiver_only(), "{command:?}");
        assert_eq!(command.required_access(), AccessRole::Admin);
    }
    assert!(AccessRole::Admin.allows(AccessRole::Commander));
    assert!(!AccessRole::Viewer.allows(AccessRole::Responder));
}

#[test]
fn commands_use_the_documented_wire_form() {
    let parse = |json: &str| serde_json::from_str::<Command>(json).unwrap();
    assert_eq!(
        parse(r#"{"type":"transition","to":"investigating"}"#),
        to(Status::Investigating)
    );
    assert_eq!(
        parse(r#"{"type":"assign_role","role":"commander","person":"alice"}"#),
        assign(Role::Commander, "alice")
    );
    assert_eq!(
        parse(r#"{"type":"add_note","kind":"update","text":".."}"#),
        Command::AddNote {
            kind: NoteKind::Update,
            text: "..".into()
        }
    );
    assert!(serde_json::from_str::<Command>(r#"{"type":"transition","to":"fixed"}"#).is_err());
    assert!(
        serde_json::from_str::<Command>(r#"{"type":"transition","to":"mitigated","x":1}"#).is_err()
    );
}

fn any_command() -> impl Strategy<Value = Command> {
    let status = proptest::sample::select(Status::ALL.to_vec());
    let role = proptest::sample::select(Role::ALL.to_vec());
    let person = proptest::sample::select(vec!["alice", "bob", "carol", "", "  "]);
    let text = proptest::sample::select(vec!["x", "", "roll back", "\u{1b}[2J"]);
    let severity = proptest::sample::select(vec!["P0", "P1", "P2", "P7"]);
    let kind = proptest::sample::select(vec![NoteKind::Update, NoteKind::Decision, NoteKind::Note]);
    let fingerprint = proptest::sample::select(vec!["a1", "a2"]);
    prop_oneof![
        // Transitions twice as often: they carry most of the rules.
        2 => status.prop_map(|to| Command::Transition { to }),
        1 => severity.prop_map(|s| Command::SetSeverity {
            severity: Severity::new(s)
        }),
        2 => (
            role.clone(),
            person.clone(),
            proptest::option::of(text.clone()),
            proptest::option::of(text.clone())
        )
            .prop_map(|(role, person, focus, brief)| Command::AssignRole {
                role,
                person: person.into(),
                focus: focus.map(Into::into),
                brief: brief.map(Into::into),
            }),
        1 => (role, proptest::option::of(person.clone())).prop_map(|(role, person)| {
            Command::RelieveRole {
                role,
                person: person.map(Into::into),
            }
        }),
        1 => (kind, text.clone()).prop_map(|(kind, text)| Command::AddNote {
            kind,
            text: text.into()
        }),
        1 => (
            text,
            proptest::option::of(person),
            proptest::option::of(0u64..4000)
        )
            .prop_map(|(text, owner, due_in)| Command::AddAction {
                text: text.into(),
                owner: owner.map(Into::into),
                due_at: None,
                due_in,
            }),
        1 => (0u32..4).prop_map(|action| Command::CompleteAction { action }),
        1 => (0u32..4).prop_map(|action| Command::ReopenAction { action }),
        1 => (0u32..4).prop_map(|action| Command::DropAction { action }),
        1 => (-120i64..30, any::<bool>()).prop_map(|(m, after_detection)| {
            Command::SetImpactStart {
                at: t0() + Duration::minutes(m),
                after_detection,
            }
        }),
        1 => fingerprint.clone().prop_map(|f| Command::AttachAlert {
            alert: alert(f),
            group: Some("g".into()),
        }),
        1 => fingerprint.prop_map(|f| Command::ResolveAlert {
            fingerprint: f.into(),
            ended_at: t0(),
        }),
        1 => (
            proptest::sample::select(PublicState::ALL.to_vec()),
            proptest::sample::select(ComponentStatus::ALL.to_vec()),
            proptest::option::of(-30i64..120),
        )
            .prop_map(|(state, status, next)| Command::PublicUpdate(PublicUpdate {
                state,
                message: "we are looking into it".into(),
                components: [("api".to_string(), status)].into(),
                next_update_at: next.map(|m| t0() + Duration::minutes(m)),
                title: None,
                public_id: None,
            })),
        1 => (proptest::sample::select(CorrectiveKind::ALL.to_vec()), 0i64..30).prop_map(
            |(kind, days)| Command::AddCorrectiveAction {
                text: "add a guard rail".into(),
                kind,
                owner: "erin".into(),
                due_at: t0() + Duration::days(days),
                ticket: None,
            }
        ),
        1 => (0u32..3).prop_map(|id| Command::CompleteCorrectiveAction { id }),
        1 => (0u32..3).prop_map(|id| Command::DropCorrectiveAction { id }),
        1 => (0u32..3).prop_map(|id| Command::ReopenCorrectiveAction { id }),
        1 => (0u32..3, proptest::sample::select(CorrectiveKind::ALL.to_vec()))
            .prop_map(|(id, kind)| Command::SetCorrectiveKind { id, kind }),
    ]
}

/// The rules, written again from the issue's words and independent of the domain's code: what
/// the model says must happen is what the domain must do.
#[derive(Debug, Default)]
struct Model {
    status: Option<Status>,
    ever_mitigated: bool,
    ever_commanded: bool,
    commander: Option<String>,
    /// Attached alerts and whether each is firing.
    firing: std::collections::BTreeMap<String, bool>,
}

/// What the model expects of one command.
#[derive(Debug, PartialEq)]
enum Expect {
    Refused(&'static str),
    /// Accepted, leaving the status at this.
    Accepted(Status),
    /// The domain may accept or refuse for reasons the model does not track (text, ids).
    Either,
}

impl Model {
    fn expect(&self, command: &Command) -> Expect {
        use Status::*;
        let status = self.status.expect("declared");
        // The review's corrective actions stay editable after the close; the response does not.
        let review = matches!(
            command,
            Command::AddCorrectiveAction { .. }
                | Command::CompleteCorrectiveAction { .. }
                | Command::DropCorrectiveAction { .. }
                | Command::ReopenCorrectiveAction { .. }
                | Command::SetCorrectiveKind { .. }
        );
        if status == Closed && !review {
            return Expect::Refused("incident_closed");
        }
        match command {
            Command::Transition { to } => {
                let allowed = match (status, to) {
                    (from, to) if from == *to => false,
                    (_, Triggered | Merged) => false,
                    (Triggered | Acknowledged | Investigating, Cancelled) => !self.ever_mitigated,
                    (Triggered, _) => *to != Closed,
                    (Acknowledged, _) => !matches!(to, Closed),
                    (Investigating, _) => matches!(to, Mitigated | Resolved),
                    (Mitigated, _) => matches!(to, Investigating | Resolved),
                    (Resolved, _) => matches!(to, Closed | Investigating),
                    (Cancelled, _) => *to == Investigating,
                    (Closed | Merged, _) => false,
                };
                if allowed {
                    Expect::Accepted(*to)
                } else {
                    Expect::Refused("invalid_transition")
                }
            }
            Command::AssignRole {
                role: Role::Commander,
                person,
                brief,
                focus: None,
            } if !person.trim().is_empty()
                && self.commander.as_deref() != Some(person.trim())
                && self.ever_commanded
                && brief.as_deref().is_none_or(|b| b.trim().is_empty()) =>
            {
                Expect::Refused("brief_required")
            }
            Command::AttachAlert { alert, .. } => {
                if self.firing.get(&alert.fingerprint) == Some(&true) {
                    Expect::Refused("unchanged")
                } else if status == Resolved {
                    Expect::Accepted(Investigating)
                } else {
                    Expect::Accepted(status)
                }
            }
            _ => Expect::Either,
        }
    }

    /// Follows the events the domain wrote.
    fn follow(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Declared { acknowledged, .. } => {
                self.status = Some(if *acknowledged {
                    Status::Acknowledged
                } else {
                    Status::Triggered
                })
            }
            EventKind::StatusChanged { to, .. } => {
                self.ever_mitigated |= matches!(to, Status::Mitigated | Status::Resolved);
                self.status = Some(*to);
            }
            EventKind::RoleAssigned {
                role: Role::Commander,
                person,
                ..
            }
            | EventKind::CommandTransferred { to: person, .. } => {
                self.commander = Some(person.clone());
                self.ever_commanded = true;
            }
            EventKind::RoleRelieved {
                role: Role::Commander,
                ..
            } => self.commander = None,
            EventKind::AlertAttached { alert, .. } => {
                self.firing.insert(alert.fingerprint.clone(), true);
            }
            EventKind::AlertResolved { fingerprint, .. } => {
                self.firing.insert(fingerprint.clone(), false);
            }
            _ => {}
        }
    }
}

fn any_actor() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["alice", "bob", "carol", "alertmanager"])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random command sequences from random actors, a minute or less apart, on a page or a
    /// declaration, checked step by step against the model and the invariants: at most one
    /// commander and every later one by a handover with a brief, no impact start in the future,
    /// milestones in order, closed
    /// is final, no false alarm after a mitigation, every refusal leaves the log unchanged,
    /// and the state always equals a fresh fold of the log.
    #[test]
    fn random_command_sequences_follow_the_rules(
        paged in any::<bool>(),
        steps in proptest::collection::vec((any_actor(), 0i64..2, any_command()), 0..80)
    ) {
        let mut log = if paged { Log::paged("proptest") } else { Log::declared("proptest", "P1") };
        let mut model = Model::default();
        model.follow(&log.events[0].kind);
        let mut minute = 0;
        for (actor, gap, command) in steps {
            minute += gap;
            let expected = model.expect(&command);
            let (state_before, events_before) = (log.state.clone(), log.events.clone());
            let commander_before = log.state.roles.commander.clone();
            match log.run(actor, minute, command.clone()) {
                Err(rejection) => {
                    prop_assert_eq!(&log.state, &state_before);
                    prop_assert_eq!(&log.events, &events_before, "a refusal wrote to the log");
                    if let Expect::Refused(code) = expected {
                        prop_assert_eq!(rejection.code.as_str(), code, "{:?}", command);
                    }
                    prop_assert!(
                        !matches!(expected, Expect::Accepted(_)),
                        "{:?} refused ({}), the model accepts it", command, rejection.message
                    );
                }
                Ok(()) => {
                    prop_assert!(
                        !matches!(expected, Expect::Refused(_)),
                        "{:?} accepted, the model expects {:?}", command, expected
                    );
                    for event in &log.events[events_before.len()..] {
                        // At most one commander: a new one only by a handover, and a handover
                        // only with a brief, once anyone has commanded.
                        match &event.kind {
                            EventKind::RoleAssigned { role: Role::Commander, .. } => {
                                prop_assert!(commander_before.is_none());
                                prop_assert!(!model.ever_commanded, "a later commander needs a brief");
                            }
                            EventKind::CommandTransferred { brief, .. } => {
                                prop_assert!(!brief.trim().is_empty());
                            }
                            _ => {}
                        }
                        model.follow(&event.kind);
                    }
                    if let Expect::Accepted(status) = expected {
                        prop_assert_eq!(log.state.status, status);
                    }
                    // The stores rewrite an incident's follow-up rows only for the events
                    // that say they change its corrective actions: no other may.
                    let written = &log.events[events_before.len()..];
                    if !written.iter().any(|e| e.kind.changes_corrective_actions()) {
                        prop_assert_eq!(
                            &log.state.corrective_actions,
                            &state_before.corrective_actions,
                            "{:?} changed the corrective actions", written
                        );
                    }
                }
            }
            let state = &log.state;
            prop_assert_eq!(Some(state.status), model.status);
            // No impact starts in the future: every impact start recorded is at or before the
            // event that recorded it (the generator offers starts up to 30 minutes ahead). The
            // log's own times are the test's, so their order proves nothing; an alert's end is
            // Alertmanager's clock, which the domain takes as given.
            for event in &log.events {
                let impact = match &event.kind {
                    EventKind::ImpactStartSet { at } => Some(*at),
                    EventKind::Declared { impact_started_at, .. } => *impact_started_at,
                    _ => None,
                };
                prop_assert!(impact.is_none_or(|at| at <= event.at), "{:?}", event);
            }
            // The milestones in order.
            let milestones = [
                Some(state.detected_at),
                state.acknowledged_at,
                state.mitigated_at,
                state.resolved_at,
                state.closed_at,
            ];
            let set: Vec<_> = milestones.iter().flatten().collect();
            prop_assert!(set.windows(2).all(|w| w[0] <= w[1]), "{:?}", milestones);
            prop_assert_eq!(state.acknowledged_at.is_none(), state.status == Status::Triggered);
            prop_assert_eq!(state.mitigated_at.is_some(), model.ever_mitigated);
            prop_assert_eq!(state.cancelled_at.is_some(), state.status == Status::Cancelled);
            prop_assert_eq!(state.resolved_at.is_some(), matches!(state.status, Status::Resolved | Status::Closed));
            prop_assert_eq!(&state.roles.commander, &model.commander);
            prop_assert_eq!(&log.refold(), state);
            prop_assert_eq!(state.version, log.events.len() as u64);
        }
    }
}

// ---- each limit at its edge: exactly at it is accepted, one past it refused -----------------

#[test]
fn a_snapshot_of_exactly_the_most_values_is_accepted() {
    let mut log = Log::declared("x", "P1");
    let value = SnapshotValue {
        panel: "5xx ratio".into(),
        series: "/api".into(),
        before: None,
        value: "1%".into(),
        breached: false,
    };
    log.run(
        "alice",
        1,
        Command::RecordSnapshot {
            reason: SnapshotReason::Pin,
            values: vec![value; MAX_SNAPSHOT_VALUES],
            as_of: None,
        },
    )
    .unwrap();
}

#[test]
fn an_engineer_is_reassigned_only_to_change_the_focus() {
    let mut log = Log::declared("x", "P1");
    let engineer = |person: &str, focus: Option<&str>| Command::AssignRole {
        role: Role::Engineer,
        person: person.into(),
        focus: focus.map(String::from),
        brief: None,
    };
    log.run("alice", 1, engineer("bob", Some("lb"))).unwrap();
    log.run("alice", 2, engineer("erin", None)).unwrap();
    assert_eq!(
        log.refused(engineer("bob", Some("lb"))).code,
        "unchanged",
        "same focus"
    );
    assert_eq!(
        log.refused(engineer("bob", None)).code,
        "unchanged",
        "no focus given keeps the one he has"
    );
    log.run("alice", 3, engineer("bob", Some("db"))).unwrap();
    let bob = |state: &Incident| {
        state
            .roles
            .engineers
            .iter()
            .find(|e| e.person == "bob")
            .map(|e| e.focus.clone())
    };
    assert_eq!(bob(&log.state).as_deref(), Some("db"));
    assert_eq!(log.state.roles.engineers.len(), 2, "moved, not added");
    // Erin has no focus; giving her one is a change, naming her again without one is not.
    assert_eq!(log.refused(engineer("erin", None)).code, "unchanged");
    log.run("alice", 4, engineer("erin", Some("cache")))
        .unwrap();
}

#[test]
fn a_named_role_is_relieved_only_when_the_name_is_its_holder() {
    let mut log = Log::declared("x", "P1");
    log.run("alice", 1, assign(Role::Scribe, "dan")).unwrap();
    let relieve = |person: &str| Command::RelieveRole {
        role: Role::Scribe,
        person: Some(person.into()),
    };
    let stranger = log.refused(relieve("zed"));
    assert_eq!(stranger.code, "role_vacant");
    assert!(stranger.message.contains("dan is"), "{}", stranger.message);
    log.run("alice", 2, relieve(" dan ")).unwrap();
    assert!(log.state.roles.vacant().contains(&Role::Scribe));
}

#[test]
fn an_alert_at_the_label_limits_attaches_and_one_past_them_is_refused() {
    let mut log = Log::declared("x", "P1");
    let attach = |fingerprint: &str, labels: Labels| {
        let mut alert = alert(fingerprint);
        alert.labels = labels;
        Command::AttachAlert { alert, group: None }
    };
    let numbered = |count: usize| -> Labels {
        (0..count)
            .map(|i| (format!("l{i}"), "v".to_string()))
            .collect()
    };
    let long =
        |name: usize, value: usize| -> Labels { [("n".repeat(name), "v".repeat(value))].into() };
    log.run("alertmanager", 1, attach("most", numbered(MAX_LABELS)))
        .unwrap();
    log.run(
        "alertmanager",
        2,
        attach("longest", long(MAX_LABEL_NAME_CHARS, MAX_LABEL_VALUE_CHARS)),
    )
    .unwrap();
    for (what, labels) in [
        ("one label too many", numbered(MAX_LABELS + 1)),
        ("a name too long", long(MAX_LABEL_NAME_CHARS + 1, 1)),
        ("a value too long", long(1, MAX_LABEL_VALUE_CHARS + 1)),
    ] {
        let refusal = log.refused(attach("past", labels));
        assert_eq!(refusal.code, "invalid_input", "{what}");
    }
}

#[test]
fn the_impact_may_start_at_this_very_moment() {
    let mut log = Log::declared("x", "P1");
    log.run(
        "alice",
        60,
        Command::SetImpactStart {
            at: t0() + Duration::minutes(60),
            after_detection: true,
        },
    )
    .unwrap();
}

#[test]
fn the_impact_may_start_at_the_detection_without_the_flag() {
    let mut log = Log::declared("x", "P1");
    let detected = log.state.detected_at;
    log.run(
        "alice",
        1,
        Command::SetImpactStart {
            at: detected,
            after_detection: false,
        },
    )
    .unwrap();
    assert_eq!(log.state.impact_started_at, Some(detected));
}

#[test]
fn a_time_box_in_seconds_counts_from_now_up_to_a_year() {
    let mut log = Log::declared("x", "P1");
    let year = 366 * 24 * 3600;
    let boxed = |seconds: u64| Command::AddAction {
        text: "roll back".into(),
        owner: None,
        due_at: None,
        due_in: Some(seconds),
    };
    log.run("alice", 1, boxed(90)).unwrap();
    let now = t0() + Duration::minutes(1);
    assert_eq!(
        log.state.actions[0].due_at,
        Some(now + Duration::seconds(90))
    );
    log.run("alice", 1, boxed(year)).unwrap();
    assert_eq!(
        log.state.actions[1].due_at,
        Some(now + Duration::seconds(year as i64))
    );
    let past = log.refused(boxed(year + 1));
    assert!(past.message.contains("year"), "{}", past.message);
}

#[test]
fn a_title_of_exactly_the_most_characters_is_kept_whole() {
    let title = "t".repeat(MAX_TITLE_CHARS);
    let log = Log::declared(&title, "P1");
    assert_eq!(log.state.title, title);
    let refused = declare(
        NewIncident {
            title: format!("{title}t"),
            severity: Severity::new("P1"),
            service: None,
            summary: None,
            started_at: None,
            detected_at: None,
            alerts: vec![],
        },
        t0(),
        &SeverityScale::default(),
    )
    .expect_err("one character too long");
    assert!(
        refused.message.contains("longer than"),
        "{}",
        refused.message
    );
}

#[test]
fn relieving_one_engineer_keeps_the_others() {
    let mut log = Log::declared("x", "P1");
    for person in ["bob", "erin"] {
        log.run("alice", 1, assign(Role::Engineer, person)).unwrap();
    }
    log.run(
        "alice",
        2,
        Command::RelieveRole {
            role: Role::Engineer,
            person: Some("bob".into()),
        },
    )
    .unwrap();
    let left: Vec<&str> = log
        .state
        .roles
        .engineers
        .iter()
        .map(|e| e.person.as_str())
        .collect();
    assert_eq!(left, ["erin"]);
    assert_eq!(log.refold(), log.state);
}

#[test]
fn a_brief_given_with_an_assignment_that_is_no_handover_is_kept_as_a_note() {
    let mut log = Log::declared("x", "P1");
    let engineer = Command::AssignRole {
        role: Role::Engineer,
        person: "bob".into(),
        focus: Some("load balancer".into()),
        brief: Some("lb-2 drops health checks".into()),
    };
    log.run("alice", 1, engineer).unwrap();
    assert_eq!(log.state.roles.engineers[0].focus, "load balancer");
    assert!(matches!(
        &log.events.last().unwrap().kind,
        EventKind::NoteAdded { text, .. } if text == "brief for bob (engineer): lb-2 drops health checks"
    ));
    // Without a brief, the assignment alone.
    let before = log.events.len();
    log.run("alice", 2, assign(Role::Scribe, "dan")).unwrap();
    assert_eq!(log.events.len(), before + 1);
}

/// Ending with open action items: the items to settle are the open ones not yet in the
/// review; carrying them adds one corrective action each (owner, else the commander), which
/// the rules accept after a resolve and after a close, and then nothing is left to settle.
#[test]
fn open_action_items_are_carried_into_the_review_once_or_dropped() {
    let mut log = Log::declared("x", "P1");
    log.run("alice", 0, assign(Role::Commander, "alice"))
        .unwrap();
    let add = |text: &str, owner: Option<&str>| Command::AddAction {
        text: text.into(),
        owner: owner.map(Into::into),
        due_at: None,
        due_in: None,
    };
    log.run("bob", 1, add("diff lb-2", Some("bob"))).unwrap();
    log.run("bob", 1, add("page the DB team", None)).unwrap();
    log.run("bob", 1, add("done already", None)).unwrap();
    log.run("bob", 2, Command::CompleteAction { action: 3 })
        .unwrap();
    let settle: Vec<u32> = log.state.actions_to_settle().iter().map(|a| a.id).collect();
    assert_eq!(settle, [1, 2]);
    let now = t0() + Duration::minutes(10);
    assert_eq!(
        log.state.settle_actions(Settlement::Drop, "carol", now),
        SettlementCommands {
            before: vec![
                Command::DropAction { action: 1 },
                Command::DropAction { action: 2 }
            ],
            after: vec![],
        }
    );
    let carry = log.state.settle_actions(Settlement::Carry, "carol", now);
    assert!(carry.before.is_empty(), "carrying changes no item");
    log.run("alice", 10, to(Status::Resolved)).unwrap();
    for command in carry.after {
        log.run("alice", 10, command).unwrap();
    }
    let carried: Vec<(&str, &str, Timestamp)> = log
        .state
        .corrective_actions
        .iter()
        .map(|c| (c.text.as_str(), c.owner.as_str(), c.due_at))
        .collect();
    let due = now + Duration::days(CARRIED_DUE_DAYS);
    assert_eq!(
        carried,
        [
            ("diff lb-2", "bob", due),
            ("page the DB team", "alice", due)
        ]
    );
    assert!(log.state.actions_to_settle().is_empty());
    let again = log.state.settle_actions(Settlement::Carry, "carol", now);
    assert_eq!(again, SettlementCommands::default());
    // Nothing left to settle: the close asks nothing more.
    log.run("alice", 11, to(Status::Closed)).unwrap();
    assert_eq!(log.refold(), log.state);
}

/// Keeping the open items sends nothing: they stay open on the resolved incident, where
/// they can still be done or dropped, and the close asks about them again.
#[test]
fn open_action_items_kept_stay_open_on_the_resolved_incident() {
    let mut log = Log::declared("x", "P1");
    let task = Command::AddAction {
        text: "Draft customer status update".into(),
        owner: Some("dan".into()),
        due_at: None,
        due_in: None,
    };
    log.run("alice", 1, task.clone()).unwrap();
    log.run("alice", 1, task).unwrap();
    let now = t0() + Duration::minutes(10);
    let keep = log.state.settle_actions(Settlement::Keep, "alice", now);
    assert_eq!(keep, SettlementCommands::default());
    log.run("alice", 10, to(Status::Resolved)).unwrap();
    assert_eq!(log.state.status, Status::Resolved);
    let states: Vec<ActionState> = log.state.actions.iter().map(|a| a.state).collect();
    assert_eq!(states, [ActionState::Open, ActionState::Open]);
    assert!(log.state.corrective_actions.is_empty(), "nothing carried");
    // Still the incident's own work: done there after the resolve.
    log.run("dan", 12, Command::CompleteAction { action: 1 })
        .unwrap();
    let left: Vec<u32> = log.state.actions_to_settle().iter().map(|a| a.id).collect();
    assert_eq!(left, [2], "the close asks about what is still open");
    assert_eq!(log.refold(), log.state);
}
