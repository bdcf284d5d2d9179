//! A war room frozen at a known instant: the demo's scripted incident plus a second, minor
//! one, loaded through `update()` exactly as the feed would deliver them.

use chrono::{Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::client::Identity;
use warroom::demo::scenario;
use warroom::domain::*;
use warroom::tui::app::{Effect, Model, Msg, Options, update};
use warroom::tui::keymap::KeyMap;
use warroom::tui::theme::{ColorMode, Theme};
use warroom::tui::view::view;

pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
}

/// The feed's events: the demo incident (INC-1) and a P2 declared five minutes ago (INC-2).
pub fn events() -> Vec<Event> {
    let mut events = scenario::seeded_events(now(), "alice");
    let minor = NewIncident {
        title: "Search suggestions slow in eu-west".into(),
        severity: Severity::new("P2"),
        service: Some("search".into()),
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let at = now() - Duration::minutes(5);
    for kind in declare(minor, at, &SeverityScale::default()).unwrap() {
        events.push(Event {
            seq: events.len() as u64 + 1,
            incident: IncidentId::from_number(2),
            at,
            actor: "dan".into(),
            kind,
        });
    }
    events
}

pub fn model_with(wall: bool, role: AccessRole) -> Model {
    let options = Options {
        wall,
        demo: false,
        keymap: KeyMap::default(),
    };
    let mut model = Model::new(options, now());
    update(
        &mut model,
        Msg::Identity(Ok(Identity {
            person: "alice".into(),
            role,
        })),
    );
    update(&mut model, Msg::Feed(Ok(events())));
    model
}

/// The commander's desk, following INC-1.
pub fn model() -> Model {
    model_with(false, AccessRole::Commander)
}

pub fn theme() -> Theme {
    Theme::new(ColorMode::Ansi256, false)
}

pub fn draw(model: &Model, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(model, theme, frame)).unwrap();
    terminal
}

/// The command a list of effects sends, if exactly one is sent.
pub fn sent(effects: &[Effect]) -> Option<(&IncidentId, &Command)> {
    match effects {
        [Effect::Send { outgoing, .. }] => match &outgoing.request {
            warroom::tui::app::outbox::Request::Command { incident, command } => {
                Some((incident, command))
            }
            _ => None,
        },
        _ => None,
    }
}
