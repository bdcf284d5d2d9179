//! Every network string the TUI draws, made hostile: bidi overrides and isolates, zero-width
//! characters and escape sequences in titles, names, notes, severities, alert labels and
//! legends. Every cell of the drawn screen is checked, not the text before drawing. ratatui
//! silently drops control and zero-width characters on its own, which hid a missing
//! `sanitize` before; so the check is also that the gate's mark is there: wherever the
//! escape's visible rest `[2J` is drawn, the cells before it hold U+FFFD, not the text.

use super::fixture::{draw, feed, now, theme};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::Identity;
use warroom::domain::*;
use warroom::tui::app::{Model, Msg, Options, Overlay, update};
use warroom::tui::keymap::KeyMap;

/// Bidi controls, zero-width characters and an escape sequence.
const HOSTILE: &str = "\u{202E}\u{2066}\u{061C}\u{200F}\u{200B}\u{200D}\u{FEFF}\u{1b}[2J\u{9b}";

fn hostile(text: &str) -> String {
    format!("{text}{HOSTILE}x")
}

fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}'
            | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

fn event(seq: u64, actor: &str, kind: EventKind) -> Event {
    Event {
        seq,
        incident: IncidentId::from_number(1),
        at: now() - Duration::minutes(30) + Duration::seconds(seq as i64),
        actor: hostile(actor),
        via: None,
        kind,
        intended_at: None,
    }
}

fn hostile_events() -> Vec<Event> {
    let alert = AlertRef {
        fingerprint: hostile("fp"),
        name: hostile("HighErrorRatio"),
        summary: Some(hostile("5xx on /pay")),
        labels: [(hostile("endpoint"), hostile("/pay"))].into(),
        starts_at: now() - Duration::minutes(31),
    };
    let kinds = vec![
        EventKind::Declared {
            title: hostile("Checkout down"),
            severity: Severity::new(hostile("P0")),
            service: Some(hostile("checkout")),
            summary: Some(hostile("summary")),
            impact_started_at: None,
            detected_at: now() - Duration::minutes(30),
            acknowledged: true,
        },
        EventKind::RoleAssigned {
            role: Role::Commander,
            person: hostile("alice"),
            focus: None,
        },
        EventKind::RoleAssigned {
            role: Role::Engineer,
            person: hostile("bob"),
            focus: Some(hostile("lb")),
        },
        EventKind::NoteAdded {
            kind: NoteKind::Update,
            text: hostile("rolling back"),
        },
        EventKind::ActionAdded {
            action: 1,
            text: hostile("diff lb-2"),
            owner: Some(hostile("bob")),
            due_at: Some(now() + Duration::minutes(10)),
        },
        EventKind::AlertAttached {
            alert,
            group: Some(hostile("group")),
        },
        EventKind::MetricSnapshot {
            reason: SnapshotReason::Pin,
            values: vec![SnapshotValue {
                panel: hostile("5xx"),
                series: hostile("/pay"),
                before: Some(hostile("12%")),
                value: hostile("1%"),
                breached: true,
            }],
            as_of: None,
        },
        EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Investigating,
            reason: Some(hostile("reason")),
            commander: None,
        },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| event(i as u64 + 1, "erin", kind))
        .collect()
}

fn hostile_model(wall: bool) -> Model {
    let options = Options {
        wall,
        demo: false,
        keymap: KeyMap::default(),
        metrics: super::fixture::metrics(true, true),
        attention_from: None,
    };
    let mut model = Model::new(options, now());
    model.size = (200, 50);
    let levels = vec![
        SeverityLevel {
            name: Severity::new(hostile("P0")),
            description: hostile("all down"),
            update_every_minutes: 15,
        },
        SeverityLevel {
            name: Severity::new("P1"),
            description: hostile("degraded"),
            update_every_minutes: 30,
        },
    ];
    feed(&mut model, Msg::Severities(Ok(levels)));
    let identity = Identity {
        person: hostile("alice"),
        role: AccessRole::Commander,
    };
    feed(&mut model, Msg::Identity(Ok(identity)));
    feed(&mut model, Msg::Feed(Ok(hostile_events())));
    model
}

#[track_caller]
fn assert_every_cell_is_safe(model: &Model, what: &str) {
    assert_every_cell_is_safe_at(model, what, (200, 50));
}

#[track_caller]
fn assert_every_cell_is_safe_at(model: &Model, what: &str, (width, height): (u16, u16)) {
    let mut model = model.clone();
    super::fixture::feed(&mut model, Msg::Resize(width, height));
    let terminal = draw(&model, &theme(), width, height);
    let buffer = terminal.backend().buffer();
    let mut rows = vec![String::new(); usize::from(height)];
    let columns = usize::from(width);
    for (i, cell) in buffer.content().iter().enumerate() {
        let (x, y) = (i % columns, i / columns);
        if let Some(c) = cell.symbol().chars().find(|&c| is_hostile(c)) {
            panic!("{what}: U+{:04X} drawn at ({x}, {y})", c as u32);
        }
        rows[y].push_str(cell.symbol());
    }
    let mut marked = 0;
    for (y, row) in rows.iter().enumerate() {
        for (at, _) in row.match_indices("[2J") {
            let before: Vec<char> = row[..at].chars().rev().take(2).collect();
            // A popup's border may cover the marks of the text under it.
            let covered = before.first() == Some(&'│');
            assert!(
                covered || before.iter().all(|&c| c == '\u{FFFD}'),
                "{what}: row {y} drew hostile text past the gate: {row}"
            );
            marked += 1;
        }
    }
    assert!(marked > 0, "{what}: nothing hostile was drawn at all");
}

fn key(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn no_hostile_character_reaches_a_cell_on_the_desk_the_wall_or_an_overlay() {
    let desk = hostile_model(false);
    assert_every_cell_is_safe(&desk, "desk");
    assert_every_cell_is_safe(&hostile_model(true), "wall");
    // The severity picker lists the backend's scale.
    let mut picker = desk.clone();
    key(&mut picker, KeyCode::Char('s'));
    assert!(
        matches!(picker.overlay, warroom::tui::app::Overlay::Severity(_)),
        "{:?} {:?}",
        picker.overlay,
        picker.notice
    );
    assert_every_cell_is_safe(&picker, "severity picker");
    // The declare form offers the scale's names as choices.
    let mut form = desk.clone();
    key(&mut form, KeyCode::Char('D'));
    assert_every_cell_is_safe(&form, "declare form");
    // Every tab of the desk, which draws the alerts pane and the panels.
    let mut tabs = desk;
    for _ in 0..4 {
        key(&mut tabs, KeyCode::Tab);
        assert_every_cell_is_safe(&tabs, "a focused pane");
    }
}

fn type_keys(model: &mut Model, text: &str) {
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
}

#[test]
fn no_hostile_character_reaches_a_cell_in_any_view_at_any_size() {
    let desk = hostile_model(false);
    let wall = hostile_model(true);
    for size in [(80, 24), (120, 40), (200, 50)] {
        assert_every_cell_is_safe_at(&desk, "desk", size);
        assert_every_cell_is_safe_at(&wall, "wall", size);
    }
    // The resolve confirmation: the title, the evidence and the open action items.
    let mut confirm = desk.clone();
    key(&mut confirm, KeyCode::Char('r'));
    assert!(
        matches!(confirm.overlay, Overlay::Confirm(_)),
        "{:?}",
        confirm.overlay
    );
    assert_every_cell_is_safe(&confirm, "resolve confirmation");
    // The message log, holding a refusal that quotes what was typed (or pasted).
    let mut log = desk.clone();
    key(&mut log, KeyCode::Char(':'));
    type_keys(&mut log, &format!("sev {}", hostile("evil")));
    key(&mut log, KeyCode::Enter);
    key(&mut log, KeyCode::Char('M'));
    assert!(matches!(log.overlay, Overlay::Messages));
    assert_every_cell_is_safe(&log, "message log");
    // The status line with the refusal, cut, at 80 columns.
    let mut status = desk.clone();
    key(&mut status, KeyCode::Char(':'));
    type_keys(&mut status, &format!("sev {}", hostile("x").repeat(8)));
    key(&mut status, KeyCode::Enter);
    assert_every_cell_is_safe_at(&status, "status line", (80, 24));
    // Completion choices of hostile names on the status line.
    let mut completion = desk.clone();
    key(&mut completion, KeyCode::Char(':'));
    type_keys(&mut completion, "role engineer ");
    key(&mut completion, KeyCode::Tab);
    assert_every_cell_is_safe(&completion, "completion choices");
    // The public update composer, drafted from the incident.
    let mut composer = desk.clone();
    key(&mut composer, KeyCode::Char('u'));
    assert_every_cell_is_safe(&composer, "composer");
    // The review of a mitigated incident.
    let mut review = desk.clone();
    let mitigated = Event {
        seq: 1_000,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: hostile("erin"),
        via: None,
        kind: EventKind::StatusChanged {
            from: Status::Investigating,
            to: Status::Mitigated,
            reason: Some(hostile("fixed")),
            commander: None,
        },
        intended_at: None,
    };
    // Someone else's why, which the editor is prefilled with.
    let reviewed = Event {
        seq: 1_001,
        kind: EventKind::ReviewEdited {
            edit: ReviewEdit {
                whys: Some(vec![hostile("the deploy")]),
                ..ReviewEdit::default()
            },
        },
        ..mitigated.clone()
    };
    super::fixture::feed(&mut review, Msg::Feed(Ok(vec![mitigated, reviewed])));
    key(&mut review, KeyCode::Char('R'));
    assert!(
        matches!(review.overlay, Overlay::Review(_)),
        "{:?}",
        review.overlay
    );
    assert_every_cell_is_safe(&review, "review");
    // The first why opened for editing: the input line draws the prefilled text.
    key(&mut review, KeyCode::Char('j'));
    key(&mut review, KeyCode::Enter);
    assert!(
        matches!(&review.overlay, Overlay::Review(screen)
            if screen.editing.as_ref().is_some_and(|e| e.input.value().contains("the deploy"))),
        "{:?}",
        review.overlay
    );
    assert_every_cell_is_safe(&review, "review editor");
    // Every pane at the compact size, one tab after another.
    let mut tabs = desk;
    for _ in 0..5 {
        key(&mut tabs, KeyCode::Tab);
        assert_every_cell_is_safe_at(&tabs, "a compact pane", (80, 24));
    }
}
