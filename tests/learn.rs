//! Learning from incidents, in the domain and the report module: the review and corrective
//! actions through `decide` and `apply`, the postmortem Markdown, and the report's figures
//! against a seeded generated history whose expected figures are computed here from the raw
//! timestamps, not by the report code.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;
use warroom::domain::*;
use warroom::report::{IncidentLog, Report, ReportQuery, Stat, postmortem, report};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
}

fn minutes(m: i64) -> Timestamp {
    t0() + Duration::minutes(m)
}

/// One incident's log in memory, written through `declare` and `decide` as the backend does.
struct Log {
    events: Vec<Event>,
    state: Incident,
    scale: SeverityScale,
}

impl Log {
    fn declared(number: u64, new: NewIncident, at: Timestamp) -> Log {
        let scale = SeverityScale::default();
        let kinds = declare(new, at, &scale).expect("a valid declaration");
        let mut log = Log {
            events: vec![],
            state: Incident::blank(IncidentId::from_number(number)),
            scale,
        };
        log.append("alice", at, kinds);
        log
    }

    fn checkout() -> Log {
        let new = NewIncident {
            title: "Checkout API returning 5xx".into(),
            severity: Severity::new("P1"),
            service: Some("checkout".into()),
            summary: Some("Payments fail for a third of users after an LB config push.".into()),
            started_at: Some(minutes(-7)),
            detected_at: None,
            alerts: vec![],
        };
        Log::declared(1, new, t0())
    }

    fn append(&mut self, actor: &str, at: Timestamp, kinds: Vec<EventKind>) {
        for kind in kinds {
            let event = Event {
                seq: self.events.len() as u64 + 1,
                incident: self.state.id.clone(),
                at,
                actor: actor.into(),
                kind,
            };
            self.state.apply(&event);
            self.events.push(event);
        }
    }

    fn run(&mut self, actor: &str, at: i64, command: Command) -> Result<(), Rejection> {
        let at = minutes(at);
        let kinds = decide(&self.state, command, at, &self.scale)?;
        self.append(actor, at, kinds);
        Ok(())
    }

    #[track_caller]
    fn ok(&mut self, actor: &str, at: i64, command: Command) {
        if let Err(rejection) = self.run(actor, at, command) {
            panic!("refused: {rejection:?}");
        }
    }

    #[track_caller]
    fn refused(&mut self, command: Command) -> Rejection {
        let before = self.state.clone();
        let rejection = self
            .run("alice", 600, command)
            .expect_err("the command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        rejection
    }

    fn refs(&self) -> Vec<&Event> {
        self.events.iter().collect()
    }
}

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

fn set_whys(whys: &[&str]) -> Command {
    Command::SetReview {
        whys: strings(whys),
        root_cause: None,
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    }
}

fn corrective(text: &str, kind: CorrectiveKind, due_days: i64) -> Command {
    Command::AddCorrectiveAction {
        text: text.into(),
        kind,
        owner: "bob".into(),
        due_at: t0() + Duration::days(due_days),
        ticket: Some("https://tickets.example/OPS-1".into()),
    }
}

fn close(log: &mut Log) {
    for (at, status) in [
        (10, Status::Mitigated),
        (20, Status::Resolved),
        (30, Status::Closed),
    ] {
        log.ok("carol", at, Command::Transition { to: status });
    }
}

// ---- the review, in the domain ------------------------------------------------------------

#[test]
fn whys_are_edited_inserted_and_removed_and_every_edit_stays_in_the_log() {
    let mut log = Log::checkout();
    let five = [
        "LB 5xx",
        "bad config",
        "no canary",
        "manual push",
        "no review",
    ];
    log.ok("bob", 40, set_whys(&five));
    assert_eq!(log.state.review.whys, five);
    // Insert a level between 2 and 3, edit the first, remove the last: one edit each.
    log.ok(
        "bob",
        41,
        set_whys(&[
            "LB 5xx",
            "bad config",
            "typo",
            "no canary",
            "manual push",
            "no review",
        ]),
    );
    log.ok(
        "erin",
        42,
        set_whys(&[
            "LB returned 5xx",
            "bad config",
            "typo",
            "no canary",
            "manual push",
        ]),
    );
    assert_eq!(
        log.state.review.whys,
        [
            "LB returned 5xx",
            "bad config",
            "typo",
            "no canary",
            "manual push"
        ]
    );
    let history: Vec<usize> = log
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReviewEdited { edit } => edit.whys.as_ref().map(Vec::len),
            _ => None,
        })
        .collect();
    assert_eq!(
        history,
        [5, 6, 5],
        "every version of the chain is in the log"
    );
    assert_eq!(Incident::fold(log.state.id.clone(), &log.events), log.state);
}

#[test]
fn fields_left_out_are_kept_and_only_changes_are_recorded() {
    let mut log = Log::checkout();
    log.ok(
        "bob",
        40,
        Command::SetReview {
            whys: strings(&["a", "b"]),
            root_cause: Some("  the LB config had no schema check ".into()),
            contributing_factors: strings(&["Friday push"]),
            went_well: strings(&["paged in 2 minutes"]),
            went_badly: strings(&["rollback took 20 minutes"]),
        },
    );
    assert_eq!(
        log.state.review.root_cause,
        "the LB config had no schema check"
    );
    log.ok(
        "bob",
        41,
        Command::SetReview {
            whys: strings(&["a", "b"]),
            root_cause: None,
            contributing_factors: None,
            went_well: strings(&["paged in 2 minutes", "clear roles"]),
            went_badly: None,
        },
    );
    let EventKind::ReviewEdited { edit } = &log.events.last().unwrap().kind else {
        panic!("expected a review edit");
    };
    assert_eq!(
        edit.fields(),
        ["went well"],
        "the unchanged whys are not recorded"
    );
    let review = &log.state.review;
    assert_eq!(review.whys, ["a", "b"]);
    assert_eq!(review.contributing_factors, ["Friday push"]);
    assert_eq!(review.went_badly, ["rollback took 20 minutes"]);
    assert_eq!(review.went_well, ["paged in 2 minutes", "clear roles"]);
    // An empty root cause clears it.
    log.ok(
        "bob",
        42,
        Command::SetReview {
            whys: None,
            root_cause: Some(String::new()),
            contributing_factors: None,
            went_well: None,
            went_badly: None,
        },
    );
    assert_eq!(log.state.review.root_cause, "");
}

#[test]
fn bad_review_edits_are_refused_with_a_reason() {
    let mut log = Log::checkout();
    log.ok("bob", 40, set_whys(&["a"]));
    let nothing = Command::SetReview {
        whys: None,
        root_cause: None,
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    };
    assert_eq!(log.refused(nothing).code, "invalid_input");
    assert_eq!(log.refused(set_whys(&["a"])).code, "unchanged");
    let blank = log.refused(set_whys(&["a", "  "]));
    assert_eq!(blank.message, "why 2 is empty: remove it instead");
    let deep: Vec<String> = (0..=MAX_WHYS).map(|n| format!("why {n}")).collect();
    let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
    assert_eq!(log.refused(set_whys(&deep)).code, "invalid_input");
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    assert_eq!(log.refused(set_whys(&[&long])).code, "invalid_input");
}

#[test]
fn the_review_and_corrective_actions_stay_open_after_the_close_the_response_does_not() {
    let mut log = Log::checkout();
    close(&mut log);
    assert_eq!(log.state.status, Status::Closed);
    log.ok("bob", 60, set_whys(&["a", "b", "c", "d", "e"]));
    log.ok(
        "bob",
        61,
        corrective("schema-check LB configs", CorrectiveKind::Preventive, 14),
    );
    log.ok("bob", 62, Command::CompleteCorrectiveAction { id: 1 });
    let learning = [
        set_whys(&["x"]),
        corrective("alert on LB 5xx", CorrectiveKind::Detective, 7),
        Command::DropCorrectiveAction { id: 1 },
    ];
    assert!(learning.iter().all(Command::is_learning));
    // The response record is final: its status stays closed.
    let reopen = log.refused(Command::Transition {
        to: Status::Investigating,
    });
    assert_eq!(reopen.code, "invalid_transition");
    assert!(!Command::Transition { to: Status::Closed }.is_learning());
}

#[test]
fn corrective_actions_are_added_completed_and_dropped_once() {
    let mut log = Log::checkout();
    log.ok(
        "bob",
        40,
        corrective("fix the LB template", CorrectiveKind::Corrective, 7),
    );
    log.ok(
        "bob",
        41,
        corrective("alert on LB 5xx", CorrectiveKind::Detective, 14),
    );
    log.ok(
        "bob",
        42,
        corrective("canary LB pushes", CorrectiveKind::Preventive, 30),
    );
    let ids: Vec<u32> = log.state.corrective_actions.iter().map(|a| a.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    log.ok("bob", 43, Command::CompleteCorrectiveAction { id: 1 });
    log.ok("bob", 44, Command::DropCorrectiveAction { id: 2 });
    let states: Vec<CorrectiveState> = log
        .state
        .corrective_actions
        .iter()
        .map(|a| a.state)
        .collect();
    assert_eq!(
        states,
        [
            CorrectiveState::Done,
            CorrectiveState::Dropped,
            CorrectiveState::Open
        ]
    );
    assert_eq!(log.state.corrective_actions[0].closed_at, Some(minutes(43)));
    assert_eq!(
        log.refused(Command::DropCorrectiveAction { id: 1 }).code,
        "unchanged"
    );
    assert_eq!(
        log.refused(Command::CompleteCorrectiveAction { id: 9 })
            .code,
        "unknown_corrective_action"
    );
    let third = &log.state.corrective_actions[2];
    assert!(!third.is_overdue(t0() + Duration::days(29)));
    assert!(third.is_overdue(t0() + Duration::days(31)));
}

#[test]
fn corrective_actions_need_text_an_owner_a_future_due_date_and_a_real_ticket_url() {
    let mut log = Log::checkout();
    let with = |text: &str, owner: &str, due_days: i64, ticket: Option<&str>| {
        Command::AddCorrectiveAction {
            text: text.into(),
            kind: CorrectiveKind::Corrective,
            owner: owner.into(),
            due_at: t0() + Duration::days(due_days),
            ticket: ticket.map(String::from),
        }
    };
    assert_eq!(log.refused(with("", "bob", 7, None)).code, "invalid_input");
    assert_eq!(log.refused(with("fix", " ", 7, None)).code, "invalid_input");
    assert_eq!(
        log.refused(with("fix", "bob", -1, None)).code,
        "invalid_time"
    );
    for bad in [
        "ftp://x",
        "tickets/OPS-1",
        "https://",
        "https://a b",
        "javascript:alert(1)",
    ] {
        let refusal = log.refused(with("fix", "bob", 7, Some(bad)));
        assert_eq!(refusal.code, "invalid_input", "{bad}");
    }
    log.ok("bob", 1, with("fix", "bob", 7, Some("")));
    assert_eq!(log.state.corrective_actions[0].ticket, None);
}

#[test]
fn the_learning_commands_use_the_documented_wire_form_and_need_a_responder() {
    let parse = |json: serde_json::Value| serde_json::from_value::<Command>(json).unwrap();
    let review = parse(serde_json::json!({"type": "set_review", "whys": ["a"], "root_cause": "b"}));
    assert_eq!(
        review,
        Command::SetReview {
            whys: strings(&["a"]),
            root_cause: Some("b".into()),
            contributing_factors: None,
            went_well: None,
            went_badly: None
        }
    );
    let add = parse(serde_json::json!({
        "type": "add_corrective_action", "text": "t", "kind": "detective", "owner": "o",
        "due_at": "2026-12-24T00:00:00Z", "ticket": "https://t.example/1"
    }));
    assert!(matches!(
        add,
        Command::AddCorrectiveAction {
            kind: CorrectiveKind::Detective,
            ..
        }
    ));
    let done = parse(serde_json::json!({"type": "complete_corrective_action", "id": 2}));
    assert_eq!(done, Command::CompleteCorrectiveAction { id: 2 });
    let dropped = parse(serde_json::json!({"type": "drop_corrective_action", "id": 3}));
    assert_eq!(dropped, Command::DropCorrectiveAction { id: 3 });
    let typo = serde_json::json!({"type": "set_review", "why": ["a"]});
    assert!(serde_json::from_value::<Command>(typo).is_err());
    let odd_kind = serde_json::json!({"type": "add_corrective_action", "text": "t",
        "kind": "curative", "owner": "o", "due_at": "2026-12-24T00:00:00Z"});
    assert!(serde_json::from_value::<Command>(odd_kind).is_err());
    for command in [review, add, done, dropped] {
        assert_eq!(command.required_access(), AccessRole::Responder);
        assert!(!AccessRole::Viewer.allows(command.required_access()));
    }
}

fn any_learning_command() -> impl Strategy<Value = Command> {
    let text = proptest::sample::select(vec!["a", "b", "why", "", "  ", "\u{1b}[2J"]);
    let list = proptest::option::of(proptest::collection::vec(text.clone(), 0..7));
    let lists = |l: Option<Vec<&str>>| l.map(|l| l.into_iter().map(String::from).collect());
    let kind = proptest::sample::select(CorrectiveKind::ALL.to_vec());
    let status = proptest::sample::select(Status::ALL.to_vec());
    prop_oneof![
        (
            list.clone(),
            proptest::option::of(text.clone()),
            list.clone(),
            list
        )
            .prop_map(move |(whys, root, factors, well)| Command::SetReview {
                whys: lists(whys),
                root_cause: root.map(String::from),
                contributing_factors: lists(factors),
                went_well: lists(well),
                went_badly: None,
            }),
        (text, kind, -2i64..30).prop_map(|(text, kind, days)| Command::AddCorrectiveAction {
            text: text.into(),
            kind,
            owner: "bob".into(),
            due_at: t0() + Duration::days(days),
            ticket: None,
        }),
        (0u32..5).prop_map(|id| Command::CompleteCorrectiveAction { id }),
        (0u32..5).prop_map(|id| Command::DropCorrectiveAction { id }),
        status.prop_map(|to| Command::Transition { to }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Across any sequence: the state is the fold of the log, corrective ids are 1..n, a
    /// closed corrective action never opens again, and the review holds no empty entry.
    #[test]
    fn learning_rules_hold_across_any_sequence(
        commands in proptest::collection::vec(any_learning_command(), 0..50)
    ) {
        let mut log = Log::checkout();
        let mut closed: BTreeMap<u32, CorrectiveState> = BTreeMap::new();
        for (step, command) in commands.into_iter().enumerate() {
            let _ = log.run("bob", step as i64, command);
            let actions = &log.state.corrective_actions;
            let ids: Vec<u32> = actions.iter().map(|a| a.id).collect();
            prop_assert_eq!(ids, (1..=actions.len() as u32).collect::<Vec<_>>());
            for action in actions {
                if let Some(state) = closed.get(&action.id) {
                    prop_assert_eq!(*state, action.state);
                } else if action.state != CorrectiveState::Open {
                    closed.insert(action.id, action.state);
                }
            }
            let review = &log.state.review;
            prop_assert!(review.whys.len() <= MAX_WHYS);
            for entry in review.whys.iter().chain(&review.contributing_factors).chain(&review.went_well) {
                prop_assert!(!entry.trim().is_empty());
            }
        }
        prop_assert_eq!(Incident::fold(log.state.id.clone(), &log.events), log.state);
    }
}

// ---- recurrence, in the domain --------------------------------------------------------------

fn incident(number: u64, service: Option<&str>, alert: Option<&str>, day: i64) -> Incident {
    let new = NewIncident {
        title: format!("incident {number}"),
        severity: Severity::new("P2"),
        service: service.map(String::from),
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: alert
            .map(|name| AlertRef {
                fingerprint: format!("f{number}"),
                name: name.into(),
                summary: None,
                labels: Default::default(),
                starts_at: t0(),
            })
            .into_iter()
            .collect(),
    };
    Log::declared(number, new, t0() + Duration::days(day)).state
}

#[test]
fn an_incident_follows_an_earlier_one_of_the_same_service_or_alert_within_the_window() {
    let first = incident(1, Some("checkout"), Some("HighErrorRatio"), 0);
    let same_service = incident(2, Some("checkout"), None, 10);
    let same_alert = incident(3, Some("search"), Some("HighErrorRatio"), 20);
    let unrelated = incident(4, Some("search"), Some("DiskFull"), 25);
    let too_late = incident(5, Some("checkout"), None, 31);
    assert_eq!(
        follows(&first, &same_service, 30),
        Some(RecurrenceMatch::Service)
    );
    assert_eq!(
        follows(&first, &same_alert, 30),
        Some(RecurrenceMatch::Alert)
    );
    assert_eq!(follows(&first, &unrelated, 30), None);
    assert_eq!(follows(&first, &too_late, 30), None);
    assert_eq!(
        follows(&same_service, &first, 30),
        None,
        "only earlier ones"
    );
    assert_eq!(follows(&first, &first, 30), None);

    let all = [first.clone(), same_service.clone(), same_alert, unrelated];
    let found = earlier_incidents(&too_late, &all);
    let ids: Vec<String> = found.iter().map(|e| e.incident.to_string()).collect();
    assert_eq!(ids, ["INC-2", "INC-1"], "newest first");
    let mut cancelled = first;
    cancelled.status = Status::Cancelled;
    assert_eq!(
        follows(&cancelled, &same_service, 30),
        None,
        "a false alarm is not a precedent"
    );
}

// ---- the postmortem -------------------------------------------------------------------------

/// An incident that uses every kind of event, through the domain.
fn scripted() -> Log {
    let mut log = Log::checkout();
    let alert = AlertRef {
        fingerprint: "f1".into(),
        name: "HighErrorRatio".into(),
        summary: Some("5xx above 5% | on /pay".into()),
        labels: [("service".to_string(), "checkout".to_string())].into(),
        starts_at: minutes(-6),
    };
    log.ok(
        "alertmanager",
        1,
        Command::AttachAlert {
            alert,
            group: Some("g".into()),
        },
    );
    log.append(
        "warroom",
        minutes(1),
        vec![EventKind::RecurrenceLinked {
            earlier: vec![EarlierIncident {
                incident: IncidentId::from_number(7),
                title: "Checkout 5xx after a deploy".into(),
                declared_at: minutes(-9 * 24 * 60),
                matched_on: RecurrenceMatch::Service,
            }],
        }],
    );
    log.ok(
        "alice",
        2,
        Command::Transition {
            to: Status::Acknowledged,
        },
    );
    log.ok(
        "alice",
        3,
        Command::AssignRole {
            role: Role::Commander,
            person: "alice".into(),
            focus: None,
            brief: None,
        },
    );
    log.ok(
        "alice",
        4,
        Command::AssignRole {
            role: Role::Engineer,
            person: "bob".into(),
            focus: Some("load balancer".into()),
            brief: None,
        },
    );
    log.ok(
        "alice",
        5,
        Command::Transition {
            to: Status::Investigating,
        },
    );
    log.ok(
        "alice",
        6,
        Command::SetSeverity {
            severity: Severity::new("P0"),
        },
    );
    log.ok("alice", 7, Command::SetImpactStart { at: minutes(-9) });
    log.ok(
        "bob",
        8,
        Command::AddNote {
            kind: NoteKind::Note,
            text: "config push #4812 at 13:51 *suspect*".into(),
        },
    );
    log.ok(
        "alice",
        9,
        Command::AddNote {
            kind: NoteKind::Update,
            text: "Investigating 5xx on /pay; LB config suspected.".into(),
        },
    );
    log.ok(
        "alice",
        10,
        Command::AddNote {
            kind: NoteKind::Decision,
            text: "roll back lb-2 config".into(),
        },
    );
    log.ok(
        "alice",
        11,
        Command::AddAction {
            text: "diff lb-2 config".into(),
            owner: Some("bob".into()),
            due_at: None,
            due_in: Some(900),
        },
    );
    log.ok(
        "alice",
        12,
        Command::AddAction {
            text: "page the DB team".into(),
            owner: None,
            due_at: None,
            due_in: None,
        },
    );
    log.ok("bob", 13, Command::CompleteAction { action: 1 });
    log.ok("alice", 14, Command::ReopenAction { action: 1 });
    log.ok("alice", 15, Command::DropAction { action: 2 });
    log.ok(
        "bob",
        16,
        Command::RecordSnapshot {
            reason: SnapshotReason::Pin,
            values: vec![SnapshotValue {
                panel: "5xx ratio".into(),
                series: "/pay".into(),
                before: None,
                value: "31.2%".into(),
                breached: true,
            }],
        },
    );
    log.ok(
        "alice",
        17,
        Command::AssignRole {
            role: Role::Commander,
            person: "carol".into(),
            focus: None,
            brief: Some("rollback running; next update 14:30".into()),
        },
    );
    log.ok(
        "carol",
        18,
        Command::RelieveRole {
            role: Role::Engineer,
            person: Some("bob".into()),
        },
    );
    log.ok(
        "carol",
        20,
        Command::Transition {
            to: Status::Mitigated,
        },
    );
    log.ok(
        "alertmanager",
        21,
        Command::ResolveAlert {
            fingerprint: "f1".into(),
            ended_at: minutes(21),
        },
    );
    log.ok(
        "carol",
        25,
        Command::RecordSnapshot {
            reason: SnapshotReason::Resolve,
            values: vec![SnapshotValue {
                panel: "5xx ratio".into(),
                series: "/pay".into(),
                before: Some("31.2%".into()),
                value: "0.4%".into(),
                breached: false,
            }],
        },
    );
    log.ok(
        "carol",
        25,
        Command::Transition {
            to: Status::Resolved,
        },
    );
    log.ok(
        "bob",
        40,
        Command::SetReview {
            whys: strings(&[
                "Checkout returned 5xx",
                "lb-2 routed /pay to a drained pool",
                "the pushed config named the wrong pool",
                "1. the template had a <typo>",
                "nothing validates LB configs before a push",
            ]),
            root_cause: Some("LB configs are pushed without validation".into()),
            contributing_factors: strings(&["Friday afternoon push", "no canary"]),
            went_well: strings(&["paged within 2 minutes"]),
            went_badly: strings(&["rollback took 15 minutes"]),
        },
    );
    log.ok(
        "bob",
        41,
        corrective("validate LB configs in CI", CorrectiveKind::Preventive, 14),
    );
    log.ok(
        "bob",
        42,
        corrective("alert on LB pool drain", CorrectiveKind::Detective, 7),
    );
    log.ok(
        "bob",
        43,
        corrective("fix the lb-2 template", CorrectiveKind::Corrective, 3),
    );
    log.ok("carol", 50, Command::Transition { to: Status::Closed });
    log.ok("bob", 60, Command::CompleteCorrectiveAction { id: 3 });
    log.ok("bob", 61, Command::DropCorrectiveAction { id: 2 });
    log
}

#[test]
fn the_scripted_incident_uses_every_event_kind() {
    let labels: std::collections::BTreeSet<String> = scripted()
        .events
        .iter()
        .map(|e| {
            serde_json::to_value(&e.kind).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let every = [
        "declared",
        "status_changed",
        "severity_changed",
        "role_assigned",
        "role_relieved",
        "command_transferred",
        "note_added",
        "action_added",
        "action_completed",
        "action_reopened",
        "action_dropped",
        "impact_start_set",
        "alert_attached",
        "alert_resolved",
        "metric_snapshot",
        "review_edited",
        "corrective_action_added",
        "corrective_action_completed",
        "corrective_action_dropped",
        "recurrence_linked",
    ];
    let every: std::collections::BTreeSet<String> = every.iter().map(|s| s.to_string()).collect();
    assert_eq!(labels, every);
}

#[test]
fn the_postmortem_is_stable_markdown() {
    let log = scripted();
    let markdown = postmortem(&log.state, &log.refs());
    insta::assert_snapshot!("postmortem", markdown);
    assert_eq!(
        markdown,
        postmortem(&log.state, &log.refs()),
        "byte-identical on a rerun"
    );
}

/// The text CommonMark (with GitHub tables) reads out of `markdown`, and the headings.
fn parse_markdown(markdown: &str) -> (String, Vec<String>) {
    use pulldown_cmark::{Event as Md, Options, Parser, Tag, TagEnd};
    let (mut text, mut headings, mut heading) = (String::new(), Vec::new(), None::<String>);
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Md::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Md::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Md::Text(t) | Md::Code(t) => {
                text.push_str(&t);
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Md::End(TagEnd::TableCell | TagEnd::Paragraph | TagEnd::Item) => text.push('\n'),
            Md::Html(_) | Md::InlineHtml(_) => panic!("people's text became HTML: {markdown}"),
            _ => {}
        }
    }
    (text, headings)
}

#[test]
fn the_postmortem_parses_and_holds_every_timeline_event_as_written() {
    let log = scripted();
    let markdown = postmortem(&log.state, &log.refs());
    let (text, headings) = parse_markdown(&markdown);
    for section in [
        "Summary",
        "Impact and response times",
        "Severity history",
        "Internal updates",
        "Timeline",
        "Roles and hand-offs",
        "Metric snapshots",
        "Five whys",
        "Root cause",
        "Contributing factors",
        "Corrective actions",
        "What went well",
        "What went badly",
        "This happened before",
    ] {
        assert!(
            headings.iter().any(|h| h == section),
            "no section {section}: {headings:?}"
        );
    }
    let lines: Vec<&str> = text.lines().collect();
    for event in &log.events {
        let at = event.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let what = event.kind.describe();
        // Each event is a table row: its time, actor, kind and description as cells.
        let row = lines.windows(4).any(|cells| {
            cells[0] == at
                && cells[1] == event.actor
                && cells[2] == event.kind.label()
                && cells[3] == what
        });
        assert!(
            row,
            "event {} ({what}) is not in the timeline:\n{text}",
            event.seq
        );
    }
    assert!(
        text.contains("1. the template had a <typo>"),
        "the why reads as typed"
    );
    assert!(
        text.contains("Time to detect\nimpact start → detected\n9m\n"),
        "{text}"
    );
    assert!(text.contains("Time to resolve\nimpact start → resolved\n34m\n"));
}

#[test]
fn a_draft_before_the_close_and_hostile_text_stays_text() {
    let new = NewIncident {
        title: "# <script>alert(1)</script> | `rm` *now*\n- item".into(),
        severity: Severity::new("P2"),
        service: Some("web|api".into()),
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let mut log = Log::declared(4, new, t0());
    log.ok(
        "m\u{1b}[31mallory",
        5,
        Command::AddNote {
            kind: NoteKind::Note,
            text: "> quoted\r\n1) listed & [linked](http://x)".into(),
        },
    );
    let markdown = postmortem(&log.state, &log.refs());
    assert!(markdown.contains("> **Draft:** INC-4 is triggered, not closed"));
    let (text, headings) = parse_markdown(&markdown);
    assert!(
        !markdown.contains('\u{1b}'),
        "control characters never reach the document"
    );
    assert_eq!(
        headings[0],
        "Postmortem: INC-4 — # <script>alert(1)</script> | `rm` *now* - item"
    );
    assert!(text.contains("web|api"));
    assert!(
        text.contains("> quoted  1) listed & [linked](http://x)"),
        "{text}"
    );
    assert!(
        text.contains("— (a time is missing)"),
        "no impact start, no time to detect"
    );
}

proptest! {
    /// Whatever people type, the Markdown reads back exactly as typed (control characters
    /// replaced, line breaks made spaces): it never turns into markup.
    #[test]
    fn any_text_in_the_postmortem_reads_back_as_typed(
        title in "[ a-z0-9#*_`<>|&\\\\\\[\\]().!+=~:/\n-]{1,40}"
    ) {
        let new = NewIncident {
            title: title.clone(), severity: Severity::new("P2"), service: None,
            summary: Some(title.clone()), started_at: None, detected_at: None, alerts: vec![],
        };
        let trimmed = title.trim();
        prop_assume!(!trimmed.is_empty());
        let log = Log::declared(1, new, t0());
        let markdown = postmortem(&log.state, &log.refs());
        let (text, headings) = parse_markdown(&markdown);
        let expected = warroom::sanitize::sanitize(trimmed).trim().to_string();
        prop_assert_eq!(&headings[0], &format!("Postmortem: INC-1 — {expected}"));
        let summary = format!("Summary{expected}\n");
        prop_assert!(text.contains(&summary), "{:?} not in {:?}", summary, text);
    }
}

// ---- the report against a generated history -------------------------------------------------

/// SplitMix64: a tiny seeded generator, so the history is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent as i64
    }
}

/// The raw facts of one generated incident, in seconds from the end of the period.
struct Raw {
    severity: &'static str,
    service: Option<&'static str>,
    alert: Option<&'static str>,
    declared: i64,
    impact: Option<i64>,
    detected: i64,
    acknowledged: Option<i64>,
    mitigated: Option<i64>,
    resolved: Option<i64>,
    cancelled: bool,
    updates: Vec<i64>,
    /// (due, open) of each corrective action.
    corrective: Vec<(i64, bool)>,
}

const DAY: i64 = 86_400;

fn generate(seed: u64, count: u64) -> Vec<Raw> {
    let mut rng = Rng(seed);
    let services = [Some("checkout"), Some("search"), Some("auth"), None];
    let alerts = [Some("HighErrorRatio"), Some("LatencyHigh"), None, None];
    let severities = ["P0", "P1", "P2"];
    (0..count)
        .map(|_| {
            // Declared over the 150 days before the end; the report covers the last 90.
            let declared = -(rng.below(150 * DAY as u64) + 3 * 3600);
            let detected = declared - rng.below(600);
            let impact = rng.chance(75).then(|| detected - rng.below(1800));
            let stage = rng.below(5); // how far the response got: 0 triggered .. 4 resolved
            let cancelled = stage < 2 && rng.chance(30);
            let mut at = declared;
            let mut step = |rng: &mut Rng, reached: bool, span: u64| {
                reached.then(|| {
                    at += 1 + rng.below(span);
                    at
                })
            };
            let acknowledged = step(&mut rng, stage >= 1 && !cancelled, 900);
            let mitigated = step(&mut rng, stage >= 3, 7200);
            let resolved = step(&mut rng, stage >= 4, 7200);
            let end = if cancelled {
                declared + 60
            } else {
                resolved.unwrap_or(0)
            };
            let mut updates = Vec::new();
            let mut t = declared;
            loop {
                t += 60 + rng.below(70 * 60);
                if t >= end || t >= 0 || updates.len() > 12 {
                    break;
                }
                updates.push(t);
            }
            let corrective = (0..rng.below(3))
                .map(|_| (declared + rng.below(60 * DAY as u64), rng.chance(60)))
                .collect();
            Raw {
                severity: severities[rng.below(3) as usize],
                service: services[rng.below(4) as usize],
                alert: alerts[rng.below(4) as usize],
                declared,
                impact,
                detected,
                acknowledged,
                mitigated,
                resolved,
                cancelled,
                updates,
                corrective,
            }
        })
        .collect()
}

/// The events a real backend would have logged for `raw`, in time order.
fn events_of(number: u64, raw: &Raw, end: Timestamp, seq: &mut u64) -> Vec<Event> {
    let at = |s: i64| end + Duration::seconds(s);
    let mut timed: Vec<(i64, EventKind)> = vec![(
        raw.declared,
        EventKind::Declared {
            title: format!("generated {number}"),
            severity: Severity::new(raw.severity),
            service: raw.service.map(String::from),
            summary: None,
            impact_started_at: raw.impact.map(at),
            detected_at: at(raw.detected),
        },
    )];
    if let Some(name) = raw.alert {
        let alert = AlertRef {
            fingerprint: format!("f{number}"),
            name: name.into(),
            summary: None,
            labels: Default::default(),
            starts_at: at(raw.detected),
        };
        timed.push((
            raw.declared,
            EventKind::AlertAttached { alert, group: None },
        ));
    }
    let mut status = Status::Triggered;
    let mut move_to = |timed: &mut Vec<(i64, EventKind)>, when: Option<i64>, to: Status| {
        if let Some(when) = when {
            timed.push((when, EventKind::StatusChanged { from: status, to }));
            status = to;
        }
    };
    move_to(&mut timed, raw.acknowledged, Status::Acknowledged);
    move_to(&mut timed, raw.mitigated, Status::Mitigated);
    move_to(&mut timed, raw.resolved, Status::Resolved);
    if raw.cancelled {
        move_to(&mut timed, Some(raw.declared + 60), Status::Cancelled);
    }
    for &update in &raw.updates {
        timed.push((
            update,
            EventKind::NoteAdded {
                kind: NoteKind::Update,
                text: "update".into(),
            },
        ));
    }
    for (index, &(due, open)) in raw.corrective.iter().enumerate() {
        let id = index as u32 + 1;
        timed.push((
            -1,
            EventKind::CorrectiveActionAdded {
                id,
                text: "fix".into(),
                kind: CorrectiveKind::Corrective,
                owner: "o".into(),
                due_at: at(due),
                ticket: None,
            },
        ));
        if !open {
            timed.push((-1, EventKind::CorrectiveActionCompleted { id }));
        }
    }
    // A stable sort keeps the declaration first and each action's addition before its end.
    timed.sort_by_key(|(when, _)| *when);
    timed
        .into_iter()
        .map(|(when, kind)| {
            *seq += 1;
            Event {
                seq: *seq,
                incident: IncidentId::from_number(number),
                at: at(when),
                actor: "gen".into(),
                kind,
            }
        })
        .collect()
}

/// The expected statistic, computed the long way from seconds.
fn expected_stat(mut values: Vec<i64>, left_out: usize) -> Stat {
    if values.is_empty() {
        return Stat {
            mean_s: None,
            median_s: None,
            p90_s: None,
            count: 0,
            left_out,
        };
    }
    values.sort();
    let n = values.len();
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    };
    // Nearest rank: the smallest value with at least 90% of the values at or below it.
    let p90 = *values
        .iter()
        .find(|&&v| values.iter().filter(|&&w| w <= v).count() * 10 >= n * 9)
        .unwrap();
    Stat {
        mean_s: Some(mean),
        median_s: Some(median),
        p90_s: Some(p90 as f64),
        count: n,
        left_out,
    }
}

#[track_caller]
fn assert_stat(actual: &Stat, expected: &Stat, what: &str) {
    assert_eq!(
        (actual.count, actual.left_out),
        (expected.count, expected.left_out),
        "{what}"
    );
    for (a, e, name) in [
        (actual.mean_s, expected.mean_s, "mean"),
        (actual.median_s, expected.median_s, "median"),
        (actual.p90_s, expected.p90_s, "p90"),
    ] {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-6, "{what} {name}: {a} != {e}"),
            (a, e) => assert_eq!(a, e, "{what} {name}"),
        }
    }
}

fn expected_figures(raws: &[&Raw]) -> [Stat; 4] {
    let figure = |pick: &dyn Fn(&Raw) -> Option<i64>| {
        let values: Vec<i64> = raws.iter().filter_map(|r| pick(r)).collect();
        expected_stat(values.clone(), raws.len() - values.len())
    };
    [
        figure(&|r| Some(r.detected - r.impact?)),
        figure(&|r| Some(r.acknowledged? - r.detected)),
        figure(&|r| Some(r.mitigated? - r.impact?)),
        figure(&|r| Some(r.resolved? - r.impact?)),
    ]
}

fn cadence(severity: &str) -> i64 {
    match severity {
        "P0" => 15 * 60,
        "P1" => 30 * 60,
        _ => 60 * 60,
    }
}

#[test]
fn the_report_matches_figures_computed_from_the_raw_timestamps() {
    let end = t0();
    let raws = generate(0x5EED_1234, 400);
    let mut seq = 0;
    let logs: Vec<(Incident, Vec<Event>)> = raws
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let number = index as u64 + 1;
            let events = events_of(number, raw, end, &mut seq);
            (
                Incident::fold(IncidentId::from_number(number), &events),
                events,
            )
        })
        .collect();
    let views: Vec<IncidentLog<'_>> = logs
        .iter()
        .map(|(incident, events)| IncidentLog {
            incident,
            events: events.iter().collect(),
        })
        .collect();
    let scale = SeverityScale::default();
    let since = -90 * DAY;
    let query = |service: Option<&str>, severity: Option<&str>| ReportQuery {
        since: end + Duration::seconds(since),
        until: end,
        service: service.map(String::from),
        severity: severity.map(Severity::new),
        recurrence_days: 30,
    };

    let check = |report: &Report, service: Option<&str>, severity: Option<&str>| {
        let scoped: Vec<&Raw> = raws
            .iter()
            .filter(|r| r.declared >= since)
            .filter(|r| service.is_none_or(|s| r.service == Some(s)))
            .filter(|r| severity.is_none_or(|s| r.severity == s))
            .collect();
        let counted: Vec<&Raw> = scoped.iter().copied().filter(|r| !r.cancelled).collect();
        assert_eq!(report.incidents, counted.len());
        assert_eq!(report.cancelled, scoped.len() - counted.len());
        let [mttd, mtta, mttm, mttr] = expected_figures(&counted);
        assert_stat(&report.overall.mttd, &mttd, "mttd");
        assert_stat(&report.overall.mtta, &mtta, "mtta");
        assert_stat(&report.overall.mttm, &mttm, "mttm");
        assert_stat(&report.overall.mttr, &mttr, "mttr");
        for sev in ["P0", "P1", "P2"] {
            let group: Vec<&Raw> = counted
                .iter()
                .copied()
                .filter(|r| r.severity == sev)
                .collect();
            match report.by_severity.get(sev) {
                None => assert!(group.is_empty(), "{sev} is missing"),
                Some(figures) => {
                    let [d, a, m, r] = expected_figures(&group);
                    assert_stat(&figures.mttd, &d, &format!("{sev} mttd"));
                    assert_stat(&figures.mtta, &a, &format!("{sev} mtta"));
                    assert_stat(&figures.mttm, &m, &format!("{sev} mttm"));
                    assert_stat(&figures.mttr, &r, &format!("{sev} mttr"));
                }
            }
        }
        for svc in ["checkout", "search", "auth"] {
            let group: Vec<&Raw> = counted
                .iter()
                .copied()
                .filter(|r| r.service == Some(svc))
                .collect();
            if let Some(figures) = report.by_service.get(svc) {
                let [_, _, _, r] = expected_figures(&group);
                assert_stat(&figures.mttr, &r, &format!("{svc} mttr"));
            } else {
                assert!(group.is_empty());
            }
        }
        // Recurrence: pairwise, from the raw facts.
        let recurring = counted
            .iter()
            .filter(|later| {
                raws.iter().any(|earlier| {
                    !std::ptr::eq(earlier, **later)
                        && !earlier.cancelled
                        && earlier.declared <= later.declared
                        && later.declared - earlier.declared <= 30 * DAY
                        && ((earlier.service.is_some() && earlier.service == later.service)
                            || (earlier.alert.is_some() && earlier.alert == later.alert))
                })
            })
            .count();
        let rate = report.recurrence_rate.expect("incidents to measure");
        assert!((rate - recurring as f64 / counted.len() as f64).abs() < 1e-9);
        // Update discipline: each update was due; on time when within the cadence of the one
        // before (or the declaration); an incident silent past its deadline at its end (its
        // resolution, or the end of the period) missed one more.
        let (mut on_time, mut due) = (0, 0);
        for raw in &counted {
            let mut last = raw.declared;
            for &update in &raw.updates {
                due += 1;
                if update - last <= cadence(raw.severity) {
                    on_time += 1;
                }
                last = update;
            }
            if raw.resolved.unwrap_or(0) - last > cadence(raw.severity) {
                due += 1;
            }
        }
        let discipline = report.update_discipline.expect("updates were due");
        assert!(
            (discipline - on_time as f64 / due as f64).abs() < 1e-9,
            "{discipline} vs {on_time}/{due}"
        );
        let open: Vec<i64> = counted
            .iter()
            .flat_map(|r| r.corrective.iter().filter(|c| c.1).map(|c| c.0))
            .collect();
        assert_eq!(report.corrective_actions.open, open.len());
        assert_eq!(
            report.corrective_actions.overdue,
            open.iter().filter(|&&due| due < 0).count()
        );
        (counted.len(), scoped.len())
    };

    let overall = report(&views, &query(None, None), &scale);
    let (counted, scoped) = check(&overall, None, None);
    assert!(
        counted > 150 && scoped > counted,
        "the history has cancelled incidents"
    );
    assert!(
        overall.overall.mttd.left_out > 0,
        "and incidents without an impact start"
    );
    assert!(overall.overall.mtta.left_out > overall.overall.mttd.left_out / 4);
    check(
        &report(&views, &query(Some("checkout"), None), &scale),
        Some("checkout"),
        None,
    );
    check(
        &report(&views, &query(None, Some("P0")), &scale),
        None,
        Some("P0"),
    );
    check(
        &report(&views, &query(Some("search"), Some("P2")), &scale),
        Some("search"),
        Some("P2"),
    );
}

#[test]
fn a_report_with_nothing_to_measure_says_null_not_zero() {
    let query = ReportQuery {
        since: t0() - Duration::days(90),
        until: t0(),
        service: None,
        severity: None,
        recurrence_days: 30,
    };
    let empty = report(&[], &query, &SeverityScale::default());
    let json = serde_json::to_value(&empty).unwrap();
    assert_eq!(json["incidents"], 0);
    assert_eq!(
        json["overall"]["mttd"],
        serde_json::json!({"mean_s": null, "median_s": null, "p90_s": null, "count": 0, "left_out": 0})
    );
    assert_eq!(json["recurrence_rate"], serde_json::Value::Null);
    assert_eq!(json["update_discipline"], serde_json::Value::Null);
    assert_eq!(
        json["corrective_actions"],
        serde_json::json!({"open": 0, "overdue": 0})
    );
}
