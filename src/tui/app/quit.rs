//! Quitting: at once when the backend has acknowledged every command; otherwise a question
//! first, saying how many are still on their way (`y` quits, any other key stays). The
//! question is asked only because of those commands: when the backend acknowledges the last of
//! them while it is on screen, the quit goes ahead; when it refuses one, the question closes
//! and the refusal is read first.

use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The keys the question offers.
pub const HINTS: [Hint; 2] = [
    Hint {
        key: "y",
        does: "quit anyway",
    },
    Hint {
        key: "any other key",
        does: "stay",
    },
];

/// Quits, unless commands are still on their way: then asks first, saying how many.
pub(super) fn quit_or_ask(model: &mut Model) {
    if model.outbox.items.is_empty() {
        model.quit = true;
    } else {
        model.overlay = Overlay::QuitPending;
    }
}

/// A refusal was just said while the question is on screen: the question closes, so that the
/// person reads what was refused before quitting (a quit past it would drop the command
/// unseen). Only a refusal the status line says closes it, not a late answer to a command
/// already settled.
pub(super) fn refusal_said(model: &mut Model) {
    if matches!(model.overlay, Overlay::QuitPending) {
        model.overlay = Overlay::None;
    }
}

/// After an answer from the backend, while the question is still on screen: with nothing left
/// on its way, the quit goes ahead.
pub(super) fn once_answered(model: &mut Model) {
    if matches!(model.overlay, Overlay::QuitPending) && model.outbox.items.is_empty() {
        model.quit = true;
    }
}

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.quit = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    vec![]
}
