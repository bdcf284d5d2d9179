//! Quitting: at once when the backend has acknowledged every command; otherwise a question
//! first, saying how many are still on their way (`y` quits, any other key stays).

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

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    model.quit = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    vec![]
}
