//! `update`: the one function that changes the [`Model`], a [`Msg`] at a time, returning the
//! [`Effect`]s to run. It is pure and fast: no I/O, no clock reads (the time arrives in
//! `Msg::Tick`), no waiting. Each message goes to the part that knows it (`feed`, `commands`,
//! the overlays, `desk`); what follows every message (the log of the incident on screen, the
//! panels following it) is done here once.

use super::outbox::{Outbox, Pending};
use super::overlay::{self, Overlay};
use super::panel_state::PanelAnswer;
use super::{
    Effect, Model, Msg, attention, command_line, commands, deliveries, desk, feed, followups,
    impact, incident_list, learn, opening,
};
use crate::client::{ClientError, Identity};
use crate::domain::{SeverityLevel, SeverityScale, Timestamp};
use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use std::time::Duration;

/// The effects to run at start: learn the scale and who we are, read the feed, and watch
/// the notification outbox.
pub fn init() -> Vec<Effect> {
    vec![
        Effect::FetchSeverities {
            delay: Duration::ZERO,
        },
        Effect::FetchIdentity {
            delay: Duration::ZERO,
        },
        Effect::Start {
            delay: Duration::ZERO,
        },
        Effect::FetchDeliveries {
            delay: Duration::ZERO,
        },
        Effect::LoadHistory,
    ]
}

/// Starts the outbox with what an earlier run left on disk (and why it could not be read, if
/// so), issuing new idempotency keys under `key_prefix`, which the runtime draws at random so
/// that `update` stays pure. Returns the sends of each incident's first waiting command.
pub fn resume(
    model: &mut Model,
    key_prefix: String,
    left: Vec<Pending>,
    warning: Option<String>,
) -> Vec<Effect> {
    model.outbox = Outbox::resumed(key_prefix, left);
    if let Some(warning) = warning {
        model.notify(warning, true);
    } else if !model.outbox.items.is_empty() {
        let count = model.outbox.items.len();
        model.notify(
            format!("sending {count} command(s) left from last time"),
            false,
        );
    }
    model
        .outbox
        .heads()
        .into_iter()
        .map(|outgoing| Effect::Send {
            outgoing,
            delay: Duration::ZERO,
        })
        .collect()
}

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    model.dirty = true;
    let mut effects = handle(model, msg);
    // Whatever changed the selection, only the incident on screen keeps an ended log, only
    // the newest ended ones stay besides it (a past incident opened by hand goes once another
    // is shown), and its log is fetched if it is not here.
    model.incidents.unload_ended(model.desk.selected.as_ref());
    model.incidents.prune(model.desk.selected.as_ref());
    effects.extend(
        model
            .incidents
            .log_wanted(model.desk.selected.as_ref())
            .map(Effect::Backfill),
    );
    // Whatever changed the selection or the clock, the panels follow the incident on screen.
    let service = model.current().and_then(|t| t.state.service.clone());
    model.metrics.follow_service(service.as_deref());
    let columns = crate::tui::layout::chart_columns(model);
    effects.extend(model.metrics.due(model.now, columns));
    effects.extend(model.metrics.detect_if_empty());
    impact::offer_impact_start(model);
    effects
}

fn handle(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Press => on_key(model, key),
        // A release or a repeat: nothing to do, nothing to draw.
        Msg::Key(_) => {
            model.dirty = false;
            vec![]
        }
        Msg::Paste(text) => overlay::on_paste(model, &text),
        Msg::Resize(width, height) => {
            model.size = (width, height);
            model.metrics.refresh_all();
            vec![]
        }
        Msg::Tick(now) => {
            on_tick(model, now);
            vec![]
        }
        Msg::Started(result) => feed::on_start(model, result),
        Msg::Feed(result) => feed::on_feed(model, result),
        Msg::Folded(incidents) => feed::on_folded(model, incidents),
        Msg::Backfill(id, result) => feed::on_backfill(model, id, result),
        Msg::Opened(id, result) => opening::on_opened(model, id, result),
        Msg::CaughtUp(id, result) => {
            opening::on_caught_up(model, &id, result);
            vec![]
        }
        Msg::Page(query, result) => incident_list::on_page(model, query, result),
        Msg::SearchPaused(edit) => incident_list::on_search_paused(model, edit),
        Msg::Severities(result) => on_severities(model, result),
        Msg::Identity(result) => on_identity(model, result),
        Msg::History(result) => {
            command_line::on_history(model, result);
            vec![]
        }
        Msg::HistorySaved(result) => {
            command_line::on_history_saved(model, result);
            vec![]
        }
        Msg::Sent { key, result } => commands::on_sent(model, key, result),
        Msg::PanelData {
            index,
            generation,
            window,
            purpose,
            result,
        } => {
            let answer = PanelAnswer {
                index,
                generation,
                window,
                purpose,
                result,
            };
            model.dirty = model.metrics.on_panel(answer, model.now);
            vec![]
        }
        Msg::Alerts(result) => {
            model.dirty = model.metrics.on_alerts(result, model.now);
            vec![]
        }
        Msg::Followups(path, result) => followups::on_page(model, path, result),
        Msg::Report(result) => {
            learn::on_report(model, result);
            vec![]
        }
        Msg::PanelsDetected(result) => {
            model.metrics.on_detected(result);
            vec![]
        }
        Msg::Deliveries(result) => deliveries::on_deliveries(model, result),
        Msg::Terminate => {
            model.quit = true;
            vec![]
        }
        Msg::OutboxSaved(result) => {
            on_outbox_saved(model, result);
            vec![]
        }
    }
}

/// A key press is the person at the screen: the banner has been seen. The key goes to the
/// open overlay, which takes every key, or to the desk when none is open.
fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let seen = model.attention.take().is_some();
    let effects = match std::mem::take(&mut model.overlay) {
        Overlay::None => desk::on_key(model, key),
        open => overlay::on_key(model, open, key),
    };
    // A key that does nothing else still redraws, or the cleared banner would stay on screen.
    model.dirty |= seen;
    effects
}

/// The 1 s clock: countdowns, notices and the banner expire, and a wall follows the most
/// severe incident.
fn on_tick(model: &mut Model, now: Timestamp) {
    let before = std::mem::replace(&mut model.now, now);
    model.dirty = crate::tui::layout::tick_changes_screen(model, before);
    if model.expire_notice() {
        model.dirty = true;
    }
    attention::expire(model);
    if model.setup.wall {
        let followed = model.desk.selected.clone();
        model.reselect();
        model.dirty |= model.desk.selected != followed;
    }
}

fn on_severities(
    model: &mut Model,
    result: Result<Vec<SeverityLevel>, ClientError>,
) -> Vec<Effect> {
    match result.map(SeverityScale::new) {
        Ok(Ok(scale)) => {
            model.scale = scale;
            model.reselect();
            vec![]
        }
        _ => vec![Effect::FetchSeverities {
            delay: Duration::from_secs(5),
        }],
    }
}

fn on_identity(model: &mut Model, result: Result<Identity, ClientError>) -> Vec<Effect> {
    match result {
        Ok(identity) => {
            model.identity = Some(identity);
            vec![]
        }
        Err(error) if error.is_transient() => vec![Effect::FetchIdentity {
            delay: Duration::from_secs(5),
        }],
        Err(error) => {
            model.notify(format!("backend: {}", error.reason()), true);
            vec![]
        }
    }
}

/// The outbox written to disk, or why it could not be: then the quit prompt says so.
fn on_outbox_saved(model: &mut Model, result: Result<(), String>) {
    match result {
        Ok(()) => model.outbox_on_disk = true,
        Err(reason) => {
            model.outbox_on_disk = false;
            model.notify(
                format!("pending commands are not saved to disk ({reason}): do not quit yet"),
                true,
            );
        }
    }
}
