//! Issue 20 item 1 through `update()`: every command goes to the incident that was on screen
//! when the action began (the key, the `:` line, a form, a picker, a confirmation), and the
//! desk never changes the incident shown by itself.

use super::fixture::{declared, feed, model, now, sent};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::ClientError;
use warroom::domain::*;
use warroom::tui::app::{Effect, Model, Msg, Overlay, Sent, update};

/// A key, with the panel refreshes it brings answered; returns the other effects.
fn key(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    feed(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
}

fn inc(n: u64) -> IncidentId {
    IncidentId::from_number(n)
}

/// A P0 declared elsewhere, arriving on the feed.
fn p0_elsewhere(model: &mut Model) {
    feed(
        model,
        Msg::Feed(Ok(vec![declared(900, 9, "P0", "Payments down", "bob")])),
    );
}

/// Whatever might move the screen under an open overlay (news on the feed, a declaration
/// coming back), moved by hand so the binding is tested on its own.
fn screen_moves_to(model: &mut Model, id: IncidentId) {
    model.desk.selected = Some(id);
}

#[test]
fn a_p0_declared_elsewhere_leaves_the_desk_where_it_was() {
    let mut model = model();
    assert_eq!(model.desk.selected, Some(inc(1)));
    p0_elsewhere(&mut model);
    assert_eq!(model.desk.selected, Some(inc(1)));
    assert!(model.bell, "it rings");
    assert!(
        model
            .attention
            .as_ref()
            .unwrap()
            .text
            .contains("NEW P0 INC-9"),
        "{:?}",
        model.attention
    );
}

#[test]
fn a_note_typed_on_the_command_line_goes_to_the_incident_shown_when_colon_was_pressed() {
    let mut model = model();
    key(&mut model, KeyCode::Char(':'));
    type_text(&mut model, "note rolled back");
    p0_elsewhere(&mut model);
    screen_moves_to(&mut model, inc(9));
    type_text(&mut model, " lb-2");
    let effects = key(&mut model, KeyCode::Enter);
    let (incident, command) = sent(&effects).expect("one command");
    assert_eq!(incident, &inc(1));
    assert!(
        matches!(command, Command::AddNote { text, .. } if text == "rolled back lb-2"),
        "{command:?}"
    );
}

#[test]
fn a_form_a_picker_and_a_confirmation_send_to_the_incident_they_opened_on() {
    // The note form.
    let mut model = model();
    key(&mut model, KeyCode::Char('n'));
    type_text(&mut model, "checked the gateway");
    screen_moves_to(&mut model, inc(2));
    let effects = key(&mut model, KeyCode::Enter);
    assert_eq!(sent(&effects).map(|s| s.0), Some(&inc(1)), "{effects:?}");

    // The severity picker names its incident and sets that one's severity.
    let mut model = super::fixture::model();
    key(&mut model, KeyCode::Char('s'));
    let Overlay::Severity(picker) = &model.overlay else {
        panic!("{:?}", model.overlay);
    };
    assert_eq!(picker.incident, inc(1));
    screen_moves_to(&mut model, inc(2));
    let effects = key(&mut model, KeyCode::Char('0'));
    assert_eq!(sent(&effects).map(|s| s.0), Some(&inc(1)), "{effects:?}");

    // The resolve confirmation names INC-1 and resolves INC-1.
    let mut model = super::fixture::model();
    key(&mut model, KeyCode::Char(':'));
    type_text(&mut model, "resolve");
    key(&mut model, KeyCode::Enter);
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("{:?}", model.overlay);
    };
    assert!(confirm.prompt.contains("INC-1"), "{}", confirm.prompt);
    screen_moves_to(&mut model, inc(2));
    let effects = key(&mut model, KeyCode::Char('y'));
    assert_eq!(sent(&effects).map(|s| s.0), Some(&inc(1)), "{effects:?}");
}

#[test]
fn the_line_and_the_forms_name_the_incident_they_act_on() {
    let mut model = model();
    key(&mut model, KeyCode::Char(':'));
    type_text(&mut model, "ack");
    let text = super::fixture::screen_text(&model, 120, 40);
    assert!(text.contains("INC-1 :ack"), "{text}");
    key(&mut model, KeyCode::Esc);
    key(&mut model, KeyCode::Char('n'));
    let text = super::fixture::screen_text(&model, 120, 40);
    assert!(text.contains("Add to the timeline — INC-1"), "{text}");
}

#[test]
fn a_declaration_coming_back_while_a_note_is_typed_leaves_the_screen_and_the_note() {
    let mut model = model();
    key(&mut model, KeyCode::Char(':'));
    type_text(&mut model, "declare P0 Payments down");
    let effects = key(&mut model, KeyCode::Enter);
    let key_sent = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Send { outgoing, .. } => Some(outgoing.key.clone()),
            _ => None,
        })
        .expect("the declaration is sent");
    // Before the backend answers, the commander starts a note for INC-1.
    key(&mut model, KeyCode::Char(':'));
    type_text(&mut model, "note still on INC-1");
    let state = Incident::fold(inc(9), &[declared(900, 9, "P0", "Payments down", "alice")]);
    update(
        &mut model,
        Msg::Sent {
            key: key_sent,
            result: Ok::<_, ClientError>(Sent::Declared(Box::new(state))),
        },
    );
    assert_eq!(model.desk.selected, Some(inc(1)), "the screen stays");
    assert!(
        model.notice.as_ref().unwrap().text.contains(":go INC-9"),
        "{:?}",
        model.notice
    );
    let effects = key(&mut model, KeyCode::Enter);
    assert_eq!(sent(&effects).map(|s| s.0), Some(&inc(1)), "{effects:?}");
}

#[test]
fn another_incident_raised_above_the_one_on_screen_rings() {
    let mut model = model();
    // INC-2 is the P2; raised to P0 by someone else, above INC-1's P1.
    let raised = Event {
        seq: 950,
        incident: inc(2),
        at: now(),
        actor: "dan".into(),
        via: None,
        kind: EventKind::SeverityChanged {
            from: Severity::new("P2"),
            to: Severity::new("P0"),
        },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![raised])));
    assert_eq!(model.desk.selected, Some(inc(1)));
    assert!(model.bell);
    let text = super::fixture::screen_text(&model, 120, 40);
    let banner = text.lines().next().unwrap();
    assert!(
        banner.contains("INC-2 RAISED TO P0") && banner.contains("press [ or l"),
        "{text}"
    );
}
