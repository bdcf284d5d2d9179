//! The corrective actions on the review screen, without traps: space marks one done; `x` asks
//! before it drops one, and for [`UNDO_SECONDS`] after the drop `u` opens it again (later, `o`
//! on the dropped row, or `:reopen C2` on the desk); Enter changes its kind.
//!
//! A question is either open and taking every key, or gone: `y` (or Enter) answers a drop,
//! `d`, `p` or `c` a kind, and any other key closes it with nothing sent.

use super::ReviewOutcome;
use crate::domain::{Command, CorrectiveAction, CorrectiveKind, CorrectiveState, Timestamp};
use ratatui::crossterm::event::KeyCode;

/// How long `u` undoes a drop.
pub const UNDO_SECONDS: i64 = 10;

/// A question about one corrective action, open over the screen's foot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asking {
    /// Drop it? `y` or Enter drops it.
    Drop { id: u32 },
    /// Which kind? `d`, `p` or `c`.
    Kind { id: u32, now: CorrectiveKind },
}

/// A drop that `u` can still take back, until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undo {
    pub id: u32,
    pub until: Timestamp,
}

impl Undo {
    /// Whole seconds left to undo, or `None` once the window has passed.
    pub fn seconds_left(&self, now: Timestamp) -> Option<i64> {
        let left = (self.until - now).num_milliseconds();
        (left > 0).then(|| (left + 999) / 1000)
    }
}

/// The key that names a kind: its initial.
pub fn kind_key(kind: CorrectiveKind) -> char {
    match kind {
        CorrectiveKind::Detective => 'd',
        CorrectiveKind::Preventive => 'p',
        CorrectiveKind::Corrective => 'c',
    }
}

/// The answer to an open question; the question is closed whatever the key.
pub fn answer(
    asking: Asking,
    key: KeyCode,
    now: Timestamp,
    undo: &mut Option<Undo>,
) -> ReviewOutcome {
    match (asking, key) {
        (Asking::Drop { id }, KeyCode::Char('y' | 'Y') | KeyCode::Enter) => {
            *undo = Some(Undo {
                id,
                until: now + chrono::Duration::seconds(UNDO_SECONDS),
            });
            ReviewOutcome::Send(Command::DropCorrectiveAction { id })
        }
        (Asking::Kind { id, now: current }, KeyCode::Char(typed)) => CorrectiveKind::ALL
            .into_iter()
            .find(|kind| kind_key(*kind) == typed.to_ascii_lowercase())
            .filter(|kind| *kind != current)
            .map_or(ReviewOutcome::Stay, |kind| {
                ReviewOutcome::Send(Command::SetCorrectiveKind { id, kind })
            }),
        _ => ReviewOutcome::Stay,
    }
}

/// A key on a corrective action's row, or on the empty slot after the last one (`None`).
pub fn on_row(
    action: Option<&CorrectiveAction>,
    key: KeyCode,
    asking: &mut Option<Asking>,
) -> ReviewOutcome {
    let Some(action) = action else {
        return ReviewOutcome::Stay;
    };
    let open = action.state == CorrectiveState::Open;
    match key {
        KeyCode::Char(' ') if open => {
            ReviewOutcome::Send(Command::CompleteCorrectiveAction { id: action.id })
        }
        KeyCode::Char('x') | KeyCode::Delete if open => {
            *asking = Some(Asking::Drop { id: action.id });
            ReviewOutcome::Stay
        }
        KeyCode::Char('o') if action.state == CorrectiveState::Dropped => {
            ReviewOutcome::Send(Command::ReopenCorrectiveAction { id: action.id })
        }
        KeyCode::Enter | KeyCode::Char('e') => {
            *asking = Some(Asking::Kind {
                id: action.id,
                now: action.kind,
            });
            ReviewOutcome::Stay
        }
        _ => ReviewOutcome::Stay,
    }
}

/// `u` within the window: the last drop, opened again.
pub fn undo(undo: &mut Option<Undo>, now: Timestamp) -> ReviewOutcome {
    match undo.take() {
        Some(last) if last.seconds_left(now).is_some() => {
            ReviewOutcome::Send(Command::ReopenCorrectiveAction { id: last.id })
        }
        _ => ReviewOutcome::Stay,
    }
}
