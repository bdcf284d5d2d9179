//! Issue 19 items 4 and 5 through `update()` and the drawn screen: the list reads the history
//! a page at a time as the cursor goes down (its search: `search.rs`); any past incident opens
//! (`:go`, Enter in the list, Enter on the recurrence line), its record final and its review
//! open; `]`/`[` walk the open incidents only.

use super::fixture::{draw, feed, model, now, screen_text, theme};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::{ClientError, CommandAccepted, Page};
use warroom::domain::*;
use warroom::tui::app::incident_list::past::{MOST_ROWS, More, PAGE, READ_AHEAD, first_page};
use warroom::tui::app::{Effect, Model, Msg, Overlay, Sent, update};

pub(super) fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn press(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    feed(model, key(code))
}

/// A line typed on the `:` line and run.
fn typed(model: &mut Model, line: &str) -> Vec<Effect> {
    press(model, KeyCode::Char(':'));
    for c in line.chars() {
        press(model, KeyCode::Char(c));
    }
    press(model, KeyCode::Enter)
}

pub(super) fn inc(n: u64) -> IncidentId {
    IncidentId::from_number(n)
}

/// An incident resolved `days` ago, as a page of the list carries it.
fn resolved(n: u64, days: i64) -> Incident {
    let mut incident = Incident::blank(inc(n));
    incident.title = format!("Old outage number {n}");
    incident.severity = Severity::new("P2");
    incident.service = Some(
        if n.is_multiple_of(2) {
            "checkout"
        } else {
            "search"
        }
        .into(),
    );
    incident.status = Status::Resolved;
    incident.declared_at = now() - Duration::days(days);
    incident.resolved_at = Some(now() - Duration::days(days) + Duration::hours(1));
    incident.version = n;
    incident
}

/// Incidents `from` down to `from - count + 1`, newest first, as the backend pages them.
pub(super) fn page(from: u64, count: u64) -> Vec<Incident> {
    (0..count)
        .map(|i| resolved(from - i, 30 + i as i64))
        .collect()
}

/// The pages asked for among `effects`, by path.
pub(super) fn pages_asked(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::FetchPage(path) => Some(path.clone()),
            _ => None,
        })
        .collect()
}

/// The path of a page of the ended incidents matching `text`: the first, or the one the
/// backend links to after INC-`before`.
pub(super) fn history(text: Option<&str>, before: Option<u64>) -> String {
    let first = first_page(text.unwrap_or(""));
    match before {
        None => first,
        Some(n) => format!("{first}&before=INC-{n}"),
    }
}

/// The backend's answer: a page, and the link to the next one if more match.
pub(super) fn answer(incidents: Vec<Incident>, next: Option<String>) -> Result<Page, ClientError> {
    Ok(Page { incidents, next })
}

/// The log of INC-`n`, a P2 of checkout declared three months ago, worked and resolved.
fn old_log(n: u64) -> Vec<Event> {
    let declared_at = now() - Duration::days(90);
    let new = NewIncident {
        title: format!("Checkout failed for EU cards ({n})"),
        severity: Severity::new("P2"),
        service: Some("checkout".into()),
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let mut kinds = declare(new, declared_at, &SeverityScale::default()).unwrap();
    kinds.push(EventKind::NoteAdded {
        kind: NoteKind::Note,
        text: "rolled back the card tokenizer".into(),
    });
    kinds.push(EventKind::StatusChanged {
        from: Status::Triggered,
        to: Status::Resolved,
        reason: None,
        commander: None,
    });
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            seq: 10 + i as u64,
            incident: inc(n),
            at: declared_at + Duration::minutes(10 * i as i64),
            actor: "bob".into(),
            via: None,
            kind,
            intended_at: None,
        })
        .collect()
}

pub(super) fn list(model: &Model) -> &warroom::tui::app::incident_list::IncidentList {
    match &model.overlay {
        Overlay::IncidentList(list) => list,
        other => panic!("the list is not open: {other:?}"),
    }
}

#[test]
fn the_list_reads_the_history_a_page_at_a_time_as_the_cursor_nears_the_end() {
    let mut model = model();
    let effects = update(&mut model, key(KeyCode::Char('l')));
    assert_eq!(pages_asked(&effects), [history(None, None)]);
    let text = screen_text(&model, 140, 40);
    assert!(text.contains("reading the history…"), "{text}");

    update(
        &mut model,
        Msg::Page(
            history(None, None),
            answer(page(300, 100), Some(history(None, Some(201)))),
        ),
    );
    let text = screen_text(&model, 140, 40);
    assert!(text.contains("Past incidents, newest first"), "{text}");
    assert!(
        text.contains("INC-300") && text.contains("Old outage number 300"),
        "{text}"
    );
    // The two open incidents first (the cursor on the one on screen), then the history.
    assert_eq!(list(&model).highlighted, Some(inc(1)));

    // Down through the page: the next one is asked for once, as the end nears.
    let mut asked = Vec::new();
    for _ in 0..(2 + 100 - READ_AHEAD - 2) {
        asked.extend(pages_asked(&press(&mut model, KeyCode::Down)));
    }
    assert!(asked.is_empty(), "asked too early: {asked:?}");
    for _ in 0..10 {
        asked.extend(pages_asked(&press(&mut model, KeyCode::Down)));
    }
    assert_eq!(asked, [history(None, Some(201))], "once, after INC-201");

    // An answer to something no longer asked (an earlier list, another search) is dropped.
    update(
        &mut model,
        Msg::Page(history(Some("x"), None), answer(page(999, 3), None)),
    );
    assert_eq!(list(&model).past.rows.len(), 100);

    // A short page is the end of the history.
    update(
        &mut model,
        Msg::Page(history(None, Some(201)), answer(page(200, 40), None)),
    );
    assert_eq!(list(&model).past.rows.len(), 140);
    assert_eq!(list(&model).past.more, More::Done);
    assert!(pages_asked(&press(&mut model, KeyCode::End)).is_empty());
    assert_eq!(list(&model).highlighted, Some(inc(161)));
    let text = screen_text(&model, 140, 40);
    assert!(text.contains("the end of the history"), "{text}");
    assert!(text.contains("▶ INC-161"), "{text}");
    insta::assert_snapshot!(
        "list_history_end_140x40",
        draw(&model, &theme(), 140, 40).backend()
    );
}

#[test]
fn a_page_that_fails_is_said_and_asked_again_when_the_cursor_moves() {
    let mut model = model();
    update(&mut model, key(KeyCode::Char('l')));
    let refused = ClientError::Unreachable("connection refused".into());
    update(&mut model, Msg::Page(history(None, None), Err(refused)));
    let text = screen_text(&model, 140, 40);
    assert!(
        text.contains("cannot read the history: ") && text.contains("(↓ tries again)"),
        "{text}"
    );
    assert_eq!(
        pages_asked(&press(&mut model, KeyCode::Down)),
        [history(None, None)]
    );
}

#[test]
fn the_list_holds_a_bounded_number_of_rows_and_then_says_to_search() {
    let mut model = model();
    update(&mut model, key(KeyCode::Char('l')));
    let mut next = history(None, None);
    let mut top = 100_000;
    while list(&model).past.more != More::Capped {
        update(
            &mut model,
            Msg::Page(
                next.clone(),
                answer(page(top, PAGE as u64), Some(history(None, Some(top - 99)))),
            ),
        );
        top -= PAGE as u64;
        let asked = pages_asked(&press(&mut model, KeyCode::End));
        match list(&model).past.more {
            More::Capped => assert!(asked.is_empty()),
            _ => {
                next = asked
                    .into_iter()
                    .next()
                    .expect("the next page is asked for")
            }
        }
    }
    assert_eq!(list(&model).past.rows.len(), MOST_ROWS);
    assert!(pages_asked(&press(&mut model, KeyCode::Down)).is_empty());
    let text = screen_text(&model, 140, 40);
    assert!(
        text.contains("2000 rows are the most the list holds: / searches, :go INC-n opens any"),
        "{text}"
    );
}

/// The desk with the list open on the first page of the history, INC-300 down.
pub(super) fn list_on_first_page() -> Model {
    let mut model = model();
    update(&mut model, key(KeyCode::Char('l')));
    update(
        &mut model,
        Msg::Page(
            history(None, None),
            answer(page(300, 100), Some(history(None, Some(201)))),
        ),
    );
    model
}

#[test]
fn enter_in_the_list_opens_a_past_incident_and_shows_its_timeline() {
    let mut model = list_on_first_page();
    // The cursor is on INC-1; two down is INC-300 (INC-2 is open, second).
    press(&mut model, KeyCode::Down);
    press(&mut model, KeyCode::Down);
    let effects = press(&mut model, KeyCode::Enter);
    assert_eq!(effects, [Effect::Open(inc(300))]);
    assert!(matches!(model.overlay, Overlay::None));
    assert!(screen_text(&model, 120, 40).contains("opening INC-300…"));
    feed(&mut model, Msg::Opened(inc(300), Ok(old_log(300))));
    assert_eq!(model.desk.selected, Some(inc(300)));
    let text = screen_text(&model, 120, 40);
    assert!(text.contains("rolled back the card"), "{text}");
}

#[test]
fn go_opens_a_past_incident_its_record_final_its_review_open() {
    let mut model = model();
    let effects = typed(&mut model, "go INC-12");
    assert!(effects.contains(&Effect::Open(inc(12))), "{effects:?}");
    // Another asked for meanwhile: the first answer is not shown, nor held.
    typed(&mut model, "go INC-13");
    feed(&mut model, Msg::Opened(inc(12), Ok(old_log(12))));
    assert_eq!(model.desk.selected, Some(inc(1)));
    assert!(model.incidents.get(&inc(12)).is_none());
    feed(&mut model, Msg::Opened(inc(13), Ok(old_log(13))));
    assert_eq!(model.desk.selected, Some(inc(13)));
    insta::assert_snapshot!(
        "past_incident_120x40",
        draw(&model, &theme(), 120, 40).backend()
    );

    // Its review opens, as for any ended incident.
    update(&mut model, key(KeyCode::Char('R')));
    assert!(
        matches!(model.overlay, Overlay::Review(_)),
        "{:?}",
        model.overlay
    );
    update(&mut model, key(KeyCode::Esc));
    update(&mut model, key(KeyCode::Esc));
    assert!(
        matches!(model.overlay, Overlay::None),
        "{:?}",
        model.overlay
    );

    // A change made here is read back, though no feed of this screen may carry it.
    let sent = update(&mut model, key(KeyCode::Char('p')));
    let key_of_send = sent
        .iter()
        .find_map(|effect| match effect {
            Effect::Send { outgoing, .. } => Some(outgoing.key.clone()),
            _ => None,
        })
        .expect("the pin is sent");
    let version = model.incidents.get(&inc(13)).unwrap().state.version;
    let effects = update(
        &mut model,
        Msg::Sent {
            key: key_of_send,
            result: Ok(Sent::Command(CommandAccepted {
                version: 900,
                events: vec![],
            })),
        },
    );
    assert!(
        effects.contains(&Effect::CatchUp {
            incident: inc(13),
            after: version
        }),
        "{effects:?}"
    );
    let note = Event {
        seq: 900,
        incident: inc(13),
        at: now(),
        actor: "alice".into(),
        via: None,
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: "corrective action agreed in the review".into(),
        },
        intended_at: None,
    };
    feed(&mut model, Msg::CaughtUp(inc(13), Ok(vec![note])));
    let text = screen_text(&model, 120, 40);
    assert!(text.contains("corrective action agreed"), "{text}");

    // `]` walks the open ones only; the past incident's log is let go of (its folded state
    // stays only while it is among the newest ended ones a screen keeps).
    update(&mut model, key(KeyCode::Char(']')));
    assert_eq!(model.desk.selected, Some(inc(1)));
    let kept = model.incidents.get(&inc(13)).unwrap();
    assert!(!kept.loaded && kept.events.is_empty());
}

#[test]
fn an_incident_that_does_not_exist_or_cannot_be_read_is_said() {
    let mut model = model();
    typed(&mut model, "go INC-4000");
    let missing = ClientError::Api {
        status: 404,
        code: "not_found".into(),
        message: "no incident INC-4000".into(),
    };
    feed(&mut model, Msg::Opened(inc(4000), Err(missing)));
    assert_eq!(model.desk.selected, Some(inc(1)));
    let notice = model.notice.clone().unwrap();
    assert!(
        notice.error && notice.text.contains("cannot open INC-4000"),
        "{notice:?}"
    );
}

#[test]
fn enter_on_the_recurrence_line_opens_the_earlier_incident() {
    let mut model = model();
    let earlier = EarlierIncident {
        incident: inc(12),
        title: "Checkout failed for EU cards".into(),
        declared_at: now() - Duration::days(90),
        matched_on: RecurrenceMatch::Service,
        open_corrective_actions: 1,
    };
    let linked = Event {
        seq: 800,
        incident: inc(1),
        at: now(),
        actor: "warroom".into(),
        via: None,
        kind: EventKind::RecurrenceLinked {
            earlier: vec![earlier],
        },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![linked])));
    let text = screen_text(&model, 160, 40);
    assert!(
        text.contains("this happened before: INC-12, 90 days ago, 1 corrective action still open — enter opens INC-12"),
        "{text}"
    );
    let effects = press(&mut model, KeyCode::Enter);
    assert_eq!(effects, [Effect::Open(inc(12))]);
    feed(&mut model, Msg::Opened(inc(12), Ok(old_log(12))));
    assert_eq!(model.desk.selected, Some(inc(12)));
}

#[test]
fn the_incident_keys_walk_the_open_incidents_only() {
    let mut model = model();
    // INC-3 resolved a minute ago: held (the desk shows what ended lately), not walked.
    let mut events = vec![super::fixture::declared(700, 3, "P0", "Blip", "bob")];
    events.push(Event {
        seq: 701,
        kind: EventKind::StatusChanged {
            from: Status::Triggered,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        ..events[0].clone()
    });
    feed(&mut model, Msg::Feed(Ok(events)));
    assert!(model.incidents.get(&inc(3)).is_some());
    let mut seen = Vec::new();
    for _ in 0..4 {
        update(&mut model, key(KeyCode::Char(']')));
        seen.push(model.desk.selected.clone().unwrap().number());
    }
    assert_eq!(seen, [2, 1, 2, 1]);
    // From the ended one, `[` goes to the last open one.
    model.desk.selected = Some(inc(3));
    update(&mut model, key(KeyCode::Char('[')));
    assert_eq!(model.desk.selected, Some(inc(2)));
}

#[test]
fn an_ssh_session_keeps_the_past_incident_it_opened_when_the_shared_fold_arrives() {
    use warroom::tui::app::incidents::Incidents;
    // The shared fold of `warroom ssh-serve` holds the open incidents, not INC-12.
    let mut shared = Incidents::default();
    let declared = super::fixture::declared(1, 1, "P1", "Open now", "bob");
    shared.apply_feed(&[declared]);
    let mut session = shared.clone();
    session.backfill(inc(12), old_log(12));
    session.adopt(shared.clone(), Some(&inc(12)));
    assert!(
        session.get(&inc(12)).is_some_and(|t| t.loaded),
        "the one on screen stays, with its log"
    );
    assert!(session.get(&inc(1)).is_some());
    // Once another is on screen, the next fold lets it go.
    session.adopt(shared, Some(&inc(1)));
    assert!(session.get(&inc(12)).is_none());
}
