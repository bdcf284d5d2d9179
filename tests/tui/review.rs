//! The review screen, the follow-ups and report screens and the recurrence banner: `update()`
//! with plain messages, and the screens as snapshots.

use super::fixture::{self, draw, feed, model, model_with, now, sent, theme};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::FollowupPage;
use warroom::domain::*;
use warroom::tui::app::followups::Walk;
use warroom::tui::app::incident_list::past::More;
use warroom::tui::app::review::UNDO_SECONDS;
use warroom::tui::app::{Effect, Model, Msg, Overlay, update};

/// A key press, after the backend has answered what was sent before it.
fn key(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    fixture::accept_all(model);
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(model, Msg::Key(KeyEvent::new(code, modifiers)))
}

fn press(model: &mut Model, keys: &str) -> Vec<Effect> {
    let mut effects = vec![];
    for c in keys.chars() {
        effects = key(model, KeyCode::Char(c));
    }
    effects
}

fn inc(n: u64) -> IncidentId {
    IncidentId::from_number(n)
}

/// INC-1 mitigated with two whys, a root cause and two corrective actions (C1 overdue), and
/// INC-2 linked to INC-1 as a recurrence, delivered by the feed.
fn learned(model: &mut Model) {
    let mut seq = model.incidents.cursor;
    let mut event = |incident: u64, minutes: i64, actor: &str, kind: EventKind| {
        seq += 1;
        Event {
            seq,
            incident: inc(incident),
            at: now() - Duration::minutes(minutes),
            actor: actor.into(),
            via: None,
            kind,
            intended_at: None,
        }
    };
    let corrective = |id, text: &str, kind, days: i64| EventKind::CorrectiveActionAdded {
        id,
        text: text.into(),
        kind,
        owner: "bob".into(),
        due_at: now() + Duration::days(days),
        ticket: None,
    };
    let events = vec![
        event(
            1,
            3,
            "alice",
            EventKind::StatusChanged {
                from: Status::Investigating,
                to: Status::Mitigated,
                reason: None,
                commander: None,
            },
        ),
        event(
            1,
            2,
            "bob",
            EventKind::ReviewEdited {
                edit: ReviewEdit {
                    whys: Some(vec![
                        "checkout returned 5xx".into(),
                        "lb-2 sent /pay to a drained pool".into(),
                    ]),
                    root_cause: Some("LB configs ship without validation".into()),
                    contributing_factors: None,
                    went_well: Some(vec!["paged in 2 minutes".into()]),
                    went_badly: None,
                },
            },
        ),
        event(
            1,
            2,
            "bob",
            corrective(1, "fix the lb-2 template", CorrectiveKind::Corrective, -1),
        ),
        event(
            1,
            1,
            "bob",
            corrective(
                2,
                "validate LB configs in CI",
                CorrectiveKind::Preventive,
                14,
            ),
        ),
        event(
            2,
            1,
            "warroom",
            EventKind::RecurrenceLinked {
                earlier: vec![EarlierIncident {
                    incident: inc(1),
                    title: "Checkout".into(),
                    declared_at: now() - Duration::days(9),
                    matched_on: RecurrenceMatch::Service,
                    open_corrective_actions: 2,
                }],
            },
        ),
    ];
    feed(model, Msg::Feed(Ok(events)));
}

/// The review of INC-1, the cursor moved from the summary (the first row) to the first why.
fn reviewing() -> Model {
    let mut model = model();
    learned(&mut model);
    assert!(press(&mut model, "R").is_empty());
    assert!(
        matches!(model.overlay, Overlay::Review(_)),
        "{:?}",
        model.notice
    );
    press(&mut model, "j");
    model
}

fn review_sent(effects: &[Effect]) -> Command {
    let (incident, command) = sent(effects).expect("one command sent");
    assert_eq!(incident, &inc(1));
    command.clone()
}

fn set_review(whys: Option<&[&str]>, root_cause: Option<&str>) -> Command {
    Command::SetReview {
        whys: whys.map(|w| w.iter().map(|s| s.to_string()).collect()),
        root_cause: root_cause.map(String::from),
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    }
}

#[test]
fn the_review_opens_once_the_incident_is_mitigated() {
    let mut model = model();
    assert!(press(&mut model, "R").is_empty());
    assert!(matches!(model.overlay, Overlay::None));
    let notice = model.notice.clone().unwrap();
    assert!(
        notice.error
            && notice
                .text
                .contains("the review opens once it is mitigated"),
        "{}",
        notice.text
    );
    learned(&mut model);
    press(&mut model, ":");
    press(&mut model, "review");
    key(&mut model, KeyCode::Enter);
    assert!(matches!(model.overlay, Overlay::Review(_)));
    key(&mut model, KeyCode::Esc);
    assert!(matches!(model.overlay, Overlay::None));
}

#[test]
fn whys_are_edited_inserted_appended_and_removed_as_whole_chains() {
    let mut model = reviewing();
    // Edit the first why: the text input starts with the current text.
    key(&mut model, KeyCode::Enter);
    let effects = press(&mut model, " (31%)");
    assert!(effects.is_empty());
    let sent = review_sent(&key(&mut model, KeyCode::Enter));
    assert_eq!(
        sent,
        set_review(
            Some(&[
                "checkout returned 5xx (31%)",
                "lb-2 sent /pay to a drained pool"
            ]),
            None
        )
    );
    // Insert before the second.
    press(&mut model, "ji");
    press(&mut model, "a new level");
    let sent = review_sent(&key(&mut model, KeyCode::Enter));
    assert_eq!(
        sent,
        set_review(
            Some(&[
                "checkout returned 5xx",
                "a new level",
                "lb-2 sent /pay to a drained pool"
            ]),
            None
        )
    );
    // The fifth slot is empty: writing there appends.
    press(&mut model, "jjj");
    key(&mut model, KeyCode::Enter);
    press(&mut model, "no check");
    let sent = review_sent(&key(&mut model, KeyCode::Enter));
    assert_eq!(
        sent,
        set_review(
            Some(&[
                "checkout returned 5xx",
                "lb-2 sent /pay to a drained pool",
                "no check"
            ]),
            None
        )
    );
    // x removes the first why; esc abandons an edit without sending.
    press(&mut model, "kkkk");
    let sent = review_sent(&press(&mut model, "x"));
    assert_eq!(
        sent,
        set_review(Some(&["lb-2 sent /pay to a drained pool"]), None)
    );
    key(&mut model, KeyCode::Enter);
    press(&mut model, "zzz");
    assert!(key(&mut model, KeyCode::Esc).is_empty());
    assert!(matches!(&model.overlay, Overlay::Review(screen) if screen.editing.is_none()));
}

#[test]
fn the_root_cause_and_corrective_actions_from_the_review_screen() {
    let mut model = reviewing();
    // Five whys, then the root cause.
    press(&mut model, "jjjjj");
    key(&mut model, KeyCode::Enter);
    for _ in 0.."LB configs ship without validation".len() {
        key(&mut model, KeyCode::Backspace);
    }
    press(&mut model, "no schema check");
    let sent = review_sent(&key(&mut model, KeyCode::Enter));
    assert_eq!(sent, set_review(None, Some("no schema check")));
    // Down past factors (1 slot), went well (2), went badly (1) to C1.
    press(&mut model, "jjjjj");
    assert_eq!(
        review_sent(&press(&mut model, " ")),
        Command::CompleteCorrectiveAction { id: 1 }
    );
    press(&mut model, "j");
    assert!(press(&mut model, "x").is_empty(), "a drop asks first");
    assert_eq!(
        review_sent(&press(&mut model, "y")),
        Command::DropCorrectiveAction { id: 2 }
    );
    // The slot after the last one opens the corrective-action form.
    press(&mut model, "j");
    key(&mut model, KeyCode::Enter);
    assert!(matches!(&model.overlay, Overlay::Review(screen) if screen.form.is_some()));
    press(&mut model, "alert on pool drains");
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Left);
    key(&mut model, KeyCode::Tab);
    press(&mut model, "erin");
    key(&mut model, KeyCode::Tab);
    press(&mut model, "14d");
    let sent = review_sent(&key(&mut model, KeyCode::Enter));
    assert_eq!(
        sent,
        Command::AddCorrectiveAction {
            text: "alert on pool drains".into(),
            kind: CorrectiveKind::Preventive,
            owner: "erin".into(),
            due_at: now() + Duration::days(14),
            ticket: None,
        }
    );
}

#[test]
fn a_viewer_reads_the_review_but_cannot_change_it() {
    let mut model = model_with(false, AccessRole::Viewer);
    learned(&mut model);
    press(&mut model, "R");
    assert!(matches!(model.overlay, Overlay::Review(_)));
    key(&mut model, KeyCode::Enter);
    press(&mut model, "!");
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "nothing is sent"
    );
    assert!(
        model
            .notice
            .clone()
            .unwrap()
            .text
            .contains("this needs responder")
    );
    assert!(
        matches!(model.overlay, Overlay::Review(_)),
        "the screen stays open"
    );
}

#[test]
fn follow_ups_and_the_report_are_fetched_when_opened() {
    let mut model = model();
    learned(&mut model);
    let open_page = Walk::Open.first_page();
    assert_eq!(
        press(&mut model, "F"),
        [Effect::FetchFollowups(open_page.clone())]
    );
    // What `GET /v1/followups?open=true` answers for the incidents the model holds.
    let now = model.now;
    let followups: Vec<Followup> = model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .flat_map(|incident| {
            incident
                .corrective_actions
                .iter()
                .map(|action| Followup {
                    incident: incident.id.clone(),
                    incident_title: incident.title.clone(),
                    action: action.clone(),
                    overdue: action.is_overdue(now),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let page = FollowupPage {
        rows: followups,
        next: None,
    };
    // The open ones fit the screen: the closed ones' first page is asked for at once.
    let closed_page = Walk::Closed.first_page();
    assert_eq!(
        update(&mut model, Msg::Followups(open_page, Ok(page))),
        [Effect::FetchFollowups(closed_page.clone())]
    );
    let none = FollowupPage {
        rows: vec![],
        next: None,
    };
    assert!(update(&mut model, Msg::Followups(closed_page, Ok(none))).is_empty());
    let Overlay::Followups(view) = &model.overlay else {
        panic!("the follow-ups screen is open");
    };
    assert_eq!(view.more, More::Done);
    let listed: Vec<(u32, bool)> = view.rows.iter().map(|r| (r.action.id, r.overdue)).collect();
    assert_eq!(
        listed,
        [(1, true), (2, false)],
        "soonest due first, the overdue one flagged"
    );
    let screen = draw(&model, &theme(), 120, 30);
    insta::assert_snapshot!("followups_120x30", screen.backend());
    key(&mut model, KeyCode::Esc);

    press(&mut model, ":");
    press(&mut model, "report 30d");
    let mut effects = key(&mut model, KeyCode::Enter);
    effects.retain(|e| !matches!(e, Effect::SaveHistory(_)));
    assert_eq!(
        effects,
        [Effect::FetchReport {
            since: "30d".into()
        }]
    );
    assert!(matches!(model.overlay, Overlay::Report(_)));
}

#[test]
fn the_review_screen_and_the_recurrence_banner() {
    let model = reviewing();
    let screen = draw(&model, &theme(), 120, 40);
    insta::assert_snapshot!("review_120x40", screen.backend());
    let mut model = model;
    key(&mut model, KeyCode::Esc);
    feed(&mut model, Msg::Resize(120, 40));
    press(&mut model, "]");
    assert_eq!(model.desk.selected, Some(inc(2)));
    let screen = draw(&model, &theme(), 120, 40);
    let text = format!("{:?}", screen.backend());
    assert!(
        text.contains("this happened before: INC-1, 9 days ago, 2 corrective actions still open"),
        "{text}"
    );
}

/// The feed records `kind` on INC-1, as the backend would after a command.
fn recorded(model: &mut Model, kind: EventKind) {
    let event = Event {
        seq: model.incidents.cursor + 1,
        incident: inc(1),
        at: model.now,
        actor: "bob".into(),
        via: None,
        kind,
        intended_at: None,
    };
    feed(model, Msg::Feed(Ok(vec![event])));
}

/// The review screen's foot: the question or undo it shows, and its keys.
fn foot(model: &Model) -> String {
    let screen = draw(model, &theme(), 120, 40);
    let buffer = screen.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .rfind(|line| line.contains("esc") || line.contains("other keys"))
        .unwrap_or_default()
}

/// Issue 24 item 3: `x` on a corrective action asks first (any other key keeps it); a drop
/// can be undone with `u` for a few seconds, and later with `o` on its row or `:reopen C2`
/// on the desk.
#[test]
fn a_drop_asks_first_and_is_undone() {
    let mut model = reviewing();
    // From the first why: 4 more whys, root cause, factors (1), went well (2), went badly (1),
    // then C1, C2.
    press(&mut model, "jjjjjjjjjjj");
    assert!(press(&mut model, "x").is_empty(), "nothing is sent yet");
    let asked = foot(&model);
    assert!(
        asked.contains("Drop C2 \u{201c}validate LB configs in CI\u{201d}?")
            && asked.contains("y drops it · other keys keep it"),
        "{asked}"
    );
    // Any other key keeps it, and is taken by the question, not by the screen.
    assert!(press(&mut model, "j").is_empty());
    assert!(matches!(&model.overlay, Overlay::Review(s) if s.asking.is_none() && s.cursor == 12));
    assert!(press(&mut model, "x").is_empty());
    assert_eq!(
        review_sent(&press(&mut model, "y")),
        Command::DropCorrectiveAction { id: 2 }
    );
    recorded(&mut model, EventKind::CorrectiveActionDropped { id: 2 });
    let offered = foot(&model);
    assert!(
        offered.contains("C2 dropped (10s)") && offered.contains("u undoes the drop"),
        "{offered}"
    );
    assert_eq!(
        review_sent(&press(&mut model, "u")),
        Command::ReopenCorrectiveAction { id: 2 }
    );
    recorded(&mut model, EventKind::CorrectiveActionReopened { id: 2 });
    // Once the few seconds have passed, `u` does nothing; `o` on the dropped row reopens it.
    press(&mut model, "x");
    review_sent(&press(&mut model, "y"));
    recorded(&mut model, EventKind::CorrectiveActionDropped { id: 2 });
    let later = model.now + Duration::seconds(UNDO_SECONDS + 1);
    update(&mut model, Msg::Tick(later));
    let expired = foot(&model);
    assert!(
        !expired.contains("undoes") && expired.contains("o reopen"),
        "{expired}"
    );
    assert!(press(&mut model, "u").is_empty());
    assert_eq!(
        review_sent(&press(&mut model, "o")),
        Command::ReopenCorrectiveAction { id: 2 }
    );
    // And from the desk, by its number.
    key(&mut model, KeyCode::Esc);
    press(&mut model, ":");
    press(&mut model, "reopen C2");
    let effects = key(&mut model, KeyCode::Enter);
    assert_eq!(
        review_sent(&effects),
        Command::ReopenCorrectiveAction { id: 2 }
    );
}

/// Issue 24 item 3: the kind is editable: Enter on a corrective action asks which, `d`, `p`
/// or `c` sets it, the same kind sends nothing.
#[test]
fn the_kind_of_a_corrective_action_is_edited() {
    let mut model = reviewing();
    press(&mut model, "jjjjjjjjjj");
    assert!(key(&mut model, KeyCode::Enter).is_empty());
    let asked = foot(&model);
    assert!(
        asked.contains("Kind of C1 \u{201c}fix the lb-2 template\u{201d}?")
            && asked.contains("d detective · p preventive · c corrective"),
        "{asked}"
    );
    let screen = draw(&model, &theme(), 120, 40);
    insta::assert_snapshot!("review_kind_question_120x40", screen.backend());
    assert_eq!(
        review_sent(&press(&mut model, "p")),
        Command::SetCorrectiveKind {
            id: 1,
            kind: CorrectiveKind::Preventive
        }
    );
    recorded(
        &mut model,
        EventKind::CorrectiveKindChanged {
            id: 1,
            from: CorrectiveKind::Corrective,
            to: CorrectiveKind::Preventive,
        },
    );
    key(&mut model, KeyCode::Enter);
    assert!(press(&mut model, "p").is_empty(), "already preventive");
    let text = format!("{:?}", draw(&model, &theme(), 120, 40).backend());
    assert!(text.contains("C1 preventive"), "{text}");
}

/// Issue 24 item 3: the summary (business impact) is the review's first row: Enter edits it
/// and sends `set_summary`; `:summary` on the desk writes it too, and `:summary` alone puts
/// it on the line to edit.
#[test]
fn the_summary_is_written_from_the_review_and_from_the_command_line() {
    let mut model = reviewing();
    press(&mut model, "k");
    key(&mut model, KeyCode::Enter);
    let Overlay::Review(screen) = &model.overlay else {
        panic!("the review is open");
    };
    let before = screen.editing.as_ref().unwrap().input.value().to_string();
    assert!(
        !before.is_empty(),
        "prefilled with the summary given at declaration"
    );
    for _ in 0..before.chars().count() {
        key(&mut model, KeyCode::Backspace);
    }
    press(&mut model, "A third of payments failed for 40 minutes");
    assert_eq!(
        review_sent(&key(&mut model, KeyCode::Enter)),
        Command::SetSummary {
            summary: "A third of payments failed for 40 minutes".into()
        }
    );
    recorded(
        &mut model,
        EventKind::SummarySet {
            summary: "A third of payments failed for 40 minutes".into(),
        },
    );
    key(&mut model, KeyCode::Esc);
    let header = format!("{:?}", draw(&model, &theme(), 120, 40).backend());
    assert!(
        header.contains("Business impact: A third of payments failed for 40 minutes"),
        "{header}"
    );
    press(&mut model, ":");
    press(&mut model, "summary");
    key(&mut model, KeyCode::Enter);
    let Overlay::CommandLine(line) = &model.overlay else {
        panic!("the line is open again: {:?}", model.overlay);
    };
    assert_eq!(
        line.input.value(),
        "summary A third of payments failed for 40 minutes"
    );
    press(&mut model, "; 1,200 orders retried");
    assert_eq!(
        review_sent(&key(&mut model, KeyCode::Enter)),
        Command::SetSummary {
            summary: "A third of payments failed for 40 minutes; 1,200 orders retried".into()
        }
    );
}

/// Issue 24 item 3: the root cause is offered from the latest decision that names one: shown
/// on the empty row, and Enter starts from it.
#[test]
fn the_root_cause_is_offered_from_the_latest_decision() {
    let mut model = reviewing();
    recorded(
        &mut model,
        EventKind::ReviewEdited {
            edit: ReviewEdit {
                root_cause: Some(String::new()),
                ..ReviewEdit::default()
            },
        },
    );
    for text in [
        "Root cause: the pool size of 10",
        "roll back lb-2",
        "root cause — lb-2's pool drained by a config typo",
    ] {
        recorded(
            &mut model,
            EventKind::NoteAdded {
                kind: NoteKind::Decision,
                text: text.into(),
            },
        );
    }
    let text = format!("{:?}", draw(&model, &theme(), 120, 40).backend());
    assert!(
        text.contains("— from a decision: lb-2's pool drained by a config typo (enter takes it)"),
        "{text}"
    );
    press(&mut model, "jjjjj");
    key(&mut model, KeyCode::Enter);
    assert_eq!(
        review_sent(&key(&mut model, KeyCode::Enter)),
        set_review(None, Some("lb-2's pool drained by a config typo"))
    );
}
