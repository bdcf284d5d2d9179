//! A war room frozen at a known instant: the demo's scripted incident plus a second, minor
//! one, loaded through `update()` exactly as the feed would deliver them.

use chrono::{Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::client::Identity;
use warroom::config::Config;
use warroom::demo::scenario;
use warroom::demo::series::{synthetic_alerts, synthetic_series};
use warroom::domain::*;
use warroom::panels::MetricsSettings;
use warroom::tui::app::panel_state::Metrics;
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
            via: None,
            kind,
            intended_at: None,
        });
    }
    events
}

/// Incident INC-`n` declared by `actor` at [`now`], as seq `seq` of the feed.
pub fn declared(seq: u64, n: u64, severity: &str, title: &str, actor: &str) -> Event {
    let new = NewIncident {
        title: title.into(),
        severity: Severity::new(severity),
        service: None,
        summary: None,
        started_at: None,
        detected_at: None,
        alerts: vec![],
    };
    let kind = declare(new, now(), &SeverityScale::default())
        .unwrap()
        .remove(0);
    Event {
        seq,
        incident: IncidentId::from_number(n),
        at: now(),
        actor: actor.into(),
        kind,
        via: None,
        intended_at: None,
    }
}

/// The metrics settings of a default config: the three default panels.
pub fn metrics(has_panels: bool, has_alerts: bool) -> Metrics {
    let settings = MetricsSettings {
        detect_if_empty: false,
        ..MetricsSettings::from_config(&Config::default(), &SeverityScale::default()).unwrap()
    };
    Metrics::new(settings, has_panels, has_alerts)
}

/// Runs `msg` through `update` and answers the panel and alert refreshes it asks for with
/// the demo's synthetic data, as the runtime would with a real source. Returns the other
/// effects.
pub fn feed(model: &mut Model, msg: Msg) -> Vec<Effect> {
    feed_shaped(model, msg, None)
}

/// As [`feed`], but the panels answer with `incident`'s curves whatever is on screen: a
/// breach the incident on screen does not know of.
pub fn feed_curves_of(model: &mut Model, msg: Msg, incident: &Incident) -> Vec<Effect> {
    feed_shaped(model, msg, Some(incident))
}

fn feed_shaped(model: &mut Model, msg: Msg, curves: Option<&Incident>) -> Vec<Effect> {
    let effects = update(model, msg);
    let mut others = Vec::new();
    for effect in effects {
        let incident = match curves {
            Some(incident) => Some(incident.clone()),
            None => model.current().map(|t| t.state.clone()),
        };
        match (effect, incident) {
            (
                Effect::RefreshPanel {
                    index,
                    generation,
                    window,
                    purpose,
                    ..
                },
                incident,
            ) => {
                // Before an incident is on screen the panels ask for every series; the
                // synthetic source only draws an incident's.
                let result = Ok(incident
                    .map(|incident| synthetic_series(index, &window, &incident))
                    .unwrap_or_default());
                let msg = Msg::PanelData {
                    index,
                    generation,
                    window,
                    purpose,
                    result,
                };
                others.extend(feed_shaped(model, msg, curves));
            }
            (Effect::RefreshAlerts, _) => {
                // Alertmanager knows the demo incident's alert whatever is on screen.
                let demo = Incident::fold(IncidentId::from_number(1), &events());
                let msg = Msg::Alerts(Ok(synthetic_alerts(&demo)));
                others.extend(feed_shaped(model, msg, curves));
            }
            (effect, _) => others.push(effect),
        }
    }
    others
}

pub fn model_with(wall: bool, role: AccessRole) -> Model {
    let mut model = identified(wall, role);
    feed(&mut model, Msg::Feed(Ok(events())));
    model
}

/// The commander's desk with the feed in, and the panels' first queries sent but not
/// answered: Prometheus has not said anything yet.
pub fn model_before_prometheus() -> Model {
    let mut model = identified(false, AccessRole::Commander);
    update(&mut model, Msg::Feed(Ok(events())));
    model
}

fn identified(wall: bool, role: AccessRole) -> Model {
    let options = Options {
        wall,
        demo: false,
        keymap: KeyMap::default(),
        metrics: metrics(true, true),
        attention_from: (!wall).then(|| Severity::new("P1")),
    };
    let mut model = Model::new(options, now());
    model.size = (120, 40);
    let identity = Identity {
        person: "alice".into(),
        role,
    };
    feed(&mut model, Msg::Identity(Ok(identity)));
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

/// The screen as text, one line per row.
pub fn screen_text(model: &Model, width: u16, height: u16) -> String {
    let terminal = draw(model, &theme(), width, height);
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// The backend accepts every command waiting in the outbox, as it would once answered: the
/// next command of an incident goes only after the one before it.
pub fn accept_all(model: &mut Model) {
    while let Some(pending) = model.outbox.items.first() {
        let key = pending.outgoing.key.clone();
        let answer = warroom::client::CommandAccepted {
            version: 0,
            events: vec![],
        };
        update(
            model,
            Msg::Sent {
                key,
                result: Ok(warroom::tui::app::Sent::Command(answer)),
            },
        );
    }
}

/// The command a list of effects sends, if exactly one is sent (writing the `:` line's
/// history beside it does not count).
pub fn sent(effects: &[Effect]) -> Option<(&IncidentId, &Command)> {
    let effects: Vec<&Effect> = effects
        .iter()
        .filter(|e| !matches!(e, Effect::SaveHistory(_)))
        .collect();
    match effects.as_slice() {
        [Effect::Send { outgoing, .. }] => match &outgoing.request {
            warroom::tui::app::outbox::Request::Command { incident, command } => {
                Some((incident, command))
            }
            _ => None,
        },
        _ => None,
    }
}
