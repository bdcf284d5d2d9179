//! The incident list (`l`, `:list`): every open incident, most severe first and newest first
//! within a severity (the order of `[`/`]`), to see all that burns and switch with Enter.

use super::{Model, Overlay};
use crate::domain::Incident;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentList {
    /// Index into [`rows`].
    pub cursor: usize,
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
    let cursor = rows(model)
        .iter()
        .position(|incident| Some(&incident.id) == model.selected.as_ref())
        .unwrap_or(0);
    model.overlay = Overlay::IncidentList(IncidentList { cursor });
}

/// Up and Down move, Enter switches to the incident under the cursor, Esc closes.
pub(super) fn on_key(model: &mut Model, mut list: IncidentList, key: KeyEvent) {
    let count = rows(model).len();
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => list.cursor = list.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            list.cursor = (list.cursor + 1).min(count.saturating_sub(1))
        }
        KeyCode::Enter => {
            let chosen = rows(model).get(list.cursor).map(|i| i.id.clone());
            if let Some(id) = chosen {
                model.follow = false;
                model.select(Some(id));
            }
            return;
        }
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('l') => return,
        _ => model.dirty = false,
    }
    model.overlay = Overlay::IncidentList(list);
}
