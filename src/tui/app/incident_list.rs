//! The incident list (`l`, `:list`): every open incident, most severe first and newest first
//! within a severity (the order of `[`/`]`), to see all that burns and switch with Enter.

use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::domain::{Incident, IncidentId};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The keys the list names in its first line.
pub const HINTS: [Hint; 3] = [
    Hint {
        key: "↑↓",
        does: "choose",
    },
    Hint {
        key: "Enter",
        does: "switches",
    },
    Hint {
        key: "Esc",
        does: "closes",
    },
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentList {
    /// The incident under the cursor. An id, not an index: the list reorders while it is
    /// open (a P0 declared elsewhere goes to the top), and Enter must switch to the row the
    /// person sees highlighted.
    pub highlighted: Option<IncidentId>,
}

impl IncidentList {
    /// The cursor's row in `rows`: the highlighted incident's, or the first row when it has
    /// left the list (closed meanwhile).
    pub fn cursor(&self, rows: &[&Incident]) -> usize {
        rows.iter()
            .position(|incident| Some(&incident.id) == self.highlighted.as_ref())
            .unwrap_or(0)
    }
}

/// The open incidents, in list order.
pub fn rows(model: &Model) -> Vec<&Incident> {
    model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .filter(|incident| incident.status.is_open())
        .collect()
}

/// Opens the list on the incident on screen.
pub(super) fn open(model: &mut Model) {
    let rows = rows(model);
    let highlighted = rows
        .iter()
        .find(|incident| Some(&incident.id) == model.desk.selected.as_ref())
        .or(rows.first())
        .map(|incident| incident.id.clone());
    model.overlay = Overlay::IncidentList(IncidentList { highlighted });
}

/// Up and Down move, Enter switches to the incident under the cursor, Esc closes.
pub(super) fn on_key(model: &mut Model, mut list: IncidentList, key: KeyEvent) -> Vec<Effect> {
    let rows = rows(model);
    let cursor = list.cursor(&rows);
    let moved_to = |index: usize| rows.get(index).map(|incident| incident.id.clone());
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => list.highlighted = moved_to(cursor.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => {
            list.highlighted = moved_to((cursor + 1).min(rows.len().saturating_sub(1)))
        }
        KeyCode::Enter => {
            if let Some(id) = moved_to(cursor) {
                model.select(Some(id));
            }
            return vec![];
        }
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('l') => return vec![],
        _ => model.dirty = false,
    }
    model.overlay = Overlay::IncidentList(list);
    vec![]
}
