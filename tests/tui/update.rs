//! `update()` for every key binding and each kind of server rejection.

use super::fixture::{self, model, model_with, now, sent};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use warroom::client::{ClientError, CommandAccepted};
use warroom::domain::*;
use warroom::panels::Purpose;
use warroom::tui::app::outbox::Request;
use warroom::tui::app::{Effect, Link, Model, Msg, Overlay, Pane, Sent, update};

fn key(code: KeyCode) -> Msg {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn press(model: &mut Model, c: char) -> Vec<Effect> {
    update(model, key(KeyCode::Char(c)))
}

fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        assert!(update(model, key(KeyCode::Char(c))).is_empty());
    }
}

fn inc(n: u64) -> IncidentId {
    IncidentId::from_number(n)
}

#[test]
fn the_fixture_follows_the_most_severe_open_incident() {
    let model = model();
    assert_eq!(model.desk.selected, Some(inc(1)));
    assert_eq!(model.feed.link, Link::Live);
    assert_eq!(model.incidents.open_count(), 2);
}

#[test]
fn lifecycle_keys_send_transitions_at_once() {
    for (c, to) in [
        ('a', Status::Acknowledged),
        ('i', Status::Investigating),
        ('m', Status::Mitigated),
    ] {
        let mut model = model();
        let effects = press(&mut model, c);
        assert_eq!(
            sent(&effects),
            Some((&inc(1), &Command::Transition { to })),
            "key {c}"
        );
        assert_eq!(model.outbox.items.len(), 1);
    }
}

#[test]
fn resolve_close_and_cancel_ask_first() {
    for (c, to) in [
        ('r', Status::Resolved),
        ('C', Status::Closed),
        ('X', Status::Cancelled),
    ] {
        let mut model = model();
        assert!(press(&mut model, c).is_empty());
        assert!(matches!(model.overlay, Overlay::Confirm(_)), "key {c}");
        // Anything but yes or no leaves the question open; no sends nothing.
        assert!(press(&mut model, 'z').is_empty());
        assert!(matches!(model.overlay, Overlay::Confirm(_)));
        assert!(press(&mut model, 'n').is_empty());
        assert!(matches!(model.overlay, Overlay::None));
        press(&mut model, c);
        let effects = press(&mut model, 'y');
        assert_eq!(
            sent(&effects),
            Some((&inc(1), &Command::Transition { to })),
            "key {c}"
        );
    }
}

#[test]
fn severity_picker_sends_the_chosen_level() {
    let mut model = model();
    press(&mut model, 's');
    assert!(matches!(model.overlay, Overlay::Severity(_)));
    update(&mut model, key(KeyCode::Up));
    let effects = update(&mut model, key(KeyCode::Enter));
    let severity = Severity::new("P0");
    assert_eq!(
        sent(&effects),
        Some((&inc(1), &Command::SetSeverity { severity }))
    );
    // A digit picks directly (once the backend has answered the first).
    fixture::accept_all(&mut model);
    press(&mut model, 's');
    let effects = press(&mut model, '2');
    let severity = Severity::new("P2");
    assert_eq!(
        sent(&effects),
        Some((&inc(1), &Command::SetSeverity { severity }))
    );
}

#[test]
fn note_and_decision_forms_send_their_kind() {
    for (c, kind) in [('n', NoteKind::Note), ('d', NoteKind::Decision)] {
        let mut model = model();
        press(&mut model, c);
        type_text(&mut model, "rolled back lb-2");
        let effects = update(&mut model, key(KeyCode::Enter));
        let text = "rolled back lb-2".to_string();
        assert_eq!(
            sent(&effects),
            Some((&inc(1), &Command::AddNote { kind, text }))
        );
    }
    // The kind switches with left/right on its field: a note becomes an internal update.
    let mut model = model();
    press(&mut model, 'n');
    update(&mut model, key(KeyCode::BackTab));
    update(&mut model, key(KeyCode::Right));
    update(&mut model, key(KeyCode::Tab));
    type_text(&mut model, "all good");
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(matches!(
        sent(&effects),
        Some((
            _,
            Command::AddNote {
                kind: NoteKind::Update,
                ..
            }
        ))
    ));
}

#[test]
fn an_empty_form_is_not_sent_and_says_why() {
    let mut model = model();
    press(&mut model, 'n');
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    let Overlay::Form(form) = &model.overlay else {
        panic!("the form stays open")
    };
    assert_eq!(form.error.as_deref(), Some("text is empty"));
    update(&mut model, key(KeyCode::Esc));
    assert!(matches!(model.overlay, Overlay::None));
    assert!(model.outbox.items.is_empty());
}

#[test]
fn action_form_sends_text_owner_and_time_box() {
    let mut model = model();
    press(&mut model, 't');
    type_text(&mut model, "page the DB team");
    update(&mut model, key(KeyCode::Tab));
    type_text(&mut model, "erin");
    update(&mut model, key(KeyCode::Tab));
    type_text(&mut model, "15m");
    let effects = update(&mut model, key(KeyCode::Enter));
    let expected = Command::AddAction {
        text: "page the DB team".into(),
        owner: Some("erin".into()),
        due_at: None,
        due_in: Some(900),
    };
    assert_eq!(sent(&effects), Some((&inc(1), &expected)));
}

#[test]
fn role_form_assigns_and_relieves() {
    let mut model = model();
    press(&mut model, 'o');
    type_text(&mut model, "frank");
    let effects = update(&mut model, key(KeyCode::Enter));
    let expected = Command::AssignRole {
        role: Role::Commander,
        person: "frank".into(),
        focus: None,
        brief: None,
    };
    assert_eq!(sent(&effects), Some((&inc(1), &expected)));

    fixture::accept_all(&mut model);
    press(&mut model, 'o');
    update(&mut model, key(KeyCode::Up)); // Role
    update(&mut model, key(KeyCode::Right)); // engineer
    update(&mut model, key(KeyCode::Up)); // Do
    update(&mut model, key(KeyCode::Right)); // relieve
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Down));
    type_text(&mut model, "bob");
    let effects = update(&mut model, key(KeyCode::Enter));
    let expected = Command::RelieveRole {
        role: Role::Engineer,
        person: Some("bob".into()),
    };
    assert_eq!(sent(&effects), Some((&inc(1), &expected)));
}

#[test]
fn space_toggles_the_selected_action_item() {
    let mut model = model();
    model.desk.focus = Pane::Actions;
    update(&mut model, key(KeyCode::Down));
    assert_eq!(model.desk.action_cursor, 1);
    let effects = press(&mut model, ' ');
    assert_eq!(
        sent(&effects),
        Some((&inc(1), &Command::CompleteAction { action: 2 }))
    );
}

#[test]
fn space_reopens_a_done_item() {
    let mut model = model();
    let done = Event {
        seq: 100,
        incident: inc(1),
        at: now(),
        actor: "bob".into(),
        via: None,
        kind: EventKind::ActionCompleted { action: 1 },
        intended_at: None,
    };
    update(&mut model, Msg::Feed(Ok(vec![done])));
    let effects = press(&mut model, ' ');
    assert_eq!(
        sent(&effects),
        Some((&inc(1), &Command::ReopenAction { action: 1 }))
    );
}

#[test]
fn declare_form_sends_a_declaration_and_selects_the_new_incident() {
    let mut model = model();
    press(&mut model, 'D');
    type_text(&mut model, "Payments down");
    update(&mut model, key(KeyCode::Tab));
    update(&mut model, key(KeyCode::Left)); // P1 -> P0
    let effects = update(&mut model, key(KeyCode::Enter));
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let Request::Declare(new) = &outgoing.request else {
        panic!("a declaration")
    };
    assert_eq!(
        (new.title.as_str(), new.severity.as_str()),
        ("Payments down", "P0")
    );
    let mut declared = Incident::blank(inc(3));
    declared.title = "Payments down".into();
    let key = outgoing.key.clone();
    update(
        &mut model,
        Msg::Sent {
            key,
            result: Ok(Sent::Declared(Box::new(declared))),
        },
    );
    assert_eq!(model.desk.selected, Some(inc(3)));
    assert!(model.outbox.items.is_empty());
}

#[test]
fn incident_keys_cycle_and_stop_following() {
    let mut model = model();
    press(&mut model, ']');
    assert_eq!(model.desk.selected, Some(inc(2)));
    press(&mut model, ']');
    assert_eq!(model.desk.selected, Some(inc(1)));
    press(&mut model, '[');
    assert_eq!(model.desk.selected, Some(inc(2)));
}

#[test]
fn tab_cycles_the_focus() {
    let mut model = model();
    let mut seen = vec![model.desk.focus];
    for _ in 0..4 {
        update(&mut model, key(KeyCode::Tab));
        seen.push(model.desk.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Timeline,
            Pane::Actions,
            Pane::Roster,
            Pane::Panels,
            Pane::Alerts
        ]
    );
    // Without an Alertmanager there is no alerts pane to focus.
    let mut model = fixture::model();
    model.metrics.has_alerts = false;
    model.desk.focus = Pane::Panels;
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.desk.focus, Pane::Timeline);
}

#[test]
fn filter_narrows_the_timeline_and_escape_clears_it() {
    let mut model = model();
    press(&mut model, '/');
    type_text(&mut model, "lb-2");
    assert_eq!(model.desk.timeline_filter, "lb-2");
    update(&mut model, key(KeyCode::Enter));
    assert!(matches!(model.overlay, Overlay::None));
    assert_eq!(model.desk.timeline_filter, "lb-2", "enter keeps the filter");
    press(&mut model, '/');
    update(&mut model, key(KeyCode::Esc));
    assert_eq!(model.desk.timeline_filter, "");
}

#[test]
fn command_line_runs_typed_commands_and_reports_mistakes() {
    let mut model = model();
    press(&mut model, ':');
    type_text(&mut model, "sev P0");
    let effects = update(&mut model, key(KeyCode::Enter));
    let severity = Severity::new("P0");
    assert_eq!(
        sent(&effects),
        Some((&inc(1), &Command::SetSeverity { severity }))
    );
    press(&mut model, ':');
    type_text(&mut model, "launch rockets");
    // Nothing is sent; the line is only kept in the history.
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::SaveHistory(_)]),
        "{effects:?}"
    );
    let notice = model.notice.as_ref().unwrap();
    assert!(notice.error && notice.text.contains("unknown command ':launch'"));
    press(&mut model, ':');
    type_text(&mut model, "go INC-2");
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.desk.selected, Some(inc(2)));
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut model = model();
    press(&mut model, '?');
    assert!(matches!(model.overlay, Overlay::Help));
    assert!(
        press(&mut model, 'a').is_empty(),
        "the key closes help, it does not acknowledge"
    );
    assert!(matches!(model.overlay, Overlay::None));
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut model = model();
    press(&mut model, 'q');
    assert!(model.quit);
    let mut model = fixture::model();
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(model.quit);
}

#[test]
fn arrows_scroll_the_timeline_and_page_keys_jump() {
    let mut model = model();
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Char('j')));
    assert_eq!(model.desk.timeline_scroll, 2);
    update(&mut model, key(KeyCode::Up));
    assert_eq!(model.desk.timeline_scroll, 1);
    update(&mut model, key(KeyCode::PageDown));
    let events = model.current().unwrap().events.len();
    assert_eq!(
        model.desk.timeline_scroll,
        events - 1,
        "clamped to the last entry"
    );
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.desk.timeline_scroll, (events - 1).saturating_sub(12));
}

#[test]
fn the_wall_ignores_every_mutating_key() {
    let mut model = model_with(true, AccessRole::Commander);
    for c in [
        'a', 'i', 'm', 'r', 'C', 'X', 's', 'o', 'n', 'd', 't', ' ', 'D', ':',
    ] {
        assert!(press(&mut model, c).is_empty(), "key {c:?}");
        assert!(
            matches!(model.overlay, Overlay::None),
            "key {c:?} opened something"
        );
    }
    assert!(model.outbox.items.is_empty());
}

#[test]
fn a_viewer_is_told_instead_of_sending() {
    let mut model = model_with(false, AccessRole::Viewer);
    assert!(press(&mut model, 'm').is_empty());
    assert_eq!(
        model.notice.as_ref().unwrap().text,
        "you are a viewer: this needs commander"
    );
    // A responder may add notes but not drive the state.
    let mut model = model_with(false, AccessRole::Responder);
    assert!(press(&mut model, 'r').is_empty());
    assert!(matches!(model.overlay, Overlay::None));
    press(&mut model, 'n');
    assert!(matches!(model.overlay, Overlay::Form(_)));
}

fn api(status: u16, code: &str, message: &str) -> ClientError {
    ClientError::Api {
        status,
        code: code.into(),
        message: message.into(),
    }
}

#[test]
fn each_kind_of_rejection_lands_on_the_status_line_and_drops_the_command() {
    let rejections = [
        api(
            422,
            "invalid_transition",
            "only a resolved incident can be closed",
        ),
        api(409, "version_conflict", "the incident is at version 14"),
        api(403, "forbidden", "this needs the commander role"),
        api(404, "not_found", "no incident INC-1"),
        api(400, "bad_request", "unknown field"),
        api(401, "unauthorized", "unknown token"),
        api(413, "payload_too_large", "the body is over 64 KiB"),
    ];
    for rejection in rejections {
        let mut model = model();
        let effects = press(&mut model, 'm');
        let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
            panic!()
        };
        let key = outgoing.key.clone();
        let message = rejection.reason();
        let effects = update(
            &mut model,
            Msg::Sent {
                key,
                result: Err(rejection),
            },
        );
        assert!(effects.is_empty(), "a refusal is not retried");
        assert!(model.outbox.items.is_empty());
        let notice = model.notice.as_ref().unwrap();
        assert!(
            notice.error && notice.text.ends_with(&message),
            "{}",
            notice.text
        );
    }
}

#[test]
fn an_unreachable_backend_keeps_the_command_and_retries_with_the_same_key() {
    let mut model = model();
    let effects = press(&mut model, 'm');
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!()
    };
    let first = outgoing.clone();
    for (attempt, expected_delay) in [(1, 500), (2, 1000), (3, 2000), (4, 4000), (5, 4000)] {
        let error = ClientError::Unreachable("http://x: connection failed".into());
        let effects = update(
            &mut model,
            Msg::Sent {
                key: first.key.clone(),
                result: Err(error),
            },
        );
        let [Effect::Send { outgoing, delay }] = effects.as_slice() else {
            panic!("attempt {attempt}")
        };
        assert_eq!(outgoing, &first, "same request, same key");
        assert_eq!(*delay, Duration::from_millis(expected_delay));
        assert_eq!(model.outbox.items.len(), 1);
    }
    let accepted = CommandAccepted {
        version: 20,
        events: vec![],
    };
    update(
        &mut model,
        Msg::Sent {
            key: first.key,
            result: Ok(Sent::Command(accepted)),
        },
    );
    assert!(model.outbox.items.is_empty());
    // 5xx answers count as "try again", like silence.
    let effects = press(&mut model, 'i');
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!()
    };
    let key = outgoing.key.clone();
    let effects = update(
        &mut model,
        Msg::Sent {
            key,
            result: Err(api(500, "internal", "disk full")),
        },
    );
    assert!(matches!(effects.as_slice(), [Effect::Send { .. }]));
}

#[test]
fn the_feed_marks_the_link_down_and_up_again() {
    let mut model = model();
    update(&mut model, Msg::Tick(now() + chrono::Duration::seconds(3)));
    let error = ClientError::Unreachable("x".into());
    let effects = update(&mut model, Msg::Feed(Err(error.clone())));
    let since = now() + chrono::Duration::seconds(3);
    assert_eq!(model.feed.link, Link::Down { since });
    let [Effect::PollFeed { delay, .. }] = effects.as_slice() else {
        panic!()
    };
    assert_eq!(*delay, Duration::from_millis(500));
    update(&mut model, Msg::Tick(now() + chrono::Duration::seconds(9)));
    update(&mut model, Msg::Feed(Err(error)));
    assert_eq!(
        model.feed.link,
        Link::Down { since },
        "the outage started at the first failure"
    );
    let effects = update(&mut model, Msg::Feed(Ok(vec![])));
    assert_eq!(model.feed.link, Link::Live);
    let cursor = model.incidents.cursor;
    assert_eq!(
        effects,
        [Effect::PollFeed {
            after: cursor,
            wait: warroom::tui::app::FEED_WAIT,
            delay: Duration::ZERO
        }]
    );
}

#[test]
fn feed_events_of_an_unknown_incident_ask_for_its_history_only_when_it_reopens() {
    let mut model = model();
    let stray = Event {
        seq: 500,
        incident: inc(9),
        at: now(),
        actor: "x".into(),
        via: None,
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: "hello".into(),
        },
        intended_at: None,
    };
    // A note on an old incident this screen does not hold (its review edited, say) is not
    // the screen's news: nothing is fetched, nothing is held.
    let effects = update(&mut model, Msg::Feed(Ok(vec![stray.clone()])));
    assert!(!effects.contains(&Effect::Backfill(inc(9))), "{effects:?}");
    assert!(model.incidents.get(&inc(9)).is_none());
    // Reopened, it burns again: its whole log is fetched.
    let reopened = Event {
        seq: 501,
        kind: EventKind::StatusChanged {
            from: Status::Resolved,
            to: Status::Investigating,
            reason: None,
            commander: None,
        },
        ..stray
    };
    let effects = update(&mut model, Msg::Feed(Ok(vec![reopened])));
    assert!(effects.contains(&Effect::Backfill(inc(9))), "{effects:?}");
}

#[test]
fn p_pins_every_panel_value_to_the_timeline() {
    let mut model = model();
    let effects = press(&mut model, 'p');
    let Some((
        id,
        Command::RecordSnapshot {
            reason,
            values,
            as_of,
        },
    )) = sent(&effects)
    else {
        panic!("{effects:?}")
    };
    assert_eq!((id, *reason), (&inc(1), SnapshotReason::Pin));
    // Read at the evidence step: as of the last 15 s boundary (now is one).
    assert_eq!(*as_of, Some(now()));
    // Three endpoints on two panels, one series on the third.
    assert_eq!(values.len(), 7);
    let checkout = &values[0];
    assert_eq!(
        (checkout.panel.as_str(), checkout.series.as_str()),
        ("5xx error ratio", "/api/checkout")
    );
    assert!(checkout.breached && checkout.value.ends_with('%'));
}

#[test]
fn impact_start_is_proposed_from_the_main_panel_and_can_be_edited() {
    let mut model = model();
    assert!(press(&mut model, 'I').is_empty());
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("a proposal")
    };
    let Command::SetImpactStart { at, .. } = confirm.command else {
        panic!()
    };
    // The fixture's impact began 18 minutes before now; the proposal is the first sample of
    // the breach, at most one evidence step after it, whatever step the chart's width chose.
    let began = now() - chrono::Duration::minutes(18);
    let main = model.metrics.main_panel().unwrap();
    let step = main.evidence.data().unwrap().window.step;
    assert_eq!(step, Duration::from_secs(15));
    let step = chrono::Duration::from_std(step).unwrap();
    assert!(
        at > began && at <= began + step,
        "{at} for a step of {step}"
    );
    assert!(confirm.detail[0].starts_with("First breach of 5xx error ratio"));
    let effects = press(&mut model, 'y');
    assert_eq!(
        sent(&effects),
        Some((
            &inc(1),
            &Command::SetImpactStart {
                at,
                after_detection: true
            }
        ))
    );
    // e puts the proposal on the command line to edit.
    press(&mut model, 'I');
    press(&mut model, 'e');
    let Overlay::CommandLine(input) = &model.overlay else {
        panic!("the command line")
    };
    assert!(
        input.input.value().starts_with("impact 2026-11-25T13:4"),
        "{}",
        input.input.value()
    );
}

#[test]
fn asking_for_the_impact_start_before_prometheus_answers_says_so_not_no_breach() {
    let mut waiting = fixture::model_before_prometheus();
    press(&mut waiting, 'I');
    assert!(matches!(waiting.overlay, Overlay::None));
    let notice = waiting.notice.as_ref().expect("a notice");
    assert!(
        notice.error && notice.text.contains("evidence has not arrived yet"),
        "{}",
        notice.text
    );
    // With the panels answered, the same key proposes.
    let mut model = model();
    press(&mut model, 'I');
    assert!(matches!(model.overlay, Overlay::Confirm(_)));
}

#[test]
fn resolve_shows_the_evidence_and_sends_the_snapshot_after_the_resolve() {
    let mut model = model();
    press(&mut model, 'r');
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("a confirmation")
    };
    assert!(
        confirm.detail[0].starts_with("CAUTION: 5xx error ratio /api/checkout"),
        "{:?}",
        confirm.detail
    );
    let effects = press(&mut model, 'y');
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!()
    };
    let key = outgoing.key.clone();
    let accepted = CommandAccepted {
        version: 30,
        events: vec![],
    };
    let effects = update(
        &mut model,
        Msg::Sent {
            key,
            result: Ok(Sent::Command(accepted)),
        },
    );
    let Some((
        _,
        Command::RecordSnapshot {
            reason,
            values,
            as_of,
        },
    )) = sent(&effects)
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*reason, SnapshotReason::Resolve);
    assert_eq!(*as_of, Some(now()));
    assert!(
        values.iter().all(|v| v.before.is_some()),
        "before and after: {values:?}"
    );
}

#[test]
fn an_incident_is_declared_from_the_selected_alert() {
    let mut model = model();
    model.desk.focus = Pane::Alerts;
    press(&mut model, 'A');
    let Overlay::Form(form) = &model.overlay else {
        panic!("the declare form")
    };
    assert_eq!(
        form.fields[0].value(),
        "5xx ratio above 5% on /api/checkout"
    );
    assert_eq!(form.fields[1].value(), "P0", "severity=critical maps to P0");
    assert_eq!(form.fields[2].value(), "checkout");
    let effects = update(&mut model, key(KeyCode::Enter));
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let Request::Declare(new) = &outgoing.request else {
        panic!()
    };
    assert_eq!(new.alerts.len(), 1);
    assert_eq!(new.alerts[0].name, "CheckoutHighErrorRate");
    assert_eq!(new.detected_at, Some(new.alerts[0].starts_at));
}

/// Declares INC-3 here (a copy of INC-1 on `checkout`), the backend's answer in but not yet
/// its declaration on the feed; returns that declaration, for the feed to bring.
fn declare_inc3_here(model: &mut Model) -> Event {
    press(model, 'D');
    type_text(model, "Checkout again");
    let effects = update(model, key(KeyCode::Enter));
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!()
    };
    // INC-3 knows only when it was detected; its panel shows INC-1's breach, which began
    // four minutes before that.
    let events = fixture::events();
    let mut kind = events[0].kind.clone();
    if let EventKind::Declared {
        impact_started_at, ..
    } = &mut kind
    {
        *impact_started_at = None;
    }
    let declaration = Event {
        incident: inc(3),
        seq: 1000,
        kind,
        ..events[0].clone()
    };
    let declared = Incident::fold(inc(3), std::slice::from_ref(&declaration));
    // Until the feed brings INC-3 its service is unknown: the panels ask for every series.
    feed_inc1_curves(
        model,
        Msg::Sent {
            key: outgoing.key.clone(),
            result: Ok(Sent::Declared(Box::new(declared))),
        },
    );
    declaration
}

/// Runs `msg`, the panels answering with INC-1's curves whatever is on screen.
fn feed_inc1_curves(model: &mut Model, msg: Msg) {
    let inc1 = Incident::fold(inc(1), &fixture::events());
    fixture::feed_curves_of(model, msg, &inc1);
}

#[test]
fn declaring_here_offers_the_impact_start_once_the_main_panel_can_tell() {
    let mut model = model();
    let declaration = declare_inc3_here(&mut model);
    assert!(
        matches!(model.overlay, Overlay::None),
        "no data for the new incident yet"
    );
    // INC-3's declaration on the feed (the same service as INC-1's): its panels are
    // fetched for its service and, with data in, the proposal is offered on a line; no
    // dialog opens by itself.
    feed_inc1_curves(&mut model, Msg::Feed(Ok(vec![declaration])));
    assert_eq!(model.desk.selected, Some(inc(3)));
    assert!(
        matches!(model.overlay, Overlay::None),
        "{:?}",
        model.overlay
    );
    assert_eq!(model.offer.as_ref().map(|o| &o.incident), Some(&inc(3)));
    press(&mut model, 'I');
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("the proposal")
    };
    assert!(matches!(confirm.command, Command::SetImpactStart { .. }));
    assert_eq!(confirm.incident, inc(3));
}

#[test]
fn an_offer_arriving_while_a_note_is_typed_takes_no_key_and_changes_nothing() {
    let mut model = model();
    let declaration = declare_inc3_here(&mut model);
    // The commander starts a note on INC-3; the panel's data arrives mid-word.
    press(&mut model, 'n');
    type_text(&mut model, "rolled back");
    feed_inc1_curves(&mut model, Msg::Feed(Ok(vec![declaration])));
    assert!(model.offer.is_some(), "offered");
    // `n`, `A`, `I`, `y` and Enter go into the note, as typed.
    type_text(&mut model, " nAIy");
    let effects = update(&mut model, key(KeyCode::Enter));
    let sent: Vec<_> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { outgoing, .. } => Some(outgoing.request.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        matches!(&sent[0], Request::Command { incident, command: Command::AddNote { text, .. } }
            if *incident == inc(3) && text == "rolled back nAIy"),
        "{sent:?}"
    );
    assert!(matches!(model.overlay, Overlay::None));
    assert!(model.offer.is_some(), "the offer waits for I");
}

#[test]
fn a_wall_running_for_days_keeps_a_bounded_number_of_ended_incidents() {
    let mut model = model_with(true, AccessRole::Viewer);
    let scale = SeverityScale::default();
    let mut seq = 10_000;
    for n in 100..160 {
        let new = NewIncident {
            title: format!("blip {n}"),
            severity: Severity::new("P2"),
            service: None,
            summary: None,
            started_at: None,
            detected_at: None,
            alerts: vec![],
        };
        let mut batch = Vec::new();
        for kind in declare(new, now(), &scale).unwrap() {
            seq += 1;
            batch.push(Event {
                seq,
                incident: inc(n),
                at: now(),
                actor: "x".into(),
                via: None,
                kind,
                intended_at: None,
            });
        }
        seq += 1;
        let resolved = EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        };
        batch.push(Event {
            seq,
            incident: inc(n),
            at: now(),
            actor: "x".into(),
            via: None,
            kind: resolved,
            intended_at: None,
        });
        update(&mut model, Msg::Feed(Ok(batch)));
    }
    let ordered = model.incidents.ordered(&scale);
    let ended = ordered.iter().filter(|i| !i.status.is_open()).count();
    assert_eq!(ended, warroom::tui::app::incidents::ENDED_KEPT);
    assert_eq!(
        ordered.len(),
        2 + warroom::tui::app::incidents::ENDED_KEPT,
        "both open ones stay"
    );
    assert_eq!(
        model.desk.selected,
        Some(inc(1)),
        "the wall still follows the most severe open one"
    );
}

#[test]
fn the_wall_redraws_once_a_minute_except_near_the_update_deadline() {
    let seconds = chrono::Duration::seconds;
    let mut wall = model_with(true, AccessRole::Viewer);
    // The fixture's clock is 14:00:00; 14:00:30 is the same minute, 14:01:00 a new one.
    update(&mut wall, Msg::Tick(now() + seconds(30)));
    assert!(!wall.dirty, "same minute: nothing on the wall changes");
    update(&mut wall, Msg::Tick(now() + seconds(60)));
    assert!(wall.dirty, "a new minute is drawn");
    // Within two minutes of the update deadline the wall counts seconds again.
    let due = wall
        .current()
        .unwrap()
        .state
        .update_due_at(&wall.scale)
        .unwrap();
    update(&mut wall, Msg::Tick(due - seconds(90)));
    update(&mut wall, Msg::Tick(due - seconds(89)));
    assert!(wall.dirty, "seconds are shown near the deadline");
    // The desk shows seconds everywhere.
    let mut desk = model();
    update(&mut desk, Msg::Tick(now() + seconds(1)));
    assert!(desk.dirty);
}

#[test]
fn switching_incidents_never_puts_two_requests_per_panel_in_flight() {
    let mut model = model();
    let later = now() + chrono::Duration::minutes(5);
    type Refresh = (usize, u64, warroom::prometheus::RangeWindow, Purpose);
    let refreshes = |effects: &[Effect]| -> Vec<Refresh> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::RefreshPanel {
                    index,
                    generation,
                    window,
                    purpose,
                    ..
                } => Some((*index, *generation, *window, *purpose)),
                _ => None,
            })
            .collect()
    };
    let out = refreshes(&update(&mut model, Msg::Tick(later)));
    assert_eq!(out.len(), 6, "every panel's chart and evidence are due");
    // ] shows INC-2, another service: its panels must wait for the requests still out.
    assert!(refreshes(&press(&mut model, ']')).is_empty());
    assert!(refreshes(&press(&mut model, '[')).is_empty());
    assert!(refreshes(&press(&mut model, ']')).is_empty());
    // Each old answer frees its panel, which asks again for the service now on screen.
    for (index, generation, window, purpose) in out {
        let answer = Msg::PanelData {
            index,
            generation,
            window,
            purpose,
            result: Ok(vec![]),
        };
        let again = refreshes(&update(&mut model, answer));
        assert_eq!(again.len(), 1, "panel {index} asks once more");
        assert_eq!((again[0].0, again[0].3), (index, purpose));
        assert_ne!(again[0].1, generation, "for the new service");
    }
}

#[test]
fn answers_that_change_nothing_on_screen_are_not_drawn() {
    let mut model = model();
    model.metrics.refresh_all();
    let effects = update(&mut model, Msg::Tick(now()));
    let Some(Effect::RefreshPanel {
        index,
        generation,
        window,
        purpose,
        ..
    }) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::RefreshPanel { index: 0, .. }))
    else {
        panic!("the main panel refreshes")
    };
    // The same points again: nothing to draw.
    let same = model
        .metrics
        .main_panel()
        .unwrap()
        .state
        .data()
        .unwrap()
        .series
        .clone();
    update(
        &mut model,
        Msg::PanelData {
            index,
            generation,
            window,
            purpose,
            result: Ok(same.clone()),
        },
    );
    assert!(!model.dirty);
    // A new point is drawn.
    model.metrics.refresh_all();
    let effects = update(&mut model, Msg::Tick(now()));
    let Some(Effect::RefreshPanel {
        index,
        generation,
        window,
        purpose,
        ..
    }) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::RefreshPanel { index: 0, .. }))
    else {
        panic!()
    };
    let mut moved = same;
    moved[0].points.last_mut().unwrap().1 = 0.5;
    update(
        &mut model,
        Msg::PanelData {
            index,
            generation,
            window,
            purpose,
            result: Ok(moved),
        },
    );
    assert!(model.dirty);
    // The same alerts again: nothing to draw.
    let alerts = model.metrics.alerts.alerts.clone();
    update(&mut model, Msg::Alerts(Ok(alerts)));
    assert!(!model.dirty);
    update(&mut model, Msg::Alerts(Ok(vec![])));
    assert!(model.dirty);
}

#[test]
fn an_empty_feed_answer_after_an_outage_is_drawn() {
    let mut model = model();
    update(&mut model, Msg::Feed(Ok(vec![])));
    assert!(!model.dirty, "nothing new while live");
    update(
        &mut model,
        Msg::Feed(Err(ClientError::Unreachable("x".into()))),
    );
    assert!(model.dirty);
    update(&mut model, Msg::Feed(Ok(vec![])));
    assert!(model.dirty, "the disconnected banner must go at once");
    assert_eq!(model.feed.link, Link::Live);
}

#[test]
fn a_fresh_screen_starts_from_the_folded_incidents_not_the_whole_log() {
    let mut model = model();
    let folded = |n: u64, version: u64, status: Status| {
        let mut incident = Incident::blank(inc(n));
        incident.version = version;
        incident.status = status;
        incident
    };
    let mut listed = vec![
        folded(1, 40, Status::Triggered),
        folded(2, 7, Status::Resolved),
    ];
    listed.extend((3..=30).map(|n| folded(n, n, Status::Closed)));
    let effects = update(&mut model, Msg::Started(Ok(listed)));
    let backfilled: Vec<u64> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Backfill(id) => Some(id.number()),
            _ => None,
        })
        .collect();
    // The open incident's log only: the ended ones are shown from their folded state until
    // one is on screen.
    assert_eq!(backfilled, [1]);
    assert!(
        effects.contains(&Effect::PollFeed {
            after: 40,
            wait: Duration::ZERO,
            delay: Duration::ZERO
        }),
        "the feed is followed from the newest seq, not from the start: {effects:?}"
    );

    let effects = update(
        &mut model,
        Msg::Started(Err(ClientError::Unreachable("x".into()))),
    );
    assert!(matches!(model.feed.link, Link::Down { .. }));
    assert!(matches!(effects.as_slice(), [Effect::Start { .. }]));
}

#[test]
fn an_ended_incidents_log_is_loaded_while_it_is_shown_and_let_go_after() {
    use warroom::tui::app::incidents::Incidents;
    let folded = |n: u64, status: Status| {
        let mut incident = Incident::blank(inc(n));
        incident.version = n;
        incident.status = status;
        incident
    };
    let ended = |n: u64, minutes_ago: i64| {
        let mut incident = folded(n, Status::Resolved);
        incident.resolved_at = Some(now() - chrono::Duration::minutes(minutes_ago));
        incident
    };
    let mut incidents = Incidents::default();
    let listed = vec![folded(1, Status::Investigating), ended(2, 5), ended(3, 61)];
    assert_eq!(
        incidents.start(listed, now()),
        [inc(1)],
        "the open one's log is fetched"
    );
    assert!(
        incidents.get(&inc(3)).is_none(),
        "ended more than an hour ago: not held"
    );
    assert_eq!(
        incidents.get(&inc(2)).map(|t| t.state.status),
        Some(Status::Resolved)
    );
    assert_eq!(
        incidents.log_wanted(Some(&inc(1))),
        None,
        "asked for at the start"
    );
    // INC-2 on screen: its log is asked for once, not on every update.
    assert_eq!(incidents.log_wanted(Some(&inc(2))), Some(inc(2)));
    assert_eq!(incidents.log_wanted(Some(&inc(2))), None);
    let note = |seq| Event {
        seq,
        incident: inc(2),
        at: now(),
        actor: "x".into(),
        via: None,
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: format!("note {seq}"),
        },
        intended_at: None,
    };
    let resolved = Event {
        kind: EventKind::StatusChanged {
            from: Status::Investigating,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        ..note(2)
    };
    incidents.backfill(inc(2), vec![note(1), resolved]);
    assert!(
        incidents
            .get(&inc(2))
            .is_some_and(|t| t.loaded && t.events.len() == 2)
    );
    // Still shown: kept. Another shown: let go, state kept; shown again: asked again.
    incidents.unload_ended(Some(&inc(2)));
    assert!(incidents.get(&inc(2)).is_some_and(|t| t.loaded));
    incidents.unload_ended(Some(&inc(1)));
    let kept = incidents.get(&inc(2)).unwrap();
    assert!(!kept.loaded && kept.events.is_empty());
    assert_eq!(kept.state.version, 2);
    assert_eq!(incidents.log_wanted(Some(&inc(2))), Some(inc(2)));
}

/// The default panels with a Prometheus and no `[[panels]]` of the user's.
fn first_run() -> Model {
    use warroom::config::Config;
    use warroom::panels::MetricsSettings;
    let settings =
        MetricsSettings::from_config(&Config::default(), &SeverityScale::default()).unwrap();
    assert!(settings.detect_if_empty, "no [[panels]] configured");
    let options = warroom::tui::app::Options {
        wall: false,
        demo: false,
        keymap: warroom::tui::keymap::KeyMap::default(),
        metrics: warroom::tui::app::panel_state::Metrics::new(settings, true, false),
        attention_from: None,
    };
    let mut model = Model::new(options, now());
    model.size = (120, 40);
    model
}

/// Answers every panel refresh among `effects` with `series`; returns the other effects.
fn answer_panels(
    model: &mut Model,
    effects: Vec<Effect>,
    series: &[warroom::prometheus::Series],
) -> Vec<Effect> {
    let mut others = Vec::new();
    for effect in effects {
        match effect {
            Effect::RefreshPanel {
                index,
                generation,
                window,
                purpose,
                ..
            } => {
                let msg = Msg::PanelData {
                    index,
                    generation,
                    window,
                    purpose,
                    result: Ok(series.to_vec()),
                };
                others.extend(update(model, msg));
            }
            other => others.push(other),
        }
    }
    others
}

#[test]
fn default_panels_that_draw_nothing_make_way_for_detected_ones_once() {
    use warroom::panels::detect::conventions::CONVENTIONS;
    use warroom::panels::detect::propose::{self, Binding};
    use warroom::panels::detect::{Detection, Proposal};
    use warroom::tui::app::panel_state::SAVE_COMMAND;

    let mut model = first_run();
    let mut refreshes = update(&mut model, Msg::Tick(now()));
    assert_eq!(refreshes.len(), 6, "charts and evidence: {refreshes:?}");
    // Two empty charts (and every evidence) are not yet all of them.
    let last_chart = refreshes
        .iter()
        .rposition(|e| {
            matches!(
                e,
                Effect::RefreshPanel {
                    purpose: Purpose::Chart,
                    ..
                }
            )
        })
        .unwrap();
    let last = refreshes.remove(last_chart);
    assert!(answer_panels(&mut model, refreshes, &[]).is_empty());
    let detect = answer_panels(&mut model, vec![last], &[]);
    assert_eq!(detect, [Effect::DetectPanels { service: None }]);

    let spring = CONVENTIONS
        .iter()
        .find(|c| c.requests == "http_server_requests_seconds_count")
        .unwrap();
    let binding = Binding {
        status: "status",
        service: Some("application"),
        route: Some("uri"),
    };
    let detection = Detection {
        proposals: vec![Proposal {
            convention: spring,
            panels: propose::panels(spring, &binding, true, true, ""),
            binding,
            services: vec!["checkout".into()],
            checked_with: None,
            notes: vec![],
        }],
        passed_over: vec![],
        api_calls: 7,
    };
    let refreshes = update(&mut model, Msg::PanelsDetected(Ok(detection)));
    let exprs: Vec<_> = refreshes
        .iter()
        .filter_map(|e| match e {
            Effect::RefreshPanel { expr, .. } => Some(expr.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(exprs.len(), 6, "the detected panels are asked at once");
    assert!(
        exprs
            .iter()
            .all(|e| e.contains("http_server_requests_seconds")),
        "{exprs:?}"
    );
    let note = model.metrics.detected.clone().unwrap();
    assert!(
        note.contains("Spring Boot") && note.contains(SAVE_COMMAND),
        "{note}"
    );
    let screen = fixture::draw(&model, &fixture::theme(), 120, 40);
    let text: String = screen
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains(SAVE_COMMAND), "the note is on screen");

    // The detected panels drawing nothing too is not a reason to detect again.
    assert!(
        !answer_panels(&mut model, refreshes, &[])
            .iter()
            .any(|e| matches!(e, Effect::DetectPanels { .. }))
    );
}

#[test]
fn default_panels_with_data_are_kept() {
    let mut model = first_run();
    let refreshes = update(&mut model, Msg::Tick(now()));
    let series = warroom::prometheus::Series {
        labels: Default::default(),
        points: vec![(now().timestamp() as f64, 0.5)],
    };
    let others = answer_panels(&mut model, refreshes, &[series]);
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(model.metrics.detected, None);
}

/// Issue 22: `a` on a page whose seat is vacant: the confirmation line says the backend made
/// the acknowledger commander; `:merge INC-2` sends the merge of the incident on screen.
#[test]
fn the_acknowledgement_says_who_takes_command_and_merge_is_typed() {
    let mut model = model();
    let effects = press(&mut model, 'a');
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let Request::Command { incident, command } = &outgoing.request else {
        panic!("a command")
    };
    assert_eq!(
        command,
        &Command::Transition {
            to: Status::Acknowledged
        }
    );
    let event = Event {
        seq: 40,
        incident: incident.clone(),
        at: now(),
        actor: "alice".into(),
        via: None,
        kind: EventKind::StatusChanged {
            from: Status::Triggered,
            to: Status::Acknowledged,
            reason: None,
            commander: Some("alice".into()),
        },
        intended_at: None,
    };
    let accepted = CommandAccepted {
        version: 40,
        events: vec![event],
    };
    update(
        &mut model,
        Msg::Sent {
            key: outgoing.key.clone(),
            result: Ok(Sent::Command(accepted)),
        },
    );
    let line = &model.notice.as_ref().unwrap().text;
    assert_eq!(
        line,
        &format!("done: → acknowledged {incident} — alice takes command")
    );

    press(&mut model, ':');
    type_text(&mut model, "merge INC-2");
    let effects = update(&mut model, key(KeyCode::Enter));
    let [.., Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(matches!(
        &outgoing.request,
        Request::Command { incident, command: Command::MergeInto { into } }
            if *into == inc(2) && *incident == inc(1)
    ));
}
