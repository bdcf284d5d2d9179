//! The postmortem: a snapshot of a scripted incident that uses every event kind, parsed back
//! with pulldown-cmark.

use crate::*;
use proptest::prelude::*;
use warroom::domain::*;

use warroom::report::postmortem;

// ---- the postmortem -------------------------------------------------------------------------

/// An incident that uses every kind of event, through the domain. A page opens it, so a
/// person acknowledges it.
fn scripted() -> Log {
    let mut log = Log::checkout_paged();
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
        "alertmanager",
        minutes(1),
        vec![EventKind::AlertsCounted { more: 240 }],
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
                open_corrective_actions: 2,
            }],
        }],
    );
    // Nobody answered for a minute: the escalation policy's first step.
    log.append(
        "warroom",
        minutes(1),
        vec![EventKind::Escalated {
            step: 1,
            steps: 2,
            round: 1,
            rounds: 1,
            notify: vec!["ops-slack".into()],
            mention: Some("<!here>".into()),
            episode: minutes(0),
            due: minutes(1),
        }],
    );
    // A page of another group for the same service joins, with its alert.
    log.append(
        "alertmanager",
        minutes(1),
        vec![
            EventKind::AlertJoined {
                group: "g2".into(),
                title: "checkout latency above 2s".into(),
                severity: Severity::new("P1"),
                matched: [("service".to_string(), "checkout".to_string())].into(),
            },
            EventKind::AlertAttached {
                alert: AlertRef {
                    fingerprint: "f2".into(),
                    name: "HighLatency".into(),
                    summary: None,
                    labels: [("service".to_string(), "checkout".to_string())].into(),
                    starts_at: minutes(-2),
                },
                group: Some("g2".into()),
            },
        ],
    );
    log.ok(
        "alice",
        2,
        Command::Transition {
            to: Status::Acknowledged,
        },
    );
    // Bob had declared the same outage as INC-8; alice merges it here.
    log.append(
        "alice",
        minutes(2),
        vec![EventKind::IncidentMerged {
            from: IncidentId::from_number(8),
            title: "checkout broken".into(),
            notes: vec![CarriedNote {
                at: minutes(1),
                actor: "bob".into(),
                kind: NoteKind::Note,
                text: "lb-2 drains its pool".into(),
            }],
        }],
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
        3,
        Command::PublicUpdate(PublicUpdate {
            state: PublicState::Identified,
            message: "Payments fail for some customers | a fix is rolling out.".into(),
            components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
            next_update_at: Some(minutes(33)),
            title: None,
            public_id: None,
        }),
    );
    log.append(
        "warroom",
        minutes(3),
        vec![EventKind::Lapsed {
            lapse: Lapse::InternalUpdateOverdue,
            due: minutes(3),
        }],
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
    log.ok(
        "alice",
        7,
        Command::SetImpactStart {
            at: minutes(-9),
            after_detection: false,
        },
    );
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
            as_of: None,
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
            as_of: Some(minutes(25) - chrono::Duration::seconds(15)),
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
    // The drop was a slip: opened again, and reclassified.
    log.ok("bob", 62, Command::ReopenCorrectiveAction { id: 2 });
    log.ok(
        "bob",
        63,
        Command::SetCorrectiveKind {
            id: 2,
            kind: CorrectiveKind::Preventive,
        },
    );
    // The business impact, known once the dust settled.
    log.ok(
        "dan",
        64,
        Command::SetSummary {
            summary: "A third of checkout payments failed for 40 minutes; about 1,200 orders \
                      were retried by customers."
                .into(),
        },
    );
    log
}

#[test]
fn the_scripted_incident_uses_every_event_kind() {
    let mut seen = std::collections::BTreeSet::new();
    for event in &scripted().events {
        let wire = serde_json::to_value(&event.kind).unwrap()["type"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(event.kind.tag(), wire, "the domain's tag is the wire's");
        seen.insert(event.kind.tag());
    }
    // Every kind but `merged_into`, which ends an incident as a duplicate: its postmortem is
    // its survivor's (tested in tests/merge.rs and the report's tests).
    let every: std::collections::BTreeSet<&str> = EventKind::TAGS
        .into_iter()
        .filter(|&tag| tag != "merged_into")
        .collect();
    assert_eq!(seen, every);
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
    assert!(markdown.contains("> **Draft:** INC-4 is acknowledged, not closed"));
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
