//! The severity picker (`s`): the scale's levels with their descriptions; up and down move,
//! Enter picks, a digit picks that level at once (`0` is P0), Esc cancels.

use super::commands::{incident_for, send_command};
use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::domain::{AccessRole, Command, IncidentId, Severity, SeverityScale};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The keys the picker's title names.
pub const HINTS: [Hint; 2] = [
    Hint {
        key: "enter",
        does: "picks",
    },
    Hint {
        key: "esc",
        does: "cancels",
    },
];

/// The severity picker: the levels with their descriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityPicker {
    pub selected: usize,
    /// The incident on screen when the picker opened: the one whose severity it sets.
    pub incident: IncidentId,
}

impl SeverityPicker {
    pub fn new(incident: IncidentId, current: &Severity, scale: &SeverityScale) -> Self {
        SeverityPicker {
            selected: scale.rank(current).min(scale.levels().len() - 1),
            incident,
        }
    }

    /// Up/down move, Enter picks, a digit picks that level directly (`0` is P0).
    pub fn handle_key(&mut self, key: KeyEvent, scale: &SeverityScale) -> Option<Option<Severity>> {
        let levels = scale.levels();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return Some(None),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(levels.len() - 1)
            }
            KeyCode::Enter => return Some(Some(levels[self.selected].name.clone())),
            KeyCode::Char(c) if key.modifiers == KeyModifiers::NONE && c.is_ascii_digit() => {
                let wanted = c.to_digit(10).unwrap_or(0) as usize;
                return levels.get(wanted).map(|l| Some(l.name.clone()));
            }
            _ => {}
        }
        None
    }
}

/// Opens the picker on the selected incident's severity, for its commander.
pub(super) fn open(model: &mut Model) {
    if let Some(id) = incident_for(model, AccessRole::Commander) {
        let current = model.current().map(|t| t.state.severity.clone());
        if let Some(current) = current {
            model.overlay = Overlay::Severity(SeverityPicker::new(id, &current, &model.scale));
        }
    }
}

pub(super) fn on_key(model: &mut Model, mut picker: SeverityPicker, key: KeyEvent) -> Vec<Effect> {
    match picker.handle_key(key, &model.scale) {
        None => {
            model.overlay = Overlay::Severity(picker);
            vec![]
        }
        Some(None) => vec![],
        Some(Some(severity)) => {
            let id = picker.incident;
            send_command(model, id, Command::SetSeverity { severity }, vec![])
        }
    }
}
