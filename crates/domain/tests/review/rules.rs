//! The review, corrective actions and recurrence in the domain: `decide` and `apply`.

use crate::*;
use chrono::Duration;
use proptest::prelude::*;
use warroom_domain::*;

use std::collections::BTreeSet;

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
    // Each learning command, sent after the close, is accepted (corrective action 2 is the
    // one added here, still open).
    let learning = [
        set_whys(&["x"]),
        corrective("alert on LB 5xx", CorrectiveKind::Detective, 7),
        Command::DropCorrectiveAction { id: 2 },
    ];
    for (minute, command) in (63..).zip(learning) {
        assert!(!command.changes_response_record(), "{command:?}");
        log.ok("bob", minute, command);
    }
    assert_eq!(log.state.status, Status::Closed);
    assert_eq!(log.state.review.whys, ["x"]);
    let states: Vec<_> = log
        .state
        .corrective_actions
        .iter()
        .map(|a| a.state)
        .collect();
    assert_eq!(states, [CorrectiveState::Done, CorrectiveState::Dropped]);
    // The response record is final: its status stays closed.
    let reopen = log.refused(Command::Transition {
        to: Status::Investigating,
    });
    assert_eq!(reopen.code, "incident_closed");
    assert!(Command::Transition { to: Status::Closed }.changes_response_record());
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
    assert!(!third.is_overdue(third.due_at), "due at, not past");
    assert!(third.is_overdue(t0() + Duration::days(31)));
}

/// A drop is one key away from a slip: the dropped action opens again as it was (its
/// closing time cleared), while a done one stays done and an open one is refused.
#[test]
fn a_dropped_corrective_action_opens_again_and_a_done_one_does_not() {
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
    log.ok("bob", 42, Command::DropCorrectiveAction { id: 1 });
    log.ok("bob", 43, Command::CompleteCorrectiveAction { id: 2 });
    assert_eq!(log.state.corrective_actions[0].closed_at, Some(minutes(42)));
    log.ok("erin", 44, Command::ReopenCorrectiveAction { id: 1 });
    let reopened = &log.state.corrective_actions[0];
    assert_eq!(reopened.state, CorrectiveState::Open);
    assert_eq!(reopened.closed_at, None);
    assert_eq!(reopened.text, "fix the LB template");
    assert_eq!(
        log.events.last().unwrap().kind.describe(),
        "corrective action C1 reopened"
    );
    let open = log.refused(Command::ReopenCorrectiveAction { id: 1 });
    assert_eq!(open.code, "unchanged");
    assert_eq!(open.message, "corrective action C1 is open already");
    let done = log.refused(Command::ReopenCorrectiveAction { id: 2 });
    assert_eq!(done.code, "invalid_transition");
    assert!(done.message.contains("C2 is done"), "{}", done.message);
    let unknown = log.refused(Command::ReopenCorrectiveAction { id: 9 });
    assert_eq!(unknown.code, "unknown_corrective_action");
    // It can be dropped again, and reopened after the close: learning stays open.
    log.ok("bob", 45, Command::DropCorrectiveAction { id: 1 });
    close(&mut log);
    log.ok("bob", 50, Command::ReopenCorrectiveAction { id: 1 });
    assert_eq!(log.state.corrective_actions[0].state, CorrectiveState::Open);
    assert_eq!(Incident::fold(log.state.id.clone(), &log.events), log.state);
}

#[test]
fn the_kind_of_a_corrective_action_changes_and_the_log_says_what_it_was() {
    let mut log = Log::checkout();
    log.ok(
        "bob",
        40,
        corrective("alert on LB 5xx", CorrectiveKind::Corrective, 14),
    );
    log.ok(
        "bob",
        41,
        Command::SetCorrectiveKind {
            id: 1,
            kind: CorrectiveKind::Detective,
        },
    );
    assert_eq!(
        log.state.corrective_actions[0].kind,
        CorrectiveKind::Detective
    );
    let last = &log.events.last().unwrap().kind;
    assert_eq!(
        *last,
        EventKind::CorrectiveKindChanged {
            id: 1,
            from: CorrectiveKind::Corrective,
            to: CorrectiveKind::Detective
        }
    );
    assert_eq!(
        last.describe(),
        "corrective action C1 is detective (was corrective)"
    );
    let same = log.refused(Command::SetCorrectiveKind {
        id: 1,
        kind: CorrectiveKind::Detective,
    });
    assert_eq!(same.code, "unchanged");
    let unknown = log.refused(Command::SetCorrectiveKind {
        id: 2,
        kind: CorrectiveKind::Preventive,
    });
    assert_eq!(unknown.code, "unknown_corrective_action");
    // A classification, not work: it may be corrected once the action is done, and closed.
    log.ok("bob", 42, Command::CompleteCorrectiveAction { id: 1 });
    close(&mut log);
    log.ok(
        "bob",
        60,
        Command::SetCorrectiveKind {
            id: 1,
            kind: CorrectiveKind::Preventive,
        },
    );
    let action = &log.state.corrective_actions[0];
    assert_eq!(
        (action.kind, action.state),
        (CorrectiveKind::Preventive, CorrectiveState::Done)
    );
    assert_eq!(Incident::fold(log.state.id.clone(), &log.events), log.state);
}

fn set_summary(text: &str) -> Command {
    Command::SetSummary {
        summary: text.into(),
    }
}

/// The business impact is often only known once the dust settles: written after the
/// declaration, rewritten after the close, cleared with an empty text.
#[test]
fn the_summary_is_written_rewritten_and_cleared_even_after_the_close() {
    let mut log = Log::declared(
        2,
        NewIncident {
            title: "Search slow".into(),
            severity: Severity::new("P2"),
            service: None,
            summary: None,
            started_at: None,
            detected_at: None,
            alerts: vec![],
        },
        t0(),
    );
    assert_eq!(log.state.summary, None);
    log.ok("pm", 5, set_summary("  Search took 8 s for EU users.  "));
    assert_eq!(
        log.state.summary.as_deref(),
        Some("Search took 8 s for EU users.")
    );
    assert_eq!(
        log.events.last().unwrap().kind.describe(),
        "summary: Search took 8 s for EU users."
    );
    close(&mut log);
    assert!(!set_summary("x").changes_response_record());
    log.ok(
        "pm",
        60,
        set_summary("Search took 8 s for EU users for 40 minutes; 3% fewer orders."),
    );
    assert_eq!(
        log.state.summary.as_deref(),
        Some("Search took 8 s for EU users for 40 minutes; 3% fewer orders.")
    );
    let same = log.refused(set_summary(
        "Search took 8 s for EU users for 40 minutes; 3% fewer orders. ",
    ));
    assert_eq!(same.code, "unchanged");
    let long = log.refused(set_summary(&"x".repeat(MAX_TEXT_CHARS + 1)));
    assert_eq!(long.code, "invalid_input");
    assert!(long.message.contains("summary"), "{}", long.message);
    log.ok("pm", 61, set_summary(" "));
    assert_eq!(log.state.summary, None);
    assert_eq!(
        log.events.last().unwrap().kind.describe(),
        "summary cleared"
    );
    assert_eq!(log.refused(set_summary("")).code, "unchanged");
    assert_eq!(Incident::fold(log.state.id.clone(), &log.events), log.state);
}

#[test]
fn the_root_cause_is_offered_from_the_latest_decision_that_names_it() {
    let mut log = Log::checkout();
    assert_eq!(root_cause_from_decisions(&log.events), None);
    let note = |kind: NoteKind, text: &str| Command::AddNote {
        kind,
        text: text.into(),
    };
    log.ok(
        "bob",
        5,
        note(NoteKind::Decision, "Root cause: lb-2 config typo"),
    );
    log.ok("bob", 6, note(NoteKind::Decision, "roll back lb-2"));
    assert_eq!(
        root_cause_from_decisions(&log.events).as_deref(),
        Some("lb-2 config typo"),
        "the latest decision that names a root cause, not the latest decision"
    );
    log.ok(
        "bob",
        7,
        note(NoteKind::Note, "root cause: the moon, says a note"),
    );
    log.ok(
        "bob",
        8,
        note(NoteKind::Decision, "ROOT CAUSE is the pool size of 10"),
    );
    assert_eq!(
        root_cause_from_decisions(&log.events).as_deref(),
        Some("the pool size of 10"),
        "only decisions count"
    );
    for (text, offered) in [
        (
            "root cause — a stale DNS record",
            Some("a stale DNS record"),
        ),
        (
            "root cause - a stale DNS record",
            Some("a stale DNS record"),
        ),
        (
            "  root cause   a stale DNS record ",
            Some("a stale DNS record"),
        ),
        ("root causes are many", None),
        ("root cause:", None),
        ("the root cause: later", None),
        ("root", None),
    ] {
        let mut one = Log::checkout();
        one.ok("bob", 5, note(NoteKind::Decision, text));
        assert_eq!(
            root_cause_from_decisions(&one.events).as_deref(),
            offered,
            "{text:?}"
        );
    }
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
    let reopen = parse(serde_json::json!({"type": "reopen_corrective_action", "id": 3}));
    assert_eq!(reopen, Command::ReopenCorrectiveAction { id: 3 });
    let kind =
        parse(serde_json::json!({"type": "set_corrective_kind", "id": 1, "kind": "preventive"}));
    assert_eq!(
        kind,
        Command::SetCorrectiveKind {
            id: 1,
            kind: CorrectiveKind::Preventive
        }
    );
    let summary = parse(serde_json::json!({"type": "set_summary", "summary": "s"}));
    assert_eq!(summary, set_summary("s"));
    let typo = serde_json::json!({"type": "set_review", "why": ["a"]});
    assert!(serde_json::from_value::<Command>(typo).is_err());
    let odd_kind = serde_json::json!({"type": "add_corrective_action", "text": "t",
        "kind": "curative", "owner": "o", "due_at": "2026-12-24T00:00:00Z"});
    assert!(serde_json::from_value::<Command>(odd_kind).is_err());
    for command in [review, add, done, dropped, reopen, kind, summary] {
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
    let summary = proptest::sample::select(vec!["", " ", "a third of payments failed", "x"]);
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
        (text, kind.clone(), -2i64..30).prop_map(|(text, kind, days)| {
            Command::AddCorrectiveAction {
                text: text.into(),
                kind,
                owner: "bob".into(),
                due_at: t0() + Duration::days(days),
                ticket: None,
            }
        }),
        (0u32..5).prop_map(|id| Command::CompleteCorrectiveAction { id }),
        (0u32..5).prop_map(|id| Command::DropCorrectiveAction { id }),
        (0u32..5).prop_map(|id| Command::ReopenCorrectiveAction { id }),
        (0u32..5, kind.clone()).prop_map(|(id, kind)| Command::SetCorrectiveKind { id, kind }),
        summary.prop_map(|summary| Command::SetSummary {
            summary: summary.into()
        }),
        status.prop_map(|to| Command::Transition { to }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Across any sequence: the state is the fold of the log, corrective ids are 1..n, a
    /// done corrective action never changes state again (a dropped one may open again, and
    /// only a dropped one does), a kind changes only by a recorded change, the summary is
    /// never blank, and the review holds no empty entry.
    #[test]
    fn learning_rules_hold_across_any_sequence(
        commands in proptest::collection::vec(any_learning_command(), 0..50)
    ) {
        let mut log = Log::checkout();
        let mut done: BTreeSet<u32> = BTreeSet::new();
        for (step, command) in commands.into_iter().enumerate() {
            let before = log.state.clone();
            let written = log.events.len();
            let _ = log.run("bob", step as i64, command);
            let actions = &log.state.corrective_actions;
            let ids: Vec<u32> = actions.iter().map(|a| a.id).collect();
            prop_assert_eq!(ids, (1..=actions.len() as u32).collect::<Vec<_>>());
            let new_events = &log.events[written..];
            for action in actions {
                if done.contains(&action.id) {
                    prop_assert_eq!(action.state, CorrectiveState::Done);
                } else if action.state == CorrectiveState::Done {
                    done.insert(action.id);
                }
                let was = before.corrective_actions.iter().find(|a| a.id == action.id);
                if let Some(was) = was {
                    if was.state != CorrectiveState::Open && action.state == CorrectiveState::Open {
                        prop_assert_eq!(was.state, CorrectiveState::Dropped);
                        prop_assert!(action.closed_at.is_none());
                    }
                    if was.kind != action.kind {
                        let recorded = new_events.iter().any(|e| matches!(
                            e.kind,
                            EventKind::CorrectiveKindChanged { id, from, to }
                                if id == action.id && from == was.kind && to == action.kind
                        ));
                        prop_assert!(recorded, "C{} changed kind without its event", action.id);
                    }
                }
            }
            prop_assert!(log.state.summary.as_deref().is_none_or(|s| !s.trim().is_empty()));
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

#[test]
fn a_review_holds_exactly_its_limits() {
    let mut log = Log::checkout();
    let most: Vec<String> = (0..MAX_WHYS).map(|n| format!("why {n}")).collect();
    let most: Vec<&str> = most.iter().map(String::as_str).collect();
    log.ok("bob", 40, set_whys(&most));
    assert_eq!(log.state.review.whys.len(), MAX_WHYS);
    let longest = "x".repeat(MAX_TEXT_CHARS);
    log.ok("bob", 41, set_whys(&[&longest]));
    let root_cause = |text: String| Command::SetReview {
        whys: None,
        root_cause: Some(text),
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    };
    log.ok("bob", 42, root_cause(longest.clone()));
    assert_eq!(log.state.review.root_cause, longest);
    let too_long = log.refused(root_cause(format!("{longest}x")));
    assert!(
        too_long.message.contains("root cause"),
        "{}",
        too_long.message
    );
}

#[test]
fn corrective_words_are_spelled_and_read_back() {
    let kinds: Vec<&str> = CorrectiveKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(kinds, ["detective", "preventive", "corrective"]);
    for kind in CorrectiveKind::ALL {
        assert_eq!(format!(" {kind} ").parse::<CorrectiveKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        assert_eq!(format!("{kind:>12}"), format!("{:>12}", kind.as_str()));
    }
    assert!(
        "fix"
            .parse::<CorrectiveKind>()
            .unwrap_err()
            .contains("'fix'")
    );
    for state in [
        CorrectiveState::Open,
        CorrectiveState::Done,
        CorrectiveState::Dropped,
    ] {
        assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        assert_eq!(format!("{state:>8}"), format!("{:>8}", state.as_str()));
    }
}

#[test]
fn recurrence_counts_the_edges_of_its_window_and_the_open_follow_ups() {
    let first = incident(1, Some("checkout"), None, 0);
    let same_moment = incident(2, Some("checkout"), None, 0);
    let at_the_edge = incident(3, Some("checkout"), None, 30);
    assert_eq!(
        follows(&first, &same_moment, 30),
        Some(RecurrenceMatch::Service),
        "declared at the same moment"
    );
    assert_eq!(
        follows(&first, &at_the_edge, 30),
        Some(RecurrenceMatch::Service),
        "exactly the window apart"
    );
    assert_eq!(
        [RecurrenceMatch::Service, RecurrenceMatch::Alert].map(RecurrenceMatch::as_str),
        ["service", "alert"]
    );
    for matched in [RecurrenceMatch::Service, RecurrenceMatch::Alert] {
        assert_eq!(serde_json::to_value(matched).unwrap(), matched.as_str());
    }

    let mut earlier = Log::checkout();
    for text in [
        "add a canary",
        "alert on pool saturation",
        "load-test the pool",
    ] {
        earlier.ok("bob", 40, corrective(text, CorrectiveKind::Preventive, 30));
    }
    earlier.ok("bob", 41, Command::CompleteCorrectiveAction { id: 1 });
    let later = incident(2, Some("checkout"), None, 3);
    let found = earlier_incidents(&later, [&earlier.state]);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].open_corrective_actions, 2,
        "the done one is not counted"
    );
}

#[test]
fn a_ticket_of_exactly_the_most_characters_is_kept() {
    let mut log = Log::checkout();
    let head = "https://tickets.example/";
    let longest = format!("{head}{}", "a".repeat(MAX_TICKET_CHARS - head.len()));
    let with_ticket = |ticket: &str| Command::AddCorrectiveAction {
        text: "add a canary".into(),
        kind: CorrectiveKind::Detective,
        owner: "bob".into(),
        due_at: t0() + Duration::days(30),
        ticket: Some(ticket.into()),
    };
    log.ok("bob", 40, with_ticket(&longest));
    assert_eq!(
        log.state.corrective_actions[0].ticket.as_deref(),
        Some(longest.as_str())
    );
    let refused = log.refused(with_ticket(&format!("{longest}a")));
    assert_eq!(refused.code, "invalid_input");
}
