//! The communicate phase on the desk: the header keeps the public promise in view.

use super::fixture::{draw, events, feed, model, now, theme};
use chrono::Duration;
use warroom::domain::*;
use warroom::tui::app::Msg;

fn screen_text(model: &warroom::tui::app::Model) -> String {
    super::fixture::screen_text(model, 120, 40)
}

#[test]
fn the_header_shows_the_public_promise_and_flags_it_when_broken() {
    let mut model = model();
    assert!(!screen_text(&model).contains("public update by"));
    let published = Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: "alice".into(),
        kind: EventKind::PublicUpdate(PublicUpdate {
            state: PublicState::Identified,
            message: "Rolling back.".into(),
            components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
            next_update_at: Some(now() + Duration::minutes(30)),
            title: None,
        }),
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![published])));
    assert!(screen_text(&model).contains("public update by 14:30"));
    feed(&mut model, Msg::Tick(now() + Duration::minutes(33)));
    let text = screen_text(&model);
    assert!(text.contains("PUBLIC PROMISE BROKEN +03:00"), "{text}");
}

fn press(
    model: &mut warroom::tui::app::Model,
    code: ratatui::crossterm::event::KeyCode,
) -> Vec<warroom::tui::app::Effect> {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    warroom::tui::app::update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn form_field(model: &warroom::tui::app::Model, label: &str) -> String {
    match &model.overlay {
        warroom::tui::app::Overlay::Form(form) => form
            .fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value().to_string())
            .unwrap_or_default(),
        other => panic!("no form open: {other:?}"),
    }
}

/// The demo incident with a decision naming the root cause.
fn model_with_root_cause() -> warroom::tui::app::Model {
    let mut model = model();
    let decision = Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: "alice".into(),
        kind: EventKind::NoteAdded {
            kind: NoteKind::Decision,
            text: "Root cause: LB config push #4812 dropped the health checks".into(),
        },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![decision])));
    model
}

#[test]
fn the_composer_is_prefilled_refills_on_a_state_change_previews_and_confirms() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    assert_eq!(form_field(&model, "State"), "investigating");
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Investigating"
    );
    assert!(
        form_field(&model, "Message")
            .starts_with("We're experiencing elevated error rates on our checkout service.")
    );
    assert_eq!(
        form_field(&model, "Root cause"),
        "LB config push #4812 dropped the health checks"
    );
    assert_eq!(form_field(&model, "Next update"), "30m", "the P1 cadence");

    // Components first (the headline follows the worst), then the state: the template's
    // parts are rewritten for it.
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::BackTab);
    for c in "api=partial_outage".chars() {
        press(&mut model, KeyCode::Char(c));
    }
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Right);
    assert_eq!(form_field(&model, "State"), "identified");
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Partial Outage"
    );
    assert!(form_field(&model, "Message").starts_with("We've identified"));

    // Enter asks first, with the preview of what the public reads; nothing is sent yet.
    assert!(press(&mut model, KeyCode::Enter).is_empty());
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation: {:?}", model.overlay)
    };
    assert!(confirm.prompt.contains("status page"));
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains("🚨 Checkout Incident: Partial Outage"),
        "{preview}"
    );
    assert!(
        preview.contains("🔍 Root Cause: LB config push #4812"),
        "{preview}"
    );
    assert!(preview.contains("✅ Next Update: 14:30 UTC"), "{preview}");
    assert!(
        preview.contains("Components: api Partial Outage"),
        "{preview}"
    );

    let effects = press(&mut model, KeyCode::Char('y'));
    let (id, command) = super::fixture::sent(&effects).expect("one command sent");
    assert_eq!(id, &IncidentId::from_number(1));
    let Command::PublicUpdate(update) = command else {
        panic!("{command:?}")
    };
    assert_eq!(update.state, PublicState::Identified);
    assert_eq!(update.next_update_at, Some(now() + Duration::minutes(30)));
    assert_eq!(update.components["api"], ComponentStatus::PartialOutage);
    assert_eq!(
        update.title.as_deref(),
        Some("Checkout Incident: Partial Outage")
    );
}

#[test]
fn an_edited_message_survives_a_state_change_and_ascii_mode_has_no_emoji() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    model.ascii = true;
    press(&mut model, KeyCode::Char('u'));
    press(&mut model, KeyCode::Char('!'));
    let typed = form_field(&model, "Message");
    for _ in 0..3 {
        press(&mut model, KeyCode::BackTab);
    }
    press(&mut model, KeyCode::Right);
    assert_eq!(form_field(&model, "Message"), typed, "typed text is kept");
    press(&mut model, KeyCode::Enter);
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation")
    };
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains("[!] Checkout Incident: Identified"),
        "{preview}"
    );
    assert!(preview.is_ascii(), "{preview}");
}

#[test]
fn someone_neither_commanding_nor_communicating_is_told_so() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = super::fixture::model_with(false, AccessRole::Responder);
    let relieve = Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: "alice".into(),
        kind: EventKind::RoleRelieved {
            role: Role::Commander,
            person: "alice".into(),
        },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![relieve])));
    press(&mut model, KeyCode::Char('u'));
    assert!(matches!(model.overlay, warroom::tui::app::Overlay::None));
    assert!(screen_text(&model).contains("only the Incident Commander or the Communications Lead"));
}

#[test]
fn the_composer_at_80x24_and_120x40() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    for (name, width, height) in [("composer_80x24", 80, 24), ("composer_120x40", 120, 40)] {
        let mut sized = model.clone();
        feed(&mut sized, Msg::Resize(width, height));
        let terminal = draw(&sized, &theme(), width, height);
        insta::assert_snapshot!(name, terminal.backend());
    }
    press(&mut model, KeyCode::Enter);
    let terminal = draw(&model, &theme(), 120, 40);
    insta::assert_snapshot!("composer_preview_120x40", terminal.backend());
}
